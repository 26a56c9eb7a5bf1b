"""Buttons: browsing chapters and roles, an answer's view, section and feedback buttons,
did-you-mean choices, old or forged buttons, and the 64-byte callback data limit."""
from __future__ import annotations

import copy

import pytest
from probes import R69_QUESTION, did_you_mean_question

from ropbot.engine import Engine
from ropbot.reply import Action, Go
from ropbot.telegram import callbacks as cb
from ropbot.telegram import render, texts, views
from ropbot.telegram.testing import FakeBot, MemoryRecorder, StartBot, button_data, buttons, labels


async def test_kapitler_browse_chapter_section_recommendation_and_back(bot: FakeBot) -> None:
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


async def test_roller_lists_services_from_the_corpus(bot: FakeBot) -> None:
    await bot.command("/roller")
    menu = bot.request.sent()[-1]
    shown = labels(menu)
    for name in ("Kommunen", "Fastlegen", "NAV", "DPS", "TSB", "Helseforetakene", "Kriminalomsorgen"):
        assert any(label.startswith(name) for label in shown), (name, shown)
    await bot.press(button_data(menu, "Fastlegen"), menu)
    screen = bot.request.named("editMessageText")[-1]
    assert "8.3.2" in screen["text"]
    await bot.press(button_data(screen, "8.3.2"), screen)
    assert bot.request.sent()[-1]["text"].startswith("<b>Roller og ansvar 8.3.2")
    await bot.press(button_data(screen, "«"), screen)
    assert bot.request.named("editMessageText")[-1]["text"].startswith("<b>Roller og ansvar")


async def test_related_section_and_view_buttons(start_bot: StartBot, recorder: MemoryRecorder) -> None:
    bot = await start_bot(recorder=recorder)
    await bot.text(R69_QUESTION)
    answer = bot.request.sent()[-1]
    await bot.press(button_data(answer, "Enklere språk"), answer)
    plain = bot.request.named("editMessageText")[-1]
    assert "Fagtekst" in labels(plain)
    assert "👍" in labels(plain)  # the feedback row stays
    await bot.press(button_data(answer, "Hele 8.3.2"), answer)
    assert bot.request.sent()[-1]["text"].startswith("<b>8.3.2")
    related = next(b for b in buttons(answer) if b["callback_data"].startswith("1s|"))
    before = len(bot.request.sent())  # the section above starts with <b> too: look only at what is new
    await bot.press(related["callback_data"], answer)
    [shown] = bot.request.sent()[before:]
    assert shown["text"].startswith("<b>")
    assert not recorder.feedback


async def test_feedback_buttons_record_the_vote_and_go_away(start_bot: StartBot, recorder: MemoryRecorder) -> None:
    bot = await start_bot(recorder=recorder)
    await bot.text(R69_QUESTION)
    answer = bot.request.sent()[-1]
    await bot.press(button_data(answer, "👎"), answer)
    assert recorder.feedback == [(1, -1)]
    [markup] = bot.request.named("editMessageReplyMarkup")
    remaining = [b["text"] for row in markup["reply_markup"]["inline_keyboard"] for b in row]
    assert "👎" not in remaining and "Hele 8.3.2" in remaining
    [toast] = bot.request.named("answerCallbackQuery")
    assert toast["text"] == texts.FEEDBACK_THANKS_DOWN


async def test_did_you_mean_choices_are_buttons(bot: FakeBot, engine: Engine) -> None:
    await bot.text(did_you_mean_question(engine))
    choices = bot.request.sent()[-1]
    show = [b for b in buttons(choices) if b["callback_data"].startswith("1s|")]
    assert 1 <= len(show) <= 3
    await bot.press(show[0]["callback_data"], choices)
    assert bot.request.sent()[-1]["text"].startswith("<b>")


@pytest.mark.parametrize("data", ["", "gammel-knapp", "2s|R69", "1s|R9999", "1x|99.9", "1q|x", "1f|abc|u",
                                  "1s|R69|ekstra", "1g*|finnesikke"])
async def test_old_or_unknown_buttons_expire_kindly(bot: FakeBot, data: str) -> None:
    await bot.press(data, {"text": "gammel melding"})
    [answer] = bot.request.named("answerCallbackQuery")
    assert answer["text"] == texts.EXPIRED and answer["show_alert"] is True
    assert bot.request.sent() == [] and not bot.request.named("editMessageText")


async def test_button_on_an_inaccessible_message_sends_a_new_one(bot: FakeBot) -> None:
    await bot.press(cb.encode(cb.CHAPTERS, edit=True), accessible=False)
    [params] = bot.request.sent()
    assert params["chat_id"] == 1 and "Kapitler" in params["text"]
    assert not bot.request.named("editMessageText")  # there is nothing Telegram would let it edit


def test_every_corpus_button_fits_in_64_bytes(engine: Engine) -> None:
    corpus = engine.knowledge.corpus
    screens = [views.entry(engine, e.id, a, v) for e in (*corpus.entries(), *corpus.glossary)
               for a in ("staff", "relative") for v in (None, "plain", "pro")]
    screens += [views.section(engine, s.number, "staff") for c in corpus.chapters for s in c.sections]
    screens += [views.chapter(engine, c.number, "staff") for c in corpus.chapters]
    screens += [views.service(engine, s.slug, "staff")
                for s in engine.knowledge.services()]
    checked = 0
    for screen in filter(None, screens):
        for row in (screen.keyboard.inline_keyboard if screen.keyboard else ()):
            for b in row:
                assert len(b.callback_data.encode()) <= 64
                assert cb.decode(b.callback_data) is not None, b.callback_data
                checked += 1
    assert checked > len(screens)  # the loops above ran over real keyboards, several buttons each


def test_keyboards_serialise_exactly_as_python_telegram_bot_would(engine: Engine) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, WebAppInfo

    corpus = engine.knowledge.corpus
    screens = [views.entry(engine, e.id, "staff") for e in corpus.entries()]
    screens += [views.chapters(engine, "staff"), views.roles(engine), views.start(engine, "relative")]
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
