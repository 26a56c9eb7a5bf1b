"""Settings from environment variables (documented in README.md)."""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any
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
class Env:
    """Where a setting comes from (the `env` metadata of a Settings field). Declared once, so
    from_env and the README's table of variables (checked by tests/test_docs.py) cannot drift."""

    name: str
    doc: str
    parse: Callable[[str, str], Any]  # (variable, value) -> setting; raises SettingsError
    default_doc: str = ""  # the default in words, when it is not the field's plain default


def setting(name: str, doc: str, parse: Callable[[str, str], Any], default: Any = None, *,
            default_factory: Any = MISSING, default_doc: str = "") -> Any:
    spec = {"env": Env(name, doc, parse, default_doc)}
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=spec)
    return field(default=default, metadata=spec)


def _path(name: str, value: str) -> Path:
    return Path(value)


def _text(name: str, value: str) -> str:
    return value


def _url(name: str, value: str) -> str:
    return value.rstrip("/")


def _or_none(name: str, value: str) -> str | None:
    return value or None  # an empty variable is as good as an unset one


def _path_or_none(name: str, value: str) -> Path | None:
    return Path(value) if value else None


def _bounded(kind: type, low: float, high: float) -> Callable[[str, str], Any]:
    return lambda name, value: kind(_number(name, value, kind, low, high))


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = setting("ROPBOT_CORPUS", "corpus folder", _path, ROOT / "corpus")
    intents_dir: Path = setting("ROPBOT_INTENTS", "intents folder", _path, ROOT / "intents")
    telegram_token: str | None = setting("TELEGRAM_BOT_TOKEN", "bot token from @BotFather", _or_none)
    telegram_api_url: str = setting("ROPBOT_TELEGRAM_API_URL", "Bot API base URL", _url,
                                    "https://api.telegram.org/bot")
    telegram_file_url: str = setting("ROPBOT_TELEGRAM_FILE_URL", "Bot API file URL", _url,
                                     "https://api.telegram.org/file/bot", default_doc="derived from the API URL")
    admins: frozenset[int] = setting("ROPBOT_ADMINS", "Telegram user ids allowed admin commands", _ints,
                                     default_factory=frozenset)
    db_path: Path = setting("ROPBOT_DB", "SQLite file", _path, ROOT / "data" / "ropbot.db")
    webhook_url: str | None = setting("ROPBOT_WEBHOOK_URL", "public HTTPS URL for a webhook", _or_none)
    webhook_secret: str | None = setting("ROPBOT_WEBHOOK_SECRET", "secret Telegram sends with each call", _or_none)
    port: int = setting("ROPBOT_PORT", "local port of the webhook server", _bounded(int, 1, 65535), 8443)
    listen: str = setting("ROPBOT_LISTEN", "address the webhook server listens on", _text, "0.0.0.0")
    salt: str | None = setting("ROPBOT_SALT", "salt for hashing Telegram ids", _or_none, default_doc="generated")
    salt_file: Path | None = setting("ROPBOT_SALT_FILE", "file holding the salt", _path_or_none,
                                     default_doc="next to the DB")
    # 0 days would delete every stored question at each start-up without a word.
    retention_days: int = setting("ROPBOT_RETENTION_DAYS", "days stored queries are kept",
                                  _bounded(int, 1, 36500), 90)
    watch_seconds: float = setting("ROPBOT_WATCH_SECONDS", "how often corpus/ is checked for changes",
                                   _bounded(float, 1, 86400), 30.0)
    log_level: str = setting("ROPBOT_LOG_LEVEL", "logging level", lambda name, value: _level(value), "INFO")
    web_port: int | None = setting("ROPBOT_WEB_PORT", "the running bot also serves the web page on this port",
                                   lambda name, value: _port_or_none(name, value))
    web_host: str = setting("ROPBOT_WEB_HOST", "address the web page listens on",
                            lambda name, value: value.strip() or "127.0.0.1", "127.0.0.1")
    web_url: str | None = setting("ROPBOT_WEB_URL", "public HTTPS address of the page; the bot's menu button opens it",
                                  lambda name, value: _https_url(name, value))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Each variable set is parsed (in field order, so the first bad one is named); an unset
        one keeps the field's default, except the file URL, which follows the API URL."""
        e = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            spec: Env = f.metadata["env"]
            if spec.name in e:
                values[f.name] = spec.parse(spec.name, e[spec.name])
        if "telegram_file_url" not in values:
            api = values.get("telegram_api_url", cls.telegram_api_url)
            values["telegram_file_url"] = api.removesuffix("/bot") + "/file/bot"
        settings = cls(**values)
        if settings.web_port is not None and settings.web_port == settings.port and settings.webhook_url:
            raise SettingsError(f"ROPBOT_WEB_PORT: {settings.web_port} is the webhook server's port (ROPBOT_PORT)")
        return settings


def variables() -> list[tuple[Env, Any]]:
    """Every variable read, with its default: what README.md's table must list."""
    return [(f.metadata["env"], f.default_factory() if f.default_factory is not MISSING else f.default)
            for f in fields(Settings)]


def _port_or_none(name: str, value: str) -> int | None:
    return int(_number(name, value, int, 1, 65535)) if value.strip() else None


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
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise SettingsError(f"{name}: «{value[:40]}» is not a URL") from None
    if parts.scheme.lower() != "https" or not parts.hostname or any(c.isspace() for c in value):
        raise SettingsError(f"{name}: «{value[:40]}» must be an https:// URL")
    return value
