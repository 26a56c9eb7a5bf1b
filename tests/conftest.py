"""Shared fixtures: one engine over the bundled corpus, scratch corpus copies and files for tests
that change it, replies for store tests, a PNG check for charts, and bots on the Telegram test
backend."""
from __future__ import annotations

import io
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ropbot.engine import Engine
from ropbot.live import LiveKnowledge
from ropbot.reply import Hit, Reply
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


# --- corpus changes --------------------------------------------------------------------------


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of corpus/ (the real one is never touched by tests)."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@dataclass(frozen=True)
class CorpusFile:
    """A corpus file as an admin uploads it."""

    name: str
    content: bytes


@pytest.fixture()
def extra_yaml() -> CorpusFile:
    """A valid new file that adds one glossary term, G-testbegrep."""
    return CorpusFile("ekstra.yaml", b"""glossary:
- id: G-testbegrep
  term: Testbegrep
  definition: Et begrep som bare finnes i testene av publisering.
""")


@pytest.fixture()
def bad_yaml() -> CorpusFile:
    """An invalid file: a glossary term without its definition."""
    return CorpusFile("uferdig.yaml", b"""glossary:
- id: G-uferdig
  term: Uferdig
""")


# --- store tests -----------------------------------------------------------------------------

MakeReply = Callable[..., Reply]


@pytest.fixture(scope="session")
def make_reply() -> MakeReply:
    """make_reply(decision, entry_id=None, score=None): a real engine Reply with the decision,
    entry and scores a store test needs (the runner-up scores 0.2 less)."""

    def reply(decision: str, entry_id: str | None = None, score: float | None = None) -> Reply:
        hits = ((Hit(entry_id or "R1", score, 0, 0), Hit("R2", max(0.0, score - 0.2), 0, 0))
                if score is not None else ())
        return Reply(decision, (), entry_id, hits=hits)

    return reply


@pytest.fixture(scope="session")
def png_size() -> Callable[[bytes], tuple[int, int]]:
    """png_size(data): width and height of a PNG, after decoding it fully (a truncated file fails)."""

    def size(data: bytes) -> tuple[int, int]:
        from PIL import Image

        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.format == "PNG"
            return image.size

    return size


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


# Modules that run the whole system many times over; `make test-fast` leaves them out.
SLOW_MODULES = frozenset({"test_publish_kill", "test_attack", "test_blind_sets", "test_loadtest", "test_web_browser",
                          "test_e2e", "test_e2e_stats", "test_crisis", "test_eval_floor"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
