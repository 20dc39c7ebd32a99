"""The portal on a 390 px phone screen: no page is wider than the viewport; the favicon is served."""

from __future__ import annotations

import urllib.request

import pytest
from sb_browser import chromium_page_open

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_page(monkeypatch):
    """Headless Chromium with a 390 px viewport."""
    with chromium_page_open(monkeypatch=monkeypatch, viewport=PHONE) as page:
        yield page


def _page_width(page) -> int:
    """The document's laid-out width (wider than the viewport means a horizontal scroll of the page)."""
    return int(page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"))


def test_pages_fit_a_390px_screen(phone_page, embedded_stack):
    page, base = phone_page, embedded_stack.base_url
    embedded_stack.user_create("phone-user", "pw-phone-12345")
    for path in ("/", f"/benchmarks/{embedded_stack.slug}/?phase={embedded_stack.phase}", "/accounts/login/"):
        page.goto(base + path)
        assert _page_width(page) <= PHONE["width"], f"{path} is {_page_width(page)} px wide"
    page.fill("#id_username", "phone-user")
    page.fill("#id_password", "pw-phone-12345")
    page.click("form button[type=submit]")
    page.wait_for_selector("text=phone-user")
    submit = f"/benchmarks/{embedded_stack.slug}/submit/?phase={embedded_stack.phase}"
    for path in ("/", "/accounts/token/", submit, "/submissions/"):
        page.goto(base + path)
        assert _page_width(page) <= PHONE["width"], f"{path} (logged in) is {_page_width(page)} px wide"
    page.goto(base + "/")
    cards = page.locator(".cards .card")
    for index in range(cards.count()):
        box = cards.nth(index).bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], f"card {index} overflows: {box}"


def test_favicon_is_served(embedded_stack):
    with urllib.request.urlopen(embedded_stack.base_url + "/favicon.ico", timeout=10) as answer:
        body = answer.read()
    assert answer.status == 200
    assert body[:4] == b"\x00\x00\x01\x00", "an ICO file"
