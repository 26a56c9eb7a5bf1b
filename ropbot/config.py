"""Settings from environment variables (documented in README.md)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ints(value: str) -> frozenset[int]:
    out = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if part.lstrip("-").isdigit():
            out.add(int(part))
    return frozenset(out)


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = ROOT / "corpus"
    intents_dir: Path = ROOT / "intents"
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    admins: frozenset[int] = field(default_factory=frozenset)
    db_path: Path = ROOT / "data" / "ropbot.db"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = 8443
    listen: str = "0.0.0.0"
    salt: str | None = None
    retention_days: int = 90
    watch_seconds: float = 30.0
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        e = dict(os.environ if env is None else env)
        api = e.get("ROPBOT_TELEGRAM_API_URL", "https://api.telegram.org/bot").rstrip("/")
        default_file = api[: -len("/bot")] + "/file/bot" if api.endswith("/bot") else api + "/file/bot"
        return cls(
            corpus_dir=Path(e.get("ROPBOT_CORPUS", ROOT / "corpus")),
            intents_dir=Path(e.get("ROPBOT_INTENTS", ROOT / "intents")),
            telegram_token=e.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_url=api,
            telegram_file_url=e.get("ROPBOT_TELEGRAM_FILE_URL", default_file).rstrip("/"),
            admins=_ints(e.get("ROPBOT_ADMINS", "")),
            db_path=Path(e.get("ROPBOT_DB", ROOT / "data" / "ropbot.db")),
            webhook_url=e.get("ROPBOT_WEBHOOK_URL") or None,
            webhook_secret=e.get("ROPBOT_WEBHOOK_SECRET") or None,
            port=int(e.get("ROPBOT_PORT", "8443")),
            listen=e.get("ROPBOT_LISTEN", "0.0.0.0"),
            salt=e.get("ROPBOT_SALT") or None,
            retention_days=int(e.get("ROPBOT_RETENTION_DAYS", "90")),
            watch_seconds=float(e.get("ROPBOT_WATCH_SECONDS", "30")),
            log_level=e.get("ROPBOT_LOG_LEVEL", "INFO"),
        )
