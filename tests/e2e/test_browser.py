"""Browser flow in headless Chromium: log in, submit, watch it get scored, see it ranked and plotted."""

from __future__ import annotations

import re

import pytest
from sb_browser import chromium_page_open

SCORED_TIMEOUT_MS = 120_000

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium_page(monkeypatch):
    """A fresh page of headless Chromium, 1280 x 900."""
    with chromium_page_open(monkeypatch=monkeypatch, viewport={"width": 1280, "height": 900}) as page:
        yield page


@pytest.fixture
def browser_stack(embedded_stack):
    """The embedded live stack (web server + Celery worker), a participant and a real spare ZIP."""
    from types import SimpleNamespace

    username, password = "browser-user", "pw-browser-123"
    embedded_stack.user_create(username, password)
    return SimpleNamespace(
        base_url=embedded_stack.base_url,
        username=username,
        password=password,
        slug=embedded_stack.slug,
        phase=embedded_stack.phase,
        payload=embedded_stack.payload(),
    )


def test_browser_submit_watch_scored_and_see_the_entry_ranked_and_plotted(chromium_page, browser_stack):
    page, stack = chromium_page, browser_stack
    page.goto(f"{stack.base_url}/accounts/login/")
    page.fill("#id_username", stack.username)
    page.fill("#id_password", stack.password)
    page.click("form button[type=submit]")
    page.wait_for_selector(f"text={stack.username}")

    page.goto(f"{stack.base_url}/benchmarks/{stack.slug}/submit/?phase={stack.phase}")
    page.fill("#id_method_name", "BrowserMethod")
    page.set_input_files("#id_upload", str(stack.payload))
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r".*/submissions/\d+/$"))
    submission_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    page.goto(f"{stack.base_url}/submissions/")
    row = page.locator(f'tr.submission[data-id="{submission_id}"]')
    assert row.count() == 1
    # The status cell is updated in place by the poller (no reload) until the worker has scored it.
    row.locator('[data-field="status"]', has_text="scored").wait_for(timeout=SCORED_TIMEOUT_MS)
    assert "width: 100%" in row.locator('[data-field="bar"]').get_attribute("style")

    page.goto(f"{stack.base_url}/benchmarks/{stack.slug}/?phase={stack.phase}")
    assert page.locator("#leaderboard tbody tr", has_text="BrowserMethod").count() == 1
    page.wait_for_selector("#pareto-chart svg.main-svg")
    assert page.locator("#pareto-chart .scatterlayer .point").count() >= 1
    traces = page.evaluate(
        "() => document.getElementById('pareto-chart').data.map(t => ({name: t.name, text: t.text || [],"
        " hover: t.hovertemplate || '', ids: t.customdata || []}))"
    )
    entries = traces[-1]  # drawn last: an entry tying with a baseline is not hidden under it
    assert entries["name"].startswith("Entries") and "BrowserMethod" in entries["text"]
    assert submission_id in entries["ids"] and "<br>" in entries["hover"] and "x=" not in entries["hover"]
    click = "id => document.getElementById('pareto-chart').emit('plotly_click', {points: [{customdata: id}]})"
    page.evaluate(click, submission_id)
    page.wait_for_url(re.compile(rf".*/submissions/{submission_id}/$"))
