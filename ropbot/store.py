"""The SQLite store: what people asked, their feedback, corpus versions and the admin audit log.

Why plain SQL on sqlite-utils and no ORM: the schema is small, the reports
(/stats, /ubesvart) are aggregate queries that read best as SQL, and the DB
should be easy to open in Datasette (`datasette data/ropbot.db`).

Design points:
- WAL mode, so the bot keeps answering while an admin reads stats in another process.
- `schema_version` plus a list of forward migrations; each runs in its own transaction.
- One connection per Store, guarded by a lock, so the maintenance thread and the
  bot's event loop can share it.
- Nothing personal is stored in clear: user ids are salted hashes and texts are
  masked (privacy.py) before they reach SQL.
- SQLite's "locked" and "full" errors become `StoreLocked` / `StoreFull` with a
  Norwegian `user_text`; every write runs in a transaction that is rolled back
  on error, so a failure leaves the DB as it was.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from . import privacy
from .reply import ANSWERS

log = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.72  # answers below this top score count as uncertain in /ubesvart
MAX_TEXT = 1000
_QUERY_COLUMNS = ("ts", "user", "audience", "text", "decision", "entry_id", "score", "top", "latency_ms")
_INSERT_QUERY = (f"INSERT INTO queries ({', '.join(_QUERY_COLUMNS)}) "
                 f"VALUES ({', '.join('?' for _ in _QUERY_COLUMNS)})")
TS_FORMAT = "%Y-%m-%dT%H:%M:%S"  # UTC; fixed width so string order is time order


def now_utc() -> datetime:
    return datetime.now(UTC)


def ts(moment: datetime | None = None) -> str:
    return (moment or now_utc()).astimezone(UTC).strftime(TS_FORMAT)


# --- errors ---------------------------------------------------------------------------------


class StoreError(Exception):
    """A store failure with a short Norwegian text fit for an admin or a CLI user."""

    user_text = "Databasen svarte ikke som forventet. Ingenting ble endret."

    def __init__(self, message: str, user_text: str | None = None) -> None:
        super().__init__(message)
        if user_text:
            self.user_text = user_text


class StoreLocked(StoreError):
    user_text = ("Databasen er låst av en annen prosess (for eksempel en åpen skriveøkt i Datasette "
                 "eller sqlite3). Prøv igjen om litt. Ingenting ble endret.")


class StoreFull(StoreError):
    user_text = ("Disken eller databasen er full, så ingenting ble lagret. Frigjør plass og prøv igjen. "
                 "Det som var lagret fra før, er uendret.")


def _translate(exc: sqlite3.Error, action: str) -> StoreError:
    message = str(exc).lower()
    if "locked" in message or "busy" in message:
        return StoreLocked(f"{action}: database is locked by another connection ({exc})")
    if "full" in message:
        return StoreFull(f"{action}: database or disk is full ({exc})")
    return StoreError(f"{action}: {exc}")


# --- schema ---------------------------------------------------------------------------------


def _script(db: sqlite_utils.Database, sql: str) -> None:
    """Run DDL statement by statement inside the caller's transaction.

    Not `executescript`: it commits first, which would split a migration from its
    schema_version bump and leave a half-migrated DB after a crash.
    """
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement.strip())
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement.strip()[:60]}")


def _m1_core(db: sqlite_utils.Database) -> None:
    _script(db, """
        CREATE TABLE queries (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            user TEXT,
            audience TEXT,
            text TEXT NOT NULL,
            decision TEXT,
            entry_id TEXT,
            score REAL,
            top TEXT,
            latency_ms REAL
        );
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            query_id INTEGER NOT NULL UNIQUE REFERENCES queries(id) ON DELETE CASCADE,
            ts TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1))
        );
        CREATE TABLE users (
            user TEXT PRIMARY KEY,
            audience TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE TABLE corpus_versions (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            admin TEXT,
            checksum TEXT NOT NULL,
            note TEXT,
            files TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('pending', 'published'))
        );
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            admin TEXT,
            action TEXT NOT NULL,
            detail TEXT
        );
    """)


def _m2_indexes_staging(db: sqlite_utils.Database) -> None:
    _script(db, """
        CREATE INDEX queries_ts ON queries (ts, decision, entry_id, user);
        CREATE INDEX queries_user ON queries (user);
        CREATE INDEX feedback_ts ON feedback (ts);
        CREATE INDEX users_last_seen ON users (last_seen);
        CREATE TABLE staging (
            admin TEXT NOT NULL,
            name TEXT NOT NULL,
            content TEXT NOT NULL,
            ts TEXT NOT NULL,
            PRIMARY KEY (admin, name)
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    """)


# Forward migrations: index i takes the schema from version i to i + 1. Append only.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_m1_core, _m2_indexes_staging]
SCHEMA_VERSION = len(MIGRATIONS)


# --- the store ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    id: int
    ts: str
    admin: str | None
    checksum: str
    note: str | None
    status: str
    files: int


class Store:
    """The SQLite store; also the Telegram channel's Recorder (record_query, record_feedback, …)."""

    def __init__(self, db_path: Path | str, *, salt: str | None = None, salt_file: Path | str | None = None,
                 retention_days: int = 90,
                 busy_timeout: float = 3.0, purge: bool = True) -> None:
        self.path = Path(db_path)
        self.retention_days = retention_days
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent}: {exc}",
                             f"Kan ikke lage mappen {self.path.parent}: {exc.strerror}") from exc
        try:
            self.salt = privacy.load_salt(self.path, salt, salt_file)
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"salt unavailable: {exc}",
                             "Saltfilen ved databasen mangler eller er tom; gjenopprett den eller sett ROPBOT_SALT.") from exc
        if not self.path.exists():
            # Created 0600 up front: SQLite gives the -wal and -shm files the same mode.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        try:
            conn = sqlite3.connect(str(self.path), timeout=busy_timeout, check_same_thread=False)
        except sqlite3.Error as exc:
            raise _translate(exc, f"open {self.path}") from exc
        self.db = sqlite_utils.Database(conn)
        try:
            with self._guard("open"):
                conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
                self.db.enable_wal()
                conn.execute("PRAGMA synchronous = FULL")  # a recorded corpus version must survive power loss
                conn.execute("PRAGMA foreign_keys = ON")
                # Deleted rows (/glem, retention) are overwritten, not left readable in free pages.
                conn.execute("PRAGMA secure_delete = ON")
                self._migrate()
        except BaseException:
            conn.close()
            raise
        if purge:
            self.purge()

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> Store:
        return cls(settings.db_path, salt=settings.salt, salt_file=settings.salt_file,
                   retention_days=settings.retention_days, **kwargs)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # -- plumbing

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Roll back an open transaction on any error; sqlite errors become StoreError subclasses."""
        with self._lock:
            try:
                yield
            except BaseException as exc:
                try:
                    if self.db.conn.in_transaction:
                        self.db.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    log.warning("store %s failed: %s", action, exc)
                    raise _translate(exc, action) from exc
                raise

    @contextmanager
    def _write(self, action: str, durable: bool = True) -> Iterator[sqlite_utils.Database]:
        """One write transaction. BEGIN IMMEDIATE takes the write lock up front, so a
        lock held elsewhere waits for busy_timeout and then fails cleanly, never halfway.

        `durable=False` is for usage rows (questions, votes, last seen), written for every
        message: in WAL mode their commit skips the fsync, about half of what such a write cost.
        A crash loses nothing; a power cut may lose the last moments of usage rows, never
        corrupts the file, and never touches corpus versions, the audit log or erasures.
        """
        conn = self.db.conn
        with self._guard(action):
            # Every write sets the level it needs, so none can leak into the next write
            # (SQLite refuses to change it inside a transaction, e.g. after a failed rollback).
            conn.execute("PRAGMA synchronous = FULL" if durable else "PRAGMA synchronous = NORMAL")
            conn.execute("BEGIN IMMEDIATE")
            yield self.db
            conn.execute("COMMIT")

    def _migrate(self) -> None:
        if "schema_version" not in self.db.table_names():
            with self._write("create schema_version"):
                self.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                if self.db.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 0:
                    self.db.execute("INSERT INTO schema_version (version) VALUES (0)")
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(f"database schema {current} is newer than this ropbot ({SCHEMA_VERSION})",
                             "Databasen er laget av en nyere ropbot. Oppgrader ropbot.")
        for number in range(current, SCHEMA_VERSION):
            with self._write(f"migration {number + 1}"):
                # Re-read under the write lock: another process may have migrated meanwhile.
                if self.schema_version() > number:
                    continue
                MIGRATIONS[number](self.db)
                self.db.execute("UPDATE schema_version SET version = ?", [number + 1])
            log.info("database %s migrated to schema %d", self.path, number + 1)

    def schema_version(self) -> int:
        row = self.db.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0]) if row else 0

    def integrity_ok(self) -> bool:
        with self._guard("integrity check"):
            return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def user_hash(self, user_id: int | str) -> str:
        return privacy.hash_id(self.salt, user_id)

    def actor(self, admin: int | str | None) -> str | None:
        """How an actor is stored: Telegram ids hashed; 'cli' and 'disk' as they are."""
        if admin is None:
            return None
        if isinstance(admin, int) or (isinstance(admin, str) and admin.lstrip("-").isdigit()):
            return self.user_hash(admin)
        return str(admin)

    # -- Recorder (the Telegram channel's hooks)

    def record_query(self, user_id: int, audience: str, text: str, reply: Any,
                     latency_ms: float | None = None) -> int | None:
        """Store one question (masked) and its outcome; returns the query id for feedback buttons.

        Recording is best-effort: a locked or full DB is logged and the user still
        gets the answer, so callers get None instead of an exception.
        """
        hits = tuple(getattr(reply, "hits", ()) or ())
        row = {
            "ts": ts(),
            "user": self.user_hash(user_id) if user_id is not None else None,
            "audience": audience,
            # Cut before masking (masking is linear, but need not see 4,096 characters), with a
            # margin so a digit run at the edge is still seen whole.
            "text": privacy.mask((text or "")[:MAX_TEXT + 64])[:MAX_TEXT],
            "decision": getattr(reply, "decision", None),
            "entry_id": getattr(reply, "entry_id", None),
            "score": round(float(hits[0].score), 4) if hits else None,
            "top": json.dumps([[h.id, round(float(h.score), 4)] for h in hits[:3]]) if hits else None,
            "latency_ms": round(float(latency_ms), 2) if latency_ms is not None else None,
        }
        try:
            with self._write("record query", durable=False) as db:
                # Plain SQL: sqlite-utils' insert() reads the table's schema on every call.
                query_id = db.execute(_INSERT_QUERY, [row[c] for c in _QUERY_COLUMNS]).lastrowid
                if row["user"]:
                    self._touch(db, str(row["user"]), audience, str(row["ts"]))
            return query_id
        except StoreError as exc:
            log.error("query not recorded: %s", exc)
            return None

    def record_feedback(self, query_id: int, vote: int | str, user_id: int | None = None) -> bool:
        """Store 👍 (+1) or 👎 (-1) for a query; a second press replaces the first.

        `user_id`: who pressed. Callback data can be forged and query ids are sequential, so a
        vote counts only when the presser asked the question."""
        value = _vote(vote)
        try:
            with self._write("record feedback", durable=False) as db:
                row = db.execute("SELECT user FROM queries WHERE id = ?", [int(query_id)]).fetchone()
                if not row:
                    return False  # forgotten or past retention
                if user_id is not None and row[0] != self.user_hash(user_id):
                    log.info("feedback refused: the presser did not ask query %s", int(query_id))
                    return False
                db.execute(
                    "INSERT INTO feedback (query_id, ts, vote) VALUES (?, ?, ?) "
                    "ON CONFLICT (query_id) DO UPDATE SET vote = excluded.vote, ts = excluded.ts",
                    [int(query_id), ts(), value])
            return True
        except StoreError as exc:
            log.error("feedback not recorded: %s", exc)
            return False

    def touch_user(self, user_id: int, audience: str | None) -> None:
        try:
            with self._write("touch user", durable=False) as db:
                self._touch(db, self.user_hash(user_id), audience, ts())
        except StoreError as exc:
            log.error("user not recorded: %s", exc)

    @staticmethod
    def _touch(db: sqlite_utils.Database, user: str, audience: str | None, when: str) -> None:
        db.execute(
            "INSERT INTO users (user, audience, first_seen, last_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user) DO UPDATE SET last_seen = excluded.last_seen, "
            "audience = coalesce(excluded.audience, users.audience)",
            [user, audience, when, when])

    def user_audience(self, user_id: int) -> str | None:
        """The audience a user chose last time, so a restart does not reset it."""
        with self._guard("read user"):
            row = self.db.execute("SELECT audience FROM users WHERE user = ?", [self.user_hash(user_id)]).fetchone()
        return row[0] if row else None

    def forget_user(self, user_id: int) -> int:
        """/glem: delete every row tied to this user; returns how many rows went.

        Raises StoreError (unlike the recording hooks): a user who asked to be
        forgotten must be told if it failed.
        """
        user = self.user_hash(user_id)
        with self._write("forget user") as db:
            feedback = db.execute(
                "DELETE FROM feedback WHERE query_id IN (SELECT id FROM queries WHERE user = ?)", [user]).rowcount
            queries = db.execute("DELETE FROM queries WHERE user = ?", [user]).rowcount
            users = db.execute("DELETE FROM users WHERE user = ?", [user]).rowcount
            staged = db.execute("DELETE FROM staging WHERE admin = ?", [user]).rowcount
        total = feedback + queries + users + staged
        log.info("forgot a user: %d rows", total)
        return total

    # -- retention

    def purge(self, now: datetime | None = None) -> dict[str, int]:
        """Delete questions, feedback and user rows older than retention_days."""
        moment = now or now_utc()
        cutoff = ts(moment - timedelta(days=self.retention_days))
        try:
            with self._write("retention purge") as db:
                feedback = db.execute(
                    "DELETE FROM feedback WHERE ts < ? OR query_id IN (SELECT id FROM queries WHERE ts < ?)",
                    [cutoff, cutoff]).rowcount
                queries = db.execute("DELETE FROM queries WHERE ts < ?", [cutoff]).rowcount
                users = db.execute("DELETE FROM users WHERE last_seen < ?", [cutoff]).rowcount
                db.execute("INSERT INTO meta (key, value) VALUES ('last_purge', ?) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [ts(moment)])
        except StoreError as exc:
            log.error("retention purge failed, will retry: %s", exc)
            return {"queries": 0, "feedback": 0, "users": 0}
        counts = {"queries": queries, "feedback": feedback, "users": users}
        if any(counts.values()):
            log.info("retention purge (older than %d days): %s", self.retention_days, counts)
        return counts

    def last_purge(self) -> str | None:
        with self._guard("read meta"):
            row = self.db.execute("SELECT value FROM meta WHERE key = 'last_purge'").fetchone()
        return row[0] if row else None

    # -- audit and staging

    def audit(self, admin: int | str | None, action: str, detail: Any = None) -> None:
        with self._write("audit") as db:
            self._audit(db, admin, action, detail)

    def _audit(self, db: sqlite_utils.Database, admin: int | str | None, action: str, detail: Any) -> None:
        text = detail if isinstance(detail, str) or detail is None else json.dumps(detail, ensure_ascii=False)
        db.table("audit").insert({"ts": ts(), "admin": self.actor(admin), "action": action, "detail": text})

    def audit_log(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._guard("read audit"):
            return list(self.db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit]))

    def stage(self, admin: int | str, name: str, content: bytes) -> None:
        with self._write("stage") as db:
            db.execute("INSERT INTO staging (admin, name, content, ts) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (admin, name) DO UPDATE SET content = excluded.content, ts = excluded.ts",
                       [self.actor(admin), name, content.decode("utf-8"), ts()])
            self._audit(db, admin, "stage", {"file": name, "bytes": len(content)})

    def staged(self, admin: int | str) -> dict[str, bytes]:
        with self._guard("read staging"):
            rows = self.db.execute("SELECT name, content FROM staging WHERE admin = ? ORDER BY name",
                                   [self.actor(admin)]).fetchall()
        return {name: content.encode("utf-8") for name, content in rows}

    def clear_staging(self, admin: int | str, only: dict[str, bytes] | None = None) -> int:
        """Drop an admin's staged files; with `only`, just those names still holding that content
        (so a file uploaded while a publish ran stays staged)."""
        with self._write("clear staging") as db:
            if only is None:
                return db.execute("DELETE FROM staging WHERE admin = ?", [self.actor(admin)]).rowcount
            return sum(db.execute("DELETE FROM staging WHERE admin = ? AND name = ? AND content = ?",
                                  [self.actor(admin), name, content.decode("utf-8")]).rowcount
                       for name, content in only.items())

    # -- corpus versions

    def begin_version(self, admin: int | str | None, checksum: str, files: dict[str, bytes],
                      note: str | None, action: str = "publish") -> int:
        """Record a version as 'pending' (with its full snapshot) before the files go live.

        The row and its audit entry are one transaction. If the process dies before
        finish_version, `reconcile` in publish.py settles the row against the disk.
        """
        snapshot = json.dumps({name: files[name].decode("utf-8") for name in sorted(files)}, ensure_ascii=False)
        with self._write("record version") as db:
            version_id = db.table("corpus_versions").insert({
                "ts": ts(), "admin": self.actor(admin), "checksum": checksum, "note": note,
                "files": snapshot, "status": "pending"}).last_pk
            self._audit(db, admin, action, {"version": version_id, "checksum": checksum[:12], "note": note})
        return int(str(version_id))

    def finish_version(self, version_id: int) -> None:
        with self._write("finish version") as db:
            db.execute("UPDATE corpus_versions SET status = 'published' WHERE id = ?", [version_id])

    def drop_pending(self, version_id: int, reason: str) -> None:
        with self._write("drop pending version") as db:
            db.execute("DELETE FROM corpus_versions WHERE id = ? AND status = 'pending'", [version_id])
            self._audit(db, None, "publish_aborted", {"version": version_id, "reason": reason})

    def record_version(self, admin: int | str | None, checksum: str, files: dict[str, bytes],
                       note: str | None, action: str) -> int:
        """A version that is already on disk (first start, or a change made outside ropbot)."""
        version_id = self.begin_version(admin, checksum, files, note, action)
        self.finish_version(version_id)
        return version_id

    def versions(self, limit: int = 100, pending: bool = False) -> list[Version]:
        where = "" if pending else "WHERE status = 'published'"
        with self._guard("list versions"):
            rows = self.db.execute(
                f"SELECT id, ts, admin, checksum, note, status, (SELECT count(*) FROM json_each(files)) "
                f"FROM corpus_versions {where} ORDER BY id DESC LIMIT ?", [limit]).fetchall()
        return [Version(*row) for row in rows]

    def pending_versions(self) -> list[Version]:
        return [v for v in self.versions(limit=1000, pending=True) if v.status == "pending"]

    def latest_version(self) -> Version | None:
        found = self.versions(limit=1)
        return found[0] if found else None

    def version_files(self, version_id: int) -> dict[str, bytes] | None:
        with self._guard("read version"):
            row = self.db.execute("SELECT files FROM corpus_versions WHERE id = ? AND status = 'published'",
                                  [int(version_id)]).fetchone()
        if not row:
            return None
        return {name: text.encode("utf-8") for name, text in json.loads(row[0]).items()}

    # -- reports

    def stats(self, days: int, now: datetime | None = None) -> dict[str, Any]:
        """Figures for /stats over the last `days` days (UTC days)."""
        moment = now or now_utc()
        since = ts(moment - timedelta(days=days))
        answered = ",".join(f"'{d}'" for d in ANSWERS)
        with self._guard("stats"):
            total, answered_n, fallback, did_you_mean, crisis, users = self.db.execute(
                f"SELECT count(*), coalesce(sum(decision IN ({answered})), 0), "
                f"coalesce(sum(decision = 'fallback'), 0), coalesce(sum(decision = 'did_you_mean'), 0), "
                f"coalesce(sum(decision = 'crisis'), 0), count(DISTINCT user) FROM queries WHERE ts >= ?",
                [since]).fetchone()
            per_day = self.db.execute(
                "SELECT substr(ts, 1, 10) AS day, count(*) FROM queries WHERE ts >= ? GROUP BY day ORDER BY day",
                [since]).fetchall()
            top = self.db.execute(
                f"SELECT entry_id, count(*) AS n FROM queries WHERE ts >= ? AND decision IN ({answered}) "
                f"AND entry_id IS NOT NULL GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT 5",
                [since]).fetchall()
            up, down = self.db.execute(
                "SELECT coalesce(sum(vote = 1), 0), coalesce(sum(vote = -1), 0) FROM feedback WHERE ts >= ?",
                [since]).fetchone()
        return {
            "days": days,
            "since": since,
            "questions": total,
            "per_day": [{"day": day, "questions": n} for day, n in per_day],
            "questions_per_day": round(total / days, 1) if days else 0.0,
            "users": users,
            "answered": answered_n,
            "answer_rate": round(answered_n / total, 3) if total else 0.0,
            "fallback": fallback,
            "fallback_rate": round(fallback / total, 3) if total else 0.0,
            "did_you_mean": did_you_mean,
            "crisis": crisis,
            "top": [{"id": entry, "count": n} for entry, n in top],
            "feedback_up": up,
            "feedback_down": down,
            "feedback_balance": up - down,
        }

    def daily_decisions(self, days: int = 30, now: datetime | None = None) -> list[dict[str, Any]]:
        """Questions per UTC day for the `days` calendar days up to and including today, oldest
        first, split by outcome; days without questions are there with zeros.

        Whole calendar days (not `stats`' rolling window), so the first bar is not a partial day.
        """
        first, since, until = _day_window(days, now)
        placeholders = ", ".join("?" for _ in ANSWERS)
        with self._guard("daily decisions"):
            rows = self.db.execute(
                f"SELECT substr(ts, 1, 10) AS day, count(*), coalesce(sum(decision IN ({placeholders})), 0), "
                "coalesce(sum(decision = 'did_you_mean'), 0), coalesce(sum(decision = 'fallback'), 0), "
                "coalesce(sum(decision = 'crisis'), 0) "
                "FROM queries WHERE ts >= ? AND ts < ? GROUP BY day",
                [*ANSWERS, since, until]).fetchall()
        found = {day: (total, answered, did_you_mean, fallback, crisis)
                 for day, total, answered, did_you_mean, fallback, crisis in rows}
        out = []
        for offset in range(days):
            day = (first + timedelta(days=offset)).isoformat()
            total, answered, did_you_mean, fallback, crisis = found.get(day, (0, 0, 0, 0, 0))
            out.append({"day": day, "answered": answered, "did_you_mean": did_you_mean, "fallback": fallback,
                        "crisis": crisis, "other": total - answered - did_you_mean - fallback - crisis})
        return out

    def top_entries(self, days: int = 30, limit: int = 10, now: datetime | None = None) -> list[dict[str, Any]]:
        """The most-answered entries over the same days as `daily_decisions`, with the 👍/👎 their
        answers got: ids and counts only, never question text."""
        _, since, until = _day_window(days, now)
        placeholders = ", ".join("?" for _ in ANSWERS)
        with self._guard("top entries"):
            rows = self.db.execute(
                "SELECT q.entry_id, count(*) AS n, coalesce(sum(f.vote = 1), 0), coalesce(sum(f.vote = -1), 0) "
                "FROM queries q LEFT JOIN feedback f ON f.query_id = q.id "
                f"WHERE q.ts >= ? AND q.ts < ? AND q.decision IN ({placeholders}) AND q.entry_id IS NOT NULL "
                "GROUP BY q.entry_id ORDER BY n DESC, q.entry_id LIMIT ?",
                [since, until, *ANSWERS, limit]).fetchall()
        return [{"id": entry, "count": n, "up": up, "down": down} for entry, n, up, down in rows]

    def unanswered_rows(self, days: int = 30, limit: int = 1000, low: float = LOW_CONFIDENCE,
                        now: datetime | None = None) -> list[dict[str, Any]]:
        """Recent fallbacks, uncertain answers and down-voted answers, newest first."""
        since = ts((now or now_utc()) - timedelta(days=days))
        answered = ",".join(f"'{d}'" for d in ANSWERS)
        with self._guard("unanswered"):
            return list(self.db.query(
                f"""SELECT q.id, q.ts, q.text, q.decision, q.entry_id, q.score, f.vote,
                       CASE WHEN f.vote = -1 THEN 'down'
                            WHEN q.decision = 'fallback' THEN 'fallback'
                            ELSE 'low' END AS reason
                    FROM queries q LEFT JOIN feedback f ON f.query_id = q.id
                    WHERE q.ts >= :since AND (
                        q.decision = 'fallback' OR q.decision = 'did_you_mean'
                        OR (q.decision IN ({answered}) AND q.score < :low)
                        OR f.vote = -1)
                    ORDER BY q.id DESC LIMIT :limit""",
                {"since": since, "low": low, "limit": limit}))

    def export_rows(self, since: str) -> Iterator[dict[str, Any]]:
        """Masked queries since an ISO date, for `ropbot export` (no user hashes leave the DB)."""
        with self._guard("export"):
            rows = list(self.db.query(
                "SELECT q.ts, q.audience, q.decision, q.entry_id, q.score, q.latency_ms, f.vote, q.text "
                "FROM queries q LEFT JOIN feedback f ON f.query_id = q.id WHERE q.ts >= ? ORDER BY q.id",
                [since]))
        yield from rows

    def counts(self) -> dict[str, int]:
        with self._guard("count"):
            return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("queries", "feedback", "users", "corpus_versions", "audit", "staging")}


def _day_window(days: int, now: datetime | None) -> tuple[date, str, str]:
    """(first day, since, until) for `days` whole UTC days ending with today; `until` is the
    start of tomorrow, so a row stamped ahead of `now` (a skewed clock, a test's `now`) stays out."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    today = (now or now_utc()).astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    return first, f"{first.isoformat()}T00:00:00", f"{(today + timedelta(days=1)).isoformat()}T00:00:00"


def _vote(vote: int | str) -> int:
    if isinstance(vote, str):
        vote = vote.strip().lower()
        if vote in ("up", "+1", "1", "+", "👍", "opp", "ja"):
            return 1
        if vote in ("down", "-1", "-", "👎", "ned", "nei"):
            return -1
        raise ValueError(f"unknown vote {vote!r}")
    if int(vote) in (1, -1):
        return int(vote)
    raise ValueError(f"vote must be +1 or -1, got {vote!r}")
