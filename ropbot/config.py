"""Settings from environment variables (documented in README.md)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting that cannot be used. The message names the variable, so start-up can say which."""


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _ints(name: str, value: str) -> frozenset[int]:
    out = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        digits = part.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
            raise SettingsError(f"{name}: «{part[:20]}» is not a numeric Telegram user id")
        out.add(int(part))
    return frozenset(out)


def _number(name: str, value: str, kind: type, low: float, high: float) -> int | float:
    """A finite number within [low, high]; anything else stops start-up with one clear error."""
    try:
        number = kind(value.strip())
    except ValueError:
        raise SettingsError(f"{name}: «{value[:20]}» is not a number") from None
    if not (low <= number <= high):  # also false for nan and inf
        raise SettingsError(f"{name}: {value.strip()[:20]} is outside {low:g}–{high:g}")
    return number


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
    salt_file: Path | None = None
    retention_days: int = 90
    watch_seconds: float = 30.0
    log_level: str = "INFO"
    web_port: int | None = None  # the running bot serves the web page too when set
    web_host: str = "127.0.0.1"
    web_url: str | None = None   # public HTTPS address of the page: the bot's menu button opens it

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        e = dict(os.environ if env is None else env)
        api = e.get("ROPBOT_TELEGRAM_API_URL", "https://api.telegram.org/bot").rstrip("/")
        default_file = api[: -len("/bot")] + "/file/bot" if api.endswith("/bot") else api + "/file/bot"
        port = int(_number("ROPBOT_PORT", e.get("ROPBOT_PORT", "8443"), int, 1, 65535))
        web_port = (int(_number("ROPBOT_WEB_PORT", e["ROPBOT_WEB_PORT"], int, 1, 65535))
                    if e.get("ROPBOT_WEB_PORT", "").strip() else None)
        if web_port is not None and web_port == port and e.get("ROPBOT_WEBHOOK_URL"):
            raise SettingsError(f"ROPBOT_WEB_PORT: {web_port} is the webhook server's port (ROPBOT_PORT)")
        return cls(
            corpus_dir=Path(e.get("ROPBOT_CORPUS", ROOT / "corpus")),
            intents_dir=Path(e.get("ROPBOT_INTENTS", ROOT / "intents")),
            telegram_token=e.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_url=api,
            telegram_file_url=e.get("ROPBOT_TELEGRAM_FILE_URL", default_file).rstrip("/"),
            admins=_ints("ROPBOT_ADMINS", e.get("ROPBOT_ADMINS", "")),
            db_path=Path(e.get("ROPBOT_DB", ROOT / "data" / "ropbot.db")),
            webhook_url=e.get("ROPBOT_WEBHOOK_URL") or None,
            webhook_secret=e.get("ROPBOT_WEBHOOK_SECRET") or None,
            port=port,
            listen=e.get("ROPBOT_LISTEN", "0.0.0.0"),
            salt=e.get("ROPBOT_SALT") or None,
            salt_file=Path(e["ROPBOT_SALT_FILE"]) if e.get("ROPBOT_SALT_FILE") else None,
            # 0 days would delete every stored question at each start-up without a word.
            retention_days=int(_number("ROPBOT_RETENTION_DAYS", e.get("ROPBOT_RETENTION_DAYS", "90"), int, 1, 36500)),
            watch_seconds=float(_number("ROPBOT_WATCH_SECONDS", e.get("ROPBOT_WATCH_SECONDS", "30"), float, 1, 86400)),
            log_level=_level(e.get("ROPBOT_LOG_LEVEL", "INFO")),
            web_port=web_port,
            web_host=e.get("ROPBOT_WEB_HOST", "").strip() or "127.0.0.1",
            web_url=_https_url("ROPBOT_WEB_URL", e.get("ROPBOT_WEB_URL", "")),
        )


def _level(value: str) -> str:
    if value.strip().upper() not in LOG_LEVELS:
        raise SettingsError(f"ROPBOT_LOG_LEVEL: «{value[:20]}» is not one of {', '.join(LOG_LEVELS)}")
    return value.strip().upper()


def _https_url(name: str, value: str) -> str | None:
    """Telegram opens Mini Apps over HTTPS only; a plain-http or malformed address would give
    users a button that does nothing, so it stops start-up instead."""
    value = value.strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise SettingsError(f"{name}: «{value[:40]}» is not a URL") from None
    if parts.scheme.lower() != "https" or not parts.hostname or any(c.isspace() for c in value):
        raise SettingsError(f"{name}: «{value[:40]}» must be an https:// URL")
    return value
