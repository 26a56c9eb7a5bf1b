"""The web page's JSON: search results, one entry, and the filter choices, as plain functions.

Why plain functions: they are the whole behaviour of the page's API, so they are tested and
benchmarked without HTTP; `server.py` only parses parameters and writes what these return.
Search goes through `Engine.handle`, so the crisis check and every decision are the chat's own.
Each call reads the live snapshot once (`engine.knowledge`), so a reload never mixes corpora.
"""
from __future__ import annotations

from typing import Any

from .. import compose
from ..crisis import ACUTE
from ..engine import Engine
from ..intents import Audience
from ..live import Knowledge
from ..model import Corpus, Entry, Recommendation, Role, Term
from ..reply import ANSWERS, Decision, Go, Part, Reply

AUDIENCES = (Audience.STAFF, Audience.RELATIVE)
MAX_QUERY = 2000  # the engine reads no further either (engine.MAX_CHARS)
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
# Hits below this are noise in a list typed letter by letter; the engine's own choices
# (the answer, the "did you mean" options) are always shown whatever their score.
MIN_SCORE = 0.02
SNIPPET = 160
# Reply parts a notice shows (a fallback, an off-topic note, a greeting); the crisis parts go elsewhere.
NOTICE_KINDS = frozenset({"heading", "body", "bullet", "source", "note"})


class BadRequest(ValueError):
    """A parameter the API cannot use; the server answers 400 with this message."""


def parse_audience(value: str | None) -> Audience:
    value = (value or Audience.STAFF).strip()
    if value not in AUDIENCES:
        raise BadRequest("audience must be staff or relative")
    return Audience(value)


def parse_limit(value: str | None) -> int:
    raw = (value or "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


# --- search --------------------------------------------------------------------------------


def search(engine: Engine, query: str | None, audience: Audience = Audience.STAFF, chapter: str | None = None,
           service: str | None = None, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """What the page lists for a query: the crisis card (when the chat would send one) first,
    then the entries the engine chose, then its other hits; filters narrow the list only."""
    k = engine.knowledge
    audience = parse_audience(audience)
    allowed = _allowed(k, chapter or None, service or None)
    text = (query or "")[:MAX_QUERY]
    out: dict[str, Any] = {"query": text, "audience": audience, "decision": "empty", "urgency": None,
                           "crisis": [], "safety": None, "heading": None, "notice": [], "results": []}
    if not text.strip():
        if allowed is not None:  # filters alone: browse what they hold
            out["decision"] = Decision.BROWSE
            out["results"] = [_result(k.corpus, item, audience) for i in _browse_order(k, allowed)[:limit]
                              if (item := k.corpus.get(i)) is not None]
        return out
    reply = engine.handle(text, audience)
    out["decision"], out["urgency"] = reply.decision, reply.urgency
    shown: Reply | None = reply
    if reply.urgency == ACUTE:
        out["crisis"] = [_part(p) for p in reply.parts]
        shown = reply.answer  # what the message also asked, answered under the card (or nothing)
    out["safety"] = next((p.text for p in reply.parts if p.kind == "safety"), None)
    if shown is not None:
        out["heading"], out["notice"] = _framing(shown)
        ids = _result_ids(shown)
        if allowed is not None:
            ids = [i for i in ids if i in allowed]
        out["results"] = [_result(k.corpus, item, audience, i == shown.entry_id)
                          for i in ids if (item := k.corpus.get(i)) is not None][:limit]
    return out


def _result_ids(reply: Reply) -> list[str]:
    """The entries a reply points at, the engine's choice first, each once."""
    ids: list[str] = []
    if reply.entry_id:
        ids.append(reply.entry_id)
    if reply.decision in (Decision.NUMBER, Decision.BROWSE, Decision.DID_YOU_MEAN) and not reply.entry_id:
        ids.extend(a.target for a in reply.followups if a.go is Go.SHOW and a.target)
    ids.extend(h.id for h in reply.hits if h.score >= MIN_SCORE)
    return list(dict.fromkeys(ids))


def _framing(reply: Reply) -> tuple[str | None, list[dict[str, Any]]]:
    """A heading over the list, or the reply's own words when it is not an entry (a fallback,
    a note on something the guideline does not cover, a greeting)."""
    if reply.decision in ANSWERS and reply.entry_id:
        return None, []
    if reply.decision == Decision.DID_YOU_MEAN:
        return next((p.text for p in reply.parts if p.kind == "body"), None), []
    if reply.decision in (Decision.NUMBER, Decision.BROWSE):
        return next((p.text for p in reply.parts if p.kind == "heading"), None), []
    return None, [_part(p) for p in reply.parts if p.kind in NOTICE_KINDS]


def _part(part: Part) -> dict[str, Any]:
    return {"kind": part.kind, "text": part.text, "url": part.url}


def _fields(corpus: Corpus, item: Entry | Term) -> dict[str, Any]:
    """What a result and an entry both show: where the entry stands and what it is called."""
    section = corpus.section(getattr(item, "section", None) or None)
    return {"id": item.id, "kind": item.kind, "label": compose.label(item), "number": getattr(item, "number", None),
            "title": item.term if isinstance(item, Term) else item.title,
            "section": section.number if section else None, "section_title": section.title if section else None,
            "chapter": _chapter_of(corpus, item), "grade": getattr(item, "grade", None),
            "written": getattr(item, "answerable", True)}


def _result(corpus: Corpus, item: Entry | Term, audience: Audience, answer: bool = False) -> dict[str, Any]:
    if isinstance(item, Term):
        body = item.definition
    elif not item.answerable:
        body = ""
    else:
        body = item.plain if audience == Audience.RELATIVE and item.plain else item.text
    return {**_fields(corpus, item), "snippet": _snippet(body), "answer": answer}


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1].rsplit(" ", 1)[0] + " …"


def _chapter_of(corpus: Corpus, item: Entry | Term) -> str | None:
    if isinstance(item, Recommendation):
        return item.chapter
    if isinstance(item, Role):
        section = corpus.section(item.section)
        return section.chapter if section else item.section.split(".", 1)[0]
    return None


# --- filters -------------------------------------------------------------------------------


def _allowed(k: Knowledge, chapter: str | None, service: str | None) -> frozenset[str] | None:
    """Entry ids the filters let through (None: no filter). Unknown values are refused, so the
    per-snapshot memo only ever holds real chapters and services."""
    if chapter is None and service is None:
        return None
    if chapter is not None and k.corpus.chapter(chapter) is None:
        raise BadRequest("unknown chapter")
    if service is not None and not any(s.slug == service for s in k.services()):
        raise BadRequest("unknown service")
    return k.derived(("web-filter", chapter, service), lambda: _filter(k, chapter, service))


def _filter(k: Knowledge, chapter: str | None, service: str | None) -> frozenset[str]:
    corpus = k.corpus
    ids = {e.id for e in corpus.entries() if chapter is None or _chapter_of(corpus, e) == chapter}
    if service is not None:
        found = next(s for s in k.services() if s.slug == service)
        roles = (*found.roles, *found.mentioned)
        ids &= {r.id for r in roles} | {ref for r in roles for ref in r.recommendations}
    return frozenset(ids)


def _browse_order(k: Knowledge, allowed: frozenset[str]) -> list[str]:
    corpus = k.corpus
    order = [*(r.id for r in corpus.recommendations), *(r.id for r in corpus.roles), *(t.id for t in corpus.topics)]
    return [i for i in order if i in allowed]


# --- one entry -----------------------------------------------------------------------------


def resolve(engine: Engine, key: str) -> str | None:
    return engine.knowledge.corpus.resolve(key)



def entry(engine: Engine, entry_id: str) -> dict[str, Any] | None:
    """Everything the entry view shows, both texts included (the page switches between them)."""
    k = engine.knowledge
    item = k.corpus.get(entry_id)
    if item is None:
        return None  # unknown ids never reach the memo
    return k.derived(("web-entry", entry_id), lambda: _entry(k.corpus, item))


def _entry(corpus: Corpus, item: Entry | Term) -> dict[str, Any]:
    # The chat's reply for the entry gives the related entries and the placeholder wording.
    reply = compose.entry_reply(corpus, item, Audience.STAFF, compose.PRO)
    related = []
    for action in reply.followups:
        if action.go is Go.SHOW and action.target:
            other = corpus.get(action.target)
            if other is not None:
                related.append({"id": other.id, "label": compose.label(other),
                                "title": other.term if isinstance(other, Term) else other.title})
    base = _fields(corpus, item)
    credit = next((p.text for p in reply.parts if p.kind == "credit"), corpus.guideline.credit)
    if isinstance(item, Term):
        return {**base, "text": item.definition, "plain": "", "aliases": list(item.aliases), "location": None,
                "responsible": [], "points": [], "source": item.source, "credit": credit, "related": related}
    written = item.answerable
    placeholder = next((p.text for p in reply.parts if p.kind == "body"), "")
    chapter = corpus.chapter(base["chapter"])
    return {**base, "chapter_title": chapter.title if chapter else None,
            "location": compose.location(corpus, base["chapter"], base["section"]) if base["chapter"] else None,
            "text": item.text if written else placeholder, "plain": item.plain if written else "",
            "aliases": [], "responsible": list(getattr(item, "responsible", ())),
            "points": list(getattr(item, "points", ())), "source": item.source, "credit": credit,
            "related": related}


# --- what the filters offer ----------------------------------------------------------------


def meta(engine: Engine) -> dict[str, Any]:
    k = engine.knowledge
    return k.derived("web-meta", lambda: _meta(k))


def _meta(k: Knowledge) -> dict[str, Any]:
    corpus = k.corpus
    g = corpus.guideline
    counts: dict[str, int] = {}
    for e in corpus.entries():
        chapter = _chapter_of(corpus, e)
        if chapter is not None:
            counts[chapter] = counts.get(chapter, 0) + 1
    return {
        "guideline": {"title": g.title, "short_title": g.short_title, "is_number": g.is_number,
                      "publisher": g.publisher, "url": g.url, "credit": g.credit},
        "chapters": [{"number": c.number, "title": c.title, "count": counts[c.number]}
                     for c in corpus.chapters if counts.get(c.number)],
        "services": [{"slug": s.slug, "name": s.name} for s in k.services()],
        "version": corpus.checksum[:12],
    }
