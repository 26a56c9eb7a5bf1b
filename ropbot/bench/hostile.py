"""Hostile messages for the benchmarks: each kind costly to ropbot in its own way, seeded so a
slow one can be replayed."""
from __future__ import annotations

import random
import string

from ..model import Corpus

MAX_MESSAGE = 4096  # Telegram's limit for one text message
HOSTILE_KINDS = ("words", "examples", "shuffled", "one_word", "compounds", "digits", "printable", "unicode",
                 "emoji", "crisis", "numbers")


def hostile_messages(corpus: Corpus, per_kind: int = 30, seed: int = 4096) -> list[tuple[str, str]]:
    """(kind, text) pairs of at most 4,096 characters, each kind costly in its own way: many
    unknown words (typo correction, compound splitting), one endless word, digit runs (masking,
    lookups), scripts and symbols, and crisis words (every term of the lexicon tried)."""
    rng = random.Random(seed)
    real = [e for e in corpus.entries() if e.answerable]
    words = sorted({w for e in real for t in (e.text, e.plain, *e.examples) for w in t.split()})
    examples = [x for e in real for x in e.examples]
    crisis = "jeg vil ta livet mitt overdose piller henge i kveld nå kniv slå puster ikke våkner".split()

    def make(kind: str) -> str:
        if kind == "words":
            return " ".join(rng.choice(words) for _ in range(800))
        if kind == "examples":
            return " ".join(rng.choice(examples) for _ in range(80))
        if kind == "shuffled":  # every word a typo no cache has seen
            return " ".join("".join(rng.sample(w, len(w))) for w in (rng.choice(words) for _ in range(800)))
        if kind == "one_word":
            return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzæøå") for _ in range(MAX_MESSAGE))
        if kind == "compounds":
            return " ".join("".join(rng.choice(words) for _ in range(5)) for _ in range(150))
        if kind == "digits":
            return " ".join(str(rng.randrange(10 ** 11)) for _ in range(400))
        if kind == "printable":
            return "".join(rng.choice(string.printable) for _ in range(MAX_MESSAGE))
        if kind == "unicode":
            return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(MAX_MESSAGE))
        if kind == "emoji":
            return "😭🔪" * 1024
        if kind == "crisis":
            return " ".join(rng.choice(crisis) for _ in range(900))
        return " ".join(f"anbefaling {rng.randrange(200)}" for _ in range(400))

    return [(kind, make(kind)[:MAX_MESSAGE]) for kind in HOSTILE_KINDS for _ in range(per_kind)]
