"""How `ropbot rank-train` chooses the engine's levels (`rank_train.choose_levels`): the answer
rule it scores must be the engine's, and wrong answers are held down in every kind of message."""
from __future__ import annotations

import numpy as np

from ropbot.rank_train import MAX_WRONG, choose_levels


def queries_of(specs: list[tuple[str, list[tuple[str, bool, float]], bool]]):
    """specs: (kind, [(entry id, is right, logit)], outside)."""
    queries, owner, logits = [], [], []
    for n, (kind, leaders, outside) in enumerate(specs):
        queries.append({"kind": kind, "ids": [i for i, _, _ in leaders], "y": [y for _, y, _ in leaders],
                        "answerable": any(y for _, y, _ in leaders), "outside": outside})
        for _, _, z in leaders:
            owner.append(n)
            logits.append(z)
    return queries, np.array(owner), np.array(logits)


def test_wrong_answers_are_held_down_within_each_kind():
    # Stories are all answered right; short questions are right or wrong at the same confidence.
    # Pooled, their wrong answers would fit under the limit; within the short kind they do not.
    specs = [("stories", [("A", True, 4.0), ("B", False, -4.0)], False)] * 60
    specs += [("short", [("A", True, 1.0), ("B", False, -4.0)], False)] * 30
    specs += [("short", [("B", False, 1.0), ("A", True, -4.0)], False)] * 2
    queries, owner, logits = queries_of(specs)
    result = choose_levels(queries, owner, logits)
    short_wrong = sum(1 for kind, leaders, _ in specs if kind == "short"
                      and not leaders[0][1] and 1 / (1 + np.exp(-leaders[0][2])) >= result["answer_at"])
    assert short_wrong <= MAX_WRONG * 32
    assert result["answer_at"] > 1 / (1 + np.exp(-1.0))  # the short questions' level is not answered


def test_an_off_topic_theme_must_reach_its_own_level():
    # Messages with an off-topic theme whose leader is wrong at a middling confidence: the
    # chosen out-of-scope level keeps them unanswered while ordinary ones at that level answer.
    specs = [("short", [("A", True, 0.5), ("B", False, -4.0)], False)] * 40
    specs += [("offtopic", [("B", False, 0.5), ("A", False, -4.0)], True)] * 10
    queries, owner, logits = queries_of(specs)
    result = choose_levels(queries, owner, logits)
    p = 1 / (1 + np.exp(-0.5))
    assert result["answer_at"] <= p < result["out_of_scope_at"]
    assert result["cv"]["right_first"] == 1.0 and result["cv"]["wrong"] == 0.0


def test_a_sure_first_answers_despite_a_close_second():
    # Sure ties (the right entry and a neighbour both high), clear leads at a middling level
    # (right), and close calls at that level (wrong): only `sure_at` answers the first and the
    # second while leaving the third, since a margin wide enough to skip the close calls would
    # also skip the sure ties.
    specs = [("short", [("A", True, 4.0), ("B", False, 3.9)], False)] * 30
    specs += [("short", [("A", True, 0.5), ("B", False, -3.0)], False)] * 30
    specs += [("short", [("B", False, 0.5), ("A", True, 0.4)], False)] * 20
    queries, owner, logits = queries_of(specs)
    result = choose_levels(queries, owner, logits)
    assert result["sure_at"] <= 1 / (1 + np.exp(-4.0))
    assert result["cv"]["right_first"] == 0.75 and result["cv"]["wrong"] == 0.0  # 60 of 80, none wrong
