"""Browser: the grey reference baseline is a marked, unranked row and a reference marker on the chart."""

from __future__ import annotations

import time

import pytest
from sb_browser import chromium_page_open

pytestmark = pytest.mark.browser

#: Creates the grey baseline submission of the stack's phase as the platform does (baseline owner).
SUBMIT_GREY = """
from django.core.files import File
from leaderboard.models import Phase
from leaderboard.services import baseline_owner
from leaderboard.services.submissions import submission_create
phase = Phase.objects.get(benchmark__slug="{slug}", slug="{phase}")
with open("{path}", "rb") as fh:
    made = submission_create(owner=baseline_owner(), phase=phase, method_name="grey", description="grey",
                             is_baseline=True, is_public=True, upload=File(fh, name="grey.zip"))
print(made.pk)
"""


@pytest.fixture
def visitor_page(monkeypatch):
    """A fresh page of headless Chromium that never logs in, 1280 x 900."""
    with chromium_page_open(monkeypatch=monkeypatch, viewport={"width": 1280, "height": 900}) as page:
        yield page


@pytest.fixture
def grey_listed(embedded_stack) -> None:
    """The grey baseline submitted through the platform's services and scored by the worker."""
    stack = embedded_stack
    path = stack.payload(baseline="grey")
    stack.manage("shell", "-c", SUBMIT_GREY.format(slug=stack.slug, phase=stack.phase, path=path))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        _, board = stack.http("GET", f"/api/v1/benchmarks/{stack.slug}/leaderboard/?phase={stack.phase}")
        if any(row["method_name"] == "grey" for row in board.get("results", [])):
            return
        time.sleep(1)
    raise AssertionError("the grey baseline was not listed within 180 s")


def test_browser_reference_row_is_marked_unranked_and_drawn_as_a_reference(
    visitor_page, embedded_stack, grey_listed
):
    page, stack = visitor_page, embedded_stack
    _, board = stack.http("GET", f"/api/v1/benchmarks/{stack.slug}/leaderboard/?phase={stack.phase}")
    grey = next(row for row in board["results"] if row["method_name"] == "grey")
    assert grey["is_reference"] is True and grey["rank"] is None
    page.goto(f"{stack.base_url}/benchmarks/{stack.slug}/?phase={stack.phase}")
    row = page.locator("#leaderboard tbody tr", has_text="grey")
    assert row.count() == 1 and "reference" in (row.get_attribute("class") or "")
    assert row.locator("td").first.inner_text().strip() == "–"
    assert row.locator(".tag.reference").inner_text() == "reference"
    rule = page.locator("#ranking-rule").inner_text()
    assert rule.startswith("Ranked by PSNR-M (dB), higher is better") and "without a rank" in rule
    page.wait_for_selector("#pareto-chart svg.main-svg")
    traces = page.evaluate(
        "() => document.getElementById('pareto-chart').data.map(t => ({name: t.name, text: t.text || []}))"
    )
    references = next(t for t in traces if t["name"].startswith("References"))
    assert references["text"] == ["grey (reference, unranked)"]
