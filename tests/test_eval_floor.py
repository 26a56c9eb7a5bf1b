"""Regression floor for matching quality on the dev set and on ropbot's own off-topic questions."""
from __future__ import annotations

from pathlib import Path

import pytest

from ropbot.evaluate import evaluate, load_questions

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"
OFFTOPIC = Path(__file__).resolve().parent / "data" / "offtopic.txt"


def test_dev_set_floor(engine):
    if not DEV.exists():
        pytest.skip("shared/eval/dev.yaml is not beside the checkout")
    report = evaluate(engine, load_questions(DEV))
    assert report["crisis_recall"] == 1.0 and report["crisis_false_alarms"] == 0
    # The engine answers only where the ranker's levels (chosen by cross-validation on the blind
    # tuning halves) keep confident wrong answers under 3 %; below that it offers three buttons.
    # So answered-first is lower on this tidy set than when its levels were fitted to it, and
    # the right entry must be among the first three. With the TF-IDF centroids and the blind-written
    # examples, answered-first rose from 0.63 to 0.81 while one more question (4 of 95; d060, d075,
    # d078, d082, all with several plausible entries) fell out of the first three: 0.968 -> 0.958.
    assert report["top1"] >= 0.8, report["top1"]
    assert report["top3"] >= 0.95, report["top3"]
    assert report["mrr"] >= 0.93, report["mrr"]
    assert report["abstain"] >= 0.88, report["abstain"]
    assert report["by_kind"]["number"]["top1"] == 1.0


def test_off_topic_questions_are_rarely_answered(engine):
    questions = [line.strip() for line in OFFTOPIC.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
    answered = [q for q in questions if engine.handle(q).answered]
    assert len(questions) >= 30
    assert len(answered) <= 3, answered
    assert not any(engine.handle(q).decision == "crisis" for q in questions)
