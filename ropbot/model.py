"""Frozen corpus entries, and how each of their fields is read from YAML.

Everything a channel shows comes from these values; they are immutable so a
loaded corpus can be shared across threads and swapped atomically. Each YAML
field is declared once, here: the validator's schema, the loader and the docs
test (tests/test_docs.py) all read the `Yaml` metadata, so they cannot drift.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

WRITTEN = "written"
PLACEHOLDER = "placeholder"

# Accepted YAML types. A list holds plain values (strings or numbers) unless the field is `nested`.
NULL = type(None)
STR, OPT_STR, INT, OPT_INT, BOOL, LIST = (str,), (str, NULL), (int,), (int, NULL), (bool,), (list,)


def _same(value: Any) -> Any:
    return value


def stripped(value: str | None) -> str:
    """Block scalars end in a newline and placeholders hold null; answers want neither."""
    return (value or "").strip()


def strings(values: list[Any] | None) -> tuple[str, ...]:
    """Ids and examples may be written as bare numbers in YAML; the matcher wants text."""
    return tuple(str(x) for x in values or ())


def as_tuple(values: list[Any] | None) -> tuple[Any, ...]:
    """Immutable, but kept as written: key messages are shown, never matched."""
    return tuple(values or ())


@dataclass(frozen=True)
class Yaml:
    """How one field is read from YAML (the `yaml` metadata of a dataclass field)."""

    doc: str
    required: bool = True
    types: tuple[type, ...] = STR
    key: str = ""  # the YAML key, when it differs from the attribute
    convert: Callable[[Any], Any] = _same  # raw value (None when absent) -> attribute value
    nested: str = ""  # the kind of the mappings this list holds; the loader builds them


def from_yaml(doc: str, *, default: Any = MISSING, default_factory: Any = MISSING, **spec: Any) -> Any:
    return field(default=default, default_factory=default_factory, metadata={"yaml": Yaml(doc, **spec)})


def derived(doc: str, *, default: Any = MISSING) -> Any:
    """A field the loader works out (where an entry was read, its parent's number), never read."""
    return field(default=default, metadata={"derived": doc})


def refine(base: type, name: str, **changes: Any) -> Any:
    """`base`'s field as one kind reads it (placeholders may hold null text, say); same meaning."""
    old = next(f for f in fields(base) if f.name == name)
    return field(default=old.default, default_factory=old.default_factory,
                 metadata={"yaml": replace(old.metadata["yaml"], **changes)})


@functools.cache
def yaml_fields(cls: type) -> dict[str, tuple[str, Yaml]]:
    """YAML key -> (attribute, how it is read), in declaration order."""
    out: dict[str, tuple[str, Yaml]] = {}
    for f in fields(cls):
        spec = f.metadata.get("yaml")
        if spec is None and "derived" not in f.metadata:
            raise TypeError(f"{cls.__name__}.{f.name} is neither read from YAML nor derived")
        if spec is not None:
            out[spec.key or f.name] = (f.name, spec)
    return out


@dataclass(frozen=True)
class Guideline:
    title: str = from_yaml("full official title")
    short_title: str = from_yaml("short name used in answers")
    is_number: str = from_yaml("Helsedirektoratet's publication number")
    isbn: str = from_yaml("ISBN")
    publisher: str = from_yaml("publisher")
    published: str = from_yaml("publication date, ISO")
    url: str = from_yaml("the guideline's front page")
    credit: str = from_yaml("the one-line credit shown under every answer")
    key_messages: tuple[str, ...] = from_yaml("the key messages, in our own words", default=(),
                                              required=False, types=LIST, convert=as_tuple)
    key_messages_source: str | None = from_yaml("URL where the key messages stand", default=None,
                                                required=False, types=OPT_STR)


@dataclass(frozen=True)
class Section:
    number: str = from_yaml("section number as a string ('8.3.2')")
    title: str = from_yaml("section title")
    url: str | None = from_yaml("official URL, or null", required=False, types=OPT_STR)
    chapter: str = derived("the number of the chapter it is listed under")


@dataclass(frozen=True)
class Chapter:
    number: str = from_yaml("chapter number as a string ('8')")
    title: str = from_yaml("chapter title")
    url: str | None = from_yaml("official URL, or null", required=False, types=OPT_STR)
    sections: tuple[Section, ...] = from_yaml("its sections", default=(), required=False, types=LIST,
                                              nested="section")


@dataclass(frozen=True)
class Entry:
    """Fields shared by everything the matcher can answer with."""

    id: str = from_yaml("stable id in the pattern of its kind")
    title: str = from_yaml("short title in our own words", convert=stripped)
    text: str = from_yaml("the content in our own words", convert=stripped)
    plain: str = from_yaml("the same in plain language for patients and relatives", convert=stripped)
    source: str = from_yaml("URL of the official page")
    examples: tuple[str, ...] = from_yaml("questions a reader might type; the matcher's strongest signal",
                                          default=(), types=LIST, convert=strings)
    keywords: tuple[str, ...] = from_yaml("extra search words", default=(), required=False, types=LIST,
                                          convert=strings)
    audience: tuple[str, ...] = from_yaml("the services it addresses", default=(), required=False,
                                          types=LIST, convert=strings)
    relatives: bool = from_yaml("true when it matters most to patients and relatives", default=False,
                                required=False, types=BOOL, convert=bool)
    source_note: str | None = from_yaml("why the source or a fact differs from the official map",
                                        default=None, required=False, types=OPT_STR)
    file: str = derived("the file it was read from, for error messages", default="")
    line: int = derived("its line in that file", default=0)

    @property
    def kind(self) -> str:
        return "entry"

    @property
    def answerable(self) -> bool:
        return True


@dataclass(frozen=True)
class Recommendation(Entry):
    # a placeholder has no text of ours yet, only its number and a link
    text: str = refine(Entry, "text", types=OPT_STR)
    plain: str = refine(Entry, "plain", types=OPT_STR)
    audience: tuple[str, ...] = refine(Entry, "audience", required=True)
    number: int = from_yaml("the official number, 1–93", default=0, types=INT)
    chapter: str | None = from_yaml("chapter number, or null when unknown", default=None, types=OPT_STR)
    section: str | None = from_yaml("section number listed under chapters, or null when unknown",
                                    default=None, types=OPT_STR)
    grade: str | None = from_yaml("grade as the official page shows it, or null", default=None,
                                  types=OPT_STR)
    status: str = from_yaml("written, or placeholder when not yet sourced", default=PLACEHOLDER)
    related: tuple[str, ...] = from_yaml("ids of related entries offered as follow-ups", default=(),
                                         required=False, types=LIST, convert=strings)
    patient_point: int | None = from_yaml("point number in the patient version", default=None,
                                          required=False, types=OPT_INT)

    @property
    def kind(self) -> str:
        return "recommendation"

    @property
    def answerable(self) -> bool:
        return self.status == WRITTEN


@dataclass(frozen=True)
class Role(Entry):
    plain: str = refine(Entry, "plain", required=False, types=OPT_STR)
    examples: tuple[str, ...] = refine(Entry, "examples", required=False)
    section: str = from_yaml("the section number, listed under chapters", default="")
    responsible: tuple[str, ...] = from_yaml("who is responsible", default=(), types=LIST, convert=strings)
    points: tuple[str, ...] = from_yaml("the duties as short bullet points", default=(), required=False,
                                        types=LIST, convert=strings)
    recommendations: tuple[str, ...] = from_yaml("ids of the recommendations the section cites", default=(),
                                                 types=LIST, convert=strings)

    @property
    def kind(self) -> str:
        return "role"


@dataclass(frozen=True)
class Topic(Entry):
    """Plain-language pages for patients and relatives (not numbered in the guideline)."""

    cites: tuple[str, ...] = from_yaml("ids of the entries it builds on", default=(), required=False,
                                       types=LIST, convert=strings)
    patient_point: int | None = from_yaml("the point of the patient version it covers", default=None,
                                          required=False, types=OPT_INT)

    @property
    def kind(self) -> str:
        return "topic"


@dataclass(frozen=True)
class Term:
    id: str = from_yaml("stable id, G-<slug>")
    term: str = from_yaml("the term as shown")
    definition: str = from_yaml("1–3 sentences in our own words", convert=stripped)
    aliases: tuple[str, ...] = from_yaml("other spellings and long forms", default=(), required=False,
                                         types=LIST, convert=strings)
    see: tuple[str, ...] = from_yaml("ids of related entries", default=(), required=False, types=LIST,
                                     convert=strings)
    source: str | None = from_yaml("URL, where one helps", default=None, required=False, types=OPT_STR)
    file: str = derived("the file it was read from, for error messages", default="")
    line: int = derived("its line in that file", default=0)

    @property
    def kind(self) -> str:
        return "term"


# What the validator and loader call each mapping they read.
KINDS: dict[str, type] = {
    "guideline": Guideline, "chapter": Chapter, "section": Section,
    "recommendation": Recommendation, "role": Role, "topic": Topic, "term": Term,
}


@dataclass(frozen=True)
class Corpus:
    guideline: Guideline
    chapters: tuple[Chapter, ...]
    recommendations: tuple[Recommendation, ...]
    roles: tuple[Role, ...]
    topics: tuple[Topic, ...]
    glossary: tuple[Term, ...]
    checksum: str = derived("sha256 of the files read: a version is named by its content", default="")
    _by_id: dict[str, Entry | Term] = field(default_factory=dict, compare=False, repr=False)
    _sections: dict[str, Section] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Lookup tables are derived once so per-message code never scans lists.
        by_id: dict[str, Entry | Term] = {}
        items: tuple[Entry | Term, ...] = (*self.recommendations, *self.roles, *self.topics, *self.glossary)
        for item in items:
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
