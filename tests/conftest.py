"""Shared fixtures: one engine over the bundled corpus, and scratch copies for tests that break it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ropbot.engine import Engine
from ropbot.live import LiveKnowledge

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
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
