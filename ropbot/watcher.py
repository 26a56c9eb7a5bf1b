"""Background upkeep for a running bot: pick up corpus changes on disk, purge old data daily.

Why a periodic checksum rather than inotify: publishes swap the whole folder,
which inotify watches do not follow, and a checksum of ~250 kB every
ROPBOT_WATCH_SECONDS costs nothing. One daemon thread does both jobs so the
bot needs no job queue.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from .corpus_dir import read_snapshot
from .loader import LoadResult, checksum_of
from .publish import Publisher
from .validate import format_problems

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 24 * 3600


class CorpusWatcher:
    """Reloads the live corpus when the files on disk change and still validate."""

    def __init__(self, live: Any, publisher: Publisher | None = None, corpus_dir: Any = None) -> None:
        self.live = live
        self.publisher = publisher
        self.corpus_dir = corpus_dir or (publisher.corpus_dir if publisher else live.corpus_dir)
        self._refused: str | None = None  # checksum already logged as invalid

    def check(self) -> str:
        """One look at the disk: 'same', 'reloaded', 'refused' (invalid, logged once), 'busy' or 'error'."""
        if self.publisher is not None:
            done = self.publisher.reload_from_disk(wait=0, refused=self._refused)
            status, checksum, result = done.status, done.checksum, done.result
        else:  # no store, so no versions to record and no publishes to wait for
            status, checksum, result = self._read_and_reload()
        if status == "refused" and result is not None:
            log.warning("corpus on disk changed but does not validate; keeping %s. Errors:\n%s",
                        self.live.current.corpus.checksum[:12], format_problems(result.errors))
        if status in ("refused", "same", "reloaded"):
            self._refused = checksum if status == "refused" else None
        if status == "reloaded":
            log.info("corpus watch: reloaded %s from disk", (checksum or "")[:12])
        return status

    def _read_and_reload(self) -> tuple[str, str | None, LoadResult | None]:
        try:
            files = read_snapshot(self.corpus_dir)
        except OSError as exc:
            log.warning("corpus watch: cannot read %s: %s", self.corpus_dir, exc)
            return "error", None, None
        checksum = checksum_of(files)
        if checksum == self.live.current.corpus.checksum:
            return "same", checksum, None
        if checksum == self._refused:
            return "refused", checksum, None
        result = self.live.reload(files=files)
        return ("reloaded" if result.ok else "refused"), checksum, result


class Maintenance(threading.Thread):
    """Daemon thread: corpus watch every `watch_seconds`, retention purge every 24 hours."""

    def __init__(self, watcher: CorpusWatcher | None, store: Any, watch_seconds: float,
                 purge_every: float = PURGE_EVERY_SECONDS) -> None:
        super().__init__(name="ropbot-maintenance", daemon=True)
        self.watcher = watcher
        self.store = store
        self.watch_seconds = max(0.05, float(watch_seconds))
        self.purge_every = purge_every
        self._stop_event = threading.Event()
        self._last_purge = time.monotonic()  # the store purged when it opened

    def run(self) -> None:
        while not self._stop_event.wait(self.watch_seconds):
            self.tick()

    def tick(self) -> None:
        if self.watcher is not None:
            try:
                self.watcher.check()
            except Exception:  # noqa: BLE001 - the thread must survive anything
                log.exception("corpus watch failed")
        if self.store is not None and time.monotonic() - self._last_purge >= self.purge_every:
            try:
                self.store.purge()
            except Exception:  # noqa: BLE001
                log.exception("retention purge failed")
            self._last_purge = time.monotonic()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)
