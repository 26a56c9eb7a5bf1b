"""Reloading the live corpus: broken YAML keeps the old corpus; good changes swap atomically."""
from __future__ import annotations

import threading
from pathlib import Path

from ropbot.engine import Engine
from ropbot.live import LiveKnowledge

INTENTS = Path(__file__).resolve().parent.parent / "intents"


def test_broken_yaml_keeps_the_old_corpus(corpus_copy: Path):
    live = LiveKnowledge(corpus_copy, INTENTS)
    before = live.current
    (corpus_copy / "roller.yaml").write_text("roles:\n  - id: S8.1\n    title: [broken\n", encoding="utf-8")
    result = live.reload()
    assert not result.ok
    assert any(str(e).startswith("roller.yaml:") for e in result.errors)
    assert live.current is before
    assert Engine(live).handle("anbefaling 69").entry_id == "R69"


def test_valid_change_is_swapped_in(corpus_copy: Path):
    live = LiveKnowledge(corpus_copy, INTENTS)
    old_checksum = live.current.corpus.checksum
    path = corpus_copy / "kapittel-8-roller-og-ansvar.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: Fastlegen følger opp den allmennmedisinske helsen",
                                 "title: Fastlegen har ansvaret for den kroppslige helsen", 1), encoding="utf-8")
    result = live.reload()
    assert result.ok and live.current.corpus.checksum != old_checksum
    assert "kroppslige helsen" in Engine(live).handle("anbefaling 69").text()


def test_readers_never_see_a_half_swapped_corpus(corpus_copy: Path):
    live = LiveKnowledge(corpus_copy, INTENTS)
    engine = Engine(live)
    path = corpus_copy / "kapittel-8-roller-og-ansvar.yaml"
    original = path.read_text(encoding="utf-8")
    variant = original.replace("title: Fastlegen følger opp den allmennmedisinske helsen",
                               "title: Fastlegen har ansvaret for den kroppslige helsen", 1)
    titles = {"Fastlegen følger opp den allmennmedisinske helsen", "Fastlegen har ansvaret for den kroppslige helsen"}
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                k = live.current
                rec = k.corpus.recommendation(69)
                assert rec.title in titles
                assert k.corpus.get("R69") is rec  # lookups and lists belong to the same snapshot
                assert engine.handle("anbefaling 69").entry_id == "R69"
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for t in readers:
        t.start()
    for i in range(6):
        path.write_text(variant if i % 2 == 0 else original, encoding="utf-8")
        assert live.reload().ok
    stop.set()
    for t in readers:
        t.join(timeout=30)
    assert not errors, errors


def test_remembered_screens_are_rebuilt_after_a_reload(corpus_copy: Path):
    from ropbot.telegram import views
    live = LiveKnowledge(corpus_copy, INTENTS)
    engine = Engine(live)
    old = "title: Fastlegen følger opp den allmennmedisinske helsen"
    first = views.entry(engine, "R69", "staff")
    assert views.entry(engine, "R69", "staff") is first  # kept while the snapshot lives
    section = views.section(engine, "8.3.2", "staff")
    assert "allmennmedisinske helsen" in first.text
    path = corpus_copy / "kapittel-8-roller-og-ansvar.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        old, "title: Fastlegen har ansvaret for den kroppslige helsen", 1), encoding="utf-8")
    assert live.reload().ok
    after = views.entry(engine, "R69", "staff")
    assert "kroppslige helsen" in after.text and "allmennmedisinske helsen" not in after.text
    assert views.section(engine, "8.3.2", "staff") is not section
    assert views.chapter(engine, "99", "staff") is None
    assert not any("99" in key for key in map(repr, live.current.memo))  # no memo for what does not exist
    assert views.chapter(engine, number="8", audience="staff") is views.chapter(engine, number="8", audience="staff")
