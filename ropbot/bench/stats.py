"""The one percentile convention every ropbot figure uses."""
from __future__ import annotations


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0.0 for no values): a figure that is one of the measured values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def ms(values: list[float], p: float) -> float:
    """A percentile of milliseconds, rounded as every report prints it."""
    return round(percentile(values, p), 2)
