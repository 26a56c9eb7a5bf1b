"""Load benchmarks for the Telegram channel, used by `ropbot bench`.

* `handler_load`: the full handler stack in-process, through
  `application.process_update`, on the test backend (`testing.FakeBot`) with a
  request that keeps no call log. Telegram's rate limiter is off here: it would
  cap the figure at Telegram's 30 messages/s instead of measuring ropbot.
* `flood_load`: another chat's reply latency while one chat floods.

The end-to-end load through the Bot API emulator is a program of the tests
(tests/e2e/load.py, run by `make bench`): it needs the emulator adapter, which
stays out of the product, and the emulator tops out at a few hundred requests
per second, so it cannot show the bot's own capacity anyway.
"""
from __future__ import annotations

import asyncio
import logging
import random
import statistics
import time
from dataclasses import replace
from typing import Any

from telegram import Update

from ..config import Settings
from ..engine import Engine
from ..live import LiveKnowledge
from ..telegram import texts
from ..telegram.hooks import Recorder
from ..telegram.testing import FakeBot, OfflineRequest
from .hostile import hostile_messages
from .stats import percentile

log = logging.getLogger(__name__)

BOT = {"id": 4711, "is_bot": True, "first_name": "ropbot", "username": "ropbot_bench_bot",
       "can_join_groups": True, "supports_inline_queries": True}
STICKER = {"file_id": "s", "file_unique_id": "s", "width": 512, "height": 512, "is_animated": False,
           "is_video": False, "type": "regular"}
SMALL_TALK = ("hei", "takk!", "hva kan du hjelpe med?")
OFF_TOPIC = ("hvor mye koster en time hos psykolog?", "når åpner legevakten i påsken?", "asdf qwerty")
WARMUP = 400  # updates processed before the clock starts
ROUNDS = 5
COMMANDS = ("/anbefaling {n}", "/kapitler", "/roller", "/ordliste DPS", "/start", "/hjelp", "/om",
            "/anbefaling {n}", "/ordliste LAR")


class BenchRequest(OfflineRequest):
    """A very fast Telegram that keeps no call log (it would grow with every message).

    It never suspends, so each update is handled start to finish once begun and
    its measured latency is its own processing time. It remembers each chat's
    last keyboard so simulated users can press real buttons.
    """

    def __init__(self) -> None:
        super().__init__(BOT, record=False, echo_markup=False)
        self.keyboards: dict[int, tuple[int, list[str], str]] = {}
        self.errors = 0

    def result(self, name: str, params: dict[str, Any]) -> Any:
        result = super().result(name, params)
        if name == "sendMessage":
            text = str(params.get("text", ""))
            if text == texts.ERROR:
                self.errors += 1
            markup = params.get("reply_markup")
            if isinstance(markup, dict):
                data = [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
                        if "callback_data" in b]
                self.keyboards[int(params["chat_id"])] = (result["message_id"], data, text)
        return result


def questions(engine: Engine) -> list[str]:
    """Realistic questions: the example questions written for each corpus entry."""
    corpus = engine.knowledge.corpus
    found = [q for e in corpus.entries() for q in e.examples]
    return found or ["hvem følger opp den somatiske helsa?"]


class Script:
    """One simulated user's next message, drawn from a fixed mix.

    Roughly: 55 % typed questions, 20 % button presses, 15 % commands, 4 % small talk,
    3 % off-topic, 2 % audience switches, 1 % stickers.
    """

    def __init__(self, rng: random.Random, pool: list[str]) -> None:
        self.rng = rng
        self.pool = pool

    def next(self, keyboard: list[str] | None) -> tuple[str, Any]:
        roll = self.rng.random()
        if roll < 0.20 and keyboard:
            return "button", self.rng.choice(keyboard)
        if roll < 0.35:
            return "command", self.rng.choice(COMMANDS).format(n=self.rng.randint(1, 95))
        if roll < 0.39:
            return "text", self.rng.choice(SMALL_TALK)
        if roll < 0.42:
            return "text", self.rng.choice(OFF_TOPIC)
        if roll < 0.44:
            return "command", self.rng.choice(("/parorende", "/fagperson"))
        if roll < 0.45:
            return "sticker", None
        return "text", self.rng.choice(self.pool)


def handler_load(settings: Settings | None = None, users: int = 200, messages: int = 20, *,
                 engine: Engine | None = None, recorder: Recorder | None = None, seed: int = 1948,
                 rounds: int = ROUNDS) -> dict:
    """Throughput and latency of the whole handler stack with `users` concurrent users.

    The same workload runs `rounds` times, each on a fresh application; throughput is the
    middle round (the upper middle for an even count), and every round is reported. Why rounds: on a shared VM one run's speed
    swings by a quarter either way, and a single figure would mostly measure the neighbours.
    """
    settings = settings or Settings.from_env({})
    if engine is None:
        engine = Engine(LiveKnowledge(settings.corpus_dir, settings.intents_dir))
    runs = [asyncio.run(_handler_load(settings, engine, recorder, users, messages, seed))
            for _ in range(max(1, rounds))]
    latencies = [x for run in runs for x in run.pop("latencies")]
    middle = sorted(runs, key=lambda r: r["handler_msgs_per_s"])[len(runs) // 2]
    return {
        **middle,
        "handler_rounds": len(runs),
        "handler_msgs_per_s_rounds": [r["handler_msgs_per_s"] for r in runs],
        # Latency over every update of every round, not just the median round's.
        "handler_p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
        "handler_p99_ms": round(percentile(latencies, 0.99), 2),
        "handler_errors": sum(r["handler_errors"] for r in runs),
    }


async def _handler_load(settings: Settings, engine: Engine, recorder: Recorder | None, users: int,
                        messages: int, seed: int) -> dict:
    request = BenchRequest()
    settings = replace(settings, telegram_token="1:bench", webhook_url=None)
    bot = FakeBot(engine, recorder, settings=settings, request=request, rate_limiter=None)
    app, updates = bot.app, bot.updates
    await bot.start()
    pool = questions(engine)
    latencies: list[float] = []
    kinds: dict[str, int] = {}

    def message_update(uid: int, kind: str, value: Any) -> Update:
        if kind == "command":
            data = updates.command(value, chat_id=uid)
        elif kind == "sticker":
            data = updates.other(chat_id=uid, sticker=STICKER)
        else:
            data = updates.text(value, chat_id=uid)
        return Update.de_json(data, app.bot)

    def button_update(uid: int, data: str, last: tuple[int, list[str], str]) -> Update:
        pressed = {"message_id": last[0], "text": last[2]}  # the reply whose keyboard is pressed
        return Update.de_json(updates.press(data, pressed, chat_id=uid), app.bot)

    # Typed messages are parsed before the clock starts: parsing is the Updater's work, not the
    # handlers'. Button presses depend on the previous reply, so they are parsed on the way
    # (and timed); `handler_parse_ms` reports what parsing costs per update.
    plans: list[list[tuple[str, Any, Update | None]]] = []
    parse_started = time.perf_counter()
    for index in range(users):
        uid = 1_000_000 + index
        script = Script(random.Random(seed * 7919 + index), pool)
        plan = []
        for _ in range(messages):
            kind, value = script.next(["?"])  # "?" stands for "a button of the last reply"
            plan.append((kind, value, None if kind == "button" else message_update(uid, kind, value)))
        plans.append(plan)
    parse_ms = (time.perf_counter() - parse_started) * 1000 / max(1, sum(len(p) for p in plans))
    choices = random.Random(seed)

    async def one_user(index: int) -> None:
        uid = 1_000_000 + index
        for kind, _value, update in plans[index]:
            if update is None:
                last = request.keyboards.get(uid)
                if last and last[1]:
                    kind, update = "button", button_update(uid, choices.choice(last[1]), last)
                else:
                    kind, update = "command", message_update(uid, "command", "/kapitler")
            kinds[kind] = kinds.get(kind, 0) + 1
            started = time.perf_counter()
            await app.process_update(update)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0)  # let the other users in: concurrent users, round robin

    handler_log = logging.getLogger("ropbot.telegram.handlers")
    level = handler_log.level
    handler_log.setLevel(logging.CRITICAL)  # errors are counted from the apologies sent instead
    try:
        # Warm-up: a bot that has been running has its per-word caches filled; measure that
        # steady state, not the first seconds after start. These updates are not counted.
        warm_script = Script(random.Random(seed + 1), pool)
        for _ in range(WARMUP):
            kind, value = warm_script.next(None)
            await app.process_update(message_update(999, kind, value))
        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one_user(i) for i in range(users)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        handler_log.setLevel(level)
        await bot.stop()
    total = len(latencies)
    return {
        "handler_users": users,
        "handler_messages": total,
        "handler_seconds": round(elapsed, 3),
        "handler_msgs_per_s": round(total / elapsed, 1) if elapsed else 0.0,
        # CPU time is what the bot itself used: on a shared machine it shows capacity
        # without the noise of other processes taking turns on the cores.
        "handler_msgs_per_cpu_s": round(total / cpu, 1) if cpu else 0.0,
        "latencies": latencies,
        "handler_parse_ms": round(parse_ms, 3),
        "handler_errors": request.errors,
        "handler_mix": dict(sorted(kinds.items())),
    }


class StampingRequest(BenchRequest):
    """Notes when each chat is sent a message, so a reply's latency is measured from outside."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_at: dict[int, list[float]] = {}

    def result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "sendMessage":
            self.sent_at.setdefault(int(params["chat_id"]), []).append(time.perf_counter())
        return super().result(name, params)


FLOODER, OTHER, OTHER_CHATS = 66_000, 77_000, 40


def flood_load(settings: Settings | None = None, *, engine: Engine | None = None, flood: int = 600,
               asks: int = 200, interval_ms: float = 5.0) -> dict:
    """Another chat's reply latency while one chat sends `flood` hostile 4,096-character
    messages at once (more than the 256 updates handled at a time), through the real update
    queue and per-chat processor, as a running bot receives them."""
    settings = settings or Settings.from_env({})
    if engine is None:
        engine = Engine(LiveKnowledge(settings.corpus_dir, settings.intents_dir))
    return asyncio.run(_flood_load(settings, engine, flood, asks, interval_ms / 1000))


async def _flood_load(settings: Settings, engine: Engine, flood: int, asks: int, interval: float) -> dict:
    request = StampingRequest()
    settings = replace(settings, telegram_token="1:bench", webhook_url=None)
    bot = FakeBot(engine, settings=settings, request=request, rate_limiter=None)
    app, updates = bot.app, bot.updates

    def update(uid: int, text: str) -> Update:
        return Update.de_json(updates.text(text, chat_id=uid), app.bot)

    hostile = [text for _, text in hostile_messages(engine.knowledge.corpus, per_kind=flood // 11 + 1)]
    flood_updates = [update(FLOODER, hostile[n % len(hostile)]) for n in range(flood)]
    pool = questions(engine)
    # Spread over chats that each stay under the flood limit, as ordinary users do.
    others = [OTHER + n % OTHER_CHATS for n in range(asks)]
    asked = [update(uid, pool[n % len(pool)]) for n, uid in enumerate(others)]
    handler_log = logging.getLogger("ropbot.telegram.handlers")
    level = handler_log.level
    handler_log.setLevel(logging.CRITICAL)
    await bot.start()
    await app.start()
    try:
        for n in range(50):  # warm-up: the other chat's first questions fill the per-word caches
            await app.process_update(update(OTHER - 1 - n, pool[(n * 7) % len(pool)]))
        started = time.perf_counter()
        for item in flood_updates:
            app.update_queue.put_nowait(item)
        put_at = []
        for item in asked:
            put_at.append(time.perf_counter())
            app.update_queue.put_nowait(item)
            await asyncio.sleep(interval)
        await asyncio.wait_for(app.update_queue.join(), timeout=120)
        elapsed = time.perf_counter() - started
    finally:
        await app.stop()
        await bot.stop()
        handler_log.setLevel(level)
    sent = {uid: list(times) for uid, times in request.sent_at.items()}
    latencies = [(sent[uid].pop(0) - put) * 1000 for put, uid in zip(put_at, others, strict=False) if sent.get(uid)]
    return {
        "flood_messages": flood,
        "flood_replies": len(request.sent_at.get(FLOODER, [])),
        "flood_seconds": round(elapsed, 2),
        "flood_other_asked": asks,
        "flood_other_answered": len(latencies),
        "flood_other_p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
        "flood_other_p99_ms": round(percentile(latencies, 0.99), 2),
        "flood_other_max_ms": round(max(latencies, default=0.0), 2)
    }
