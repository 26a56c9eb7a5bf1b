"""Rank corpus entries for a message and give one calibrated confidence.

BM25 over whole entries (fields weighted: title, keywords, examples, text,
plain) picks the leaders. Its score is divided by the best score the query
could reach, so unknown words in the message lower confidence instead of
being ignored. rapidfuzz then compares the query with each leader's example
questions (the strongest FAQ signal), coverage asks how much of what the
user typed the entry explains, and each entry's TF-IDF centroid (its example
questions and text) gives a similarity that generalises to new wordings. A
fitted logistic ranker weighs these (`Ranker`, `ropbot rank-train`).
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain, repeat
from operator import itemgetter
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from .classifier import Classifier
from .model import Corpus, Entry, Role, Term, Topic
from .normalize import MAX_WORD, MAX_WORDS, Normalizer
from .reply import Hit

_WORD = re.compile(r"[0-9a-zæøåäöüé]+")
log = logging.getLogger(__name__)

FIELD_WEIGHTS = {"title": 2.0, "keywords": 1.5, "examples": 1.0, "text": 1.0, "plain": 0.6,
                 "term": 3.0, "aliases": 2.0, "definition": 1.0}
K1 = 1.2
B = 0.6
CANDIDATES = 16  # the right entry is among the first 16 of BM25 for 95 % of blind short questions
FOCUS_CANDIDATES = 4  # extra leaders from the question part of a long message
NEAR_CANDIDATES = 4  # extra leaders from the TF-IDF centroids (see `Centroids`)
CLASSIFIER_CANDIDATES = 3  # and from the classifier (see `classifier.Classifier`)
FUZZY_TERMS = 40  # stems of a long message compared with the example questions (`_fuzzy_query`); CV as uncapped
MAX_POSTINGS = 1500
WORD_CACHE = 50_000  # words whose n-gram columns `Vocabulary` keeps
DENSE_CELLS = 16_000_000  # features × entries up to which `Postings` is a dense float32 matrix (64 MB);
# today about 68,000 × 90: room for the placeholders to be written and twice the examples
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
        terms = list(postings)
        self.column = {t: k for k, t in enumerate(terms)}
        sizes = [len(postings[t]) for t in terms]
        self.postings = Postings(self.n, np.fromiter((i for t in terms for i, _ in postings[t]), dtype=np.int64, count=sum(sizes)),
                                 np.repeat(np.arange(len(terms), dtype=np.int64), sizes),
                                 np.fromiter((w for t in terms for _, w in postings[t]), dtype=np.float64, count=sum(sizes)),
                                 len(terms), dtype=np.float64)  # exact: tests/test_bm25.py pins its scores

    def scores(self, query: dict[str, float]) -> tuple[dict[int, float], float]:
        """Entries that share a term with the query and their scores, and the best score the
        query could reach (every term at the largest idf's share where the corpus lacks it)."""
        best = 0.0
        cols: list[int] = []
        values: list[float] = []
        idfs, column = self.idf, self.column
        for term, weight in query.items():
            idf = idfs.get(term)
            if idf is None:
                best += weight * self.max_idf * (K1 + 1)
                continue
            best += weight * idf * (K1 + 1)
            cols.append(column[term])
            values.append(weight * idf)
        if not cols:
            return {}, best
        totals = self.postings.dot(np.array(cols, dtype=np.int64), np.array(values))
        found = np.flatnonzero(totals)
        return dict(zip(found.tolist(), totals[found].tolist(), strict=True)), best


# What the ranker sees for each leader (see `Matcher._features`).
FEATURES = ("entry", "entry_top", "fuzzy", "cover", "grams", "grams_top", "focus", "focus_top",
            "topic", "role", "relatives", "long", "centroid", "centroid_top", "classifier", "classifier_top")
GRAMS = (3, 5)


class Ranker(NamedTuple):
    """A logistic model over FEATURES, fitted by `ropbot rank-train` on the tuning halves of the
    blind question sets; the levels where the engine answers and suggests chosen by
    cross-validation (`rank_train.choose_levels`)."""

    weights: tuple[float, ...]
    bias: float
    answer_at: float
    suggest_at: float
    margin: float
    linked_ties: bool = False        # a tie with an entry the first one links to still answers
    out_of_scope_at: float = 0.95    # the level a message with an off-topic theme must reach
    sure_at: float = 1.01            # a first leader this likely answers despite a close second

    @classmethod
    def from_data(cls, data: object) -> Ranker | None:
        if not isinstance(data, dict) or list(data.get("features") or ()) != list(FEATURES):
            return None  # a model for other features is no model
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]), float(data["answer_at"]),
                   float(data["suggest_at"]), float(data["margin"]), bool(data.get("linked_ties", False)),
                   float(data.get("out_of_scope_at", 0.95)), float(data.get("sure_at", 1.01)))


class Matcher:
    def __init__(self, corpus: Corpus, normalizer: Normalizer, entries: Iterable[Entry] | None = None,
                 ranker: Ranker | None = None, classifier: object = None) -> None:
        """`classifier`: intents/classifier.json's data (`classifier.Classifier`), if fitted."""
        self.normalizer = normalizer
        self.ranker = ranker
        items = list(entries) if entries is not None else _answerable(corpus)
        self.ids = [item.id for item in items]
        self.is_topic = [isinstance(item, Topic) for item in items]
        self.is_role = [isinstance(item, Role) for item in items]
        self.for_relatives = [bool(getattr(item, "relatives", False)) or isinstance(item, Topic) for item in items]
        # Each text's features once: the n-grams of titles, examples and keywords, and the centroids
        # of those and the entry's own text.
        asked = [[_tfidf_counts(t) for t in (*_examples(item), " ".join(getattr(item, "keywords", ()))) if t.strip()]
                 for item in items]
        told = [[_tfidf_counts(t) for t in (getattr(item, "text", ""), getattr(item, "plain", "")) if t.strip()]
                for item in items]
        self.centroids = Centroids([a + b for a, b in zip(asked, told, strict=True)])
        self.grams_of = Grams(asked, self.centroids.vocabulary)
        self.classifier = Classifier.from_data(classifier, self.centroids, self.ids)
        if self.ranker is not None and (self.classifier is None or not self.classifier.known.all()):
            # The ranker weighs the classifier's features heavily: without them (no model, or one
            # fitted before entries were added) it would rank on zeros, or push a new entry's
            # questions to its fitted neighbours. The hand-set blend ranks every entry alike.
            log.warning("classifier missing or older than the corpus: ranking with the hand-set blend until `make train`")
            self.ranker, self.classifier = None, None
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
        asked = query
        if focus:
            focus_terms = self.normalizer.terms(focus)
            focus_raw, focus_best = self.entries.scores(focus_terms)
            if len(query) > FUZZY_TERMS and focus_terms:
                asked = focus_terms
            for i, _ in sorted(focus_raw.items(), key=itemgetter(1), reverse=True)[:FOCUS_CANDIDATES]:
                if i not in leaders:
                    leaders.append(i)
        else:
            focus_raw, focus_best = entry_raw, entry_best
        cols, tf, chars = self.centroids.vocabulary.message(text.lower(), MAX_WORDS)
        values = self.centroids.message_weights(cols, tf)
        near = self.centroids.similarity(values, cols)
        for i in np.argsort(-near, kind="stable")[:NEAR_CANDIDATES].tolist():
            if i not in leaders:
                leaders.append(i)
        if self.classifier is not None:
            learnt = self.classifier.probabilities(cols, values)
            for i in np.argsort(-learnt, kind="stable")[:CLASSIFIER_CANDIDATES].tolist():
                if i not in leaders:
                    leaders.append(i)
        else:
            learnt = np.zeros(len(self.ids))
        top_p = float(learnt.max()) or 1.0
        fuzzy = self._fuzzy(self._fuzzy_query(asked), leaders)
        grams = self.grams_of.similarity(cols, chars)
        top_c = max((float(near[i]) for i in leaders), default=0.0) or 1.0
        groups = self._group_weights(analysis.groups)
        total = sum(w for _, w in groups)
        doc_terms = self.doc_terms
        top_e = ordered[0][1] or 1.0
        top_focus = max((focus_raw.get(i, 0.0) for i in leaders), default=0.0) or 1.0
        top_g = max((float(grams[i]) for i in leaders), default=0.0) or 1.0
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
                 float(grams[i]), float(grams[i]) / top_g, fr / focus_best if focus_best else 0.0,
                 fr / top_focus, float(self.is_topic[i]),
                 float(self.is_role[i]), float(relative and self.for_relatives[i]), long,
                 float(near[i]), float(near[i]) / top_c, float(learnt[i]), float(learnt[i]) / top_p)
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

    def _fuzzy_query(self, terms: dict[str, float]) -> str:
        """What is compared with the example questions: a story's asking sentences, and of a
        long one its FUZZY_TERMS rarest stems. An example question is a sentence; the whole of a
        120-word story is no paraphrase of one, and comparing it cost half the ranking time."""
        if len(terms) > FUZZY_TERMS:
            idf, top = self.entries.idf, self.entries.max_idf
            terms = dict(sorted(terms.items(), key=lambda t: (-idf.get(t[0], top), t[0]))[:FUZZY_TERMS])
        return " ".join(sorted(terms))

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


class Postings:
    """Sparse entry vectors stored feature by feature (which entries have it, with what weight),
    so a message is scored against every entry in a few vectorised steps.

    A corpus of ropbot's size fits a dense float32 matrix (features × entries) in a few tens of
    megabytes, and a message's rows are then one gather and one matrix-vector product: on
    120-word stories that is several times faster than walking postings. A corpus too large for
    that (DENSE_CELLS; the 100× bench corpus) keeps the postings; as in `_BM25`, a feature then
    keeps its MAX_POSTINGS heaviest entries, since in a 100× corpus the commonest n-grams would
    otherwise cost a message millions of additions for little weight. float32 is exact enough for
    similarities (no ranking changed on any tuning half); BM25 asks for float64. Either way the sum runs in
    a fixed order, so results do not depend on Python's hash seed."""

    def __init__(self, n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, features: int,
                 dtype: type = np.float32) -> None:
        self.n = n
        self.dense: np.ndarray | None = None
        if n * features <= DENSE_CELLS:
            self.dense = np.zeros((features, n), dtype=dtype)
            self.dense[cols, rows] = weights
            return
        # By feature, heaviest first (ties by entry), then each feature cut to MAX_POSTINGS.
        order = np.lexsort((rows, -weights, cols))
        rows, cols, weights = rows[order], cols[order], weights[order]
        starts = np.searchsorted(cols, np.arange(features + 1))
        keep = np.arange(len(cols)) - starts[cols] < MAX_POSTINGS
        self.rows, cols, self.weights = rows[keep].astype(np.int64), cols[keep], weights[keep]
        self.starts = np.searchsorted(cols, np.arange(features + 1)).astype(np.int64)

    def dot(self, cols: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The dot product of a query (its feature columns and values) with every entry's vector."""
        if not len(cols):
            return np.zeros(self.n)
        if self.dense is not None:
            return (values.astype(self.dense.dtype) @ self.dense[cols]).astype(np.float64)
        starts = self.starts[cols]
        lengths = self.starts[cols + 1] - starts
        # The position of every posting of every query feature, without a Python loop.
        positions = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(int(lengths.sum()))
        return np.bincount(self.rows[positions], weights=self.weights[positions] * np.repeat(values, lengths),
                           minlength=self.n)


class Vocabulary:
    """Feature names → columns, and texts → flat (text, column, count) arrays."""

    def __init__(self, counts: Sequence[dict[str, int]]) -> None:
        # Columns in order of first appearance: one pass, no sort of millions of names at 100×.
        self.column: dict[str, int] = {}
        column = self.column
        sizes = [len(c) for c in counts]
        total = sum(sizes)
        self.docs = np.repeat(np.arange(len(counts), dtype=np.int32), sizes)
        self.cols = np.fromiter((column.setdefault(f, len(column)) for c in counts for f in c), dtype=np.int32, count=total)
        self.counts = np.fromiter((k for c in counts for k in c.values()), dtype=np.float32, count=total)
        self.is_word = np.fromiter((f[0] == "w" for f in column), dtype=bool, count=len(column))
        self._cache: dict[str, tuple[np.ndarray, frozenset[str]]] = {}

    def __len__(self) -> int:
        return len(self.column)

    def message(self, lowered: str, limit: int) -> tuple[np.ndarray, np.ndarray, int]:
        """A message's known features (columns, ascending) and their counts, as `_tfidf_counts`
        would count them, and its number of distinct n-grams, known or not (the length of its
        binary n-gram vector). A word's n-gram columns are looked up once and cached, so a
        120-word story costs a lookup per word, not one per n-gram."""
        parts = [self._word_columns(w) for w in _cut(_WORD.findall(lowered)[:limit])]
        words = np.fromiter(map(self.column.get, _word_features(lowered, limit), repeat(-1)), dtype=np.int64)
        cols, tf = np.unique(np.concatenate([*(known for known, _ in parts), words[words >= 0]]), return_counts=True)
        unknown = frozenset().union(*(u for _, u in parts))
        chars = int(np.count_nonzero(~self.is_word[cols])) + len(unknown)
        return cols, tf.astype(np.float64), chars

    def _word_columns(self, word: str) -> tuple[np.ndarray, frozenset[str]]:
        """A word's n-grams: the columns of the known ones (repeats kept, for counts), and the
        unknown ones by name (for the distinct count)."""
        found = self._cache.get(word)
        if found is None:
            grams = _word_grams(word)
            cols = np.fromiter(map(self.column.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
            found = (cols[cols >= 0], frozenset(g for g, c in zip(grams, cols.tolist(), strict=True) if c < 0))
            if len(self._cache) >= WORD_CACHE:
                self._cache.clear()  # bounded: words no user types (an attack) cannot fill memory
            self._cache[word] = found
        return found


def _unit_blocks(keys: np.ndarray, weights: np.ndarray, groups: int) -> np.ndarray:
    """`weights` scaled so that the weights sharing a key have unit length."""
    norms = np.sqrt(np.bincount(keys, weights=weights * weights, minlength=groups))
    return weights / np.where(norms > 0, norms, 1.0)[keys]


class Centroids:
    """Each entry as the centroid of its texts (title, each example, keywords, text, plain) in a
    TF-IDF space of character 3–5-grams within words plus words and word pairs, sublinear tf, each
    block unit length, as scikit-learn's TfidfVectorizer builds it. The centroid of many short
    paraphrases says what an entry is about better than any single example does (blind short
    questions: right entry first 0.75 by this alone, against 0.57 for the nearest example); it
    needs no training and is rebuilt with the corpus."""

    def __init__(self, entries: Sequence[Sequence[dict[str, int]]]) -> None:
        texts = [(i, c) for i, item in enumerate(entries) for c in item]
        owner = np.array([i for i, _ in texts], dtype=np.int64)
        self.vocabulary = v = Vocabulary([c for _, c in texts])
        features = len(v)
        df = np.bincount(v.cols, minlength=features)
        self.idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
        weights = self._weights(v.docs, v.cols, v.counts, len(texts))
        # Sum each entry's texts feature by feature, then scale each centroid to unit length over
        # √2: a message has two unit blocks, so the dot product is a cosine.
        keys, where = np.unique(owner[v.docs] * features + v.cols, return_inverse=True)
        rows, cols = keys // features, keys % features
        centroids = _unit_blocks(rows, np.bincount(where, weights=weights), len(entries)) / math.sqrt(2)
        self.postings = Postings(len(entries), rows, cols, centroids, features)

    def _weights(self, docs: np.ndarray, cols: np.ndarray, counts: np.ndarray, n_docs: int) -> np.ndarray:
        """Sublinear tf × idf, each block (characters, words) of each text scaled to unit length."""
        weights = (1.0 + np.log(counts)) * self.idf[cols]
        return _unit_blocks(docs * 2 + self.vocabulary.is_word[cols], weights, 2 * n_docs)

    def message_weights(self, cols: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """A message's TF-IDF values (its known features and their counts), as a text's are weighed."""
        return self._weights(np.zeros(len(cols), dtype=np.int64), cols, tf, 1)

    def similarity(self, values: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Cosine of a message (its known features and their `message_weights`) with every entry's centroid."""
        return self.postings.dot(cols, values)


class Grams:
    """Each entry's character n-grams (title, keywords and examples), binary, weighted by idf and
    scaled to unit length; a message's n-grams are binary too. Typos, compounds and dialect
    spellings still share most of their n-grams with the words they stand for. Columns are the
    centroids' (a superset), so a message's features are looked up once for both."""

    def __init__(self, entries: Sequence[Sequence[dict[str, int]]], vocabulary: Vocabulary) -> None:
        column = vocabulary.column
        grams = [{column[f] for c in item for f in c if f[0] == "c"} for item in entries]
        sizes = [len(g) for g in grams]
        docs = np.repeat(np.arange(len(grams), dtype=np.int64), sizes)
        cols = np.fromiter((f for g in grams for f in sorted(g)), dtype=np.int64, count=sum(sizes))
        df = np.bincount(cols, minlength=len(vocabulary))
        weights = (np.log((1 + len(grams)) / (1 + df)) + 1.0)[cols]
        self.is_word = vocabulary.is_word
        self.postings = Postings(len(grams), docs, cols, _unit_blocks(docs, weights, len(grams)), len(vocabulary))

    def similarity(self, cols: np.ndarray, chars: int) -> np.ndarray:
        """Cosine with each entry, for a message's known columns and its number of distinct n-grams."""
        found = cols[~self.is_word[cols]]
        return self.postings.dot(found, np.full(len(found), 1.0 / math.sqrt(chars) if chars else 0.0))


_TOKEN = re.compile(r"\w\w+")


def _cut(words: list[str]) -> list[str]:
    """Words cut at MAX_WORD letters, as the normaliser cuts them: a made-up 2,000-letter word
    would otherwise put thousands of n-grams into the cache below for good."""
    return [w[:MAX_WORD] for w in words]


@lru_cache(maxsize=200_000)
def _word_grams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple("c" + padded[k:k + n] for n in range(GRAMS[0], min(GRAMS[1], len(padded)) + 1)
                 for k in range(len(padded) - n + 1))


def _tfidf_counts(text: str, limit: int | None = None) -> Counter[str]:
    """Feature counts of a text: `c` character n-grams within words, `w` words and word pairs.
    Keys in order of first appearance (the n-grams first), so sums over them are the same in
    every run."""
    lowered = text.lower()
    counts = Counter(chain.from_iterable(map(_word_grams, _cut(_WORD.findall(lowered)[:limit]))))
    counts.update(_word_features(lowered, limit))
    return counts


def _word_features(lowered: str, limit: int | None) -> list[str]:
    """`w` features of a lower-cased text: its words, then its word pairs."""
    tokens = _TOKEN.findall(lowered)[:limit]
    return ["w" + a for a in tokens] + [f"w{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _answerable(corpus: Corpus) -> list[Entry]:
    # Glossary terms are found by exact lookup ("hva er DUDIT"); ranking them against
    # recommendations made short definitions win questions they do not answer.
    return [e for e in corpus.entries() if e.answerable]


def _fields(item: Entry | Term) -> list[tuple[str, str]]:
    if isinstance(item, Term):
        return [("term", item.term), ("aliases", " ".join(item.aliases)), ("definition", item.definition)]
    return [("title", item.title), ("keywords", " ".join(item.keywords)),
            *(("examples", ex) for ex in item.examples), ("text", item.text), ("plain", item.plain)]


def example_texts(matcher: Matcher, corpus: Corpus) -> list[tuple[str, ...]]:
    """Each ranked entry's title and example questions, in the matcher's order: what the
    classifier is fitted on (`ropbot rank-train`), built only when it is fitted."""
    entries = {item.id: item for item in _answerable(corpus)}
    return [tuple(t for t in _examples(entries[i]) if t.strip()) for i in matcher.ids]


def _examples(item: Entry | Term) -> tuple[str, ...]:
    if isinstance(item, Term):
        return (item.term, *item.aliases)
    return (item.title, *item.examples)
