"""Every written recommendation keeps the official verb's strength and its qualifiers (issue 12).

The map (shared/guideline/rop-map.yaml) gives each recommendation's `modal` and `must_keep`. The
accepted phrasings are in tests/data/fidelity.yaml, in one reviewed place.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ropbot.live import LiveKnowledge

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT.parent / "shared" / "guideline" / "rop-map.yaml"
RULES = yaml.safe_load((Path(__file__).resolve().parent / "data" / "fidelity.yaml").read_text(encoding="utf-8"))
STRENGTH = {"kan": 1, "anbefales": 2, "bør": 2, "skal": 3, "må": 3}


@pytest.fixture(scope="module")
def rop_map() -> dict:
    if not MAP.exists():
        pytest.skip("shared/guideline/rop-map.yaml is not beside the checkout")
    return {r["number"]: r for r in yaml.safe_load(MAP.read_text(encoding="utf-8"))["recommendations"]}


@pytest.fixture(scope="module")
def knowledge():
    return LiveKnowledge(ROOT / "corpus", ROOT / "intents").current


def verbs(modal: str) -> list[str]:
    return [v.strip() for v in modal.split("/")]


def has(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


def test_text_carries_the_official_verb(rop_map, knowledge):
    wrong = []
    for rec in knowledge.corpus.written:
        modal = rop_map[rec.number].get("modal")
        if not modal:
            continue
        for verb in verbs(modal):
            if not has(RULES["modal"][verb], rec.text):
                wrong.append(f"R{rec.number}: text lacks «{verb}»")
    assert not wrong, "\n".join(wrong)


def test_plain_is_never_stronger_than_the_official_verb(rop_map, knowledge):
    wrong = []
    for rec in knowledge.corpus.written:
        modal = rop_map[rec.number].get("modal")
        if not modal or not rec.plain or max(STRENGTH[v] for v in verbs(modal)) >= 3:
            continue
        plain = rec.plain
        for pattern in RULES["stronger"]["except"]:
            plain = re.sub(pattern, " ", plain, flags=re.IGNORECASE)
        found = [p for p in RULES["stronger"]["duty"] if re.search(p, plain, re.IGNORECASE)]
        if found:
            wrong.append(f"R{rec.number} ({modal}): plain uses {found}: {rec.plain}")
    assert not wrong, "\n".join(wrong)


def test_plain_never_weakens_a_duty(rop_map, knowledge):
    """A «skal»/«må» recommendation's plain version keeps a duty word (or says nothing normative)."""
    wrong = []
    for rec in knowledge.corpus.written:
        modal = rop_map[rec.number].get("modal")
        if not modal or not rec.plain or set(verbs(modal)) - {"skal", "må"}:
            continue
        if re.search(r"\bbør\b|\bkan\b", rec.plain, re.IGNORECASE) and not has(RULES["stronger"]["duty"], rec.plain):
            wrong.append(f"R{rec.number} ({modal}): {rec.plain}")
    assert not wrong, "\n".join(wrong)


def test_every_must_keep_qualifier_is_kept_in_meaning(rop_map, knowledge):
    n, stop = knowledge.normalizer, knowledge.lexicon.stopwords
    def stems(text):
        return {n.stem(w) for w in n.words(text) if w not in stop}
    missing = []
    for rec in knowledge.corpus.written:
        kept = stems(rec.text)
        for phrase in rop_map[rec.number].get("must_keep") or ():
            options = [phrase, *RULES["must_keep"].get(phrase, ())]
            if not any(stems(option) <= kept for option in options):
                missing.append(f"R{rec.number}: «{phrase}»")
    assert not missing, "\n".join(missing)
