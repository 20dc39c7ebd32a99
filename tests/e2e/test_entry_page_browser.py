"""Browser: a visitor (not logged in) opens a leaderboard, clicks someone's entry and reads its metrics."""

from __future__ import annotations

import re

import pytest
from sb_browser import chromium_page_open

pytestmark = pytest.mark.browser
METHOD = "InspectableEntry"
AUTHOR = "entry-author"


@pytest.fixture
def visitor_page(monkeypatch):
    """A fresh page of headless Chromium that never logs in, 1280 x 900."""
    with chromium_page_open(monkeypatch=monkeypatch, viewport={"width": 1280, "height": 900}) as page:
        yield page


@pytest.fixture
def scored_entry(embedded_stack) -> int:
    """A public entry of another participant, submitted through the API and scored by the worker."""
    token = embedded_stack.user_create(AUTHOR)
    status, body = embedded_stack.submit(token=token, file=embedded_stack.payload(), method_name=METHOD)
    assert status == 201, body
    embedded_stack.submission_wait(token=token, submission_id=body["id"], statuses={"scored"}, timeout=180)
    return body["id"]


def test_browser_visitor_clicks_an_entry_on_the_leaderboard_and_sees_its_metrics(
    visitor_page, embedded_stack, scored_entry
):
    page, stack = visitor_page, embedded_stack
    _, benchmark = stack.http("GET", f"/api/v1/benchmarks/{stack.slug}/")
    names = {metric["name"] for metric in benchmark["metrics"]}
    labels = [  # an interval's ends are shown in brackets beside their metric, not as rows of their own
        metric["label"]
        for metric in benchmark["metrics"]
        if not (metric["name"].endswith(("_lo", "_hi")) and metric["name"][:-3] in names)
    ]

    page.goto(f"{stack.base_url}/benchmarks/{stack.slug}/?phase={stack.phase}")
    page.locator(f'#leaderboard a.entry[href="/submissions/{scored_entry}/"]').click()
    page.wait_for_url(re.compile(rf".*/submissions/{scored_entry}/$"))

    assert page.locator("h1").inner_text().endswith(METHOD)
    assert page.locator("#submitter").inner_text() == AUTHOR
    rows = page.locator(".metrics-table tbody tr")
    shown = {rows.nth(i).locator("td").nth(0).inner_text(): rows.nth(i).locator("td").nth(1).inner_text()
             for i in range(rows.count())}
    assert set(labels) <= set(shown)
    numbers = [text for text in shown.values() if re.match(r"^-?\d", text)]
    assert numbers, shown
    assert re.fullmatch(r"-?[\d.]+ \[-?[\d.]+, -?[\d.]+\]", shown["PSNR-M"]), shown
    assert page.locator(".items-table tbody tr").count() >= 1
    assert page.locator("#log-tail").count() == 0 and "sha256" not in page.content()
