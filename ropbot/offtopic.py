"""Common needs outside the ROP guideline (coercion, minors and confidentiality, alcohol or
cannabis alone, driving licences, money from NAV): say so, and where to ask instead.

"Prøv gjerne med andre ord" is the wrong reply to "how do we get him committed": the guideline
has no answer, and rephrasing will not find one. The notes and the services they name are data
(intents/offtopic.yaml), each service with the page it was checked on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .intents import any_of
from .yamlio import load_file


@dataclass(frozen=True)
class Service:
    name: str
    url: str
    source: str
    phone: str | None = None


@dataclass(frozen=True)
class Theme:
    name: str
    cues: re.Pattern[str]
    unless: re.Pattern[str]
    note: str
    services: tuple[Service, ...]

    def applies(self, text: str) -> bool:
        return self.cues.search(text) is not None and self.unless.search(text) is None


@dataclass(frozen=True)
class OffTopic:
    themes: tuple[Theme, ...]

    @classmethod
    def load(cls, path: Path) -> OffTopic:
        data = load_file(path, f"intents/{path.name}") if path.exists() else {}
        themes = []
        for item in (data or {}).get("themes") or ():
            services = tuple(Service(str(s["name"]), str(s["url"]), str(s["source"]),
                                     str(s["phone"]) if s.get("phone") else None) for s in item.get("services") or ())
            themes.append(Theme(str(item["theme"]), any_of(item.get("cues") or ()), any_of(item.get("unless") or ()),
                                " ".join(str(item["note"]).split()), services))
        return cls(tuple(themes))

    def theme(self, text: str) -> Theme | None:
        """The first theme a (lower-cased) message is about, or None."""
        for theme in self.themes:
            if theme.applies(text):
                return theme
        return None
