"""Crisis detection: concepts, cues and a small logistic model, all read from intents/.

Why not a list of whole-phrase patterns: those fit the questions their author had in view and
miss the rest (dialect, typos, third person, indirect signs). Here a message is reduced to
signals (does it name suicide, self-harm, overdose, danger or violence; is there intent, a time
cue, a past or professional frame), and a logistic model over those signals, trained on written
examples (`ropbot crisis-train`), decides how urgent it is.

The tiers are fail-safe: any concept gives at least CONCERN, so the numbers are always shown;
the model can only choose between CONCERN and ACUTE.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, repeat
from pathlib import Path

from rapidfuzz.distance import OSA

from .wordlist import is_real
from .yamlio import load_file

ACUTE = "acute"
CONCERN = "concern"
CONCEPTS = ("suicide", "selfharm", "overdose", "danger", "violence")
# Pairs are counted within one sentence: "prøvde i fjor" and "skal i kveld" in different
# sentences of one story must not cancel each other out.
GATE = "concept&person&present"
PLAIN = "plain"  # a short sentence with the gate and nothing that places it elsewhere
PLAIN_WORDS = 12
# A sentence elsewhere in the message that places the danger in the past, in fiction or in a
# figure of speech keeps a plain sentence from deciding alone; a staff question does not.
UNPLAIN = frozenset({"past", "frame", "denial", "figurative"})
# A message that names no concept is acute on the model's word alone: it needs at least this many
# words («takk» is not a farewell) and the model's own bar for such messages (`unnamed_at`),
# chosen by `ropbot crisis-train` with its other threshold.
UNNAMED_MIN_WORDS = 4
UNNAMED_ACUTE_AT = 0.8  # for a model file written before `unnamed_at` was chosen
# Cues that place a danger outside the here and now (lowered to concern, never silenced).
DEMOTERS = frozenset({"past", "frame", "professional", "support", "worry", "denial", "figurative"})
PAIR_CUES = ("intent", "now", "past", "professional", "frame", "negation", "self", "other", "support", "worry",
             "denial", "urgent")
FUZZY_MAX = 30  # longer "words" are no typo of a lexicon word, and their deletions cost O(n²)
FUZZY_MIN = 6  # shorter words are too often one letter away from an unrelated word
GAP = 2        # words allowed where a term says `~`
MAX_WORD = 40
MAX_WORDS = 200  # a message's first words carry the signal; bounded work per message

_SPLIT = re.compile(r"[.!?\n;:]+")
_WORD = re.compile(r"[a-z0-9]+")
_FOLD = str.maketrans({"å": "a", "æ": "e", "ø": "o", "ä": "e", "ö": "o", "é": "e", "è": "e",
                       "ê": "e", "á": "a", "à": "a", "ó": "o", "ò": "o", "ô": "o", "ü": "u", "ú": "u"})
_DIGRAPHS = (("aa", "a"), ("ae", "e"))


def fold(text: str) -> str:
    """Lower case without Norwegian letters, so «våkner», «vaakner» and «vakner» are one word."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    for digraph, single in _DIGRAPHS:
        text = text.replace(digraph, single)
    return text


def words(text: str) -> list[str]:
    """Folded words, each cut to MAX_WORD letters: no danger word is longer, and a 4,000-letter
    run would otherwise cost its n-grams in full."""
    return [w[:MAX_WORD] for w in _WORD.findall(fold(text))]


def model_words(text: str) -> list[str]:
    """The words the model reads: every number is one token, «#». A number says how many, which
    the `quantity` cue carries; its digits said nothing, yet «40», «7.» and «6.6.1» made n-grams
    that a model fitted on pill counts and floors read as danger."""
    return ["#" if w.isdigit() else w for w in words(text)[:MAX_WORDS]]


def sentences(text: str) -> list[list[str]]:
    found = [words(s) for s in _SPLIT.split(text)]
    return [s for s in found if s]


@dataclass(frozen=True)
class Token:
    text: str
    prefix: bool

    def matches(self, word: str) -> bool:
        if self.text == "#":
            return word.isdigit()
        if self.text == "#year":
            return len(word) == 4 and word.isdigit() and word[:2] in ("19", "20")
        return word.startswith(self.text) if self.prefix else word == self.text


Term = tuple[tuple[Token, bool], ...]  # (token, gap allowed before it)


def compile_term(raw: str) -> Term:
    out: list[tuple[Token, bool]] = []
    gap = False
    for part in fold(str(raw)).split():
        if part == "~":
            gap = True
            continue
        prefix = part.endswith("*")
        text = part if part in ("#", "#year") else "".join(_WORD.findall(part))
        if text:
            out.append((Token(text, prefix), gap))
        gap = False
    return tuple(out)


class TermIndex:
    """All terms of all signals, looked up by their first word (exact or prefix), with one-typo
    tolerance for long words through a deletion index (no pairwise comparison per message)."""

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        # first word -> (term, signal, the other exact words it needs)
        self.exact: dict[str, list[tuple[Term, str, frozenset[str]]]] = {}
        self.prefix: dict[str, list[tuple[Term, str, frozenset[str]]]] = {}
        vocab: set[str] = set()
        for signal, raws in groups.items():
            for raw in raws or ():
                term = compile_term(raw)
                if not term:
                    continue
                first = term[0][0]
                needs = frozenset(tok.text for tok, _ in term[1:] if not tok.prefix and tok.text[0] != "#")
                (self.prefix if first.prefix else self.exact).setdefault(first.text, []).append((term, signal, needs))
                vocab.update(tok.text for tok, _ in term)
        self.vocab = frozenset(vocab)
        self.prefix_lengths = sorted({len(p) for p in self.prefix}, reverse=True)
        self.deletions: dict[str, str] = {}
        for word in sorted(self.vocab):
            if len(word) >= FUZZY_MIN:
                for variant in _deletions(word):
                    self.deletions.setdefault(variant, word)
        self.canonical = lru_cache(maxsize=65536)(self._canonical)
        self.candidates = lru_cache(maxsize=65536)(self._candidates)

    def _canonical(self, word: str) -> str:
        """The lexicon word one typo away from `word`, or `word` itself."""
        if not FUZZY_MIN <= len(word) <= FUZZY_MAX or word in self.vocab or \
                any(word.startswith(p) for p in self._prefixes_of(word)) or is_real(word):
            return word  # a known or real word («sister» is no typo of «rister») stays as typed
        candidates = [self.deletions[word]] if word in self.deletions else []  # a letter too few
        for variant in sorted(_deletions(word)):  # sorted: a set's order changes between runs
            if variant in self.vocab and len(variant) >= FUZZY_MIN:  # a letter too many
                candidates.append(variant)
            if variant in self.deletions:  # one letter changed (or two apart: checked below)
                candidates.append(self.deletions[variant])
        for candidate in candidates:
            if OSA.distance(word, candidate, score_cutoff=1) <= 1:
                return candidate
        return word

    def _prefixes_of(self, word: str) -> list[str]:
        """Prefix terms (`selvmord*`) that `word` starts with: such a word is already known."""
        return [word[:n] for n in self.prefix_lengths if n <= len(word) and word[:n] in self.prefix]

    def _candidates(self, word: str) -> tuple[tuple[Term, str, frozenset[str]], ...]:
        found = list(self.exact.get("#" if word.isdigit() else word, ()))
        for n in self.prefix_lengths:
            if n <= len(word):
                found.extend(self.prefix.get(word[:n], ()))
        return tuple(found)

    def scan(self, tokens: Sequence[str]) -> list[tuple[str, int, int]]:
        """Every (signal, start, end) a term matches in `tokens`."""
        hits: list[tuple[str, int, int]] = []
        present = set(tokens)
        for i, word in enumerate(tokens):
            for term, signal, needs in self.candidates(word):
                if needs and not needs <= present:
                    continue  # a word the term needs is not in the message at all
                end = _match_rest(term, tokens, i)
                if end is not None:
                    hits.append((signal, i, end))
        return hits


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _match_rest(term: Term, tokens: Sequence[str], start: int) -> int | None:
    pos = start + 1
    for token, gap in term[1:]:
        limit = min(len(tokens), pos + (GAP + 1 if gap else 1))
        for j in range(pos, limit):
            if token.matches(tokens[j]):
                pos = j + 1
                break
        else:
            return None
    return pos


@dataclass(frozen=True)
class Assessment:
    level: str | None            # ACUTE, CONCERN or None
    kinds: frozenset[str]        # the concepts named: suicide, selfharm, overdose, danger, violence
    probability: float = 0.0     # the model's estimate that the message is acute


NONE = Assessment(None, frozenset())


# Feature blocks of the model and their scale. Character n-grams inside words tolerate typos,
# dialect and missing æøå; words and word pairs carry phrasing; signals carry the concepts and
# cues of intents/crisis.yaml, so a new term there helps without retraining.
NGRAMS = (2, 5)
SIGNAL_SCALE = 0.3


@lru_cache(maxsize=65536)
def grams(word: str) -> tuple[str, ...]:
    """Character n-grams of one word, padded with spaces so its start and end count."""
    padded = f" {word} "
    lo, hi = NGRAMS
    return tuple(padded[i:i + n] for n in range(lo, min(hi, len(padded)) + 1)
                 for i in range(len(padded) - n + 1))


def _tokens(folded_words: Sequence[str]) -> list[str]:
    """Distinct words and word pairs in the message's order: a sum over them is then the same
    in every run without fsum, whose exactness cost a tenth of a millisecond per long message."""
    pairs = (f"{a} {b}" for a, b in zip(folded_words, folded_words[1:], strict=False))
    return list(dict.fromkeys(chain(folded_words, pairs)))


def vector(folded_words: Sequence[str], signals: Iterable[str]) -> dict[str, float]:
    """Sparse features of a message, as the trainer sees them. Character n-grams are counted
    over all words and scaled by the square root of their number; words and word pairs are
    binary and scaled the same way; signals have a fixed weight. `Model.probability_of` computes
    the same score without building this dict."""
    out: dict[str, float] = {}
    counts: dict[str, int] = {}
    for word in folded_words:
        for g in grams(word):
            counts[g] = counts.get(g, 0) + 1
    total = sum(counts.values())
    if total:
        scale = 1.0 / math.sqrt(total)
        out.update((f"c:{g}", n * scale) for g, n in counts.items())
    toks = _tokens(folded_words)
    if toks:
        scale = 1.0 / math.sqrt(len(toks))
        out.update((f"w:{t}", scale) for t in toks)
    out.update((f"s:{f}", SIGNAL_SCALE) for f in signals)
    return out


@dataclass(frozen=True)
class Model:
    """A logistic regression over `vector()`, fitted by `ropbot crisis-train`; thresholds
    chosen by cross-validation. With no model file, a message is acute when it names a concept
    (fail-safe: the card is shown too often rather than too rarely)."""

    weights: Mapping[str, float]
    bias: float
    acute_at: float  # the threshold of this model's decision
    gate: str = ""
    gate_bonus: float = 0.0  # log-odds added when the `gate` feature is present
    unnamed_at: float = UNNAMED_ACUTE_AT  # the threshold for a message that names no concept

    def __post_init__(self) -> None:
        # Per-word sums of n-gram weights: a message then costs one cached lookup per word.
        object.__setattr__(self, "_word", lru_cache(maxsize=65536)(self._word_sum))
        # The word and signal blocks split out once, so a message builds no prefixed keys.
        for block in ("w", "s", "c"):
            object.__setattr__(self, f"_{block}", {k[2:]: v for k, v in self.weights.items() if k[:2] == f"{block}:"})

    @classmethod
    def from_data(cls, data: object) -> Model:
        data = data if isinstance(data, Mapping) else {}
        return cls(dict(data.get("weights") or {}), float(data.get("bias", 0.0)), float(data.get("threshold", 0.5)),
                   str(data.get("gate") or ""), float(data.get("gate_bonus", 0.0)),
                   float(data.get("unnamed_at", max(UNNAMED_ACUTE_AT, float(data.get("threshold", 0.5))))))

    def _word_sum(self, word: str) -> tuple[float, int]:
        found = grams(word)
        return sum(map(self._c.get, found, repeat(0.0))), len(found)  # type: ignore[attr-defined]

    def probability_of(self, folded_words: Sequence[str], signals: Iterable[str],
                       toks: Sequence[str] | None = None) -> float:
        """The fitted model's probability for `vector(folded_words, signals)` (the features the
        trainer saw), computed without building that vector.
        `toks`: `_tokens(folded_words)` when the caller has it already."""
        z = self.bias
        total_w, total_n = 0.0, 0
        for word in folded_words:
            w, n = self._word(word)  # type: ignore[attr-defined]
            total_w += w
            total_n += n
        if total_n:
            z += total_w / math.sqrt(total_n)
        toks = _tokens(folded_words) if toks is None else toks
        if toks:
            get = self._w.get  # type: ignore[attr-defined]
            z += sum(map(get, toks, repeat(0.0))) / math.sqrt(len(toks))
        signals = set(signals)
        z += SIGNAL_SCALE * math.fsum(map(self._s.get, signals, repeat(0.0)))  # type: ignore[attr-defined]
        if self.gate in signals:
            z += self.gate_bonus
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def features(signals: set[str], pairs: set[str]) -> set[str]:
    """The signals, their sentence pairs, and every two signals of the message together: a linear
    model cannot see that «overdose» with «nå» differs from either alone (cross-validated acute
    recall 0.912 → 0.921 at the same 3 % false alarms)."""
    found = set(signals)
    found.update(pairs)
    if signals & set(CONCEPTS):
        found.add("concept")
    ordered = sorted(signals)
    found.update(f"x:{a}&{b}" for n, a in enumerate(ordered) for b in ordered[n + 1:])
    return found


def shape(text: str, n_words: int) -> set[str]:
    """How the message is written: a short statement with no question reads differently from a
    long story that ends with one (a bare «jeg vil ikke leve» is a cry, not a query)."""
    size = "short" if n_words <= 8 else "medium" if n_words <= 25 else "long"
    return {f"len:{size}", "question" if "?" in text else "statement"}


@dataclass(frozen=True)
class CrisisRules:
    index: TermIndex
    figurative: TermIndex
    combos: tuple[tuple[str, frozenset[str]], ...]  # (concept, signals that name it together)
    model: Model      # acute or not
    topic: Model      # names suicide, self-harm, overdose or violence at all (for the numbers line)
    heading: str
    lines: tuple[str, ...]
    violence_first: str
    overdose_tip: str
    footer: str
    concern_line: str
    answer_below: str

    @classmethod
    def load(cls, path: Path) -> CrisisRules:
        data = load_file(path, f"intents/{path.name}")
        groups = dict(data["concepts"])
        cues = dict(data["cues"])
        figurative = {"figurative": cues.pop("figurative", ())}
        groups.update(cues)
        model_path = path.parent / str(data.get("model") or "")
        model_data = json.loads(model_path.read_text(encoding="utf-8")) if model_path.is_file() else None
        reply = data["reply"]
        return cls(
            index=TermIndex(groups), figurative=TermIndex(figurative),
            combos=tuple((concept, frozenset(need)) for concept, options in (data.get("combos") or {}).items()
                         for need in options),
            model=Model.from_data((model_data or {}).get("acute")),
            topic=Model.from_data((model_data or {}).get("topic")),
            heading=reply["heading"], lines=tuple(reply["lines"]), violence_first=reply["violence_first"],
            overdose_tip=reply["overdose_tip"], footer=reply["footer"], concern_line=reply["concern"],
            answer_below=reply["answer_below"],
        )

    def signals(self, text: str) -> tuple[set[str], set[str]]:
        """Signals of the whole message, and concept&cue pairs found within one sentence."""
        signals: set[str] = set()
        pairs: set[str] = set()
        budget = MAX_WORDS
        for raw in sentences(text):
            tokens = [self.index.canonical(w) for w in raw[:budget]]
            budget -= len(tokens)
            masked = _mask(tokens, self._figures(tokens))
            if len(masked) < len(tokens) or masked != tokens:
                signals.add("figurative")
            hits = self.index.scan(masked)
            # «for en time siden»: a recent time (`now`) inside a phrase that alone says `past`
            recent = [(start, end) for signal, start, end in hits if signal == "now"]
            found = {signal for signal, start, end in hits
                     if signal != "past" or not any(start < e and s < end for s, e in recent)}
            found.update(concept for concept, need in self.combos if need <= found)
            signals |= found
            concepts = found & set(CONCEPTS)
            for concept in concepts:
                pairs.update(f"{concept}&{cue}" for cue in found & set(PAIR_CUES))
            if concepts:
                pairs.update(f"concept&{cue}" for cue in found & set(PAIR_CUES))
                who = found & {"self", "other"}
                # «puster ikke», «våkner ikke»: a danger term describes the present by itself
                will = found & {"intent", "now"} or "danger" in concepts
                if who and will and not found & DEMOTERS:
                    pairs.add(GATE)
                    if len(tokens) <= PLAIN_WORDS:
                        pairs.add(PLAIN)
            if budget <= 0:
                break
        return signals, pairs

    def _figures(self, tokens: list[str]) -> list[tuple[str, int, int]]:
        """Figures of speech to blank out, except one around an overdose word in a sentence that
        names a substance: «overdose av julekos» is a figure, «overdose av fentanyl» is not."""
        spans = self.figurative.scan(tokens)
        if not spans:
            return spans
        hits = self.index.scan(tokens)
        if not any(signal == "drug" for signal, _, _ in hits):
            return spans
        literal = [(s, e) for signal, s, e in hits if signal == "overdose"]
        return [span for span in spans if not any(s < span[2] and span[1] < e for s, e in literal)]

    def vector(self, text: str) -> tuple[dict[str, float], frozenset[str]]:
        signals, pairs = self.signals(text)
        folded = model_words(text)
        return (vector(folded, features(signals, pairs) | shape(text, len(folded))),
                frozenset(signals & set(CONCEPTS)))

    @staticmethod
    def plainly_acute(signals: set[str], pairs: set[str]) -> bool:
        """A short sentence that names the danger with a person and intent or a time cue, in a
        message with nothing that places it elsewhere («jeg vil ta livet mitt nå», «han har tatt
        en overdose og puster ikke. hva gjør jeg?»): acute whatever the model says. On the
        training sets the whole-message form of this rule was right in 47 of 48 messages."""
        return PLAIN in pairs and not signals & UNPLAIN

    def assess(self, text: str) -> Assessment:
        signals, pairs = self.signals(text)
        kinds = frozenset(signals & set(CONCEPTS))
        if not self.model.weights:  # no trained model: every concept gets the card
            return Assessment(ACUTE, kinds, 1.0) if kinds else NONE
        folded = model_words(text)
        if self.plainly_acute(signals, pairs):
            return Assessment(ACUTE, kinds, 1.0)
        feats = features(signals, pairs) | shape(text, len(folded))
        toks = _tokens(folded)
        p = self.model.probability_of(folded, feats, toks)
        if (p >= self.model.acute_at if kinds else len(folded) >= UNNAMED_MIN_WORDS and p >= self.model.unnamed_at):
            return Assessment(ACUTE, kinds or frozenset({"danger"}), p)
        if kinds or (self.topic.weights and len(folded) >= UNNAMED_MIN_WORDS
                     and self.topic.probability_of(folded, feats, toks) >= self.topic.acute_at):
            return Assessment(CONCERN, kinds or frozenset({"danger"}), p)
        return Assessment(None, frozenset(), p)


def _mask(tokens: list[str], spans: Sequence[tuple[str, int, int]]) -> list[str]:
    """Blank out figures of speech so their danger words do not count («ler meg i hjel»)."""
    if not spans:
        return tokens
    out = list(tokens)
    for _, start, end in spans:
        for i in range(start, end):
            out[i] = ""
    return out
