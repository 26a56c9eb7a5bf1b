"""Frozen corpus entries.

Everything a channel shows comes from these values; they are immutable so a
loaded corpus can be shared across threads and swapped atomically.
"""
from __future__ import annotations

import functools

from dataclasses import dataclass, field
from typing import Iterator

WRITTEN = "written"
PLACEHOLDER = "placeholder"


@dataclass(frozen=True)
class Guideline:
    title: str
    short_title: str
    is_number: str
    isbn: str
    publisher: str
    published: str
    url: str
    credit: str
    key_messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    number: str
    title: str
    url: str | None
    chapter: str


@dataclass(frozen=True)
class Chapter:
    number: str
    title: str
    url: str | None
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Entry:
    """Fields shared by everything the matcher can answer with."""

    id: str
    title: str
    text: str
    plain: str
    source: str
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    relatives: bool = False
    file: str = ""
    line: int = 0

    @property
    def kind(self) -> str:
        return "entry"

    @property
    def answerable(self) -> bool:
        return True


@dataclass(frozen=True)
class Recommendation(Entry):
    number: int = 0
    chapter: str | None = None
    section: str | None = None
    grade: str | None = None
    status: str = PLACEHOLDER
    related: tuple[str, ...] = ()
    patient_point: int | None = None
    source_note: str | None = None

    @property
    def kind(self) -> str:
        return "recommendation"

    @property
    def answerable(self) -> bool:
        return self.status == WRITTEN


@dataclass(frozen=True)
class Role(Entry):
    section: str = ""
    responsible: tuple[str, ...] = ()
    points: tuple[str, ...] = ()
    recommendations: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "role"


@dataclass(frozen=True)
class Topic(Entry):
    """Plain-language pages for patients and relatives (not numbered in the guideline)."""

    cites: tuple[str, ...] = ()
    patient_point: int | None = None

    @property
    def kind(self) -> str:
        return "topic"


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    see: tuple[str, ...] = ()
    source: str | None = None
    file: str = ""
    line: int = 0

    @property
    def kind(self) -> str:
        return "term"


@dataclass(frozen=True)
class Corpus:
    guideline: Guideline
    chapters: tuple[Chapter, ...]
    recommendations: tuple[Recommendation, ...]
    roles: tuple[Role, ...]
    topics: tuple[Topic, ...]
    glossary: tuple[Term, ...]
    checksum: str = ""
    _by_id: dict[str, Entry | Term] = field(default_factory=dict, compare=False, repr=False)
    _sections: dict[str, Section] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Lookup tables are derived once so per-message code never scans lists.
        by_id: dict[str, Entry | Term] = {}
        for item in (*self.recommendations, *self.roles, *self.topics, *self.glossary):
            by_id[item.id] = item
        self._by_id.update(by_id)
        for chapter in self.chapters:
            for section in chapter.sections:
                self._sections[section.number] = section

    def get(self, entry_id: str) -> Entry | Term | None:
        return self._by_id.get(entry_id)

    def resolve(self, key: str) -> str | None:
        """The id an address means, typed as people type it: R69, r69, 69, S8.3.2 or S8_3_2
        (Telegram's deep links allow no dots)."""
        key = key.strip()
        candidates = [key, key.replace("_", "."), key.upper(), key.upper().replace("_", ".")]
        if key.isascii() and key.isdigit() and len(key) <= 4:
            candidates.append(f"R{int(key)}")
        return next((c for c in candidates if c in self._by_id), None)

    def recommendation(self, number: int) -> Recommendation | None:
        item = self._by_id.get(f"R{number}")
        return item if isinstance(item, Recommendation) else None

    def section(self, number: str | None) -> Section | None:
        return self._sections.get(number) if number else None

    @functools.cached_property
    def section_numbers(self) -> frozenset[str]:
        return frozenset(self._sections)

    def chapter(self, number: str | None) -> Chapter | None:
        for chapter in self.chapters:
            if chapter.number == number:
                return chapter
        return None

    def entries(self) -> Iterator[Entry]:
        yield from self.recommendations
        yield from self.roles
        yield from self.topics

    def in_section(self, number: str) -> tuple[Recommendation, ...]:
        return tuple(r for r in self.recommendations if r.section == number)

    @property
    def written(self) -> tuple[Recommendation, ...]:
        return tuple(r for r in self.recommendations if r.status == WRITTEN)
