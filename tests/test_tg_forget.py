"""/glem: the bot asks first, then erases what the store holds about the user."""
from __future__ import annotations

from ropbot.telegram import texts
from ropbot.telegram.testing import FakeBot, MemoryRecorder, StartBot, button_data


async def test_glem_asks_then_forgets(start_bot: StartBot, recorder: MemoryRecorder) -> None:
    bot = await start_bot(recorder=recorder)
    await bot.command("/parorende")
    await bot.command("/glem")
    ask = bot.request.sent()[-1]
    assert not recorder.forgotten
    await bot.press(button_data(ask, texts.FORGET_NO), ask)
    assert bot.request.named("editMessageText")[-1]["text"] == texts.FORGET_CANCELLED
    assert not recorder.forgotten
    await bot.press(button_data(ask, texts.FORGET_YES), ask)
    # FORGET_CANCELLED says «slettet» too: only the whole text tells erasing from cancelling.
    before, after = texts.FORGET_DONE.split("{count}")
    done = bot.request.named("editMessageText")[-1]["text"]
    assert done.startswith(before) and done.endswith(after)
    assert "audience" not in bot.app.chat_data[1]
    touched_before = len(recorder.touched)
    await bot.press(button_data(ask, texts.FORGET_YES), ask)
    assert len(recorder.touched) == touched_before  # forgetting never re-creates the user
    assert recorder.forgotten == [1, 1]


async def test_glem_without_store_says_nothing_was_stored(bot: FakeBot) -> None:
    await bot.command("/glem")
    await bot.press(button_data(bot.request.sent()[-1], texts.FORGET_YES), bot.request.sent()[-1])
    assert texts.FORGET_NOTHING in bot.request.named("editMessageText")[-1]["text"]
