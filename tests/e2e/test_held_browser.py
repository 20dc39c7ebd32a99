"""Browser: a submission made while its benchmark's data builds is taken, its page says it waits for the
data (with the build's progress), and once the data is ready it is released and scored, the page following
by itself."""

from __future__ import annotations

import re

import pytest
from sb_browser import chromium_page_open

pytestmark = pytest.mark.browser

SCORED_TIMEOUT_MS = 120_000
DATA_STATE = (
    "UPDATE leaderboard_benchmark SET data_status = %s, data_stage = %s WHERE slug = %s RETURNING slug"
)


@pytest.fixture
def chromium_page(monkeypatch):
    """A fresh page of headless Chromium, 1280 x 900."""
    with chromium_page_open(monkeypatch=monkeypatch, viewport={"width": 1280, "height": 900}) as page:
        yield page


def test_a_submission_waits_for_the_data_on_its_page_then_is_scored(chromium_page, embedded_stack):
    page, stack = chromium_page, embedded_stack
    stack.user_create("held-user", "pw-held-12345")
    payload = stack.payload()
    page.goto(f"{stack.base_url}/accounts/login/")
    page.fill("#id_username", "held-user")
    page.fill("#id_password", "pw-held-12345")
    page.click("form button[type=submit]")
    page.wait_for_selector("text=held-user")
    stack.scalar(DATA_STATE, ("building", "50% rendering the scenes", stack.slug))
    try:
        page.goto(f"{stack.base_url}/benchmarks/{stack.slug}/submit/?phase={stack.phase}")
        assert "being built (50% rendering the scenes): you can submit now" in page.inner_text("#data-wait")
        page.fill("#id_method_name", "HeldMethod")
        page.set_input_files("#id_upload", str(payload))
        page.click("form.form button[type=submit]")
        page.wait_for_url(re.compile(r".*/submissions/\d+/$"))
        waiting = page.inner_text("#waiting")
        assert waiting.startswith("waiting for the benchmark data: it is building (50% rendering the scenes)")
        assert page.inner_text('[data-field="status"]') == "queued"
        assert page.inner_text("#queue-place") == ""  # in no queue yet
    finally:
        stack.scalar(DATA_STATE, ("ready", "", stack.slug))
    stack.manage("leases_reap")  # the build would release it; here the reaper's safety net does
    page.locator('[data-field="status"]', has_text="scored").wait_for(timeout=SCORED_TIMEOUT_MS)
