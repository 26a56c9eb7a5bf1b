#!/usr/bin/env python3
"""Entry point: the same as `ropbot run` (Telegram with TELEGRAM_BOT_TOKEN, else a terminal chat)."""
import sys

from ropbot.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
