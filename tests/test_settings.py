"""Every setting is checked at start-up, with one clear error naming the variable (issue 13)."""
from __future__ import annotations

import pytest

from ropbot.cli import main
from ropbot.config import Settings, SettingsError


@pytest.mark.parametrize("name, value", [
    ("ROPBOT_ADMINS", "²"), ("ROPBOT_ADMINS", "42abc"), ("ROPBOT_ADMINS", "1,x"),
    ("ROPBOT_RETENTION_DAYS", "0"), ("ROPBOT_RETENTION_DAYS", "-5"), ("ROPBOT_RETENTION_DAYS", "ti"),
    ("ROPBOT_WATCH_SECONDS", "inf"), ("ROPBOT_WATCH_SECONDS", "nan"), ("ROPBOT_WATCH_SECONDS", "0"),
    ("ROPBOT_PORT", "70000"), ("ROPBOT_LOG_LEVEL", "LOUD"),
    ("ROPBOT_WEB_PORT", "0"), ("ROPBOT_WEB_PORT", "65536"), ("ROPBOT_WEB_PORT", "80a"), ("ROPBOT_WEB_PORT", "8.5"),
    ("ROPBOT_WEB_URL", "http://rop.example.no/"), ("ROPBOT_WEB_URL", "rop.example.no"),
    ("ROPBOT_WEB_URL", "https://"), ("ROPBOT_WEB_URL", "https://rop.example.no:x/"),
    ("ROPBOT_WEB_URL", "javascript:alert(1)"), ("ROPBOT_WEB_URL", "https://rop.example.no/a b"),
])
def test_a_bad_setting_names_its_variable(name: str, value: str):
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value})
    assert str(info.value).startswith(name)


def test_good_settings_parse():
    s = Settings.from_env({"ROPBOT_ADMINS": "123, 456;-100789", "ROPBOT_RETENTION_DAYS": "30",
                           "ROPBOT_WATCH_SECONDS": "2.5", "ROPBOT_LOG_LEVEL": "debug"})
    assert s.admins == {123, 456, -100789} and s.retention_days == 30 and s.watch_seconds == 2.5
    assert s.log_level == "DEBUG"


def test_web_settings():
    assert Settings.from_env({}).web_port is None and Settings.from_env({}).web_host == "127.0.0.1"
    s = Settings.from_env({"ROPBOT_WEB_PORT": " 8080 ", "ROPBOT_WEB_HOST": "0.0.0.0",
                           "ROPBOT_WEB_URL": "https://rop.example.no/app"})
    assert (s.web_port, s.web_host, s.web_url) == (8080, "0.0.0.0", "https://rop.example.no/app")


def test_the_web_page_cannot_take_the_webhook_port():
    with pytest.raises(SettingsError, match="^ROPBOT_WEB_PORT"):
        Settings.from_env({"ROPBOT_WEBHOOK_URL": "https://bot.example.no/h", "ROPBOT_PORT": "8443",
                           "ROPBOT_WEB_PORT": "8443"})
    assert Settings.from_env({"ROPBOT_PORT": "8443", "ROPBOT_WEB_PORT": "8443"}).web_port == 8443  # polling


def test_the_cli_stops_with_one_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setenv("ROPBOT_ADMINS", "42abc")
    assert main(["validate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ROPBOT_ADMINS" in err[0]


def test_library_loggers_stay_quiet_even_at_debug(monkeypatch):
    """python-telegram-bot logs chat ids and reply texts at DEBUG; httpx logs the token in URLs."""
    import logging

    from ropbot.cli import quiet_libraries

    monkeypatch.setenv("ROPBOT_LOG_LEVEL", "DEBUG")
    quiet_libraries()
    assert logging.getLogger("telegram").getEffectiveLevel() >= logging.INFO
    assert logging.getLogger("telegram.ext.Application").getEffectiveLevel() >= logging.INFO
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
