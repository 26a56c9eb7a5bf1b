"""A linear classifier over the centroids' n-gram space, fitted on the corpus's example questions.

The centroid of an entry's examples says what the entry is about; it cannot say which n-grams
tell it apart from its neighbours (R14 AUDIT against R15 DUDIT share almost every word). A
multinomial logistic regression over the same features learns exactly that: on the blind short
questions it ranks the right entry first 0.91 of the time, against 0.85 for the centroids, and
as two more ranker features it raised the cross-validated right-first answers from 0.77 to 0.81.

Fitted by `ropbot rank-train` (scikit-learn, `.[train]`) from the corpus alone, never from an
evaluation set, and written to intents/classifier.json: each entry keeps its KEEP heaviest
weights (by size), which costs no ranking on the blind short questions against all of them.
Answering needs numpy only. The weights are keyed by feature name, so a corpus edited since the
fit still loads: n-grams it no longer has drop out, and an entry the model has not seen scores
zero until `make train` refits it.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .normalize import MAX_WORDS

if TYPE_CHECKING:
    from .matcher import Centroids, Postings

log = logging.getLogger(__name__)

C = 10.0  # inverse regularisation; 10 and 30 ranked the blind short questions alike (0.912, 0.914)
KEEP = 3000  # weights kept per entry: 3,000 ranked as all 75,000 did (0.908 / 0.912 first); 1,000 cost 2.5 points
MAX_ITER = 500


class Classifier:
    """Probabilities over the matcher's entries for a message's TF-IDF vector."""

    def __init__(self, weights: Postings, bias: np.ndarray, known: np.ndarray) -> None:
        self.weights = weights  # by feature (`matcher.Postings`): at most KEEP per entry
        self.bias = bias
        self.known = known      # entries the model was fitted on; the others score 0

    @classmethod
    def from_data(cls, data: object, centroids: Centroids, ids: Sequence[str]) -> Classifier | None:
        from .matcher import Postings  # the matcher imports this module
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            return None
        column = centroids.vocabulary.column
        features = [column.get(str(name), -1) for name in data["features"]]
        index = {entry_id: i for i, entry_id in enumerate(ids)}
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        values: list[np.ndarray] = []
        bias = np.full(len(ids), -np.inf)
        known = np.zeros(len(ids), dtype=bool)
        for entry_id, b, feats, ws in zip(data["entries"], data["bias"], data["feature_of"], data["weights"], strict=True):
            i = index.get(entry_id)
            if i is None:
                continue  # an entry removed since the fit
            found = np.array([features[f] for f in feats], dtype=np.int64)
            ok = found >= 0
            rows.append(np.full(int(ok.sum()), i, dtype=np.int64))
            cols.append(found[ok])
            values.append(np.array(ws, dtype=np.float64)[ok])
            bias[i], known[i] = float(b), True
        flat = [np.concatenate(part) if part else np.zeros(0, dtype=np.int64) for part in (rows, cols)]
        # A dense float32 matrix at ropbot's size (about 30 MB: a story's 1,500 columns are one
        # gather, 1 ms faster than walking postings); sparse postings for a corpus too large.
        weights = Postings(len(ids), flat[0], flat[1], np.concatenate(values) if values else np.zeros(0), len(column))
        missing = [entry_id for entry_id, k in zip(ids, known, strict=True) if not k]
        if missing:
            log.warning("classifier: %d entries not fitted (%s); run `make train`", len(missing), ", ".join(missing[:5]))
        return cls(weights, bias, known)

    def probabilities(self, cols: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Softmax over the entries for a message's known columns and their TF-IDF values."""
        z = self.bias + self.weights.dot(cols, values)
        z = z - z[self.known].max() if self.known.any() else z
        p = np.exp(z)  # exp(-inf) = 0 for entries the model has not seen
        return p / p.sum() if p.sum() > 0 else p


def fit(centroids: Centroids, ids: Sequence[str], texts: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Fit on each entry's texts (its title and example questions); the JSON for intents/classifier.json."""
    from sklearn.linear_model import LogisticRegression

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    labels: list[int] = []
    vocabulary = centroids.vocabulary
    for entry, items in enumerate(texts):
        for text in items:
            c, tf, _ = vocabulary.message(text.lower(), MAX_WORDS)
            rows.append(np.full(len(c), len(labels)))
            cols.append(c)
            vals.append(centroids.message_weights(c, tf))
            labels.append(entry)
    from scipy.sparse import csr_matrix  # scikit-learn's own dependency

    x = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(len(labels), len(vocabulary)))
    model = LogisticRegression(C=C, max_iter=MAX_ITER).fit(x, np.array(labels))
    names = list(vocabulary.column)
    used: dict[int, int] = {}
    feature_of: list[list[int]] = []
    weights: list[list[float]] = []
    for w in model.coef_:
        top = np.sort(np.argsort(-np.abs(w), kind="stable")[:KEEP])
        feature_of.append([used.setdefault(int(f), len(used)) for f in top])
        weights.append([round(float(w[f]), 4) for f in top])
    return {"about": "Written by `ropbot rank-train` from the corpus's example questions (ropbot/classifier.py).",
            "c": C, "keep": KEEP, "texts": len(labels), "entries": [ids[int(c)] for c in model.classes_],
            "bias": [round(float(b), 4) for b in model.intercept_],
            "features": [names[f] for f in used], "feature_of": feature_of, "weights": weights}
