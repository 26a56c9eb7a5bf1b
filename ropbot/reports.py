"""Admin report texts: /stats, /versjoner and /ubesvart, shared by Telegram and the CLI.

Plain text on purpose: Telegram escapes and sends it as it is, the CLI prints it.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from .store import Version


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def format_stats(reports: list[dict[str, Any]], titles: Callable[[str], str | None] | None = None) -> str:
    """The /stats and `ropbot stats` text, one block per period."""
    blocks = []
    for r in reports:
        lines = [f"Siste {r['days']} dager",
                 f"Spørsmål: {r['questions']} ({str(r['questions_per_day']).replace('.', ',')} per dag), "
                 f"brukere: {r['users']}"]
        if r["questions"]:
            lines.append(f"Besvart: {_pct(r['answer_rate'])} · ikke funnet (fallback): {_pct(r['fallback_rate'])} · "
                         f"«mente du»: {r['did_you_mean']} · krise: {r['crisis']}")
        if r["per_day"]:
            recent = r["per_day"][-7:]
            lines.append("Per dag: " + ", ".join(f"{d['day'][5:]} {d['questions']}" for d in recent)
                         + (" …" if len(r["per_day"]) > 7 else ""))
        if r["top"]:
            items = []
            for t in r["top"]:
                title = titles(t["id"]) if titles else None
                items.append(f"{t['id']}{' ' + title if title else ''} ({t['count']})")
            lines.append("Mest brukt: " + "; ".join(items))
        balance = r["feedback_balance"]
        lines.append(f"Tilbakemeldinger: 👍 {r['feedback_up']} / 👎 {r['feedback_down']} "
                     f"(balanse {'+' if balance > 0 else ''}{balance})")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def format_versions(versions: list[Version], live_checksum: str | None = None) -> str:
    if not versions:
        return "Ingen versjoner er registrert ennå."
    lines = ["Korpusversjoner (nyest først):"]
    marked = False
    for v in versions:
        who = {"cli": "kommandolinjen", "disk": "endret på disk", None: "systemet"}.get(v.admin, "admin " + (v.admin or "")[:8])
        live = ""
        if live_checksum and v.checksum == live_checksum and not marked:
            live, marked = "  ← i bruk", True
        note = f" – {v.note}" if v.note else ""
        lines.append(f"{v.id}. {v.ts.replace('T', ' ')} UTC, {who}, {v.files} filer, {v.checksum[:12]}{note}{live}")
    lines.append("Rull tilbake med /tilbake N (eller `ropbot rollback N`).")
    return "\n".join(lines)


# --- /ubesvart: group similar questions and point at the nearest entry ---------------------

GROUP_CUTOFF = 72  # rapidfuzz token_sort_ratio; chosen so rephrasings group but topics do not
REASON_LABELS = {"fallback": "ikke funnet", "low": "usikkert svar", "down": "👎"}


_MASKS = re.compile(r"\[[a-zæøå\-]+\]")


def _group_key(text: str, stopwords: frozenset[str]) -> str:
    folded = _MASKS.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    words = re.findall(r"[\wæøå-]+", folded)
    content = [w for w in words if w not in stopwords]
    return " ".join(content or words)


def group_unanswered(rows: list[dict[str, Any]], rank: Callable[[str], list[Any]] | None = None,
                     title: Callable[[str], str | None] | None = None, limit: int = 15,
                     stopwords: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Cluster similar unanswered questions so an admin sees each gap once.

    `stopwords`: question words and particles (intents/lexicon.yaml `question_words`), left out
    because they make unrelated short questions look alike.

    Greedy clustering against each group's first (newest) question with rapidfuzz;
    each group then gets the corpus entry the current matcher ranks closest, which
    is where the admin would add the question as an example.
    """
    from collections import Counter

    from rapidfuzz import fuzz, process

    groups: list[dict[str, Any]] = []
    keys: list[str] = []
    for row in rows:
        key = _group_key(row["text"] or "", stopwords)
        if not key:
            continue
        found = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=GROUP_CUTOFF) if keys else None
        if found:
            group = groups[found[2]]
        else:
            group = {"text": row["text"], "count": 0, "reasons": Counter(), "examples": [], "latest": row["ts"],
                     "ids": []}
            groups.append(group)
            keys.append(key)
        group["count"] += 1
        group["reasons"][row["reason"]] += 1
        group["ids"].append(row["id"])
        if row["text"] != group["text"] and row["text"] not in group["examples"] and len(group["examples"]) < 3:
            group["examples"].append(row["text"])
    groups.sort(key=lambda g: -g["count"])  # stable: equal counts stay newest first
    groups = groups[:limit]
    for group in groups:
        group["reasons"] = dict(group["reasons"])
        group["closest"] = None
        if rank is not None:
            hits = rank(group["text"])
            if hits:
                hit = hits[0]
                group["closest"] = {"id": hit.id, "score": round(float(hit.score), 3),
                                    "title": title(hit.id) if title else None}
    return groups


def format_unanswered(groups: list[dict[str, Any]], total: int, days: int) -> str:
    if not groups:
        return f"Ingen ubesvarte eller nedstemte spørsmål de siste {days} dagene."
    lines = [f"Ubesvart siste {days} dager: {total} spørsmål i {len(groups)} grupper "
             "(ikke funnet, usikre svar og 👎)."]
    for number, group in enumerate(groups, 1):
        reasons = ", ".join(f"{REASON_LABELS.get(k, k)} {v}" for k, v in sorted(group["reasons"].items()))
        lines.append(f"\n{number}. «{group['text']}» ×{group['count']} ({reasons})")
        if group["examples"]:
            lines.append("   Også: " + "; ".join(f"«{t}»" for t in group["examples"]))
        closest = group.get("closest")
        if closest:
            name = f" «{closest['title']}»" if closest.get("title") else ""
            score = f"{closest['score']:.2f}".replace(".", ",")
            lines.append(f"   Nærmest: {closest['id']}{name} ({score}) – legg spørsmålet til som eksempel der "
                         "hvis det hører hjemme")
        else:
            lines.append("   Nærmest: ingen oppføring ligner – kanskje en ny oppføring?")
    return "\n".join(lines)
