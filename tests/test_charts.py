"""The /stats charts: the series the store computes, and the PNGs drawn from them."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ropbot.store import Store, ts

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data" / "ropbot.db", salt="s", purge=False)
    yield s
    s.close()


Add = Callable[..., int]


@pytest.fixture
def add(store: Store, make_reply) -> Add:
    """add(when, decision, entry=None, vote=None, user=1): one question asked at `when`, with its vote."""

    def add_(when: datetime, decision: str, entry: str | None = None, vote: int | None = None, user: int = 1) -> int:
        reply = make_reply(decision, entry, 0.9 if entry else None)
        qid = store.record_query(user, "staff", f"spørsmål {decision}", reply, 3)
        store.db.execute("UPDATE queries SET ts = ? WHERE id = ?", [ts(when), qid])
        if vote:
            assert store.record_feedback(qid, vote, user_id=user)
        store.db.conn.commit()
        return qid

    return add_


def _fill(add: Add) -> None:
    today = NOW.replace(hour=0, minute=5)
    for decision, entry in [("answer", "R69"), ("number", "R5"), ("glossary", "G-lar"), ("did_you_mean", None),
                            ("fallback", None), ("crisis", None), ("intent", None)]:
        add(today, decision, entry)
    add(today - timedelta(days=2), "answer", "R69", vote=1)
    add(today - timedelta(days=2), "answer", "R69", vote=-1, user=2)
    add(today - timedelta(days=2), "answer", "R69", vote=1, user=3)
    add(today - timedelta(days=29), "fallback")              # the first day shown
    add(today - timedelta(days=30), "answer", "R1")          # one day too old
    add(NOW + timedelta(days=1), "answer", "R1")             # tomorrow: not counted
    add(today - timedelta(days=5), "answer", "R12", vote=-1)


# --- series --------------------------------------------------------------------------------


def test_daily_decisions_has_every_day_with_zeros_and_the_outcome_split(store, add):
    _fill(add)
    days = store.daily_decisions(30, now=NOW)
    assert len(days) == 30
    assert days[0]["day"] == "2025-03-02" and days[-1]["day"] == "2025-03-31"
    assert [d["day"] for d in days] == sorted(d["day"] for d in days)
    assert days[-1] == {"day": "2025-03-31", "answered": 3, "did_you_mean": 1, "fallback": 1, "crisis": 1,
                        "other": 1}
    by_day = {d["day"]: d for d in days}
    assert by_day["2025-03-29"]["answered"] == 3
    assert by_day["2025-03-26"]["answered"] == 1
    assert by_day["2025-03-02"] == {"day": "2025-03-02", "answered": 0, "did_you_mean": 0, "fallback": 1,
                                    "crisis": 0, "other": 0}
    empty = [d for d in days if d["day"] not in ("2025-03-31", "2025-03-29", "2025-03-26", "2025-03-02")]
    assert len(empty) == 26 and all(sum(v for k, v in d.items() if k != "day") == 0 for d in empty)
    assert sum(sum(v for k, v in d.items() if k != "day") for d in days) == 12


def test_daily_decisions_for_a_short_window_and_an_empty_db(store):
    assert [d["day"] for d in store.daily_decisions(3, now=NOW)] == ["2025-03-29", "2025-03-30", "2025-03-31"]
    assert all(d["answered"] == d["other"] == 0 for d in store.daily_decisions(30, now=NOW))
    with pytest.raises(ValueError):
        store.daily_decisions(0, now=NOW)


def test_top_entries_counts_answers_and_their_votes(store, add):
    _fill(add)
    top = store.top_entries(30, 10, now=NOW)
    assert top[0] == {"id": "R69", "count": 4, "up": 2, "down": 1}
    assert top[1:] == [{"id": "G-lar", "count": 1, "up": 0, "down": 0},
                       {"id": "R12", "count": 1, "up": 0, "down": 1},
                       {"id": "R5", "count": 1, "up": 0, "down": 0}]  # ties by id; R1 is outside the window
    assert store.top_entries(30, 2, now=NOW) == top[:2]
    assert {e["id"]: e["count"] for e in store.top_entries(1, 10, now=NOW)} == {"R69": 1, "R5": 1, "G-lar": 1}


def test_the_series_hold_no_question_text(store, add):
    _fill(add)
    flat = repr(store.daily_decisions(30, now=NOW)) + repr(store.top_entries(30, 10, now=NOW))
    assert "spørsmål" not in flat and store.user_hash(1) not in flat


# --- drawing -------------------------------------------------------------------------------


def test_both_charts_are_pngs_of_the_fixed_size(store, add, png_size):
    from ropbot import charts

    _fill(add)
    days = store.daily_decisions(30, now=NOW)
    top = store.top_entries(30, 10, now=NOW)
    for data in (charts.daily_png(days), charts.top_png(top, 30), charts.daily_png(store.daily_decisions(30)),
                 charts.top_png([], 30)):
        assert png_size(data) == (charts.WIDTH_PX, charts.HEIGHT_PX)


def test_charts_fit_long_ids_and_large_counts(png_size):
    from ropbot import charts

    days = [{"day": f"2025-01-{d:02d}", "answered": 90_000, "did_you_mean": 5000, "fallback": 7000, "crisis": 40,
             "other": 900} for d in range(1, 31)]
    top = [{"id": "G-rett-til-nodvendig-helsehjelp-og-mer-til", "count": 123_456, "up": 4000, "down": 1000},
           *({"id": f"R{n}", "count": 1000 - n, "up": 0, "down": 0} for n in range(9))]
    assert png_size(charts.daily_png(days)) == (charts.WIDTH_PX, charts.HEIGHT_PX)
    assert png_size(charts.top_png(top, 30)) == (charts.WIDTH_PX, charts.HEIGHT_PX)


def test_rendering_both_charts_takes_under_half_a_second(store, add):
    """CPU time of this thread, not wall time: other work on a shared machine must not fail it.
    `ropbot bench` reports the wall time (charts_render_ms)."""
    from ropbot import charts

    _fill(add)
    charts.render(store)  # the first call pays for matplotlib's font set-up
    best = min(_cpu_seconds(lambda: charts.render(store)) for _ in range(3))
    assert best < 0.5, f"rendering both charts took {best * 1000:.0f} ms of CPU"


def _cpu_seconds(call) -> float:
    started = time.thread_time()
    call()
    return time.thread_time() - started


def test_write_puts_both_files_in_a_new_folder(store, tmp_path, png_size):
    from ropbot import charts

    paths = charts.write(charts.render(store), tmp_path / "ut" / "grafer")
    assert sorted(p.name for p in paths) == sorted([charts.DAILY_FILE, charts.TOP_FILE])
    assert all(png_size(p.read_bytes()) == (charts.WIDTH_PX, charts.HEIGHT_PX) for p in paths)
