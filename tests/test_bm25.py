"""Reference values that pin the ranking formula (as rank_bm25's test_correctness.py does):
Lucene's BM25 over field-weighted term frequencies, k1 = 1.2, b = 0.6."""
from __future__ import annotations

import math

import pytest

from ropbot.matcher import _BM25, K1, B

DOCS = [{"rus": 1.0, "bolig": 1.0}, {"rus": 2.0}, {"nav": 1.0}]


def reference(docs: list[dict[str, float]], query: dict[str, float]) -> dict[int, float]:
    """The formula written out, independently of the index's precomputed postings."""
    n = len(docs)
    avg = sum(sum(d.values()) for d in docs) / n
    out: dict[int, float] = {}
    for term, weight in query.items():
        df = sum(1 for d in docs if term in d)
        if not df:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, d in enumerate(docs):
            tf = d.get(term, 0.0)
            if tf:
                norm = K1 * (1 - B + B * sum(d.values()) / avg)
                out[i] = out.get(i, 0.0) + weight * idf * tf * (K1 + 1) / (tf + norm)
    return out


def test_the_parameters_are_the_ones_the_ranker_was_fitted_with():
    assert (K1, B) == (1.2, 0.6)


def test_scores_match_the_pinned_reference_values():
    scores, best = _BM25(DOCS).scores({"rus": 1.0})
    assert scores == pytest.approx({1: 0.6184258279549153, 0: 0.44112968615214093}, rel=1e-12)
    assert best == pytest.approx(math.log(1.6) * (K1 + 1), rel=1e-12)  # the most a document could score


@pytest.mark.parametrize("query", [{"rus": 1.0}, {"rus": 0.5, "bolig": 1.0}, {"nav": 1.0, "bolig": 2.0}])
def test_scores_match_the_formula_written_out(query):
    scores, _ = _BM25(DOCS).scores(query)
    assert scores == pytest.approx(reference(DOCS, query), rel=1e-12)


def test_an_unknown_term_scores_nothing_but_raises_the_ceiling():
    index = _BM25(DOCS)
    scores, best = index.scores({"nav": 1.0, "ukjent": 1.0})
    assert scores == pytest.approx({2: 1.1285692241766727}, rel=1e-12)
    assert best == pytest.approx((math.log(1 + 2.5 / 1.5) + index.max_idf) * (K1 + 1), rel=1e-12)
