"""`ropbot crisis-train`: fit the crisis model (`make train` names the sets).

The model is a logistic regression over `crisis.vector()` (character n-grams, words and the
signals of intents/crisis.yaml). It is fitted on blind-written messages only: the tuning halves
of the blind crisis sets (tests/data/blind/crisis*-tuning.yaml), extra training messages written
the same way (crisis-extra.yaml), locked halves once they have been scored, and the question and
chat sets as everyday messages; the Makefile's `train` names them. The regularisation strength
and the thresholds are chosen by stratified k-fold cross-validation on those.

Training needs scikit-learn (`pip install -e '.[train]'`); answering does not: the weights are
written to intents/crisis_model.json and read by `crisis.Model`.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .crisis import ACUTE, CONCERN, GATE, UNNAMED_MIN_WORDS, CrisisRules, model_words
from .yamlio import load_file

SEED = 20261128
FOLDS = 5
C_GRID = (3.0, 10.0, 30.0, 100.0)
# A sentence that names the danger with a person and intent or a time cue, and nothing that
# places it elsewhere («jeg vil ta livet mitt nå»), is the clearest acute message there is; the
# log-odds bonus it gets beyond the fitted weight is chosen by cross-validation like the rest.
BONUS_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
# A message that names no concept gets the card at this probability (and only with
# crisis.UNNAMED_MIN_WORDS words), chosen with the threshold for the rest; it may be lower than
# that threshold: many hard negatives name a concept («tau til hengekøya»), while a message with
# no concept word that the model still rates high is seldom harmless. 1.01: never.
UNNAMED_GRID = (1.01, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)  # strictest first: it wins a tie
# The card may be raised for at most this share of hard negatives: issue 10's limit. It had a
# margin (0.025) for messages unlike the training set, and fresh writers' hard negatives still got
# the card three times as often; since their scored halves joined the training, the
# cross-validated rate is the better estimate, and the margin bought too little for its recall
# (0.879 at 0.025, 0.921 at 0.03, 0.963 at 0.05).
MAX_FALSE_ALARMS = 0.03
# Everyday questions about the guideline: the card on at most this share; the numbers line on at
# most that share of those that name no concept (naming suicide or violence rightly brings it).
MAX_EVERYDAY_CARD = 0.005
MAX_EVERYDAY_LINE = 0.03


def load_set(path: Path) -> list[dict[str, Any]]:
    return list(load_file(Path(path), str(path)))


def train(rules: CrisisRules, sets: Sequence[Path], out: Path,
          ordinary: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """Fit two heads on labelled crisis sets plus `ordinary` messages (everyday questions about
    the guideline, label none; without them the model has never seen a question that is not
    about danger): `acute` decides the card, `topic` adds the numbers line to messages that name
    the danger in words the concepts of intents/crisis.yaml do not know."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    rows = [row for path in sets for row in load_set(path)]
    ordinary = ordinary or {}
    rows += [{"text": text, "label": "ordinary", "source": source} for source, texts in ordinary.items() for text in texts]
    vectors = [rules.vector(row["text"]) for row in rows]
    # Messages the plain rule already calls acute: the threshold is chosen with them counted.
    plain = np.array([rules.plainly_acute(*rules.signals(row["text"])) for row in rows])
    dv = DictVectorizer()
    x = dv.fit_transform([v for v, _ in vectors])
    labels = np.array([str(row["label"]) for row in rows])
    acute, concern, everyday = labels == ACUTE, labels == CONCERN, labels == "ordinary"
    named = np.array([bool(kinds) for _, kinds in vectors])
    # The budget is pooled over all everyday messages: held in each source (chat, off-topic
    # questions), it cost the numbers on one concern message in twenty (CV 0.975 → 0.914 at 3 %).
    # Each source's share of lines is reported, so the cost is seen.
    source = np.array([str(row.get("source", "")) for row in rows])
    wordy = np.array([len(model_words(row["text"])) >= UNNAMED_MIN_WORDS for row in rows])
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(x, labels))

    def out_of_fold(y, c: float):
        oof = np.zeros(len(rows))
        for fit_idx, held in folds:
            oof[held] = LogisticRegression(C=c, max_iter=5000).fit(x[fit_idx], y[fit_idx]).predict_proba(x[held])[:, 1]
        return oof

    gated = np.array([f"s:{GATE}" in v for v, _ in vectors])
    best: dict[str, Any] | None = None
    for c in C_GRID:
        raw = out_of_fold(acute, c)
        logit = np.log(np.clip(raw, 1e-12, 1 - 1e-12) / np.clip(1 - raw, 1e-12, 1))
        for bonus in BONUS_GRID:
            oof = np.where(plain, 1.0, 1 / (1 + np.exp(-(logit + bonus * gated))))
            for unnamed in UNNAMED_GRID:
                # What `CrisisRules.assess` decides: a message that names a concept gets the card at
                # the threshold, one that names none (with enough words) at `unnamed`; the
                # threshold is chosen with the unnamed cards' false alarms counted first.
                base = ~named & ~plain & wordy & (oof >= unnamed)
                threshold, card = _acute_threshold(np.where(named | plain, oof, 0.0), base, acute, everyday)
                recall, alarms = float(card[acute].mean()), float(card[~acute & ~everyday].mean())
                if best is None or (recall, -alarms) > (best["cv_recall"], -best["cv_false_alarms"]):
                    best = {"c": c, "bonus": bonus, "unnamed": unnamed, "threshold": threshold,
                            "cv_recall": recall, "cv_false_alarms": alarms, "card": card}
    assert best is not None
    carded = best.pop("card")
    # The topic head: the highest threshold that still shows the numbers on nearly every
    # concern message the concepts miss, within a budget of lines on everyday questions. Like the
    # card, it needs UNNAMED_MIN_WORDS words: «hei» and «ha det» are greetings.
    topic_y = acute | concern
    topic_c = best["c"]
    oof_topic = out_of_fold(topic_y, topic_c)
    candidates = sorted({round(float(p), 4) for p in oof_topic[topic_y & ~named]} | {0.5}, reverse=True)
    topic_at = 0.5
    for t in candidates:
        line = (wordy & (oof_topic >= t)) | carded
        if float(line[everyday & ~named].mean()) > MAX_EVERYDAY_LINE:
            break
        topic_at = t
    line = (wordy & (oof_topic >= topic_at)) | named | carded

    def fitted(y, c: float, threshold: float, bonus: float = 0.0, unnamed: float = 0.0) -> dict[str, Any]:
        final = LogisticRegression(C=c, max_iter=5000).fit(x, y)
        names = dv.get_feature_names_out()
        return {"c": c, "threshold": round(threshold, 4), "bias": round(float(final.intercept_[0]), 4),
                "gate": GATE, "gate_bonus": bonus, "unnamed_at": unnamed,
                "weights": {str(n): round(float(w), 4) for n, w in zip(names, final.coef_[0], strict=False) if abs(w) >= 5e-4}}

    figures = {
        "trained_on": [p.name for p in sets] + [f"everyday: {name}" for name in ordinary],
        "n": len(rows), "acute": int(acute.sum()), "concern": int(concern.sum()), "ordinary": int(everyday.sum()),
        "cv_acute_recall": round(best["cv_recall"], 4), "cv_card_false_alarms": round(best["cv_false_alarms"], 4),
        "cv_everyday_card": round(float(carded[everyday].mean()), 4),
        "cv_numbers_acute": round(float(line[acute].mean()), 4),
        "cv_numbers_concern": round(float(line[concern].mean()), 4),
        "cv_numbers_everyday": round(float(line[everyday].mean()), 4),
        "cv_numbers_by_source": {name: round(float(line[source == name].mean()), 4) for name in ordinary
                                 if (source == name).any()},
    }
    model = {"about": "Written by `ropbot crisis-train`; rebuild after editing intents/crisis.yaml or the sets.",
             **figures, "acute": fitted(acute, best["c"], best["threshold"], best["bonus"], best["unnamed"]),
             "topic": fitted(topic_y, topic_c, topic_at)}
    out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return figures | {"acute_at": model["acute"]["threshold"], "topic_at": model["topic"]["threshold"],
                      "c": best["c"], "gate_bonus": best["bonus"], "unnamed_at": best["unnamed"],
                      "features": len(model["acute"]["weights"])}


def _acute_threshold(probs, base, y, everyday) -> tuple[float, Any]:
    """The lowest threshold on `probs` that, with the messages `base` already gives the card,
    keeps false alarms on the hard negatives under MAX_FALSE_ALARMS and on everyday questions
    under MAX_EVERYDAY_CARD; and the card it gives."""
    threshold = 0.0
    for group, share in ((~y & ~everyday, MAX_FALSE_ALARMS), (everyday, MAX_EVERYDAY_CARD)):
        if not group.any():
            continue
        allowed = int(share * int(group.sum())) - int((base & group).sum())
        others = sorted(probs[group & ~base], reverse=True)
        # Just above the (allowed+1)-th highest: at most `allowed` more false alarms.
        if allowed < 0:
            threshold = 1.01
        elif len(others) > allowed:
            threshold = max(threshold, float(others[allowed]) + 1e-6)
    threshold = threshold or 0.5
    return threshold, base | (probs >= threshold)
