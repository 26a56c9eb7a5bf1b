"""Fixtures for the end-to-end tests: the emulator on a free loopback port, the bot polling it, users."""
from __future__ import annotations

import logging
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
from ropbot.telegram.app import build_application  # noqa: E402
from ropbot.telegram.testing import MemoryRecorder  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


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
