"""The corpus folder on disk: consistent reads, the atomic swap, the lock, and recovery.

Pure file-system work, no database: `publish.py` builds versions on top of it, and
`Publisher.reload_from_disk` is the one place that runs lock → recover → read → reload → record.

Readers use `read_snapshot()`, which reads through one open folder handle and
checks afterwards that the folder is still the live one, so a reader never mixes
files from two versions.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .validate import Problem

log = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 30.0


class PublishError(Exception):
    """A refused or failed publish; `user_text` is Norwegian and safe to show an admin."""

    def __init__(self, message: str, user_text: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.user_text = user_text
        self.problems = problems or []


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_snapshot(corpus_dir: Path | str, attempts: int = 20) -> dict[str, bytes]:
    """The *.yaml files of one version of the folder, never a mix of two.

    Opens the folder once and reads through that handle; afterwards checks that the
    handle is still the live folder. If a publish swapped folders meanwhile, it
    reads again from the new one.
    """
    path = Path(corpus_dir)
    last_error: OSError | None = None
    for attempt in range(attempts):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError as exc:  # mid-swap in fallback mode; recover() or a retry fixes it
            last_error = exc
            time.sleep(0.005 * (attempt + 1))
            continue
        try:
            files: dict[str, bytes] = {}
            for name in sorted(os.listdir(fd)):
                if not name.endswith(".yaml"):
                    continue
                try:
                    if not stat.S_ISREG(os.stat(name, dir_fd=fd).st_mode):
                        continue
                    file_fd = os.open(name, os.O_RDONLY, dir_fd=fd)
                except FileNotFoundError:
                    files = None  # type: ignore[assignment]
                    break
                with os.fdopen(file_fd, "rb") as handle:
                    files[name] = handle.read()
            held = os.fstat(fd)
            try:
                now = os.stat(path)
            except FileNotFoundError:
                now = None
            if files is not None and now is not None and (now.st_ino, now.st_dev) == (held.st_ino, held.st_dev):
                return files
        finally:
            os.close(fd)
        time.sleep(0.002 * (attempt + 1))
    raise OSError(errno.EAGAIN, f"could not read a stable snapshot of {path}") from last_error


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2). False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _siblings(corpus_dir: Path, kind: str) -> list[Path]:
    prefix = f".{corpus_dir.name}.{kind}-"
    return sorted(p for p in corpus_dir.parent.iterdir() if p.name.startswith(prefix) and p.is_dir())


def recover(corpus_dir: Path | str) -> str | None:
    """Finish a swap that the two-rename fallback left half done; None if nothing was needed.

    Call it only while holding `publish_lock`: a live publisher in two-rename mode
    also has `corpus/` missing for a moment.

    Only the fallback can leave `corpus/` missing: it moves the old folder aside
    (`.corpus.old-X`) after the new one (`.corpus.new-X`) is complete, so a
    missing `corpus/` with a `.corpus.new-X` beside it rolls forward, and with only
    `.corpus.old-X` rolls back.
    """
    corpus_dir = Path(corpus_dir)
    if corpus_dir.exists() or not corpus_dir.parent.is_dir():
        return None
    for old in reversed(_siblings(corpus_dir, "old")):
        token = old.name.rsplit("-", 1)[-1]
        new = corpus_dir.parent / f".{corpus_dir.name}.new-{token}"
        if new.is_dir():
            os.rename(new, corpus_dir)
            outcome = "rolled forward"
        else:
            os.rename(old, corpus_dir)
            outcome = "rolled back"
        _fsync_path(corpus_dir.parent, directory=True)
        log.warning("recovered an interrupted corpus swap: %s", outcome)
        return outcome
    return None


def cleanup(corpus_dir: Path | str) -> int:
    """Delete temporary folders left by an interrupted publish (call under the publish lock)."""
    corpus_dir = Path(corpus_dir)
    removed = 0
    for leftover in (*_siblings(corpus_dir, "new"), *_siblings(corpus_dir, "old")):
        shutil.rmtree(leftover, ignore_errors=True)
        removed += 1
    return removed


def write_tree(corpus_dir: Path, files: dict[str, bytes]) -> Path:
    """Write a complete new corpus folder beside the live one and fsync it all."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{corpus_dir.name}.new-", dir=corpus_dir.parent))
    try:
        mode = stat.S_IMODE(corpus_dir.stat().st_mode) if corpus_dir.exists() else 0o755
        os.chmod(tmp, mode)
        if corpus_dir.is_dir():
            for entry in os.scandir(corpus_dir):  # README.md and other non-corpus files travel along
                if entry.name.endswith(".yaml") and entry.is_file():
                    continue
                target = tmp / entry.name
                if entry.is_dir(follow_symlinks=False):
                    shutil.copytree(entry.path, target, symlinks=True)
                else:
                    shutil.copy2(entry.path, target, follow_symlinks=False)
                    if not target.is_symlink():
                        _fsync_path(target)
        for name, data in files.items():
            target = tmp / name
            with open(target, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(target, 0o644)
        _fsync_path(tmp, directory=True)
        return tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap_in(corpus_dir: Path, tmp: Path) -> None:
    """Make `tmp` the live corpus folder in one step; the old folder is deleted afterwards."""
    parent = corpus_dir.parent
    if _exchange(tmp, corpus_dir):
        old = tmp  # after the exchange, the temporary name holds the old folder
        _fsync_path(parent, directory=True)
        log.debug("publish phase: swapped (exchange)")
    else:
        token = tmp.name.rsplit("-", 1)[-1]
        old = parent / f".{corpus_dir.name}.old-{token}"
        os.rename(corpus_dir, old)
        os.rename(tmp, corpus_dir)
        _fsync_path(parent, directory=True)
        log.debug("publish phase: swapped (two renames)")
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def publish_lock(corpus_dir: Path, wait: float | None = LOCK_WAIT_SECONDS) -> Iterator[bool]:
    """An flock beside the folder, held across processes (bot, CLI) and threads.

    Waits up to `wait` seconds (None: for ever) and then raises PublishError;
    with `wait=0` it yields False instead of waiting when the lock is busy.
    """
    path = corpus_dir.parent / f".{corpus_dir.name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if wait is not None and wait <= 0:
                    yield False
                    return
                if deadline is not None and time.monotonic() > deadline:
                    raise PublishError("publish lock busy", "En annen publisering pågår. Prøv igjen om litt.") from None
                time.sleep(0.05)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def recover_locked(corpus_dir: Path) -> str | None:
    """`recover` under the lock, for a process starting up before it reads the folder."""
    with publish_lock(corpus_dir):
        return recover(corpus_dir)
