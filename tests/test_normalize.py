"""A table of normalisation cases: case, nynorsk, stems, compounds, lexicon, typos, stop words."""
from __future__ import annotations

import pytest

from ropbot.normalize import fold


@pytest.fixture(scope="module")
def norm(live):
    return live.current.normalizer


def test_fold_keeps_norwegian_letters():
    assert fold("ÆØÅ Fastlegen") == "æøå fastlegen"
    assert fold("Rusbehandling") == "rusbehandling"


@pytest.mark.parametrize("text, expected", [
    ("kva seier tilrådinga", ["hva", "sier", "anbefalingen"]),
    ("korleis kan eg få hjelp heime", ["hvordan", "kan", "jeg", "få", "hjelp", "hjemme"]),
    ("ikkje", ["ikke"]),
    ("den psykiske lidinga", ["den", "psykiske", "lidelsen"]),
])
def test_nynorsk_to_bokmal(norm, text, expected):
    assert norm.words(text) == expected


@pytest.mark.parametrize("word, stem", [
    ("fastlegen", "fastlege"), ("fastlegene", "fastlege"), ("lidelser", "lidelse"),
    ("ruslidelsen", "ruslidelse"), ("boligen", "bolig"), ("kartleggingen", "kartlegging"),
])
def test_domain_words_are_not_overstemmed(norm, word, stem):
    assert norm.stem(word) == stem


@pytest.mark.parametrize("query, must_contain", [
    ("rus lidelse", {"ruslidelse"}),          # compound written apart is joined
    ("fast lege", {"fastlege"}),
    ("rusbehandling", {"rus", "tsb"}),        # compound split and lexicon expansion
    ("GP", {"fastlege"}),                     # abbreviation
    ("dual diagnosis", {"rop"}),              # English term
    ("outreach", {"oppsøk"}),
    ("dop og piller", {"narkotika"}),         # lay words
    ("psykiatrien", {"psykisk", "helsevern"}),
    ("han er full hele tiden", {"alkohol"}),
    ("fastlgen", {"fastlege"}),               # typos corrected against the corpus vocabulary
    ("kartlegginng av alkohool", {"kartlegging", "alkohol"}),
])
def test_query_terms(norm, query, must_contain):
    terms = norm.terms(query)
    stems = {norm.stem(w) for w in must_contain}
    assert stems <= set(terms), (query, terms)


def test_typo_is_corrected_to_a_corpus_word(norm):
    terms = norm.terms("integrert behandlign")
    assert "behandlign" not in terms and any(t.startswith("behand") for t in terms)


@pytest.mark.parametrize("query", ["og", "er det", "og er det", "hva er det", "jeg lurer på", "🙂", ""])
def test_stop_words_alone_give_no_terms(norm, query):
    assert norm.terms(query) == {}


def test_real_words_are_not_corrected_and_common_words_not_split(normalizer=None):
    """«kommunelege» is a real word outside the corpus; «venninne» is a friend, not venn + inne."""
    from pathlib import Path

    from ropbot.live import LiveKnowledge

    root = Path(__file__).resolve().parent.parent
    n = LiveKnowledge(root / "corpus", root / "intents").current.normalizer
    assert "kommuneoverleg" not in n.terms("kommunelege")
    assert not {"venn", "inn", "inne"} & set(n.terms("venninne"))
