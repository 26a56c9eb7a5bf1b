"""Every written entry agrees with the guideline map (shared/guideline/rop-map.yaml) unless it says why not."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ropbot.loader import load_corpus

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT.parent / "shared" / "guideline" / "rop-map.yaml"


@pytest.fixture(scope="module")
def rop_map() -> dict:
    if not MAP.exists():
        pytest.skip("shared/guideline/rop-map.yaml is not beside the checkout")
    return yaml.safe_load(MAP.read_text(encoding="utf-8"))


def test_written_recommendations_match_the_map(rop_map):
    corpus = load_corpus(ROOT / "corpus").corpus
    known = {r["number"]: r for r in rop_map["recommendations"]}
    disagreements = []
    for rec in corpus.written:
        m = known[rec.number]
        if m["confidence"] == "missing":
            if not rec.source_note:
                disagreements.append(f"R{rec.number}: the map has no content; a source_note must say where it came from")
            continue
        section = m["section"]["number"] if isinstance(m.get("section"), dict) else None
        facts = {"chapter": (rec.chapter, m["chapter"]), "section": (rec.section, section),
                 "grade": (rec.grade, m["grade"]), "source": (rec.source, m["url"])}
        for name, (ours, theirs) in facts.items():
            if ours != theirs and not rec.source_note:
                disagreements.append(f"R{rec.number} {name}: corpus {ours!r} vs map {theirs!r}")
    assert not disagreements, "\n".join(disagreements)


def test_placeholders_are_only_where_the_map_lacks_content(rop_map):
    corpus = load_corpus(ROOT / "corpus").corpus
    known = {r["number"]: r["confidence"] for r in rop_map["recommendations"]}
    unwritten_but_known = [r.number for r in corpus.recommendations
                           if r.status == "placeholder" and known[r.number] != "missing"]
    assert unwritten_but_known == []


def test_role_sections_cover_the_map(rop_map):
    corpus = load_corpus(ROOT / "corpus").corpus
    ours = {role.id: role for role in corpus.roles}
    for role in rop_map["roles"]:
        entry = ours.get(f"S{role['section']}")
        assert entry is not None, role["section"]
        assert entry.source == role["url"] or entry.source_note
        cited = {f"R{n}" for n in role["recommendations"]}
        assert cited <= set(entry.recommendations), (role["section"], cited - set(entry.recommendations))


def test_every_written_entry_has_plain_text_and_examples():
    corpus = load_corpus(ROOT / "corpus").corpus
    for entry in (*corpus.written, *corpus.roles, *corpus.topics):
        assert entry.plain.strip(), entry.id
        assert len(entry.examples) >= 4, entry.id
