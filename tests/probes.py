"""Questions for tests that need a reply of a given kind from whatever the corpus is now.

Found by searching made-up and half-typed example questions, never taken from the
evaluation sets: those measure how well the bot generalises.
"""
from __future__ import annotations

import pytest

from ropbot.engine import Engine

# The bundled corpus answers it with recommendation 69: the Telegram tests' plain answer.
R69_QUESTION = "hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?"


def did_you_mean_question(engine: Engine) -> str:
    """A question the current corpus answers with "did you mean" (the matcher evolves)."""
    candidates = ["kartlegging angst", "rus og bolig og arbeid", "oppfølging etter utskriving"]
    # Half-typed example questions are often unclear.
    for entry in engine.knowledge.corpus.entries():
        for example in entry.examples:
            words = example.split()
            candidates.append(" ".join(words[: max(3, len(words) // 2)]))
    for question in candidates[:3000]:
        if engine.handle(question, "staff").decision == "did_you_mean":
            return question
    pytest.skip("no did-you-mean question for this corpus")
