"""Safe corpus publishing: stage, diff, publish, roll back, and settle after a crash.

The promise: whatever kills the process (SIGKILL, power loss), `corpus/` on disk
validates and is either the old or the new version, and the version history in
the DB tells the truth. How:

1. The new corpus is validated in memory (`load_files`) before anything is written.
2. The complete new folder is written beside `corpus/` (same filesystem), every
   file and the folder fsynced.
3. The version row (with the full snapshot) is committed as 'pending'.
4. The folders are swapped in one step with renameat2(RENAME_EXCHANGE), and the
   parent folder fsynced. Where the kernel or filesystem lacks it, two renames are
   used and `recover()` completes an interrupted swap on the next start.
5. The row is marked 'published' and the old folder deleted.

A crash between 3 and 5 leaves a 'pending' row; `Publisher.reconcile()` (run
before every publish and by the watcher) marks it published if the disk holds
it, or drops it if the swap never happened. Publishes are serialised with an
flock on `.corpus.lock` beside the folder, across processes (bot and CLI).

The folder itself (snapshots, the swap, the lock, recovery) is `corpus_dir.py`.
"""
from __future__ import annotations

import dataclasses
import errno
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .corpus_dir import (
    LOCK_WAIT_SECONDS,
    PublishError,
    cleanup,
    publish_lock,
    read_snapshot,
    recover,
    swap_in,
    write_tree,
)
from .loader import LoadResult, checksum_of, load_files
from .model import Corpus, Entry, Term
from .store import Store, StoreError
from .validate import Problem, format_problems
from .yamlio import YamlError, decode

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 2_000_000
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.ya?ml$")


# --- diff -----------------------------------------------------------------------------------


# Facts that identify a recommendation: changing one of them on an existing recommendation
# (two recommendations' contents swapped, a wrong section pasted) must be confirmed on publish.
GUARDED_FIELDS = ("chapter", "section", "grade", "source")


@dataclass(frozen=True)
class Diff:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    fields: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (id, names of the fields that changed)

    @property
    def guarded(self) -> tuple[str, ...]:
        """Existing recommendations whose chapter, section, grade or source changed."""
        return tuple(f"{i} ({', '.join(f for f in names if f in GUARDED_FIELDS)})" for i, names in self.fields
                     if re.match(r"^R\d+$", i) and set(names) & set(GUARDED_FIELDS))

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def as_dict(self) -> dict[str, list[str]]:
        return {"added": list(self.added), "changed": list(self.changed), "removed": list(self.removed)}

    def summary(self, limit: int = 40) -> str:
        """Norwegian summary by entry id, the way an admin reviews a change before /publiser."""
        if self.empty:
            return "Ingen endringer i innholdet."
        lines = [f"Endringer: {len(self.added)} lagt til, {len(self.changed)} endret, {len(self.removed)} fjernet"]
        named = dict(self.fields)
        for label, ids in (("Lagt til", self.added), ("Endret", self.changed), ("Fjernet", self.removed)):
            if ids:
                shown = ", ".join(f"{i} ({', '.join(named[i])})" if named.get(i) else i for i in ids[:limit])
                more = f" … og {len(ids) - limit} til" if len(ids) > limit else ""
                lines.append(f"{label}: {shown}{more}")
        return "\n".join(lines)


def _keyed(corpus: Corpus | None) -> dict[str, Any]:
    """Everything an admin can change, keyed by the id they know it by, without file/line."""
    if corpus is None:
        return {}
    out: dict[str, Any] = {"guideline": corpus.guideline}
    for chapter in corpus.chapters:
        out[f"kapittel {chapter.number}"] = chapter
    items: tuple[Entry | Term, ...] = (*corpus.recommendations, *corpus.roles, *corpus.topics, *corpus.glossary)
    for item in items:
        out[item.id] = replace(item, file="", line=0)
    return out


def _order(key: str) -> tuple[int, str, int]:
    match = re.match(r"^R(\d+)$", key)
    return (0, "", int(match.group(1))) if match else (1, key, 0)


def diff_corpora(old: Corpus | None, new: Corpus | None) -> Diff:
    before, after = _keyed(old), _keyed(new)
    changed = tuple(sorted((k for k in after if k in before and after[k] != before[k]), key=_order))
    return Diff(
        added=tuple(sorted((k for k in after if k not in before), key=_order)),
        changed=changed,
        removed=tuple(sorted((k for k in before if k not in after), key=_order)),
        fields=tuple((k, _changed_fields(before[k], after[k])) for k in changed),
    )


def _changed_fields(old: Any, new: Any) -> tuple[str, ...]:
    if not (dataclasses.is_dataclass(old) and dataclasses.is_dataclass(new)) or type(old) is not type(new):
        return ()
    return tuple(f.name for f in dataclasses.fields(old) if getattr(old, f.name) != getattr(new, f.name))


# --- the publisher --------------------------------------------------------------------------


@dataclass(frozen=True)
class DiskReload:
    """What `reload_from_disk` did: same, reloaded, refused (invalid), busy or error."""

    status: str
    before: str
    checksum: str | None = None
    result: LoadResult | None = None


@dataclass
class StageResult:
    ok: bool
    name: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    diff: Diff = field(default_factory=Diff)
    staged: tuple[str, ...] = ()


@dataclass
class PublishResult:
    version_id: int | None
    checksum: str
    diff: Diff
    unchanged: bool = False
    reload_errors: list[Problem] = field(default_factory=list)


def normalise_name(name: str) -> str:
    """Only plain *.yaml names directly in corpus/: no paths, no hidden files."""
    raw = (name or "").strip()
    if "/" in raw or "\\" in raw:  # a path is refused, not silently cut to its last part
        raise PublishError(f"file name with a path {raw[:80]!r}",
                           "Filnavnet kan ikke inneholde mapper (/ eller \\). Send filen med bare navnet, "
                           "for eksempel kapittel-7-behandling.yaml.")
    base = raw
    if not NAME.match(base):
        raise PublishError(f"bad file name {name!r}",
                           "Filnavnet må være et enkelt navn som slutter på .yaml (bokstaver, tall, . - _).")
    return base[:-4] + ".yaml" if base.endswith(".yml") else base


class Publisher:
    """Stages, publishes and rolls back corpus versions for one corpus folder and store."""

    def __init__(self, corpus_dir: Path | str, store: Store, live: Any = None) -> None:
        self.corpus_dir = Path(corpus_dir).resolve()
        self.store = store
        self.live = live

    # -- reading

    def current_files(self) -> dict[str, bytes]:
        # No recover() here: it must only run under the lock, or it could race a
        # publisher that is between its two renames. read_snapshot waits that out.
        return read_snapshot(self.corpus_dir)

    def _corpus_of(self, files: dict[str, bytes]) -> Corpus | None:
        if self.live is not None and checksum_of(files) == self.live.current.corpus.checksum:
            return self.live.current.corpus
        return load_files(files).corpus

    def preview(self, overlay: dict[str, bytes], exact: bool = False) -> tuple[LoadResult, Diff]:
        """Validate the live files with `overlay` laid over them (`exact`: instead of them),
        and what would change."""
        current = self.current_files()
        result = load_files(dict(overlay) if exact else {**current, **overlay})
        return result, diff_corpora(self._corpus_of(current), result.corpus) if result.ok else Diff()

    # -- staging

    def stage(self, admin: int | str, name: str, content: bytes) -> StageResult:
        """Validate one uploaded file merged with the live corpus and the admin's earlier uploads."""
        name = normalise_name(name)
        if len(content) > MAX_FILE_BYTES:
            raise PublishError("file too large", f"Filen er for stor (over {MAX_FILE_BYTES // 1_000_000} MB).")
        try:
            decode(content, name)
        except YamlError as exc:
            return StageResult(False, name, [Problem(exc.file, exc.line, exc.message)])
        staged = self.store.staged(admin)
        result, diff = self.preview({**staged, name: content})
        if not result.ok:
            return StageResult(False, name, result.errors, result.warnings)
        self.store.stage(admin, name, content)
        return StageResult(True, name, [], result.warnings, diff, tuple(sorted({*staged, name})))

    def discard(self, admin: int | str) -> int:
        count = self.store.clear_staging(admin)
        if count:
            self.store.audit(admin, "discard_staged", {"files": count})
        return count

    # -- publishing

    def publish_staged(self, admin: int | str, note: str | None = None, confirm: bool = False) -> PublishResult:
        staged = self.store.staged(admin)
        if not staged:
            raise PublishError("nothing staged", "Ingenting er klart til publisering. Send en YAML-fil først.")
        result = self._publish(lambda current: {**current, **staged}, admin,
                               note or "publisert: " + ", ".join(sorted(staged)), "publish", confirm)
        self.store.clear_staging(admin, only=staged)
        return result

    def publish_files(self, files: dict[str, bytes], admin: int | str, note: str | None = None,
                      confirm: bool = False, exact: bool = False) -> PublishResult:
        """Replace or add the given files (by name) in the live corpus and publish; with `exact`,
        they become the whole *.yaml set (a file not named is removed)."""
        named = {normalise_name(name): data for name, data in files.items()}
        return self._publish(lambda current: dict(named) if exact else {**current, **named}, admin,
                             note or ("ny fil-samling: " if exact else "publisert: ") + ", ".join(sorted(named)),
                             "publish", confirm)

    def rollback(self, version_id: int, admin: int | str) -> PublishResult:
        """Publish an earlier version's snapshot as a new version (history only grows)."""
        files = self.store.version_files(version_id)
        if files is None:
            raise PublishError(f"no version {version_id}", f"Fant ingen versjon {version_id}. Se /versjoner.")
        return self._publish(lambda current: files, admin, f"tilbake til versjon {version_id}", "rollback")

    def _publish(self, build: Callable[[dict[str, bytes]], dict[str, bytes]], admin: int | str,
                 note: str, action: str, confirm: bool = True) -> PublishResult:
        """`confirm`: the admin has seen and accepted changes to recommendations' chapter, section,
        grade or source (a rollback restores a version that was published before, so needs none)."""
        with publish_lock(self.corpus_dir):
            self.reconcile_held()
            current = read_snapshot(self.corpus_dir)
            files = build(current)
            result: LoadResult = load_files(files)
            if not result.ok:
                raise PublishError(
                    f"{action} refused: {len(result.errors)} errors",
                    "Endringen er ikke gyldig, så ingenting ble publisert:\n" + format_problems(result.errors, limit=15),
                    result.errors)
            checksum = checksum_of(files)
            diff = diff_corpora(self._corpus_of(current), result.corpus)
            if checksum == checksum_of(current):
                return PublishResult(None, checksum, diff, unchanged=True)
            if diff.guarded and not confirm:
                raise PublishError(
                    f"{action} needs confirmation: {', '.join(diff.guarded)}",
                    "Endringen flytter eller bytter kilde for anbefalinger som finnes fra før: "
                    + "; ".join(diff.guarded) + ". Sjekk at numrene ikke er byttet om. Publiser med "
                    "«/publiser bekreft» (eller --confirm på kommandolinjen) hvis det er riktig. Ingenting er publisert.")
            log.debug("publish phase: validated")
            try:
                tmp = write_tree(self.corpus_dir, files)
            except OSError as exc:
                full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
                raise PublishError(f"writing corpus failed: {exc}",
                                   ("Disken er full. " if full else f"Kunne ikke skrive filene ({exc.strerror}). ")
                                   + "Korpuset er uendret.") from exc
            log.debug("publish phase: tree written %s", tmp.name)
            try:
                version_id = self.store.begin_version(admin, checksum, files, note, action)
            except StoreError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                raise PublishError(str(exc), exc.user_text + " Korpuset er uendret.") from exc
            log.debug("publish phase: version %d pending", version_id)
            try:
                swap_in(self.corpus_dir, tmp)
            except OSError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                recover(self.corpus_dir)
                self._settle_pending(checksum_of(read_snapshot(self.corpus_dir)))
                raise PublishError(f"swap failed: {exc}", f"Kunne ikke bytte inn filene ({exc.strerror}). "
                                                          "Korpuset er uendret.") from exc
            try:
                self.store.finish_version(version_id)
                log.debug("publish phase: version %d published", version_id)
            except StoreError as exc:  # the disk is right; reconcile marks the row later
                log.error("version %d is live but still pending in the DB: %s", version_id, exc)
            log.info("%s: version %d (%s) on disk: %s", action, version_id, checksum[:12], diff.as_dict())
            reload_errors: list[Problem] = []
            if self.live is not None:  # under the lock, so the watcher cannot reload an older read after us
                reloaded = self.live.install(result)
                reload_errors = list(reloaded.errors)
        return PublishResult(version_id, checksum, diff, reload_errors=reload_errors)

    # -- crash recovery and external changes

    def reload_from_disk(self, wait: float | None = LOCK_WAIT_SECONDS, refused: str | None = None,
                         force: bool = False) -> DiskReload:
        """The corpus-folder protocol, in one place: lock → recover → read → reload → record.

        Under the lock, so a slow validation can never reload a version older than the one a
        publish just made live. `refused`: a checksum already found invalid, not validated again.
        `wait=0`: give up at once ("busy") when a publish holds the lock. `force`: reload and
        record even when the disk holds the live version (an admin's /reload)."""
        before = self.live.current.corpus.checksum
        with self.lock(wait=wait) as held:
            if not held:
                return DiskReload("busy", before)
            try:
                recover(self.corpus_dir)
                files = read_snapshot(self.corpus_dir)
            except OSError as exc:
                log.warning("cannot read %s: %s", self.corpus_dir, exc)
                return DiskReload("error", before)
            checksum = checksum_of(files)
            if checksum == before and not force:
                return DiskReload("same", before, checksum)
            if checksum == refused:
                return DiskReload("refused", before, checksum)
            result = self.live.reload(files=files)
            if not result.ok:
                return DiskReload("refused", before, checksum, result)
            try:  # the change goes into the version history too
                self.reconcile_held()
            except Exception:  # noqa: BLE001 - the reload succeeded; recording is best-effort
                log.exception("could not record the version read from disk")
        return DiskReload("same" if checksum == before else "reloaded", before, checksum, result)

    def reconcile(self, wait: float | None = LOCK_WAIT_SECONDS) -> list[str]:
        """Settle pending versions and record a corpus changed on disk; [] if the lock was busy."""
        with publish_lock(self.corpus_dir, wait=wait) as held:
            if not held:
                return []
            return self.reconcile_held()

    def lock(self, wait: float | None = LOCK_WAIT_SECONDS):
        """The cross-process publish lock; yields False if `wait` is 0 and it is busy."""
        return publish_lock(self.corpus_dir, wait=wait)

    def reconcile_held(self) -> list[str]:
        """`reconcile` for a caller that already holds `lock()`."""
        done: list[str] = []
        outcome = recover(self.corpus_dir)
        if outcome:
            done.append(f"swap {outcome}")
        if cleanup(self.corpus_dir):
            done.append("removed leftovers")
        disk = read_snapshot(self.corpus_dir)
        disk_sum = checksum_of(disk)
        done.extend(self._settle_pending(disk_sum))
        latest = self.store.latest_version()
        if latest is None or latest.checksum != disk_sum:
            live_sum = self.live.current.corpus.checksum if self.live is not None else None
            if disk_sum == live_sum or load_files(disk).ok:
                first = latest is None
                version_id = self.store.record_version(
                    None if first else "disk", disk_sum, disk,
                    "første registrerte versjon" if first else "endret direkte i corpus/",
                    "initial" if first else "disk_change")
                done.append(f"recorded version {version_id} from disk")
            else:
                log.warning("corpus/ on disk does not validate; not recording it as a version")
        return done

    def _settle_pending(self, disk_sum: str) -> list[str]:
        done = []
        pending = self.store.pending_versions()  # newest first
        live_found = False
        for version in pending:
            if version.checksum == disk_sum and not live_found:
                self.store.finish_version(version.id)
                self.store.audit(None, "publish_recovered", {"version": version.id})
                done.append(f"version {version.id} confirmed")
                live_found = True
            else:
                self.store.drop_pending(version.id, "interrupted before the swap")
                done.append(f"version {version.id} dropped")
        if done:
            log.warning("settled interrupted publishes: %s", done)
        return done
