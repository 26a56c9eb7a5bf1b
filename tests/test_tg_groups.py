"""Group chats: the bot speaks only when addressed, by command or by mention."""
from __future__ import annotations

from probes import R69_QUESTION

from ropbot.telegram import texts
from ropbot.telegram.testing import BOT, GROUP_ID, MemoryRecorder, StartBot

STICKER = {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": False,
           "is_video": False, "type": "regular"}


async def test_groups_get_answers_only_to_commands_and_mentions(start_bot: StartBot,
                                                                recorder: MemoryRecorder) -> None:
    bot = await start_bot(recorder=recorder)
    group = {"chat_id": GROUP_ID, "user_id": 5, "chat_type": "supergroup"}
    await bot.text(R69_QUESTION, **group)
    await bot.other(sticker=STICKER, **group)
    await bot.command("/finnesikke", **group)
    await bot.command("/kapitler@annenbot", **group)
    assert bot.request.sent() == []
    await bot.command("/kapitler", **group)
    username = BOT["username"]
    mention = f"@{username} {R69_QUESTION}"
    await bot.text(mention, entities=[{"type": "mention", "offset": 0, "length": len(username) + 1}], **group)
    await bot.command(f"/finnesikke@{username}", **group)
    chapters, answer, unknown = bot.request.sent()
    assert all(int(p["chat_id"]) == GROUP_ID for p in (chapters, answer, unknown))
    assert "Kapitler" in chapters["text"]
    assert answer["text"].startswith("<b>Anbefaling 69") and answer["reply_parameters"]["message_id"]
    assert unknown["text"] == texts.UNKNOWN_COMMAND
    assert recorder.queries == [(5, "staff", R69_QUESTION, "answer")]
    assert {u for u, _ in recorder.touched} == {5}
    # The control: in a private chat the same three are all answered, so the group's silence
    # above is the group filter, not updates that no handler would take.
    await bot.text(R69_QUESTION, user_id=5)
    await bot.other(sticker=STICKER, user_id=5)
    await bot.command("/finnesikke", user_id=5)
    assert len(bot.request.sent(5)) == 3

