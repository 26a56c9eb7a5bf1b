"""`ropbot bench`: latency percentiles, load time and memory, printed as figures (not a timed test)."""
from __future__ import annotations

import importlib
import logging
import random
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Settings
from ..engine import Engine
from ..live import LiveKnowledge, settle
from ..matcher import Matcher
from ..model import Corpus, Topic
from ..normalize import Normalizer, vocabulary_of
from .hostile import hostile_messages
from .stats import percentile

log = logging.getLogger(__name__)


def synthetic_corpus(corpus: Corpus, factor: int = 100, seed: int = 7) -> list[Topic]:
    """About `factor` × the real entries, each recombining sentences, examples and keywords of real ones."""
    rng = random.Random(seed)
    real = [e for e in corpus.entries() if e.answerable]
    sentences = [s.strip() + "." for e in real for s in e.text.split(".") if s.strip()]
    examples = [x for e in real for x in e.examples]
    keywords = [k for e in real for k in e.keywords]
    out = []
    for n in range(factor * len(real)):
        base = rng.choice(real)
        out.append(Topic(
            id=f"T-syn-{n}", title=" ".join(rng.sample(base.title.split(), k=min(4, len(base.title.split())))),
            text=" ".join(rng.sample(sentences, 3)), plain=" ".join(rng.sample(sentences, 2)), source=base.source,
            examples=tuple(rng.sample(examples, 8)), keywords=tuple(rng.sample(keywords, 8)),
        ))
    return out


def long_messages(corpus: Corpus, count: int = 200, words: int = 120, seed: int = 11) -> list[str]:
    """Story-length messages (issue 11's 120 words): corpus example questions and plain-language
    sentences strung together at random, so every word is one the matcher knows and must weigh."""
    rng = random.Random(seed)
    real = [e for e in corpus.entries() if e.answerable]
    pieces = [x for e in real for x in e.examples] + [s.strip() + "." for e in real for s in e.plain.split(".") if s.strip()]
    out = []
    for _ in range(count):
        text: list[str] = []
        while len(text) < words:
            text.extend(rng.choice(pieces).split())
        out.append(" ".join(text[:words]))
    return out


def _questions(path: Path) -> list[str]:
    from ..evaluate import load_questions

    if path.exists():
        return [q["text"] for q in load_questions(path)]
    log.warning("%s not found; using example questions from the corpus", path)
    return []


def run_bench(settings: Settings, questions_path: Path, handlers: bool = True,
              repeat: int = 20, web: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    live = LiveKnowledge(settings.corpus_dir, settings.intents_dir, settle_heap=True)
    load_s = time.perf_counter() - started
    engine = Engine(live)
    corpus = live.current.corpus
    questions = _questions(questions_path) or [x for e in corpus.entries() for x in e.examples[:1]]

    latencies = _timed(engine.handle, questions * repeat)
    long = long_messages(corpus)
    long_latencies = _timed(engine.handle, long * 3)
    # The crisis check alone, on the same messages: what it adds to every reply's latency.
    crisis_latencies = _timed(live.current.crisis.assess, questions * repeat)

    rss_mb = _bot_rss_mb()
    settle()  # as the running bot is: its modules imported, then the heap settled (live.settle)
    # After the memory figure: hostile messages fill the per-word caches with words no user
    # types, which is an attacker's cost, not the bot's.
    hostile = worst_message(engine)
    # The channel figures run before the 100x index exists: a heap that size slows Python's
    # garbage collector for everything after it, which is not the bot's own cost.
    channel = _channel_figures(settings) if handlers else {}
    if web:  # the page's figures need selenium and Chromium only for the first render
        from .web import figures as web_figures

        channel.update(web_figures(engine, questions))
    chart_figures = _chart_figures()
    big_latencies, index_100x_s, entries_100x = _bench_100x(live, questions)

    report: dict[str, Any] = {
        "questions": len(questions),
        "match_calls": len(latencies),
        "match_p50_ms": round(percentile(latencies, 0.50), 3),
        "match_p99_ms": round(percentile(latencies, 0.99), 3),
        "match_mean_ms": round(statistics.mean(latencies), 3),
        "match_p50_ms_120w": round(percentile(long_latencies, 0.50), 3),
        "match_p99_ms_120w": round(percentile(long_latencies, 0.99), 3),
        **hostile,
        "crisis_p50_ms": round(percentile(crisis_latencies, 0.50), 3),
        "crisis_p99_ms": round(percentile(crisis_latencies, 0.99), 3),
        "entries_100x": entries_100x,
        "match_p50_ms_100x": round(percentile(big_latencies, 0.50), 3),
        "match_p99_ms_100x": round(percentile(big_latencies, 0.99), 3),
        "index_100x_s": round(index_100x_s, 2),
        "load_s": round(load_s, 3),
        "rss_mb": rss_mb,
    }
    report.update(channel)
    report.update(chart_figures)
    report["rss_mb_peak_all"] = _peak_rss_mb()
    return report


def worst_message(engine: Engine, per_kind: int = 30) -> dict[str, Any]:
    """Engine time of the costliest hostile message, after a warm-up on ordinary questions:
    each hostile message is new to every cache, as an attacker's would be."""
    messages = hostile_messages(engine.knowledge.corpus, per_kind)
    times: list[tuple[float, float, str]] = []
    for kind, text in messages:
        cpu, wall = time.thread_time(), time.perf_counter()
        engine.handle(text)
        times.append(((time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, kind))
    worst_ms, _, worst_kind = max(times)
    return {"worst_message_ms": round(worst_ms, 2), "worst_message_kind": worst_kind,
            # The engine's own CPU time: on a shared machine, wall time also counts the neighbours.
            "worst_message_cpu_ms": round(max(cpu for _, cpu, _ in times), 2),
            "hostile_messages": len(times), "hostile_p99_ms": round(percentile([t for t, _, _ in times], 0.99), 2)}


def _timed(call: Callable[[str], object], texts: list[str]) -> list[float]:
    """Milliseconds per call, one figure per text."""
    out = []
    for text in texts:
        t0 = time.perf_counter()
        call(text)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _bot_rss_mb() -> float:
    """Peak RSS of what a running bot holds: the corpus, its index, the engine and the Telegram stack.

    Read before the 100× index is built, so that synthetic index does not count as the bot's."""
    try:
        importlib.import_module("ropbot.telegram.app")  # loaded for its memory, as the bot would
    except ImportError:
        pass
    return _peak_rss_mb()


def _bench_100x(live: LiveKnowledge, questions: list[str]) -> tuple[list[float], float, int]:
    """Matching latency over the real entries plus ~100x synthetic ones."""
    corpus = live.current.corpus
    entries = [*(e for e in corpus.entries() if e.answerable), *synthetic_corpus(corpus)]
    t0 = time.perf_counter()
    texts = [t for e in entries for t in (e.title, e.text, e.plain, *e.examples, *e.keywords)]
    big = Matcher(corpus, Normalizer(live.current.lexicon, vocabulary_of(texts, live.current.lexicon)), entries)
    index_s = time.perf_counter() - t0
    latencies = []
    for text in questions * 3:
        t0 = time.perf_counter()
        big.rank(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, index_s, len(entries)


def _channel_figures(settings: Settings) -> dict[str, Any]:
    try:
        from . import telegram as loadtest
    except ImportError as exc:  # the Telegram channel is optional for the core figures
        log.warning("Telegram load test unavailable: %s", exc)
        return {}
    out: dict[str, Any] = {}
    out.update(loadtest.handler_load(settings))
    out.update(_with_store(settings, loadtest))
    out.update(loadtest.flood_load(settings))
    return out


def _chart_figures(queries: int = 30_000, runs: int = 5) -> dict[str, Any]:
    """Both /stats charts, as the admin's worker thread makes them: the series from the store,
    then the drawing. A scratch store with a busy month (about 1,000 questions a day).

    Wall times are medians of `runs`. The first render is reported apart: it pays for importing
    matplotlib and its fonts, once per bot process."""
    import tempfile

    from ..store import Store
    from .store import fill

    with tempfile.TemporaryDirectory(prefix="ropbot-bench-") as scratch:
        store = Store(Path(scratch) / "charts.db", salt="bench", purge=False)
        try:
            fill(store, random.Random(7), queries, days=30)
            t0 = time.perf_counter()
            from .. import charts

            charts.render(store)
            first_ms = (time.perf_counter() - t0) * 1000
            render_ms, draw_ms, cpu_ms = [], [], []
            for _ in range(runs):
                cpu = time.thread_time()
                t0 = time.perf_counter()
                days, top = store.daily_decisions(30), store.top_entries(30, 10)
                t1 = time.perf_counter()
                charts.daily_png(days)
                charts.top_png(top, 30)
                t2 = time.perf_counter()
                cpu_ms.append((time.thread_time() - cpu) * 1000)
                render_ms.append((t2 - t0) * 1000)
                draw_ms.append((t2 - t1) * 1000)
        finally:
            store.close()
    return {"charts_first_ms": round(first_ms, 1),
            "charts_render_ms": round(statistics.median(render_ms), 1),
            "charts_render_max_ms": round(max(render_ms), 1),
            "charts_draw_ms": round(statistics.median(draw_ms), 1),
            # CPU time of the rendering thread: what the machine's other work cannot inflate.
            "charts_render_cpu_ms": round(statistics.median(cpu_ms), 1)}


def _with_store(settings: Settings, loadtest: Any) -> dict[str, Any]:
    """The handler load again with the SQLite store recording, as a deployed bot does.

    In a scratch database, so benchmarking never writes into the real one."""
    import tempfile
    from dataclasses import replace

    from ..store import Store

    with tempfile.TemporaryDirectory(prefix="ropbot-bench-") as scratch:
        scratch_settings = replace(settings, db_path=Path(scratch) / "bench.db", salt="bench")
        store = Store.from_settings(scratch_settings)
        try:
            result = loadtest.handler_load(scratch_settings, recorder=store)
        finally:
            store.close()
    return {"handler_store_msgs_per_s": result["handler_msgs_per_s"],
            "handler_store_msgs_per_s_rounds": result["handler_msgs_per_s_rounds"],
            "handler_store_p99_ms": result["handler_p99_ms"]}
