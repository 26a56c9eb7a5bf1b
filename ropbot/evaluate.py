"""`ropbot eval`: score the engine on a question set.

Two formats: a dev set (`questions:` with `expect`, as shared/eval/dev.yaml) and a labelled crisis
set (a list of `{text, label}` with label acute, concern or none, as tests/data/blind/crisis-*.yaml).
"""
from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import texts as T
from .bench.stats import percentile
from .crisis import ACUTE, CONCERN
from .engine import Engine
from .intents import Audience
from .reply import Decision, Go
from .yamlio import load_file


def load_questions(path: Path) -> list[dict[str, Any]]:
    data = load_file(Path(path), str(path))
    return list(data["questions"] if isinstance(data, dict) else data)


def ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b else 0.0


def is_crisis_set(questions: Sequence[dict[str, Any]]) -> bool:
    return bool(questions) and all(q.get("label") in (ACUTE, CONCERN, "none") for q in questions)


def evaluate_crisis(engine: Engine, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Issue 10's crisis figures: the card first on acute messages, the numbers on concern ones."""
    def outcome(text: str) -> tuple[bool, bool]:
        reply = engine.handle(text, Audience.STAFF)
        return reply.decision == Decision.CRISIS, reply.shows_numbers
    return crisis_figures(outcome, rows)





def evaluate(engine: Engine, questions: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = crisis_total = crisis_hit = numbers_shown = false_alarms = none_total = abstained = top1 = top3 = 0
    rr = 0.0
    latencies: list[float] = []
    by_kind: dict[str, dict[str, int]] = {}
    misses: list[dict[str, Any]] = []
    for q in questions:
        expect = [str(e) for e in q["expect"]]
        audience = Audience.RELATIVE if q.get("audience") == "relative" else Audience.STAFF
        started = time.perf_counter()
        reply = engine.handle(q["text"], audience)
        latencies.append((time.perf_counter() - started) * 1000)
        got = reply.entry_id if reply.answered else None
        is_crisis = reply.decision == Decision.CRISIS
        kind = q.get("kind", "?")
        if "CRISIS" in expect:
            crisis_total += 1
            right = is_crisis
            crisis_hit += right
            numbers_shown += reply.shows_numbers
        elif "NONE" in expect:
            none_total += 1
            right = not (got and got[0] in "RS")
            abstained += right
            false_alarms += is_crisis
        else:
            answerable += 1
            false_alarms += is_crisis
            right = got in expect
            top1 += right
            ranked = [got] if got else []
            ranked += [h.id for h in reply.hits if h.id not in ranked]
            rank = next((i + 1 for i, hid in enumerate(ranked) if hid in expect), None)
            if rank:
                rr += 1 / rank
                top3 += rank <= 3
        stats = by_kind.setdefault(kind, {"n": 0, "top1": 0})
        stats["n"] += 1
        stats["top1"] += bool(right)
        if not right:
            misses.append({"id": q["id"], "text": q["text"], "expect": expect,
                           "got": "CRISIS" if is_crisis else (got or reply.decision),
                           "hits": [(h.id, round(h.score, 3)) for h in reply.hits[:3]]})
    return {
        "n": len(questions),
        "top1": ratio(top1, answerable),
        "top3": ratio(top3, answerable),
        "mrr": ratio(rr, answerable),
        "crisis_recall": ratio(crisis_hit, crisis_total),
        "crisis_numbers_shown": ratio(numbers_shown, crisis_total),
        "crisis_false_alarms": false_alarms,
        "abstain": ratio(abstained, none_total),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "by_kind": {k: {"n": v["n"], "top1": ratio(v["top1"], v["n"])} for k, v in sorted(by_kind.items())},
        "misses": misses,
    }


Outcome = tuple[bool, bool]  # (crisis card first, emergency numbers shown anywhere)


def crisis_figures(assess: Callable[[str], Outcome], rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Issue 10's figures for one labelled set; `assess(text)` says what a user would see."""
    acute = [r for r in rows if r["label"] == ACUTE]
    concern = [r for r in rows if r["label"] == CONCERN]
    negatives = [r for r in rows if r["label"] != ACUTE]
    outcome = {id(r): assess(r["text"]) for r in rows}
    misses = [r["text"] for r in acute if not outcome[id(r)][0]]
    return {
        "n": len(rows),
        "acute": len(acute), "concern": len(concern), "none": len(rows) - len(acute) - len(concern),
        "acute_recall_card_first": ratio(len(acute) - len(misses), len(acute)),
        "acute_numbers_shown": ratio(sum(outcome[id(r)][1] for r in acute), len(acute)),
        "card_false_alarms": ratio(sum(outcome[id(r)][0] for r in negatives), len(negatives)),
        "concern_numbers_shown": ratio(sum(outcome[id(r)][1] for r in concern), len(concern)),
        "none_numbers_shown": ratio(sum(outcome[id(r)][1] for r in rows if r["label"] == "none"),
                                    len(rows) - len(acute) - len(concern)),
        "acute_misses": misses,
        "false_alarms": [r["text"] for r in negatives if outcome[id(r)][0]],
        "concern_without_numbers": [r["text"] for r in concern if not outcome[id(r)][1]],
    }


def set_kind(rows: Sequence[dict[str, Any]]) -> str:
    """Which blind set a file holds, from its fields."""
    first = rows[0] if rows else {}
    if is_crisis_set(rows):
        return "crisis"
    if "numbers" in first or "sections" in first:
        return "lookups"
    if first.get("kind") in ("near", "far"):
        return "offtopic"
    if "also" in first:
        return "stories"
    return "short"


def evaluate_blind(engine: Engine, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Issue 11's figures on one blind set (short questions, stories, off-topic or lookups)."""
    kind = set_kind(rows)
    if kind == "crisis":
        return evaluate_crisis(engine, rows)
    def audience_of(row: dict[str, Any]) -> Audience:
        return Audience.RELATIVE if str(row.get("voice", "")).startswith(("relative", "patient")) else Audience.STAFF

    first = top3 = offered_first = offered = wrong = unanswered = useful = lookups_right = 0
    latencies: list[float] = []
    misses: list[dict[str, Any]] = []
    for row in rows:
        started = time.perf_counter()
        reply = engine.handle(row["text"], audience_of(row))
        latencies.append((time.perf_counter() - started) * 1000)
        answered = reply.entry_id if reply.answered else None
        buttons = [a.target for a in reply.followups if a.go is Go.SHOW and a.target]
        if kind == "lookups":
            want = [f"R{n}" for n in row.get("numbers") or ()] + [f"S{s}" for s in row.get("sections") or ()]
            got = _looked_up(reply)
            right = bool(want) and set(want) <= got
            lookups_right += right
            if not right:
                misses.append({"text": row["text"], "want": want, "got": sorted(got)})
            continue
        if kind == "offtopic":
            took = answered is not None and answered[0] in "RSP" or (answered or "").startswith("T-")
            unanswered += not took
            useful += bool(reply.followups) or any(p.kind == "source" or "http" in p.text for p in reply.parts)
            if took:
                misses.append({"text": row["text"], "got": answered})
            continue
        right_ids = {row["label"], *(row.get("also") or ())}
        ranked = [answered] if answered else []
        ranked += [b for b in buttons if b not in ranked]
        ranked += [h.id for h in reply.hits if h.id not in ranked]
        is_first = answered in right_ids
        first += is_first
        top3 += any(r in right_ids for r in ranked[:3])
        offered_first += is_first or (not answered and bool(buttons) and buttons[0] in right_ids)
        offered += is_first or any(b in right_ids for b in buttons)
        wrong += answered is not None and not is_first
        if not is_first:
            misses.append({"text": row["text"][:160], "want": row["label"], "got": answered or reply.decision,
                           "buttons": buttons[:3], "hits": [(h.id, round(h.score, 3)) for h in reply.hits[:3]]})
    n = len(rows)
    report: dict[str, Any] = {"kind": kind, "n": n}
    if kind == "lookups":
        report["lookups_right"] = ratio(lookups_right, n)
    elif kind == "offtopic":
        report |= {"not_answered": ratio(unanswered, n), "useful_next_step": ratio(useful, n)}
    else:
        report |= {"answered_right_first": ratio(first, n), "right_in_top3": ratio(top3, n),
                   "right_first_or_first_button": ratio(offered_first, n), "right_among_buttons": ratio(offered, n),
                   "confident_wrong": ratio(wrong, n)}
    report |= {"p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
               "p99_ms": round(percentile(latencies, 0.99), 2) if latencies else 0.0, "misses": misses}
    return report


def _told_missing(template: str) -> re.Pattern[str]:
    """A 'does not exist' text as a pattern whose last group is the number asked for."""
    return re.compile(re.escape(template).replace(re.escape("{}"), r"(\S+?)") + "$")


_NO_NUMBER, _NO_SECTION = _told_missing(T.NO_SUCH_NUMBER), _told_missing(T.NO_SUCH_SECTION)
_NO_CHAPTER = _told_missing(T.NO_SUCH_CHAPTER)


def _looked_up(reply: Any) -> set[str]:
    """Entry ids a lookup reply shows: the entry itself, or each one when several were asked. An
    honest 'does not exist' for a number or section typed counts as looking it up."""
    found = {reply.entry_id} if reply.entry_id else set()
    for part in reply.parts:
        if part.kind == "body":
            if m := _NO_NUMBER.match(part.text):
                found.add("R" + m.groups()[-1])
            elif m := _NO_SECTION.match(part.text) or _NO_CHAPTER.match(part.text):
                found.add("S" + m.groups()[-1])
        if part.kind == "heading":
            head = part.text.split(":")[0]
            if head.startswith("Anbefaling "):
                found.add("R" + head.removeprefix("Anbefaling ").strip())
            elif head.startswith("Kapittel ") and head.split()[1].isdigit():
                found.add("S" + head.split()[1])
            elif head.startswith("Roller og ansvar "):
                found.add("S" + head.removeprefix("Roller og ansvar ").strip())
            elif head[:1].isdigit():
                found.add("S" + head.split()[0])
    return found
