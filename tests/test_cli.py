"""The `ropbot` commands, run as a user would."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from probes import R69_QUESTION

ROOT = Path(__file__).resolve().parent.parent


def ropbot(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "ropbot.cli", *args], cwd=ROOT, env=full_env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_validate_json_reports_coverage():
    out = ropbot("validate", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["ok"] is True and report["errors"] == []
    assert report["recommendations_total"] == 93 and report["recommendations_written"] >= 60
    assert report["roles"] >= 16 and report["glossary_terms"] >= 40 and report["examples_min"] >= 4


def test_validate_broken_file_names_file_and_line_and_exits_2(corpus_copy: Path):
    (corpus_copy / "ordliste.yaml").write_text("glossary:\n  - id: G-x\n    term: [oops\n", encoding="utf-8")
    out = ropbot("validate", "--corpus", str(corpus_copy))
    assert out.returncode == 2
    assert "ordliste.yaml:3" in out.stdout or "ordliste.yaml:4" in out.stdout, out.stdout


def test_ask_json_number_lookup():
    out = ropbot("ask", "anbefaling 69", "--json")
    data = json.loads(out.stdout)
    assert data["decision"] == "number" and data["entry_id"] == "R69" and "Anbefaling 69" in data["text"]


def test_ask_json_ranked_hits():
    data = json.loads(ropbot("ask", "--json", "hvem følger opp den somatiske helsa til rop-pasienter?").stdout)
    assert data["entry_id"] == "R69" and data["hits"][0]["id"] == "R69"
    assert 0 <= data["hits"][0]["score"] <= 1


def test_eval_json_keys(tmp_path: Path):
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "version: 1\nquestions:\n"
        "  - {id: t1, text: 'anbefaling 69', audience: staff, kind: number, expect: [R69]}\n"
        "  - {id: t2, text: 'jeg vil ta livet mitt nå', audience: relative, kind: crisis, expect: [CRISIS]}\n"
        "  - {id: t3, text: 'hvordan lager man pannekaker', audience: staff, kind: out_of_scope, expect: [NONE]}\n"
        "  - {id: t4, text: 'fastlegen og den somatiske helsa til rop-pasienter', audience: staff,"
        " kind: recommendation, expect: [R69]}\n", encoding="utf-8")
    data = json.loads(ropbot("eval", str(questions), "--json").stdout)
    for key in ("n", "top1", "top3", "mrr", "crisis_recall", "crisis_false_alarms", "abstain", "p50_ms",
                "p99_ms", "by_kind", "misses"):
        assert key in data
    assert data["n"] == 4 and data["crisis_recall"] == 1.0 and data["abstain"] == 1.0 and data["top1"] == 1.0


def test_run_without_token_opens_terminal_chat():
    # The guide's own question. («hvem skal følge opp den somatiske helsa til en med rop-lidelse?»,
    # which asks about R69 and the municipality's part in 8.3.2 alike, gets both as buttons.)
    out = ropbot("run", stdin=R69_QUESTION + "\n/avslutt\n")
    assert out.returncode == 0
    assert "TELEGRAM_BOT_TOKEN" in out.stdout
    assert "Anbefaling 69" in out.stdout and "helsebiblioteket.no" in out.stdout


def test_chat_relative_mode_sticks():
    out = ropbot("chat", stdin="/parorende\nhvem følger opp den somatiske helsa?\n")
    assert "enklere språk" in out.stdout and "Fagtekst" in out.stdout
