"""The CLI's one machine-readable output: `--json` on every command that reports figures."""
from __future__ import annotations

import argparse
import json
from typing import Any


def json_option(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--json", action="store_true", help="print the result as JSON (for scripts)")
    return parser


def report(data: dict[str, Any], as_json: bool) -> int:
    """A benchmark's figures: JSON, or one `name: value` line each."""
    if as_json:
        dump(data)
    else:
        for key, value in data.items():
            print(f"{key}: {value}")
    return 0


def dump(data: Any) -> None:
    """JSON as every command prints it: UTF-8 kept readable, dates and paths as strings."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
