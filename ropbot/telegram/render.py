"""Turn `Reply` values into Telegram HTML messages and inline keyboards.

Why HTML and not MarkdownV2: HTML needs only three characters escaped, so
`html.escape` on every corpus- and user-supplied string is all the safety we
need, and a wrongly escaped string can never break the markup. Long replies
are split between paragraphs (never inside a tag) so each message stays
under Telegram's 4096-character limit.
"""
from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from ..reply import Action, Decision, Go, Part, Reply
from . import callbacks as cb
from . import texts

log = logging.getLogger(__name__)

MAX_MESSAGE = 4096
MAX_BUTTON_TEXT = 64


@dataclass(frozen=True)
class Block:
    """One paragraph of rendered HTML; `kind` decides the spacing to its neighbours."""

    kind: str
    html: str


@dataclass(frozen=True)
class Screen:
    """What a handler sends: one or more HTML chunks, the keyboard goes under the last one."""

    chunks: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.chunks)


def esc(text: str | None) -> str:
    """Escape a plain string for Telegram HTML (quotes too, so it is safe inside attributes)."""
    return html.escape(text or "", quote=True)


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), so emoji never push a chunk over."""
    return len(text.encode("utf-16-le")) // 2


# --- parts → blocks ------------------------------------------------------------------------

_WRAP = {
    "alert": ("🚨 <b>", "</b>"),
    "heading": ("<b>", "</b>"),
    "meta": ("<i>", "</i>"),
    "body": ("", ""),
    "bullet": ("• ", ""),
    "credit": ("<i>", "</i>"),
    "note": ("<i>", "</i>"),
    "safety": ("☎️ <b>", "</b>"),
}
_SAFE_URL = re.compile(r"^(https?|tg)://", re.IGNORECASE)


def part_blocks(part: Part, limit: int = MAX_MESSAGE) -> list[Block]:
    """Render one Part; a part too long for one message becomes several blocks."""
    if part.kind == "source":
        if part.url and _SAFE_URL.match(part.url):
            return [Block("source", f'<a href="{esc(part.url)}">{esc(part.text)}</a>')]
        return [Block("source", esc(part.text))]
    head, tail = _WRAP.get(part.kind, ("", ""))
    budget = limit - tg_len(head) - tg_len(tail)
    return [Block(part.kind, f"{head}{esc(piece)}{tail}") for piece in split_text(part.text, budget)]


_SPLITTERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\n\s*\n"), "\n\n"),
    (re.compile(r"\n"), "\n"),
    (re.compile(r"(?<=[.!?…:;])\s+"), " "),
    (re.compile(r"\s+"), " "),
)


def split_text(text: str, budget: int, escaped: bool = True) -> list[str]:
    """The one splitter for long messages: each piece of plain text, once escaped for HTML
    (`escaped`; admin replies are sent without a parse mode), fits `budget` UTF-16 units as
    Telegram counts them. At paragraphs first, then lines, sentences, words, and only as a
    last resort inside a word."""
    def size(piece: str) -> int:
        return tg_len(esc(piece) if escaped else piece)

    if size(text) <= budget:
        return [text]
    for pattern, joiner in _SPLITTERS:
        words = [w for w in pattern.split(text) if w]
        if len(words) < 2:
            continue
        pieces: list[str] = []
        current = ""
        for word in words:
            candidate = f"{current}{joiner}{word}" if current else word
            if size(candidate) <= budget:
                current = candidate
                continue
            if current:
                pieces.append(current)
            current = word
        if current:
            pieces.append(current)
        out: list[str] = []
        for piece in pieces:
            out.extend(split_text(piece, budget, escaped) if size(piece) > budget else [piece])
        return out
    # One unbroken run of characters: cut it, keeping escapes whole by cutting the raw text.
    out, current = [], ""
    for char in text:
        if size(current + char) > budget:
            out.append(current)
            current = ""
        current += char
    if current:
        out.append(current)
    return out


def pack(blocks: Sequence[Block], limit: int = MAX_MESSAGE) -> tuple[str, ...]:
    """Join blocks into as few messages as fit; a message only ever ends between blocks."""
    chunks: list[str] = []
    current = ""
    previous: Block | None = None
    for block in blocks:
        sep = "\n" if previous and previous.kind == block.kind == "bullet" else "\n\n"
        candidate = f"{current}{sep}{block.html}" if current else block.html
        if current and tg_len(candidate) > limit:
            chunks.append(current)
            candidate = block.html
        current = candidate
        previous = block
    if current:
        chunks.append(current)
    return tuple(chunks) or ("…",)


def reply_chunks(reply: Reply, limit: int = MAX_MESSAGE) -> tuple[str, ...]:
    return _chunks(reply.parts, limit)


# Rendering is a pure function of the parts, and the same entries are shown again and again
# (parts share the corpus' strings, so hashing them is cheap); a small cache saves the work.
@functools.lru_cache(maxsize=2048)
def _chunks(parts: tuple[Part, ...], limit: int) -> tuple[str, ...]:
    return pack([b for part in parts for b in part_blocks(part, limit)], limit)


def blocks_of(parts: Iterable[Part], limit: int = MAX_MESSAGE) -> list[Block]:
    return [b for part in parts for b in part_blocks(part, limit)]


# --- keyboards -----------------------------------------------------------------------------


def button(label: str, data: str) -> InlineKeyboardButton:
    label = label if len(label) <= MAX_BUTTON_TEXT else label[: MAX_BUTTON_TEXT - 1] + "…"
    return InlineKeyboardButton(label, callback_data=data)


def feedback_row(query_id: int | None) -> list[InlineKeyboardButton]:
    qid = str(query_id) if query_id else "-"
    return [button(texts.FEEDBACK_UP, cb.encode(cb.FEEDBACK, qid, "u")),
            button(texts.FEEDBACK_DOWN, cb.encode(cb.FEEDBACK, qid, "d"))]


def reply_rows(reply: Reply) -> list[list[InlineKeyboardButton]]:
    """Buttons for the engine's follow-ups: view and section switches side by side,
    related entries and "did you mean" choices one per row (their labels are long)."""
    return [list(row) for row in _rows(reply.followups, reply.decision == Decision.DID_YOU_MEAN)]


@functools.lru_cache(maxsize=2048)
def _rows(followups: tuple[Action, ...], did_you_mean: bool) -> tuple[tuple[InlineKeyboardButton, ...], ...]:
    top: list[InlineKeyboardButton] = []
    nav: list[InlineKeyboardButton] = []
    rows: list[list[InlineKeyboardButton]] = []
    for action in followups:
        data = cb.from_action(action)
        if data is None:
            log.debug("no button for action %r", action)
            continue
        if action.go in (Go.VIEW, Go.SECTION):
            top.append(button(action.label, data))
        elif action.go in (Go.CHAPTERS, Go.ROLES) and not did_you_mean:
            nav.append(button(action.label, data))
        else:
            rows.append([button(action.label, data)])
    return tuple(tuple(r) for r in (top, *rows, nav) if r)


class Keyboard(InlineKeyboardMarkup):
    """An inline keyboard that works out its Bot API form once, when it is built.

    Why: python-telegram-bot serialises a markup on every send by walking every attribute
    of every button, about 0.1 ms for a typical answer's keyboard, a tenth of the whole cost
    of answering. Markups are immutable and ropbot shares them between messages, so the
    form is kept; buttons that use more than text, URL or callback data go through PTB.
    """

    __slots__ = ("_wire",)

    def __init__(self, inline_keyboard: Sequence[Sequence[InlineKeyboardButton]], *,
                 api_kwargs: dict | None = None) -> None:
        super().__init__(inline_keyboard, api_kwargs=api_kwargs)
        with self._unfrozen():
            self._wire = tuple(tuple(_button_wire(b) for b in row) for row in self.inline_keyboard)

    def to_dict(self, recursive: bool = True) -> dict:
        if not recursive or self.api_kwargs:
            return super().to_dict(recursive=recursive)
        # New dicts each time (PTB or a caller may change what it gets back): simple buttons
        # are flat, so a copy is enough; the others are serialised afresh by PTB.
        return {"inline_keyboard": [[dict(b) if isinstance(b, dict) else b.to_dict() for b in row]
                                    for row in self._wire]}

    def __hash__(self) -> int:
        # Equal to an InlineKeyboardMarkup with the same buttons, so it must hash the same.
        return hash((InlineKeyboardMarkup, self._id_attrs))


_PREVIEW_OTHER_FIELDS = tuple(f for f in LinkPreviewOptions.__slots__ if f != "is_disabled")


class _NoPreview(LinkPreviewOptions):
    """Link previews off, in its Bot API form once (sent with every message; see Keyboard)."""

    __slots__ = ()

    def to_dict(self, recursive: bool = True) -> dict:
        if self.is_disabled is True and not self.api_kwargs and all(
                getattr(self, f) is None for f in _PREVIEW_OTHER_FIELDS):
            return {"is_disabled": True}
        return super().to_dict(recursive=recursive)  # e.g. PTB merged in Defaults


# Answers carry their own source link; a preview card would bury the text under it.
NO_PREVIEW: LinkPreviewOptions = _NoPreview(is_disabled=True)

_SIMPLE_FIELDS = ("text", "url", "callback_data")
_OTHER_FIELDS = tuple(f for f in InlineKeyboardButton.__slots__ if f not in _SIMPLE_FIELDS)


def _button_wire(b: InlineKeyboardButton) -> dict | InlineKeyboardButton:
    """A simple button's Bot API form, or the button itself when PTB must serialise it."""
    if b.api_kwargs or any(getattr(b, f) is not None for f in _OTHER_FIELDS):
        return b
    return {f: v for f in _SIMPLE_FIELDS if (v := getattr(b, f)) is not None}


def keyboard(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [list(r) for r in rows if r]
    return Keyboard(rows) if rows else None


def reply_screen(reply: Reply, *, feedback: bool = False, query_id: int | None = None,
                 extra_rows: Sequence[Sequence[InlineKeyboardButton]] = ()) -> Screen:
    if reply.answer is not None:
        # The crisis card stands alone in its own message(s); the answer and its buttons follow.
        below = reply_screen(reply.answer, feedback=feedback, query_id=query_id, extra_rows=extra_rows)
        return Screen(reply_chunks(reply) + below.chunks, below.keyboard)
    if not extra_rows and not query_id:
        return Screen(reply_chunks(reply), _markup(reply.followups, reply.decision == Decision.DID_YOU_MEAN, feedback))
    rows = reply_rows(reply)
    rows.extend(list(r) for r in extra_rows)
    if feedback:
        rows.append(feedback_row(query_id))
    return Screen(reply_chunks(reply), keyboard(rows))


@functools.lru_cache(maxsize=2048)
def _markup(followups: tuple[Action, ...], did_you_mean: bool, feedback: bool) -> InlineKeyboardMarkup | None:
    """The whole keyboard when it has no per-query data (PTB markups are immutable, so sharing is safe)."""
    rows = [list(r) for r in _rows(followups, did_you_mean)]
    if feedback:
        rows.append(feedback_row(None))
    return keyboard(rows)


def rows_with_op(markup: InlineKeyboardMarkup | None, op: str) -> list[list[InlineKeyboardButton]]:
    """The rows of an existing keyboard whose buttons carry `op` (used to keep or drop the feedback row)."""
    if markup is None:
        return []
    return [list(row) for row in markup.inline_keyboard
            if row and all(_op_of(b) == op for b in row)]


def rows_without_op(markup: InlineKeyboardMarkup | None, op: str) -> list[list[InlineKeyboardButton]]:
    if markup is None:
        return []
    return [list(row) for row in markup.inline_keyboard
            if not (row and all(_op_of(b) == op for b in row))]


def _op_of(b: InlineKeyboardButton) -> str | None:
    decoded = cb.decode(b.callback_data if isinstance(b.callback_data, str) else None)
    return decoded.op if decoded else None
