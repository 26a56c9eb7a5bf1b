"""Admin commands in Telegram, through the channel's full handler stack with an offline Bot API.

The request layer is a `BaseRequest` that records calls and answers like the Bot
API; updates go through `application.process_update`. The store is the real
SQLite store on a temp DB, and the corpus a temp copy.
"""
from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from telegram import Update

from adminkit import BAD, EXTRA, EXTRA_NAME, INTENTS, copy_corpus, png_size
from ropbot.config import Settings
from ropbot.engine import Engine
from ropbot.live import LiveKnowledge
from ropbot.loader import checksum_of, read_files
from ropbot.store import Store
from ropbot.telegram import admin
from ropbot.telegram import callbacks as cb
from ropbot.telegram import texts
from ropbot.telegram.app import build_application
from ropbot.telegram.hooks import Recorder
from ropbot.telegram.testing import OfflineRequest

ADMIN = 4242
USER = 5151
BOT = {"id": 777, "is_bot": True, "first_name": "ropbot", "username": "ropbot_test_bot"}


class OfflineAPI(OfflineRequest):
    """The offline Bot API as this module's bot; serves getFile downloads from `files`."""

    def __init__(self) -> None:
        super().__init__(BOT)


class AdminBot:
    def __init__(self, tmp_path, live: LiveKnowledge, corpus) -> None:
        self.settings = Settings(corpus_dir=corpus, intents_dir=INTENTS, telegram_token="123:TEST",
                                 admins=frozenset({ADMIN}), db_path=tmp_path / "data" / "ropbot.db", salt="s",
                                 watch_seconds=3600)
        self.live = live
        self.recorder, register = admin.setup(self.settings, live, Engine(live))
        self.api = OfflineAPI()
        self.app = build_application(self.settings, live, Engine(live), self.recorder, register,
                                     request=self.api, get_updates_request=OfflineAPI(), rate_limiter=None,
                                     concurrent=False)
        self.deps: admin.AdminDeps = self.app.bot_data[admin.ADMIN_KEY]
        self._ids = itertools.count(1)

    async def feed(self, data: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json({"update_id": next(self._ids), **data}, self.app.bot))

    def _message(self, user: int, chat_type: str = "private", **fields: Any) -> dict[str, Any]:
        chat_id = user if chat_type == "private" else -100
        chat = {"id": chat_id, "type": chat_type, **({"title": "Team"} if chat_type != "private" else {})}
        return {"message_id": next(self._ids), "date": int(time.time()), "chat": chat,
                "from": {"id": user, "is_bot": False, "first_name": "Kari"}, **fields}

    async def command(self, text: str, user: int = ADMIN, chat_type: str = "private") -> None:
        entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        await self.feed({"message": self._message(user, chat_type, text=text, entities=[entity])})

    async def text(self, text: str, user: int = USER) -> None:
        await self.feed({"message": self._message(user, text=text)})

    async def document(self, name: str, content: bytes, user: int = ADMIN) -> None:
        file_id = f"f{next(self._ids)}"
        self.api.files[file_id] = content
        await self.feed({"message": self._message(user, document={
            "file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name, "file_size": len(content)})})

    async def press(self, data: str, user: int = ADMIN, chat_type: str = "private") -> None:
        chat = {"id": user, "type": "private"} if chat_type == "private" else {"id": -100, "type": chat_type, "title": "Team"}
        message = {"message_id": 999, "date": int(time.time()), "text": "…", "from": BOT, "chat": chat}
        await self.feed({"callback_query": {"id": f"q{next(self._ids)}", "chat_instance": "ci", "data": data,
                                            "from": {"id": user, "is_bot": False, "first_name": "Kari"},
                                            "message": message}})


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One corpus copy and live knowledge per module (building it takes a second)."""
    base = tmp_path_factory.mktemp("admin-tg")
    corpus = copy_corpus(base)
    return corpus, LiveKnowledge(corpus, INTENTS)


@pytest.fixture
def bot(tmp_path, shared):
    corpus, live = shared
    original = read_files(corpus)
    if checksum_of(original) != live.current.corpus.checksum:
        live.reload()
    b = AdminBot(tmp_path, live, corpus)
    asyncio.run(b.app.initialize())
    b.api.clear()
    yield b
    asyncio.run(b.app.shutdown())
    if b.deps.maintenance:
        b.deps.maintenance.stop()
    b.deps.store.close()
    # put the shared corpus back the way the next test expects it
    from ropbot.corpus_dir import swap_in, write_tree

    def replace_corpus(folder, files):
        swap_in(folder.resolve(), write_tree(folder.resolve(), files))

    first = Store(tmp_path / "data" / "ropbot.db", salt="s").version_files(1)
    if first and checksum_of(read_files(corpus)) != checksum_of(first):
        replace_corpus(corpus, first)
        live.reload()
    for extra in corpus.glob("uferdig*.yaml"):
        extra.unlink()
        live.reload()


def run(coro) -> None:
    asyncio.run(coro)


# --- access control ------------------------------------------------------------------------

ADMIN_COMMANDS = ["/admin", "/reload", "/publiser", "/versjoner", "/tilbake 1", "/stats", "/ubesvart", "/forkast"]


def test_the_store_is_the_channels_recorder(bot):
    assert isinstance(bot.recorder, Store) and isinstance(bot.recorder, Recorder)


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
def test_non_admins_get_the_unknown_command_reply(bot, command):
    run(bot.command("/finnesikke", user=USER))
    unknown = bot.api.texts()
    bot.api.clear()
    run(bot.command(command, user=USER))
    assert bot.api.texts() == unknown == [texts.UNKNOWN_COMMAND]
    assert [r["action"] for r in bot.deps.store.audit_log()] == ["initial"]  # nothing done for them


def test_admin_commands_are_off_in_groups_even_for_admins(bot):
    run(bot.command("/stats", chat_type="group"))
    assert not any("Siste 7 dager" in t for t in bot.api.texts())
    assert not bot.api.named("sendMediaGroup") and not bot.api.named("sendPhoto")


def test_non_admin_buttons_expire_like_unknown_buttons(bot):
    run(bot.press("1q|nonsense", user=USER))
    unknown = bot.api.toasts()
    bot.api.clear()
    run(bot.press(admin.PUBLISH_BUTTON, user=USER))
    run(bot.press(admin.DISCARD_BUTTON, user=USER))
    assert bot.api.toasts() == unknown * 2 and unknown == [texts.EXPIRED]
    assert bot.deps.store.versions()[0].id == 1


def test_documents_from_non_admins_get_the_ordinary_hint_and_are_not_staged(bot):
    run(bot.document(EXTRA_NAME, EXTRA, user=USER))
    assert bot.api.texts() == [texts.NON_TEXT]
    assert bot.deps.store.staged(USER) == {} and bot.deps.store.counts()["staging"] == 0


def test_admin_check_uses_the_current_id_list_on_every_call(bot):
    run(bot.command("/admin"))
    assert bot.api.texts()[-1].startswith("Admin-kommandoer")
    bot.deps.settings = Settings(**{**bot.deps.settings.__dict__, "admins": frozenset()})
    run(bot.command("/admin"))
    assert bot.api.texts()[-1] == texts.UNKNOWN_COMMAND


# --- the workflow --------------------------------------------------------------------------


def test_upload_stage_publish_rollback(bot, shared):
    corpus, live = shared
    run(bot.document(EXTRA_NAME, EXTRA))
    staged = bot.api.sent()[-1]
    assert "ekstra.yaml er sjekket og klargjort" in staged["text"] and "Lagt til: G-testbegrep" in staged["text"]
    keyboard = [b["callback_data"] for row in staged["reply_markup"]["inline_keyboard"] for b in row]
    assert keyboard == [admin.PUBLISH_BUTTON, admin.DISCARD_BUTTON]
    assert not (corpus / EXTRA_NAME).exists()

    run(bot.command("/publiser la til testbegrep"))
    assert "Publisert som versjon 2" in bot.api.texts()[-1]
    assert (corpus / EXTRA_NAME).read_bytes() == EXTRA
    assert live.current.corpus.get("G-testbegrep") is not None
    assert bot.deps.store.latest_version().note == "la til testbegrep"

    run(bot.command("/versjoner"))
    listing = bot.api.texts()[-1]
    assert "2. " in listing and "← i bruk" in listing.splitlines()[1]

    run(bot.command("/tilbake 1"))
    assert "Rullet tilbake til versjon 1" in bot.api.texts()[-1] and "Fjernet: G-testbegrep" in bot.api.texts()[-1]
    assert not (corpus / EXTRA_NAME).exists() and live.current.corpus.get("G-testbegrep") is None
    actions = [r["action"] for r in bot.deps.store.audit_log()]
    assert {"stage", "publish", "versions", "rollback"} <= set(actions)


def test_publish_button_and_discard(bot, shared):
    corpus, live = shared
    run(bot.document(EXTRA_NAME, EXTRA))
    run(bot.press(admin.PUBLISH_BUTTON))
    assert "Publisert som versjon 2" in bot.api.texts()[-1]
    assert any(n == "editMessageReplyMarkup" for n, _ in bot.api.calls)  # the buttons go once used
    changed = EXTRA.replace(b"bare finnes", b"kun finnes")
    run(bot.document(EXTRA_NAME, changed))
    assert "Endret: G-testbegrep" in bot.api.texts()[-1]
    run(bot.press(admin.DISCARD_BUTTON))
    assert bot.api.texts()[-1] == "Forkastet 1 klargjorte filer."
    run(bot.command("/publiser"))
    assert "Ingenting er klart" in bot.api.texts()[-1]
    run(bot.command("/forkast"))
    assert bot.api.texts()[-1] == "Det var ingenting klargjort."


def test_invalid_upload_is_reported_with_file_and_line(bot):
    run(bot.document("uferdig.yaml", BAD))
    reply = bot.api.texts()[-1]
    assert "ikke gyldig" in reply and "uferdig.yaml:" in reply and "definition" in reply
    assert bot.deps.store.staged(ADMIN) == {}
    run(bot.document("notat.txt", b"hei"))
    assert ".yaml" in bot.api.texts()[-1]


def test_admin_buttons_work_in_private_chats_only(bot, shared):
    """A publish press in a group would post the result into the group (issue 13, item 9)."""
    corpus, live = shared
    run(bot.document(EXTRA_NAME, EXTRA))
    before = live.current.corpus.checksum
    bot.api.clear()
    run(bot.press("adm|pub", chat_type="supergroup"))
    assert live.current.corpus.checksum == before
    assert not [p for p in bot.api.named("sendMessage") if str(p.get("chat_id")) == "-100"
                and "ublisert" in p.get("text", "")]
    run(bot.command("/forkast"))


def test_rollback_usage_and_unknown_version(bot):
    run(bot.command("/tilbake"))
    assert bot.api.texts()[-1].startswith("Bruk: /tilbake N")
    for odd in ("²", "①", "99999999999999999999999"):  # isdigit() but not int(), or too big for SQLite
        run(bot.command(f"/tilbake {odd}"))
        assert bot.api.texts()[-1].startswith("Bruk: /tilbake N")
    run(bot.command("/ubesvart ²"))
    assert bot.api.texts()[-1]
    run(bot.command("/tilbake 99"))
    assert "Fant ingen versjon 99" in bot.api.texts()[-1]
    run(bot.command("/tilbake 1"))
    assert "allerede den som brukes" in bot.api.texts()[-1]


def test_reload_swaps_a_valid_corpus_and_keeps_the_old_one_on_errors(bot, shared):
    corpus, live = shared
    run(bot.command("/reload"))
    assert bot.api.texts()[-1].startswith("Korpuset er lastet på nytt (uendret")
    before = live.current.corpus.checksum
    (corpus / "uferdig.yaml").write_bytes(BAD)
    run(bot.command("/reload"))
    reply = bot.api.texts()[-1]
    assert "feil" in reply and "uferdig.yaml:" in reply and before[:12] in reply
    assert live.current.corpus.checksum == before
    (corpus / "uferdig.yaml").unlink()
    (corpus / EXTRA_NAME).write_bytes(EXTRA)
    run(bot.command("/reload"))
    assert live.current.corpus.get("G-testbegrep") is not None
    assert bot.deps.store.latest_version().admin == "disk"  # the change is in the history too
    (corpus / EXTRA_NAME).unlink()
    run(bot.command("/reload"))


# --- reports and the recorder --------------------------------------------------------------


def test_questions_are_recorded_masked_and_show_up_in_stats_and_unanswered(bot):
    run(bot.text("hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?"))
    run(bot.text("hvor kan jeg parkere bilen ved sykehuset, ring meg på 91234567"))
    run(bot.text("hvor parkerer jeg bilen ved sykehuset"))
    store = bot.deps.store
    rows = list(store.db.query("SELECT user, text, decision FROM queries ORDER BY id"))
    assert len(rows) == 3 and all(r["user"] == store.user_hash(USER) for r in rows)
    assert "91234567" not in rows[1]["text"] and "[telefonnummer]" in rows[1]["text"]
    bot.api.clear()
    run(bot.command("/stats"))
    stats = "\n".join(bot.api.texts())
    assert "Siste 7 dager" in stats and "Siste 30 dager" in stats and "Spørsmål: 3" in stats
    run(bot.command("/ubesvart"))
    unanswered = bot.api.texts()[-1]
    assert [r["decision"] for r in rows[1:]] == ["fallback", "fallback"]
    assert "parkere bilen" in unanswered and "[telefonnummer]" in unanswered and "Nærmest:" in unanswered


def test_stats_sends_both_charts_as_pngs_after_the_text(bot):
    from ropbot import charts

    run(bot.text("hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?"))
    bot.api.clear()
    run(bot.command("/stats"))
    methods = [m for m in bot.api.methods() if m in ("sendMessage", "sendMediaGroup", "sendPhoto")]
    assert methods == ["sendMessage", "sendMediaGroup"]  # the figures first, then one album
    album = bot.api.named("sendMediaGroup")[0]
    assert int(album["chat_id"]) == ADMIN
    assert [m["type"] for m in album["media"]] == ["photo", "photo"]
    assert album["media"][0]["caption"] == admin.CHARTS_CAPTION
    files = album["_files"]
    assert sorted(m["media"] for m in album["media"]) == sorted(f"attach://{name}" for name in files)
    assert len(files) == 2
    for data in files.values():
        assert png_size(data) == (charts.WIDTH_PX, charts.HEIGHT_PX)


def test_stats_text_still_goes_out_when_the_charts_fail(bot, monkeypatch):
    import threading

    from ropbot import charts

    drawn_in = []

    def broken(store, days=30, limit=10):
        drawn_in.append(threading.current_thread())
        raise RuntimeError("no fonts today")

    monkeypatch.setattr(charts, "render", broken)
    run(bot.command("/stats"))
    assert drawn_in and drawn_in[0] is not threading.main_thread()  # never on the event loop
    assert bot.api.texts()[0].startswith("Statistikk") and bot.api.texts()[-1] == admin.CHARTS_FAILED
    assert not bot.api.named("sendMediaGroup")
    monkeypatch.undo()
    bot.api.clear()
    bot.api.fail["sendMediaGroup"] = (400, "Bad Request: wrong file identifier")
    run(bot.command("/stats"))
    assert bot.api.texts()[0].startswith("Statistikk") and bot.api.texts()[-1] == admin.CHARTS_NOT_SENT


def test_forget_me_through_the_channel_deletes_my_rows(bot):
    run(bot.text("hva er LAR?"))
    run(bot.text("hva er ACT-team?"))
    store = bot.deps.store
    assert store.counts()["queries"] == 2
    run(bot.press(cb.encode(cb.FORGET, "y"), user=USER))
    assert store.counts()["queries"] == 0 and store.counts()["users"] == 0


def test_long_reports_are_split_at_line_breaks_counting_as_telegram_does():
    from ropbot.telegram.render import split_text, tg_len

    text = "\n".join(f"linje {i} " + "x" * 50 for i in range(200))
    parts = split_text(text, 4096, escaped=False)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text
    assert split_text("a" * 9000, 4096, escaped=False) == ["a" * 4096, "a" * 4096, "a" * 808]
    # An emoji is two UTF-16 units: 3,000 of them are 6,000 units to Telegram, not 3,000.
    emoji = split_text("👍" * 3000, 4096, escaped=False)
    assert len(emoji) == 2 and all(tg_len(p) <= 4096 for p in emoji)


def test_without_a_db_the_bot_still_runs_and_admins_are_told(tmp_path, shared):
    corpus, live = shared
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    settings = Settings(corpus_dir=corpus, intents_dir=INTENTS, telegram_token="123:TEST",
                        admins=frozenset({ADMIN}), db_path=blocked / "ropbot.db", salt="s")
    recorder, register = admin.setup(settings, live, Engine(live))
    assert recorder is None
    api = OfflineAPI()
    app = build_application(settings, live, Engine(live), recorder, register, request=api,
                            get_updates_request=OfflineAPI(), rate_limiter=None, concurrent=False)

    async def scenario():
        await app.initialize()
        entity = {"type": "bot_command", "offset": 0, "length": 6}
        await app.process_update(Update.de_json({"update_id": 1, "message": {
            "message_id": 1, "date": 0, "chat": {"id": ADMIN, "type": "private"}, "text": "/stats",
            "entities": [entity], "from": {"id": ADMIN, "is_bot": False, "first_name": "A"}}}, app.bot))
        await app.shutdown()

    asyncio.run(scenario())
    assert api.texts()[-1].startswith("Databasen er ikke tilgjengelig")
