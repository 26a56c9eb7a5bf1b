"""The channel-agnostic core: normalise → match → decide → compose.

Channels call `Engine.handle(text, audience)` and render the `Reply`. The
audience a channel passes in is the conversation's; the reply carries the
audience to use from now on (a relative's cue switches it and it sticks).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from . import compose
from . import texts as T
from .crisis import ACUTE, CONCERN
from .intents import Audience
from .live import Knowledge, LiveKnowledge
from .matcher import Ranker
from .model import Corpus, Entry, Term
from .normalize import fold
from .offtopic import Theme
from .reply import Action, Decision, Go, Hit, Part, Reply
from .validate import TOTAL_RECOMMENDATIONS

MAX_CHARS = 2000  # longer messages are matched on their start; nothing is rejected for length
# Decision thresholds on the calibrated confidence, chosen on the dev set: answer when the
# top hit is more likely right than not; offer choices down to SUGGEST_AT; below that, fall back.
ANSWER_AT = 0.45
SUGGEST_AT = 0.25
# A message that looks like a practical question outside the guideline (doses, prices,
# opening hours …) is answered only when the match is very clear (hand-set; a fitted ranker
# brings its own, chosen by cross-validation).
OUT_OF_SCOPE_ANSWER_AT = 0.95
# Two leaders whose ranking log-odds are this close are a coin toss: show both rather than pick one.
TIE_BLEND = 0.07
# Topics are plain-language pages for relatives; staff get the recommendation or role
# section when one is nearly as good.
STAFF_TOPIC_FACTOR = 0.75
# An answer offers at most this many runners-up as buttons (those above the suggestion level).
RUNNERS_UP = 2



class Engine:
    def __init__(self, live: LiveKnowledge) -> None:
        self.live = live

    @property
    def knowledge(self) -> Knowledge:
        return self.live.current

    def handle(self, text: str | None, audience: Audience = Audience.STAFF) -> Reply:
        k = self.live.current  # one snapshot per message
        text = (text or "")[:MAX_CHARS]
        words = k.normalizer.words(text)
        folded = " ".join(words)
        raw = fold(text).strip()
        # Crisis first: assessed on every message, before anything can return early.
        safety = k.crisis.assess(text)
        if folded:
            reply = self._understand(k, text, words, folded, raw, audience)
        else:
            reply = Reply(Decision.EMPTY, (Part("body", T.EMPTY),), audience=audience)
        if safety.level == ACUTE:
            asked = reply if k.conversation.asks(raw) else None
            return compose.crisis_reply(k.crisis, safety, audience, asked)
        if safety.level == CONCERN:
            return compose.with_numbers(k.crisis, reply, safety)
        return reply

    def _understand(self, k: Knowledge, text: str, words: list[str], folded: str, raw: str,
                    audience: Audience) -> Reply:
        """What the message asks: an intent, a lookup, or the best matching entry."""
        cue = k.conversation.audience_cue(folded)
        new_audience = cue or audience
        intent = k.conversation.intent(folded)
        if intent:
            return Reply(Decision.INTENT, (Part("body", intent.reply),), audience=new_audience)
        looked_up = self._lookup(k, raw, new_audience)
        if looked_up:
            return looked_up
        reply = self._match(k, text, words, folded, new_audience)
        if cue and cue != audience:
            note = k.conversation.switch_relative if cue == Audience.RELATIVE else k.conversation.switch_staff
            if reply.decision == Decision.FALLBACK and len(k.normalizer.terms(text)) <= 2:
                return Reply(Decision.AUDIENCE, (Part("body", note),), audience=cue)
            reply = replace(reply, parts=(*reply.parts, Part("note", note)))
        return reply

    def _lookup(self, k: Knowledge, raw: str, audience: Audience) -> Reply | None:
        found = k.lookup.find(raw, k.corpus.section_numbers)
        if found:
            return _looked_up(k, found.numbers, found.sections, audience)
        g = k.lookup.glossary_question.match(raw)
        if g:
            term = self._term(k, g.group(1))
            if term:
                return compose.term_reply(k.corpus, term, audience)
        return None

    @staticmethod
    def _term(k: Knowledge, phrase: str) -> Term | None:
        wanted = " ".join(k.normalizer.words(phrase))
        for variant in (wanted, wanted.removesuffix(" team"), wanted.replace(" ", "")):
            term_id = k.glossary_names.get(variant)
            if term_id:
                term = k.corpus.get(term_id)
                return term if isinstance(term, Term) else None
        return None

    def _match(self, k: Knowledge, text: str, words: list[str], folded: str, audience: Audience) -> Reply:
        hits = self.rank(k, text, words, audience)
        levels = Levels.of(k.matcher.ranker)
        # A match clear enough to answer even out-of-scope questions needs no scope check
        # (the scan of the out-of-scope cues is the engine's slowest regular expression).
        decision = decide(hits, levels.out_of_scope_at, k.corpus, levels)
        outside = False
        theme = None
        if decision != Decision.ANSWER:
            theme, outside = off_topic(k, text, folded)
            if not outside:
                decision = decide(hits, levels.answer_at, k.corpus, levels)
        entry = k.corpus.get(hits[0].id) if decision == Decision.ANSWER else None
        if entry is not None:
            return _with_runners_up(k, _entry_reply(k, entry, audience, hits=hits), hits, levels.suggest_at)
        if decision == Decision.DID_YOU_MEAN and not outside:
            return compose.did_you_mean(k.corpus, hits, audience, k.conversation.did_you_mean)
        if outside:
            reply = (compose.off_topic(theme, hits, audience) if theme is not None
                     else compose.fallback(k.corpus, k.conversation.out_of_scope, hits, audience, ()))
            # Where to ask, and still the plausible entries as buttons: a story that mentions a
            # need the guideline does not cover often asks something it does.
            if decision == Decision.DID_YOU_MEAN:
                return compose.with_suggestions(reply, k.corpus, hits, k.conversation.did_you_mean)
            return reply
        return compose.unsure(k.corpus, k.conversation, hits, audience)

    @staticmethod
    def rank(k: Knowledge, text: str, words: list[str], audience: Audience) -> tuple[Hit, ...]:
        """Ranked entries for a message; a story is also ranked on the sentences that ask."""
        return tuple(k.matcher.rank(text, topic_factor=1.0 if audience == Audience.RELATIVE else STAFF_TOPIC_FACTOR,
                                    words=words, relative=audience == Audience.RELATIVE,
                                    focus=k.conversation.focus(text)))

    def show(self, entry_id: str, audience: Audience = Audience.STAFF, view: str | None = None) -> Reply | None:
        k = self.live.current
        entry = k.corpus.get(entry_id)
        if entry is None:
            return None
        return _entry_reply(k, entry, audience, view)

    def section(self, number: str, audience: Audience = Audience.STAFF) -> Reply | None:
        return compose.section_reply(self.live.current.corpus, number, audience)

    def chapters(self, audience: Audience = Audience.STAFF) -> Reply:
        return compose.chapters_reply(self.live.current.corpus, audience)


def off_topic(k: Knowledge, text: str, folded: str) -> tuple[Theme | None, bool]:
    """The off-topic theme a message has (intents/offtopic.yaml), and whether it is outside the
    guideline at all (a theme, or a practical question such as doses or opening hours)."""
    theme = k.offtopic.theme(text.lower())
    return theme, theme is not None or k.conversation.outside_scope(folded)


def _by_number(k: Knowledge, number: int, audience: Audience) -> Reply:
    rec = k.corpus.recommendation(number)
    if rec is None:
        return Reply(Decision.NUMBER, (Part("body", T.NO_SUCH_NUMBER.format(TOTAL_RECOMMENDATIONS, number)),), audience=audience)
    return _entry_reply(k, rec, audience, decision=Decision.NUMBER)


def _by_section(k: Knowledge, number: str, audience: Audience) -> Reply:
    if "." not in number:  # «kapittel 7»
        chapter = compose.chapter_reply(k.corpus, number, audience)
        return chapter or Reply(Decision.NUMBER, (Part("body", T.NO_SUCH_CHAPTER.format(number)),), audience=audience)
    role = k.corpus.get(f"S{number}")
    if role is not None:
        return _entry_reply(k, role, audience, decision=Decision.NUMBER)
    found = compose.section_reply(k.corpus, number, audience)
    if found is not None:
        return found
    return Reply(Decision.NUMBER, (Part("body", T.NO_SUCH_SECTION.format(number)),), audience=audience)


def _looked_up(k: Knowledge, numbers: tuple[int, ...], sections: tuple[str, ...], audience: Audience) -> Reply:
    """Each number and section asked for, in the order asked: one reply, or several after each other."""
    replies = [_by_number(k, n, audience) for n in numbers] + [_by_section(k, s, audience) for s in sections]
    return replies[0] if len(replies) == 1 else compose.several(replies, audience)


def _entry_reply(k: Knowledge, entry: Entry | Term, audience: Audience, view: str | None = None,
                 decision: Decision = Decision.ANSWER, hits: tuple[Hit, ...] = ()) -> Reply:
    """An entry's reply, composed once per snapshot; only the hits differ between messages."""
    reply = k.derived(("reply", entry.id, audience, view, decision),
                      lambda: compose.entry_reply(k.corpus, entry, audience, view, decision))
    return replace(reply, hits=hits) if hits else reply


def _with_runners_up(k: Knowledge, reply: Reply, hits: tuple[Hit, ...], suggest_at: float) -> Reply:
    """An answer also offers the next entries that are plausible on their own (a message often
    raises two topics, or two entries share one): each as a button, after the answer's own."""
    shown = {a.target for a in reply.followups if a.go is Go.SHOW} | {reply.entry_id}
    extra = []
    for hit in hits[1:1 + RUNNERS_UP]:
        other = k.corpus.get(hit.id)
        if hit.score >= suggest_at and other is not None and hit.id not in shown:
            extra.append(Action(compose.short_label(other, 32), Go.SHOW, hit.id))
    if not extra:
        return reply
    views = [a for a in reply.followups if a.go is not Go.SHOW]
    return replace(reply, followups=(*views, *extra, *(a for a in reply.followups if a.go is Go.SHOW)))


def linked(corpus: Corpus | None, a: str, b: str) -> bool:
    """True when one entry points at the other: then they complement rather than compete."""
    if corpus is None:
        return False
    first, second = corpus.get(a), corpus.get(b)
    def refs(e: object) -> set[str]:
        return set(getattr(e, "related", ())) | set(getattr(e, "recommendations", ())) | set(getattr(e, "cites", ()))

    return b in refs(first) or a in refs(second)


@dataclass(frozen=True)
class Levels:
    """Where the engine answers, suggests or falls back: the fitted ranker's levels, chosen by
    cross-validation on the blind tuning halves, or the hand-set ones when no ranker is fitted."""

    answer_at: float = ANSWER_AT
    suggest_at: float = SUGGEST_AT
    margin: float = TIE_BLEND
    # Two leaders that point at each other complement rather than compete: the first is
    # answered despite a tie, and the second offered as a button (fitted levels: if the
    # cross-validation chose it).
    linked_ties_answer: bool = True
    out_of_scope_at: float = OUT_OF_SCOPE_ANSWER_AT
    sure_at: float = 1.01  # a first hit this likely is answered however close the second

    @classmethod
    def of(cls, ranker: Ranker | None) -> Levels:
        if ranker is None:
            return cls()
        return cls(ranker.answer_at, ranker.suggest_at, ranker.margin, ranker.linked_ties,
                   max(ranker.out_of_scope_at, ranker.answer_at), ranker.sure_at)


def decide(hits: tuple[Hit, ...], answer_at: float = ANSWER_AT, corpus: Corpus | None = None,
           levels: Levels = Levels()) -> Decision:
    """answer, did_you_mean or fallback, from the calibrated confidence of the top hit."""
    if not hits or hits[0].score < levels.suggest_at:
        return Decision.FALLBACK
    tied = (len(hits) > 1 and hits[0].blend - hits[1].blend < levels.margin and hits[0].score < levels.sure_at
            and not (levels.linked_ties_answer and linked(corpus, hits[0].id, hits[1].id)))
    if hits[0].score >= answer_at and not tied:
        return Decision.ANSWER
    return Decision.DID_YOU_MEAN
