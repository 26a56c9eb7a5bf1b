"""The value the engine hands to channels. Channels decide how it looks; nothing here knows Telegram."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from .intents import Audience


class Decision(StrEnum):
    """What the engine decided; a channel chooses how each looks. String values, because the
    store records them and reports group by them."""

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


ANSWERS = (Decision.ANSWER, Decision.NUMBER, Decision.GLOSSARY)


class Hit(NamedTuple):
    """One ranked entry. A named tuple, not a dataclass: ten are made per message, and a
    frozen dataclass costs several times more to build."""

    id: str
    score: float          # calibrated confidence in [0, 1]
    entry_score: float    # normalised BM25 over the whole entry
    fuzzy: float          # rapidfuzz similarity to the best example, 0..1
    coverage: float = 0.0  # idf-weighted share of the typed words this entry explains
    blend: float = 0.0     # the ranking score the hits are sorted by (the ranker's log-odds)
    features: tuple[float, ...] = ()  # what the ranker saw (FEATURES), for training and reports




@dataclass(frozen=True)
class Part:
    """One block of a reply. kind: alert, heading, meta, body, bullet, source, credit, note,
    safety (the emergency numbers under an answer that names suicide, self-harm, overdose or violence)."""

    kind: str
    text: str
    url: str | None = None


class Go(StrEnum):
    """Where a follow-up leads."""

    SHOW = "show"          # an entry (recommendation, role section, topic, glossary term)
    VIEW = "view"          # the same entry in the other language level
    SECTION = "section"    # every entry of a section
    CHAPTER = "chapter"    # a chapter's sections
    CHAPTERS = "chapters"  # the chapter list
    ROLES = "roles"        # the roles and responsibilities list


@dataclass(frozen=True)
class Action:
    """A follow-up a channel can offer as a button: a label and where it leads, as values
    (`Action("Enklere språk", Go.VIEW, "R69", "plain")`), never a string to be parsed."""

    label: str
    go: Go
    target: str | None = None  # an entry id, a section or chapter number
    view: str | None = None    # for Go.VIEW: "plain" or "pro"


@dataclass(frozen=True)
class Reply:
    decision: Decision
    parts: tuple[Part, ...]
    entry_id: str | None = None
    source_url: str | None = None
    followups: tuple[Action, ...] = ()
    hits: tuple[Hit, ...] = ()
    audience: Audience = Audience.STAFF
    view: str | None = None
    crisis: frozenset[str] = field(default_factory=frozenset)
    urgency: str | None = None  # "acute" (crisis card first) or "concern" (numbers under the answer)
    answer: Reply | None = None  # on an acute card: the answer to what the message also asked

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
