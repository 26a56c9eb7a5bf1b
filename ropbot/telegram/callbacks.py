"""A compact, versioned codec for inline-button callback data (Telegram allows 64 bytes).

Why not PTB's arbitrary_callback_data: it keeps the data in memory, so every
button dies on restart. Here a button carries all it needs (an entry id, a
section number …), so buttons on old messages keep working across restarts
and corpus reloads. When they cannot (a new format, an entry that was
removed), `decode` returns None and the handler says kindly that the button
has expired.

Format: ``<version><op>[*]|arg|arg`` where ``*`` marks navigation inside a
menu message (edit it in place) rather than opening a new message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..reply import Action, Go

VERSION = "1"
MAX_BYTES = 64
SEP = "|"

# Operations. One letter each to leave room for ids.
SHOW = "s"          # show an entry (recommendation, role, topic, term): id
VIEW = "v"          # switch plain/professional text in place: id, "p" (plain) | "f" (fag)
SECTION = "x"       # a section menu: number
CHAPTER = "c"       # a chapter menu: number
CHAPTERS = "k"      # the list of chapters
UNPLACED = "u"      # recommendations ropbot cannot place in a chapter
ROLES = "r"         # the list of services
SERVICE = "g"       # one service and its role sections: slug
FEEDBACK = "f"      # 👍/👎: query id or "-", "u" | "d"
FORGET = "z"        # /glem confirmation: "y" | "n"
AUDIENCE = "a"      # switch audience: "s" (staff) | "r" (relative)
TERMS = "t"         # the glossary index

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{0,40}$")
_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,3}$")
_SLUG = re.compile(r"^[a-z0-9\-]{1,24}$")
_QID = re.compile(r"^(?:-|[1-9]\d{0,17})$")

# For each op: how many args, and a pattern per arg.
_SCHEMA: dict[str, tuple[re.Pattern[str], ...]] = {
    SHOW: (_ID,),
    VIEW: (_ID, re.compile(r"^[pf]$")),
    SECTION: (_NUMBER,),
    CHAPTER: (_NUMBER,),
    CHAPTERS: (),
    UNPLACED: (),
    ROLES: (),
    SERVICE: (_SLUG,),
    FEEDBACK: (_QID, re.compile(r"^[ud]$")),
    FORGET: (re.compile(r"^[yn]$"),),
    AUDIENCE: (re.compile(r"^[sr]$"),),
    TERMS: (),
}

# Nice names for the view and vote arguments.
VIEW_CODES = {"plain": "p", "pro": "f"}
VIEW_NAMES = {v: k for k, v in VIEW_CODES.items()}
VOTES = {"u": 1, "d": -1}


@dataclass(frozen=True)
class Callback:
    op: str
    args: tuple[str, ...] = ()
    edit: bool = False

    def arg(self, i: int) -> str:
        return self.args[i]


class CallbackTooLong(ValueError):
    """Raised when data would exceed Telegram's 64 bytes; the caller drops that button."""


def encode(op: str, *args: str | int, edit: bool = False) -> str:
    """Build callback data; raises ValueError for malformed or over-long data."""
    values = tuple(str(a) for a in args)
    callback = Callback(op, values, edit)
    if not _valid(callback):
        raise ValueError(f"invalid callback {op!r} {values!r}")
    data = SEP.join((f"{VERSION}{op}{'*' if edit else ''}", *values))
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackTooLong(data)
    return data


def decode(data: str | None) -> Callback | None:
    """Parse callback data; None for anything unknown, old or malformed (the button has expired)."""
    # All data ropbot writes is ASCII; anything else (a lone surrogate cannot even be encoded) is forged.
    if not data or not isinstance(data, str) or not data.isascii() or len(data) > MAX_BYTES:
        return None
    head, *args = data.split(SEP)
    if len(head) < 2 or head[0] != VERSION:
        return None
    op = head[1]
    edit = head[2:] == "*"
    if head[2:] not in ("", "*"):
        return None
    callback = Callback(op, tuple(args), edit)
    return callback if _valid(callback) else None


def _valid(callback: Callback) -> bool:
    schema = _SCHEMA.get(callback.op)
    if schema is None or len(schema) != len(callback.args):
        return False
    return all(p.match(a) for p, a in zip(schema, callback.args, strict=False))


def from_action(action: Action, edit: bool = False) -> str | None:
    """Callback data for an engine follow-up, or None for one this channel cannot offer or
    fit in 64 bytes: a newer engine never breaks rendering; the button is left out."""
    target = action.target or ""
    try:
        if action.go is Go.SHOW:
            return encode(SHOW, target)
        if action.go is Go.VIEW:
            return encode(VIEW, target, VIEW_CODES[action.view or ""])
        if action.go is Go.SECTION:
            return encode(SECTION, target, edit=edit)
        if action.go is Go.CHAPTER:
            return encode(CHAPTER, target, edit=edit)
        if action.go is Go.CHAPTERS:
            return encode(CHAPTERS, edit=edit)
        if action.go is Go.ROLES:
            return encode(ROLES, edit=edit)
    except (ValueError, KeyError):
        return None
    return None
    return None
