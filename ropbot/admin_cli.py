"""Admin commands for the CLI (stats, unanswered, versions, rollback, publish, export)."""
from __future__ import annotations

import argparse


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the admin subcommands to `ropbot`'s parser."""
