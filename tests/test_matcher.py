"""The matcher's own guards, apart from what it ranks."""
from __future__ import annotations

from ropbot.matcher import _tfidf_counts
from ropbot.normalize import MAX_WORD


def test_a_made_up_long_word_costs_no_more_than_its_first_letters():
    """A 2,000-letter word adds the n-grams of its first MAX_WORD letters only: the n-gram cache
    cannot be filled with thousands of n-grams per message."""
    word = "".join(chr(ord("a") + (i * 7) % 26) for i in range(2000))

    def grams(text: str) -> dict[str, int]:
        return {f: k for f, k in _tfidf_counts(text).items() if f[0] == "c"}

    assert grams(word) == grams(word[:MAX_WORD]) and len(grams(word)) < 3 * MAX_WORD
