"""Staging, diffs, publishing, rollback, crash recovery, the corpus watcher and concurrent readers."""
from __future__ import annotations

import errno
import logging
import os
import re
import threading
from pathlib import Path

import pytest

from ropbot import corpus_dir as folder_mod
from ropbot.corpus_dir import cleanup, read_snapshot, recover, swap_in, write_tree
from ropbot.live import LiveKnowledge
from ropbot.loader import checksum_of, load_corpus, load_files, read_files
from ropbot.publish import Publisher, PublishError, diff_corpora, normalise_name
from ropbot.reports import format_versions
from ropbot.store import Store
from ropbot.watcher import CorpusWatcher, Maintenance

ADMIN = 1001
INTENTS = Path(__file__).resolve().parent.parent / "intents"


def replace_corpus(corpus: Path, files: dict[str, bytes]) -> None:
    """The swap a publish makes, without its version row: what a crash right after it leaves."""
    swap_in(corpus.resolve(), write_tree(corpus.resolve(), files))


@pytest.fixture
def corpus(corpus_copy):
    return corpus_copy


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data" / "ropbot.db", salt="s")
    yield s
    s.close()


@pytest.fixture
def live(corpus):
    return LiveKnowledge(corpus, INTENTS)


@pytest.fixture
def publisher(corpus, store, live):
    p = Publisher(corpus, store, live)
    p.reconcile()
    return p


def changed_parorende(corpus) -> bytes:
    text = (corpus / "parorende.yaml").read_text(encoding="utf-8")
    return text.replace("Pårørendes rettigheter og hvor pårørende får hjelp",
                        "Pårørendes rettigheter og hvor de får hjelp", 1).encode()


# --- names and diffs -----------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("ekstra.yaml", "ekstra.yaml"), ("ekstra.yml", "ekstra.yaml"), (" ekstra.yaml ", "ekstra.yaml"),
])
def test_names_are_plain_yaml_file_names(name, expected):
    assert normalise_name(name) == expected


@pytest.mark.parametrize("name", [".skjult.yaml", "notat.txt", "a b.yaml", "", "yaml"])
def test_bad_names_are_refused(name):
    with pytest.raises(PublishError, match="name"):
        normalise_name(name)


def test_diff_by_entry_id(corpus, extra_yaml):
    files = read_files(corpus)
    old = load_files(files).corpus
    new_files = {**files, "parorende.yaml": changed_parorende(corpus), extra_yaml.name: extra_yaml.content}
    diff = diff_corpora(old, load_files(new_files).corpus)
    assert diff.added == ("G-testbegrep",) and diff.changed == ("T-parorende-rettigheter",) and not diff.removed
    back = diff_corpora(load_files(new_files).corpus, old)
    assert back.removed == ("G-testbegrep",)
    assert "1 lagt til, 1 endret, 0 fjernet" in diff.summary()
    assert diff_corpora(old, old).empty and "Ingen endringer" in diff_corpora(old, old).summary()


def test_moving_an_entry_between_files_is_not_a_change(corpus):
    files = read_files(corpus)
    old = load_files(files).corpus
    moved = {**files, "ordliste.yaml": files["ordliste.yaml"]}
    assert diff_corpora(old, load_files(moved).corpus).empty


# --- staging -------------------------------------------------------------------------------


def test_stage_a_valid_file_shows_the_diff_and_keeps_it(publisher, store, extra_yaml):
    result = publisher.stage(ADMIN, extra_yaml.name, extra_yaml.content)
    assert result.ok and result.diff.added == ("G-testbegrep",) and result.staged == (extra_yaml.name,)
    assert store.staged(ADMIN) == {extra_yaml.name: extra_yaml.content}
    second = publisher.stage(ADMIN, "parorende.yaml", changed_parorende(publisher.corpus_dir))
    assert second.staged == (extra_yaml.name, "parorende.yaml")
    assert second.diff.added == ("G-testbegrep",) and second.diff.changed == ("T-parorende-rettigheter",)
    assert publisher.preview(store.staged(ADMIN))[1] == second.diff


def test_stage_an_invalid_file_reports_file_and_line_and_stages_nothing(publisher, store, bad_yaml):
    result = publisher.stage(ADMIN, "uferdig.yaml", bad_yaml.content)
    assert not result.ok
    assert any(str(p).startswith("uferdig.yaml:") and "definition" in str(p) for p in result.errors)
    assert store.staged(ADMIN) == {}
    assert not publisher.stage(ADMIN, "x.yaml", b"\xff\xfe").ok


def test_stage_checks_against_the_admins_earlier_uploads(publisher, extra_yaml):
    assert publisher.stage(ADMIN, extra_yaml.name, extra_yaml.content).ok
    clash = extra_yaml.content.decode().replace("Testbegrep", "Annet").encode()
    result = publisher.stage(ADMIN, "ekstra2.yaml", clash)
    assert not result.ok and any("duplicate id" in str(p) for p in result.errors)


def test_discard_staged(publisher, store, extra_yaml):
    publisher.stage(ADMIN, extra_yaml.name, extra_yaml.content)
    assert publisher.discard(ADMIN) == 1 and store.staged(ADMIN) == {}


# --- publishing and rollback ---------------------------------------------------------------


def test_first_reconcile_records_the_disk_as_version_1(publisher, store, corpus):
    versions = store.versions()
    assert [v.id for v in versions] == [1] and versions[0].checksum == checksum_of(read_files(corpus))
    assert publisher.reconcile() == []  # nothing more to do


def test_publish_staged_writes_records_and_reloads(publisher, store, live, corpus, extra_yaml):
    (corpus / "README.md").write_text("les meg\n")
    publisher.stage(ADMIN, extra_yaml.name, extra_yaml.content)
    result = publisher.publish_staged(ADMIN)
    assert result.version_id == 2 and result.diff.added == ("G-testbegrep",)
    assert (corpus / extra_yaml.name).read_bytes() == extra_yaml.content
    assert (corpus / "README.md").read_text() == "les meg\n"  # non-corpus files travel along
    assert load_corpus(corpus).ok
    assert live.current.corpus.get("G-testbegrep") is not None
    assert live.current.corpus.checksum == result.checksum == checksum_of(read_files(corpus))
    latest = store.latest_version()
    assert latest.id == 2 and latest.status == "published" and latest.admin == store.user_hash(ADMIN)
    assert store.version_files(2)[extra_yaml.name] == extra_yaml.content
    assert store.staged(ADMIN) == {}
    assert [r["action"] for r in store.audit_log()][:2] == ["publish", "stage"]
    assert not [p for p in corpus.parent.iterdir() if p.name.startswith(".corpus.new-")]


def test_publish_with_nothing_staged_is_refused(publisher):
    with pytest.raises(PublishError) as info:
        publisher.publish_staged(ADMIN)
    assert "Send en YAML-fil" in info.value.user_text


def test_publishing_the_same_corpus_is_not_a_new_version(publisher, store, corpus):
    result = publisher.publish_files({"parorende.yaml": (corpus / "parorende.yaml").read_bytes()}, "cli")
    assert result.unchanged and result.version_id is None
    assert len(store.versions()) == 1


def test_publish_refuses_an_invalid_corpus_and_changes_nothing(publisher, store, corpus, bad_yaml):
    before = read_files(corpus)
    with pytest.raises(PublishError) as info:
        publisher.publish_files({"uferdig.yaml": bad_yaml.content}, "cli")
    assert info.value.problems and "uferdig.yaml:" in info.value.user_text
    assert read_files(corpus) == before and len(store.versions(pending=True)) == 1


def test_rollback_publishes_the_old_snapshot_as_a_new_version(publisher, store, live, corpus, extra_yaml):
    original = read_files(corpus)
    publisher.publish_files({extra_yaml.name: extra_yaml.content}, ADMIN)
    result = publisher.rollback(1, ADMIN)
    assert result.version_id == 3 and result.diff.removed == ("G-testbegrep",)
    assert read_files(corpus) == original and not (corpus / extra_yaml.name).exists()
    assert live.current.corpus.get("G-testbegrep") is None
    assert [v.id for v in store.versions()] == [3, 2, 1]
    assert store.latest_version().note == "tilbake til versjon 1"
    text = format_versions(store.versions(limit=30), live.current.corpus.checksum)
    assert text.count("← i bruk") == 1 and "3. " in text.splitlines()[1] and "← i bruk" in text.splitlines()[1]
    with pytest.raises(PublishError, match="no version"):
        publisher.rollback(99, ADMIN)


def test_publish_in_two_rename_mode_where_exchange_is_missing(publisher, corpus, monkeypatch, extra_yaml):
    monkeypatch.setattr(folder_mod, "_exchange", lambda a, b: False)
    result = publisher.publish_files({extra_yaml.name: extra_yaml.content}, "cli")
    assert result.version_id == 2 and (corpus / extra_yaml.name).exists() and load_corpus(corpus).ok
    assert not [p for p in corpus.parent.iterdir() if p.name.startswith(".corpus.")
                and p.name != ".corpus.lock"]


def test_a_full_disk_while_writing_leaves_the_corpus_and_history_alone(publisher, store, corpus, monkeypatch,
                                                                       extra_yaml):
    before = read_files(corpus)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(folder_mod.os, "fsync", full)
    with pytest.raises(PublishError) as info:
        publisher.publish_files({extra_yaml.name: extra_yaml.content}, "cli")
    assert "Disken er full" in info.value.user_text
    monkeypatch.undo()
    assert read_files(corpus) == before
    assert len(store.versions(pending=True)) == 1
    assert not [p for p in corpus.parent.iterdir() if p.name.startswith(".corpus.new-")]


def test_a_full_db_refuses_the_publish_before_the_disk_changes(publisher, store, corpus, extra_yaml):
    before = read_files(corpus)
    store.db.execute("VACUUM")  # no free pages left to reuse: the database is really full
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(PublishError) as info:
        publisher.publish_files({extra_yaml.name: extra_yaml.content}, "cli")
    assert "full" in info.value.user_text and "Korpuset er uendret" in info.value.user_text
    assert read_files(corpus) == before and store.integrity_ok()
    assert len(store.versions(pending=True)) == 1


# --- crash recovery ------------------------------------------------------------------------


def test_reconcile_confirms_a_pending_version_that_reached_the_disk(publisher, store, corpus, extra_yaml):
    files = {**read_files(corpus), extra_yaml.name: extra_yaml.content}
    version = store.begin_version(ADMIN, checksum_of(files), files, "avbrutt")
    replace_corpus(corpus, files)  # the swap happened, then the process died
    assert publisher.reconcile() == [f"version {version} confirmed"]
    assert store.latest_version().id == version and store.latest_version().status == "published"


def test_reconcile_drops_a_pending_version_that_never_reached_the_disk(publisher, store, corpus, extra_yaml):
    files = {**read_files(corpus), extra_yaml.name: extra_yaml.content}
    version = store.begin_version(ADMIN, checksum_of(files), files, "avbrutt")
    assert publisher.reconcile() == [f"version {version} dropped"]
    assert [v.id for v in store.versions(pending=True)] == [1]
    assert "publish_aborted" in [r["action"] for r in store.audit_log()]


def test_reconcile_records_an_edit_made_directly_on_disk(publisher, store, corpus, extra_yaml, bad_yaml):
    (corpus / extra_yaml.name).write_bytes(extra_yaml.content)
    assert publisher.reconcile() == ["recorded version 2 from disk"]
    assert store.latest_version().admin == "disk"
    (corpus / "uferdig.yaml").write_bytes(bad_yaml.content)
    assert publisher.reconcile() == []  # an invalid disk is never recorded


def test_recover_rolls_a_two_rename_swap_forward_or_back(corpus, extra_yaml):
    parent = corpus.parent
    old_files = read_files(corpus)
    new_files = {**old_files, extra_yaml.name: extra_yaml.content}
    tmp = write_tree(corpus, new_files)
    token = tmp.name.rsplit("-", 1)[-1]
    os.rename(corpus, parent / f".corpus.old-{token}")  # died between the two renames
    assert recover(corpus) == "rolled forward" and read_files(corpus) == new_files
    cleanup(corpus)
    os.rename(corpus, parent / f".corpus.old-{token}")  # died before the new folder was complete/named
    assert recover(corpus) == "rolled back" and read_files(corpus) == new_files
    assert recover(corpus) is None


# --- readers and the watcher ---------------------------------------------------------------


def test_concurrent_readers_never_see_a_half_swapped_corpus(corpus, extra_yaml):
    a = read_files(corpus)
    b = {**a, extra_yaml.name: extra_yaml.content, "parorende.yaml": changed_parorende(corpus)}
    allowed = {checksum_of(a), checksum_of(b)}
    stop = threading.Event()
    seen: list[str] = []
    bad: list[str] = []

    def reader():
        while not stop.is_set():
            files = read_snapshot(corpus)
            checksum = checksum_of(files)
            seen.append(checksum)
            if checksum not in allowed:
                bad.append(",".join(sorted(files)))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(40):
            replace_corpus(corpus, b if i % 2 == 0 else a)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not bad, bad[:3]
    assert len(seen) > 40 and set(seen) == allowed
    assert load_files(read_snapshot(corpus)).ok


def test_live_readers_see_whole_versions_during_publishes(publisher, live, corpus, extra_yaml):
    a = read_files(corpus)
    b = {**a, extra_yaml.name: extra_yaml.content}
    allowed = {checksum_of(a), checksum_of(b)}
    stop = threading.Event()
    bad: list[str] = []

    def reader():
        while not stop.is_set():
            k = live.current
            if k.corpus.checksum not in allowed or (k.corpus.get("G-testbegrep") is not None) != (
                    k.corpus.checksum == checksum_of(b)):
                bad.append(k.corpus.checksum)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(4):
            if i % 2 == 0:
                publisher.publish_files({extra_yaml.name: extra_yaml.content}, "cli")
            else:
                publisher.rollback(1, "cli")
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not bad


def test_watcher_reloads_a_valid_change_and_records_it(publisher, live, store, corpus, extra_yaml):
    watcher = CorpusWatcher(live, publisher)
    assert watcher.check() == "same"
    (corpus / extra_yaml.name).write_bytes(extra_yaml.content)
    assert watcher.check() == "reloaded"
    assert live.current.corpus.get("G-testbegrep") is not None
    assert store.latest_version().admin == "disk"
    assert watcher.check() == "same"


def test_watcher_ignores_an_invalid_change_and_logs_it_once(publisher, live, corpus, caplog, bad_yaml):
    before = live.current.corpus.checksum
    (corpus / "uferdig.yaml").write_bytes(bad_yaml.content)
    watcher = CorpusWatcher(live, publisher)
    with caplog.at_level(logging.WARNING):
        assert watcher.check() == "refused"
        assert watcher.check() == "refused"
    assert live.current.corpus.checksum == before
    assert caplog.text.count("does not validate") == 1 and "uferdig.yaml:" in caplog.text
    (corpus / "uferdig.yaml").unlink()
    assert watcher.check() == "same"


def test_maintenance_thread_picks_up_changes(publisher, live, store, corpus, extra_yaml):
    worker = Maintenance(CorpusWatcher(live, publisher), store, watch_seconds=0.05)
    worker.start()
    try:
        (corpus / extra_yaml.name).write_bytes(extra_yaml.content)
        for _ in range(200):
            if live.current.corpus.get("G-testbegrep") is not None:
                break
            threading.Event().wait(0.05)
    finally:
        worker.stop()
    assert live.current.corpus.get("G-testbegrep") is not None
    assert not worker.is_alive()


def test_the_publish_lock_serialises_publishers_and_the_watcher(publisher, live, corpus, monkeypatch):
    with publisher.lock() as held:
        assert held
        assert CorpusWatcher(live, publisher).check() == "busy"  # skips the tick, tries again later
        assert publisher.reconcile(wait=0) == []
        with pytest.raises(PublishError) as info:
            with folder_mod.publish_lock(publisher.corpus_dir, wait=0.2):
                pass
        assert "En annen publisering pågår" in info.value.user_text
    assert CorpusWatcher(live, publisher).check() == "same"


# --- upload errors that name their cause (issue 13, item 15) -------------------------------


def test_an_encoding_error_names_the_line_and_byte(publisher):
    result = publisher.stage(ADMIN, "ny.yaml", "glossary:\n- id: G-x\n  term: bl\u00e5\n".encode("utf-8") + b"\xff\n")
    assert not result.ok
    problem = result.errors[0]
    assert problem.file == "ny.yaml" and problem.line == 4 and "byte" in problem.message


@pytest.mark.parametrize("name", ["../../etc/kapittel.yaml", "mappe/ny.yaml", "C:\\\\korpus\\\\ny.yaml"])
def test_a_file_name_with_a_path_is_refused_not_stripped(publisher, name):
    with pytest.raises(PublishError) as info:
        publisher.stage(ADMIN, name, b"glossary: []\n")
    assert "mapper" in info.value.user_text


def test_numbers_missing_comes_first_among_many_errors(corpus):
    from ropbot.validate import Problem, format_problems

    problems = [Problem("a.yaml", n, "feil") for n in range(1, 40)] + [Problem("corpus", 0, "numbers missing: 5")]
    shown = format_problems(problems, limit=15).splitlines()
    assert shown[0].endswith("numbers missing: 5") and shown[-1] == "… og 25 til"


def _swap_r68_r69(text: str) -> str:
    """Swap the two recommendations' contents, keeping each id and number (an admin's slip)."""
    blocks = re.split(r"(?m)^(?=- id: )", text)
    index = {re.match(r"- id: (\S+)", b).group(1): i for i, b in enumerate(blocks) if b.startswith("- id: ")}
    a, b = blocks[index["R68"]], blocks[index["R69"]]
    def body(block):
        return block.split("\n", 2)[2]  # after «- id» and «number»
    def head(block):
        return "\n".join(block.split("\n", 2)[:2]) + "\n"
    blocks[index["R68"]], blocks[index["R69"]] = head(a) + body(b), head(b) + body(a)
    return "".join(blocks)


def test_swapped_recommendations_need_confirmation(publisher, corpus, live):
    """Issue 13, item 6: «anbefaling 69» must not silently start showing R68's text."""
    name = "kapittel-8-roller-og-ansvar.yaml"
    swapped = _swap_r68_r69((corpus / name).read_text(encoding="utf-8")).encode("utf-8")
    before = live.current.corpus.checksum
    with pytest.raises(PublishError) as info:
        publisher.publish_files({name: swapped}, "cli")
    assert re.search(r"R68 \([^)]*section", info.value.user_text) and re.search(r"R69 \([^)]*section", info.value.user_text)
    assert "bekreft" in info.value.user_text and live.current.corpus.checksum == before
    result = publisher.publish_files({name: swapped}, "cli", confirm=True)
    assert result.version_id and "R69 (" in result.diff.summary() and "section" in result.diff.summary()
