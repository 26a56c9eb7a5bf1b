"""Store benchmark: rows and bytes per 1,000 queries, /stats, chart series and /ubesvart latency on many rows.

Why synthetic data: the figures must be reproducible without real users, and the
shape that matters (text length, decision mix, feedback share, spread over the
retention window) is easy to imitate. Run: `ropbot storebench [--json]`.
"""
from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..reply import ANSWERS, Decision, Hit, Reply
from ..store import Store, now_utc, ts
from .stats import percentile

_SUBJECTS = ["rusbehandling", "LAR", "ROP-lidelse", "psykose", "angst", "depresjon", "pårørende", "fastlegen",
             "kommunen", "NAV", "DPS", "TSB", "individuell plan", "ACT-team", "bolig", "avrusning",
             "kartlegging", "screening", "ansvarsgruppe", "koordinator", "tvang", "fengsel", "sosiale tjenester"]
_FORMS = ["hva sier retningslinjen om {}", "hvem har ansvar for {}", "hvordan følge opp {} hos en pasient",
          "skal {} kartlegges", "hva gjør vi med {} når pasienten ruser seg", "kan {} få hjelp",
          "hvor lenge varer {}", "ring meg på 91234567 om {}", "{} og barn", "jeg er bekymret for {}"]
_DECISIONS = ["answer"] * 62 + ["number"] * 8 + ["glossary"] * 5 + ["did_you_mean"] * 12 + ["fallback"] * 10 + \
             ["crisis"] * 1 + ["intent"] * 2
_IDS = [f"R{n}" for n in range(1, 94)] + ["S8.3.1", "S8.3.2", "T-bolig", "G-lar"]


def _fake(rng: random.Random) -> tuple[str, Reply]:
    text = rng.choice(_FORMS).format(rng.choice(_SUBJECTS))
    decision = Decision(rng.choice(_DECISIONS))
    hits = tuple(Hit(rng.choice(_IDS), round(rng.uniform(0.2, 0.95), 3), 0, 0) for _ in range(3))
    entry = hits[0].id if decision in ANSWERS else None
    return text, Reply(decision, (), entry, hits=hits if decision not in ("number", "intent", "crisis") else ())


def fill(store: Store, rng: random.Random, count: int, users: int = 2_000, days: int = 90) -> float:
    """Bulk-insert `count` synthetic questions (6 % voted on) spread over the last `days` days,
    in one transaction that bypasses the per-message path; returns the seconds the insert took."""
    now = now_utc()
    batch = []
    feedback = []
    next_id = store.db.execute("SELECT coalesce(max(id), 0) FROM queries").fetchone()[0] + 1
    for i in range(count):
        text, reply = _fake(rng)
        when = ts(now - timedelta(seconds=rng.uniform(0, days * 86400)))
        top = json.dumps([[h.id, h.score] for h in reply.hits]) if reply.hits else None
        batch.append((next_id + i, when, store.user_hash(rng.randrange(users)), "staff", text, reply.decision,
                      reply.entry_id, reply.hits[0].score if reply.hits else None, top, rng.uniform(2, 40)))
        if rng.random() < 0.06:
            feedback.append((next_id + i, when, rng.choice((1, 1, -1))))
    started = time.perf_counter()
    with store._write("bench fill") as db:
        db.conn.executemany("INSERT INTO queries (id, ts, user, audience, text, decision, entry_id, score, top, "
                            "latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        db.conn.executemany("INSERT INTO feedback (query_id, ts, vote) VALUES (?, ?, ?)", feedback)
    seconds = time.perf_counter() - started
    store.db.execute("ANALYZE")
    return seconds


def _db_bytes(store: Store) -> int:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = store.path.stat().st_size
    wal = store.path.with_name(store.path.name + "-wal")
    return size + (wal.stat().st_size if wal.exists() else 0)


def _rows(store: Store) -> int:
    counts = store.counts()
    return counts["queries"] + counts["feedback"] + counts["users"]


def run(queries: int = 100_000, users: int = 2_000, seed: int = 7, stats_runs: int = 15) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db", salt="bench", retention_days=90, purge=False)
        empty_rows, empty_bytes = _rows(store), _db_bytes(store)
        # 1,000 queries through the real recording path (masking, hashing, one transaction each).
        latencies = []
        for _ in range(1000):
            text, reply = _fake(rng)
            started = time.perf_counter()
            query_id = store.record_query(rng.randrange(users), "staff", text, reply, rng.uniform(2, 40))
            latencies.append((time.perf_counter() - started) * 1000)
            if query_id and rng.random() < 0.06:
                store.record_feedback(query_id, rng.choice((1, 1, -1)))
        rows_1k = _rows(store) - empty_rows
        split_1k = {k: v for k, v in store.counts().items() if k in ("queries", "feedback", "users")}
        bytes_1k = _db_bytes(store) - empty_bytes
        # Bulk-fill up to `queries` rows, spread over the 90-day retention window.
        fill_seconds = fill(store, rng, max(0, queries - 1000), users, days=90)
        stats_ms = []
        for _ in range(stats_runs):
            started = time.perf_counter()
            store.stats(7)
            store.stats(30)
            stats_ms.append((time.perf_counter() - started) * 1000)
        series_ms = []
        for _ in range(stats_runs):
            started = time.perf_counter()
            store.daily_decisions(30)
            store.top_entries(30, 10)
            series_ms.append((time.perf_counter() - started) * 1000)
        from ..reports import group_unanswered

        started = time.perf_counter()
        rows = store.unanswered_rows(days=30, limit=1000)
        groups = group_unanswered(rows)
        unanswered_ms = (time.perf_counter() - started) * 1000
        total = store.counts()["queries"]
        size = _db_bytes(store)
        store.close()
    latencies.sort()
    return {
        "rows_per_1000_queries": rows_1k,
        "rows_per_1000_queries_by_table": split_1k,
        "synthetic_population": f"{users} users, 6 % of answers voted on",
        "bytes_per_1000_queries": bytes_1k,
        "record_query_p50_ms": round(statistics.median(latencies), 2),
        "record_query_p99_ms": round(percentile(latencies, 0.99), 2),
        "stored_queries": total,
        "db_bytes": size,
        "fill_seconds": round(fill_seconds, 2),
        "stats_7_and_30_days_median_ms": round(statistics.median(stats_ms), 1),
        "stats_7_and_30_days_max_ms": round(max(stats_ms), 1),
        "chart_series_30_days_median_ms": round(statistics.median(series_ms), 1),
        "unanswered_1000_rows_grouped_ms": round(unanswered_ms, 1),
        "unanswered_groups": len(groups),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
