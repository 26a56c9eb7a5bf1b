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

from .loader import checksum_of
from .publish import Publisher, read_snapshot, recover
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
        """One look at the disk: 'same', 'reloaded', 'refused' (invalid, logged once), 'busy' or 'error'.

        With a publisher, the look happens under the publish lock (skipped if a publish
        holds it), so a slow validation here can never reload a version older than
        the one a publish just made live.
        """
        if self.publisher is None:
            return self._check()
        with self.publisher.lock(wait=0) as held:
            if not held:
                return "busy"
            return self._check()

    def _check(self) -> str:
        try:
            if self.publisher is not None:  # only under the publish lock (see publish.recover)
                recover(self.corpus_dir)
            files = read_snapshot(self.corpus_dir)
        except OSError as exc:
            log.warning("corpus watch: cannot read %s: %s", self.corpus_dir, exc)
            return "error"
        checksum = checksum_of(files)
        if checksum == self.live.current.corpus.checksum:
            self._refused = None
            return "same"
        if checksum == self._refused:
            return "refused"
        reloaded = self.live.reload(files=files)
        if not reloaded.ok:
            self._refused = checksum
            log.warning("corpus on disk changed but does not validate; keeping %s. Errors:\n%s",
                        self.live.current.corpus.checksum[:12], format_problems(reloaded.errors))
            return "refused"
        if self.publisher is not None:
            try:  # the change goes into the version history too
                self.publisher.reconcile_held()
            except Exception:  # noqa: BLE001 - the reload succeeded; recording is best-effort
                log.exception("corpus watch: could not record the version")
        log.info("corpus watch: reloaded %s from disk", checksum[:12])
        return "reloaded"


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
