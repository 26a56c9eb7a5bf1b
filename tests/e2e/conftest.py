"""Fixtures for the end-to-end tests: the emulator on a free loopback port, the bot polling it, users,
and an admin's bot (the store and admin handlers as `ropbot run` wires them) with its admin."""
from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tg_emulator import BOT_TOKEN, BotThread, Emulator, EmulatorRequest, UserClient, emulator_available  # noqa: E402

from ropbot.config import Settings  # noqa: E402
from ropbot.engine import Engine  # noqa: E402
from ropbot.live import LiveKnowledge  # noqa: E402
from ropbot.telegram import admin  # noqa: E402
from ropbot.telegram.app import build_application  # noqa: E402
from ropbot.telegram.testing import MemoryRecorder  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# The admin's bot is a second bot on the same emulator: its own token keeps its chats and updates
# apart from the shared bot's, whose recorder is a MemoryRecorder and which has no admin commands.
ADMIN_BOT_TOKEN = "654321:ropbot-e2e-admin"
ADMIN_ID = 770_001


class ErrorLog(logging.Handler):
    """Collects errors logged by the bot thread, so a test fails on a swallowed exception."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    reason = emulator_available()
    if reason:
        pytest.skip(reason)
    server = Emulator().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def e2e_engine() -> Engine:
    return Engine(LiveKnowledge(ROOT / "corpus", ROOT / "intents"))


@pytest.fixture(scope="session")
def recorder() -> MemoryRecorder:
    """The test backend's recorder, so tests can check feedback reached the store interface."""
    return MemoryRecorder()


@pytest.fixture(scope="session")
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    for name in ("ropbot", "telegram"):
        logging.getLogger(name).addHandler(handler)
    yield handler
    for name in ("ropbot", "telegram"):
        logging.getLogger(name).removeHandler(handler)


@pytest.fixture(scope="session")
def bot(emulator: Emulator, e2e_engine: Engine, recorder: MemoryRecorder, errors: ErrorLog) -> Iterator[BotThread]:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "ROPBOT_TELEGRAM_API_URL": emulator.bot_api})
    app = build_application(settings, e2e_engine, recorder,
                            request=EmulatorRequest(), get_updates_request=EmulatorRequest())
    runner = BotThread(app).start()
    try:
        yield runner
    finally:
        runner.stop()


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture()
def user(bot: BotThread, emulator: Emulator, http: httpx.Client, errors: ErrorLog) -> Iterator[UserClient]:
    """A fresh user (own private chat) per test; the test fails if the bot logged an error meanwhile."""
    before = len(errors.records)
    yield UserClient(http, emulator.url)
    new = errors.records[before:]
    assert not new, [r.getMessage() for r in new]


@pytest.fixture()
def new_user(bot: BotThread, emulator: Emulator, http: httpx.Client) -> Callable[..., UserClient]:
    def make(**kwargs: Any) -> UserClient:
        return UserClient(http, emulator.url, **kwargs)

    return make


@pytest.fixture(scope="session")
def admin_bot(emulator: Emulator, errors: ErrorLog,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotThread]:
    """ropbot as `ropbot run` starts it, configured by environment variables: ADMIN_ID in
    ROPBOT_ADMINS, the SQLite store and a copy of corpus/ in a temp folder (publishing writes
    there), and the store as the recorder, so what users ask shows up in /stats."""
    folder = tmp_path_factory.mktemp("e2e-admin")
    shutil.copytree(ROOT / "corpus", folder / "corpus")
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": ADMIN_BOT_TOKEN, "ROPBOT_TELEGRAM_API_URL": emulator.bot_api,
        "ROPBOT_ADMINS": str(ADMIN_ID), "ROPBOT_DB": str(folder / "data" / "ropbot.db"), "ROPBOT_SALT": "e2e",
        "ROPBOT_CORPUS": str(folder / "corpus"), "ROPBOT_INTENTS": str(ROOT / "intents"),
        "ROPBOT_WATCH_SECONDS": "3600"})
    live = LiveKnowledge(settings.corpus_dir, settings.intents_dir)
    engine = Engine(live)
    store, register = admin.setup(settings, live, engine)
    app = build_application(settings, engine, store, register,
                            request=EmulatorRequest(), get_updates_request=EmulatorRequest())
    deps: admin.AdminDeps = app.bot_data[admin.ADMIN_KEY]
    runner: BotThread | None = None
    try:
        runner = BotThread(app).start()
        yield runner
    finally:
        if runner is not None:
            runner.stop()
        if deps.maintenance is not None:
            deps.maintenance.stop()
        if deps.store is not None:
            deps.store.close()


@pytest.fixture()
def admin_user(admin_bot: BotThread, emulator: Emulator, http: httpx.Client, errors: ErrorLog) -> Iterator[UserClient]:
    """The admin in a private chat with the admin's bot; fails the test if the bot logged an error."""
    before = len(errors.records)
    yield UserClient(http, emulator.url, token=ADMIN_BOT_TOKEN, user_id=ADMIN_ID)
    new = errors.records[before:]
    assert not new, [r.getMessage() for r in new]


@pytest.fixture()
def admin_bot_user(admin_bot: BotThread, emulator: Emulator, http: httpx.Client) -> Callable[..., UserClient]:
    """make(**kwargs): another (non-admin) user of the admin's bot."""

    def make(**kwargs: Any) -> UserClient:
        return UserClient(http, emulator.url, token=ADMIN_BOT_TOKEN, **kwargs)

    return make
