"""The matcher's own guards, apart from what it ranks."""
from __future__ import annotations

import pytest

from ropbot.matcher import _tfidf_counts
from ropbot.normalize import MAX_WORD


def test_a_made_up_long_word_costs_no_more_than_its_first_letters():
    """A 2,000-letter word adds the n-grams of its first MAX_WORD letters only: the n-gram cache
    cannot be filled with thousands of n-grams per message."""
    word = "".join(chr(ord("a") + (i * 7) % 26) for i in range(2000))

    def grams(text: str) -> dict[str, int]:
        return {f: k for f, k in _tfidf_counts(text).items() if f[0] == "c"}

    assert grams(word) == grams(word[:MAX_WORD]) and len(grams(word)) < 3 * MAX_WORD


def test_dense_and_sparse_postings_give_the_same_scores(monkeypatch: pytest.MonkeyPatch):
    """The dense matrix (ropbot's size) and the postings (a 100× corpus) are one dot product."""
    import numpy as np

    from ropbot import matcher

    rng = np.random.default_rng(3)
    n, features = 40, 500
    rows = rng.integers(0, n, 3000)
    cols = rng.integers(0, features, 3000)
    keys = np.unique(rows * features + cols)  # one weight per (entry, feature)
    rows, cols = keys // features, keys % features
    weights = rng.random(len(keys))
    dense = matcher.Postings(n, rows, cols, weights, features)
    monkeypatch.setattr(matcher, "DENSE_CELLS", 0)
    sparse = matcher.Postings(n, rows, cols, weights, features)
    assert dense.dense is not None and sparse.dense is None
    query = np.array([3, 17, 17, 250, 499])
    values = rng.random(len(query))
    assert np.allclose(dense.dot(query, values), sparse.dot(query, values), rtol=1e-5)


def test_the_bundled_corpus_is_scored_densely(engine):
    m = engine.knowledge.matcher
    assert m.centroids.postings.dense is not None and m.grams_of.postings.dense is not None
