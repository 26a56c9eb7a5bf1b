"""Rank corpus entries for a message and give one calibrated confidence.

BM25 over whole entries (fields weighted: title, keywords, examples, text,
plain) picks the leaders. Its score is divided by the best score the query
could reach, so unknown words in the message lower confidence instead of
being ignored. rapidfuzz then compares the query with each leader's example
questions (the strongest FAQ signal), and coverage asks how much of what the
user typed the entry explains.
"""
from __future__ import annotations

import math
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

from rapidfuzz import fuzz, process

from .model import Corpus, Entry, Role, Term, Topic
from .normalize import MAX_WORDS, Normalizer
from .reply import Hit

_WORD = re.compile(r"[0-9a-zæøåäöüé]+")

FIELD_WEIGHTS = {"title": 2.0, "keywords": 1.5, "examples": 1.0, "text": 1.0, "plain": 0.6,
                 "term": 3.0, "aliases": 2.0, "definition": 1.0}
K1 = 1.2
B = 0.6
CANDIDATES = 16  # the right entry is among the first 16 of BM25 for 95 % of blind short questions
FOCUS_CANDIDATES = 4  # extra leaders from the question part of a long message
MAX_POSTINGS = 1500
# Ranking blend of the three signals. A grid search on the dev set found a flat optimum
# around these values (top-1 moved by at most 1 question in 90 across neighbours); a
# separate BM25 over single example questions added nothing there and cost half the time.
W_ENTRY, W_FUZZ, W_COVER = 4.0, 2.0, 1.0
# Confidence: a logistic model over the blended score, the lead over the runner-up and the
# coverage of the typed words, fitted on the dev set plus tests/data/offtopic.txt (labels: is the
# top hit right?). The lead earned no weight once coverage was in; leave-one-out gave the same
# operating points as the full fit.
C_SCORE, C_MARGIN, C_COVER, C_BIAS = 2.35, 0.0, 1.1, -7.35


class _BM25:
    """BM25 with Lucene's idf, log(1 + (N − n + 0.5) / (n + 0.5)), which is never negative (the
    "lucene" variant in Kamphuis et al., "Which BM25 do you mean?", ECIR 2020, and in bm25s'
    scoring.py), over field-weighted term frequencies: a term's tf is the sum of the weights of
    the fields it occurs in (FIELD_WEIGHTS), as in a one-field BM25F. k1 = K1, b = B.
    tests/test_bm25.py pins its scores.

    Each posting stores its saturated, length-normalised tf part, so a query only multiplies and
    adds. Postings are kept best-first and a query reads at most MAX_POSTINGS of each: terms that
    long lists belong to have low idf and change little, which keeps a 100× corpus fast.
    """

    def __init__(self, docs: Sequence[dict[str, float]]) -> None:
        self.n = len(docs)
        lengths = [sum(d.values()) for d in docs]
        avg = (sum(lengths) / self.n) if self.n else 1.0
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            norm = K1 * (1 - B + B * lengths[i] / avg)
            for term, tf in doc.items():
                postings[term].append((i, tf * (K1 + 1) / (tf + norm)))
        self.max_idf = math.log(1 + (self.n + 0.5) / 0.5) if self.n else 1.0
        self.idf = {t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()}
        self.postings = {t: sorted(p, key=lambda x: -x[1])[:MAX_POSTINGS] for t, p in postings.items()}

    def scores(self, query: dict[str, float]) -> tuple[dict[int, float], float]:
        out: dict[int, float] = {}
        get = out.get  # a plain dict with get() is a third faster here than defaultdict
        best = 0.0
        idfs, postings = self.idf, self.postings
        for term, weight in query.items():
            idf = idfs.get(term)
            if idf is None:
                best += weight * self.max_idf * (K1 + 1)
                continue
            best += weight * idf * (K1 + 1)
            factor = weight * idf
            for i, part in postings[term]:
                out[i] = get(i, 0.0) + factor * part
        return out, best


# What the ranker sees for each leader (see `Matcher._features`).
FEATURES = ("entry", "entry_top", "fuzzy", "cover", "grams", "grams_top", "focus", "focus_top", "first",
            "topic", "role", "relatives", "long")
GRAMS = (3, 5)


class Ranker(NamedTuple):
    """A logistic model over FEATURES, fitted by `ropbot rank-train` on the tuning halves of the
    blind question sets; `answer_at`, `suggest_at` and `margin` chosen by cross-validation."""

    weights: tuple[float, ...]
    bias: float
    answer_at: float
    suggest_at: float
    margin: float

    @classmethod
    def from_data(cls, data: object) -> Ranker | None:
        if not isinstance(data, dict) or list(data.get("features") or ()) != list(FEATURES):
            return None  # a model for other features is no model
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]), float(data["answer_at"]),
                   float(data["suggest_at"]), float(data["margin"]))


class Matcher:
    def __init__(self, corpus: Corpus, normalizer: Normalizer, entries: Iterable[Entry] | None = None,
                 ranker: Ranker | None = None) -> None:
        self.normalizer = normalizer
        self.ranker = ranker
        items = list(entries) if entries is not None else _answerable(corpus)
        self.ids = [item.id for item in items]
        self.is_topic = [isinstance(item, Topic) for item in items]
        self.is_role = [isinstance(item, Role) for item in items]
        self.for_relatives = [bool(getattr(item, "relatives", False)) or isinstance(item, Topic) for item in items]
        self.grams_of = _gram_index([" ".join((item.title, *getattr(item, "keywords", ()), *_examples(item)))
                                     for item in items])
        docs: list[dict[str, float]] = []
        # Each example as its sorted stems, the form rapidfuzz compares with the query.
        self.examples_of: list[list[str]] = []
        self.doc_terms: list[frozenset[str]] = []
        for item in items:
            doc: dict[str, float] = defaultdict(float)
            for name, text in _fields(item):
                for term in normalizer.terms(text, query=False):
                    doc[term] += FIELD_WEIGHTS[name]
            docs.append(dict(doc))
            self.doc_terms.append(frozenset(doc))
            stems = (normalizer.terms(example, query=False) for example in _examples(item))
            self.examples_of.append([" ".join(sorted(terms)) for terms in stems if terms])
        self.entries = _BM25(docs)

    def rank(self, text: str, limit: int = 10, topic_factor: float = 1.0, words: list[str] | None = None,
             relative: bool = False, focus: str | None = None) -> list[Hit]:
        """Best entries first. `topic_factor` < 1 damps relatives' topic pages (for staff).
        `focus`: the part of a long message that asks (its question sentences), ranked apart."""
        analysis = self.normalizer.analyze(text, words=words)
        query = analysis.terms
        if not query:
            return []
        entry_raw, entry_best = self.entries.scores(query)
        if not entry_raw:
            return []
        # Same order as heapq.nlargest (stable for ties), but sorting in C is faster at this size.
        ordered = sorted(entry_raw.items(), key=itemgetter(1), reverse=True)
        leaders = [i for i, _ in ordered[:CANDIDATES]]
        if focus:
            focus_raw, focus_best = self.entries.scores(self.normalizer.terms(focus))
            for i, _ in sorted(focus_raw.items(), key=itemgetter(1), reverse=True)[:FOCUS_CANDIDATES]:
                if i not in leaders:
                    leaders.append(i)
        else:
            focus_raw, focus_best = entry_raw, entry_best
        qstring = " ".join(sorted(query))
        fuzzy = self._fuzzy(qstring, leaders)
        grams = self._grams(_grams(text, MAX_WORDS), leaders, self.grams_of)
        groups = self._group_weights(analysis.groups)
        total = sum(w for _, w in groups)
        doc_terms = self.doc_terms
        top_e = ordered[0][1] or 1.0
        top_focus = max((focus_raw.get(i, 0.0) for i in leaders), default=0.0) or 1.0
        top_g = max(grams.values(), default=0.0) or 1.0
        long = min(1.0, len(words if words is not None else text.split()) / 60)
        rows = []
        for i in leaders:
            raw = entry_raw.get(i, 0.0)
            doc = doc_terms[i]
            c = 0.0
            for stems, w in groups:  # a plain loop: this runs for every leader of every message
                if not stems.isdisjoint(doc):
                    c += w
            c = c / total if total else 0.0
            fr = focus_raw.get(i, 0.0)
            x = (raw / entry_best if entry_best else 0.0, raw / top_e, fuzzy.get(i, 0.0), c,
                 grams.get(i, 0.0), grams.get(i, 0.0) / top_g, fr / focus_best if focus_best else 0.0,
                 fr / top_focus, 1.0 if i == ordered[0][0] else 0.0, float(self.is_topic[i]),
                 float(self.is_role[i]), float(relative and self.for_relatives[i]), long)
            rows.append((i, x))
        scored = [(self._score(x, i, topic_factor), i, x) for i, x in rows]
        scored.sort(key=lambda t: -t[0])
        hits = []
        for logit, i, x in scored[:limit]:
            hits.append(Hit(self.ids[i], 1 / (1 + math.exp(-max(-30.0, min(30.0, logit)))), x[0], x[2], x[3],
                            logit, x))
        return hits

    def _score(self, x: tuple[float, ...], i: int, topic_factor: float) -> float:
        """The ranker's log-odds that entry i is the right answer; without a fitted ranker, the
        hand-set blend of BM25, fuzzy and coverage that ropbot used before."""
        if self.ranker is not None:  # it weighs topic pages and the audience itself
            return self.ranker.bias + sum(w * v for w, v in zip(self.ranker.weights, x, strict=False))
        blend = W_ENTRY * x[0] + W_FUZZ * x[2] + W_COVER * x[3]
        if self.is_topic[i]:
            blend *= topic_factor
        return C_SCORE * blend + C_COVER * x[3] + C_BIAS

    @staticmethod
    def _grams(found: set[str], leaders: list[int], index: list[dict[str, float]]) -> dict[int, float]:
        """Cosine of the message's character n-grams with each leader's n-grams (title, keywords
        and examples, or the whole entry): typos, compounds and dialect spellings still share
        most of their n-grams."""
        if not found:
            return {}
        scale = 1.0 / math.sqrt(len(found))
        out = {}
        for i in leaders:
            weights = index[i]
            # The intersection runs in C over the smaller side; only shared n-grams reach Python.
            # fsum: a set has no fixed order between runs, and a plain float sum would differ in
            # its last bits, enough to flip a decision that sits on a level.
            out[i] = scale * math.fsum(map(weights.__getitem__, weights.keys() & found))
        return out

    def _fuzzy(self, qstring: str, leaders: list[int]) -> dict[int, float]:
        """Best rapidfuzz similarity of the query to each leader's example questions."""
        best: dict[int, float] = {}
        for i in leaders:
            texts = self.examples_of[i]
            if texts:
                # Both sides are already sorted stems, so plain ratio equals token_sort_ratio, faster.
                hit = process.extractOne(qstring, texts, scorer=fuzz.ratio)
                best[i] = hit[1] / 100
        return best

    def _group_weights(self, groups: tuple[tuple[str, frozenset[str]], ...]) -> list[tuple[frozenset[str], float]]:
        """Weight of each typed word for coverage; a word the corpus never uses weighs most."""
        get, top = self.entries.idf.get, repeat(self.entries.max_idf)
        return [(stems, max(map(get, stems, top), default=0.0)) for _word, stems in groups]


def _answerable(corpus: Corpus) -> list[Entry]:
    # Glossary terms are found by exact lookup ("hva er DUDIT"); ranking them against
    # recommendations made short definitions win questions they do not answer.
    return [e for e in corpus.entries() if e.answerable]


def _fields(item: Entry | Term) -> list[tuple[str, str]]:
    if isinstance(item, Term):
        return [("term", item.term), ("aliases", " ".join(item.aliases)), ("definition", item.definition)]
    return [("title", item.title), ("keywords", " ".join(item.keywords)),
            *(("examples", ex) for ex in item.examples), ("text", item.text), ("plain", item.plain)]


def _examples(item: Entry | Term) -> tuple[str, ...]:
    if isinstance(item, Term):
        return (item.term, *item.aliases)
    return (item.title, *item.examples)


def _grams(text: str, limit: int | None = None) -> set[str]:
    """Character n-grams of the words of `text`; a message's are read from its first `limit`
    words, the ones the normaliser reads too, so 4,096 characters cost no more than a long story."""
    lo, hi = GRAMS
    out: set[str] = set()
    for word in _WORD.findall(text.lower())[:limit]:
        padded = f" {word} "
        for n in range(lo, min(hi, len(padded)) + 1):
            for k in range(len(padded) - n + 1):
                out.add(padded[k:k + n])
    return out


def _gram_index(texts: Sequence[str]) -> list[dict[str, float]]:
    """Per entry, its n-grams weighted by idf and scaled to unit length."""
    sets = [_grams(t) for t in texts]
    df: dict[str, int] = defaultdict(int)
    for grams in sets:
        for g in grams:
            df[g] += 1
    n = len(sets)
    out = []
    for grams in sets:
        weights = {g: math.log((1 + n) / (1 + df[g])) + 1.0 for g in sorted(grams)}
        norm = math.sqrt(math.fsum(w * w for w in weights.values())) or 1.0
        out.append({sys.intern(g): w / norm for g, w in weights.items()})  # one copy of each n-gram
    return out
