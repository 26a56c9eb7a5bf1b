"""Chat with ropbot through the Bot API emulator, from a terminal (no Telegram account needed).

    make install                       # once: Python deps and `npm ci` in tests/e2e
    .venv/bin/python tests/e2e/chat.py

It starts the telegram-test-api emulator on a free 127.0.0.1 port, runs the
real bot against it (polling, through the test adapter in tg_emulator.py) and
lets you type as a Telegram user. Commands start with '/'; press a button
with '#N' (the numbers shown under the bot's last message); quit with Ctrl-D.
"""
from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(HERE), str(ROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)

from tg_emulator import BOT_TOKEN, BotMessage, BotThread, Emulator, EmulatorRequest, Timeout, UserClient, emulator_available  # noqa: E402

from ropbot.config import Settings  # noqa: E402
from ropbot.engine import Engine  # noqa: E402
from ropbot.live import LiveKnowledge  # noqa: E402
from ropbot.telegram.app import build_application  # noqa: E402


def plain(text: str) -> str:
    text = re.sub(r'<a href="([^"]+)">([^<]*)</a>', r"\2 (\1)", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def show(messages: list[BotMessage]) -> BotMessage | None:
    for message in messages:
        print(plain(message.text))
        for i, label in enumerate(message.labels(), 1):
            print(f"  [#{i}] {label}")
        print()
    return messages[-1] if messages else None


def main() -> int:
    reason = emulator_available()
    if reason:
        print(f"cannot start the emulator: {reason}", file=sys.stderr)
        return 2
    engine = Engine(LiveKnowledge(ROOT / "corpus", ROOT / "intents"))
    emulator = Emulator().start()
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "ROPBOT_TELEGRAM_API_URL": emulator.bot_api})
    app = build_application(settings, engine, request=EmulatorRequest(),
                            get_updates_request=EmulatorRequest())
    bot = BotThread(app).start()
    print(f"emulator on {emulator.url}; type a question, a /command, or #N to press a button (Ctrl-D quits)\n")
    last: BotMessage | None = None
    try:
        with httpx.Client(timeout=5.0) as http:
            user = UserClient(http, emulator.url)
            while True:
                try:
                    line = input("> ").strip()
                except EOFError:
                    print()
                    return 0
                if not line:
                    continue
                if line.startswith("#") and line[1:].isdigit() and last is not None:
                    buttons = last.buttons()
                    index = int(line[1:]) - 1
                    if not 0 <= index < len(buttons):
                        print("no such button\n")
                        continue
                    user.press(user.current(last.message_id), buttons[index]["callback_data"])
                    new = user.quiet(0.5)
                    if new:
                        last = show(new)
                    else:  # the bot edited the message in place
                        last = show([user.current(last.message_id)])
                    continue
                if line.startswith("/"):
                    user.command(line)
                else:
                    user.send(line)
                try:
                    last = show(user.replies(1, timeout=10) + user.quiet(0.2))
                except Timeout as exc:
                    print(f"(no reply: {exc})\n")
    finally:
        bot.stop()
        emulator.stop()


if __name__ == "__main__":
    raise SystemExit(main())
