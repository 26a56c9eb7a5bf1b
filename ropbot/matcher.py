"""Rank corpus entries for a message and give one calibrated confidence.

Two BM25 views share the normalised terms: one over whole entries (fields
weighted: title, keywords, examples, text, plain) and one over each example
question alone, since matching well-written example questions is the
strongest FAQ signal. Scores are divided by the best score the query could
reach, so unknown words in the message lower confidence instead of being
ignored. rapidfuzz then re-ranks the few leaders on word order and typos.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from rapidfuzz import fuzz

from .model import Corpus, Entry, Term
from .normalize import Normalizer

FIELD_WEIGHTS = {"title": 2.0, "keywords": 1.5, "examples": 1.0, "text": 1.0, "plain": 0.6,
                 "term": 3.0, "aliases": 2.0, "definition": 1.0}
K1 = 1.2
B = 0.6
CANDIDATES = 25
# Blend of the three signals into a logit; chosen on the dev set (see README "Matching").
W_ENTRY, W_EXAMPLE, W_FUZZ, BIAS = 3.0, 4.0, 2.0, -4.2


@dataclass(frozen=True)
class Hit:
    id: str
    score: float          # calibrated confidence in [0, 1]
    entry_score: float    # normalised BM25 over the whole entry
    example_score: float  # normalised BM25 of the best example question
    fuzzy: float          # rapidfuzz similarity to the best example, 0..1


class _BM25:
    """A small inverted index with field-weighted term frequencies."""

    def __init__(self, docs: Sequence[dict[str, float]]) -> None:
        self.n = len(docs)
        self.lengths = [sum(d.values()) for d in docs]
        self.avg = (sum(self.lengths) / self.n) if self.n else 1.0
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for term, tf in doc.items():
                self.postings[term].append((i, tf))
        self.max_idf = math.log(1 + (self.n + 0.5) / 0.5) if self.n else 1.0
        self.idf = {t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, query: dict[str, float]) -> tuple[dict[int, float], float]:
        out: dict[int, float] = defaultdict(float)
        best = 0.0
        for term, weight in query.items():
            idf = self.idf.get(term)
            if idf is None:
                best += weight * self.max_idf * (K1 + 1)
                continue
            best += weight * idf * (K1 + 1)
            for i, tf in self.postings[term]:
                norm = K1 * (1 - B + B * self.lengths[i] / self.avg)
                out[i] += weight * idf * tf * (K1 + 1) / (tf + norm)
        return out, best


class Matcher:
    def __init__(self, corpus: Corpus, normalizer: Normalizer, entries: Iterable[Entry | Term] | None = None) -> None:
        self.normalizer = normalizer
        items = list(entries) if entries is not None else _answerable(corpus)
        self.ids = [item.id for item in items]
        docs, ex_docs, self.ex_owner, self.ex_text = [], [], [], []
        for idx, item in enumerate(items):
            doc: dict[str, float] = defaultdict(float)
            for name, text in _fields(item):
                for term in normalizer.terms(text, query=False):
                    doc[term] += FIELD_WEIGHTS[name]
            docs.append(dict(doc))
            for example in _examples(item):
                terms = normalizer.terms(example, query=False)
                if terms:
                    ex_docs.append({t: 1.0 for t in terms})
                    self.ex_owner.append(idx)
                    self.ex_text.append(" ".join(sorted(terms)))
        self.entries = _BM25(docs)
        self.examples = _BM25(ex_docs)
        self.by_owner: dict[int, list[int]] = defaultdict(list)
        for ex, owner in enumerate(self.ex_owner):
            self.by_owner[owner].append(ex)

    def rank(self, text: str, limit: int = 10) -> list[Hit]:
        query = self.normalizer.terms(text)
        if not query:
            return []
        entry_raw, entry_best = self.entries.scores(query)
        ex_raw, ex_best = self.examples.scores(query)
        per_entry_ex: dict[int, float] = {}
        for ex, score in ex_raw.items():
            owner = self.ex_owner[ex]
            if score > per_entry_ex.get(owner, 0.0):
                per_entry_ex[owner] = score
        pool = set(entry_raw) | set(per_entry_ex)
        if not pool:
            return []
        coarse = sorted(pool, key=lambda i: -(entry_raw.get(i, 0.0) / entry_best + per_entry_ex.get(i, 0.0) / ex_best))
        qstring = " ".join(sorted(query))
        hits = []
        for i in coarse[:CANDIDATES]:
            e = entry_raw.get(i, 0.0) / entry_best if entry_best else 0.0
            x = per_entry_ex.get(i, 0.0) / ex_best if ex_best else 0.0
            f = max((fuzz.token_sort_ratio(qstring, self.ex_text[ex]) for ex in self.by_owner.get(i, ())), default=0.0) / 100
            logit = W_ENTRY * e + W_EXAMPLE * x + W_FUZZ * f + BIAS
            hits.append(Hit(self.ids[i], 1 / (1 + math.exp(-logit)), round(e, 4), round(x, 4), round(f, 4)))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]


def _answerable(corpus: Corpus) -> list[Entry | Term]:
    return [e for e in corpus.entries() if e.answerable] + list(corpus.glossary)


def _fields(item: Entry | Term) -> list[tuple[str, str]]:
    if isinstance(item, Term):
        return [("term", item.term), ("aliases", " ".join(item.aliases)), ("definition", item.definition)]
    return [("title", item.title), ("keywords", " ".join(item.keywords)),
            *(("examples", ex) for ex in item.examples), ("text", item.text), ("plain", item.plain)]


def _examples(item: Entry | Term) -> tuple[str, ...]:
    if isinstance(item, Term):
        return (item.term, *item.aliases)
    return (item.title, *item.examples)
