"""`ropbot eval`: score the engine on a question set in the format of shared/eval/dev.yaml."""
from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from .bench import percentile
from .engine import Engine
from .intents import RELATIVE, STAFF
from .reply import CRISIS
from .yamlio import load_file


def load_questions(path: Path) -> list[dict[str, Any]]:
    data = load_file(Path(path), str(path))
    return list(data["questions"])


def evaluate(engine: Engine, questions: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = crisis_total = crisis_hit = false_alarms = none_total = abstained = top1 = top3 = 0
    rr = 0.0
    latencies: list[float] = []
    by_kind: dict[str, dict[str, int]] = {}
    misses: list[dict[str, Any]] = []
    for q in questions:
        expect = [str(e) for e in q["expect"]]
        audience = RELATIVE if q.get("audience") == "relative" else STAFF
        started = time.perf_counter()
        reply = engine.handle(q["text"], audience)
        latencies.append((time.perf_counter() - started) * 1000)
        got = reply.entry_id if reply.answered else None
        is_crisis = reply.decision == CRISIS
        kind = q.get("kind", "?")
        if "CRISIS" in expect:
            crisis_total += 1
            right = is_crisis
            crisis_hit += right
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
    ratio = lambda a, b: round(a / b, 4) if b else 0.0
    return {
        "n": len(questions),
        "top1": ratio(top1, answerable),
        "top3": ratio(top3, answerable),
        "mrr": ratio(rr, answerable),
        "crisis_recall": ratio(crisis_hit, crisis_total),
        "crisis_false_alarms": false_alarms,
        "abstain": ratio(abstained, none_total),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "by_kind": {k: {"n": v["n"], "top1": ratio(v["top1"], v["n"])} for k, v in sorted(by_kind.items())},
        "misses": misses,
    }
