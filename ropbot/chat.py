"""The terminal channel: a chat loop over the same engine Telegram uses."""
from __future__ import annotations

import sys
from typing import TextIO

from .engine import Engine
from .intents import Audience

COMMANDS = {"/parorende": Audience.RELATIVE, "/pårørende": Audience.RELATIVE, "/fagperson": Audience.STAFF}


def run_chat(engine: Engine, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, banner: str = "") -> int:
    audience = Audience.STAFF
    if banner:
        print(banner, file=stdout)
    print("Skriv spørsmålet ditt (/parorende, /fagperson, /kapitler, /avslutt).", file=stdout)
    while True:
        print("\n> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print(file=stdout)
            return 0
        text = line.strip()
        if text in ("/avslutt", "/quit", "/exit"):
            return 0
        if text in COMMANDS:
            audience = COMMANDS[text]
            conv = engine.knowledge.conversation
            print(conv.switch_relative if audience == Audience.RELATIVE else conv.switch_staff, file=stdout)
            continue
        if text == "/kapitler":
            print(engine.chapters(audience).text(), file=stdout)
            continue
        reply = engine.handle(text, audience)
        audience = reply.audience
        print(reply.text(), file=stdout)
