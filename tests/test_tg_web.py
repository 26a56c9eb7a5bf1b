"""The web page as a Telegram Mini App (issue 15): served on the bot's own event loop, opened by
the menu button, and offered under /kapitler and /roller."""
from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from probes import R69_QUESTION

from ropbot.telegram import texts
from ropbot.telegram.testing import GROUP_ID, StartBot, buttons, default_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_the_bot_serves_the_web_page_and_its_menu_button_opens_it(start_bot: StartBot) -> None:
    """ROPBOT_WEB_PORT: the page on the bot's own event loop; ROPBOT_WEB_URL: the menu button."""
    port = free_port()
    bot = await start_bot(settings=default_settings(ROPBOT_WEB_PORT=str(port),
                                                    ROPBOT_WEB_URL="https://rop.example.no/app"))
    await bot.app.post_init(bot.app)
    try:
        async with httpx.AsyncClient() as client:
            found = (await client.get(f"http://127.0.0.1:{port}/api/search", params={"q": R69_QUESTION})).json()
    finally:
        await bot.app.post_shutdown(bot.app)
    assert found["results"][0]["id"] == "R69"
    [params] = bot.request.named("setChatMenuButton")
    menu = params["menu_button"]
    assert menu["type"] == "web_app" and menu["web_app"]["url"] == "https://rop.example.no/app" and menu["text"]
    with pytest.raises(OSError):  # stopped at shutdown
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


async def test_a_web_port_in_use_leaves_the_bot_answering(start_bot: StartBot,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        bot = await start_bot(settings=default_settings(ROPBOT_WEB_PORT=str(taken.getsockname()[1])))
        await bot.app.post_init(bot.app)
        await bot.command("/start")
        await bot.app.post_shutdown(bot.app)
    assert len(bot.request.sent()) == 1 and "web page not served" in caplog.text
    assert bot.request.named("setChatMenuButton") == []


@pytest.mark.parametrize("chat_type, audience, expect", [
    ("private", "/fagperson", {"web_app": {"url": "https://rop.example.no/"}}),
    ("private", "/parorende", {"web_app": {"url": "https://rop.example.no/?for=parorende"}}),
    ("supergroup", "/fagperson", {"url": "https://rop.example.no/"}),
])
async def test_kapitler_and_roller_offer_the_web_page(start_bot: StartBot, chat_type: str, audience: str,
                                                      expect: dict[str, Any]) -> None:
    where = {"chat_id": 7 if chat_type == "private" else GROUP_ID, "user_id": 7, "chat_type": chat_type}
    bot = await start_bot(settings=default_settings(ROPBOT_WEB_URL="https://rop.example.no/"))
    await bot.command(audience, **where)
    bot.request.clear()
    await bot.command("/kapitler", **where)
    await bot.command("/roller", **where)
    sent = bot.request.sent()
    assert len(sent) == 2  # both screens, each ending with the page
    for params in sent:
        last = buttons(params)[-1]
        assert {k: v for k, v in last.items() if k != "text"} == expect
        assert last["text"] == (texts.WEB_APP_BUTTON if "web_app" in expect else texts.WEB_LINK_BUTTON)


async def test_without_a_web_url_no_web_button(start_bot: StartBot) -> None:
    bot = await start_bot()
    await bot.command("/kapitler")
    await bot.command("/roller")
    sent = bot.request.sent()
    assert len(sent) == 2 and all(buttons(p) for p in sent)  # the screens and their buttons are there
    assert all("callback_data" in b for p in sent for b in buttons(p))
