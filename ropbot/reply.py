"""The value the engine hands to channels. Channels decide how it looks; nothing here knows Telegram."""
from __future__ import annotations

from dataclasses import dataclass, field

from .matcher import Hit

# Decisions a channel may see.
CRISIS = "crisis"
ANSWER = "answer"
NUMBER = "number"
GLOSSARY = "glossary"
DID_YOU_MEAN = "did_you_mean"
FALLBACK = "fallback"
INTENT = "intent"
AUDIENCE = "audience"
EMPTY = "empty"
BROWSE = "browse"
ANSWERS = (ANSWER, NUMBER, GLOSSARY)


@dataclass(frozen=True)
class Part:
    """One block of a reply. kind: alert, heading, meta, body, bullet, source, credit, note,
    safety (the emergency numbers under an answer that names suicide, self-harm, overdose or violence)."""

    kind: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Action:
    """A follow-up a channel can offer as a button. `action` is short and channel-neutral:
    show:<id>, view:<id>:plain|pro, section:<n>, chapter:<n>, chapters, role:<id>, roles, term:<id>."""

    label: str
    action: str


@dataclass(frozen=True)
class Reply:
    decision: str
    parts: tuple[Part, ...]
    entry_id: str | None = None
    source_url: str | None = None
    followups: tuple[Action, ...] = ()
    hits: tuple[Hit, ...] = ()
    audience: str = "staff"
    view: str | None = None
    crisis: frozenset[str] = field(default_factory=frozenset)
    urgency: str | None = None  # "acute" (crisis card first) or "concern" (numbers under the answer)
    answer: "Reply | None" = None  # on an acute card: the answer to what the message also asked

    @property
    def shows_numbers(self) -> bool:
        return self.urgency is not None

    @property
    def answered(self) -> bool:
        return self.decision in ANSWERS and self.entry_id is not None

    def text(self) -> str:
        """Plain-text rendering, used by the terminal chat and the CLI."""
        lines: list[str] = []
        for part in self.parts:
            if part.kind == "bullet":
                lines.append(f"  • {part.text}")
            elif part.kind == "source":
                lines.append(f"{part.text}: {part.url}" if part.url else part.text)
            elif part.kind in ("alert", "safety"):
                lines.append(f"!! {part.text}")
            else:
                lines.append(part.text)
        if self.followups:
            lines.append("Se også: " + " | ".join(a.label for a in self.followups))
        if self.answer is not None:
            lines.extend(("", self.answer.text()))
        return "\n".join(lines)
