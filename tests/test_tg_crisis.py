"""Crisis messages in Telegram: the emergency numbers first, on a card of their own, and the
support numbers under answers about suicide risk."""
from __future__ import annotations

from probes import R69_QUESTION

from ropbot.telegram.testing import FakeBot, buttons, check_html


async def test_crisis_gives_113_first(bot: FakeBot) -> None:
    await bot.text("jeg har tatt en overdose og puster dårlig")
    [params] = bot.request.sent()
    visible = check_html(params["text"])
    numbers = [n for n in ("113", "116 117", "112", "116 123") if n in visible]
    assert numbers and min(numbers, key=visible.index) == "113"
    assert not any(b["text"] == "👍" for b in buttons(params))


async def test_crisis_card_goes_first_on_its_own_and_the_answer_follows(bot: FakeBot) -> None:
    await bot.text(f"han har tatt en overdose og puster ikke. {R69_QUESTION}", chat_id=1)
    card, *rest = bot.request.sent(1)
    visible = check_html(card["text"])
    assert "113" in visible.split("\n", 3)[1] or "113" in visible.split("\n", 3)[2]
    assert not buttons(card)  # nothing that could hide the numbers
    assert [p["text"].count("Anbefaling 69") > 0 for p in rest] == [True]  # the answer, under the card
    for params in rest:
        assert "Er noen i fare" not in check_html(params["text"])
    # What the guideline cannot answer adds nothing under the card (no fallback to read past).
    await bot.text("han har tatt en overdose og puster ikke. hva sier retningslinjen om nalokson?", chat_id=2)
    [card] = bot.request.sent(2)
    assert "Er noen i fare" in check_html(card["text"]) and not buttons(card)


async def test_a_concern_message_gets_the_numbers_under_the_answer(bot: FakeBot) -> None:
    await bot.text("hvordan vurderer vi selvmordsrisiko hos rop-pasienter?")
    *_, last = bot.request.sent()
    assert "116 123" in check_html(last["text"]) and "113" in check_html(last["text"])
