"""End-to-end load: many users talk to ropbot through the Bot API emulator at once.

Run by `make bench` after `ropbot bench`, or on its own:

    .venv/bin/python tests/e2e/load.py --users 200 --messages 20

Each simulated user sends a message (a question, a command, a button press
or a sticker), waits for the bot's reply in its chat, then sends the next.
A reply that does not come within `timeout` seconds counts as lost.

Emulator, bot and users run as three processes. The users talk raw HTTP/1.1
(cheap); the bot uses python-telegram-bot's httpx request as in production,
and that is what limits the figure: httpx costs a few ms of CPU per request on
a small machine, far more than the emulator or ropbot's handlers. So this
measures the whole path, not the bot's own capacity (see `handler_load`).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(HERE), str(ROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)

from tg_emulator import BOT_TOKEN, BotMessage, BotThread, Emulator, EmulatorRequest, emulator_available  # noqa: E402

from ropbot.bench.stats import percentile  # noqa: E402
from ropbot.bench.telegram import STICKER, Script, questions  # noqa: E402
from ropbot.config import Settings  # noqa: E402
from ropbot.engine import Engine  # noqa: E402
from ropbot.live import LiveKnowledge  # noqa: E402
from ropbot.telegram import callbacks as cb  # noqa: E402
from ropbot.telegram.app import build_application  # noqa: E402

# Buttons whose press sends a new message (edits in place cannot be told apart from silence here).
NEW_MESSAGE_OPS = {cb.SHOW, cb.SECTION, cb.CHAPTER, cb.CHAPTERS, cb.ROLES, cb.UNPLACED, cb.TERMS}


def _new_message_buttons(message: BotMessage | None) -> list[str]:
    if message is None:
        return []
    out = []
    for b in message.buttons():
        call = cb.decode(b.get("callback_data"))
        if call and call.op in NEW_MESSAGE_OPS and not call.edit:
            out.append(b["callback_data"])
    return out


class RawHTTP:
    """A minimal keep-alive HTTP/1.1 JSON client for the simulated users.

    Why not httpx: on this machine httpx tops out near 250 requests/s (the figure
    once blamed on the emulator), while the emulator itself serves about 1,500.
    The users are test scaffolding, so they get the cheap client; the bot keeps
    python-telegram-bot's httpx-based request, as in production.
    """

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host = host
        self.port = port
        self.size = size
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        self.opened = 0
        self.requests = 0

    async def _acquire(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            try:
                return await asyncio.open_connection(self.host, self.port)
            except OSError:
                self.opened -= 1
                raise
        return await self.idle.get()

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        payload = json.dumps(body).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n").encode()
        reader, writer = await self._acquire()
        try:
            writer.write(head + payload)
            await writer.drain()
            status_and_headers = await reader.readuntil(b"\r\n\r\n")
            lines = status_and_headers.split(b"\r\n")
            status = int(lines[0].split()[1])
            length = next(int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:"))
            data = await reader.readexactly(length)
        except BaseException:
            writer.close()
            self.opened -= 1
            raise
        self.idle.put_nowait((reader, writer))
        self.requests += 1
        if status != 200:
            raise RuntimeError(f"HTTP {status} from {path}: {data[:200]!r}")
        return json.loads(data)

    async def close(self) -> None:
        while not self.idle.empty():
            _, writer = self.idle.get_nowait()
            writer.close()


class LoadUser:
    def __init__(self, http: RawHTTP, uid: int) -> None:
        self.http = http
        self.uid = uid
        self.user = {"id": uid, "is_bot": False, "first_name": "Last"}
        self.chat = {"id": uid, "type": "private", "first_name": "Last"}
        self.last: BotMessage | None = None

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self.http.post(path, body)

    async def send(self, kind: str, value: Any) -> None:
        common = {"botToken": BOT_TOKEN, "from": self.user, "chat": self.chat, "date": int(time.time())}
        if kind == "button" and self.last is not None:
            message = {"message_id": self.last.message_id, "date": int(time.time()), "chat": self.chat,
                       "text": self.last.text, "from": {"id": 666, "is_bot": True, "first_name": "Bot"}}
            await self.post("/sendCallback", {"botToken": BOT_TOKEN, "from": self.user, "data": value,
                                              "message": message})
        elif kind == "command":
            entity = {"type": "bot_command", "offset": 0, "length": len(value.split()[0])}
            await self.post("/sendCommand", {**common, "text": value, "entities": [entity]})
        elif kind == "sticker":
            await self.post("/sendMessage", {**common, "sticker": STICKER})
        else:
            await self.post("/sendMessage", {**common, "text": value})

    async def wait_reply(self, timeout: float, pace: Pace) -> BotMessage | None:
        """Poll this chat until the reply is there, paced by how long replies take right now,
        so 200 waiting users do not spend the emulator's capacity on polling."""
        deadline = time.monotonic() + timeout
        await asyncio.sleep(pace.first())
        while True:
            data = await self.post("/getUpdates", {"token": BOT_TOKEN, "chatId": self.uid})
            got = [BotMessage.of(m) for m in data.get("result") or []]
            if got:
                return got[-1]
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(pace.next())


class Pace:
    """Polling intervals from a moving average of observed reply times."""

    def __init__(self) -> None:
        self.typical = 0.05

    def observe(self, seconds: float) -> None:
        self.typical = 0.9 * self.typical + 0.1 * seconds

    def first(self) -> float:
        return min(max(0.02, 0.5 * self.typical), 2.0)

    def next(self) -> float:
        return min(max(0.02, 0.25 * self.typical), 1.0)


async def _drive(port: int, pool: list[str], users: int, messages: int, seed: int, timeout: float,
                 connections: int) -> dict[str, Any]:
    latencies: list[float] = []
    lost = 0
    kinds: dict[str, int] = {}
    http = RawHTTP("127.0.0.1", port, connections)
    pace = Pace()

    async def one(index: int) -> None:
        nonlocal lost
        user = LoadUser(http, 2_000_000 + index)
        script = Script(random.Random(seed * 7919 + index), pool)
        await asyncio.sleep(random.Random(index).random() * 0.2)  # users do not all start at once
        for _ in range(messages):
            kind, value = script.next(_new_message_buttons(user.last))
            kinds[kind] = kinds.get(kind, 0) + 1
            started = time.perf_counter()
            await user.send(kind, value)
            reply = await user.wait_reply(timeout, pace)
            if reply is None:
                lost += 1
                continue
            took = time.perf_counter() - started
            pace.observe(took)
            latencies.append(took * 1000)
            user.last = reply

    started = time.perf_counter()
    try:
        await asyncio.gather(*(one(i) for i in range(users)))
    finally:
        await http.close()
    elapsed = time.perf_counter() - started
    return {
        "e2e_users": users,
        "e2e_messages": users * messages,
        "e2e_seconds": round(elapsed, 2),
        "e2e_msgs_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "e2e_p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "e2e_p99_ms": round(percentile(latencies, 0.99), 1),
        "e2e_lost": lost,
        "e2e_client_requests": http.requests,
        "e2e_mix": dict(sorted(kinds.items())),
    }


def serve(api_url: str, connections: int = 8) -> None:
    """Run the bot against the emulator until SIGTERM (the bot's own process during the load)."""
    engine = Engine(LiveKnowledge(ROOT / "corpus", ROOT / "intents"))
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "ROPBOT_TELEGRAM_API_URL": api_url})
    # Telegram's own limits (30 messages/s) are left out: they would measure Telegram, not the path.
    # A few connections and updates in flight suit a single-threaded emulator; many would only
    # queue inside httpcore, whose pool scans its queue on every request.
    app = build_application(settings, engine, None, rate_limiter=None, concurrent=2 * connections,
                            request=EmulatorRequest(connection_pool_size=connections),
                            get_updates_request=EmulatorRequest())
    bot = BotThread(app).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    parent = os.getppid()
    print("ready", flush=True)
    while not stop.wait(1.0) and os.getppid() == parent:  # also stop if the driver died
        pass
    bot.stop()


def run(users: int = 200, messages: int = 20, seed: int = 1948, timeout: float = 60.0,
        connections: int = 16) -> dict[str, Any]:
    """Emulator, bot and users in three processes (so the users never compete with the bot for the GIL)."""
    reason = emulator_available()
    if reason:
        raise RuntimeError(f"e2e benchmark unavailable: {reason}")
    pool = questions(Engine(LiveKnowledge(ROOT / "corpus", ROOT / "intents")))
    emulator = Emulator().start()
    bot = None
    try:
        bot = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", emulator.bot_api],
                               stdout=subprocess.PIPE, text=True, start_new_session=True)
        line = _first_line(bot, 60.0)
        if line != "ready":
            raise RuntimeError(f"bot process did not start: {line!r}")
        return asyncio.run(_drive(emulator.port, pool, users, messages, seed, timeout, connections))
    finally:
        if bot is not None:
            _stop(bot)
        emulator.stop()


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0].strip() if box else ""


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)
    if proc.stdout:
        proc.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--serve", metavar="API_URL", help="run only the bot against an emulator at API_URL")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    print(json.dumps(run(args.users, args.messages, timeout=args.timeout), indent=2))


if __name__ == "__main__":
    main()
