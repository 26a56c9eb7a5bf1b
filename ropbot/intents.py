"""Conversation intents (greeting, help, thanks) and audience cues, read from intents/*.yaml."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .yamlio import load_file

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


class Audience(StrEnum):
    """Who is asking: staff get the professional text, relatives and patients the plain one."""

    STAFF = "staff"
    RELATIVE = "relative"


@dataclass(frozen=True)
class Intent:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    reply: str


@dataclass(frozen=True)
class Conversation:
    intents: tuple[Intent, ...]
    help_examples: tuple[str, ...]
    relative_cues: re.Pattern[str]
    staff_cues: re.Pattern[str]
    switch_relative: str
    switch_staff: str
    fallback: str
    out_of_scope: str
    examples_heading: str = ""
    fallback_relative: str = ""
    relative_page: str = ""
    helpline: str = ""
    did_you_mean: str = "Kanskje et av disse?"
    out_of_scope_cues: re.Pattern[str] = re.compile(r"(?!)")
    question_cues: re.Pattern[str] = re.compile(r"\?")

    @classmethod
    def load(cls, path: Path) -> Conversation:
        data = load_file(path, f"intents/{path.name}")
        intents = tuple(
            Intent(name, tuple(re.compile(p) for p in data[name]["patterns"]), data[name]["reply"].strip())
            for name in ("greeting", "thanks", "help")
        )
        aud = data["audience"]
        return cls(
            intents=intents,
            help_examples=tuple(data["help"].get("examples") or ()),
            relative_cues=any_of(aud["relative"]),
            staff_cues=any_of(aud["staff"]),
            switch_relative=aud["switch_relative"].strip(),
            switch_staff=aud["switch_staff"].strip(),
            fallback=data["fallback"]["reply"].strip(),
            out_of_scope=data["fallback"]["out_of_scope"].strip(),
            examples_heading=str(data["fallback"].get("examples_heading") or "").strip(),
            fallback_relative=str(data["fallback"].get("relative") or data["fallback"]["reply"]).strip(),
            relative_page=str(data["fallback"].get("relative_page") or ""),
            helpline=str(data["fallback"].get("helpline") or "").strip(),
            did_you_mean=str(data["fallback"].get("did_you_mean") or "Kanskje et av disse?").strip(),
            out_of_scope_cues=any_of(data.get("out_of_scope") or ()),
            question_cues=any_of(data.get("question") or (r"\?",)),
        )

    def intent(self, folded: str) -> Intent | None:
        for intent in self.intents:
            if any(p.match(folded) for p in intent.patterns):
                return intent
        return None

    def outside_scope(self, folded: str) -> bool:
        return self.out_of_scope_cues.search(folded) is not None

    def focus(self, text: str) -> str | None:
        """The sentences of a longer message that ask something (and its last sentence, where a
        story's request usually stands); None for a message of one sentence."""
        parts = [p.strip() for p in _SENTENCES.split(text) if p.strip()]
        if len(parts) < 2:
            return None
        asking = [p for p in parts if self.asks(p.lower())]
        if parts[-1] not in asking:
            asking.append(parts[-1])
        return " ".join(asking)

    def asks(self, text: str) -> bool:
        """True when some sentence of the (lower-cased) message asks something."""
        return self.question_cues.search(text) is not None

    def audience_cue(self, folded: str) -> Audience | None:
        if self.staff_cues.search(folded):
            return Audience.STAFF
        if self.relative_cues.search(folded):
            return Audience.RELATIVE
        return None


def any_of(patterns: Iterable[str]) -> re.Pattern[str]:
    """One compiled alternation: a single scan per message instead of one per rule."""
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)")
