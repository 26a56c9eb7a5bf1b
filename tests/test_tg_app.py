"""The Application around the handlers: extra (admin) handlers, the error handler, webhook mode
and its secret, and refusing to run without a token."""
from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest
from probes import R69_QUESTION
from telegram import Update
from telegram.ext import CommandHandler

from ropbot.config import Settings
from ropbot.engine import Engine
from ropbot.telegram import texts, views
from ropbot.telegram.app import run_telegram, webhook_params
from ropbot.telegram.testing import FakeBot, StartBot, default_settings


async def test_extra_handlers_take_precedence_over_catch_alls(start_bot: StartBot) -> None:
    seen: list[str] = []

    async def admin(update: Update, context: Any) -> None:
        seen.append(update.effective_message.text)

    def extra(app: Any) -> None:
        app.add_handler(CommandHandler("admin", admin))

    bot = await start_bot(extra_handlers=extra)
    await bot.command("/admin status")
    assert seen == ["/admin status"] and bot.request.sent() == []


async def test_error_handler_logs_apologises_and_keeps_running(bot: FakeBot, monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    real = views.ask
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("invalid literal for int(): '01019012345'")  # a message that quotes the user
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "ask", flaky)
    with caplog.at_level("DEBUG"):
        await bot.text(R69_QUESTION)
        await bot.text(R69_QUESTION)
    sent = bot.request.texts()
    assert sent[0] == texts.ERROR
    assert sent[1].startswith("<b>Anbefaling 69")
    record = next(r for r in caplog.records if r.name == "ropbot.telegram.handlers")
    assert "ValueError" in record.getMessage() and record.exc_info is None
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "01019012345" not in logged


async def test_webhook_mode_requires_the_secret_token(engine: Engine) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bot = FakeBot(engine)
    settings = default_settings(ROPBOT_PORT=str(port), ROPBOT_WEBHOOK_URL="https://ropbot.example.no/telegram/hook",
                                ROPBOT_WEBHOOK_SECRET="s3cret-token", ROPBOT_LISTEN="127.0.0.1")
    params = webhook_params(settings)
    assert params["listen"] == "127.0.0.1" and params["url_path"] == "telegram/hook"
    assert params["secret_token"] == "s3cret-token"
    update = bot.updates.text("anbefaling 69", chat_id=9)
    async with bot:
        await bot.app.updater.start_webhook(**params)
        await bot.app.start()
        try:
            url = f"http://127.0.0.1:{port}/telegram/hook"
            async with httpx.AsyncClient() as client:
                wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
                right = await client.post(url, json=update,
                                          headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert wrong.status_code == 403 and right.status_code == 200
            for _ in range(100):
                if bot.request.sent():
                    break
                await asyncio.sleep(0.02)
        finally:
            await bot.app.updater.stop()
            await bot.app.stop()
    [hook] = bot.request.named("setWebhook")
    assert hook["url"] == "https://ropbot.example.no/telegram/hook" and hook["secret_token"] == "s3cret-token"
    [reply] = bot.request.sent()
    assert reply["text"].startswith("<b>Anbefaling 69")


def test_webhook_secret_is_random_when_unset_and_checked_when_set() -> None:
    base = {"TELEGRAM_BOT_TOKEN": "1:x", "ROPBOT_WEBHOOK_URL": "https://h.example/hook"}
    first = webhook_params(Settings.from_env(base))
    second = webhook_params(Settings.from_env(base))
    assert first["secret_token"] != second["secret_token"] and len(first["secret_token"]) >= 32
    assert first["listen"] == "0.0.0.0" and first["port"] == 8443
    with pytest.raises(ValueError):
        webhook_params(Settings.from_env({**base, "ROPBOT_WEBHOOK_SECRET": "has spaces"}))


def test_run_telegram_without_token_refuses() -> None:
    assert run_telegram(Settings.from_env({})) == 2
