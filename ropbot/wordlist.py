"""Is this a real Norwegian word? Asked before a spelling correction or a compound split.

ropbot's own vocabulary is the corpus, which is small: «kommunelege» is not in it, and the
nearest corpus word is «kommuneoverlege». A maintained word list (wordfreq's Norwegian Bokmål
frequencies, built from large public text collections) keeps such real words as typed.
"""
from __future__ import annotations

from functools import lru_cache

# Zipf frequency (log10 per billion words): 1 is about once per 100 million words.
REAL = 1.0  # at or above this a word is real and is never "corrected"


@lru_cache(maxsize=100_000)
def frequency(word: str) -> float:
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # the word list is an install-time dependency; without it nothing is protected
        return 0.0
    return zipf_frequency(word, "nb")


def is_real(word: str) -> bool:
    return frequency(word) >= REAL
