"""Number and section lookups as people type them (issue 11): abbreviations, misspellings,
several numbers, ordinals and section numbers, answered each."""
from __future__ import annotations

from pathlib import Path

import pytest

from ropbot import reply as R
from ropbot.engine import Engine
from ropbot.lookup import Lookup


@pytest.fixture(scope="module")
def lookup() -> Lookup:
    return Lookup.load(Path(__file__).parents[1] / "intents" / "lookup.yaml")


def shown(reply: R.Reply) -> list[str]:
    heads = [p.text.split(":")[0] for p in reply.parts if p.kind == "heading"]
    return [h.removeprefix("Anbefaling ").removeprefix("Roller og ansvar ") for h in heads]


@pytest.mark.parametrize("message, numbers", [
    ("anbef. 12", ["12"]),
    ("anb 12", ["12"]),
    ("rec. 31", ["31"]),
    ("A13", ["13"]),
    ("#44", ["44"]),
    ("anbefalningen nr 12", ["12"]),
    ("anbefallinga 43, hva sier den?", ["43"]),
    ("recommendation 69 please", ["69"]),
    ("tilråding 14", ["14"]),
    ("nr 9, 10 og 11", ["9", "10", "11"]),
    ("hva sier anbefaling 12 og 31?", ["12", "31"]),
    ("den tolvte anbefalingen", ["12"]),
    ("anbefaling tjueåtte", ["28"]),
    ("den førti-tredje anbefalingen", ["43"]),   # a hyphenated ordinal
    ("finner ikke anbefalelse 26 og 27", ["26", "27"]),  # a misspelling two typos cannot reach
    ("12, 13 og 31 takk", ["12", "13", "31"]),  # numbers only, with a word of thanks
    ("5-7 pls", ["5", "6", "7"]),
    ("den førtiende anbefalingen", ["40"]),          # a tens word as an ordinal
    ("alle anbefalingene fra 64 til 68", ["64", "65", "66", "67", "68"]),
    ("recomendation 25 and 26 pls", ["25", "26"]),      # a misspelt English keyword
    ("the 25th recommendation", ["25"]),                # an English ordinal
    ("anbefailng 14 15 16", ["14", "15", "16"]),        # a list without commas
])
def test_recommendation_numbers(engine: Engine, message: str, numbers: list[str]):
    reply = engine.handle(message)
    assert reply.decision == R.Decision.NUMBER
    assert shown(reply)[: len(numbers)] == numbers


@pytest.mark.parametrize("message, heading", [
    ("kapittel 7.8.1", "7.8.1"),
    ("punkt 8.3.2", "8.3.2"),
    ("8.3.6", "8.3.6"),
    ("hva står i avsnitt 6.10?", "6.10"),
])
def test_section_numbers(engine: Engine, message: str, heading: str):
    reply = engine.handle(message)
    assert any(p.kind == "heading" and heading in p.text for p in reply.parts), reply.text()


def test_a_placeholder_is_shown_honestly(engine: Engine):
    reply = engine.handle("anbefaling 20")
    assert "ikke skrevet inn" in reply.text()


@pytest.mark.parametrize("message", ["anbefaling 94", "anbefaling 99999999999999999999", "anbefaling -1"])
def test_a_number_that_does_not_exist(engine: Engine, message: str):
    assert "finnes ikke" in engine.handle(message).text()


@pytest.mark.parametrize("message", ["ta 2.5 mg om morgenen", "møtet er kl 8.30", "han anbefaler oss å vente",
                                     "kan du anbefale 2 bøker", "vi er 3 og 4 år"])
def test_numbers_that_are_not_lookups(engine: Engine, message: str):
    assert engine.handle(message).decision != R.Decision.NUMBER


@pytest.mark.parametrize("message, heading", [
    ("avsn 6.10", "6.10"),      # an abbreviated section word
    ("kapitel 7.8.1", "7.8.1"),  # one typo
    ("seksj. 8.3.2", "8.3.2"),
])
def test_section_words_as_people_shorten_them(engine: Engine, message: str, heading: str):
    reply = engine.handle(message)
    assert any(p.kind == "heading" and heading in p.text for p in reply.parts), reply.text()


@pytest.mark.parametrize("message, number", [("kapittel 7", "7"), ("kap. 8", "8"), ("chapter 6", "6")])
def test_a_whole_chapter(engine: Engine, message: str, number: str):
    reply = engine.handle(message)
    assert reply.parts[0].kind == "heading" and reply.parts[0].text.startswith(f"Kapittel {number} ")
    assert any(p.kind == "bullet" and p.text.startswith(f"{number}.") for p in reply.parts)
    assert R.Action(f"Bla i kapittel {number}", R.Go.CHAPTER, number) in reply.followups


@pytest.mark.parametrize("message, told", [("kap 10", "kapittel 10"), ("avsn 11.2", "underkapittel 11.2")])
def test_a_chapter_or_section_that_does_not_exist(engine: Engine, message: str, told: str):
    reply = engine.handle(message)
    assert reply.decision == R.Decision.NUMBER and f"ikke noe {told}" in reply.text()


@pytest.mark.parametrize("message", ["del 2 av saken er verre", "vi leste kapittel 2 i boka i går",
                                     "Vi leste kap 2 i går", "Er det farlig å drikke under 0.5 promille?",
                                     "barn under 1.5 år"])
def test_chapter_words_before_other_numbers(engine: Engine, message: str):
    # «del» is no chapter word, «under» no section word, and a chapter asked for comes last
    reply = engine.handle(message)
    assert reply.decision not in (R.Decision.NUMBER, R.Decision.BROWSE), reply.text()


def test_a_chapter_without_recommendations_says_so(engine: Engine):
    reply = engine.handle("kapittel 4")
    assert reply.decision == R.Decision.BROWSE and "ingen anbefalinger fra dette kapitlet" in reply.text()
    assert "Underkapitler" not in reply.text()


@pytest.mark.parametrize("message, numbers", [
    ("den fjerde og den femte anbefalingen", (4, 5)),
    ("the second and third recommendations", (2, 3)),
    ("den 20. og 21. anbefalingen", (20, 21)),
    ("the 40th and 41st recommendations", (40, 41)),
    ("de to første anbefalingene", (1, 2)),
    ("the first four recommendations", (1, 2, 3, 4)),
    ("anbefaling 60 til og med 62", (60, 61, 62)),
    ("anbefalingene 7 t.o.m. 9", (7, 8, 9)),
    ("jeg har lest anbefaling 50, hva med 51 og 52?", (50, 51, 52)),
    ("annbefaling 17", (17,)),
    ("den hundrede anbefalingen", (100,)),
])
def test_ordinal_lists_ranges_and_more_numbers(lookup: Lookup, message: str, numbers: tuple[int, ...]):
    assert lookup.find(message).numbers == numbers


@pytest.mark.parametrize("message", ["kan du gi meg en anbefaling om bolig", "tolv anbefalinger handler om kartlegging",
                                     "anbefaling 12 sier noe om 2 tester", "anbefaling 5 gjelder folk over 18 år"])
def test_counts_are_not_lookups(lookup: Lookup, message: str):
    # «en anbefaling», «tolv anbefalinger»: cardinals count; «2 tester» is followed by what it counts
    found = lookup.find(message)
    assert not set(found.numbers) - {12, 5}, found


def test_a_subsection_that_does_not_exist_is_told_so(engine: Engine):
    # 8.3 exists, so «8.3.19» is a section asked for, not a dose: the reply says it does not exist
    reply = engine.handle("hva står i 8.3.19")
    assert reply.decision == R.Decision.NUMBER and "8.3.19" in reply.text()


@pytest.mark.parametrize("message", [
    "I have no one to talk to", "Det er no to veker sidan han flytta",  # English «no one», nynorsk «no» (now)
    "timen min er 8.3.2024", "innleggelse 7.4.24 og utskrivning 7.5.24",  # dates that begin with a section
    "Jeg tar 7.5 mg zopiklon hver kveld",  # a dose
    "I got a second recommendation from another doctor", "Finnes det andre anbefalinger for rusbehandling?",
    "Vi var 5. Anbefalingen fra legen var å vente",  # a sentence that ends in a number
    "Kan du vise anbefalingen en gang til?", "Is there a recommendation to reduce drinking?",
])
def test_numbers_in_prose_are_not_lookups(lookup: Lookup, message: str):
    known = frozenset({"7.4", "7.5", "8.3", "8.3.2"})
    assert not lookup.find(message, known), message


def test_more_numbers_must_end_the_clause(lookup: Lookup):
    # «hva med 17 og 18 åringer?» counts ages; «hva med 51?» asks for one more
    assert lookup.find("Anbefaling 3 sier noe om pårørende. Hva med 17 og 18 åringer?").numbers == (3,)
    assert lookup.find("anbefaling 7 sier at man skal evaluere om 2-3 uker").numbers == (7,)


def test_a_yaml_boolean_in_a_word_list_is_an_error(tmp_path):
    # YAML reads a bare «no» as false: the marker would silently become «false»
    text = (Path(__file__).parents[1] / "intents" / "lookup.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "lookup.yaml"
    bad.write_text(text.replace("markers: [nr, 'no',", "markers: [nr, no,"), encoding="utf-8")
    with pytest.raises(ValueError, match="lookup.yaml: markers: 'false'"):
        Lookup.load(bad)
