"""SIGKILL a publishing process at random points; the corpus and the history must always be whole.

Each trial starts a child that publishes the other of two corpus versions (A ↔ B)
and kills it with SIGKILL. Four in five kills land 0–3 ms after one of the steps of
the write–swap–record window (the child logs each step; round-robin over the
steps), the rest anywhere in its run.
After every kill: corpus/ equals A or B byte for byte (both validated up front;
load_corpus re-checks every tenth trial and at the end), the DB passes
integrity_check, earlier versions are unchanged, at most one row is pending, and
after `reconcile()` the newest published version is what is on disk. A reader
thread reads snapshots throughout and must only ever see A or B.

Set ROPBOT_KILL_TRIALS to run more (default 60).
"""
from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ropbot.corpus_dir import read_snapshot, recover
from ropbot.loader import checksum_of, load_corpus, read_files
from ropbot.publish import Publisher
from ropbot.store import Store

ROOT = Path(__file__).resolve().parent.parent
TRIALS = int(os.environ.get("ROPBOT_KILL_TRIALS", "60"))
FALLBACK_TRIALS = int(os.environ.get("ROPBOT_KILL_FALLBACK_TRIALS", "20"))

CHILD = r"""
import json, logging, sys
logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
logging.getLogger("ropbot.publish").setLevel(logging.DEBUG)
logging.getLogger("ropbot.corpus_dir").setLevel(logging.DEBUG)
from ropbot.loader import checksum_of
from ropbot.corpus_dir import read_snapshot
from ropbot.publish import Publisher
from ropbot.store import Store
corpus, db, sets = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3], encoding="utf-8"))
if sys.argv[4] == "two-rename":  # act as on a filesystem without renameat2(RENAME_EXCHANGE)
    import ropbot.corpus_dir
    ropbot.corpus_dir._exchange = lambda a, b: False
a = {k: v.encode("utf-8") for k, v in sets["a"].items()}
b = {k: v.encode("utf-8") for k, v in sets["b"].items()}
publisher = Publisher(corpus, Store(db, salt="kill", purge=False))
current = checksum_of(read_snapshot(corpus))
target = b if current == checksum_of(a) else a
print("publish phase: ready", file=sys.stderr, flush=True)
publisher.publish_files(target, "cli", "kill test", exact=True)
print("publish phase: done", file=sys.stderr, flush=True)
"""

TARGETS = ("validated", "tree written", "pending", "swapped")
PHASES = ("ready", "validated", "tree written", "pending", "swapped", "published", "done")


def _phase(line: str) -> str | None:
    if "publish phase:" not in line:
        return None
    tail = line.split("publish phase:", 1)[1]
    return next((p for p in PHASES if p in tail), None)


class Child:
    """A publishing child process whose log lines are timed as they arrive."""

    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD, *args], stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, env=env, text=True)
        self.events = {p: threading.Event() for p in PHASES}
        self.times: dict[str, float] = {}
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())
            phase = _phase(line)
            if phase:
                self.times.setdefault(phase, time.perf_counter())
                self.events[phase].set()

    def last_phase(self) -> str:
        self.thread.join(10)
        reached = [p for p in PHASES if p in self.times]
        return reached[-1] if reached else "starting"


def _versions(store: Store) -> list[tuple[int, str, str]]:
    return [(v.id, v.checksum, v.status) for v in store.versions(limit=10_000, pending=True)]


def test_sigkill_during_publish_never_breaks_the_corpus_or_the_history(tmp_path, corpus_copy, extra_yaml):
    """The main mode (renameat2 exchange): the corpus is whole at every instant, readers included."""
    summary = kill_trials(tmp_path, corpus_copy, extra_yaml, TRIALS, "exchange", with_reader=True)
    assert summary["trials"] >= 50 and summary["reader_bad"] == 0
    assert summary["outcomes"].get("old") and summary["outcomes"].get("new")


def test_sigkill_in_two_rename_mode_is_repaired_by_recover(tmp_path, corpus_copy, extra_yaml):
    """Without RENAME_EXCHANGE, a kill between the two renames leaves corpus/ missing until the
    next start runs recover(); after that the same guarantees hold."""
    summary = kill_trials(tmp_path, corpus_copy, extra_yaml, FALLBACK_TRIALS, "two-rename", with_reader=False)
    assert summary["outcomes"].get("old") and summary["outcomes"].get("new")


def kill_trials(tmp_path: Path, corpus: Path, extra, trials: int, mode: str, with_reader: bool) -> dict:
    db = tmp_path / "data" / "ropbot.db"
    a = read_files(corpus)
    parorende = a["parorende.yaml"].decode().replace("Pårørendes rettigheter og hvor pårørende får hjelp",
                                                     "Pårørendes rettigheter og hvor de får hjelp", 1)
    b = {**a, extra.name: extra.content, "parorende.yaml": parorende.encode()}
    sums = {checksum_of(a): "A", checksum_of(b): "B"}
    sets = tmp_path / "sets.json"
    sets.write_text(json.dumps({"a": {k: v.decode() for k, v in a.items()},
                                "b": {k: v.decode() for k, v in b.items()}}), encoding="utf-8")
    args = [str(corpus), str(db), str(sets), mode]

    store = Store(db, salt="kill", purge=False)
    checker = Publisher(corpus, store)
    checker.reconcile()
    assert load_corpus(corpus).ok

    # Calibrate: how long a whole publish run takes, so 'anywhere' kills spread over all of it.
    runs = []
    for _ in range(2):
        calib = Child(args)
        assert calib.proc.wait(120) == 0, "\n".join(calib.lines)
        calib.last_phase()
        runs.append(calib.times["done"] - calib.times["ready"])
    whole = min(runs)
    checker.reconcile()
    assert load_corpus(corpus).ok  # B validates too (A was checked above)

    stop = threading.Event()
    reader_seen: collections.Counter[str] = collections.Counter()
    reader_bad: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                files = read_snapshot(corpus)
            except OSError as exc:  # would only happen in two-rename mode, mid-swap
                reader_bad.append(f"unreadable: {exc}")
                continue
            reader_seen[sums.get(checksum_of(files), "MIXED")] += 1
            if checksum_of(files) not in sums:
                reader_bad.append(",".join(sorted(files)))

    reader_thread = threading.Thread(target=reader, daemon=True)
    if with_reader:
        reader_thread.start()

    rng = random.Random(int(os.environ.get("ROPBOT_KILL_SEED", "1948")))
    outcomes: collections.Counter[str] = collections.Counter()
    phases: collections.Counter[str] = collections.Counter()
    settled: collections.Counter[str] = collections.Counter()
    missing = 0
    try:
        for trial in range(trials):
            before = checksum_of(read_files(corpus))
            history = [v for v in _versions(store) if v[2] == "published"]
            child = Child(args)
            if trial % 5 == 4:  # anywhere in the run
                assert child.events["ready"].wait(60), "\n".join(child.lines)
                time.sleep(rng.uniform(0, whole))
            else:  # just after one of the steps of the write-swap-record window
                target = TARGETS[trial % len(TARGETS)]
                while not child.events[target].wait(0.001) and child.proc.poll() is None:
                    pass
                time.sleep(rng.uniform(0, 0.003))
            try:
                os.kill(child.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            child.proc.wait(30)
            phase = child.last_phase()
            phases[phase] += 1

            # The corpus on disk: exactly A or B, and valid.
            if mode == "two-rename" and not corpus.exists():
                missing += 1  # killed between the two renames: the next start repairs it
                assert recover(corpus) in ("rolled forward", "rolled back")
            disk = read_files(corpus)
            label = sums.get(checksum_of(disk))
            assert label, f"trial {trial}: corpus is neither version (after phase {phase}): {sorted(disk)}"
            if trial % 10 == 0:  # byte-identical to a validated version already; re-validate now and then
                assert load_corpus(corpus).ok, f"trial {trial}: corpus does not validate"
            outcomes["new" if checksum_of(disk) != before else "old"] += 1

            # The history: intact DB, earlier versions untouched, at most one pending row.
            assert store.integrity_ok(), f"trial {trial}: DB integrity"
            now = _versions(store)
            published_now = {v for v in now if v[2] == "published"}
            assert set(history) <= published_now, f"trial {trial}: a published version was lost"
            assert len([v for v in now if v[2] == "pending"]) <= 1

            # What the next start does: settle, then the newest version is what is on disk.
            done = checker.reconcile()
            settled.update(d.split()[-1] if d.startswith("version") else d for d in done)
            latest = store.latest_version()
            assert latest.checksum == checksum_of(disk), f"trial {trial}: history disagrees with disk"
            assert not [v for v in _versions(store) if v[2] == "pending"]
    finally:
        stop.set()
        if with_reader:
            reader_thread.join(10)
        summary = {"mode": mode, "trials": trials, "run_ms": round(whole * 1000, 1), "corpus_missing": missing,
                   "outcomes": dict(outcomes), "killed_after_phase": dict(phases),
                   "reconcile": dict(settled), "reader_reads": dict(reader_seen), "reader_bad": len(reader_bad)}
        print("\nkill test:", json.dumps(summary, ensure_ascii=False))
    assert load_corpus(corpus).ok
    assert not reader_bad, reader_bad[:3]
    assert sum(outcomes.values()) == trials
    if mode == "exchange":
        assert missing == 0
    store.close()
    return summary
