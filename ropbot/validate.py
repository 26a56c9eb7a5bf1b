"""Corpus rules: field schemas, id formats, cross references and coverage.

The loader calls `check` on raw records before building dataclasses, so a
corpus that reaches the engine has already passed every rule here.
"""
from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from .model import KINDS, Yaml, yaml_fields
from .yamlio import LineDict, line_of

TOTAL_RECOMMENDATIONS = 93
MIN_EXAMPLES = 4

# kind -> YAML key -> how it is read, declared on the dataclasses in model.py. An entry with several
# problems lists them in the order its dataclass declares the fields.
SCHEMAS: dict[str, dict[str, Yaml]] = {
    kind: {key: spec for key, (_, spec) in yaml_fields(cls).items()} for kind, cls in KINDS.items()
}

# Bounds on what a corpus, however hostile, can make ropbot say or log about itself.
MAX_PROBLEMS = 200
MAX_MESSAGE = 300

ID_PATTERNS = {
    "recommendation": re.compile(r"^R([1-9][0-9]?)$"),
    "role": re.compile(r"^S\d+(\.\d+)*$"),
    "topic": re.compile(r"^(P\d+|T-[a-z0-9-]+)$"),
    "term": re.compile(r"^G-[a-z0-9-]+$"),
}
STATUSES = ("written", "placeholder")
URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    @property
    def decisive(self) -> bool:
        """A problem with the corpus as a whole («numbers missing»): shown before any line's."""
        return self.line == 0

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass
class Record:
    """A raw mapping read from one file, waiting to be checked."""

    kind: str
    data: LineDict
    file: str


@dataclass
class Report:
    """Problems found in one corpus. Bounded: a hostile upload can hold millions of broken
    entries, and every problem becomes a line in a reply or a log record."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dropped: int = 0

    def error(self, file: str, line: int, message: str) -> None:
        self._add(self.errors, Problem(short_name(file), line, message[:MAX_MESSAGE]))

    def warn(self, file: str, line: int, message: str) -> None:
        self._add(self.warnings, Problem(short_name(file), line, message[:MAX_MESSAGE]))

    def _add(self, problems: list[Problem], problem: Problem) -> None:
        # decisive problems («numbers missing») come last in a check but first in every reply
        if len(problems) < MAX_PROBLEMS or (problem.decisive and len(problems) < 2 * MAX_PROBLEMS):
            problems.append(problem)
        else:
            self.dropped += 1


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlong = 24
_SHORT.maxlist = _SHORT.maxdict = 4
_SHORT.maxlevel = 2


def short(value: Any) -> str:
    """A value quoted for a problem message, never longer than ~60 characters whatever it holds."""
    return _SHORT.repr(value)


def _ident(data: Any) -> str:
    ident = data.get("id", "") if isinstance(data, dict) else ""
    return ident if isinstance(ident, str) and len(ident) <= 20 else short(ident)


def short_name(name: str) -> str:
    return name if len(name) <= 80 else name[:77] + "..."


def format_problems(problems: list[Problem], limit: int = 20, max_chars: int = 3000) -> str:
    """The one way problems are shown to an admin or written to a log: decisive ones
    («numbers missing») first, at most `limit` lines and `max_chars` characters."""
    ordered = sorted(problems, key=lambda p: not p.decisive)  # stable: the rest keep their order
    lines: list[str] = []
    size = 0
    for problem in ordered[:limit]:
        line = f"• {problem}"
        if size + len(line) > max_chars:
            break
        lines.append(line)
        size += len(line) + 1
    if len(ordered) > len(lines):
        lines.append(f"… og {len(ordered) - len(lines)} til")
    return "\n".join(lines)


def check_fields(record: Record, report: Report) -> bool:
    """Check one mapping against its schema; return False if it cannot be built."""
    data, file = record.data, record.file
    if not isinstance(data, dict):
        report.error(file, 0, f"{record.kind} must be a mapping, got {type(data).__name__}")
        return False
    schema = SCHEMAS[record.kind]
    ok = True
    label = _label(record)
    for key in data:
        if key not in schema:
            report.error(file, line_of(data, str(key)), f"{label}: unknown field {short(key)}")
            ok = False
    for key, spec in schema.items():
        if key not in data:
            if spec.required:
                report.error(file, line_of(data), f"{label}: missing field {short(key)}")
                ok = False
            continue
        value = data[key]
        if (isinstance(value, bool) and bool not in spec.types) or not isinstance(value, spec.types):
            _type_error(report, record, key, spec.types)
            ok = False
        elif isinstance(value, list) and not spec.nested:
            if not all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in value):
                report.error(file, line_of(data, key), f"{label}: {short(key)} must be a list of plain values")
                ok = False
    pattern = ID_PATTERNS.get(record.kind)
    if pattern and isinstance(data.get("id"), str) and not pattern.match(data["id"]):
        report.error(file, line_of(data, "id"), f"{label}: id {short(data['id'])} does not match {pattern.pattern}")
        ok = False
    return ok


def _type_error(report: Report, record: Record, key: str, types: tuple[type, ...]) -> None:
    names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
    report.error(record.file, line_of(record.data, key), f"{_label(record)}: field {short(key)} must be {names}")


def _label(record: Record) -> str:
    data = record.data if isinstance(record.data, dict) else {}
    ident = data.get("id") or data.get("number") or ""
    return f"{record.kind} {ident if isinstance(ident, str) and len(ident) <= 20 else short(ident)}".strip()


def check_recommendation(record: Record, report: Report) -> None:
    data, file = record.data, record.file
    number = data["number"]
    if not 1 <= number <= TOTAL_RECOMMENDATIONS:
        report.error(file, line_of(data, "number"), f"recommendation number {short(number)} is outside 1–{TOTAL_RECOMMENDATIONS}")
    if data["id"] != f"R{number}":
        report.error(file, line_of(data, "id"), f"id {short(data['id'])} does not match number {short(number)}")
    status = data["status"]
    if status not in STATUSES:
        report.error(file, line_of(data, "status"), f"status must be one of {', '.join(STATUSES)}")
    check_source(record, report)
    if status == "written":
        for key in ("title", "text", "plain"):
            if not (data.get(key) or "").strip():
                report.error(file, line_of(data, key), f"{_ident(data)}: written entry has empty {short(key)}")
        if len(data["examples"]) < MIN_EXAMPLES:
            report.warn(file, line_of(data, "examples"),
                        f"{_ident(data)}: only {len(data['examples'])} examples (want {MIN_EXAMPLES}+)")


# Where the guideline is published. A recommendation or role section that links elsewhere must
# say why in a `source_note` (a cross-reference found on another page, say).
OFFICIAL_HOSTS = ("helsebiblioteket.no", "helsedirektoratet.no")


def check_text_entry(record: Record, report: Report) -> None:
    data, file = record.data, record.file
    check_source(record, report)
    for key in ("title", "text"):
        if not (data.get(key) or "").strip():
            report.error(file, line_of(data, key), f"{_ident(data)}: empty {short(key)}")


def check_source(record: Record, report: Report) -> None:
    data, file = record.data, record.file
    if not URL.match(data["source"]):
        report.error(file, line_of(data, "source"), f"{_ident(data)}: source must be an http(s) URL")
    elif record.kind in ("recommendation", "role") and not data.get("source_note"):
        host = (urlparse(data["source"]).hostname or "").lower()
        if not any(host == h or host.endswith("." + h) for h in OFFICIAL_HOSTS):
            report.error(file, line_of(data, "source"),
                         f"{_ident(data)}: source {short(host)} is not an official page of the guideline; "
                         "link the official page or say why in source_note")


def check_references(records: list[Record], section_numbers: set[str], report: Report) -> None:
    ids = {r.data["id"] for r in records if isinstance(r.data, dict) and "id" in r.data}
    ref_fields = {"recommendation": ("related",), "role": ("recommendations",),
                  "topic": ("cites",), "term": ("see",)}
    for record in records:
        data = record.data
        for key in ref_fields.get(record.kind, ()):
            for ref in data.get(key) or ():
                if str(ref) not in ids:
                    report.error(record.file, line_of(data, key), f"{_ident(data)}: {key} refers to unknown id {short(ref)}")
        if record.kind in ("recommendation", "role"):
            section = data.get("section")
            if section and section not in section_numbers:
                report.error(record.file, line_of(data, "section"),
                             f"{_ident(data)}: section {short(section)} is not listed under chapters")


def check_duplicates(records: list[Record], report: Report) -> None:
    seen: dict[str, Record] = {}
    for record in records:
        ident = record.data.get("id") if isinstance(record.data, dict) else None
        if ident is None:
            continue
        if ident in seen:
            first = seen[ident]
            report.error(record.file, line_of(record.data, "id"),
                         f"duplicate id {short(ident)} (first at {first.file}:{line_of(first.data, 'id')})")
        else:
            seen[ident] = record


def check_coverage(records: list[Record], report: Report) -> None:
    numbers = {r.data["number"] for r in records if r.kind == "recommendation"}
    missing = sorted(set(range(1, TOTAL_RECOMMENDATIONS + 1)) - numbers)
    if missing:
        report.error("corpus", 0, "recommendation numbers missing: " + ", ".join(map(str, missing)))
