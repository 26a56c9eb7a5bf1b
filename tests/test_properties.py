"""Arbitrary text never raises and always yields a reply (emoji, control characters, FTS and regex syntax)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ropbot.reply import Reply

SYNTAX = st.sampled_from(['"', "AND(", "*", "NEAR", "OR", "NOT", "(", ")", "[", "]", "\\", "^", "$", ".*",
                          "{2,}", "|", "?", "+", "-", ":", "'", "%", "_", "\x00", "\u202e", "😀", "🏳️‍🌈"])
WORDS = st.sampled_from(["fastlege", "rus", "psykose", "anbefaling", "69", "kva", "ikkje", "bolig", "#", "nr"])
MESSAGES = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(SYNTAX, WORDS, st.text(max_size=8)), max_size=40).map(" ".join),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1FFFF), max_size=100),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=MESSAGES, relative=st.booleans())
def test_any_text_gets_a_reply(engine, message: str, relative: bool):
    reply = engine.handle(message, "relative" if relative else "staff")
    assert isinstance(reply, Reply) and reply.parts and reply.text()
    assert reply.audience in ("staff", "relative")


def test_ten_thousand_characters(engine):
    for message in ("a" * 10_000, "fastlege " * 1_200, "😀" * 10_000, "\x07\x1b[31m" * 2_000):
        reply = engine.handle(message)
        assert reply.parts
