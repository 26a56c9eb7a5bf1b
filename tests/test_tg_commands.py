"""Telegram commands: the menu, /start and its deep links, /hjelp, /anbefaling, /ordliste, /om,
unknown commands and commands Telegram itself cannot parse."""
from __future__ import annotations

from ropbot.engine import Engine
from ropbot.telegram import texts
from ropbot.telegram.testing import BOT, FakeBot, buttons, labels


async def test_commands_are_registered_in_norwegian(bot: FakeBot) -> None:
    await bot.app.post_init(bot.app)
    [params] = bot.request.named("setMyCommands")
    names = [c["command"] for c in params["commands"]]
    assert names == ["start", "hjelp", "anbefaling", "kapitler", "roller", "parorende", "fagperson",
                     "ordliste", "om", "glem"]
    assert all(c["description"] for c in params["commands"])


async def test_set_my_commands_failure_does_not_stop_the_bot(bot: FakeBot) -> None:
    bot.request.fail["setMyCommands"] = (500, "Internal")
    await bot.app.post_init(bot.app)
    await bot.command("/start")
    assert len(bot.request.sent()) == 1


async def test_start_says_what_and_for_whom_and_credits(bot: FakeBot) -> None:
    await bot.command("/start")
    [params] = bot.request.sent()
    text = params["text"]
    assert "ROP" in text and "pårørende" in text and "ansatte" in text
    assert "informasjon, ikke behandling" in text
    assert "Helsedirektoratet" in text
    assert params["parse_mode"] == "HTML"
    assert "Bla i kapitlene" in labels(params) and texts.ROLES_BUTTON in labels(params)


async def test_start_deep_link_opens_an_entry(bot: FakeBot) -> None:
    await bot.command("/start R69")
    await bot.command("/start S8_3_2")
    await bot.command("/start finnesikke")
    sent = bot.request.texts()
    assert sent[0].startswith("<b>Anbefaling 69")
    assert "8.3.2" in sent[1]
    assert texts.DEEP_LINK_UNKNOWN in sent[2]


async def test_help_and_hjelp_give_examples(bot: FakeBot) -> None:
    await bot.command("/hjelp")
    await bot.command("/help")
    first, second = bot.request.texts()
    assert first == second
    assert "Eksempler" in first and "/anbefaling" in first and f"@{BOT['username']}" in first


async def test_anbefaling_by_number(bot: FakeBot) -> None:
    await bot.command("/anbefaling 69")
    await bot.command("/anbefaling")
    await bot.command("/anbefaling 999")
    await bot.command("/anbefaling tolv")
    sent = bot.request.texts()
    assert sent[0].startswith("<b>Anbefaling 69")
    assert "/anbefaling 69" in sent[1]
    assert "Anbefaling 999 finnes ikke" in sent[2]
    assert "/anbefaling 69" in sent[3]


async def test_ordliste_index_term_and_unknown(bot: FakeBot) -> None:
    await bot.command("/ordliste")
    await bot.command("/ordliste DPS")
    await bot.command("/ordliste dudti")
    await bot.command("/ordliste <b>fet</b> & sånn")
    index, dps, typo, unknown = bot.request.sent()
    assert "DPS" in index["text"] and "TSB" in index["text"]
    assert dps["text"].startswith("<b>DPS")
    assert any(b["text"].startswith("DUDIT") for b in buttons(typo))
    assert "&lt;b&gt;fet&lt;/b&gt; &amp; sånn" in unknown["text"]


async def test_om_shows_source_version_and_privacy(bot: FakeBot, engine: Engine) -> None:
    await bot.command("/om")
    [params] = bot.request.sent()
    text = params["text"]
    assert engine.knowledge.corpus.checksum[:12] in text
    assert "IS-1948" in text and "Helsedirektoratet" in text
    assert "helsebiblioteket.no" in text
    assert "Personvern" in text and "/glem" in text


async def test_unknown_command(bot: FakeBot) -> None:
    await bot.command("/finnesikke")
    assert bot.request.texts() == [texts.UNKNOWN_COMMAND]


async def test_commands_telegram_cannot_parse_still_work(bot: FakeBot) -> None:
    await bot.text("/pårørende", entities=[{"type": "bot_command", "offset": 0, "length": 2}])
    assert bot.app.chat_data[1]["audience"] == "relative"
    await bot.command("/anbefaling69")
    sent = bot.request.texts()
    assert "enklere språk" in sent[0]
    assert sent[1].startswith("<b>Anbefaling 69")


async def test_digits_that_int_rejects_get_the_usage(bot: FakeBot) -> None:
    """«²» and «①» are digits to str.isdigit() but not to int(): usage, not a crash."""
    await bot.command("/anbefaling ²")
    await bot.command("/anbefaling ①")
    await bot.command("/start ²")
    sent = bot.request.texts()
    assert sent[0] == sent[1] and sent[0].startswith("Skriv nummeret")  # the usage, not an apology
    assert len(sent) >= 3 and texts.ERROR not in sent
