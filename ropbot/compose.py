"""Build `Reply` values from corpus entries. All user-facing wording for answers lives here."""
from __future__ import annotations

from dataclasses import replace

from . import texts as T
from .crisis import ACUTE, CONCERN, Assessment, CrisisRules
from .intents import Audience, Conversation
from .model import Chapter, Corpus, Entry, Recommendation, Role, Section, Term, Topic
from .offtopic import Theme
from .reply import ANSWERS, Action, Decision, Go, Hit, Part, Reply

PLAIN = "plain"
PRO = "pro"


def label(entry: Entry | Term) -> str:
    if isinstance(entry, Recommendation):
        return T.RECOMMENDATION.format(entry.number)
    if isinstance(entry, Role):
        return T.ROLE.format(entry.section)
    if isinstance(entry, Term):
        return T.TERM.format(entry.term)
    return T.TOPIC


def short_label(entry: Entry | Term, limit: int = 40) -> str:
    """Button text: the number plus the start of the title."""
    if isinstance(entry, Term):
        text = entry.term
    elif isinstance(entry, Recommendation):
        text = f"{entry.number} {entry.title}"
    elif isinstance(entry, Role):
        text = f"{entry.section} {entry.title}"
    else:
        text = entry.title
    return text if len(text) <= limit else text[: limit - 1] + "…"


def location(corpus: Corpus, chapter: str | None, section: str | None) -> str:
    bits = []
    chap = corpus.chapter(chapter)
    if chap:
        bits.append(T.CHAPTER.format(chap.number, chap.title))
    sec = corpus.section(section)
    if sec:
        bits.append(f"{sec.number} {sec.title}")
    return " › ".join(bits) if bits else T.NO_LOCATION


def credit(corpus: Corpus, entry: Entry) -> str:
    """The guideline's credit line, except on topic pages that rest on another source (e.g. the relatives' guide)."""
    guideline_pages = corpus.guideline.url.lower().rsplit("/", 1)[0]
    if isinstance(entry, Topic) and not entry.source.lower().startswith(guideline_pages):
        return T.OTHER_SOURCE_CREDIT
    return corpus.guideline.credit


def entry_reply(corpus: Corpus, entry: Entry | Term, audience: Audience, view: str | None = None,
                decision: Decision = Decision.ANSWER, hits: tuple[Hit, ...] = ()) -> Reply:
    if isinstance(entry, Term):
        return term_reply(corpus, entry, audience, hits)
    if isinstance(entry, Recommendation) and not entry.answerable:
        return placeholder_reply(corpus, entry, audience, decision, hits)
    view = view or (PLAIN if audience == Audience.RELATIVE and entry.plain else PRO)
    parts: list[Part] = [Part("heading", f"{label(entry)}: {entry.title}")]
    if isinstance(entry, Recommendation):
        meta = location(corpus, entry.chapter, entry.section)
        meta += f" · Gradering: {entry.grade}" if entry.grade else " · Ikke gradert"
        parts.append(Part("meta", meta))
    elif isinstance(entry, Role):
        parts.append(Part("meta", location(corpus, "8", entry.section)))
        if entry.responsible:
            parts.append(Part("meta", T.RESPONSIBLE + ", ".join(entry.responsible)))
    body = entry.plain if view == PLAIN and entry.plain else entry.text
    parts.append(Part("body", body))
    if isinstance(entry, Role) and view == PRO:
        parts.extend(Part("bullet", p) for p in entry.points)
    parts.append(Part("source", T.OFFICIAL_TEXT, entry.source))
    parts.append(Part("credit", credit(corpus, entry)))
    return Reply(decision, tuple(parts), entry.id, entry.source, tuple(followups(corpus, entry, view)),
                 hits, audience, view)


def followups(corpus: Corpus, entry: Entry, view: str) -> list[Action]:
    actions: list[Action] = []
    if entry.plain and entry.text:
        actions.append(Action(T.TO_PRO if view == PLAIN else T.TO_PLAIN,
                              Go.VIEW, entry.id, PRO if view == PLAIN else PLAIN))
    refs: list[str] = []
    if isinstance(entry, Recommendation):
        refs = list(entry.related)
        if entry.section:
            actions.append(Action(f"Hele {entry.section}", Go.SECTION, entry.section))
    elif isinstance(entry, Role):
        refs = list(entry.recommendations)
    elif isinstance(entry, Topic):
        refs = list(entry.cites)
    for ref in refs[:4]:
        other = corpus.get(ref)
        if other is not None:
            actions.append(Action(short_label(other, 32), Go.SHOW, ref))
    return actions


def placeholder_reply(corpus: Corpus, rec: Recommendation, audience: Audience, decision: Decision,
                      hits: tuple[Hit, ...] = ()) -> Reply:
    parts = [
        Part("heading", T.RECOMMENDATION.format(rec.number)),
        Part("meta", location(corpus, rec.chapter, rec.section)),
        Part("body", T.NOT_WRITTEN.format(rec.number)),
        Part("source", T.OFFICIAL_TEXT_SHORT, rec.source),
        Part("credit", corpus.guideline.credit),
    ]
    actions = (Action(T.WHOLE_SECTION.format(rec.section), Go.SECTION, rec.section),) if rec.section else ()
    return Reply(decision, tuple(parts), rec.id, rec.source, actions, hits, audience)


def term_reply(corpus: Corpus, term: Term, audience: Audience, hits: tuple[Hit, ...] = ()) -> Reply:
    parts = [Part("heading", f"{term.term}"), Part("body", term.definition)]
    if term.aliases:
        parts.append(Part("meta", T.ALSO_CALLED + ", ".join(term.aliases[:5])))
    if term.source:
        parts.append(Part("source", T.SOURCE, term.source))
    parts.append(Part("credit", T.TERM_CREDIT))
    actions = tuple(Action(short_label(o, 32), Go.SHOW, o.id) for ref in term.see[:4] if (o := corpus.get(ref)))
    return Reply(Decision.GLOSSARY, tuple(parts), term.id, term.source, actions, hits, audience)


def section_reply(corpus: Corpus, number: str, audience: Audience) -> Reply | None:
    section = corpus.section(number)
    if section is None:
        return None
    recs = corpus.in_section(number)
    role = corpus.get(f"S{number}")
    parts = [Part("heading", f"{section.number} {section.title}"),
             Part("meta", location(corpus, section.chapter, None))]
    if isinstance(role, Role):
        parts.append(Part("body", role.plain if audience == Audience.RELATIVE and role.plain else role.text))
    if recs:
        parts.append(Part("body", T.SECTION_RECOMMENDATIONS))
        parts.extend(Part("bullet", f"{r.number}: {r.title if r.answerable else T.NOT_WRITTEN_SHORT}")
                     for r in recs)
    elif not isinstance(role, Role):
        parts.append(Part("body", T.SECTION_EMPTY))
    if section.url:
        parts.append(Part("source", T.OFFICIAL_TEXT, section.url))
    actions = tuple(Action(short_label(r, 32), Go.SHOW, r.id) for r in recs[:8])
    return Reply(Decision.BROWSE, tuple(parts), None, section.url, actions, (), audience)


def chapter_contents(corpus: Corpus, chapter: Chapter) -> tuple[list[Section], list[Recommendation]]:
    """A chapter's sections that hold recommendations or a role text, and its recommendations
    that belong to no section: what a chapter shows, in every channel."""
    shown = [s for s in chapter.sections if corpus.in_section(s.number) or isinstance(corpus.get(f"S{s.number}"), Role)]
    direct = [r for r in corpus.recommendations if r.chapter == chapter.number and corpus.section(r.section) is None]
    return shown, direct


def chapter_reply(corpus: Corpus, number: str, audience: Audience) -> Reply | None:
    """A whole chapter («kapittel 7»): its sections with how much each holds, the recommendations
    that belong to no section, and a button to browse them."""
    chapter = corpus.chapter(number)
    if chapter is None:
        return None
    shown, direct = chapter_contents(corpus, chapter)
    parts = [Part("heading", T.CHAPTER_HEADING.format(chapter.number, chapter.title))]
    if shown:
        parts.append(Part("body", T.CHAPTER_SECTIONS))
    for section in shown:
        recs = corpus.in_section(section.number)
        count = (T.COUNT_ONE if len(recs) == 1 else T.COUNT_MANY.format(len(recs))) if recs else T.COUNT_ROLES
        parts.append(Part("bullet", f"{section.number} {section.title} ({count})"))
    if direct:
        parts.append(Part("body", T.CHAPTER_DIRECT))
        parts.extend(Part("bullet", f"{r.number}: {r.title if r.answerable else T.NOT_WRITTEN_SHORT}") for r in direct)
    if not shown and not direct:
        parts.append(Part("body", T.CHAPTER_EMPTY))
    if chapter.url:
        parts.append(Part("source", T.CHAPTER_SOURCE, chapter.url))
    actions = (Action(T.BROWSE_CHAPTER.format(chapter.number), Go.CHAPTER, chapter.number),
               Action(T.BROWSE_CHAPTERS, Go.CHAPTERS)) if shown or direct else (Action(T.BROWSE_CHAPTERS, Go.CHAPTERS),)
    return Reply(Decision.BROWSE, tuple(parts), None, chapter.url, actions, (), audience)


def chapters_reply(corpus: Corpus, audience: Audience, intro: str | None = None) -> Reply:
    parts = [Part("body", intro)] if intro else []
    parts.append(Part("heading", T.CHAPTERS))
    actions = []
    for chapter in corpus.chapters:
        count = sum(1 for r in corpus.recommendations if r.chapter == chapter.number)
        if count:
            parts.append(Part("bullet", T.CHAPTER_LINE.format(chapter.number, chapter.title, count)))
            actions.append(Action(f"{chapter.number} {chapter.title}"[:40], Go.CHAPTER, chapter.number))
    return Reply(Decision.BROWSE, tuple(parts), followups=tuple(actions), audience=audience)


def several(replies: list[Reply], audience: Audience) -> Reply:
    """Several looked-up entries in one reply: each keeps its heading, text and link; one credit."""
    parts: list[Part] = []
    actions: list[Action] = []
    credit_part: Part | None = None
    for reply in replies:
        for part in reply.parts:
            if part.kind == "credit":
                credit_part = credit_part or part
            else:
                parts.append(part)
        if reply.entry_id:
            actions.append(Action(next((p.text for p in reply.parts if p.kind == "heading"), reply.entry_id)[:40],
                                  Go.SHOW, reply.entry_id))
    if credit_part is not None:
        parts.append(credit_part)
    return Reply(Decision.NUMBER, tuple(parts), followups=tuple(actions), audience=audience)


def did_you_mean(corpus: Corpus, hits: tuple[Hit, ...], audience: Audience, intro: str = T.DID_YOU_MEAN) -> Reply:
    options = [corpus.get(h.id) for h in hits[:3]]
    parts = [Part("body", intro)]
    parts.extend(Part("bullet", f"{label(o)}: {o.term if isinstance(o, Term) else o.title}") for o in options if o)
    actions = tuple(Action(short_label(o), Go.SHOW, o.id) for o in options if o)
    return Reply(Decision.DID_YOU_MEAN, tuple(parts), followups=actions, hits=hits, audience=audience)


def with_suggestions(reply: Reply, corpus: Corpus, hits: tuple[Hit, ...], intro: str = T.DID_YOU_MEAN) -> Reply:
    """An off-topic reply that also offers the plausible entries, after its own note."""
    offer = did_you_mean(corpus, hits, reply.audience, intro)
    return replace(reply, parts=reply.parts + offer.parts, followups=offer.followups + reply.followups)


def fallback(corpus: Corpus, text: str, hits: tuple[Hit, ...], audience: Audience, examples: tuple[str, ...],
             heading: str = T.EXAMPLES) -> Reply:
    parts = [Part("body", text)]
    if examples:
        parts.append(Part("body", heading))
        parts.extend(Part("bullet", e) for e in examples[:3])
    actions = (Action(T.BROWSE_CHAPTERS, Go.CHAPTERS), Action(T.ROLES, Go.ROLES))
    return Reply(Decision.FALLBACK, tuple(parts), followups=actions, hits=hits, audience=audience)


def off_topic(theme: Theme, hits: tuple[Hit, ...], audience: Audience) -> Reply:
    """A need the guideline does not cover: say so, and link the services the note names."""
    parts = [Part("body", theme.note)]
    parts.extend(Part("source", s.name + (f" ({s.phone})" if s.phone else ""), s.url) for s in theme.services[:3])
    actions = (Action(T.BROWSE_CHAPTERS, Go.CHAPTERS),)
    return Reply(Decision.FALLBACK, tuple(parts), followups=actions, hits=hits, audience=audience)


def unsure(corpus: Corpus, talk: Conversation, hits: tuple[Hit, ...], audience: Audience) -> Reply:
    """No plausible entry. Relatives and patients get where relatives find help and someone to
    talk to; staff get how to ask, with example questions of the entries nearest to what they typed."""
    if audience == Audience.RELATIVE:
        parts = [Part("body", talk.fallback_relative)]
        if talk.helpline:
            parts.append(Part("body", talk.helpline))
        page = corpus.get(talk.relative_page)
        actions = [Action(short_label(page), Go.SHOW, page.id)] if page is not None else []
        actions.append(Action(T.BROWSE_CHAPTERS, Go.CHAPTERS))
        return Reply(Decision.FALLBACK, tuple(parts), followups=tuple(actions), hits=hits, audience=audience)
    near = [corpus.get(h.id) for h in hits[:3]]
    examples = [found[0] for e in near if (found := getattr(e, "examples", ()))]
    return fallback(corpus, talk.fallback, hits, audience, tuple(examples) or talk.help_examples,
                    talk.examples_heading or T.EXAMPLES)


def crisis_reply(rules: CrisisRules, safety: Assessment, audience: Audience, asked: Reply | None = None) -> Reply:
    """The crisis card. What the message also asked is answered under it, never instead of it."""
    kinds = safety.kinds
    parts = [Part("alert", rules.heading)]
    if "violence" in kinds:
        parts.append(Part("alert", rules.violence_first))
    parts.extend(Part("bullet", line) for line in rules.lines)
    if kinds & {"overdose", "danger"}:
        parts.append(Part("body", rules.overdose_tip))
    parts.append(Part("note", rules.footer))
    answer = None
    if asked is not None and asked.decision in ANSWERS:
        answer = Reply(asked.decision, (Part("note", rules.answer_below), *asked.parts), asked.entry_id,
                       asked.source_url, asked.followups, asked.hits, asked.audience, asked.view)
    return Reply(Decision.CRISIS, tuple(parts), audience=asked.audience if asked else audience, crisis=kinds,
                 urgency=ACUTE, answer=answer)


def with_numbers(rules: CrisisRules, reply: Reply, safety: Assessment) -> Reply:
    """Any reply to a message that names suicide, self-harm, overdose or violence ends with the numbers."""
    parts = (*reply.parts, Part("safety", rules.concern_line))
    return replace(reply, parts=parts, crisis=safety.kinds, urgency=CONCERN)
