"""Turn a message into weighted search terms.

Pipeline: lower-case (keeping æøå) → tokens → nynorsk to bokmål → synonym and
abbreviation phrases from the lexicon → stop words out → typo correction and
compound split/join against the corpus vocabulary → stems. Snowball over-stems
domain words, so words ending in a lexicon lemma keep that lemma.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import snowballstemmer
from rapidfuzz import fuzz, process

from .wordlist import is_real
from .yamlio import load_file

_TOKEN = re.compile(r"[0-9a-zæøåäöüéèáàóòúç]+")

MAX_WORDS = 160  # a long story's first 160 words carry its question; Telegram allows 4,096 characters
MAX_WORD = 40    # no Norwegian word is longer; a longer run is cut before correction and splitting
MAX_CORRECTED = 40

# Weights of derived terms relative to the words the user typed.
W_TYPED = 1.0
W_CORRECTED = 0.9
W_JOINED = 0.8
W_SYNONYM = 0.6
W_SPLIT = 0.5
W_GENERIC = 0.3  # generic chat words help ranking a little but never count as the topic


@dataclass(frozen=True)
class Lexicon:
    nynorsk: dict[str, str] = field(default_factory=dict)
    phrases: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = field(default_factory=dict)
    lemmas: tuple[str, ...] = ()
    stopwords: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()
    generic: frozenset[str] = frozenset()
    inflections: frozenset[str] = frozenset({""})  # endings a protected lemma may carry
    suffixes: tuple[str, ...] = ()                   # derivational endings cut after Snowball
    question_words: frozenset[str] = frozenset()     # left out when /ubesvart groups questions

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        data = load_file(path, f"intents/{path.name}") or {}
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: dict) -> Lexicon:
        nynorsk = {str(k).lower(): str(v).lower() for k, v in (data.get("nynorsk") or {}).items()}
        phrases: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        known: set[str] = set(nynorsk) | set(nynorsk.values())
        for canonical, variants in (data.get("synonyms") or {}).items():
            target = tuple(_tokens(str(canonical)))
            known.update(target)
            for variant in variants or ():
                words = tuple(nynorsk.get(w, w) for w in _tokens(str(variant)))
                if words and words != target:
                    phrases.setdefault(words[0], []).append((words, target))
                    known.update(words)
        # Longest first; ties in a fixed order (a set's order changes between runs).
        lemmas = tuple(sorted({str(x).lower() for x in data.get("lemmas") or ()}, key=lambda w: (-len(w), w)))
        stop = frozenset(str(x).lower() for x in data.get("stopwords") or ())
        generic = frozenset(str(x).lower() for x in data.get("generic_words") or ()) - stop
        inflections = frozenset({"", *(str(x).lower() for x in data.get("inflections") or ())})
        suffixes = tuple(str(x).lower() for x in data.get("suffixes") or ())
        return cls(nynorsk, {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in phrases.items()},
                   lemmas, stop, frozenset(known | set(lemmas)), generic, inflections, suffixes,
                   frozenset(str(x).lower() for x in data.get("question_words") or ()))


def fold(text: str) -> str:
    """Lower-case and normalise Unicode, keeping æøå (rapidfuzz does not lower-case by itself)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("ä", "æ").replace("ö", "ø")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


class Normalizer:
    def __init__(self, lexicon: Lexicon, vocabulary: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self.vocabulary: frozenset[str] = frozenset(vocabulary)
        self._vocab_list = sorted(w for w in self.vocabulary if len(w) >= 4)
        # Vocabulary words whose length lets fuzz.ratio reach 84 against a word of length n: the
        # ratio is at most 2·min/(n+m). One list per length a correction is asked for (5..MAX_WORD).
        self._near_length = {n: [w for w in self._vocab_list if 200 * min(n, len(w)) >= 84 * (n + len(w))]
                             for n in range(5, MAX_WORD + 1)}
        # Snowball stemmers keep state while stemming, so each normaliser has its own and a lock:
        # a reload builds a new index in another thread while messages are being answered.
        self._snowball = snowballstemmer.stemmer("norwegian")
        self._snowball_lock = threading.Lock()
        # Per-word work is cached: chat vocabulary repeats far more than whole messages do.
        self.stem = lru_cache(maxsize=50_000)(self._stem)
        self.correct = lru_cache(maxsize=20_000)(self._correct)
        self.split = lru_cache(maxsize=20_000)(self._split)
        self.own = lru_cache(maxsize=50_000)(self._own)
        # Built with the snapshot (off the event loop), not by the first message that needs it.
        self._stem_vocab = frozenset(self.stem(w) for w in self.vocabulary)

    def words(self, text: str) -> list[str]:
        """Surface tokens in bokmål: lower-cased, nynorsk mapped. At most MAX_WORDS words, each cut
        to MAX_WORD letters: the work per message stays bounded whatever is sent."""
        ny = self.lexicon.nynorsk
        return [ny.get(w, w) for w in (t[:MAX_WORD] for t in _tokens(text)[:MAX_WORDS])]

    def _stem(self, word: str) -> str:
        if word.isdigit() or len(word) <= 3:
            return word
        for lemma in self.lexicon.lemmas:
            idx = word.rfind(lemma)
            if idx >= 0 and word[idx + len(lemma):] in self.lexicon.inflections:
                return word[: idx + len(lemma)]
        with self._snowball_lock:
            stem = self._snowball.stemWord(word)
        for suffix in self.lexicon.suffixes:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 4:
                return stem[: -len(suffix)]
        return stem

    def _correct(self, word: str) -> str | None:
        if len(word) < 5 or not self._vocab_list:
            return None
        # Only words of a near length can reach the cut-off; the sorted order is kept, so the
        # first best match is the one a search of the whole list would return.
        near = self._near_length.get(len(word), self._vocab_list)  # words are cut to MAX_WORD before this
        hit = process.extractOne(word, near, scorer=fuzz.ratio, score_cutoff=84)
        return hit[0] if hit else None

    def _split(self, word: str) -> tuple[str, str] | None:
        """A compound's head and tail, both content words («rus|behandling»); a part that is a
        stop word is no part («venn|inne» is «venninne», a friend, not a friend inside)."""
        vocab, stop = self.vocabulary, self.lexicon.stopwords
        for i in range(3, len(word) - 2):
            head, tail = word[:i], word[i:]
            if tail in stop or len(tail) < 4:
                continue
            # The head is a set lookup and the tail a stemming: looking at the head first keeps a
            # long made-up word cheap, and finds the same split.
            heads = [h for h in (head, head[:-1] if head[-1] in "se" else None)
                     if h and len(h) >= 3 and h in vocab and h not in stop]
            if heads and (tail in vocab or self.stem(tail) in self._stem_vocab):
                return heads[0], tail
        return None


    def _own(self, word: str, query: bool) -> tuple[str, tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]:
        """What a content word yields by itself: its base form (typo fixed), the weighted stems
        of the word (or its correction and that correction's one-word synonyms), and the stems of
        its compound parts. Context (phrases, a word joined with the next) is added by `analyze`."""
        lex = self.lexicon
        known = word in self.vocabulary or word in lex.known or word in lex.generic
        fixed = None if (known or not query or is_real(word)) else self.correct(word)
        first: list[tuple[str, float]] = []
        if fixed:
            first.append((fixed, W_CORRECTED))
            for variant, target in lex.phrases.get(fixed, ()):
                if len(variant) == 1:
                    first.extend((t, W_SYNONYM) for t in target)
                    break
        else:
            first.append((word, W_GENERIC if word in lex.generic else W_TYPED))
        base = fixed or word
        split = self.split(base) if query and len(base) >= 7 else None
        parts = [(part, W_SPLIT) for part in split] if split else []

        def stems(pairs: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
            return tuple((self.stem(w), weight) for w, weight in pairs if w not in lex.stopwords)

        return base, stems(first), stems(parts)

    def terms(self, text: str, *, query: bool = True) -> dict[str, float]:
        """Weighted stems for `text`. Queries also get typo correction and compound handling."""
        return self.analyze(text, query=query).terms

    def analyze(self, text: str, *, query: bool = True, words: list[str] | None = None) -> Analysis:
        """`words`: `self.words(text)` when the caller already has it (the engine tokenises once)."""
        words = self.words(text) if words is None else words
        lex = self.lexicon
        derived: list[dict[str, float]] = [{} for _ in words]

        def add(i: int, word: str, weight: float) -> None:
            if word in lex.stopwords:
                return
            stem = self.stem(word)
            if weight > derived[i].get(stem, 0.0):
                derived[i][stem] = weight

        for i, word in enumerate(words):
            for variant, target in lex.phrases.get(word, ()):
                if tuple(words[i:i + len(variant)]) == variant:
                    for j in range(i, i + len(variant)):
                        for t in target:
                            add(j, t, W_SYNONYM)
                    break
        vocab = self.vocabulary
        content = [i for i, w in enumerate(words) if w not in lex.stopwords and not w.isdigit()]
        for n, i in enumerate(content):
            word = words[i]
            # Typo correction is the costliest step per unknown word; a story's first words get it,
            # the rest are taken as typed, so a flood of random words costs bounded time.
            base, own, parts = self.own(word, query and n < MAX_CORRECTED)
            mine = derived[i]
            for stem, weight in own:
                if weight > mine.get(stem, 0.0):
                    mine[stem] = weight
            if not query:
                continue
            if n + 1 < len(content) and content[n + 1] == i + 1 and base + words[i + 1] in vocab:
                add(i, base + words[i + 1], W_JOINED)
                add(i + 1, base + words[i + 1], W_JOINED)
            for stem, weight in parts:
                if weight > mine.get(stem, 0.0):
                    mine[stem] = weight
        terms: dict[str, float] = {}
        groups: list[tuple[str, frozenset[str]]] = []
        for i, stems in enumerate(derived):
            for stem, weight in stems.items():
                if weight > terms.get(stem, 0.0):
                    terms[stem] = weight
            if stems and words[i] not in lex.stopwords and words[i] not in lex.generic and not words[i].isdigit():
                groups.append((words[i], frozenset(stems)))
        return Analysis(terms, tuple(groups))


@dataclass(frozen=True)
class Analysis:
    """Search terms plus, for each content word typed, the stems derived from it.

    The groups let the matcher ask how much of what the user typed an entry explains."""

    terms: dict[str, float]
    groups: tuple[tuple[str, frozenset[str]], ...]


def vocabulary_of(texts: Iterable[str], lexicon: Lexicon) -> set[str]:
    vocab: set[str] = set()
    for text in texts:
        vocab.update(lexicon.nynorsk.get(w, w) for w in _tokens(text))
    vocab.update(lexicon.known)
    vocab.update(lexicon.stopwords)  # so a typo of a stop word is corrected, then dropped
    return {w for w in vocab if not w.isdigit()}
