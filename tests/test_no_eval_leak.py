"""The corpus must not contain the evaluation questions: the eval sets (the shared dev set and the
blind sets under tests/data/blind/, tuning and locked halves) measure generalisation."""
from __future__ import annotations

from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from ropbot.loader import load_corpus
from ropbot.normalize import fold

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT.parent / "shared" / "eval"
BLIND_DIR = ROOT / "tests" / "data" / "blind"


def test_no_example_is_a_copy_of_an_eval_question():
    files = sorted(EVAL_DIR.glob("*.yaml")) if EVAL_DIR.exists() else []
    dev = [fold(q["text"]) for f in files for q in yaml.safe_load(f.read_text(encoding="utf-8"))["questions"]]
    blind = [fold(row["text"]) for f in sorted(BLIND_DIR.glob("*.yaml"))
             for row in yaml.safe_load(f.read_text(encoding="utf-8")) or () if isinstance(row, dict) and "text" in row]
    assert len(blind) > 3000
    corpus = load_corpus(ROOT / "corpus").corpus
    # Examples against every set; titles and glossary words (written from the guideline's own
    # headings, and short) against the dev set, as before the blind sets existed.
    examples = [(e.id, fold(t)) for e in corpus.entries() for t in e.examples]
    names = [(e.id, fold(e.title)) for e in corpus.entries()]
    names += [(t.id, fold(a)) for t in corpus.glossary for a in (t.term, *t.aliases)]
    close = [(entry_id, text, hit[0]) for texts, questions in ((examples, dev + blind), (names, dev))
             for entry_id, text in texts if len(text) > 25
             if (hit := process.extractOne(text, questions, scorer=fuzz.ratio, score_cutoff=75))]
    assert not close, "\n".join(f"{i}: {t!r} ~ {q!r}" for i, t, q in close)
