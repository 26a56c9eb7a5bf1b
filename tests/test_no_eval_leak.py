"""The corpus must not contain the evaluation questions: the eval sets measure generalisation."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz

from ropbot.loader import load_corpus
from ropbot.normalize import fold

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT.parent / "shared" / "eval"


def test_no_example_is_a_copy_of_an_eval_question():
    files = sorted(EVAL_DIR.glob("*.yaml")) if EVAL_DIR.exists() else []
    if not files:
        pytest.skip("no eval sets beside the checkout")
    questions = [fold(q["text"]) for f in files for q in yaml.safe_load(f.read_text(encoding="utf-8"))["questions"]]
    corpus = load_corpus(ROOT / "corpus").corpus
    texts = [(e.id, fold(t)) for e in corpus.entries() for t in (*e.examples, e.title)]
    texts += [(t.id, fold(a)) for t in corpus.glossary for a in (t.term, *t.aliases)]
    close = [(entry_id, text, q) for entry_id, text in texts for q in questions
             if len(text) > 25 and fuzz.ratio(text, q) >= 75]
    assert not close, "\n".join(f"{i}: {t!r} ~ {q!r}" for i, t, q in close)
