"""The handler load benchmark's mechanics (its speed is printed by `ropbot bench`, never asserted)."""
from __future__ import annotations

from ropbot.bench.telegram import handler_load
from ropbot.engine import Engine


def test_handler_load_runs_every_message_in_rounds_without_errors(engine: Engine) -> None:
    result = handler_load(users=12, messages=10, engine=engine, rounds=3)
    assert result["handler_rounds"] == 3 and len(result["handler_msgs_per_s_rounds"]) == 3
    assert result["handler_messages"] == 120  # one round's updates
    assert sorted(result["handler_msgs_per_s_rounds"])[1] == result["handler_msgs_per_s"]
    assert result["handler_errors"] == 0
    mix = result["handler_mix"]
    assert mix.get("text", 0) > mix.get("command", 0) > 0 and mix.get("button", 0) > 0
    assert 0 < result["handler_p50_ms"] <= result["handler_p99_ms"]
