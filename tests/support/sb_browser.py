"""Headless Debian Chromium through Playwright for the browser tests (skipped without it, failing in CI)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from sb_ci import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium_page_open(*, monkeypatch, viewport: dict[str, int]):
    """A fresh page of `viewport` size; skips when /usr/bin/chromium is absent (fails under CI=true)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(message + "; CI=true forbids skipping the browser test")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport)
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            browser.close()
