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
from collections import defaultdict
from itertools import repeat
from operator import itemgetter
from typing import Iterable, NamedTuple, Sequence

from rapidfuzz import fuzz, process

from .model import Corpus, Entry, Term, Topic
from .normalize import Normalizer

FIELD_WEIGHTS = {"title": 2.0, "keywords": 1.5, "examples": 1.0, "text": 1.0, "plain": 0.6,
                 "term": 3.0, "aliases": 2.0, "definition": 1.0}
K1 = 1.2
B = 0.6
CANDIDATES = 12  # dev-set quality was the same for 10, 15 and 25 leaders
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


class Hit(NamedTuple):
    """One ranked entry. A named tuple, not a dataclass: ten are made per message, and a
    frozen dataclass costs several times more to build."""

    id: str
    score: float          # calibrated confidence in [0, 1]
    entry_score: float    # normalised BM25 over the whole entry
    fuzzy: float          # rapidfuzz similarity to the best example, 0..1
    coverage: float = 0.0  # idf-weighted share of the typed words this entry explains
    blend: float = 0.0     # the ranking score the hits are sorted by


class _BM25:
    """A small inverted index with field-weighted term frequencies.

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


class Matcher:
    def __init__(self, corpus: Corpus, normalizer: Normalizer, entries: Iterable[Entry | Term] | None = None) -> None:
        self.normalizer = normalizer
        items = list(entries) if entries is not None else _answerable(corpus)
        self.ids = [item.id for item in items]
        self.is_topic = [isinstance(item, Topic) for item in items]
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

    def rank(self, text: str, limit: int = 10, topic_factor: float = 1.0, words: list[str] | None = None) -> list[Hit]:
        """Best entries first. `topic_factor` < 1 damps relatives' topic pages (for staff)."""
        analysis = self.normalizer.analyze(text, words=words)
        query = analysis.terms
        if not query:
            return []
        entry_raw, entry_best = self.entries.scores(query)
        if not entry_raw:
            return []
        # Same order as heapq.nlargest (stable for ties), but sorting in C is faster at this size.
        leaders = [i for i, _ in sorted(entry_raw.items(), key=itemgetter(1), reverse=True)[:CANDIDATES]]
        qstring = " ".join(sorted(query))
        fuzzy = self._fuzzy(qstring, leaders)
        groups = self._group_weights(analysis.groups)
        total = sum(w for _, w in groups)
        doc_terms, is_topic = self.doc_terms, self.is_topic
        scored = []
        for i in leaders:
            e = entry_raw[i] / entry_best if entry_best else 0.0
            f = fuzzy.get(i, 0.0)
            doc = doc_terms[i]
            c = 0.0
            for stems, w in groups:  # a plain loop: this runs for every leader of every message
                if not stems.isdisjoint(doc):
                    c += w
            c = c / total if total else 0.0
            blend = W_ENTRY * e + W_FUZZ * f + W_COVER * c
            if is_topic[i]:
                blend *= topic_factor
            scored.append((blend, i, e, f, c))
        scored.sort(key=lambda t: -t[0])
        hits = []
        for rank, (blend, i, e, f, c) in enumerate(scored[:limit]):
            other = scored[1][0] if rank == 0 and len(scored) > 1 else (scored[0][0] if rank else 0.0)
            logit = C_SCORE * blend + C_MARGIN * (blend - other) + C_COVER * c + C_BIAS
            hits.append(Hit(self.ids[i], 1 / (1 + math.exp(-logit)), e, f, c, blend))
        return hits

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
