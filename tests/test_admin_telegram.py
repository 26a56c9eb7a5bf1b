"""Admin commands in Telegram, through the channel's full handler stack on the test backend.

The store is the real SQLite store on a temp DB, and the corpus a temp copy shared by the
module (and put back after each test).
"""
from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ropbot.config import Settings
from ropbot.engine import Engine
from ropbot.live import LiveKnowledge
from ropbot.loader import checksum_of, read_files
from ropbot.store import Store
from ropbot.telegram import admin, texts
from ropbot.telegram import callbacks as cb
from ropbot.telegram.hooks import Recorder
from ropbot.telegram.testing import ADMIN_ID, BOT, GROUP_ID, TOKEN, FakeBot, StartBot

ROOT = Path(__file__).resolve().parent.parent
INTENTS = ROOT / "intents"
USER = 5151


def admin_settings(tmp_path: Path, corpus: Path, db_path: Path | None = None) -> Settings:
    return Settings(corpus_dir=corpus, intents_dir=INTENTS, telegram_token=TOKEN, admins=frozenset({ADMIN_ID}),
                    db_path=db_path or tmp_path / "data" / "ropbot.db", salt="s", watch_seconds=3600)


def deps(bot: FakeBot) -> admin.AdminDeps:
    return bot.app.bot_data[admin.ADMIN_KEY]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LiveKnowledge]:
    """One corpus copy and live knowledge per module (building it takes a second)."""
    corpus = tmp_path_factory.mktemp("admin-tg") / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    return corpus, LiveKnowledge(corpus, INTENTS)


@pytest.fixture
async def bot(tmp_path: Path, shared: tuple[Path, LiveKnowledge], start_bot: StartBot) -> AsyncIterator[FakeBot]:
    """The admin's bot (ADMIN_ID is its default user), with the store and admin handlers as
    `ropbot run` wires them; Telegram's rate limits off and one update at a time."""
    corpus, live = shared
    original = read_files(corpus)
    if checksum_of(original) != live.current.corpus.checksum:
        live.reload()
    settings = admin_settings(tmp_path, corpus)
    engine = Engine(live)
    recorder, register = admin.setup(settings, live, engine)
    b = await start_bot(engine=engine, recorder=recorder, extra_handlers=register, settings=settings,
                        user_id=ADMIN_ID, rate_limiter=None, concurrent=False)
    b.request.clear()
    yield b
    await b.stop()
    if deps(b).maintenance:
        deps(b).maintenance.stop()
    deps(b).store.close()
    # put the shared corpus back the way the next test expects it
    from ropbot.corpus_dir import swap_in, write_tree

    def replace_corpus(folder, files):
        swap_in(folder.resolve(), write_tree(folder.resolve(), files))

    store = Store(tmp_path / "data" / "ropbot.db", salt="s")
    first = store.version_files(1)
    store.close()
    if first and checksum_of(read_files(corpus)) != checksum_of(first):
        replace_corpus(corpus, first)
        live.reload()
    for extra in corpus.glob("uferdig*.yaml"):
        extra.unlink()
        live.reload()


# --- access control ------------------------------------------------------------------------

ADMIN_COMMANDS = ["/admin", "/reload", "/publiser", "/versjoner", "/tilbake 1", "/stats", "/ubesvart", "/forkast"]


async def test_the_store_is_the_channels_recorder(bot):
    assert isinstance(bot.recorder, Store) and isinstance(bot.recorder, Recorder)
    assert bot.deps.recorder.inner is bot.recorder  # what the handlers report to


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_non_admins_get_the_unknown_command_reply(bot, command):
    await bot.command("/finnesikke", user_id=USER)
    unknown = bot.request.texts()
    bot.request.clear()
    await bot.command(command, user_id=USER)
    assert bot.request.texts() == unknown == [texts.UNKNOWN_COMMAND]
    assert [r["action"] for r in deps(bot).store.audit_log()] == ["initial"]  # nothing done for them


async def test_admin_commands_are_off_in_groups_even_for_admins(bot):
    await bot.command("/stats", chat_type="group")
    await bot.command(f"/stats@{BOT['username']}", chat_type="group")
    assert not any("Siste 7 dager" in t for t in bot.request.texts())
    assert not bot.request.named("sendMediaGroup") and not bot.request.named("sendPhoto")
    await bot.command("/stats")  # the control: the same admin, in private
    assert "Siste 7 dager" in bot.request.texts()[-1]


async def test_non_admin_buttons_expire_like_unknown_buttons(bot):
    await bot.press("1q|nonsense", user_id=USER)
    unknown = bot.request.toasts()
    bot.request.clear()
    await bot.press(admin.PUBLISH_BUTTON, user_id=USER)
    await bot.press(admin.DISCARD_BUTTON, user_id=USER)
    assert bot.request.toasts() == unknown * 2 and unknown == [texts.EXPIRED]
    assert deps(bot).store.versions()[0].id == 1


async def test_documents_from_non_admins_get_the_ordinary_hint_and_are_not_staged(bot, extra_yaml):
    await bot.document(extra_yaml.name, extra_yaml.content, user_id=USER)
    assert bot.request.texts() == [texts.NON_TEXT]
    assert deps(bot).store.staged(USER) == {} and deps(bot).store.counts()["staging"] == 0


async def test_admin_check_uses_the_current_id_list_on_every_call(bot):
    await bot.command("/admin")
    assert bot.request.texts()[-1].startswith("Admin-kommandoer")
    deps(bot).settings = Settings(**{**deps(bot).settings.__dict__, "admins": frozenset()})
    await bot.command("/admin")
    assert bot.request.texts()[-1] == texts.UNKNOWN_COMMAND


# --- the workflow --------------------------------------------------------------------------


async def test_upload_stage_publish_rollback(bot, shared, extra_yaml):
    corpus, live = shared
    await bot.document(extra_yaml.name, extra_yaml.content)
    staged = bot.request.sent()[-1]
    assert "ekstra.yaml er sjekket og klargjort" in staged["text"] and "Lagt til: G-testbegrep" in staged["text"]
    keyboard = [b["callback_data"] for row in staged["reply_markup"]["inline_keyboard"] for b in row]
    assert keyboard == [admin.PUBLISH_BUTTON, admin.DISCARD_BUTTON]
    assert not (corpus / extra_yaml.name).exists()

    await bot.command("/publiser la til testbegrep")
    assert "Publisert som versjon 2" in bot.request.texts()[-1]
    assert (corpus / extra_yaml.name).read_bytes() == extra_yaml.content
    assert live.current.corpus.get("G-testbegrep") is not None
    assert deps(bot).store.latest_version().note == "la til testbegrep"

    await bot.command("/versjoner")
    listing = bot.request.texts()[-1]
    assert "2. " in listing and "← i bruk" in listing.splitlines()[1]

    await bot.command("/tilbake 1")
    rolled_back = bot.request.texts()[-1]
    assert "Rullet tilbake til versjon 1" in rolled_back and "Fjernet: G-testbegrep" in rolled_back
    assert not (corpus / extra_yaml.name).exists() and live.current.corpus.get("G-testbegrep") is None
    actions = [r["action"] for r in deps(bot).store.audit_log()]
    assert {"stage", "publish", "versions", "rollback"} <= set(actions)


async def test_publish_button_and_discard(bot, shared, extra_yaml):
    corpus, live = shared
    await bot.document(extra_yaml.name, extra_yaml.content)
    await bot.press(admin.PUBLISH_BUTTON)
    assert "Publisert som versjon 2" in bot.request.texts()[-1]
    assert any(n == "editMessageReplyMarkup" for n, _ in bot.request.calls)  # the buttons go once used
    changed = extra_yaml.content.replace(b"bare finnes", b"kun finnes")
    await bot.document(extra_yaml.name, changed)
    assert "Endret: G-testbegrep" in bot.request.texts()[-1]
    await bot.press(admin.DISCARD_BUTTON)
    assert bot.request.texts()[-1] == "Forkastet 1 klargjorte filer."
    await bot.command("/publiser")
    assert "Ingenting er klart" in bot.request.texts()[-1]
    await bot.command("/forkast")
    assert bot.request.texts()[-1] == "Det var ingenting klargjort."


async def test_invalid_upload_is_reported_with_file_and_line(bot, bad_yaml):
    await bot.document(bad_yaml.name, bad_yaml.content)
    reply = bot.request.texts()[-1]
    assert "ikke gyldig" in reply and "uferdig.yaml:" in reply and "definition" in reply
    assert deps(bot).store.staged(ADMIN_ID) == {}
    before = len(bot.request.texts())  # the report above names uferdig.yaml: look only at what is new
    await bot.document("notat.txt", b"hei")
    [refused] = bot.request.texts()[before:]
    assert ".yaml" in refused


async def test_admin_buttons_work_in_private_chats_only(bot, shared, extra_yaml):
    """A publish press in a group would post the result into the group (issue 13, item 9)."""
    corpus, live = shared
    await bot.document(extra_yaml.name, extra_yaml.content)
    before = live.current.corpus.checksum
    bot.request.clear()
    await bot.press(admin.PUBLISH_BUTTON, chat_type="supergroup")
    assert live.current.corpus.checksum == before
    assert not [p for p in bot.request.sent(GROUP_ID) if "ublisert" in p.get("text", "")]
    await bot.press(admin.PUBLISH_BUTTON)  # the control: the same press in private publishes
    assert live.current.corpus.checksum != before and "Publisert" in bot.request.texts(ADMIN_ID)[-1]


async def test_rollback_usage_and_unknown_version(bot):
    await bot.command("/tilbake")
    assert bot.request.texts()[-1].startswith("Bruk: /tilbake N")
    for odd in ("²", "①", "99999999999999999999999"):  # isdigit() but not int(), or too big for SQLite
        await bot.command(f"/tilbake {odd}")
        assert bot.request.texts()[-1].startswith("Bruk: /tilbake N")
    before = len(bot.request.texts())
    await bot.command("/ubesvart ²")
    [unanswered] = bot.request.texts()[before:]  # the default 30 days, not a crash or silence
    assert "siste 30 dagene" in unanswered
    await bot.command("/tilbake 99")
    assert "Fant ingen versjon 99" in bot.request.texts()[-1]
    await bot.command("/tilbake 1")
    assert "allerede den som brukes" in bot.request.texts()[-1]


async def test_reload_swaps_a_valid_corpus_and_keeps_the_old_one_on_errors(bot, shared, extra_yaml, bad_yaml):
    corpus, live = shared
    await bot.command("/reload")
    assert bot.request.texts()[-1].startswith("Korpuset er lastet på nytt (uendret")
    before = live.current.corpus.checksum
    (corpus / bad_yaml.name).write_bytes(bad_yaml.content)
    await bot.command("/reload")
    reply = bot.request.texts()[-1]
    assert "feil" in reply and "uferdig.yaml:" in reply and before[:12] in reply
    assert live.current.corpus.checksum == before
    (corpus / bad_yaml.name).unlink()
    (corpus / extra_yaml.name).write_bytes(extra_yaml.content)
    await bot.command("/reload")
    assert live.current.corpus.get("G-testbegrep") is not None
    assert deps(bot).store.latest_version().admin == "disk"  # the change is in the history too
    (corpus / extra_yaml.name).unlink()
    await bot.command("/reload")


# --- reports and the recorder --------------------------------------------------------------


async def test_questions_are_recorded_masked_and_show_up_in_stats_and_unanswered(bot):
    await bot.text("hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?", user_id=USER)
    await bot.text("hvor kan jeg parkere bilen ved sykehuset, ring meg på 91234567", user_id=USER)
    await bot.text("hvor parkerer jeg bilen ved sykehuset", user_id=USER)
    store = deps(bot).store
    rows = list(store.db.query("SELECT user, text, decision FROM queries ORDER BY id"))
    assert len(rows) == 3 and all(r["user"] == store.user_hash(USER) for r in rows)
    assert "91234567" not in rows[1]["text"] and "[telefonnummer]" in rows[1]["text"]
    bot.request.clear()
    await bot.command("/stats")
    stats = "\n".join(bot.request.texts())
    assert "Siste 7 dager" in stats and "Siste 30 dager" in stats and "Spørsmål: 3" in stats
    await bot.command("/ubesvart")
    unanswered = bot.request.texts()[-1]
    assert [r["decision"] for r in rows[1:]] == ["fallback", "fallback"]
    assert "parkere bilen" in unanswered and "[telefonnummer]" in unanswered and "Nærmest:" in unanswered


async def test_stats_sends_both_charts_as_pngs_after_the_text(bot, png_size):
    from ropbot import charts

    await bot.text("hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?", user_id=USER)
    bot.request.clear()
    await bot.command("/stats")
    methods = [m for m in bot.request.methods() if m in ("sendMessage", "sendMediaGroup", "sendPhoto")]
    assert methods == ["sendMessage", "sendMediaGroup"]  # the figures first, then one album
    album = bot.request.named("sendMediaGroup")[0]
    assert int(album["chat_id"]) == ADMIN_ID
    assert [m["type"] for m in album["media"]] == ["photo", "photo"]
    assert album["media"][0]["caption"] == admin.CHARTS_CAPTION
    files = album["_files"]
    assert sorted(m["media"] for m in album["media"]) == sorted(f"attach://{name}" for name in files)
    assert len(files) == 2
    for data in files.values():
        assert png_size(data) == (charts.WIDTH_PX, charts.HEIGHT_PX)


async def test_stats_text_still_goes_out_when_the_charts_fail(bot, monkeypatch):
    import threading

    from ropbot import charts

    drawn_in = []

    def broken(store, days=30, limit=10):
        drawn_in.append(threading.current_thread())
        raise RuntimeError("no fonts today")

    monkeypatch.setattr(charts, "render", broken)
    await bot.command("/stats")
    assert drawn_in and drawn_in[0] is not threading.main_thread()  # never on the event loop
    assert bot.request.texts()[0].startswith("Statistikk") and bot.request.texts()[-1] == admin.CHARTS_FAILED
    assert not bot.request.named("sendMediaGroup")
    monkeypatch.undo()
    bot.request.clear()
    bot.request.fail["sendMediaGroup"] = (400, "Bad Request: wrong file identifier")
    await bot.command("/stats")
    assert bot.request.texts()[0].startswith("Statistikk") and bot.request.texts()[-1] == admin.CHARTS_NOT_SENT


async def test_forget_me_through_the_channel_deletes_my_rows(bot):
    await bot.text("hva er LAR?", user_id=USER)
    await bot.text("hva er ACT-team?", user_id=USER)
    store = deps(bot).store
    assert store.counts()["queries"] == 2
    await bot.press(cb.encode(cb.FORGET, "y"), user_id=USER)
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


async def test_without_a_db_the_bot_still_runs_and_admins_are_told(tmp_path, shared):
    corpus, live = shared
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    settings = admin_settings(tmp_path, corpus, db_path=blocked / "ropbot.db")
    engine = Engine(live)
    recorder, register = admin.setup(settings, live, engine)
    assert recorder is None
    async with FakeBot(engine, recorder, register, settings=settings, user_id=ADMIN_ID, rate_limiter=None,
                       concurrent=False) as bot:
        await bot.command("/stats")
    assert bot.request.texts()[-1].startswith("Databasen er ikke tilgjengelig")
