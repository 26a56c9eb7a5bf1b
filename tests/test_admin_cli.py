"""`ropbot stats | unanswered | versions | rollback | publish | export | purge | storebench`."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from ropbot.cli import main
from ropbot.loader import checksum_of, load_corpus, read_files
from ropbot.reply import Reply
from ropbot.store import Store, now_utc, ts

INTENTS = Path(__file__).resolve().parent.parent / "intents"


@pytest.fixture
def env(tmp_path, corpus_copy, monkeypatch):
    monkeypatch.setenv("ROPBOT_CORPUS", str(corpus_copy))
    monkeypatch.setenv("ROPBOT_INTENTS", str(INTENTS))
    monkeypatch.setenv("ROPBOT_DB", str(tmp_path / "data" / "ropbot.db"))
    monkeypatch.setenv("ROPBOT_SALT", "cli-salt")
    monkeypatch.setenv("ROPBOT_ADMINS", "")
    return tmp_path, corpus_copy


def open_store(tmp_path) -> Store:
    return Store(tmp_path / "data" / "ropbot.db", salt="cli-salt")


def seed(tmp_path, make_reply: Callable[..., Reply]) -> None:
    store = open_store(tmp_path)
    store.record_query(1, "staff", "hva er LAR", make_reply("answer", "R69", 0.9), 3)
    q = store.record_query(2, "relative", "hvordan får jeg hjelp med bolig, ring 91234567", make_reply("fallback"), 4)
    store.record_feedback(q, -1)
    store.record_query(3, "staff", "hvordan få hjelp til bolig", make_reply("fallback"), 4)
    old = store.record_query(4, "staff", "gammelt spørsmål", make_reply("answer", "R1", 0.9), 4)
    store.db.execute("UPDATE queries SET ts = ? WHERE id = ?", [ts(now_utc() - timedelta(days=20)), old])
    store.db.conn.commit()
    store.close()


def out(capsys) -> str:
    return capsys.readouterr().out


def test_stats_text_and_json(env, capsys, make_reply):
    tmp_path, _ = env
    seed(tmp_path, make_reply)
    assert main(["stats"]) == 0
    text = out(capsys)
    assert "Siste 7 dager" in text and "Siste 30 dager" in text and "Spørsmål: 3" in text and "Spørsmål: 4" in text
    assert main(["stats", "--json", "--days", "7"]) == 0
    data = json.loads(out(capsys))
    assert data[0]["questions"] == 3 and data[0]["fallback"] == 2 and data[0]["feedback_down"] == 1


def test_stats_png_writes_both_charts(env, capsys, make_reply, png_size):
    from ropbot import charts

    tmp_path, _ = env
    seed(tmp_path, make_reply)
    folder = tmp_path / "grafer" / "mars"
    assert main(["stats", "--json", "--days", "7", "--png", str(folder)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)[0]["questions"] == 3  # stdout stays one JSON document
    assert "Grafer lagret" in captured.err and charts.DAILY_FILE in captured.err
    for name in (charts.DAILY_FILE, charts.TOP_FILE):
        assert png_size((folder / name).read_bytes()) == (charts.WIDTH_PX, charts.HEIGHT_PX)
    blocked = tmp_path / "fil"
    blocked.write_text("ikke en mappe")
    assert main(["stats", "--no-titles", "--png", str(blocked)]) == 1
    captured = capsys.readouterr()
    assert "Spørsmål: 3" in captured.out and "Kunne ikke lagre grafene" in captured.err


def test_unanswered_groups_with_the_closest_entry(env, capsys, make_reply):
    tmp_path, _ = env
    seed(tmp_path, make_reply)
    assert main(["unanswered", "--json"]) == 0
    data = json.loads(out(capsys))
    assert data["questions"] == 2 and len(data["groups"]) == 1
    group = data["groups"][0]
    assert group["count"] == 2 and group["closest"]["id"] and "91234567" not in json.dumps(data)
    assert main(["unanswered"]) == 0
    assert "Nærmest:" in out(capsys)


def test_publish_versions_rollback(env, capsys, tmp_path, extra_yaml):
    _, corpus = env
    original = read_files(corpus)
    extra = tmp_path / extra_yaml.name
    extra.write_bytes(extra_yaml.content)
    assert main(["publish", str(extra), "--dry-run"]) == 0
    assert "Lagt til: G-testbegrep" in out(capsys) and not (corpus / extra_yaml.name).exists()
    assert main(["publish", str(extra), "--note", "testbegrep"]) == 0
    text = out(capsys)
    assert "Publisert som versjon 2" in text and (corpus / extra_yaml.name).exists()
    assert main(["publish", str(extra)]) == 0
    assert "Ingen endring" in out(capsys)
    assert main(["versions", "--json"]) == 0
    data = json.loads(out(capsys))
    assert [v["id"] for v in data["versions"]] == [2, 1] and data["versions"][0]["admin"] == "cli"
    assert data["versions"][0]["note"] == "testbegrep"
    assert main(["rollback", "1"]) == 0
    assert "Rullet tilbake til versjon 1" in out(capsys)
    assert read_files(corpus) == original
    assert main(["versions"]) == 0
    listing = out(capsys)
    assert listing.splitlines()[1].startswith("3.") and "← i bruk" in listing.splitlines()[1]
    assert main(["rollback", "42"]) == 1
    assert "Fant ingen versjon 42" in capsys.readouterr().err


def test_publish_refuses_invalid_files(env, capsys, tmp_path, bad_yaml):
    _, corpus = env
    before = checksum_of(read_files(corpus))
    bad = tmp_path / bad_yaml.name
    bad.write_bytes(bad_yaml.content)
    assert main(["publish", str(bad)]) == 2
    assert "uferdig.yaml:" in capsys.readouterr().err
    assert main(["publish", str(bad), "--dry-run"]) == 2
    assert "error: uferdig.yaml:" in out(capsys)
    assert main(["publish", str(tmp_path / "finnes-ikke.yaml")]) == 1
    assert checksum_of(read_files(corpus)) == before and load_corpus(corpus).ok


def test_export_is_csv_of_masked_queries_since_a_date(env, capsys, make_reply):
    tmp_path, _ = env
    seed(tmp_path, make_reply)
    since = (now_utc() - timedelta(days=7)).date().isoformat()
    assert main(["export", "--since", since]) == 0
    rows = list(csv.DictReader(io.StringIO(out(capsys))))
    assert len(rows) == 3 and "user" not in rows[0]
    assert rows[1]["text"] == "hvordan får jeg hjelp med bolig, ring [telefonnummer]" and rows[1]["vote"] == "-1"
    assert main(["export", "--since", "2000-01-01"]) == 0
    assert len(list(csv.DictReader(io.StringIO(out(capsys))))) == 4
    with pytest.raises(SystemExit):
        main(["export", "--since", "i går"])


def test_purge(env, capsys, monkeypatch, make_reply):
    tmp_path, _ = env
    seed(tmp_path, make_reply)
    monkeypatch.setenv("ROPBOT_RETENTION_DAYS", "10")
    assert main(["purge", "--json"]) == 0
    assert json.loads(out(capsys))["queries"] == 1  # what this command deleted, not what opening did
    store = open_store(tmp_path)
    assert store.counts()["queries"] == 3
    store.close()


def test_a_locked_db_gives_a_clear_message(env, capsys, tmp_path, make_reply, extra_yaml):
    seed(tmp_path, make_reply)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.readline()"),
        str(tmp_path / "data" / "ropbot.db")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["purge"]) == 0  # the start-up purge is best-effort and logs
        bad = tmp_path / extra_yaml.name
        bad.write_bytes(extra_yaml.content)
        assert main(["publish", str(bad)]) == 1
        assert "låst av en annen prosess" in capsys.readouterr().err
    finally:
        holder.communicate("\n", timeout=10)


def test_storebench_command(env, capsys):
    assert main(["storebench", "--queries", "2000", "--json"]) == 0
    data = json.loads(out(capsys))
    assert data["stored_queries"] == 2000 and "bytes_per_1000_queries" in data


def test_publish_exact_removes_the_files_not_named(env, capsys, tmp_path):
    _, corpus = env
    names = sorted(p.name for p in corpus.glob("*.yaml"))
    extra = tmp_path / "ekstra.yaml"
    extra.write_text("glossary:\n- id: G-ekstra\n  term: ekstra\n  definition: Et ord som bare prøven trenger.\n",
                     encoding="utf-8")
    assert main(["publish", str(extra), "--note", "med ekstra"]) == 0
    assert (corpus / "ekstra.yaml").exists()
    kept = [str(corpus / name) for name in names]
    assert main(["publish", *kept, "--exact", "--dry-run", "--json"]) == 0
    assert "G-ekstra" in capsys.readouterr().out  # the dry run names what would go
    assert (corpus / "ekstra.yaml").exists()
    assert main(["publish", *kept, "--exact"]) == 0
    assert sorted(p.name for p in corpus.glob("*.yaml")) == names


def test_audit_lists_what_admins_did_newest_first(env, capsys, tmp_path, extra_yaml):
    extra = tmp_path / extra_yaml.name
    extra.write_bytes(extra_yaml.content)
    assert main(["publish", str(extra), "--note", "testbegrep"]) == 0
    out(capsys)
    assert main(["audit", "--json"]) == 0
    rows = json.loads(out(capsys))
    assert rows[0]["action"] == "publish" and rows[0]["admin"] == "cli"
    assert main(["audit", "--limit", "1"]) == 0
    lines = out(capsys).strip().splitlines()
    assert len(lines) == 1 and "publish" in lines[0]
