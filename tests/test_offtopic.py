"""Needs the guideline does not cover get an honest note and where to ask (issue 11)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ropbot import reply as R
from ropbot.engine import Engine
from ropbot.offtopic import OffTopic

INTENTS = Path(__file__).resolve().parent.parent / "intents"


@pytest.fixture(scope="module")
def themes() -> OffTopic:
    return OffTopic.load(INTENTS / "offtopic.yaml")


def test_every_named_service_and_number_has_a_checked_source(themes: OffTopic):
    assert {t.name for t in themes.themes} >= {"coercion", "minors-confidentiality", "alcohol-cannabis-alone",
                                               "driving-licence", "nav-money"}
    for theme in themes.themes:
        assert theme.services, theme.name
        for service in theme.services:
            assert service.url.startswith("https://") and "https://" in service.source
        phones = {s.phone for s in theme.services if s.phone}
        for number in re.findall(r"\b\d\d(?: \d\d){3}\b", theme.note):
            assert number in phones, (theme.name, number)


@pytest.mark.parametrize("message, theme", [
    ("hvordan får vi sønnen vår tvangsinnlagt?", "coercion"),
    ("jeg er 15, får foreldrene mine vite hva jeg sier til legen?", "minors-confidentiality"),
    ("kan jeg kjøre bil når jeg går på subutex?", "driving-licence"),
    ("hvor mye får man i sosialhjelp i måneden", "nav-money"),
    ("jeg drikker for mye øl i helgene, er det farlig?", "alcohol-cannabis-alone"),
])
def test_off_topic_needs_get_the_note(engine: Engine, themes: OffTopic, message: str, theme: str):
    reply = engine.handle(message)
    note = next(t for t in themes.themes if t.name == theme).note
    assert not reply.answered and reply.parts[0].text == note
    assert any(p.kind == "source" and p.url for p in reply.parts)


def test_a_rop_question_about_cannabis_is_not_off_topic(themes: OffTopic):
    assert themes.theme("sønnen min har psykose og røyker hasj hver dag, hvem har ansvaret?") is None


def test_fallback_for_relatives_points_to_relatives_help_and_help_lines(engine: Engine):
    reply = engine.handle("hvordan lager man pannekaker med blåbær", "relative")
    assert reply.decision == R.Decision.FALLBACK
    assert any(a.go is R.Go.SHOW and a.target == "T-parorende-rettigheter" for a in reply.followups)
    assert "116 123" in reply.text()


def test_fallback_for_staff_shows_how_to_ask_with_nearby_examples(engine: Engine):
    reply = engine.handle("hvordan lager man pannekaker med blåbær", "staff")
    assert reply.decision == R.Decision.FALLBACK
    assert sum(p.kind == "bullet" for p in reply.parts) >= 1
    assert {a.go for a in reply.followups} >= {R.Go.CHAPTERS, R.Go.ROLES}


def test_an_off_topic_story_that_also_asks_something_covered_gets_both(engine: Engine):
    # The note says where to ask about the licence; the question about the mental health
    # assessment is the guideline's, so its entries are offered as buttons after the note.
    reply = engine.handle("Sønnen min har mistet førerkortet, og nå drikker han mer og er deprimert. "
                          "Hvem skal kartlegge den psykiske helsa hans?")
    assert reply.decision == R.Decision.FALLBACK and reply.entry_id is None
    assert any(p.kind == "source" for p in reply.parts)
    offered = [a.target for a in reply.followups if a.go is R.Go.SHOW]
    assert "R17" in offered[:3], offered
