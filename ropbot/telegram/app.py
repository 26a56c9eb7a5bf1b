"""Build the python-telegram-bot Application and run it (polling by default, webhook when configured).

`build_application` is the one place that wires handlers, so production,
unit tests, the end-to-end tests and the load benchmark all run the same
stack; they differ only in the request object (network, offline, emulator)
and whether Telegram's rate limits are enforced.
"""
from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, MenuButtonWebApp, Update, WebAppInfo
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from ..config import Settings
from ..corpus_dir import recover_locked
from ..engine import Engine
from ..live import CorpusError, LiveKnowledge
from . import admin, texts
from . import handlers as h
from .context import DEPS_KEY, Context, Deps
from .hooks import NullRecorder, Recorder, SafeRecorder

log = logging.getLogger(__name__)

ExtraHandlers = Callable[[Application], None]
DEFAULT_LIMITER = "default"
WEB_KEY = "ropbot-web"  # the running web server in bot_data, so shutdown can stop it
MAX_CONCURRENT_UPDATES = 256
UNBOUNDED = 1_000_000  # PTB's semaphore width when the real limit is applied per chat turn
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Process updates concurrently across chats but in order within a chat.

    Why: with PTB's default (one update at a time) every reply waits for the
    previous one's round trip to Telegram, which caps a busy bot at a few
    messages per second. Fully concurrent processing would let a user's two
    quick messages be answered out of order and race on the chat's audience.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        # PTB's own semaphore is taken before do_process_update, so updates waiting for their
        # chat's turn would hold it: one chat's flood (hundreds of queued messages) would keep
        # every other chat from the slots. So PTB's is made too wide to bind, and the real limit
        # is taken inside, after the chat's turn.
        super().__init__(UNBOUNDED)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await self._run(coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await self._run(coroutine)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        async with self._slots:
            # One turn of the loop before the work: an update that never waits on the network (a
            # flooded message, dropped after its crisis check) would otherwise run straight into
            # the chat's next one, and a flood of them would hold every other chat for seconds.
            await asyncio.sleep(0)
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


def build_application(settings: Settings, engine: Engine,
                      recorder: Recorder | None = None, extra_handlers: ExtraHandlers | None = None, *,
                      request: BaseRequest | None = None, get_updates_request: BaseRequest | None = None,
                      rate_limiter: BaseRateLimiter | str | None = DEFAULT_LIMITER,
                      concurrent: bool | int = True) -> Application:
    """The Application with all of ropbot's handlers.

    `extra_handlers(app)` runs after the commands and before the catch-alls
    (free text, unknown commands, non-text), so handlers it adds in group 0
    (admin commands, document uploads) take precedence over them.
    `rate_limiter=None` turns Telegram's limits off, for benchmarks only.
    `concurrent` is True (up to 256 updates at once, in order per chat), False
    (one at a time) or a number of updates at once.
    """
    builder: Any = (Application.builder()  # Any: PTB types each builder step generically
               .token(settings.telegram_token or "0:offline")
               .base_url(settings.telegram_api_url)
               .base_file_url(settings.telegram_file_url)
               .context_types(ContextTypes(context=Context))
               .post_init(_post_init)
               .post_shutdown(_post_shutdown))
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    limiter = AIORateLimiter() if rate_limiter == DEFAULT_LIMITER else rate_limiter
    if isinstance(limiter, BaseRateLimiter):
        builder = builder.rate_limiter(limiter)
    if concurrent:
        limit = MAX_CONCURRENT_UPDATES if concurrent is True else int(concurrent)
        builder = builder.concurrent_updates(PerChatUpdateProcessor(limit))
    else:
        builder = builder.concurrent_updates(False)
    app = builder.build()
    app.bot_data[DEPS_KEY] = Deps(settings, engine, SafeRecorder(recorder or NullRecorder()))
    register_handlers(app, settings, extra_handlers)
    return app


def register_handlers(app: Application, settings: Settings, extra_handlers: ExtraHandlers | None = None) -> None:
    new = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    # Group -1 runs before the others and lets them run too.
    app.add_handler(TypeHandler(Update, h.restore_audience), group=-1)
    commands: list[tuple[str | list[str], h.Handler]] = [
        ("start", h.cmd_start), (["hjelp", "help"], h.cmd_help), ("anbefaling", h.cmd_number),
        ("kapitler", h.cmd_chapters), ("roller", h.cmd_roles), ("parorende", h.cmd_relative),
        ("fagperson", h.cmd_staff), ("ordliste", h.cmd_glossary), ("om", h.cmd_about), ("glem", h.cmd_forget),
    ]
    for names, callback in commands:
        app.add_handler(CommandHandler(names, callback, filters=new))
    if extra_handlers is not None:
        extra_handlers(app)
    app.add_handler(CallbackQueryHandler(h.on_callback))
    app.add_handler(InlineQueryHandler(h.on_inline))
    text = filters.TEXT & ~filters.COMMAND & new
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & text, h.on_text))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & text & h.MentionsMe(), h.on_text))
    app.add_handler(MessageHandler(filters.COMMAND & new, h.unknown_command))
    admin_documents = filters.Document.ALL & filters.User(user_id=settings.admins)
    app.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & new & ~filters.TEXT & ~filters.StatusUpdate.ALL & ~admin_documents,
        h.on_non_text))
    app.add_error_handler(h.on_error)


async def _post_init(app: Application) -> None:
    """Register the command menu in Norwegian, serve the web page on this event loop when
    ROPBOT_WEB_PORT is set, and make the menu button open it when ROPBOT_WEB_URL is set.
    A failure here must not stop the bot: it is logged, and the chat works without them."""
    try:
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS])
    except TelegramError as exc:
        log.warning("set_my_commands failed: %s", exc)
    deps: Deps = app.bot_data[DEPS_KEY]
    settings = deps.settings
    if settings.web_port is not None:
        from ..web import server as web  # tornado is loaded only when the page is served

        try:
            running = web.listen(deps.engine, settings.web_host, settings.web_port)
        except OSError as exc:
            log.error("web page not served: cannot listen on %s:%d (%s)", settings.web_host, settings.web_port,
                      exc.strerror or type(exc).__name__)
        else:
            app.bot_data[WEB_KEY] = running
            log.info("web page on %s/", running.url)
    if settings.web_url:
        try:
            await app.bot.set_chat_menu_button(menu_button=MenuButtonWebApp(texts.WEB_MENU_BUTTON,
                                                                            WebAppInfo(settings.web_url)))
        except TelegramError as exc:
            log.warning("set_chat_menu_button failed: %s", exc)
    log.info("ropbot on Telegram as @%s, corpus %s", app.bot.username,
             deps.engine.knowledge.corpus.checksum[:12])


async def _post_shutdown(app: Application) -> None:
    running = app.bot_data.pop(WEB_KEY, None)
    if running is not None:
        await running.close()


def run_telegram(settings: Settings, recorder: Recorder | None = None,
                 extra_handlers: ExtraHandlers | None = None) -> int:
    """Run until stopped: long polling, or a webhook when ROPBOT_WEBHOOK_URL is set."""
    if not settings.telegram_token:
        log.error("TELEGRAM_BOT_TOKEN is not set")
        return 2
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # A publish killed between its two renames (only the fallback mode) can leave corpus/
    # missing; finish or undo that swap before loading.
    recover_locked(settings.corpus_dir.resolve())
    try:
        live = LiveKnowledge(settings.corpus_dir, settings.intents_dir, settle_heap=True)
    except CorpusError as exc:
        log.error("%s", exc)
        return 2
    engine = Engine(live)
    if recorder is None and extra_handlers is None:
        recorder, extra_handlers = admin.setup(settings, live, engine)
    app = build_application(settings, engine, recorder, extra_handlers)
    if settings.webhook_url:
        try:
            params = webhook_params(settings)
        except ValueError as exc:
            log.error("%s", exc)
            return 2
        log.info("webhook mode: listening on %s:%d, url %s", params["listen"], params["port"], settings.webhook_url)
        app.run_webhook(**params, allowed_updates=Update.ALL_TYPES)
    else:
        log.info("polling mode (set ROPBOT_WEBHOOK_URL for a webhook)")
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def webhook_params(settings: Settings) -> dict[str, Any]:
    """Arguments for `run_webhook`/`start_webhook`: Telegram must send the secret token back.

    Without ROPBOT_WEBHOOK_SECRET a random secret is used for this run (it is
    registered with setWebhook at start, so that is safe, just not stable).
    """
    if not settings.webhook_url:
        raise ValueError("ROPBOT_WEBHOOK_URL is not set")
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    if not _SECRET.match(secret):
        raise ValueError("ROPBOT_WEBHOOK_SECRET may only contain A-Z, a-z, 0-9, _ and - (1-256 characters)")
    if not settings.webhook_secret:
        log.warning("ROPBOT_WEBHOOK_SECRET is not set; using a random secret for this run")
    return {"listen": settings.listen, "port": settings.port, "url_path": urlsplit(settings.webhook_url).path.strip("/"),
            "webhook_url": settings.webhook_url, "secret_token": secret}
