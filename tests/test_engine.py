"""Engine decisions: answer, did-you-mean, fallback, lookups, intents, crisis, audience."""
from __future__ import annotations

import pytest
from probes import R69_QUESTION

from ropbot import reply as R
from ropbot.engine import Engine, Levels, decide, linked
from ropbot.reply import Action, Go, Hit


def test_answer_with_number_text_and_source(engine: Engine):
    reply = engine.handle(R69_QUESTION)
    assert reply.decision == R.Decision.ANSWER and reply.entry_id == "R69"
    text = reply.text()
    assert "Anbefaling 69" in text and "8.3.2" in text
    assert reply.source_url and reply.source_url.startswith("https://www.helsebiblioteket.no/")
    assert any(p.kind == "credit" for p in reply.parts)


def test_a_question_for_two_entries_offers_both_the_likelier_first(engine: Engine):
    # This asks who follows up somatic health (R69) and what the municipality must do (8.3.2);
    # it was answered with R69 until the eighth round's ranker, which asks for a wider lead.
    reply = engine.handle("hvem skal følge opp den somatiske helsa til en med rop-lidelse?")
    shown = [reply.entry_id] if reply.entry_id else []
    shown += [a.target for a in reply.followups if a.go is Go.SHOW and a.target]
    assert shown[0] == "R69" and "S8.3.2" in shown[:3], (reply.decision, shown)


@pytest.mark.parametrize("message, number", [
    ("anbefaling 69", 69), ("nr 69", 69), ("#69", 69), ("/anbefaling 69", 69), ("anb.38 takk", 38),
    ("hva sier anbefaling nummer tolv", 12), ("kva seier tilråding 14?", 14), ("anbefaling førtitre", 43),
])
def test_lookup_by_number(engine: Engine, message: str, number: int):
    reply = engine.handle(message)
    assert reply.decision == R.Decision.NUMBER and reply.entry_id == f"R{number}"


def test_number_out_of_range(engine: Engine):
    reply = engine.handle("anbefaling 999")
    assert reply.decision == R.Decision.NUMBER and reply.entry_id is None and "1–93" in reply.text()


def test_placeholder_says_not_written_and_links(engine: Engine, live):
    placeholder = next(r for r in live.current.corpus.recommendations if r.status == "placeholder")
    reply = engine.handle(f"anbefaling {placeholder.number}")
    assert "ikke skrevet inn i ropbot" in reply.text()
    assert reply.source_url and reply.source_url.startswith("https://")


def test_glossary_lookup(engine: Engine):
    reply = engine.handle("hva er DUDIT?")
    assert reply.decision == R.Decision.GLOSSARY and reply.entry_id == "G-dudit"
    act = engine.handle("hva er et ACT-team?")
    assert act.entry_id in ("G-act", "R39")


@pytest.mark.parametrize("message, name", [("hei", "greeting"), ("Hei!", "greeting"), ("takk", "thanks"),
                                           ("tusen takk for hjelpen", "thanks"), ("hjelp", "help")])
def test_intents(engine: Engine, message: str, name: str):
    reply = engine.handle(message)
    assert reply.decision == R.Decision.INTENT and reply.entry_id is None


@pytest.mark.parametrize("message", ["", "   ", "😀😀😀", "???", "og", "er det", "og er det"])
def test_empty_or_stopwords_only_match_nothing(engine: Engine, message: str):
    reply = engine.handle(message)
    assert reply.decision in (R.Decision.EMPTY, R.Decision.FALLBACK, R.Decision.INTENT)
    assert not reply.answered and reply.parts


def test_fallback_offers_browsing(engine: Engine):
    reply = engine.handle("hvordan lager man pannekaker med blåbær")
    assert reply.decision == R.Decision.FALLBACK
    assert {a.go for a in reply.followups} >= {Go.CHAPTERS, Go.ROLES}


def test_out_of_scope_practical_question(engine: Engine):
    reply = engine.handle("når stenger legekontoret i julen?")
    assert not reply.answered


def test_did_you_mean_when_leaders_are_close(engine: Engine):
    """Leaders tie on `blend` (the ranking log-odds), not on `score`. Hits built with blend left at
    its default of 0 all tie, so every hit here sets it: each pair really ties or really does not."""
    margin = Levels().margin
    corpus = engine.knowledge.corpus
    assert not linked(corpus, "R69", "R30") and linked(corpus, "R69", "S8.3.2")

    def pair(lead: float, score: float = 0.9, second: str = "R30") -> tuple[Hit, ...]:
        """Two confident leaders, the first ahead by `lead` in blend."""
        return Hit("R69", score, 0, 0, blend=2.0), Hit(second, score - 0.01, 0, 0, blend=2.0 - lead)

    assert decide(pair(lead=3 * margin), corpus=corpus) == R.Decision.ANSWER        # clearly ahead
    assert decide(pair(lead=margin + 0.001), corpus=corpus) == R.Decision.ANSWER    # just outside the margin
    assert decide(pair(lead=margin - 0.001), corpus=corpus) == R.Decision.DID_YOU_MEAN  # just inside: a tie
    assert decide(pair(lead=0.0), corpus=corpus) == R.Decision.DID_YOU_MEAN
    # The score gap does not decide a tie: far apart in score, level in blend, is still a tie.
    assert decide((Hit("R69", 0.95, 0, 0, blend=3.0), Hit("R30", 0.30, 0, 0, blend=2.99))) == R.Decision.DID_YOU_MEAN
    # Leaders that point at each other complement rather than compete: the hand-set levels answer,
    # fitted levels (no such exception) and a missing corpus (no links known) do not.
    linked_tie = pair(lead=0.0, second="S8.3.2")
    assert decide(linked_tie, corpus=corpus) == R.Decision.ANSWER
    assert decide(linked_tie, corpus=corpus, levels=Levels(linked_ties_answer=False)) == R.Decision.DID_YOU_MEAN
    assert decide(linked_tie) == R.Decision.DID_YOU_MEAN
    # A first leader at `sure_at` or more answers however close the second (chosen by rank-train).
    assert decide(pair(lead=0.0, score=0.95), corpus=corpus, levels=Levels(sure_at=0.9)) == R.Decision.ANSWER
    assert decide(pair(lead=0.0, score=0.85), corpus=corpus, levels=Levels(sure_at=0.9)) == R.Decision.DID_YOU_MEAN
    # Confidence still comes first: a clear lead below answer_at asks, below suggest_at falls back.
    assert decide(pair(lead=1.0, score=0.30), corpus=corpus) == R.Decision.DID_YOU_MEAN
    assert decide((Hit("R69", 0.9, 0, 0, blend=2.0),)) == R.Decision.ANSWER
    assert decide((Hit("R69", 0.05, 0, 0, blend=2.0),)) == R.Decision.FALLBACK
    assert decide(()) == R.Decision.FALLBACK


def test_did_you_mean_reply_has_choices(engine: Engine, live):
    from ropbot import compose
    hits = tuple(live.current.matcher.rank("revurdere diagnose etter rusfrihet"))[:3]
    reply = compose.did_you_mean(live.current.corpus, hits, "staff")
    assert reply.decision == R.Decision.DID_YOU_MEAN and 1 <= len(reply.followups) <= 3
    assert all(a.go is Go.SHOW for a in reply.followups)


@pytest.mark.parametrize("message, kind", [
    ("jeg vil ikke leve lenger", "suicide"),
    ("eg orkar ikkje meir, har bestemt meg for å ta livet mitt", "suicide"),
    ("kameraten min har tatt en overdose og puster ikke", "overdose"),
    ("hun ligger bevisstløs på gulvet", "danger"),
    ("han truer oss med kniv nå", "violence"),
    ("faren min slår meg nå", "violence"),
])
def test_crisis_comes_first(engine: Engine, message: str, kind: str):
    reply = engine.handle(message)
    assert reply.decision == R.Decision.CRISIS and kind in reply.crisis
    first = reply.text().split("\n")
    assert "113" in "\n".join(first[:4])
    body = reply.text()
    for number in ("113", "116 117", "112", "116 123", "22 40 00 40"):
        assert number in body
    if kind == "violence":
        assert "112" in reply.parts[1].text


@pytest.mark.parametrize("message", [
    "hvordan vurderer vi selvmordsrisiko hos rop-pasienter?",
    "skal vi gjøre en selvmordsrisikovurdering på alle pasientene?",
    "hvem er mest utsatt for selvmord blant pasienter med rus og psykisk lidelse?",
])
def test_suicide_risk_assessment_is_not_a_crisis(engine: Engine, message: str):
    reply = engine.handle(message)
    assert reply.decision != R.Decision.CRISIS
    assert reply.entry_id == "R25" or any(h.id == "R25" for h in reply.hits[:3])


def test_relative_cue_switches_audience_and_sticks(engine: Engine):
    first = engine.handle("sønnen min har psykose og ruser seg, hvem har ansvaret?", "staff")
    assert first.audience == "relative"
    follow = engine.handle("hvem følger opp den somatiske helsa?", first.audience)
    assert follow.audience == "relative" and follow.view == "plain"
    staff = engine.handle("hvem følger opp den somatiske helsa?", "staff")
    assert staff.view == "pro" and staff.parts[2].text != follow.parts[2].text


def test_show_switches_view(engine: Engine):
    pro = engine.show("R69", "relative", view="pro")
    plain = engine.show("R69", "relative", view="plain")
    assert pro.view == "pro" and plain.view == "plain" and pro.parts != plain.parts
    assert Action("Enklere språk", Go.VIEW, "R69", "plain") in pro.followups


def test_section_and_chapters(engine: Engine):
    section = engine.section("8.3.2")
    assert section is not None and "69" in section.text()
    chapters = engine.chapters()
    assert any(a.go is Go.CHAPTER and a.target == "8" for a in chapters.followups)
    assert engine.section("9.9") is None and engine.show("R999") is None


def test_huge_and_odd_input_is_answered(engine: Engine):
    reply = engine.handle("fastlege " * 3000)
    assert reply.parts
    reply = engine.handle('"AND( * NEAR) OR (( [a-z]+ \\\\ \x00\x07')
    assert reply.parts


def test_credit_line_names_the_guideline_except_on_pages_from_other_sources(engine: Engine, live):
    guideline_credit = live.current.corpus.guideline.credit
    for entry_id in ("R69", "R17", "S8.1"):
        assert guideline_credit in engine.show(entry_id).text()
    relatives = engine.show("T-parorende-rettigheter")
    assert "helsebiblioteket.no/retningslinjer/rop" not in relatives.source_url
    assert guideline_credit not in relatives.text() and "egne ord" in relatives.text()


def test_an_answer_offers_plausible_runners_up_as_buttons(engine: Engine):
    """Issue 11: a message that raises two topics is answered with the stronger, and the other is
    offered as a button; an entry below the suggestion level is not offered, nor one shown already."""
    from ropbot.engine import _with_runners_up

    k = engine.knowledge
    answer = engine.show("R69")
    assert answer is not None
    already = next(a.target for a in answer.followups if a.go is Go.SHOW)
    def hit(entry_id: str, score: float) -> Hit:
        return Hit(entry_id, score, 0.0, 0.0, 0.0, 0.0)

    hits = (hit("R69", 0.9), hit(already, 0.8), hit("R3", 0.5), hit("R13", 0.1))
    out = _with_runners_up(k, answer, hits, suggest_at=0.375)
    shows = [a.target for a in out.followups if a.go is Go.SHOW]
    assert shows[0] == "R3" and shows.count(already) == 1 and "R13" not in shows
    views = [a.go for a in out.followups[:2]]
    assert Go.SHOW not in views  # the answer's own view buttons stay first
    assert _with_runners_up(k, answer, hits[:1], suggest_at=0.375) is answer


def test_fitted_levels_bring_their_own_scope_level_and_linked_ties():
    from ropbot.engine import Levels
    from ropbot.matcher import Ranker

    ranker = Ranker((0.0,), 0.0, answer_at=0.6, suggest_at=0.3, margin=1.5, linked_ties=True, out_of_scope_at=0.8,
                    sure_at=0.9)
    levels = Levels.of(ranker)
    assert (levels.out_of_scope_at, levels.linked_ties_answer, levels.sure_at) == (0.8, True, 0.9)
    # A scope level under the answer level would answer what the answer level refuses.
    assert Levels.of(ranker._replace(out_of_scope_at=0.5)).out_of_scope_at == 0.6
