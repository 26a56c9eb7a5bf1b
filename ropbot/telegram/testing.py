"""The Telegram channel's test backend: the whole handler stack, with no network.

It ships in the package (as errbot ships its test backend) so that the unit
tests, the admin tests, the attack suite, the load benchmark and the
end-to-end fixtures all drive ropbot the same way instead of each building
updates and fake Bot APIs by hand:

* `OfflineRequest` answers python-telegram-bot's calls in-process, like the Bot
  API, and records each (method, parameters) for assertions.
* `Updates` builds the update JSON Telegram would deliver (text, commands,
  button presses, inline queries, documents, edits, group messages).
* `FakeBot` is `build_application` over an `OfflineRequest`, fed by `Updates`.
* `MemoryRecorder` is a store that keeps what the channel reports in lists.
* `check_message`/`check_html` say whether Telegram would accept a message.

It never imports pytest: checks raise AssertionError, which any runner reports.
"""
from __future__ import annotations

import itertools
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from ..config import Settings
from ..engine import Engine
from ..reply import Reply
from . import render
from .app import ExtraHandlers, build_application
from .context import DEPS_KEY, Deps
from .hooks import Recorder

BOT = {"id": 777, "is_bot": True, "first_name": "ropbot", "username": "ropbot_test_bot",
       "can_join_groups": True, "supports_inline_queries": True}
ADMIN_ID = 4242         # the admin in `FakeBot`'s default settings
GROUP_ID = -100         # the chat a group message goes to unless a test names one
OLD_MESSAGE_ID = 999    # the message a button sits under, unless the test gives one
TOKEN = "123:TEST"

_READS_PARAMS = frozenset({"sendMessage", "getFile", "sendPhoto", "sendMediaGroup"})


class OfflineRequest(BaseRequest):
    """Records each (method, parameters) and answers like the Bot API; `fail` forces errors.

    Subclasses override `result` for the calls they care about (the load benchmark's
    request keeps no log and remembers keyboards instead).
    """

    def __init__(self, bot: dict[str, Any] | None = None, record: bool = True, echo_markup: bool = True) -> None:
        self.bot = bot or BOT
        self.record = record
        self.echo_markup = echo_markup  # Telegram returns the keyboard; parsing it back costs time
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: dict[str, tuple[int, str]] = {}  # method -> (HTTP status, description)
        self.files: dict[str, bytes] = {}          # file path -> bytes, for getFile downloads
        self._ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        if "/file/bot" in url:
            return 200, self.files[url.rsplit("/", 1)[-1]]
        name = url.rsplit("/", 1)[-1]
        # Building `parameters` serialises every argument; skip it when nothing reads it.
        wanted = self.record or name in _READS_PARAMS
        params = dict(request_data.parameters) if request_data is not None and wanted else {}
        if self.record:
            uploads = request_data.multipart_data if request_data is not None else None
            if uploads:  # photos and documents: part name -> bytes, under a key no Bot API field has
                params["_files"] = {part: content for part, (_, content, _) in uploads.items()}
            self.calls.append((name, params))
        if name in self.fail:
            status, description = self.fail[name]
            return status, json.dumps({"ok": False, "error_code": status, "description": description}).encode()
        return 200, json.dumps({"ok": True, "result": self.result(name, params)}).encode()

    def result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return self.bot
        if name == "sendMessage":
            message = self._message(params, text=params.get("text", ""))
            if self.echo_markup and params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        if name == "sendPhoto":
            return self._message(params, photo=[self._photo()])
        if name == "sendMediaGroup":
            group = str(next(self._ids))
            return [self._message(params, photo=[self._photo()], media_group_id=group) for _ in params["media"]]
        if name == "getFile":
            return {"file_id": params["file_id"], "file_unique_id": "u" + params["file_id"],
                    "file_path": f"documents/{params['file_id']}"}
        if name == "getUpdates":
            return []
        return True

    def _message(self, params: dict[str, Any], **fields: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {"message_id": next(self._ids), "date": int(time.time()), "from": self.bot,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, **fields}

    def _photo(self) -> dict[str, Any]:
        number = next(self._ids)
        return {"file_id": f"p{number}", "file_unique_id": f"up{number}", "width": 1, "height": 1}

    # --- what was sent ---------------------------------------------------------------------

    def named(self, name: str) -> list[dict[str, Any]]:
        return [p for n, p in self.calls if n == name]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [p for p in self.named("sendMessage") if chat_id is None or int(p["chat_id"]) == chat_id]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [p["text"] for p in self.sent(chat_id)]

    def methods(self) -> list[str]:
        return [n for n, _ in self.calls]

    def toasts(self) -> list[str | None]:
        return [p.get("text") for p in self.named("answerCallbackQuery")]

    def clear(self) -> None:
        self.calls.clear()


class Updates:
    """The update JSON Telegram delivers, with fresh update and message ids each time.

    Who sends what: with neither `chat_id` nor `user_id` it is the default user, in
    their private chat (or in GROUP_ID for a group); with only `chat_id` the user is
    that chat's owner (a private chat's id is its user's id); with only `user_id` the
    chat is theirs (or GROUP_ID for a group).
    """

    def __init__(self, bot: Mapping[str, Any] = BOT, user_id: int = 1) -> None:
        self.bot = {k: bot[k] for k in ("id", "is_bot", "first_name")}
        self.user_id = user_id
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)

    def who(self, chat_id: int | None, user_id: int | None, chat_type: str) -> tuple[int, int]:
        if user_id is None:
            user_id = abs(chat_id) if chat_id is not None else self.user_id
        if chat_id is None:
            chat_id = user_id if chat_type == "private" else GROUP_ID
        return chat_id, user_id

    @staticmethod
    def chat(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
        return {"id": chat_id, "type": chat_type, **({"title": "Teamet"} if chat_type != "private" else {})}

    @staticmethod
    def user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Kari"}

    def update(self, **payload: Any) -> dict[str, Any]:
        """`payload` is the update's one field: message=…, callback_query=…, inline_query=…"""
        return {"update_id": next(self._update_ids), **payload}

    def message(self, chat_id: int | None = None, user_id: int | None = None, chat_type: str = "private",
                **fields: Any) -> dict[str, Any]:
        """A Message object (not yet an update) with `fields` as its content."""
        chat_id, user_id = self.who(chat_id, user_id, chat_type)
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self.chat(chat_id, chat_type),
                "from": self.user(user_id), **fields}

    def text(self, text: str, *, entities: list[dict[str, Any]] | None = None, **where: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        return self.update(message=self.message(**where, **fields))

    def command(self, text: str, **where: Any) -> dict[str, Any]:
        """A command as Telegram marks it: a bot_command entity over the first word."""
        entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        return self.text(text, entities=[entity], **where)

    def other(self, chat_id: int | None = None, user_id: int | None = None, chat_type: str = "private",
              **fields: Any) -> dict[str, Any]:
        """Any other kind of message: sticker=…, photo=…, voice=…, location=…"""
        return self.update(message=self.message(chat_id, user_id, chat_type, **fields))

    def document(self, file_id: str, name: str, size: int, **where: Any) -> dict[str, Any]:
        return self.update(message=self.message(**where, document={
            "file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name, "file_size": size}))

    def edited(self, text: str, **where: Any) -> dict[str, Any]:
        """An edit of an earlier message: Telegram sends it as `edited_message`."""
        return self.update(edited_message=self.message(**where, text=text, edit_date=int(time.time())))

    def press(self, data: str, message: Mapping[str, Any] | None = None, *, accessible: bool = True,
              chat_id: int | None = None, user_id: int | None = None, chat_type: str = "private") -> dict[str, Any]:
        """A button press under `message`: a sendMessage parameter dict (text, reply_markup and
        optionally message_id), or None for one of the bot's messages with no keyboard.
        `accessible=False` is a message too old for Telegram to include."""
        chat_id, user_id = self.who(chat_id, user_id, chat_type)
        query: dict[str, Any] = {"id": f"q{next(self._query_ids)}", "chat_instance": "ci",
                                 "from": self.user(user_id), "data": data}
        if accessible:
            message = message or {}
            query["message"] = {"message_id": message.get("message_id", OLD_MESSAGE_ID), "date": int(time.time()),
                                "text": message.get("text", "…"), "chat": self.chat(chat_id, chat_type),
                                "from": self.bot}
            if message.get("reply_markup"):
                query["message"]["reply_markup"] = message["reply_markup"]
        return self.update(callback_query=query)

    def inline(self, query: str, user_id: int | None = None) -> dict[str, Any]:
        return self.update(inline_query={"id": f"iq{next(self._query_ids)}", "query": query, "offset": "",
                                         "from": self.user(user_id or self.user_id)})


def default_settings(**env: str) -> Settings:
    """Settings for a bot under test: a dummy token and ADMIN_ID as the one admin."""
    return Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "ROPBOT_ADMINS": str(ADMIN_ID), **env})


class FakeBot:
    """ropbot's Application over an `OfflineRequest`, fed update by update.

    `app_options` go to `build_application` (rate_limiter=None, concurrent=False …).
    Each feed runs `application.process_update`, so every handler, filter and error
    handler runs as in production; only the network is missing. Use as
    `async with FakeBot(engine) as bot:` or call `start`/`stop`.
    """

    def __init__(self, engine: Engine, recorder: Recorder | None = None, extra_handlers: ExtraHandlers | None = None,
                 *, settings: Settings | None = None, request: OfflineRequest | None = None, user_id: int = 1,
                 **app_options: Any) -> None:
        self.engine = engine
        self.settings = settings or default_settings()
        self.request = request or OfflineRequest()
        self.recorder = recorder
        self.app = build_application(self.settings, engine, recorder, extra_handlers,
                                     request=self.request, get_updates_request=OfflineRequest(self.request.bot),
                                     **app_options)
        self.updates = Updates(self.request.bot, user_id)
        self.running = False

    async def start(self) -> FakeBot:
        await self.app.initialize()
        self.running = True
        return self

    async def stop(self) -> None:
        if self.running:
            self.running = False
            await self.app.shutdown()

    async def __aenter__(self) -> FakeBot:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def deps(self) -> Deps:
        """What the handlers see: the settings, engine and (wrapped) recorder they were given."""
        deps: Deps = self.app.bot_data[DEPS_KEY]
        return deps

    def parse(self, update: dict[str, Any]) -> Update:
        return Update.de_json(update, self.app.bot)

    async def feed(self, update: dict[str, Any]) -> None:
        await self.app.process_update(self.parse(update))

    # --- what a user does -------------------------------------------------------------------

    async def text(self, text: str, **kwargs: Any) -> None:
        """Type `text`; kwargs: chat_id, user_id, chat_type, entities."""
        await self.feed(self.updates.text(text, **kwargs))

    async def command(self, text: str, **kwargs: Any) -> None:
        await self.feed(self.updates.command(text, **kwargs))

    async def other(self, **kwargs: Any) -> None:
        """Send a non-text message: bot.other(sticker={...}), bot.other(location={...}) …"""
        await self.feed(self.updates.other(**kwargs))

    async def document(self, name: str, content: bytes, **where: Any) -> None:
        """Upload a file; the offline Bot API serves `content` when the bot downloads it."""
        file_id = f"f{len(self.request.files) + 1}"
        self.request.files[file_id] = content
        await self.feed(self.updates.document(file_id, name, len(content), **where))

    async def edit(self, text: str, **where: Any) -> None:
        """The user edits an earlier message of theirs (an edit is not a new question)."""
        await self.feed(self.updates.edited(text, **where))

    async def press(self, data: str, message: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Press a button with callback `data` under `message` (see `Updates.press`)."""
        await self.feed(self.updates.press(data, message, **kwargs))

    async def inline(self, query: str, user_id: int | None = None) -> None:
        await self.feed(self.updates.inline(query, user_id))

    def check_sent(self) -> None:
        """Every message sent so far is one Telegram would accept."""
        for params in self.request.sent():
            check_message(params)


StartBot = Callable[..., Awaitable[FakeBot]]  # starts a FakeBot with the options given


@dataclass
class MemoryRecorder:
    """A Recorder that keeps calls in lists, so tests can see what the channel reported.

    `forget_user` really forgets (as the store does) and returns how many entries went.
    """

    queries: list[tuple[int, str, str, str]] = field(default_factory=list)  # user, audience, text, decision
    feedback: list[tuple[int, int]] = field(default_factory=list)           # query id, vote
    forgotten: list[int] = field(default_factory=list)
    touched: list[tuple[int, str]] = field(default_factory=list)            # user, audience

    def record_query(self, user_id: int, audience: str, text: str, reply: Reply, latency_ms: float) -> int | None:
        self.queries.append((user_id, audience, text, reply.decision))
        return len(self.queries)

    def record_feedback(self, query_id: int, vote: int, user_id: int | None = None) -> None:
        self.feedback.append((query_id, vote))

    def forget_user(self, user_id: int) -> int:
        self.forgotten.append(user_id)
        gone = sum(q[0] == user_id for q in self.queries) + sum(u == user_id for u, _ in self.touched)
        # Blank rather than drop queries, so the ids handed out stay positions in the list.
        self.queries = [(0, a, "", d) if u == user_id else (u, a, t, d) for u, a, t, d in self.queries]
        self.touched = [(u, a) for u, a in self.touched if u != user_id]
        return gone

    def touch_user(self, user_id: int, audience: str) -> None:
        self.touched.append((user_id, audience))

    def user_audience(self, user_id: int) -> str | None:
        seen = [a for u, a in self.touched if u == user_id] + [q[1] for q in self.queries if q[0] == user_id]
        return seen[-1] if seen else None


# --- what Telegram accepts -------------------------------------------------------------------

ALLOWED_TAGS = frozenset({"b", "i", "a", "u", "s", "code", "pre", "blockquote", "tg-spoiler", "strong", "em"})


class TelegramHTML(HTMLParser):
    """Checks a message is well-formed Telegram HTML: known tags only, all closed, properly nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.visible = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.visible += data


def check_html(text: str) -> str:
    """Assert `text` is valid Telegram HTML and return its visible text."""
    parser = TelegramHTML()
    parser.feed(text)
    parser.close()
    assert not parser.errors and not parser.stack, (parser.errors, parser.stack, text[:200])
    return parser.visible


def buttons(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The inline buttons of a sent message's parameters, row after row."""
    markup = params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def labels(params: Mapping[str, Any]) -> list[str]:
    return [b["text"] for b in buttons(params)]


def button_data(params: Mapping[str, Any], text_start: str) -> str:
    """The callback data of the first button whose label starts with `text_start`."""
    for b in buttons(params):
        if b["text"].startswith(text_start):
            return str(b["callback_data"])
    raise AssertionError(f"no button starting {text_start!r} in {labels(params)}")


def check_message(params: Mapping[str, Any]) -> None:
    """Telegram refuses a message with broken HTML, over 4,096 characters, or a button whose
    data is over 64 bytes or that does nothing; the refusal would reach the user as silence."""
    if params.get("parse_mode") == "HTML":
        check_html(params["text"])
    assert render.tg_len(params["text"]) <= 4096, render.tg_len(params["text"])
    for b in buttons(params):
        assert "callback_data" in b or "web_app" in b or "url" in b, b
        assert len(b.get("callback_data", "").encode()) <= 64, b["callback_data"]
