"""The loader and validator: the bundled corpus, and each kind of broken YAML."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from ropbot.loader import coverage, load_corpus
from ropbot.model import Recommendation

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_bundled_corpus_is_valid_and_complete():
    result = load_corpus(CORPUS)
    assert result.ok, [str(e) for e in result.errors]
    corpus = result.corpus
    assert [r.number for r in corpus.recommendations] == list(range(1, 94))
    assert all(isinstance(r, Recommendation) for r in corpus.recommendations)
    r69 = corpus.recommendation(69)
    assert r69.status == "written" and r69.section == "8.3.2" and "fastlege" in r69.text.lower()
    assert corpus.get("S8.3.2").recommendations[:2] == ("R69", "R39")
    assert corpus.guideline.is_number == "IS-1948" and corpus.guideline.isbn == "978-82-8081-246-9"


def test_entries_are_frozen():
    corpus = load_corpus(CORPUS).corpus
    with pytest.raises(dataclasses.FrozenInstanceError):
        corpus.recommendation(69).text = "x"  # type: ignore[misc]


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _errors(corpus_dir: Path) -> list[str]:
    result = load_corpus(corpus_dir)
    assert not result.ok and result.corpus is None
    return [str(e) for e in result.errors]


def test_syntax_error_names_file_and_line(corpus_copy: Path):
    path = corpus_copy / "roller.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(5, "  title: [unclosed")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = _errors(corpus_copy)
    assert any(e.startswith("roller.yaml:") and "YAML syntax" in e for e in errors), errors
    line = int(next(e for e in errors if e.startswith("roller.yaml:")).split(":")[1])
    assert 5 <= line <= 8


def test_missing_field(corpus_copy: Path):
    _replace(corpus_copy / "roller.yaml", "  responsible:\n", "  responsibles:\n")
    errors = _errors(corpus_copy)
    assert any("missing field 'responsible'" in e for e in errors)
    assert any("unknown field 'responsibles'" in e for e in errors)


def test_duplicate_id(corpus_copy: Path):
    _replace(corpus_copy / "uplassert.yaml", "- id: R5\n  number: 5\n", "- id: R6\n  number: 6\n")
    errors = _errors(corpus_copy)
    assert any("duplicate id 'R6'" in e and "uplassert.yaml" in e for e in errors)
    assert any("numbers missing: 5" in e for e in errors)


def test_number_out_of_range(corpus_copy: Path):
    _replace(corpus_copy / "uplassert.yaml", "- id: R5\n  number: 5\n", "- id: R94\n  number: 94\n")
    errors = _errors(corpus_copy)
    assert any("outside 1–93" in e for e in errors)


def test_unknown_reference(corpus_copy: Path):
    _replace(corpus_copy / "roller.yaml", "  - R69\n", "  - R69\n  - S9.9\n")
    assert any("unknown id 'S9.9'" in e for e in _errors(corpus_copy))


def test_empty_text_on_written_entry(corpus_copy: Path):
    path = corpus_copy / "kapittel-8-roller-og-ansvar.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("- id: R69")
    body = text.index("  text:", start)
    end = text.index("  plain:", body)
    path.write_text(text[:body] + "  text: ''\n" + text[end:], encoding="utf-8")
    assert any("R69: written entry has empty 'text'" in e for e in _errors(corpus_copy))


def test_duplicate_key_is_an_error(corpus_copy: Path):
    _replace(corpus_copy / "guideline.yaml", "  short_title:", "  publisher: X\n  short_title:")
    errors = _errors(corpus_copy)
    assert any(e.startswith("guideline.yaml:") and "duplicate key 'publisher'" in e for e in errors)


def test_unsafe_tags_are_refused(corpus_copy: Path):
    (corpus_copy / "evil.yaml").write_text("roles: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    assert any(e.startswith("evil.yaml:") for e in _errors(corpus_copy))


def test_wrong_types_and_unknown_top_level(corpus_copy: Path):
    (corpus_copy / "extra.yaml").write_text("anbefalinger: []\nglossary: {}\n", encoding="utf-8")
    errors = _errors(corpus_copy)
    assert any("unknown top-level key 'anbefalinger'" in e for e in errors)
    assert any("'glossary' must be a list" in e for e in errors)


def test_not_utf8(corpus_copy: Path):
    (corpus_copy / "latin1.yaml").write_bytes("glossary: []\n# bl\xe5\n".encode("latin-1"))
    assert any(e.startswith("latin1.yaml:2: not UTF-8 text at byte 17") for e in _errors(corpus_copy))


def test_coverage_report_keys():
    report = coverage(load_corpus(CORPUS))
    for key in ("ok", "errors", "recommendations_total", "recommendations_written", "roles",
                "glossary_terms", "examples_min"):
        assert key in report
    assert report["recommendations_total"] == 93
    assert report["recommendations_written"] >= 60
    assert report["glossary_terms"] >= 40
    assert report["examples_min"] >= 4


def test_a_yaml_alias_bomb_is_refused_at_once_naming_the_file(tmp_path: Path):
    """Nested anchors let a few hundred bytes expand into gigabytes; ropbot's files need no aliases."""
    import time
    import tracemalloc

    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdef", "bcdefg", strict=False):
        rows.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    (tmp_path / "bomb.yaml").write_text("\n".join(rows) + "\nrecommendations:\n- id: *g\n", encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    errors = _errors(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert any("bomb.yaml:" in e and "aliases" in e for e in errors)
    assert time.perf_counter() - started < 2 and peak < 50_000_000


def test_a_source_off_the_official_pages_needs_a_note(corpus_copy: Path):
    path = corpus_copy / "kapittel-7-behandling.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"  source: https://www\.helsebiblioteket\.no/[^\n]*\n", "  source: https://example.com/x\n",
                           text, count=1), encoding="utf-8")
    assert any("not an official page" in e for e in _errors(corpus_copy))


def test_a_huge_id_is_quoted_short_in_every_problem(tmp_path: Path):
    """An id is formatted into each of its problems; a 100 kB id must not make 100 kB lines."""
    long_id = "X" * 100_000
    (tmp_path / "big.yaml").write_text(
        "recommendations:\n" + "".join(f"- id: {long_id}\n  bogus{n}: 1\n" for n in range(5)), encoding="utf-8")
    errors = _errors(tmp_path)
    assert errors and all(len(e) <= 400 for e in errors)
    assert any("XXXX" in e and "..." in e for e in errors)


def test_problems_are_bounded_however_many_entries_are_broken(tmp_path: Path):
    from ropbot.validate import MAX_PROBLEMS, format_problems

    rows = "".join(f"- id: T-x{n}\n  wrong: {n}\n" for n in range(3000))
    (tmp_path / "many.yaml").write_text("topics:\n" + rows, encoding="utf-8")
    result = load_corpus(tmp_path)
    assert not result.ok
    assert len(result.errors) <= 2 * MAX_PROBLEMS + 1
    assert any("more problems not listed" in str(e) for e in result.errors)
    shown = format_problems(result.errors)
    assert len(shown) <= 3100 and shown.count("\n") <= 20
    assert shown.splitlines()[-1].startswith("… og ")


def test_a_document_over_the_size_budget_is_refused_before_parsing(tmp_path: Path):
    from ropbot.yamlio import MAX_DOCUMENT_CHARS

    (tmp_path / "huge.yaml").write_text("# " + "x" * MAX_DOCUMENT_CHARS + "\n", encoding="utf-8")
    errors = _errors(tmp_path)
    assert any(e.startswith("huge.yaml:0:") and "limit" in e for e in errors)
