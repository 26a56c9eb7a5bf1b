"""Typed questions: the answer with its source and buttons, what is recorded, escaping, long
replies split for Telegram, and answers that survive a failing store."""
from __future__ import annotations

from typing import Any

import pytest
from probes import R69_QUESTION

from ropbot.engine import Engine
from ropbot.reply import Part, Reply
from ropbot.telegram import callbacks as cb
from ropbot.telegram import render
from ropbot.telegram.testing import FakeBot, MemoryRecorder, StartBot, button_data, check_html, labels


async def test_free_text_answered_with_r69_and_source_link(start_bot: StartBot, recorder: MemoryRecorder,
                                                           engine: Engine) -> None:
    bot = await start_bot(recorder=recorder)
    await bot.text(R69_QUESTION)
    [params] = bot.request.sent()
    source = engine.knowledge.corpus.get("R69").source
    assert params["text"].startswith("<b>Anbefaling 69")
    assert f'<a href="{source}">' in params["text"]
    shown = labels(params)
    assert "👍" in shown and "👎" in shown and "Hele 8.3.2" in shown and "Enklere språk" in shown
    assert recorder.queries == [(1, "staff", R69_QUESTION, "answer")]
    assert button_data(params, "👍") == cb.encode(cb.FEEDBACK, 1, "u")
    assert recorder.touched == []  # the recorded question already counts as activity


async def test_user_html_is_escaped(bot: FakeBot) -> None:
    await bot.text(f"<b>{R69_QUESTION}</b>")
    await bot.text("<script>alert(1)</script> & <b>hei")
    sent = bot.request.texts()
    assert sent[0].startswith("<b>Anbefaling 69")
    assert all("<script" not in t for t in sent)


async def test_long_reply_is_split_at_paragraphs(bot: FakeBot, engine: Engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    paragraph = "Et avsnitt med <tegn> & sånt som må escapes. " * 20   # ~900 characters
    long = Reply("answer", tuple(Part("body", f"{i}: {paragraph}") for i in range(12)), entry_id="R69",
                 followups=(), audience="staff")
    monkeypatch.setattr(engine, "handle", lambda text, audience="staff": long)
    await bot.text("hva som helst")
    sent = bot.request.sent()
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


async def test_5000_character_message_is_answered(bot: FakeBot) -> None:
    await bot.text(("hvem følger opp den somatiske helsa? " * 140)[:5000])
    assert len(bot.request.sent()) == 1


async def test_edited_messages_are_not_answered_again(bot: FakeBot) -> None:
    await bot.edit(R69_QUESTION)
    assert bot.request.sent() == []
    await bot.text(R69_QUESTION)  # the same text as a new message is answered
    assert len(bot.request.sent()) == 1


async def test_a_failing_store_never_costs_the_answer(start_bot: StartBot) -> None:
    class Broken(MemoryRecorder):
        def record_query(self, *args: Any) -> int | None:
            raise OSError("disk full")

        def touch_user(self, *args: Any) -> None:
            raise OSError("disk full")

    bot = await start_bot(recorder=Broken())
    await bot.text(R69_QUESTION)
    [params] = bot.request.sent()
    assert params["text"].startswith("<b>Anbefaling 69")
    assert button_data(params, "👍") == cb.encode(cb.FEEDBACK, "-", "u")
