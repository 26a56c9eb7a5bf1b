"""Read `corpus/*.yaml` into a checked, immutable `Corpus`.

Any file may hold any of the top-level lists, so admins can split the corpus
by chapter; the loader merges them and refuses the whole set on any error,
which is what lets a reload keep the old corpus live.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from . import validate as v
from .model import KINDS, Chapter, Corpus, Guideline, Section, yaml_fields
from .yamlio import YamlError, decode, load_text

log = logging.getLogger(__name__)
T = TypeVar("T")

TOP_LEVEL = {
    "guideline": "guideline",
    "chapters": "chapter",
    "recommendations": "recommendation",
    "roles": "role",
    "topics": "topic",
    "glossary": "term",
}


@dataclass
class LoadResult:
    corpus: Corpus | None
    errors: list[v.Problem] = field(default_factory=list)
    warnings: list[v.Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.corpus is not None and not self.errors


def corpus_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def checksum_of(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


def read_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in corpus_files(directory)}


def load_corpus(directory: Path | str) -> LoadResult:
    directory = Path(directory)
    if not directory.is_dir():
        return LoadResult(None, [v.Problem(str(directory), 0, "corpus directory not found")])
    return load_files(read_files(directory))


def load_files(files: dict[str, bytes]) -> LoadResult:
    """Check and build a corpus from file name -> bytes (used for staged uploads too)."""
    report = v.Report()
    records: list[v.Record] = []
    for name in sorted(files):
        try:
            data = load_text(decode(files[name], name), name)
        except YamlError as exc:
            report.error(exc.file, exc.line, exc.message)
            continue
        records.extend(_records(name, data, report))
    if not files:
        report.error("corpus", 0, "no .yaml files found")
    corpus = _build(records, report, checksum_of(files)) if not report.errors else None
    if report.dropped:
        report.errors.append(v.Problem("corpus", 0, f"{report.dropped} more problems not listed; fix these first"))
    return LoadResult(corpus if not report.errors else None, report.errors, report.warnings)


def _records(name: str, data: Any, report: v.Report) -> list[v.Record]:
    if data is None:
        return []
    if not isinstance(data, dict):
        report.error(name, 1, "top level must be a mapping of lists (recommendations:, roles: …)")
        return []
    out: list[v.Record] = []
    for key, value in data.items():
        kind = TOP_LEVEL.get(key)
        line = data.key_lines.get(str(key), 1) if hasattr(data, "key_lines") else 1
        if kind is None:
            report.error(name, line, f"unknown top-level key {key!r} (expected one of {', '.join(TOP_LEVEL)})")
            continue
        if kind == "guideline":
            out.append(v.Record(kind, value, name))
            continue
        if not isinstance(value, list):
            report.error(name, line, f"{key!r} must be a list")
            continue
        out.extend(v.Record(kind, item, name) for item in value)
    return out


def _build(records: list[v.Record], report: v.Report, checksum: str) -> Corpus | None:
    good = [r for r in records if v.check_fields(r, report)]
    guidelines = [r for r in good if r.kind == "guideline"]
    if len(guidelines) != 1:
        report.error("corpus", 0, f"expected exactly one 'guideline:' block, found {len(guidelines)}")
    chapters: list[Chapter] = []
    for record in (r for r in good if r.kind == "chapter"):
        # the one nested kind: sections are checked one by one and learn their chapter's number
        sections = tuple(build(Section, raw, chapter=record.data["number"])
                         for raw in record.data.get("sections") or []
                         if v.check_fields(v.Record("section", raw, record.file), report))
        chapters.append(build(Chapter, record.data, sections=sections))
    entries = [r for r in good if r.kind in ("recommendation", "role", "topic", "term")]
    v.check_duplicates(entries, report)
    for record in entries:
        if record.kind == "recommendation":
            v.check_recommendation(record, report)
        elif record.kind in ("role", "topic"):
            v.check_text_entry(record, report)
    section_numbers = {s.number for c in chapters for s in c.sections}
    v.check_references(entries, section_numbers, report)
    chapter_numbers = {c.number for c in chapters}
    for record in entries:
        if record.kind == "recommendation" and record.data.get("chapter") not in (None, *chapter_numbers):
            report.error(record.file, record.data.line, f"{record.data['id']}: unknown chapter {record.data['chapter']!r}")
    v.check_coverage(entries, report)
    if report.errors:
        return None
    built: list[Any] = [build(KINDS[r.kind], r.data, file=r.file, line=r.data.line) for r in entries]
    return Corpus(
        guideline=build(Guideline, guidelines[0].data),
        chapters=tuple(chapters),
        recommendations=tuple(sorted((e for e in built if e.kind == "recommendation"), key=lambda e: e.number)),
        roles=tuple(e for e in built if e.kind == "role"),
        topics=tuple(e for e in built if e.kind == "topic"),
        glossary=tuple(e for e in built if e.kind == "term"),
        checksum=checksum,
    )


def build(cls: type[T], data: Mapping[str, Any], **derived: Any) -> T:
    """One value from its checked mapping: every YAML field through its converter (a missing
    optional one reads as null), plus what the caller worked out (`file`, `line`, ...)."""
    values = {attr: spec.convert(data.get(key))
              for key, (attr, spec) in yaml_fields(cast(type, cls)).items() if attr not in derived}
    return cls(**values, **derived)


def coverage(result: LoadResult) -> dict[str, Any]:
    """The figures `ropbot validate --json` reports."""
    corpus = result.corpus
    recs = corpus.recommendations if corpus else ()
    written = [r for r in recs if r.status == "written"]
    entries = [*written, *(corpus.roles if corpus else ()), *(corpus.topics if corpus else ())]
    return {
        "ok": result.ok,
        "errors": [str(p) for p in result.errors],
        "warnings": [str(p) for p in result.warnings],
        "recommendations_total": len(recs),
        "recommendations_written": len(written),
        "recommendations_placeholder": len(recs) - len(written),
        "roles": len(corpus.roles) if corpus else 0,
        "topics": len(corpus.topics) if corpus else 0,
        "glossary_terms": len(corpus.glossary) if corpus else 0,
        "examples_min": min((len(e.examples) for e in written), default=0),
        "examples_min_all": min((len(e.examples) for e in entries), default=0),
        "checksum": corpus.checksum if corpus else None,
    }
