"""The /stats charts as PNG bytes, drawn from `Store.daily_decisions` and `Store.top_entries`.

Why Figure + FigureCanvasAgg and not pyplot: pyplot keeps global figure state and picks a
GUI backend when it can, neither fit for a bot's worker thread on a server without a display.
Matplotlib's shared font cache is still not thread-safe, so drawing is serialised by a lock.

Only counts and entry ids are drawn, never question text. Labels are words, not 👍/👎:
matplotlib's default font (DejaVu Sans) has no emoji glyphs.
"""
from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, cast

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

WIDTH_PX = 1200
HEIGHT_PX = 600
DPI = 100

DAILY_FILE = "ropbot-per-dag.png"
TOP_FILE = "ropbot-mest-brukt.png"

# (key in a daily_decisions row, legend label, colour); bottom to top in each bar.
SERIES = (
    ("answered", "Besvart", "#2e7d32"),
    ("did_you_mean", "«Mente du»", "#f9a825"),
    ("fallback", "Ikke funnet", "#8d6e63"),
    ("crisis", "Krise", "#c62828"),
    ("other", "Annet (hilsen o.l.)", "#b0bec5"),
)
UP_COLOUR, DOWN_COLOUR, NO_VOTE_COLOUR = "#2e7d32", "#c62828", "#cfd8dc"

_DRAW_LOCK = threading.Lock()


def _figure(title: str) -> tuple[Figure, Any]:
    """A figure of the fixed size with one axes. Fixed margins rather than constrained layout:
    that layout draws every chart twice and took half the render time."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=14, y=0.975)
    figure.subplots_adjust(left=0.07, right=0.98, top=0.84, bottom=0.13)
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No bbox_inches="tight": the image keeps exactly WIDTH_PX × HEIGHT_PX.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _empty_note(axes: Any, text: str) -> None:
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", fontsize=14, color="#555555")


def daily_png(days: Sequence[dict[str, Any]]) -> bytes:
    """Stacked bars of questions per day by outcome; `days` as from `Store.daily_decisions`."""
    with _DRAW_LOCK:
        total = sum(sum(row[key] for key, _, _ in SERIES) for row in days)
        span = f"{_day(days[0]['day'])}–{_day(days[-1]['day'], year=True)}" if days else ""
        figure, axes = _figure(f"Spørsmål per dag, siste {len(days)} dager ({span}, UTC) – {_n(total)} i alt")
        positions = range(len(days))
        bottom = [0] * len(days)
        for key, label, colour in SERIES:
            values = [row[key] for row in days]
            _bars(axes, [(x - 0.4, b, 0.8, v) for x, b, v in zip(positions, bottom, values, strict=False)], colour, label)
            bottom = [b + v for b, v in zip(bottom, values, strict=False)]
        axes.set_ylabel("Antall spørsmål")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(0, max(bottom, default=0) * 1.05 or 1)
        if not total:
            _empty_note(axes, "Ingen spørsmål i perioden")
        step = max(1, len(days) // 15)  # about 15 date labels, so they never overlap
        axes.set_xticks(list(positions)[::step], [_day(row["day"]) for row in days][::step],
                        rotation=45, ha="right")
        axes.set_xlim(-0.6, len(days) - 0.4)
        axes.grid(axis="y", alpha=0.3)
        axes.set_axisbelow(True)
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=len(SERIES), fontsize=10, frameon=False)
        return _png(figure)


def top_png(entries: Sequence[dict[str, Any]], days: int) -> bytes:
    """Horizontal bars of the most-answered entries, each split into answers voted useful, not
    useful and not voted on; `entries` as from `Store.top_entries`, most asked first."""
    with _DRAW_LOCK:
        figure, axes = _figure(f"Mest brukte oppføringer, siste {days} dager, med tilbakemeldinger")
        axes.set_xlabel("Antall besvarte spørsmål")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not entries:
            axes.set_yticks([])
            axes.set_xlim(0, 1)
            _empty_note(axes, "Ingen besvarte spørsmål i perioden")
            return _png(figure)
        rows = list(reversed(entries))  # barh draws from the bottom; the most asked goes on top
        positions = range(len(rows))
        for colour, label, start, width in (
                (UP_COLOUR, "Nyttig", lambda r: 0, lambda r: r["up"]),
                (DOWN_COLOUR, "Ikke nyttig", lambda r: r["up"], lambda r: r["down"]),
                (NO_VOTE_COLOUR, "Ingen tilbakemelding", lambda r: r["up"] + r["down"],
                 lambda r: r["count"] - r["up"] - r["down"])):
            _bars(axes, [(start(r), y - 0.4, width(r), 0.8) for y, r in zip(positions, rows, strict=False)], colour, label)
        axes.set_ylim(-0.6, len(rows) - 0.4)
        axes.set_yticks(list(positions), [_short(r["id"]) for r in rows], fontsize=11)
        widest = max(r["count"] for r in rows)
        axes.set_xlim(0, widest * 1.15)  # room for the count after the longest bar
        # The shares go in a column right of the axes, so no bar length can push them off the image.
        column = axes.get_yaxis_transform()  # x in axes fractions, y in data
        axes.text(1.02, 1.01, "Andel av tilbakemeldingene", transform=axes.transAxes, fontsize=10,
                  va="bottom", weight="bold")
        for position, row in zip(positions, rows, strict=False):
            axes.text(row["count"] + widest * 0.01, position, _n(row["count"]), va="center", fontsize=10)
            axes.text(1.02, position, _vote_label(row), transform=column, va="center", fontsize=10)
        _fit_margins(figure, axes)
        axes.grid(axis="x", alpha=0.3)
        axes.set_axisbelow(True)
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=3, fontsize=10, frameon=False)
        return _png(figure)


def _bars(axes: Any, rects: list[tuple[float, float, float, float]], colour: str, label: str) -> None:
    """One series of bars, (x, y, width, height) each, as a single PolyCollection: `bar()` makes
    an artist per bar, and those 150 artists took about a third of the daily chart's time."""
    verts = [((x, y), (x, y + h), (x + w, y + h), (x + w, y)) for x, y, w, h in rects if w and h]
    axes.add_collection(PolyCollection(verts, facecolors=colour, edgecolors="none", label=label),
                        autolim=False)


def _short(entry_id: str, limit: int = 28) -> str:
    return entry_id if len(entry_id) <= limit else entry_id[:limit - 1] + "…"


def _fit_margins(figure: Figure, axes: Any) -> None:
    """Left margin to the longest entry id (glossary ids run to 30 characters), right margin to
    the longest share label: measured, as the text's width depends on the font."""
    renderer = cast(FigureCanvasAgg, figure.canvas).get_renderer()  # every figure here is made with one
    left = max((label.get_window_extent(renderer).width for label in axes.get_yticklabels()), default=0)
    right = max((text.get_window_extent(renderer).width for text in axes.texts
                 if text.get_transform() is not axes.transData), default=0)
    figure.subplots_adjust(left=min(0.35, (left + 24) / WIDTH_PX), right=max(0.6, 1 - (right + 40) / WIDTH_PX))


def _vote_label(row: dict[str, Any]) -> str:
    votes = row["up"] + row["down"]
    if not votes:
        return "ingen tilbakemeldinger ennå"
    return f"nyttig {_pct(row['up'] / votes)}, ikke nyttig {_pct(row['down'] / votes)} (av {_n(votes)})"


def _n(count: int) -> str:
    """Norwegian digit grouping: 12 345."""
    return f"{count:,}".replace(",", "\u202f")


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"


def _day(iso: str, year: bool = False) -> str:
    moment = date.fromisoformat(iso)
    return moment.strftime("%d.%m.%Y" if year else "%d.%m")


def render(store: Any, days: int = 30, limit: int = 10) -> dict[str, bytes]:
    """Both charts, keyed by file name, straight from a store."""
    return {DAILY_FILE: daily_png(store.daily_decisions(days)),
            TOP_FILE: top_png(store.top_entries(days, limit), days)}


def write(charts: dict[str, bytes], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in charts.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths
