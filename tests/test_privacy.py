"""Privacy rules: salted hashing, masking, retention, forget-user, and the /om text."""
from __future__ import annotations

import logging
import os
import re
import stat
from datetime import timedelta

import pytest

from ropbot import privacy
from ropbot.privacy import MASK_EMAIL, MASK_FNR, MASK_PHONE, mask
from ropbot.store import Store, now_utc, ts
from ropbot.watcher import Maintenance

USER = 987654321


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data" / "ropbot.db", salt="test-salt", retention_days=90)
    yield s
    s.close()


def dump(store: Store) -> str:
    return "\n".join(store.db.conn.iterdump())


# --- hashing -------------------------------------------------------------------------------


def test_hash_is_stable_keyed_and_not_the_id():
    a = privacy.hash_id("salt-a", USER)
    assert a == privacy.hash_id("salt-a", str(USER))
    assert a != privacy.hash_id("salt-b", USER)
    assert a != privacy.hash_id("salt-a", USER + 1)
    assert str(USER) not in a and len(a) == privacy.HASH_HEX


def test_configured_salt_wins_and_no_file_is_written(tmp_path):
    assert privacy.load_salt(tmp_path / "x.db", "from-env") == "from-env"
    assert not (tmp_path / privacy.SALT_FILE).exists()


def test_generated_salt_file_is_0600_and_reused(tmp_path):
    db = tmp_path / "data" / "ropbot.db"
    first = privacy.load_salt(db)
    path = privacy.salt_path(db)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64
    assert privacy.load_salt(db) == first


def test_loose_salt_file_is_tightened(tmp_path, caplog):
    db = tmp_path / "ropbot.db"
    privacy.load_salt(db)
    os.chmod(privacy.salt_path(db), 0o644)
    with caplog.at_level(logging.WARNING):
        privacy.load_salt(db)
    assert stat.S_IMODE(privacy.salt_path(db).stat().st_mode) == 0o600
    assert "tightening" in caplog.text


def test_empty_salt_file_is_an_error(tmp_path):
    privacy.salt_path(tmp_path / "ropbot.db").write_text("")
    with pytest.raises(RuntimeError, match="empty"):
        privacy.load_salt(tmp_path / "ropbot.db")


def test_store_without_salt_generates_one_next_to_the_db(tmp_path):
    store = Store(tmp_path / "d" / "ropbot.db")
    assert (tmp_path / "d" / privacy.SALT_FILE).exists()
    assert store.user_hash(USER) == privacy.hash_id((tmp_path / "d" / privacy.SALT_FILE).read_text().strip(), USER)
    store.close()


def test_the_db_and_its_wal_are_private_to_the_bot_user(store, make_reply):
    store.record_query(USER, "staff", "hva er LAR", make_reply("answer", "R69", 0.9), 5)
    for path in (store.path, store.path.with_name(store.path.name + "-wal")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_stored_rows_carry_only_the_hash(store, make_reply):
    qid = store.record_query(USER, "staff", "hva er LAR", make_reply("answer", "R69", 0.9), 5)
    store.record_feedback(qid, 1)
    store.touch_user(USER, "relative")
    text = dump(store)
    assert str(USER) not in text
    assert store.user_hash(USER) in text


# --- masking -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, masked", [
    ("fnr 01019012345 ok", "fnr [fødselsnummer] ok"),
    ("personnummer 010190 12345", "personnummer [fødselsnummer]"),
    ("ring meg på 91234567", "ring meg på [telefonnummer]"),
    ("tlf 912 34 567.", "tlf [telefonnummer]."),
    ("tlf 91 23 45 67", "tlf [telefonnummer]"),
    ("+47 912 34 567 er nummeret", "[telefonnummer] er nummeret"),
    ("+4791234567", "[telefonnummer]"),
    ("0047 91234567", "[telefonnummer]"),
    ("skriv til ola.nordmann@nav.no i dag", "skriv til [e-post] i dag"),
    ("kari+rop@example.co.uk", "[e-post]"),
    ("saksnummer 12345", "saksnummer [tall]"),
    ("konto 1234.56.78901", "konto [tall]"),
    ("id 123456789012345", "id [tall]"),
    ("født 19.12.2011", "født [dato]"),
])
def test_masking(raw, masked):
    assert privacy.mask(raw) == masked


@pytest.mark.parametrize("text", [
    "anbefaling 69", "R69 og R70", "anbefaling 6, 7 og 8", "retningslinjen fra 2011", "kapittel 8.3.2",
    "hva er LAR?", "",
])
def test_masking_leaves_ordinary_questions_alone(text):
    assert privacy.mask(text) == text


def test_masking_several_things_at_once():
    out = privacy.mask("Jeg heter Per, fnr 01019012345, tlf +47 41 23 45 67, e-post per@x.no")
    assert "01019012345" not in out and "41 23 45 67" not in out and "per@x.no" not in out
    assert out.count("[") == 3


def test_store_masks_before_saving(store, make_reply):
    store.record_query(USER, "staff", "min sønn 01019012345 ring 91234567 eller a@b.no", make_reply("fallback"), 1)
    text = dump(store)
    for secret in ("01019012345", "91234567", "a@b.no"):
        assert secret not in text
    row = next(store.db.query("SELECT text FROM queries"))
    assert row["text"] == "min sønn [fødselsnummer] ring [telefonnummer] eller [e-post]"


# --- retention -----------------------------------------------------------------------------


def _age(store: Store, query_id: int, days: float) -> None:
    old = ts(now_utc() - timedelta(days=days))
    store.db.execute("UPDATE queries SET ts = ? WHERE id = ?", [old, query_id])
    store.db.execute("UPDATE feedback SET ts = ? WHERE query_id = ?", [old, query_id])
    store.db.conn.commit()


def test_retention_deletes_old_queries_feedback_and_users(store, make_reply):
    old = store.record_query(1, "staff", "gammelt spørsmål", make_reply("answer", "R1", 0.9), 1)
    store.record_feedback(old, -1)
    new = store.record_query(2, "staff", "nytt spørsmål", make_reply("answer", "R2", 0.9), 1)
    store.record_feedback(new, 1)
    _age(store, old, 91)
    store.db.execute("UPDATE users SET last_seen = ? WHERE user = ?",
                     [ts(now_utc() - timedelta(days=91)), store.user_hash(1)])
    store.db.conn.commit()
    counts = store.purge()
    assert counts == {"queries": 1, "feedback": 1, "users": 1}
    assert [r["id"] for r in store.db.query("SELECT id FROM queries")] == [new]
    assert [r["query_id"] for r in store.db.query("SELECT query_id FROM feedback")] == [new]
    assert store.last_purge() is not None


def test_retention_keeps_rows_just_inside_the_window(store, make_reply):
    qid = store.record_query(1, "staff", "nesten gammelt", make_reply("fallback"), 1)
    _age(store, qid, 89.9)
    assert store.purge()["queries"] == 0


def test_retention_runs_at_start_up(tmp_path, make_reply):
    path = tmp_path / "ropbot.db"
    first = Store(path, salt="s", retention_days=30)
    qid = first.record_query(1, "staff", "gammelt", make_reply("fallback"), 1)
    _age(first, qid, 31)
    first.close()
    second = Store(path, salt="s", retention_days=30)
    assert second.counts()["queries"] == 0
    second.close()


def test_retention_runs_daily_in_the_maintenance_thread(store, make_reply):
    qid = store.record_query(1, "staff", "gammelt", make_reply("fallback"), 1)
    _age(store, qid, 100)
    worker = Maintenance(None, store, watch_seconds=0.05, purge_every=0.0)
    worker.tick()
    assert store.counts()["queries"] == 0


# --- forget-user (/glem) -------------------------------------------------------------------


def test_forget_user_deletes_every_row_tied_to_the_user(store, make_reply):
    mine = [store.record_query(USER, "staff", f"spørsmål {i}", make_reply("answer", "R5", 0.9), 1) for i in range(3)]
    store.record_feedback(mine[0], 1)
    store.record_feedback(mine[1], -1)
    other = store.record_query(42, "staff", "andres spørsmål", make_reply("answer", "R5", 0.9), 1)
    store.record_feedback(other, 1)
    store.stage(USER, "ekstra.yaml", b"glossary: []\n")
    removed = store.forget_user(USER)
    assert removed == 3 + 2 + 1 + 1
    remaining = "".join(str(r) for t in ("queries", "feedback", "users", "staging")
                        for r in store.db.query(f"SELECT * FROM {t}"))
    assert store.user_hash(USER) not in remaining
    assert store.counts()["queries"] == 1 and store.counts()["feedback"] == 1 and store.counts()["users"] == 1
    assert store.record_feedback(mine[2], 1) is False  # a button on an old message after /glem
    assert store.forget_user(USER) == 0


# --- /om -----------------------------------------------------------------------------------


def test_privacy_text_matches_the_rules():
    text = privacy.privacy_text(45)
    assert "45 dager" in text and "/glem" in text
    for word in ("fødselsnumre", "telefonnumre", "e-postadresser", "hash", "fagperson", "👍"):
        assert word in text


def test_a_full_disk_on_first_start_leaves_no_empty_salt(tmp_path, monkeypatch):
    """The salt is written to a temporary file and linked into place only when whole."""
    import errno
    import os

    from ropbot import privacy

    db = tmp_path / "data" / "ropbot.db"
    real_write = os.write

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(privacy.os, "write", full)
    with pytest.raises(OSError):
        privacy.load_salt(db)
    assert not privacy.salt_path(db).exists()
    assert not [p for p in privacy.salt_path(db).parent.iterdir()]  # no temporary file left behind
    monkeypatch.setattr(privacy.os, "write", real_write)
    first = privacy.load_salt(db)
    assert first and privacy.load_salt(db) == first


@pytest.mark.parametrize("text, label", [
    ("ring ９１２３４５６７", MASK_PHONE),                 # full-width digits
    ("ring ٩١٢٣٤٥٦٧", MASK_PHONE),                     # Arabic-Indic digits
    ("912\u200934\u2009567", MASK_PHONE),               # thin spaces
    ("912\u202f34\u202f567", MASK_PHONE),               # narrow no-break spaces
    ("912/34/567", MASK_PHONE),
    ("912–34–567", MASK_PHONE),
    ("9 1 2 3 4 5 6 7", MASK_PHONE),                   # one digit at a time
    ("0 1 0 1 9 0 1 2 3 4 5", MASK_FNR),
    ("kari(at)example.no", MASK_EMAIL),
    ("kari [at] example [dot] no", MASK_EMAIL),
    ("root@localhost", MASK_EMAIL),
    ("kari＠example.no", MASK_EMAIL),                  # full-width at sign
])
def test_masking_keeps_what_om_promises_in_every_form(text, label):
    masked = mask(text)
    assert label in masked and not re.search(r"[0-9０-９٠-٩]{3}", masked.replace(label, "")), masked
    assert "kari" not in masked and "root" not in masked


def test_the_salt_can_live_outside_the_data_folder(tmp_path, caplog):
    """A copy of data/ alone must not hold the key to its hashes (issue 13, item 14)."""
    from ropbot.config import Settings
    from ropbot.store import Store

    secret = tmp_path / "etc" / "ropbot.salt"
    settings = Settings.from_env({"ROPBOT_DB": str(tmp_path / "data" / "ropbot.db"), "ROPBOT_SALT_FILE": str(secret)})
    store = Store.from_settings(settings)
    assert secret.exists() and not (tmp_path / "data" / privacy.SALT_FILE).exists()
    assert store.salt == secret.read_text().strip()
    store.close()
    with caplog.at_level("WARNING"):
        Store(tmp_path / "other" / "ropbot.db").close()
    assert any("beside the database" in r.getMessage() for r in caplog.records)
