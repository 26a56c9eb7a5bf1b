"""Shared fixtures: one engine over the bundled corpus, scratch copies for tests that break it,
and bots on the Telegram test backend."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from ropbot.engine import Engine
from ropbot.live import LiveKnowledge
from ropbot.telegram.testing import FakeBot, MemoryRecorder, StartBot

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
INTENTS = ROOT / "intents"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def live() -> LiveKnowledge:
    return LiveKnowledge(CORPUS, INTENTS)


@pytest.fixture(scope="session")
def engine(live: LiveKnowledge) -> Engine:
    return Engine(live)


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of corpus/ (the real one is never touched by tests)."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


# --- Telegram ------------------------------------------------------------------------------------

@pytest.fixture()
async def start_bot(engine: Engine) -> AsyncIterator[StartBot]:
    """start_bot(**options) starts a FakeBot (options as FakeBot takes them; `engine` defaults to
    the shared one). At the end each is stopped and every message it sent is checked as Telegram
    would check it: valid HTML, at most 4,096 characters, button data at most 64 bytes."""
    bots: list[FakeBot] = []

    async def start(engine: Engine = engine, **options: Any) -> FakeBot:
        bot = FakeBot(engine, **options)
        bots.append(bot)
        return await bot.start()

    yield start
    for bot in bots:
        await bot.stop()
    for bot in bots:
        bot.check_sent()


@pytest.fixture()
async def bot(start_bot: StartBot) -> FakeBot:
    """A started bot with no store (the channel's default)."""
    return await start_bot()


@pytest.fixture()
def recorder() -> MemoryRecorder:
    return MemoryRecorder()
