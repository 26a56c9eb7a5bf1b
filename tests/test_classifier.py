"""The classifier over the corpus's example questions (ropbot/classifier.py, intents/classifier.json)."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from ropbot.classifier import Classifier
from ropbot.live import LiveKnowledge
from ropbot.normalize import MAX_WORDS

FITTED = Path(__file__).resolve().parents[1] / "intents" / "classifier.json"


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(FITTED.read_text(encoding="utf-8"))


def probabilities(live: LiveKnowledge, classifier: Classifier, text: str) -> dict[str, float]:
    m = live.current.matcher
    cols, tf, _ = m.centroids.vocabulary.message(text.lower(), MAX_WORDS)
    p = classifier.probabilities(cols, m.centroids.message_weights(cols, tf))
    return dict(zip(m.ids, p.tolist(), strict=True))


def test_the_fitted_model_covers_every_entry_of_the_corpus(live: LiveKnowledge):
    # An entry added without `make train` would score zero; the bundled corpus has none such.
    classifier = live.current.matcher.classifier
    assert classifier is not None and classifier.known.all()


@pytest.mark.parametrize("text, right, neighbour", [
    ("hvilket skjema bruker vi for å finne ut om pasienten drikker for mye alkohol", "R14", "R15"),
    ("skjema for å kartlegge bruk av hasj og piller hos en med schizofreni", "R15", "R14"),
])
def test_it_tells_neighbours_apart(live: LiveKnowledge, text: str, right: str, neighbour: str):
    classifier = live.current.matcher.classifier
    assert classifier is not None
    p = probabilities(live, classifier, text)
    assert p[right] > p[neighbour]
    assert abs(sum(p.values()) - 1.0) < 1e-6


def test_an_entry_the_model_has_not_seen_scores_zero_and_is_logged(live: LiveKnowledge, data: dict,
                                                                   caplog: pytest.LogCaptureFixture):
    n = data["entries"].index("R69")
    partial = {**data, **{key: data[key][:n] + data[key][n + 1:] for key in ("entries", "bias", "feature_of", "weights")}}
    m = live.current.matcher
    with caplog.at_level(logging.WARNING, logger="ropbot.classifier"):
        classifier = Classifier.from_data(partial, m.centroids, m.ids)
    assert classifier is not None and "R69" in caplog.text
    p = probabilities(live, classifier, "hvem følger opp den somatiske helsa")
    assert p["R69"] == 0.0 and abs(sum(p.values()) - 1.0) < 1e-6


def test_features_the_corpus_no_longer_has_drop_out(live: LiveKnowledge, data: dict):
    # The weights are keyed by n-gram name: a corpus edited since the fit still loads.
    renamed = {**data, "features": [f"c§{k}" if k % 2 else name for k, name in enumerate(data["features"])]}
    m = live.current.matcher
    classifier = Classifier.from_data(renamed, m.centroids, m.ids)
    assert classifier is not None
    full = m.classifier
    assert full is not None
    def stored(c: Classifier) -> int:
        postings = c.weights
        return int(np.count_nonzero(postings.dense if postings.dense is not None else postings.weights))

    assert 0 < stored(classifier) < stored(full)


def test_no_model_is_no_classifier(live: LiveKnowledge):
    m = live.current.matcher
    assert Classifier.from_data(None, m.centroids, m.ids) is None
    assert Classifier.from_data({"about": "something else"}, m.centroids, m.ids) is None


@pytest.mark.parametrize("drop", [None, "R69"])
def test_a_missing_or_stale_classifier_ranks_with_the_hand_set_blend(live: LiveKnowledge, data: dict, drop: str | None,
                                                                    caplog: pytest.LogCaptureFixture):
    # The ranker weighs the classifier heavily: on zeros it would fall back on nearly everything,
    # and an entry the classifier never saw would lose its questions to a fitted neighbour.
    from ropbot.matcher import Matcher

    k = live.current
    model = None
    if drop is not None:
        n = data["entries"].index(drop)
        model = {**data, **{key: data[key][:n] + data[key][n + 1:] for key in ("entries", "bias", "feature_of", "weights")}}
    with caplog.at_level(logging.WARNING, logger="ropbot.matcher"):
        m = Matcher(k.corpus, k.normalizer, ranker=k.matcher.ranker, classifier=model)
    assert m.ranker is None and m.classifier is None and "make train" in caplog.text
    hits = m.rank("hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?")
    assert hits[0].id == "R69"
