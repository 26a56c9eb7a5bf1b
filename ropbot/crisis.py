"""Crisis detection. It runs before any matching, so emergency numbers always come first."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .intents import any_of
from .yamlio import load_file


@dataclass(frozen=True)
class CrisisRules:
    strong: dict[str, re.Pattern[str]]
    weak: dict[str, re.Pattern[str]]
    professional: re.Pattern[str]
    heading: str
    lines: tuple[str, ...]
    violence_first: str
    overdose_tip: str
    footer: str

    @classmethod
    def load(cls, path: Path) -> "CrisisRules":
        data = load_file(path, f"intents/{path.name}")
        compile_all = lambda group: {k: any_of(v) for k, v in (group or {}).items()}
        reply = data["reply"]
        return cls(
            strong=compile_all(data.get("strong")),
            weak=compile_all(data.get("weak")),
            professional=any_of(data.get("professional") or ()),
            heading=reply["heading"], lines=tuple(reply["lines"]), violence_first=reply["violence_first"],
            overdose_tip=reply["overdose_tip"], footer=reply["footer"],
        )

    def detect(self, folded: str) -> frozenset[str]:
        """Kinds of danger signalled by an already folded message; empty when none."""
        kinds = {kind for kind, pattern in self.strong.items() if pattern.search(folded)}
        if not kinds and not self.professional.search(folded):
            kinds = {kind for kind, pattern in self.weak.items() if pattern.search(folded)}
        return frozenset(kinds)

