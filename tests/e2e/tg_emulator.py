"""Drive ropbot over HTTP against the telegram-test-api Bot API emulator.

Three pieces, all test-only (the product code never imports this file):

* `Emulator` starts `node emulator.js PORT` on 127.0.0.1 and stops it by pid.
* `EmulatorRequest` is the request adapter python-telegram-bot talks through.
  It smooths the emulator's known differences from Telegram (getMe lacks
  is_bot, sendMessage dates in milliseconds, edit methods return null,
  callback queries lack chat_instance, setMyCommands/sendChatAction/
  answerInlineQuery give HTTP 500, getUpdates ignores its timeout).
  sendPhoto, sendMediaGroup and getFile are not in the package: emulator.js
  adds them and answers them as Telegram does, so they pass through unchanged.
* `UserClient` plays a Telegram user through the emulator's client endpoints
  (/sendMessage, /sendCommand, /sendCallback, /getUpdates, /getUpdatesHistory),
  and fetches photos the bot sent back through getFile and the file URL.

`BotThread` runs the real Application (polling) on its own event loop.
"""
from __future__ import annotations

import asyncio
import atexit
import itertools
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application
from telegram.request import HTTPXRequest, RequestData

from ropbot.loop_thread import LoopThread

E2E_DIR = Path(__file__).resolve().parent
BOT_TOKEN = "123456:ropbot-e2e"
log = logging.getLogger("e2e")


# --- the emulator process ----------------------------------------------------------------------


def emulator_available() -> str | None:
    """None when the emulator can run here, else the reason it cannot."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (E2E_DIR / "node_modules" / "telegram-test-api").is_dir():
        return "run `npm ci` in tests/e2e (make test does this)"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Emulator:
    """The Node emulator on 127.0.0.1, started on a free port and stopped by its pid."""

    def __init__(self) -> None:
        self.port = 0
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_api(self) -> str:
        return f"{self.url}/bot"

    def start(self, timeout: float = 15.0, attempts: int = 3) -> Emulator:
        last = ""
        for _ in range(attempts):  # a free port can be taken between probing and binding
            self.port = free_port()
            self.proc = subprocess.Popen(["node", "emulator.js", str(self.port), str(os.getpid())], cwd=E2E_DIR,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                         start_new_session=True)
            line = self._first_line(timeout)
            if line.startswith("listening"):
                atexit.register(self.stop)
                return self
            last = line or (self.proc.stderr.read() if self.proc.stderr and self.proc.poll() is not None else "")
            self.stop()
        raise RuntimeError(f"emulator did not start: {last}")

    def _first_line(self, timeout: float) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        return box[0].strip() if box else ""

    def stop(self) -> None:
        if self.proc is None:
            return
        pid = self.proc.pid
        if self.proc.poll() is None:
            os.kill(pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                self.proc.wait(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        self.proc = None


# --- the request adapter ------------------------------------------------------------------------

# Methods the emulator answers with HTTP 500; Telegram answers them with `true`.
FAKED = frozenset({"setMyCommands", "deleteMyCommands", "sendChatAction", "answerInlineQuery",
                   "setMyDescription", "setMyShortDescription", "setChatMenuButton"})
OK_TRUE = json.dumps({"ok": True, "result": True}).encode()


class EmulatorRequest(HTTPXRequest):
    """HTTPXRequest plus the fixes that make telegram-test-api look like the Bot API."""

    def __init__(self, poll_step: float = 0.02, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", 8)  # httpcore scans every pooled connection per request
        kwargs.setdefault("pool_timeout", 30.0)  # under load, wait for a connection rather than fail
        super().__init__(**kwargs)
        self.poll_step = poll_step
        self.faked: list[tuple[str, dict[str, Any]]] = []

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if name in FAKED:
            self.faked.append((name, dict(request_data.parameters) if request_data else {}))
            return 200, OK_TRUE
        kwargs = dict(read_timeout=read_timeout, write_timeout=write_timeout, connect_timeout=connect_timeout,
                      pool_timeout=pool_timeout)
        if name == "getUpdates":
            return await self._long_poll(url, method, request_data, kwargs)
        code, payload = await super().do_request(url, method, request_data, **kwargs)
        if code != 200:
            return code, payload
        data = json.loads(payload)
        result = data.get("result")
        if name == "getMe":
            result = {"is_bot": True, "can_join_groups": True, "supports_inline_queries": True, **result}
        elif name in ("sendMessage", "editMessageText", "editMessageReplyMarkup") and isinstance(result, dict):
            result = fix_sent_message(result)
        elif result is None:  # edits, answerCallbackQuery, deleteMessage: Telegram says `true`
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()

    async def _long_poll(self, url: str, method: str, request_data: RequestData | None,
                         kwargs: dict[str, Any]) -> tuple[int, bytes]:
        """The emulator answers getUpdates at once; wait up to `timeout` like Telegram does."""
        params = request_data.parameters if request_data else {}
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            code, payload = await super().do_request(url, method, request_data, **kwargs)
            if code != 200:
                return code, payload
            updates = json.loads(payload).get("result") or []
            if updates or time.monotonic() >= deadline:
                return 200, json.dumps({"ok": True, "result": [fix_update(u) for u in updates]}).encode()
            await asyncio.sleep(self.poll_step)


def _seconds(value: Any) -> int:
    stamp = int(value or time.time())
    return stamp // 1000 if stamp > 10_000_000_000 else stamp


def fix_sent_message(result: dict[str, Any]) -> dict[str, Any]:
    """The emulator echoes the request (with JSON strings and ms dates); keep a valid Message."""
    markup = result.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    message = {"message_id": result["message_id"], "date": _seconds(result.get("date")),
               "chat": result.get("chat") or {"id": int(result["chat_id"]), "type": "private"},
               "from": {"id": 666, "is_bot": True, "first_name": "Test First name", "username": "TestNameBot"},
               "text": result.get("text", "")}
    if markup:
        message["reply_markup"] = markup
    return message


def fix_update(update: dict[str, Any]) -> dict[str, Any]:
    update = dict(update)
    if "message" in update:
        message = {k: v for k, v in update["message"].items() if k != "botToken"}
        message["date"] = _seconds(message.get("date"))
        update["message"] = message
    if "callback_query" in update:
        query = {k: v for k, v in update["callback_query"].items() if k != "botToken"}
        query.setdefault("chat_instance", str(((query.get("message") or {}).get("chat") or {}).get("id", 0)))
        if "message" in query:
            query["message"] = {**query["message"], "date": _seconds(query["message"].get("date"))}
        update["callback_query"] = query
    return update


# --- the bot --------------------------------------------------------------------------------------


class BotThread(LoopThread):
    """Runs an Application with polling on its own event loop in a background thread."""

    def __init__(self, app: Application, poll_timeout: float = 1.0) -> None:
        super().__init__("ropbot-e2e")
        self.app = app
        self.poll_timeout = poll_timeout

    async def startup(self) -> None:
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        await self.app.updater.start_polling(poll_interval=0.0, timeout=self.poll_timeout,
                                             allowed_updates=Update.ALL_TYPES)
        await self.app.start()

    async def shutdown(self) -> None:
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()


# --- the user side ---------------------------------------------------------------------------------


@dataclass
class BotMessage:
    """A message the bot sent, as the emulator stores it."""

    message_id: int
    text: str
    markup: dict[str, Any] | None
    raw: dict[str, Any]

    @classmethod
    def of(cls, stored: dict[str, Any]) -> BotMessage:
        message = stored["message"]
        markup = message.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        return cls(stored["messageId"], message.get("text", ""), markup, stored)

    def buttons(self) -> list[dict[str, Any]]:
        return [b for row in (self.markup or {}).get("inline_keyboard", []) for b in row]

    def labels(self) -> list[str]:
        return [b["text"] for b in self.buttons()]

    def data(self, label_start: str) -> str:
        for b in self.buttons():
            if b["text"].startswith(label_start):
                return b["callback_data"]
        raise AssertionError(f"no button {label_start!r} in {self.labels()}")

    @property
    def photo(self) -> dict[str, Any] | None:
        """The largest PhotoSize of a photo message (emulator.js stores one, the upload itself)."""
        sizes = self.raw["message"].get("photo") or []
        return max(sizes, key=lambda size: size["width"] * size["height"]) if sizes else None

    @property
    def upload(self) -> dict[str, Any] | None:
        """What emulator.js read from the uploaded photo: filename, bytes, width, height, sha256."""
        upload: dict[str, Any] | None = self.raw["message"].get("ropbot_upload")
        return upload

    @property
    def media_group_id(self) -> str | None:
        group: str | None = self.raw["message"].get("media_group_id")
        return group

    @property
    def caption(self) -> str | None:
        caption: str | None = self.raw["message"].get("caption")
        return caption


class Timeout(AssertionError):
    pass


class UserClient:
    """One Telegram user in a private chat with the bot, talking through the emulator."""

    _ids = itertools.count(1)

    def __init__(self, http: httpx.Client, base_url: str, token: str = BOT_TOKEN, user_id: int | None = None,
                 chat_type: str = "private") -> None:
        self.http = http
        self.base = base_url
        self.token = token
        self.user_id = user_id or 10_000 + next(self._ids)
        self.chat_id = self.user_id
        self.chat_type = chat_type
        self.user = {"id": self.user_id, "is_bot": False, "first_name": "Kari", "username": f"kari{self.user_id}"}

    def _common(self) -> dict[str, Any]:
        return {"botToken": self.token, "from": self.user, "date": int(time.time()),
                "chat": {"id": self.chat_id, "type": self.chat_type, "first_name": "Kari"}}

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.http.post(f"{self.base}{path}", json=body)
        response.raise_for_status()
        return response.json()

    def send(self, text: str) -> None:
        self._post("/sendMessage", {**self._common(), "text": text})

    def send_fields(self, **fields: Any) -> None:
        """A message with arbitrary content (a sticker, a photo …)."""
        self._post("/sendMessage", {**self._common(), **fields})

    def command(self, text: str) -> None:
        length = len(text.split()[0])
        self._post("/sendCommand", {**self._common(), "text": text,
                                    "entities": [{"type": "bot_command", "offset": 0, "length": length}]})

    def press(self, message: BotMessage, data: str) -> None:
        """Press a button under `message`, sending what Telegram would (including its keyboard)."""
        pressed = {"message_id": message.message_id, "date": int(time.time()),
                   "chat": {"id": self.chat_id, "type": self.chat_type, "first_name": "Kari"},
                   "from": {"id": 666, "is_bot": True, "first_name": "Test First name"}, "text": message.text}
        if message.markup:
            pressed["reply_markup"] = message.markup
        self._post("/sendCallback", {"botToken": self.token, "from": self.user, "data": data, "message": pressed})

    def poll(self) -> list[BotMessage]:
        data = self._post("/getUpdates", {"token": self.token, "chatId": self.chat_id})
        return [BotMessage.of(m) for m in data.get("result") or []]

    def replies(self, count: int = 1, timeout: float = 5.0, step: float = 0.02) -> list[BotMessage]:
        """Wait for `count` new bot messages in this chat (bounded)."""
        got: list[BotMessage] = []
        deadline = time.monotonic() + timeout
        while True:
            got.extend(self.poll())
            if len(got) >= count:
                return got
            if time.monotonic() >= deadline:
                raise Timeout(f"expected {count} replies, got {len(got)}: {[m.text[:60] for m in got]}")
            time.sleep(step)

    def reply(self, timeout: float = 5.0) -> BotMessage:
        return self.replies(1, timeout)[0]

    def quiet(self, seconds: float = 0.4) -> list[BotMessage]:
        """Whatever arrives within `seconds` (used to check that nothing does)."""
        deadline = time.monotonic() + seconds
        got: list[BotMessage] = []
        while time.monotonic() < deadline:
            got.extend(self.poll())
            time.sleep(0.02)
        return got

    def download(self, file_id: str) -> bytes:
        """The bytes of a file the bot uploaded, the way the Bot API serves them: getFile, then
        the file URL (emulator.js keeps uploads as long as the emulator keeps messages)."""
        found = self._post(f"/bot{self.token}/getFile", {"file_id": file_id})
        response = self.http.get(f"{self.base}/file/bot{self.token}/{found['result']['file_path']}")
        response.raise_for_status()
        return response.content

    def history(self) -> list[dict[str, Any]]:
        return self._post("/getUpdatesHistory", {"token": self.token}).get("result") or []

    def current(self, message_id: int) -> BotMessage:
        """The latest version of a bot message (edits change it in place in the emulator)."""
        for stored in self.history():
            if stored.get("messageId") == message_id and "chat_id" in stored.get("message", {}):
                if str(stored["message"]["chat_id"]) == str(self.chat_id):
                    return BotMessage.of(stored)
        raise AssertionError(f"message {message_id} not found")

    def wait_edit(self, message: BotMessage, until: Callable[[BotMessage], bool], timeout: float = 5.0) -> BotMessage:
        deadline = time.monotonic() + timeout
        while True:
            now = self.current(message.message_id)
            if until(now):
                return now
            if time.monotonic() >= deadline:
                raise Timeout(f"message {message.message_id} not edited as expected: {now.text[:80]!r}")
            time.sleep(0.03)
