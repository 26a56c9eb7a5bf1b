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
