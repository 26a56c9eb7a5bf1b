"""Unit tests of the Telegram handlers, with python-telegram-bot's request layer served offline.

The request layer is a `telegram.request.BaseRequest` subclass that records each
call's method and parameters and returns canned Bot API JSON; updates are fed with
`Update.de_json(...)` to `application.process_update`, so the full handler stack runs.
"""
from __future__ import annotations

import asyncio
import copy
import itertools
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

from telegram import Update

from probes import did_you_mean_question
from ropbot.config import Settings
from ropbot.engine import Engine
from ropbot.live import LiveKnowledge
from ropbot.reply import Reply
from ropbot.reply import Action, Go, Part
from ropbot.telegram import callbacks as cb
from ropbot.telegram import render, texts, views
from ropbot.telegram.app import build_application
from ropbot.telegram.handlers import unknown_command_text
from ropbot.telegram.offline import OfflineRequest

ROOT = Path(__file__).resolve().parent.parent
BOT_ID = 777
BOT_USERNAME = "ropbot_test_bot"
ADMIN_ID = 4242


class RecordingRequest(OfflineRequest):
    """The offline Bot API, as this test module's bot."""

    def __init__(self) -> None:
        super().__init__({"id": BOT_ID, "is_bot": True, "first_name": "ropbot", "username": BOT_USERNAME,
                          "can_join_groups": True, "supports_inline_queries": True})


def buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    markup = params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button_data(params: dict[str, Any], text_start: str) -> str:
    for b in buttons(params):
        if b["text"].startswith(text_start):
            return b["callback_data"]
    raise AssertionError(f"no button starting {text_start!r} in {[b['text'] for b in buttons(params)]}")


@dataclass
class MemoryRecorder:
    """A Recorder test double that keeps calls in lists."""

    queries: list[tuple[int, str, str, str]] = field(default_factory=list)
    feedback: list[tuple[int, int]] = field(default_factory=list)
    forgotten: list[int] = field(default_factory=list)
    touched: list[tuple[int, str]] = field(default_factory=list)

    def record_query(self, user_id: int, audience: str, text: str, reply: Reply, latency_ms: float) -> int | None:
        self.queries.append((user_id, audience, text, reply.decision))
        return len(self.queries)

    def record_feedback(self, query_id: int, vote: int, user_id: int | None = None) -> None:
        self.feedback.append((query_id, vote))

    def forget_user(self, user_id: int) -> int:
        self.forgotten.append(user_id)
        return 3

    def touch_user(self, user_id: int, audience: str) -> None:
        self.touched.append((user_id, audience))

    def user_audience(self, user_id: int) -> str | None:
        seen = [a for u, a in self.touched if u == user_id] + [q[1] for q in self.queries if q[0] == user_id]
        return seen[-1] if seen else None


class Bot:
    """One application over the offline request, fed with update dicts."""

    def __init__(self, live: LiveKnowledge, engine: Engine, recorder: Any = None,
                 extra_handlers: Callable | None = None, **app_options: Any) -> None:
        self.settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:TEST", "ROPBOT_ADMINS": str(ADMIN_ID)})
        self.request = RecordingRequest()
        self.recorder = recorder
        self.app = build_application(self.settings, live, engine, recorder, extra_handlers,
                                     request=self.request, get_updates_request=RecordingRequest(), **app_options)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    async def start(self) -> None:
        await self.app.initialize()

    async def stop(self) -> None:
        await self.app.shutdown()

    async def feed(self, data: dict[str, Any]) -> None:
        data = {"update_id": next(self._update_ids), **data}
        await self.app.process_update(Update.de_json(data, self.app.bot))

    # --- update builders ---------------------------------------------------------------------

    def _message(self, chat_id: int, user_id: int, chat_type: str, **fields: Any) -> dict[str, Any]:
        chat = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Teamet"
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                "from": {"id": user_id, "is_bot": False, "first_name": "Kari"}, **fields}

    async def text(self, text: str, chat_id: int = 1, user_id: int | None = None, chat_type: str = "private",
                   entities: list[dict[str, Any]] | None = None) -> None:
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        await self.feed({"message": self._message(chat_id, user_id or abs(chat_id), chat_type, **fields)})

    async def command(self, text: str, **kwargs: Any) -> None:
        length = len(text.split()[0])
        await self.text(text, entities=[{"type": "bot_command", "offset": 0, "length": length}], **kwargs)

    async def other(self, chat_id: int = 1, user_id: int | None = None, chat_type: str = "private",
                    **fields: Any) -> None:
        await self.feed({"message": self._message(chat_id, user_id or abs(chat_id), chat_type, **fields)})

    async def press(self, data: str, message: dict[str, Any] | None = None, chat_id: int = 1,
                    user_id: int | None = None) -> None:
        """Press a button under `message` (a sendMessage parameter dict, or None for an old message)."""
        query: dict[str, Any] = {"id": str(next(self._update_ids)), "chat_instance": "ci",
                                 "from": {"id": user_id or abs(chat_id), "is_bot": False, "first_name": "Kari"},
                                 "data": data}
        if message is not None:
            query["message"] = {"message_id": 999, "date": int(time.time()), "text": message.get("text", ""),
                                "chat": {"id": chat_id, "type": "private"},
                                "from": {"id": BOT_ID, "is_bot": True, "first_name": "ropbot"}}
            if message.get("reply_markup"):
                query["message"]["reply_markup"] = message["reply_markup"]
        await self.feed({"callback_query": query})

    async def inline(self, query: str, user_id: int = 1) -> None:
        await self.feed({"inline_query": {"id": "iq1", "query": query, "offset": "",
                                          "from": {"id": user_id, "is_bot": False, "first_name": "Kari"}}})


def run(live: LiveKnowledge, engine: Engine, scenario: Callable[[Bot], Awaitable[None]], **kwargs: Any) -> Bot:
    """Run one scenario against a fresh application and return it for assertions."""
    bot = Bot(live, engine, **kwargs)

    async def main() -> None:
        await bot.start()
        try:
            await scenario(bot)
        finally:
            await bot.stop()

    asyncio.run(main())
    return bot


ALLOWED_TAGS = {"b", "i", "a", "u", "s", "code", "pre", "blockquote", "tg-spoiler", "strong", "em"}


class TelegramHTML(HTMLParser):
    """Checks a message is well-formed Telegram HTML: known tags only, all closed, properly nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.visible = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.visible += data


def check_html(text: str) -> str:
    """Assert `text` is valid Telegram HTML and return its visible text."""
    parser = TelegramHTML()
    parser.feed(text)
    parser.close()
    assert not parser.errors and not parser.stack, (parser.errors, parser.stack, text[:200])
    return parser.visible


# --- fixtures --------------------------------------------------------------------------------

R69_QUESTION = "hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?"


@pytest.fixture(scope="module")
def tg_live() -> LiveKnowledge:
    return LiveKnowledge(ROOT / "corpus", ROOT / "intents")


@pytest.fixture(scope="module")
def tg_engine(tg_live: LiveKnowledge) -> Engine:
    return Engine(tg_live)


@pytest.fixture()
def play(tg_live: LiveKnowledge, tg_engine: Engine):
    """play(scenario, **kwargs) runs a scenario on a fresh bot and checks every sent message."""

    def _play(scenario: Callable[[Bot], Awaitable[None]], **kwargs: Any) -> Bot:
        bot = run(tg_live, tg_engine, scenario, **kwargs)
        for params in bot.request.sent():
            check_html(params["text"]) if params.get("parse_mode") == "HTML" else None
            assert render.tg_len(params["text"]) <= 4096
            for b in buttons(params):
                assert len(b["callback_data"].encode()) <= 64
        return bot

    return _play


# --- commands --------------------------------------------------------------------------------


def test_commands_are_registered_in_norwegian(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.app.post_init(bot.app)

    bot = play(scenario)
    [params] = bot.request.named("setMyCommands")
    names = [c["command"] for c in params["commands"]]
    assert names == ["start", "hjelp", "anbefaling", "kapitler", "roller", "parorende", "fagperson",
                     "ordliste", "om", "glem"]
    assert all(c["description"] for c in params["commands"])


def test_set_my_commands_failure_does_not_stop_the_bot(play) -> None:
    async def scenario(bot: Bot) -> None:
        bot.request.fail["setMyCommands"] = (500, "Internal")
        await bot.app.post_init(bot.app)
        await bot.command("/start")

    assert len(play(scenario).request.sent()) == 1


def test_start_says_what_and_for_whom_and_credits(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/start")

    [params] = play(scenario).request.sent()
    text = params["text"]
    assert "ROP" in text and "pårørende" in text and "ansatte" in text
    assert "informasjon, ikke behandling" in text
    assert "Helsedirektoratet" in text
    assert params["parse_mode"] == "HTML"
    labels = [b["text"] for b in buttons(params)]
    assert "Bla i kapitlene" in labels and texts.ROLES_BUTTON in labels


def test_start_deep_link_opens_an_entry(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/start R69")
        await bot.command("/start S8_3_2")
        await bot.command("/start finnesikke")

    sent = play(scenario).request.texts()
    assert sent[0].startswith("<b>Anbefaling 69")
    assert "8.3.2" in sent[1]
    assert texts.DEEP_LINK_UNKNOWN in sent[2]


def test_start_deep_link_can_set_the_audience(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/start parorende")
        assert bot.app.chat_data[1]["audience"] == "relative"

    play(scenario)


def test_help_and_hjelp_give_examples(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/hjelp")
        await bot.command("/help")

    first, second = play(scenario).request.texts()
    assert first == second
    assert "Eksempler" in first and "/anbefaling" in first and f"@{BOT_USERNAME}" in first


def test_anbefaling_by_number(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/anbefaling 69")
        await bot.command("/anbefaling")
        await bot.command("/anbefaling 999")
        await bot.command("/anbefaling tolv")

    sent = play(scenario).request.texts()
    assert sent[0].startswith("<b>Anbefaling 69")
    assert "/anbefaling 69" in sent[1]
    assert "Anbefaling 999 finnes ikke" in sent[2]
    assert "/anbefaling 69" in sent[3]


def test_kapitler_browse_chapter_section_recommendation_and_back(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/kapitler")
        menu = bot.request.sent()[-1]
        await bot.press(button_data(menu, "8 "), menu)
        [edit] = bot.request.named("editMessageText")
        assert edit["text"].startswith("<b>Kapittel 8")
        await bot.press(button_data(edit, "8.3.2"), edit)
        section = bot.request.named("editMessageText")[-1]
        assert section["text"].startswith("<b>8.3.2")
        assert button_data(section, "«") == cb.encode(cb.CHAPTER, "8", edit=True)
        await bot.press(button_data(section, "69 "), section)
        assert bot.request.sent()[-1]["text"].startswith("<b>Anbefaling 69")
        await bot.press(button_data(section, "«"), section)
        assert bot.request.named("editMessageText")[-1]["text"].startswith("<b>Kapittel 8")
        await bot.press(button_data(edit, "«"), edit)
        assert "Kapitler" in bot.request.named("editMessageText")[-1]["text"]

    play(scenario)


def test_roller_lists_services_from_the_corpus(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/roller")
        menu = bot.request.sent()[-1]
        labels = [b["text"] for b in buttons(menu)]
        for name in ("Kommunen", "Fastlegen", "NAV", "DPS", "TSB", "Helseforetakene", "Kriminalomsorgen"):
            assert any(label.startswith(name) for label in labels), (name, labels)
        await bot.press(button_data(menu, "Fastlegen"), menu)
        screen = bot.request.named("editMessageText")[-1]
        assert "8.3.2" in screen["text"]
        await bot.press(button_data(screen, "8.3.2"), screen)
        assert bot.request.sent()[-1]["text"].startswith("<b>Roller og ansvar 8.3.2")
        await bot.press(button_data(screen, "«"), screen)
        assert bot.request.named("editMessageText")[-1]["text"].startswith("<b>Roller og ansvar")

    play(scenario)


def test_audience_switch_is_kept_per_chat(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/parorende")
        await bot.text(R69_QUESTION)
        await bot.text(R69_QUESTION, chat_id=2)
        await bot.command("/fagperson")
        await bot.text(R69_QUESTION)

    sent = play(scenario).request.sent()
    assert "enklere språk" in sent[0]["text"]
    labels = lambda p: [b["text"] for b in buttons(p)]  # noqa: E731
    assert "Fagtekst" in labels(sent[1])         # chat 1 reads the plain text
    assert "Enklere språk" in labels(sent[2])    # chat 2 is still staff
    assert "Enklere språk" in labels(sent[4])    # chat 1 switched back


def test_audience_survives_a_restart_through_the_recorder(play) -> None:
    recorder = MemoryRecorder()

    async def before(bot: Bot) -> None:
        await bot.command("/parorende")

    async def after_restart(bot: Bot) -> None:  # a new application: its chat data is empty
        await bot.text(R69_QUESTION)
        await bot.text(R69_QUESTION, chat_id=2)  # another user, never seen: the default

    play(before, recorder=recorder)
    bot = play(after_restart, recorder=recorder)
    assert [q[:2] for q in recorder.queries] == [(1, "relative"), (2, "staff")]
    first = bot.request.sent(1)[0]
    assert "Fagtekst" in [b["text"] for b in buttons(first)]  # relatives get plain language first


def test_relative_cue_switches_audience_and_sticks(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.text("sønnen min ruser seg og er psykotisk, hvem skal hjelpe ham?")
        assert bot.app.chat_data[1]["audience"] == "relative"

    play(scenario)


def test_ordliste_index_term_and_unknown(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/ordliste")
        await bot.command("/ordliste DPS")
        await bot.command("/ordliste dudti")
        await bot.command("/ordliste <b>fet</b> & sånn")

    index, dps, typo, unknown = play(scenario).request.sent()
    assert "DPS" in index["text"] and "TSB" in index["text"]
    assert dps["text"].startswith("<b>DPS")
    assert any(b["text"].startswith("DUDIT") for b in buttons(typo))
    assert "&lt;b&gt;fet&lt;/b&gt; &amp; sånn" in unknown["text"]


def test_om_shows_source_version_and_privacy(play, tg_engine: Engine) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/om")

    [params] = play(scenario).request.sent()
    text = params["text"]
    assert tg_engine.knowledge.corpus.checksum[:12] in text
    assert "IS-1948" in text and "Helsedirektoratet" in text
    assert "helsebiblioteket.no" in text
    assert "Personvern" in text and "/glem" in text


def test_glem_asks_then_forgets(play) -> None:
    recorder = MemoryRecorder()

    async def scenario(bot: Bot) -> None:
        await bot.command("/parorende")
        await bot.command("/glem")
        ask = bot.request.sent()[-1]
        assert not recorder.forgotten
        await bot.press(button_data(ask, texts.FORGET_NO), ask)
        assert texts.FORGET_CANCELLED in bot.request.named("editMessageText")[-1]["text"]
        await bot.press(button_data(ask, texts.FORGET_YES), ask)
        assert "slettet" in bot.request.named("editMessageText")[-1]["text"]
        assert "audience" not in bot.app.chat_data[1]
        touched_before = len(recorder.touched)
        await bot.press(button_data(ask, texts.FORGET_YES), ask)
        assert len(recorder.touched) == touched_before  # forgetting never re-creates the user

    play(scenario, recorder=recorder)
    assert recorder.forgotten == [1, 1]


def test_glem_without_store_says_nothing_was_stored(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/glem")
        await bot.press(button_data(bot.request.sent()[-1], texts.FORGET_YES), bot.request.sent()[-1])

    assert texts.FORGET_NOTHING in play(scenario).request.named("editMessageText")[-1]["text"]


def test_unknown_command(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.command("/finnesikke")

    assert play(scenario).request.texts() == [unknown_command_text()]


# --- free text -------------------------------------------------------------------------------


def test_free_text_answered_with_r69_and_source_link(play, tg_engine: Engine) -> None:
    recorder = MemoryRecorder()

    async def scenario(bot: Bot) -> None:
        await bot.text(R69_QUESTION)

    bot = play(scenario, recorder=recorder)
    [params] = bot.request.sent()
    source = tg_engine.knowledge.corpus.get("R69").source
    assert params["text"].startswith("<b>Anbefaling 69")
    assert f'<a href="{source}">' in params["text"]
    labels = [b["text"] for b in buttons(params)]
    assert "👍" in labels and "👎" in labels and "Hele 8.3.2" in labels and "Enklere språk" in labels
    assert recorder.queries == [(1, "staff", R69_QUESTION, "answer")]
    assert button_data(params, "👍") == cb.encode(cb.FEEDBACK, 1, "u")
    assert recorder.touched == []  # the recorded question already counts as activity


def test_a_question_that_switches_audience_also_notes_the_new_audience(play) -> None:
    recorder = MemoryRecorder()

    async def scenario(bot: Bot) -> None:
        await bot.text("jeg er pårørende, hvordan kan jeg hjelpe sønnen min?")
        await bot.text("hvilke rettigheter har jeg?")

    play(scenario, recorder=recorder)
    assert [q[1] for q in recorder.queries] == ["staff", "relative"]
    assert recorder.touched == [(1, "relative")]  # only the switch needed a separate note


def test_crisis_gives_113_first(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.text("jeg har tatt en overdose og puster dårlig")

    [params] = play(scenario).request.sent()
    visible = check_html(params["text"])
    numbers = [n for n in ("113", "116 117", "112", "116 123") if n in visible]
    assert numbers and min(numbers, key=visible.index) == "113"
    assert not any(b["text"] == "👍" for b in buttons(params))


def test_crisis_card_goes_first_on_its_own_and_the_answer_follows(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.text("han har tatt en overdose og puster ikke. hva sier retningslinjen om nalokson?")

    card, *rest = play(scenario).request.sent()
    visible = check_html(card["text"])
    assert "113" in visible.split("\n", 3)[1] or "113" in visible.split("\n", 3)[2]
    assert not buttons(card)  # nothing that could hide the numbers
    for params in rest:
        assert "Er noen i fare" not in check_html(params["text"])


def test_a_concern_message_gets_the_numbers_under_the_answer(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.text("hvordan vurderer vi selvmordsrisiko hos rop-pasienter?")

    *_, last = play(scenario).request.sent()
    assert "116 123" in check_html(last["text"]) and "113" in check_html(last["text"])


def test_user_html_is_escaped(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.text(f"<b>{R69_QUESTION}</b>")
        await bot.text("<script>alert(1)</script> & <b>hei")

    sent = play(scenario).request.texts()
    assert sent[0].startswith("<b>Anbefaling 69")
    assert all("<script" not in t for t in sent)


def test_long_reply_is_split_at_paragraphs(play, tg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    paragraph = "Et avsnitt med <tegn> & sånt som må escapes. " * 20   # ~900 characters
    long = Reply("answer", tuple(Part("body", f"{i}: {paragraph}") for i in range(12)), entry_id="R69",
                 followups=(), audience="staff")
    monkeypatch.setattr(tg_engine, "handle", lambda text, audience="staff": long)

    async def scenario(bot: Bot) -> None:
        await bot.text("hva som helst")

    sent = play(scenario).request.sent()
    assert len(sent) >= 3
    assert all(render.tg_len(p["text"]) <= 4096 for p in sent)
    assert [bool(p.get("reply_markup")) for p in sent] == [False] * (len(sent) - 1) + [True]
    joined = "\n\n".join(p["text"] for p in sent)
    assert all(f"{i}: Et avsnitt" in joined for i in range(12))
    for p in sent:  # each chunk starts at a paragraph
        assert p["text"].split(":")[0].isdigit()


def test_one_huge_paragraph_is_split_without_breaking_escapes() -> None:
    text = ("ord & <ting> " * 1000).strip()
    chunks = render.reply_chunks(Reply("answer", (Part("heading", "Tittel"), Part("body", text))))
    assert len(chunks) >= 3
    for chunk in chunks:
        assert render.tg_len(chunk) <= 4096
        check_html(chunk)
    assert "".join(check_html(c) for c in chunks).count("<ting>") == 1000


def test_5000_character_message_is_answered(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.text(("hvem følger opp den somatiske helsa? " * 140)[:5000])

    assert len(play(scenario).request.sent()) == 1


def test_edited_messages_are_not_answered_again(play) -> None:
    async def scenario(bot: Bot) -> None:
        message = bot._message(1, 1, "private", text=R69_QUESTION)
        message["edit_date"] = int(time.time())
        await bot.feed({"edited_message": message})

    assert play(scenario).request.sent() == []


# --- buttons ---------------------------------------------------------------------------------


def test_related_section_and_view_buttons(play) -> None:
    recorder = MemoryRecorder()

    async def scenario(bot: Bot) -> None:
        await bot.text(R69_QUESTION)
        answer = bot.request.sent()[-1]
        await bot.press(button_data(answer, "Enklere språk"), answer)
        plain = bot.request.named("editMessageText")[-1]
        assert "Fagtekst" in [b["text"] for b in buttons(plain)]
        assert "👍" in [b["text"] for b in buttons(plain)]  # the feedback row stays
        await bot.press(button_data(answer, "Hele 8.3.2"), answer)
        assert bot.request.sent()[-1]["text"].startswith("<b>8.3.2")
        related = next(b for b in buttons(answer) if b["callback_data"].startswith("1s|"))
        await bot.press(related["callback_data"], answer)
        assert bot.request.sent()[-1]["text"].startswith("<b>")

    play(scenario, recorder=recorder)
    assert not recorder.feedback


def test_feedback_buttons_record_the_vote_and_go_away(play) -> None:
    recorder = MemoryRecorder()

    async def scenario(bot: Bot) -> None:
        await bot.text(R69_QUESTION)
        answer = bot.request.sent()[-1]
        await bot.press(button_data(answer, "👎"), answer)

    bot = play(scenario, recorder=recorder)
    assert recorder.feedback == [(1, -1)]
    [markup] = bot.request.named("editMessageReplyMarkup")
    remaining = [b["text"] for row in markup["reply_markup"]["inline_keyboard"] for b in row]
    assert "👎" not in remaining and "Hele 8.3.2" in remaining
    [answer] = bot.request.named("answerCallbackQuery")
    assert answer["text"] == texts.FEEDBACK_THANKS_DOWN


def test_did_you_mean_choices_are_buttons(play, tg_engine: Engine) -> None:
    question = did_you_mean_question(tg_engine)

    async def scenario(bot: Bot) -> None:
        await bot.text(question)
        choices = bot.request.sent()[-1]
        show = [b for b in buttons(choices) if b["callback_data"].startswith("1s|")]
        assert 1 <= len(show) <= 3
        await bot.press(show[0]["callback_data"], choices)
        assert bot.request.sent()[-1]["text"].startswith("<b>")

    play(scenario)


@pytest.mark.parametrize("data", ["", "gammel-knapp", "2s|R69", "1s|R9999", "1x|99.9", "1q|x", "1f|abc|u",
                                  "1s|R69|ekstra", "1g*|finnesikke"])
def test_old_or_unknown_buttons_expire_kindly(play, data: str) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.press(data, {"text": "gammel melding"})

    bot = play(scenario)
    [answer] = bot.request.named("answerCallbackQuery")
    assert answer["text"] == texts.EXPIRED and answer["show_alert"] is True
    assert bot.request.sent() == [] and not bot.request.named("editMessageText")


def test_button_on_an_inaccessible_message_sends_a_new_one(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.press(cb.encode(cb.CHAPTERS, edit=True), None)

    bot = play(scenario)
    assert bot.request.sent()[-1]["chat_id"] == 1


def test_every_corpus_button_fits_in_64_bytes(tg_engine: Engine) -> None:
    corpus = tg_engine.knowledge.corpus
    screens = [views.entry(tg_engine, e.id, a, v) for e in (*corpus.entries(), *corpus.glossary)
               for a in ("staff", "relative") for v in (None, "plain", "pro")]
    screens += [views.section(tg_engine, s.number, "staff") for c in corpus.chapters for s in c.sections]
    screens += [views.chapter(tg_engine, c.number, "staff") for c in corpus.chapters]
    screens += [views.service(tg_engine, s.slug, "staff") for s in views.svc.services(corpus)]
    for screen in filter(None, screens):
        for row in (screen.keyboard.inline_keyboard if screen.keyboard else ()):
            for b in row:
                assert len(b.callback_data.encode()) <= 64
                assert cb.decode(b.callback_data) is not None, b.callback_data


def test_keyboards_serialise_exactly_as_python_telegram_bot_would(tg_engine: Engine) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
    corpus = tg_engine.knowledge.corpus
    screens = [views.entry(tg_engine, e.id, "staff") for e in corpus.entries()]
    screens += [views.chapters(tg_engine, "staff"), views.roles(tg_engine), views.start(tg_engine, "relative")]
    keyboards = [s.keyboard for s in screens if s is not None and s.keyboard is not None]
    odd = [[InlineKeyboardButton("lenke", url="https://example.org/?a=1&b=<2>")],
           [InlineKeyboardButton("app", web_app=WebAppInfo("https://example.org/app"))]]
    keyboards.append(render.keyboard(odd))
    assert len(keyboards) > 50
    for kb in keyboards:
        assert isinstance(kb, render.Keyboard)
        plain = InlineKeyboardMarkup(kb.inline_keyboard)
        assert kb.to_dict() == plain.to_dict()
        assert kb == plain and plain == kb
        assert hash(kb) == hash(plain)
        for row in kb.to_dict()["inline_keyboard"]:  # callers may change what they get, not the cache
            for b in row:
                b["text"] = "endret"
                for value in b.values():
                    if isinstance(value, dict):
                        value["url"] = "endret"
        assert kb.to_dict() == plain.to_dict()
    from telegram import LinkPreviewOptions
    assert render.NO_PREVIEW.to_dict() == LinkPreviewOptions(is_disabled=True).to_dict()
    merged = copy.copy(render.NO_PREVIEW)
    with merged._unfrozen():
        merged.show_above_text = True  # what PTB does when Defaults add options
    assert merged.to_dict() == {"is_disabled": True, "show_above_text": True}


def test_callback_codec_round_trips() -> None:
    data = cb.encode(cb.VIEW, "T-parorende-rettigheter", "p")
    assert cb.decode(data) == cb.Callback(cb.VIEW, ("T-parorende-rettigheter", "p"))
    assert cb.decode(cb.encode(cb.SECTION, "8.3.2", edit=True)).edit is True
    with pytest.raises(ValueError):
        cb.encode(cb.SHOW, "x" * 70)
    assert cb.from_action(Action("Enklere språk", Go.VIEW, "R69", "plain")) == "1v|R69|p"
    assert cb.from_action(Action("For langt", Go.SHOW, "x" * 70)) is None  # cannot fit: left out


# --- groups, non-text, inline, errors ---------------------------------------------------------


def test_groups_get_answers_only_to_commands_and_mentions(play) -> None:
    recorder = MemoryRecorder()

    async def scenario(bot: Bot) -> None:
        group = {"chat_id": -100, "user_id": 5, "chat_type": "supergroup"}
        await bot.text(R69_QUESTION, **group)
        await bot.other(sticker=STICKER, **group)
        await bot.command("/finnesikke", **group)
        await bot.command("/kapitler@annenbot", **group)
        assert bot.request.sent() == []
        await bot.command("/kapitler", **group)
        mention = f"@{BOT_USERNAME} {R69_QUESTION}"
        await bot.text(mention, entities=[{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}],
                       **group)
        await bot.command(f"/finnesikke@{BOT_USERNAME}", **group)

    bot = play(scenario, recorder=recorder)
    chapters, answer, unknown = bot.request.sent()
    assert "Kapitler" in chapters["text"]
    assert answer["text"].startswith("<b>Anbefaling 69") and answer["reply_parameters"]["message_id"]
    assert unknown["text"] == unknown_command_text()
    assert recorder.queries == [(5, "staff", R69_QUESTION, "answer")]
    assert {u for u, _ in recorder.touched} == {5}


STICKER = {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": False,
           "is_video": False, "type": "regular"}


@pytest.mark.parametrize("fields", [
    {"sticker": STICKER},
    {"photo": [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90}], "caption": "hva er dette?"},
    {"voice": {"file_id": "v1", "file_unique_id": "vu1", "duration": 3}},
    {"document": {"file_id": "d1", "file_unique_id": "du1", "file_name": "a.pdf"}},
    {"location": {"latitude": 59.9, "longitude": 10.7}},
])
def test_non_text_messages_get_a_short_hint(play, fields: dict[str, Any]) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.other(**fields)

    assert play(scenario).request.texts() == [texts.NON_TEXT]


def test_documents_from_admins_are_left_to_admin_handlers(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.other(chat_id=ADMIN_ID, document={"file_id": "d1", "file_unique_id": "du1", "file_name": "k.yaml"})

    assert play(scenario).request.sent() == []


def test_extra_handlers_take_precedence_over_catch_alls(play) -> None:
    from telegram.ext import CommandHandler

    seen: list[str] = []

    async def admin(update: Update, context: Any) -> None:
        seen.append(update.effective_message.text)

    def extra(app: Any) -> None:
        app.add_handler(CommandHandler("admin", admin))

    async def scenario(bot: Bot) -> None:
        await bot.command("/admin status")

    bot = play(scenario, extra_handlers=extra)
    assert seen == ["/admin status"] and bot.request.sent() == []


def test_inline_mode_returns_up_to_ten_answers(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.inline(R69_QUESTION)
        await bot.inline("")
        await bot.inline("jeg har tatt en overdose og puster dårlig")

    answer, empty, crisis = play(scenario).request.named("answerInlineQuery")
    assert 1 <= len(answer["results"]) <= 10
    assert answer["results"][0]["id"] == "R69"
    content = answer["results"][0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and content["message_text"].startswith("<b>Anbefaling 69")
    check_html(content["message_text"])
    assert empty["results"] == [] and empty["button"]["start_parameter"] == "inline"
    assert "113" in crisis["results"][0]["input_message_content"]["message_text"]


def test_error_handler_logs_apologises_and_keeps_running(play, monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    real = views.ask
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("invalid literal for int(): '01019012345'")  # a message that quotes the user
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "ask", flaky)

    async def scenario(bot: Bot) -> None:
        await bot.text(R69_QUESTION)
        await bot.text(R69_QUESTION)

    with caplog.at_level("DEBUG"):
        sent = play(scenario).request.texts()
    assert sent[0] == texts.ERROR
    assert sent[1].startswith("<b>Anbefaling 69")
    record = next(r for r in caplog.records if r.name == "ropbot.telegram.handlers")
    assert "ValueError" in record.getMessage() and record.exc_info is None
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "01019012345" not in logged


def test_a_failing_store_never_costs_the_answer(play) -> None:
    class Broken(MemoryRecorder):
        def record_query(self, *args: Any) -> int | None:
            raise OSError("disk full")

        def touch_user(self, *args: Any) -> None:
            raise OSError("disk full")

    async def scenario(bot: Bot) -> None:
        await bot.text(R69_QUESTION)

    [params] = play(scenario, recorder=Broken()).request.sent()
    assert params["text"].startswith("<b>Anbefaling 69")
    assert button_data(params, "👍") == cb.encode(cb.FEEDBACK, "-", "u")


# --- deployment ------------------------------------------------------------------------------


def test_webhook_mode_requires_the_secret_token(tg_live: LiveKnowledge, tg_engine: Engine) -> None:
    import socket

    import httpx

    from ropbot.telegram.app import webhook_params

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bot = Bot(tg_live, tg_engine)
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:TEST", "ROPBOT_PORT": str(port),
                                  "ROPBOT_WEBHOOK_URL": "https://ropbot.example.no/telegram/hook",
                                  "ROPBOT_WEBHOOK_SECRET": "s3cret-token", "ROPBOT_LISTEN": "127.0.0.1"})
    params = webhook_params(settings)
    assert params["listen"] == "127.0.0.1" and params["url_path"] == "telegram/hook" and params["secret_token"] == "s3cret-token"
    update = {"update_id": 1, "message": {"message_id": 1, "date": int(time.time()), "text": "anbefaling 69",
                                          "chat": {"id": 9, "type": "private"},
                                          "from": {"id": 9, "is_bot": False, "first_name": "Kari"}}}

    async def scenario() -> None:
        await bot.app.initialize()
        await bot.app.updater.start_webhook(**params)
        await bot.app.start()
        try:
            url = f"http://127.0.0.1:{port}/telegram/hook"
            async with httpx.AsyncClient() as client:
                wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
                right = await client.post(url, json=update,
                                          headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert wrong.status_code == 403 and right.status_code == 200
            for _ in range(100):
                if bot.request.sent():
                    break
                await asyncio.sleep(0.02)
        finally:
            await bot.app.updater.stop()
            await bot.app.stop()
            await bot.app.shutdown()

    asyncio.run(scenario())
    [hook] = bot.request.named("setWebhook")
    assert hook["url"] == "https://ropbot.example.no/telegram/hook" and hook["secret_token"] == "s3cret-token"
    [reply] = bot.request.sent()
    assert reply["text"].startswith("<b>Anbefaling 69")


def test_webhook_secret_is_random_when_unset_and_checked_when_set() -> None:
    from ropbot.telegram.app import webhook_params

    base = {"TELEGRAM_BOT_TOKEN": "1:x", "ROPBOT_WEBHOOK_URL": "https://h.example/hook"}
    first = webhook_params(Settings.from_env(base))
    second = webhook_params(Settings.from_env(base))
    assert first["secret_token"] != second["secret_token"] and len(first["secret_token"]) >= 32
    assert first["listen"] == "0.0.0.0" and first["port"] == 8443
    with pytest.raises(ValueError):
        webhook_params(Settings.from_env({**base, "ROPBOT_WEBHOOK_SECRET": "has spaces"}))


def test_run_telegram_without_token_refuses() -> None:
    from ropbot.telegram.app import run_telegram

    assert run_telegram(Settings.from_env({})) == 2


def test_per_chat_processor_keeps_order_within_a_chat() -> None:
    from ropbot.telegram.app import PerChatUpdateProcessor

    order: list[tuple[int, int]] = []

    async def work(chat: int, n: int, delay: float) -> None:
        await asyncio.sleep(delay)
        order.append((chat, n))

    def update(chat: int) -> Update:
        return Update.de_json({"update_id": 1, "message": {
            "message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "text": "x"}}, None)

    async def main() -> None:
        processor = PerChatUpdateProcessor(16)
        await asyncio.gather(processor.process_update(update(1), work(1, 1, 0.05)),
                             processor.process_update(update(1), work(1, 2, 0.0)),
                             processor.process_update(update(2), work(2, 1, 0.0)))
        assert not processor._locks  # no lock is kept for idle chats

    asyncio.run(main())
    assert order.index((1, 1)) < order.index((1, 2))
    assert order[0] == (2, 1)  # another chat is not held up


def test_commands_telegram_cannot_parse_still_work(play) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.text("/pårørende", entities=[{"type": "bot_command", "offset": 0, "length": 2}])
        assert bot.app.chat_data[1]["audience"] == "relative"
        await bot.command("/anbefaling69")

    sent = play(scenario).request.texts()
    assert "enklere språk" in sent[0]
    assert sent[1].startswith("<b>Anbefaling 69")


def test_digits_that_int_rejects_get_the_usage(play) -> None:
    """«²» and «①» are digits to str.isdigit() but not to int(): usage, not a crash."""
    async def scenario(bot: Bot) -> None:
        await bot.command("/anbefaling ²")
        await bot.command("/anbefaling ①")
        await bot.command("/start ²")

    sent = play(scenario).request.texts()
    assert sent[0] == sent[1] and sent[0].startswith("Skriv nummeret")  # the usage, not an apology
    assert len(sent) >= 3 and texts.ERROR not in sent


def test_a_flood_gets_one_notice_and_never_loses_a_crisis_card(play) -> None:
    """Issue 13, item 2: a per-user limit with a kind reply; other chats are unaffected."""
    from ropbot.telegram.handlers import RATE_MAX

    async def scenario(bot: Bot) -> None:
        for n in range(RATE_MAX + 10):
            await bot.text(f"{R69_QUESTION} {n}", chat_id=5)
        await bot.text("jeg har tatt alle pillene mine og vil dø nå", chat_id=5)
        await bot.text(R69_QUESTION, chat_id=6)

    bot = play(scenario)
    flood = [p["text"] for p in bot.request.sent(5)]
    assert sum(t == texts.SLOW_DOWN for t in flood) == 1
    assert len(flood) <= RATE_MAX + 1 + 2  # the answers, one notice, the card
    assert "113" in flood[-1] and "Er noen i fare" in flood[-1]
    assert bot.request.sent(6)[0]["text"].startswith("<b>Anbefaling 69")


def test_a_flood_through_the_update_queue_does_not_hold_other_chats(tg_live, tg_engine) -> None:
    """Issue 13, item 2: 300 queued messages from one chat (more than the 256 handled at once),
    then one from another chat. Flooded messages are dropped without waiting on the network, so
    without a turn of the loop per update they ran back to back, and the other chat waited for
    all of them; waiting updates also held the 256 slots."""
    from telegram.ext import TypeHandler

    order: list[int] = []

    async def scenario() -> None:
        bot = Bot(tg_live, tg_engine)
        bot.app.add_handler(TypeHandler(Update, lambda u, c: order.append(u.effective_chat.id)), group=-10)
        await bot.app.initialize()
        await bot.app.start()
        try:
            for n in range(300):
                bot.app.update_queue.put_nowait(Update.de_json({"update_id": n + 1, "message": bot._message(
                    5, 5, "private", text=f"{'flom ' * 800}{n}")}, bot.app.bot))
            bot.app.update_queue.put_nowait(Update.de_json(
                {"update_id": 999, "message": bot._message(6, 6, "private", text=R69_QUESTION)}, bot.app.bot))
            await asyncio.wait_for(bot.app.update_queue.join(), timeout=60)
        finally:
            await bot.app.stop()
            await bot.app.shutdown()

    asyncio.run(scenario())
    assert len(order) == 301
    assert order.index(6) < 10, f"the other chat was handled after {order.index(6)} flooded messages"
