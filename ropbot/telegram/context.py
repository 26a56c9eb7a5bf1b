"""The context every ropbot handler gets (python-telegram-bot's `contexttypesbot.py` pattern).

Dependencies and per-update flags are typed attributes of one class, set in one place; nothing
is set ad hoc on framework objects, and handlers read `context.deps` instead of digging in
`bot_data` by key."""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from ..config import Settings
from ..engine import Engine
from ..intents import Audience
from .hooks import SafeRecorder

DEPS_KEY = "ropbot"
ADMIN_KEY = "ropbot_admin"
AUDIENCE_KEY = "audience"


@dataclass(frozen=True)
class Deps:
    """What handlers need, stored once in `application.bot_data` (no module globals)."""

    settings: Settings
    engine: Engine
    recorder: SafeRecorder


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    __slots__ = ("skip_touch",)

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        # The handler has already noted the user as active (recording a question does), or must
        # not (a command meant for another bot in a group).
        self.skip_touch = False

    @property
    def deps(self) -> Deps:
        deps: Deps = self.application.bot_data[DEPS_KEY]
        return deps

    @property
    def admin(self) -> Any:
        """The admin side's dependencies (`admin.AdminDeps`), when the admin module is wired in."""
        return self.application.bot_data.get(ADMIN_KEY)

    @property
    def audience(self) -> Audience:
        data = self.chat_data
        return Audience(data.get(AUDIENCE_KEY, Audience.STAFF)) if data is not None else Audience.STAFF

    @audience.setter
    def audience(self, audience: Audience) -> None:
        if self.chat_data is not None and audience in (Audience.STAFF, Audience.RELATIVE):
            self.chat_data[AUDIENCE_KEY] = Audience(audience)


Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
