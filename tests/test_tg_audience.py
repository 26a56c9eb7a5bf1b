"""Staff or relative: switched by command, deep link or a cue in a question, kept per chat and
across restarts through the recorder."""
from __future__ import annotations

from probes import R69_QUESTION

from ropbot.telegram.testing import FakeBot, MemoryRecorder, StartBot, labels


async def test_start_deep_link_can_set_the_audience(bot: FakeBot) -> None:
    await bot.command("/start parorende")
    assert bot.app.chat_data[1]["audience"] == "relative"


async def test_audience_switch_is_kept_per_chat(bot: FakeBot) -> None:
    await bot.command("/parorende")
    await bot.text(R69_QUESTION)
    await bot.text(R69_QUESTION, chat_id=2)
    await bot.command("/fagperson")
    await bot.text(R69_QUESTION)
    sent = bot.request.sent()
    assert "enklere språk" in sent[0]["text"]
    assert "Fagtekst" in labels(sent[1])         # chat 1 reads the plain text
    assert "Enklere språk" in labels(sent[2])    # chat 2 is still staff
    assert "Enklere språk" in labels(sent[4])    # chat 1 switched back


async def test_audience_survives_a_restart_through_the_recorder(start_bot: StartBot, recorder: MemoryRecorder) -> None:
    before = await start_bot(recorder=recorder)
    await before.command("/parorende")
    await before.stop()
    after = await start_bot(recorder=recorder)  # a new application: its chat data is empty
    await after.text(R69_QUESTION)
    await after.text(R69_QUESTION, chat_id=2)  # another user, never seen: the default
    assert [q[:2] for q in recorder.queries] == [(1, "relative"), (2, "staff")]
    first = after.request.sent(1)[0]
    assert "Fagtekst" in labels(first)  # relatives get plain language first


async def test_relative_cue_switches_audience_and_sticks(bot: FakeBot) -> None:
    await bot.text("sønnen min ruser seg og er psykotisk, hvem skal hjelpe ham?")
    assert bot.app.chat_data[1]["audience"] == "relative"
    await bot.text(R69_QUESTION)  # no cue in it: the chat stays with relatives
    assert "Fagtekst" in labels(bot.request.sent()[-1])


async def test_a_question_that_switches_audience_also_notes_the_new_audience(start_bot,
                                                                            recorder: MemoryRecorder) -> None:
    bot = await start_bot(recorder=recorder)
    await bot.text("jeg er pårørende, hvordan kan jeg hjelpe sønnen min?")
    await bot.text("hvilke rettigheter har jeg?")
    assert [q[1] for q in recorder.queries] == ["staff", "relative"]
    assert recorder.touched == [(1, "relative")]  # only the switch needed a separate note
