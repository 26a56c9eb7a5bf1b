"""Floods (issue 13, item 2): a per-user limit with one kind notice, crisis cards that always get
through, and a flooded chat that never holds the others up."""
from __future__ import annotations

import asyncio

from probes import R69_QUESTION
from telegram import Update
from telegram.ext import TypeHandler

from ropbot.telegram import texts
from ropbot.telegram.app import PerChatUpdateProcessor
from ropbot.telegram.handlers import RATE_MAX
from ropbot.telegram.testing import FakeBot


async def test_a_flood_gets_one_notice_and_never_loses_a_crisis_card(bot: FakeBot) -> None:
    """A per-user limit with a kind reply; other chats are unaffected."""
    for n in range(RATE_MAX + 10):
        await bot.text(f"{R69_QUESTION} {n}", chat_id=5)
    await bot.text("jeg har tatt alle pillene mine og vil dø nå", chat_id=5)
    await bot.text(R69_QUESTION, chat_id=6)
    flood = bot.request.texts(5)
    assert sum(t == texts.SLOW_DOWN for t in flood) == 1
    assert len(flood) <= RATE_MAX + 1 + 2  # the answers, one notice, the card
    assert "113" in flood[-1] and "Er noen i fare" in flood[-1]
    assert bot.request.sent(6)[0]["text"].startswith("<b>Anbefaling 69")


async def test_a_flood_through_the_update_queue_does_not_hold_other_chats(bot: FakeBot) -> None:
    """300 queued messages from one chat (more than the 256 handled at once), then one from
    another chat. Flooded messages are dropped without waiting on the network, so without a turn
    of the loop per update they ran back to back, and the other chat waited for all of them;
    waiting updates also held the 256 slots."""
    order: list[int] = []
    bot.app.add_handler(TypeHandler(Update, lambda u, c: order.append(u.effective_chat.id)), group=-10)
    await bot.app.start()
    try:
        for n in range(300):
            bot.app.update_queue.put_nowait(bot.parse(bot.updates.text(f"{'flom ' * 800}{n}", chat_id=5)))
        bot.app.update_queue.put_nowait(bot.parse(bot.updates.text(R69_QUESTION, chat_id=6)))
        await asyncio.wait_for(bot.app.update_queue.join(), timeout=60)
    finally:
        await bot.app.stop()
    assert len(order) == 301
    assert order.index(6) < 10, f"the other chat was handled after {order.index(6)} flooded messages"


async def test_per_chat_processor_keeps_order_within_a_chat() -> None:
    order: list[tuple[int, int]] = []

    async def work(chat: int, n: int, delay: float) -> None:
        await asyncio.sleep(delay)
        order.append((chat, n))

    def update(chat: int) -> Update:
        return Update.de_json({"update_id": 1, "message": {
            "message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "text": "x"}}, None)

    processor = PerChatUpdateProcessor(16)
    await asyncio.gather(processor.process_update(update(1), work(1, 1, 0.05)),
                         processor.process_update(update(1), work(1, 2, 0.0)),
                         processor.process_update(update(2), work(2, 1, 0.0)))
    assert not processor._locks  # no lock is kept for idle chats
    assert order.index((1, 1)) < order.index((1, 2))
    assert order[0] == (2, 1)  # another chat is not held up
