"""The SQLite store: schema and migrations, recording, reports, locked and full databases."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlite_utils

from ropbot import store as store_mod
from ropbot.normalize import Lexicon
from ropbot.reply import Reply
from ropbot.reports import format_stats, format_unanswered, group_unanswered
from ropbot.store import SCHEMA_VERSION, Store, StoreError, StoreFull, StoreLocked, now_utc, ts


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data" / "ropbot.db", salt="s")
    yield s
    s.close()


# --- schema --------------------------------------------------------------------------------


def test_creates_the_db_folder_in_wal_mode_with_all_tables(tmp_path):
    s = Store(tmp_path / "new" / "sub" / "ropbot.db", salt="s")
    assert (tmp_path / "new" / "sub" / "ropbot.db").exists()
    assert s.db.journal_mode == "wal"
    assert s.schema_version() == SCHEMA_VERSION
    assert {"queries", "feedback", "users", "corpus_versions", "audit", "schema_version", "staging",
            "meta"} <= set(s.db.table_names())
    assert s.integrity_ok()
    s.close()


def test_forward_migration_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1)")
    store_mod.MIGRATIONS[0](db)
    db.execute("INSERT INTO queries (ts, text, decision) VALUES ('2030-01-01T00:00:00', 'gammel rad', 'fallback')")
    db.conn.commit()
    db.close()
    s = Store(path, salt="s", purge=False)
    assert s.schema_version() == SCHEMA_VERSION
    assert "staging" in s.db.table_names()
    assert [r["text"] for r in s.db.query("SELECT text FROM queries")] == ["gammel rad"]
    s.close()


def test_reopening_does_not_migrate_again(tmp_path):
    path = tmp_path / "x.db"
    Store(path, salt="s").close()
    s = Store(path, salt="s")
    assert s.schema_version() == SCHEMA_VERSION
    s.close()


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "x.db"
    Store(path, salt="s").close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path, salt="s")


# --- recording -----------------------------------------------------------------------------


def test_record_query_stores_the_outcome(store, make_reply):
    qid = store.record_query(7, "relative", "hva er LAR", make_reply("answer", "R69", 0.87654), 12.345)
    row = next(store.db.query("SELECT * FROM queries WHERE id = ?", [qid]))
    assert row["decision"] == "answer" and row["entry_id"] == "R69" and row["audience"] == "relative"
    assert row["score"] == 0.8765 and row["latency_ms"] == 12.35
    assert json.loads(row["top"]) == [["R69", 0.8765], ["R2", 0.6765]]
    assert row["user"] == store.user_hash(7)


def test_record_query_tolerates_a_missing_reply_and_caps_text(store):
    qid = store.record_query(7, "staff", "x" * 5000, None)
    row = next(store.db.query("SELECT * FROM queries WHERE id = ?", [qid]))
    assert row["decision"] is None and len(row["text"]) == store_mod.MAX_TEXT


def test_usage_rows_skip_the_fsync_but_everything_else_waits_for_the_disk(store, make_reply):
    seen = []
    store.db.conn.set_trace_callback(lambda sql: seen.append(sql) if "synchronous" in sql else None)
    store.record_query(7, "staff", "hva er LAR", make_reply("answer", "R69", 0.9))
    store.touch_user(7, "staff")
    assert seen == ["PRAGMA synchronous = NORMAL"] * 2
    seen.clear()
    store.audit("cli", "publish", "v1")
    store.forget_user(7)
    assert seen == ["PRAGMA synchronous = FULL"] * 2
    with pytest.raises(RuntimeError):
        with store._write("boom", durable=False) as db:
            db.execute("INSERT INTO users (user, first_seen, last_seen) VALUES ('x', 'a', 'a')")
            raise RuntimeError("boom")
    assert not store.db.conn.in_transaction
    assert store.db.execute("SELECT count(*) FROM users WHERE user = 'x'").fetchone()[0] == 0
    store.db.conn.set_trace_callback(None)


def test_users_first_and_last_seen_and_audience(store):
    store.touch_user(7, "staff")
    first = next(store.db.query("SELECT * FROM users"))
    time.sleep(1.05)
    store.touch_user(7, "relative")
    store.touch_user(7, None)
    row = next(store.db.query("SELECT * FROM users"))
    assert row["first_seen"] == first["first_seen"] and row["last_seen"] > first["last_seen"]
    assert row["audience"] == "relative" and store.user_audience(7) == "relative"
    assert store.user_audience(8) is None


def test_feedback_replaces_an_earlier_vote(store, make_reply):
    qid = store.record_query(7, "staff", "spørsmål", make_reply("answer", "R1", 0.9), 1)
    assert store.record_feedback(qid, "up")
    assert store.record_feedback(qid, -1)
    assert [r["vote"] for r in store.db.query("SELECT vote FROM feedback")] == [-1]
    assert store.record_feedback(99999, 1) is False
    with pytest.raises(ValueError):
        store.record_feedback(qid, 3)


def test_audit_and_staging(store):
    store.stage(5, "a.yaml", b"glossary: []\n")
    store.stage(5, "a.yaml", b"glossary: [] # ny\n")
    assert store.staged(5) == {"a.yaml": b"glossary: [] # ny\n"}
    assert store.staged(6) == {}
    assert store.clear_staging(5) == 1
    actions = [r["action"] for r in store.audit_log()]
    assert actions == ["stage", "stage"]
    assert all(r["admin"] == store.user_hash(5) for r in store.audit_log())


# --- reports -------------------------------------------------------------------------------


def _fill(store: Store, make_reply: Callable[..., Reply]) -> None:
    now = now_utc()
    plan = [  # (days ago, decision, entry, score, vote)
        (1, "answer", "R69", 0.9, 1), (1, "answer", "R69", 0.95, None), (2, "answer", "R12", 0.66, -1),
        (2, "fallback", None, 0.2, None), (3, "did_you_mean", None, 0.5, None), (3, "number", "R5", None, None),
        (3, "crisis", None, None, None), (10, "answer", "R12", 0.9, 1), (10, "fallback", None, None, None),
        (40, "answer", "R1", 0.9, None),
    ]
    for days, decision, entry, score, vote in plan:
        qid = store.record_query(days, "staff", f"spørsmål {decision} {days}", make_reply(decision, entry, score), 3)
        when = ts(now - timedelta(days=days, hours=1))
        store.db.execute("UPDATE queries SET ts = ? WHERE id = ?", [when, qid])
        if vote:
            store.record_feedback(qid, vote)
            store.db.execute("UPDATE feedback SET ts = ? WHERE query_id = ?", [when, qid])
    store.db.conn.commit()


def test_stats_for_7_and_30_days(store, make_reply):
    _fill(store, make_reply)
    week, month = store.stats(7), store.stats(30)
    assert week["questions"] == 7 and month["questions"] == 9
    assert week["answered"] == 4 and week["answer_rate"] == round(4 / 7, 3)
    assert week["fallback"] == 1 and week["fallback_rate"] == round(1 / 7, 3)
    assert week["did_you_mean"] == 1 and week["crisis"] == 1
    assert week["top"][0] == {"id": "R69", "count": 2}
    assert {t["id"] for t in month["top"]} == {"R69", "R12", "R5"}
    assert (week["feedback_up"], week["feedback_down"], week["feedback_balance"]) == (1, 1, 0)
    assert month["feedback_balance"] == 1
    assert sum(d["questions"] for d in week["per_day"]) == 7
    assert week["users"] == 3
    text = format_stats([week, month], lambda i: {"R69": "LAR"}.get(i))
    assert "Siste 7 dager" in text and "Siste 30 dager" in text and "R69 LAR (2)" in text
    assert "👍 1 / 👎 1" in text


def test_stats_on_an_empty_db(store):
    report = store.stats(7)
    assert report["questions"] == 0 and report["answer_rate"] == 0.0
    assert "Spørsmål: 0" in format_stats([report])


def test_unanswered_selects_fallbacks_uncertain_and_down_voted(store, make_reply):
    _fill(store, make_reply)
    rows = store.unanswered_rows(days=30)
    reasons = sorted((r["decision"], r["reason"]) for r in rows)
    assert reasons == [("answer", "down"), ("did_you_mean", "low"), ("fallback", "fallback"),
                       ("fallback", "fallback")]
    assert len(store.unanswered_rows(days=7)) == 3


def test_unanswered_groups_similar_questions_and_finds_the_closest_entry(make_reply):
    rows = [
        {"id": 1, "ts": "2030-01-03", "text": "hvordan søker jeg om avlastning", "reason": "fallback"},
        {"id": 2, "ts": "2030-01-02", "text": "hvordan søke om avlastning?", "reason": "fallback"},
        {"id": 3, "ts": "2030-01-02", "text": "Hvordan søker jeg avlastning", "reason": "down"},
        {"id": 4, "ts": "2030-01-01", "text": "hva koster parkering ved sykehuset", "reason": "low"},
    ]
    seen = []

    def rank(text):
        seen.append(text)
        return [make_reply("answer", "T-avlastning", 0.41).hits[0]] if "avlastning" in text else []

    question_words = Lexicon.load(Path(__file__).resolve().parent.parent / "intents" / "lexicon.yaml").question_words
    assert {"hvordan", "jeg", "om"} <= question_words  # the stop list is data, in intents/
    groups = group_unanswered(rows, rank, lambda i: "Avlastning", stopwords=question_words)
    assert [g["count"] for g in groups] == [3, 1]
    assert groups[0]["reasons"] == {"fallback": 2, "down": 1}
    assert groups[0]["closest"] == {"id": "T-avlastning", "score": 0.41, "title": "Avlastning"}
    assert groups[1]["closest"] is None
    text = format_unanswered(groups, 4, 30)
    assert "×3" in text and "T-avlastning «Avlastning» (0,41)" in text and "ingen oppføring" in text
    assert format_unanswered([], 0, 30).startswith("Ingen ubesvarte")


def test_export_rows_leave_out_user_hashes(store, make_reply):
    _fill(store, make_reply)
    rows = list(store.export_rows(ts(now_utc() - timedelta(days=5))))
    assert len(rows) == 7
    assert "user" not in rows[0] and rows[0]["text"].startswith("spørsmål")


# --- locked and full -----------------------------------------------------------------------

HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
conn.execute("INSERT INTO audit (ts, action) VALUES ('x', 'other process')")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def test_a_db_locked_by_another_process_gives_a_clear_error_and_changes_nothing(tmp_path, caplog, make_reply):
    path = tmp_path / "ropbot.db"
    s = Store(path, salt="s", busy_timeout=0.3)
    kept = s.record_query(1, "staff", "før låsen", make_reply("fallback"), 1)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        assert s.record_query(1, "staff", "under låsen", make_reply("fallback"), 1) is None  # logged, not raised
        assert time.monotonic() - started >= 0.25  # waited for busy_timeout first
        assert "locked" in caplog.text
        with pytest.raises(StoreLocked) as info:
            s.forget_user(1)
        assert "låst av en annen prosess" in info.value.user_text
        with pytest.raises(StoreLocked):
            s.begin_version("cli", "abc", {"a.yaml": b"x"}, "note")
        assert s.counts()["queries"] == 1  # reads still work in WAL mode
    finally:
        holder.communicate("\n", timeout=10)
    assert not s.db.conn.in_transaction
    assert s.integrity_ok()
    assert [r["id"] for r in s.db.query("SELECT id FROM queries")] == [kept]
    assert s.counts()["corpus_versions"] == 0
    assert s.record_query(1, "staff", "etter låsen", make_reply("fallback"), 1) is not None
    s.close()


def test_a_full_db_gives_a_clear_error_and_keeps_what_was_stored(tmp_path, make_reply):
    s = Store(tmp_path / "ropbot.db", salt="s")
    pages = s.db.execute("PRAGMA page_count").fetchone()[0]
    s.db.execute(f"PRAGMA max_page_count = {pages + 2}")
    stored = []
    for i in range(500):
        qid = s.record_query(i, "staff", f"spørsmål nummer {i} " + "tekst " * 40, make_reply("fallback"), 1)
        if qid is None:
            break
        stored.append(qid)
    else:
        pytest.fail("the DB never filled up")
    assert stored, "at least one row fits"
    with pytest.raises(StoreFull) as info:
        s.begin_version("cli", "abc", {"a.yaml": b"x" * 50_000}, "stor")
    assert "full" in info.value.user_text
    with pytest.raises(StoreFull):
        s.audit("cli", "x", "y" * 50_000)
    assert not s.db.conn.in_transaction
    assert s.integrity_ok()
    assert [r["id"] for r in s.db.query("SELECT id FROM queries ORDER BY id")] == stored
    assert s.counts()["users"] == len(stored)  # user rows were in the same transactions
    assert s.counts()["corpus_versions"] == 0
    s.close()
    reopened = Store(tmp_path / "ropbot.db", salt="s")
    assert reopened.integrity_ok() and reopened.counts()["queries"] == len(stored)
    reopened.close()


def test_storebench_reports_its_figures():
    from ropbot.bench.store import run

    report = run(queries=3000, stats_runs=2)
    assert report["stored_queries"] == 3000
    assert report["rows_per_1000_queries"] >= 1000 and report["bytes_per_1000_queries"] > 0
    assert report["stats_7_and_30_days_median_ms"] > 0


def test_a_failing_migration_leaves_the_db_at_the_old_version(tmp_path, monkeypatch):
    path = tmp_path / "x.db"
    Store(path, salt="s").close()

    def broken(db):
        db.execute("CREATE TABLE halfway (x)")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, broken])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", len(store_mod.MIGRATIONS))
    with pytest.raises(RuntimeError, match="migration bug"):
        Store(path, salt="s")
    monkeypatch.undo()
    s = Store(path, salt="s")
    assert s.schema_version() == SCHEMA_VERSION and "halfway" not in s.db.table_names()
    s.close()


def test_clearing_published_staging_keeps_a_newer_upload(store):
    store.stage(5, "a.yaml", b"one")
    published = store.staged(5)
    store.stage(5, "a.yaml", b"two")  # uploaded while the publish ran
    store.stage(5, "b.yaml", b"three")
    assert store.clear_staging(5, only=published) == 0
    assert store.staged(5) == {"a.yaml": b"two", "b.yaml": b"three"}
    assert store.clear_staging(5, only={"b.yaml": b"three"}) == 1


def test_a_vote_counts_only_from_the_user_who_asked(store, make_reply):
    """Query ids are sequential and callback data can be forged (issue 13, item 4)."""
    mine = store.record_query(1, "staff", "hva er LAR", make_reply("answer", "R69", 0.9), 3)
    theirs = store.record_query(2, "staff", "hva er DUDIT", make_reply("answer", "R15", 0.9), 3)
    assert store.record_feedback(mine, -1, user_id=1)
    assert not store.record_feedback(theirs, -1, user_id=1)  # a forged press on user 2's question
    votes = dict(store.db.execute("SELECT query_id, vote FROM feedback").fetchall())
    assert votes == {mine: -1}


def test_deleted_text_is_not_left_readable_in_the_file(tmp_path, make_reply):
    """PRAGMA secure_delete: a forgotten question's words are overwritten in the database file."""
    from ropbot.store import Store

    path = tmp_path / "data" / "ropbot.db"
    s = Store(path, salt="s")
    s.record_query(7, "staff", "hemmeligordsomikkeskalbli", make_reply("fallback"), 1)
    s.forget_user(7)
    s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    data = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith("ropbot.db"))
    assert b"hemmeligordsomikkeskalbli" not in data
