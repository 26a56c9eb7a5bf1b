"""Shared helpers for the store/privacy/publish/admin tests (not a conftest, to stay out of others' way)."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

from ropbot.reply import Hit
from ropbot.reply import Reply

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
INTENTS = ROOT / "intents"

EXTRA_NAME = "ekstra.yaml"
EXTRA = """glossary:
- id: G-testbegrep
  term: Testbegrep
  definition: Et begrep som bare finnes i testene av publisering.
""".encode()
BAD = """glossary:
- id: G-uferdig
  term: Uferdig
""".encode()


def copy_corpus(base: Path) -> Path:
    """A private copy of corpus/ (the real one is never touched by tests)."""
    target = base / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def reply(decision: str, entry_id: str | None = None, score: float | None = None) -> Reply:
    """A real engine Reply with the decision, entry and scores a store test needs."""
    hits = (Hit(entry_id or "R1", score, 0, 0), Hit("R2", max(0.0, score - 0.2), 0, 0)) if score is not None else ()
    return Reply(decision, (), entry_id, hits=hits)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, after decoding it fully (a truncated file fails here)."""
    from PIL import Image

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG"
        return image.size
