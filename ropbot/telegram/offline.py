"""An in-process Bot API for the handler benchmark and the unit tests.

python-telegram-bot sends every call through a `BaseRequest`; answering
here, without a network, runs the whole handler stack exactly as in
production. Subclasses override `result` for the calls they care about.
"""
from __future__ import annotations

import itertools
import json
import time
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT = {"id": 777, "is_bot": True, "first_name": "ropbot", "username": "ropbot_test_bot",
       "can_join_groups": True, "supports_inline_queries": True}


_READS_PARAMS = frozenset({"sendMessage", "getFile", "sendPhoto", "sendMediaGroup"})


class OfflineRequest(BaseRequest):
    """Records each (method, parameters) and answers like the Bot API; `fail` forces errors."""

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
        wanted = request_data is not None and (self.record or name in _READS_PARAMS)
        params = dict(request_data.parameters) if wanted and request_data is not None else {}
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
