"""Plain functions that turn a request (a command, a question, a button) into a `Screen`.

Why separate from handlers.py: nothing here awaits or touches Telegram's
network objects, so every screen can be unit-tested and benchmarked without
a bot, and handlers stay a few lines each. Functions take the engine (one
knowledge snapshot per call) and the conversation's audience.
"""
from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from rapidfuzz import fuzz, process
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    WebAppInfo,
)
from telegram.constants import ParseMode

from .. import compose
from ..config import Settings
from ..engine import Engine
from ..intents import Audience
from ..model import Role, Term
from ..reply import Decision, Part, Reply
from ..validate import TOTAL_RECOMMENDATIONS
from . import callbacks as cb
from . import texts
from .hooks import SafeRecorder
from .render import (
    NO_PREVIEW,
    Screen,
    blocks_of,
    button,
    esc,
    keyboard,
    pack,
    reply_chunks,
    reply_screen,
    rows_with_op,
    rows_without_op,
)

log = logging.getLogger(__name__)

# Replies that ask for 👍/👎: real answers, and misses (a 👎 on a miss shows a gap in the corpus).
FEEDBACK_DECISIONS = frozenset({Decision.ANSWER, Decision.NUMBER, Decision.GLOSSARY, Decision.DID_YOU_MEAN, Decision.FALLBACK})
INLINE_MAX = 10
INLINE_MIN_SCORE = 0.05


S = TypeVar("S", bound=Callable[..., object])


def per_snapshot(func: S) -> S:
    """Keep a screen for as long as the knowledge snapshot it was built from.

    Menus, the service list and shown entries depend only on the corpus and a few small
    arguments, and people open them again and again; building them took up to 2 ms
    (/roller). Only screens that exist are kept, so made-up button data cannot grow the memo.
    """

    @functools.wraps(func)
    def wrapper(engine: Engine, *args: object, **kwargs: object) -> object:
        key = (func.__name__, args, tuple(sorted(kwargs.items())))
        return engine.knowledge.derived(key, lambda: func(engine, *args, **kwargs))

    return wrapper  # type: ignore[return-value]


def _screen(parts: Sequence[Part], rows: Sequence[Sequence[InlineKeyboardButton]] = ()) -> Screen:
    return Screen(pack(blocks_of(parts)), keyboard(rows))


# --- questions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    reply: Reply
    screen: Screen | None
    query_id: int | None
    latency_ms: float


def answer(engine: Engine, recorder: SafeRecorder, user_id: int | None, audience: Audience, text: str) -> Answer:
    """A typed question: engine, then record it (so 👍/👎 can refer to it), then render."""
    reply, latency_ms = ask(engine, audience, text)
    return recorded(recorder, user_id, audience, text, reply, latency_ms)


def ask(engine: Engine, audience: Audience, text: str) -> tuple[Reply, float]:
    started = time.perf_counter()
    reply = engine.handle(text, audience)
    return reply, (time.perf_counter() - started) * 1000


def recorded(recorder: SafeRecorder, user_id: int | None, audience: Audience, text: str, reply: Reply,
             latency_ms: float, card_sent: bool = False) -> Answer:
    """Record the question, then render. When the crisis card has already been sent on its own,
    the screen holds only the answer under it (None when the message asked nothing)."""
    query_id = recorder.record_query(user_id, audience, text, reply, latency_ms) if user_id else None
    shown = reply.answer if card_sent else reply
    if shown is None:
        return Answer(reply, None, query_id, latency_ms)
    feedback = (shown.answer or shown).decision in FEEDBACK_DECISIONS
    return Answer(reply, reply_screen(shown, feedback=feedback, query_id=query_id), query_id, latency_ms)


def crisis_card(reply: Reply) -> Screen:
    """The crisis card alone, with no buttons that could hide it; sent before anything slow."""
    return Screen(reply_chunks(replace(reply, answer=None)))


def number(engine: Engine, recorder: SafeRecorder, user_id: int | None, audience: Audience,
           args: Sequence[str]) -> tuple[Screen | None, Audience]:
    """/anbefaling N. Returns the screen and the audience to keep."""
    raw = " ".join(args).strip().lstrip("#")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 40:  # «²» and «①» are digits to isdigit()
        return _screen([Part("body", texts.NUMBER_USAGE.format(total=TOTAL_RECOMMENDATIONS))]), audience
    result = answer(engine, recorder, user_id, audience, f"anbefaling {int(raw)}")
    return result.screen, result.reply.audience


def entry(engine: Engine, entry_id: str, audience: Audience, view: str | None = None,
          extra_rows: Sequence[Sequence[InlineKeyboardButton]] = ()) -> Screen | None:
    if not extra_rows:
        return _entry(engine, entry_id, audience, view)
    reply = engine.show(entry_id, audience, view)
    return reply_screen(reply, extra_rows=extra_rows) if reply else None


@per_snapshot
def _entry(engine: Engine, entry_id: str, audience: Audience, view: str | None) -> Screen | None:
    reply = engine.show(entry_id, audience, view)
    return reply_screen(reply) if reply else None


# --- commands Telegram cannot parse -------------------------------------------------------

_FOLD = str.maketrans({"å": "a", "ø": "o", "æ": "ae", "Å": "a", "Ø": "o", "Æ": "ae"})


def command_alias(text: str | None) -> tuple[str, list[str]] | None:
    """Commands typed in ways Telegram does not see as ours: '/pårørende' (Telegram commands
    are ASCII, so only '/p' is marked) and '/anbefaling69' (no space). Returns (command, args)."""
    if not text or not text.startswith("/"):
        return None
    word, *rest = text.split()
    name = word[1:].split("@", 1)[0].lower().translate(_FOLD)
    if name in ("parorende", "parorande"):
        return "parorende", rest
    match = re.fullmatch(r"(anbefaling|anb)(\d{1,3})", name)
    if match:
        return "anbefaling", [match.group(2), *rest]
    return None


# --- /start, /hjelp, /om ------------------------------------------------------------------


@per_snapshot
def start(engine: Engine, audience: Audience) -> Screen:
    corpus = engine.knowledge.corpus
    parts = [Part("heading", texts.START_HEADING), Part("body", texts.START_INTRO),
             Part("body", texts.START_WHO), Part("note", texts.START_NOT_TREATMENT),
             Part("credit", corpus.guideline.credit)]
    if audience == Audience.RELATIVE:
        parts.append(Part("note", texts.START_RELATIVE))
    return _screen(parts, start_rows(audience))


def start_rows(audience: Audience) -> list[list[InlineKeyboardButton]]:
    switch = (button(texts.AUDIENCE_STAFF_BUTTON, cb.encode(cb.AUDIENCE, "s")) if audience == Audience.RELATIVE
              else button(texts.AUDIENCE_RELATIVE_BUTTON, cb.encode(cb.AUDIENCE, "r")))
    return [[button(texts.BROWSE_BUTTON, cb.encode(cb.CHAPTERS)), button(texts.ROLES_BUTTON, cb.encode(cb.ROLES))],
            [switch]]


def deep_link(engine: Engine, payload: str, audience: Audience) -> tuple[Screen | None, Audience]:
    """t.me/<bot>?start=R69 opens an entry; start=parorende / fagperson set the audience.

    Deep-link payloads allow only [A-Za-z0-9_-], so dots in section ids are written as
    underscores (S8_3_2).
    """
    key = payload.strip()
    if key.lower() in ("parorende", "relative"):
        return start(engine, Audience.RELATIVE), Audience.RELATIVE
    if key.lower() in ("fagperson", "staff"):
        return start(engine, Audience.STAFF), Audience.STAFF
    found = engine.knowledge.corpus.resolve(key)
    screen = entry(engine, found, audience) if found else None
    if screen:
        return screen, audience
    base = start(engine, audience)
    return Screen((esc(texts.DEEP_LINK_UNKNOWN), *base.chunks), base.keyboard), audience


@per_snapshot
def help_screen(engine: Engine, bot_username: str | None) -> Screen:
    conv = engine.knowledge.conversation
    parts = [Part("heading", texts.HELP_HEADING), Part("body", texts.HELP_BODY),
             Part("body", texts.HELP_EXAMPLES_HEADING)]
    parts.extend(Part("bullet", e) for e in conv.help_examples)
    parts.append(Part("body", texts.HELP_COMMANDS_HEADING))
    parts.extend(Part("bullet", f"/{c} – {d}") for c, d in texts.COMMANDS)
    if bot_username:
        parts.append(Part("note", texts.HELP_GROUPS.format(bot=bot_username)))
        parts.append(Part("note", texts.HELP_INLINE.format(bot=bot_username)))
    parts.append(Part("note", texts.START_NOT_TREATMENT))
    return _screen(parts, [[button(texts.BROWSE_BUTTON, cb.encode(cb.CHAPTERS)),
                            button(texts.ROLES_BUTTON, cb.encode(cb.ROLES))]])


def about(engine: Engine, settings: Settings) -> Screen:
    # The privacy text depends on the settings' retention only; the rest on the snapshot.
    return engine.knowledge.derived(("about", settings.retention_days), lambda: _about(engine, settings))


def _about(engine: Engine, settings: Settings) -> Screen:
    k = engine.knowledge
    g = k.corpus.guideline
    loaded = time.strftime("%Y-%m-%d %H:%M", time.localtime(k.loaded_at))
    parts = [Part("heading", texts.ABOUT_HEADING),
             Part("body", texts.ABOUT_SOURCE.format(title=g.title, is_number=g.is_number, publisher=g.publisher)),
             Part("source", texts.ABOUT_SOURCE_LINK, g.url),
             Part("body", texts.ABOUT_RETOLD),
             Part("meta", texts.ABOUT_VERSION.format(version=k.corpus.checksum[:12], written=len(k.corpus.written),
                                                     total=len(k.corpus.recommendations), loaded=loaded)),
             Part("note", texts.ABOUT_NOT_TREATMENT)]
    for line in privacy_paragraphs(settings):
        bullet = line.lstrip().startswith("•")
        parts.append(Part("bullet" if bullet else "body", line.lstrip().lstrip("•").strip()))
    return _screen(parts)


def privacy_paragraphs(settings: Settings) -> list[str]:
    """The privacy promise, worded by ropbot/privacy.py next to the code that keeps it."""
    try:
        from ..privacy import privacy_text
    except ImportError:  # the store is optional; without it nothing is stored
        return [texts.PRIVACY_FALLBACK]
    return [p for p in privacy_text(settings.retention_days).split("\n") if p.strip()]


# --- audience ------------------------------------------------------------------------------


def audience_switch(engine: Engine, audience: Audience) -> Screen:
    conv = engine.knowledge.conversation
    return _screen([Part("body", conv.switch_relative if audience == Audience.RELATIVE else conv.switch_staff)])


# --- browsing: chapters → sections → recommendations -------------------------------------


@per_snapshot
def chapters(engine: Engine, audience: Audience) -> Screen:
    corpus = engine.knowledge.corpus
    reply = engine.chapters(audience)
    rows = [[button(a.label, data)] for a in reply.followups
            if (data := cb.from_action(a, edit=True))]
    unplaced = [r for r in corpus.recommendations if corpus.chapter(r.chapter) is None]
    if unplaced:
        rows.append([button(texts.UNPLACED_BUTTON.format(count=len(unplaced)), cb.encode(cb.UNPLACED, edit=True))])
    rows.append([button(texts.ROLES_BUTTON, cb.encode(cb.ROLES, edit=True))])
    parts = [*reply.parts, Part("note", texts.CHAPTERS_PICK)]
    return _screen(parts, rows)


def with_web_page(screen: Screen, url: str | None, private: bool, audience: Audience) -> Screen:
    """/kapitler and /roller offer the web page (ROPBOT_WEB_URL) under their buttons: as a Mini App
    in a private chat, as a link in a group (Telegram allows web_app buttons in private chats only)."""
    if not url:
        return screen
    if audience == Audience.RELATIVE:
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(query=f"{parts.query}&for=parorende" if parts.query else "for=parorende"))
    web = (InlineKeyboardButton(texts.WEB_APP_BUTTON, web_app=WebAppInfo(url)) if private
           else InlineKeyboardButton(texts.WEB_LINK_BUTTON, url=url))
    rows = [list(row) for row in screen.keyboard.inline_keyboard] if screen.keyboard else []
    return Screen(screen.chunks, keyboard([*rows, [web]]))


@per_snapshot
def chapter(engine: Engine, number: str, audience: Audience) -> Screen | None:
    """The core's chapter reply, with a button per section and per recommendation outside one."""
    corpus = engine.knowledge.corpus
    chap = corpus.chapter(number)
    reply = compose.chapter_reply(corpus, number, audience)
    if chap is None or reply is None:
        return None
    shown, direct = compose.chapter_contents(corpus, chap)
    rows = [[button(f"{s.number} {s.title}", cb.encode(cb.SECTION, s.number, edit=True))] for s in shown]
    rows.extend([button(compose.short_label(r), cb.encode(cb.SHOW, r.id))] for r in direct)
    rows.append([button(texts.CHAPTER_BACK, cb.encode(cb.CHAPTERS, edit=True))])
    return _screen(list(reply.parts), rows)


@per_snapshot
def section(engine: Engine, number: str, audience: Audience) -> Screen | None:
    corpus = engine.knowledge.corpus
    reply = engine.section(number, audience)
    if reply is None:
        return None
    rows = [[button(compose.short_label(r), cb.encode(cb.SHOW, r.id))] for r in corpus.in_section(number)]
    role = corpus.get(f"S{number}")
    if isinstance(role, Role):
        rows.append([button(texts.SECTION_ROLE_BUTTON.format(section=role.section), cb.encode(cb.SHOW, role.id))])
    sec = corpus.section(number)
    if sec is not None and corpus.chapter(sec.chapter) is not None:
        rows.append([button(texts.CHAPTER_BACK_TO.format(number=sec.chapter),
                            cb.encode(cb.CHAPTER, sec.chapter, edit=True))])
    else:
        rows.append([button(texts.CHAPTER_BACK, cb.encode(cb.CHAPTERS, edit=True))])
    return reply_screen(replace(reply, followups=()), extra_rows=rows)


@per_snapshot
def unplaced(engine: Engine) -> Screen:
    corpus = engine.knowledge.corpus
    recs = [r for r in corpus.recommendations if corpus.chapter(r.chapter) is None]
    buttons = [button(str(r.number), cb.encode(cb.SHOW, r.id)) for r in recs]
    rows = [buttons[i:i + 6] for i in range(0, len(buttons), 6)]
    rows.append([button(texts.CHAPTER_BACK, cb.encode(cb.CHAPTERS, edit=True))])
    return _screen([Part("heading", texts.UNPLACED_HEADING), Part("body", texts.UNPLACED_BODY)], rows)


# --- /roller -------------------------------------------------------------------------------


@per_snapshot
def roles(engine: Engine) -> Screen:
    found = engine.knowledge.services()
    rows = [[button(s.name, cb.encode(cb.SERVICE, s.slug, edit=True))] for s in found]
    return _screen([Part("heading", texts.ROLES_HEADING), Part("body", texts.ROLES_BODY)], rows)


@per_snapshot
def service(engine: Engine, slug: str, audience: Audience) -> Screen | None:
    corpus = engine.knowledge.corpus
    found = next((s for s in engine.knowledge.services() if s.slug == slug), None)
    if found is None:
        return None
    parts = [Part("heading", found.name)]
    term = corpus.get(found.term_id) if found.term_id else None
    if isinstance(term, Term):
        parts.append(Part("body", term.definition))
    rows: list[list[InlineKeyboardButton]] = []
    if found.roles:
        parts.append(Part("body", texts.SERVICE_SECTIONS))
        parts.extend(Part("bullet", f"{r.section} {r.title}") for r in found.roles)
    if found.mentioned:
        parts.append(Part("body", texts.SERVICE_MENTIONS))
        parts.extend(Part("bullet", f"{r.section} {r.title}") for r in found.mentioned)
    for role in (*found.roles, *found.mentioned):
        rows.append([button(compose.short_label(role), cb.encode(cb.SHOW, role.id))])
    rows.append([button(texts.SERVICES_BACK, cb.encode(cb.ROLES, edit=True))])
    return _screen(parts, rows)


# --- /ordliste -----------------------------------------------------------------------------


def glossary(engine: Engine, recorder: SafeRecorder, user_id: int | None, audience: Audience,
             args: Sequence[str]) -> tuple[Screen | None, Audience]:
    """/ordliste [term]: the index, a definition, or close matches."""
    corpus = engine.knowledge.corpus
    term_text = " ".join(args).strip()
    if not term_text:
        return glossary_index(engine), audience
    result = answer(engine, recorder, user_id, audience, f"/ordliste {term_text}")
    if result.reply.decision in (Decision.GLOSSARY, Decision.CRISIS):
        return result.screen, result.reply.audience
    names = {}
    for term in corpus.glossary:
        for name in (term.term, *term.aliases):
            names[name] = term
    picks: list[Term] = []
    for _name, _score, _ in process.extract(term_text, list(names), scorer=fuzz.WRatio, limit=8, score_cutoff=75):
        term = names[_name]
        if term not in picks:
            picks.append(term)
    rows = [[button(compose.short_label(t), cb.encode(cb.SHOW, t.id))] for t in picks[:4]]
    parts = [Part("body", texts.GLOSSARY_NOT_FOUND.format(term=term_text[:80]))]
    if picks:
        parts.append(Part("body", texts.GLOSSARY_SUGGEST))
    if result.reply.answered and result.reply.entry_id and not any(t.id == result.reply.entry_id for t in picks):
        other = corpus.get(result.reply.entry_id)
        if other is not None:
            rows.append([button(compose.short_label(other), cb.encode(cb.SHOW, other.id))])
    rows.append([button(texts.GLOSSARY_BUTTON, cb.encode(cb.TERMS))])
    return _screen(parts, rows), audience


@per_snapshot
def glossary_index(engine: Engine) -> Screen:
    terms = sorted(engine.knowledge.corpus.glossary, key=lambda t: t.term.lower())
    by_letter: dict[str, list[str]] = {}
    for term in terms:
        by_letter.setdefault(term.term[:1].upper(), []).append(term.term)
    parts = [Part("heading", texts.GLOSSARY_HEADING), Part("body", texts.GLOSSARY_BODY)]
    parts.extend(Part("bullet", f"{letter}: {', '.join(names)}") for letter, names in by_letter.items())
    return _screen(parts)


# --- /glem ---------------------------------------------------------------------------------


def forget_ask() -> Screen:
    return _screen([Part("body", texts.FORGET_ASK)],
                   [[button(texts.FORGET_YES, cb.encode(cb.FORGET, "y")),
                     button(texts.FORGET_NO, cb.encode(cb.FORGET, "n"))]])


# --- buttons -------------------------------------------------------------------------------

SEND = "send"      # a new message
EDIT = "edit"      # replace the pressed message
MARKUP = "markup"  # change only the pressed message's buttons
NOTHING = "nothing"


@dataclass(frozen=True)
class Outcome:
    """What a button press leads to; the handler carries it out."""

    mode: str = NOTHING
    screen: Screen | None = None
    markup: InlineKeyboardMarkup | None = None
    toast: str | None = None
    alert: bool = False
    audience: Audience | None = None
    forgotten: bool = False


def expired() -> Outcome:
    return Outcome(toast=texts.EXPIRED, alert=True)


def press(engine: Engine, recorder: SafeRecorder, data: str | None, *, user_id: int | None, audience: Audience,
          markup: InlineKeyboardMarkup | None) -> Outcome:
    """Decide what a button press does. Unknown, old or dangling data expires kindly."""
    call = cb.decode(data)
    if call is None:
        log.info("expired callback data %r", data)
        return expired()
    nav = EDIT if call.edit else SEND
    op = call.op
    screen: Screen | None
    if op == cb.SHOW:
        screen = entry(engine, call.arg(0), audience)
        return Outcome(SEND, screen) if screen else expired()
    if op == cb.VIEW:
        keep = rows_with_op(markup, cb.FEEDBACK)
        screen = entry(engine, call.arg(0), audience, cb.VIEW_NAMES[call.arg(1)], extra_rows=keep)
        return Outcome(EDIT, screen) if screen else expired()
    if op == cb.SECTION:
        screen = section(engine, call.arg(0), audience)
        return Outcome(nav, screen) if screen else expired()
    if op == cb.CHAPTER:
        screen = chapter(engine, call.arg(0), audience)
        return Outcome(nav, screen) if screen else expired()
    if op == cb.CHAPTERS:
        return Outcome(nav, chapters(engine, audience))
    if op == cb.UNPLACED:
        return Outcome(nav, unplaced(engine))
    if op == cb.ROLES:
        return Outcome(nav, roles(engine))
    if op == cb.SERVICE:
        screen = service(engine, call.arg(0), audience)
        return Outcome(nav, screen) if screen else expired()
    if op == cb.TERMS:
        return Outcome(SEND, glossary_index(engine))
    if op == cb.AUDIENCE:
        new = Audience.RELATIVE if call.arg(0) == "r" else Audience.STAFF
        return Outcome(SEND, audience_switch(engine, new), audience=new)
    if op == cb.FEEDBACK:
        vote = cb.VOTES[call.arg(1)]
        if call.arg(0) != "-" and user_id is not None:
            recorder.record_feedback(int(call.arg(0)), vote, user_id)
        toast = texts.FEEDBACK_THANKS_UP if vote > 0 else texts.FEEDBACK_THANKS_DOWN
        if markup is None:
            return Outcome(toast=toast)
        return Outcome(MARKUP, markup=keyboard(rows_without_op(markup, cb.FEEDBACK)), toast=toast)
    if op == cb.FORGET:
        if call.arg(0) != "y" or user_id is None:
            return Outcome(EDIT, _screen([Part("body", texts.FORGET_CANCELLED)]))
        try:
            count = recorder.forget_user(user_id)
        except Exception:  # noqa: BLE001 - the user must hear that erasing failed
            log.exception("forget_user failed")
            return Outcome(EDIT, _screen([Part("body", texts.FORGET_FAILED)]))
        text = texts.FORGET_DONE.format(count=count) if count else texts.FORGET_NOTHING
        return Outcome(EDIT, _screen([Part("body", text)]), forgotten=True, audience=Audience.STAFF)
    return expired()


# --- inline mode ---------------------------------------------------------------------------


def inline_results(engine: Engine, query: str) -> tuple[list[InlineQueryResultArticle], InlineQueryResultsButton | None]:
    """Up to ten articles for `@bot question`; crisis help comes alone and first."""
    text = query.strip()
    if not text:
        return [], InlineQueryResultsButton(texts.INLINE_EMPTY_BUTTON, start_parameter="inline")
    reply = engine.handle(text, Audience.STAFF)
    if reply.decision == Decision.CRISIS:
        chunks = reply_screen(reply).chunks
        return [_article("crisis", texts.INLINE_CRISIS_TITLE, reply, chunks[0])], None
    ids: list[str] = []
    if reply.answered and reply.entry_id:
        ids.append(reply.entry_id)
    ids.extend(h.id for h in reply.hits if h.score >= INLINE_MIN_SCORE)
    results: list[InlineQueryResultArticle] = []
    seen: set[str] = set()
    for entry_id in ids:
        if entry_id in seen or len(results) >= INLINE_MAX:
            continue
        seen.add(entry_id)
        shown = engine.show(entry_id, reply.audience)
        if shown is None:
            continue
        item = engine.knowledge.corpus.get(entry_id)
        title = compose.label(item) if item is not None else entry_id
        if item is not None and not isinstance(item, Term):
            title = f"{title}: {item.title}"
        results.append(_article(entry_id, title, shown, reply_screen(shown).chunks[0]))
    button_ = None if results else InlineQueryResultsButton(texts.INLINE_NO_ANSWER_BUTTON, start_parameter="inline")
    return results, button_


def _article(result_id: str, title: str, reply: Reply, html_text: str) -> InlineQueryResultArticle:
    body = next((p.text for p in reply.parts if p.kind in ("body", "bullet")), "")
    return InlineQueryResultArticle(
        id=result_id[:64], title=title[:120], description=body[:160],
        input_message_content=InputTextMessageContent(html_text, parse_mode=ParseMode.HTML,
                                                      link_preview_options=NO_PREVIEW))
