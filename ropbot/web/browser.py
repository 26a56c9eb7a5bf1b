"""Headless Chromium for the page's browser test and `ropbot bench --web`.

Debian's `chromium` and `chromium-driver` through selenium (the `test` extra). The driver path is
given explicitly, so selenium-manager never looks for (or downloads) a browser of its own, and
the flags keep Chromium off the network: the page is on loopback and needs nothing else.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

INSTALL_HINT = "apt-get install chromium chromium-driver (and pip install -e '.[test]' for selenium)"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def missing() -> str | None:
    """None when a headless browser can run here, else what is missing."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    if shutil.which("chromium") is None:
        return "chromium is not installed"
    if shutil.which("chromedriver") is None:
        return "chromedriver (chromium-driver) is not installed"
    return None


@contextmanager
def chromium(width: int = 390, height: int = 844) -> Iterator[Any]:
    """A fresh headless Chromium (its own profile in a temporary folder), quit afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="ropbot-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "chromium"
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)
        try:
            yield driver
        finally:
            driver.quit()
