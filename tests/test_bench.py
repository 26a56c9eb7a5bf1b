"""The benchmark's synthetic corpus: recombined real texts, the size asked for, unique ids."""
from __future__ import annotations

from ropbot.bench.latency import synthetic_corpus
from ropbot.bench.stats import percentile


def test_synthetic_corpus_recombines_real_entries(live):
    corpus = live.current.corpus
    real = [e for e in corpus.entries() if e.answerable]
    synthetic = synthetic_corpus(corpus, factor=2)
    assert len(synthetic) == 2 * len(real)
    assert len({e.id for e in synthetic}) == len(synthetic)
    real_sources = {e.source for e in real}
    assert all(e.source in real_sources and len(e.examples) == 8 and e.text for e in synthetic)


def test_percentile():
    values = [float(i) for i in range(1, 101)]
    assert percentile(values, 0.5) == 51.0 and percentile(values, 0.99) == 100.0 and percentile([], 0.5) == 0.0


def test_hostile_messages_are_at_most_one_telegram_message_and_cover_every_kind(live):
    from ropbot.bench.hostile import HOSTILE_KINDS, MAX_MESSAGE, hostile_messages

    messages = hostile_messages(live.current.corpus, per_kind=3)
    assert {kind for kind, _ in messages} == set(HOSTILE_KINDS) and len(messages) == 3 * len(HOSTILE_KINDS)
    assert all(0 < len(text) <= MAX_MESSAGE for _, text in messages)
    assert sum(len(text) > 3000 for _, text in messages) >= 2 * len(HOSTILE_KINDS)  # long, as an attacker sends
    assert hostile_messages(live.current.corpus, per_kind=3) == messages  # seeded: a bad one can be replayed


def test_chart_figures_are_reported():
    from ropbot.bench.latency import _chart_figures

    figures = _chart_figures(queries=500, runs=1)
    assert set(figures) == {"charts_first_ms", "charts_render_ms", "charts_render_max_ms", "charts_draw_ms",
                           "charts_render_cpu_ms"}
    assert all(value > 0 for value in figures.values())
