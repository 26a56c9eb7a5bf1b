"""Updates that are not typed questions: stickers, photos and other non-text messages, admins'
documents, and inline queries."""
from __future__ import annotations

from typing import Any

import pytest
from probes import R69_QUESTION

from ropbot.telegram import texts
from ropbot.telegram.testing import ADMIN_ID, FakeBot, check_html

STICKER = {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": False,
           "is_video": False, "type": "regular"}


@pytest.mark.parametrize("fields", [
    {"sticker": STICKER},
    {"photo": [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90}], "caption": "hva er dette?"},
    {"voice": {"file_id": "v1", "file_unique_id": "vu1", "duration": 3}},
    {"document": {"file_id": "d1", "file_unique_id": "du1", "file_name": "a.pdf"}},
    {"location": {"latitude": 59.9, "longitude": 10.7}},
])
async def test_non_text_messages_get_a_short_hint(bot: FakeBot, fields: dict[str, Any]) -> None:
    await bot.other(**fields)
    assert bot.request.texts() == [texts.NON_TEXT]


async def test_documents_from_admins_are_left_to_admin_handlers(bot: FakeBot) -> None:
    await bot.document("k.yaml", b"glossary: []\n", chat_id=ADMIN_ID)
    assert bot.request.sent() == []
    await bot.document("k.yaml", b"glossary: []\n", chat_id=ADMIN_ID + 1)  # anyone else: the hint
    assert bot.request.texts() == [texts.NON_TEXT]


async def test_inline_mode_returns_up_to_ten_answers(bot: FakeBot) -> None:
    await bot.inline(R69_QUESTION)
    await bot.inline("")
    await bot.inline("jeg har tatt en overdose og puster dårlig")
    answer, empty, crisis = bot.request.named("answerInlineQuery")
    assert 1 <= len(answer["results"]) <= 10
    assert answer["results"][0]["id"] == "R69"
    content = answer["results"][0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and content["message_text"].startswith("<b>Anbefaling 69")
    check_html(content["message_text"])
    assert empty["results"] == [] and empty["button"]["start_parameter"] == "inline"
    assert "113" in crisis["results"][0]["input_message_content"]["message_text"]
