"""The portal on a 390 px phone screen: no page is wider than the viewport (wide tables scroll in their own
box); the favicon is served."""

from __future__ import annotations

import urllib.request

import pytest
from sb_browser import chromium_page_open

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
#: A wide figure (a frame strip is 1,600 px wide) stored as a scored entry's artefact, as a worker stores it.
ADD_FIGURE = """
import io
from PIL import Image
from leaderboard.services.artefacts import submission_artefacts_write
buffer = io.BytesIO()
Image.new("RGB", (1600, 240), (40, 90, 160)).save(buffer, format="PNG")
figures = {{"frame-strip.png": buffer.getvalue()}}
print(submission_artefacts_write(submission_id={submission_id}, artefacts=figures))
"""
#: Two scored entries on the sparse-search board with a value in each of its many columns (40 with details).
ADD_WIDE_BOARD = """
from django.contrib.auth import get_user_model
from leaderboard.models import Phase, Score, Submission
from leaderboard.services import leaderboard_rebuild
import time
from leaderboard.models import Benchmark
# entries scored on other data are requeued when the benchmark's data build ends (rescore_on_new_data):
# wait for a build in progress, then record them on the current data
for _ in range(300):
    if Benchmark.objects.get(slug="sparse-search").data_status != Benchmark.DataStatus.BUILDING:
        break
    time.sleep(0.5)
phase = Phase.objects.get(benchmark__slug="sparse-search", slug="digits")
data_id = phase.benchmark.data_id
owner = get_user_model().objects.get(username="{username}")
names = [m["name"] for m in phase.benchmark.metrics]
for index, method in enumerate(("A rather long method name for a phone", "Prune")):
    made = Submission.objects.create(owner=owner, phase=phase, method_name=method, payload_kind="file",
                                     payload_sha256=str(index) * 64, status="scored", progress=1.0,
                                     data_id=data_id)
    values = {{name: 0.9 - 0.01 * index - 0.0001 * n for n, name in enumerate(names)}}
    Score.objects.create(submission=made, split="public", protocol_version="4", metrics=values,
                         hardware={{"cpu": "e2e"}})
leaderboard_rebuild(phase=phase)
print(len(names))
"""


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


def _scroll_box(page, selector: str) -> tuple[int, int]:
    """(scrollWidth, clientWidth) of the element's nearest .scroll box: wider content scrolls inside it."""
    return tuple(
        page.evaluate(f"(() => {{ const s = document.querySelector({selector!r}).closest('.scroll');"
                      " return [s.scrollWidth, s.clientWidth]; })()")
    )  # fmt: skip


def test_an_entry_page_and_a_wide_board_fit_a_390px_screen(phone_page, embedded_stack):
    page, stack = phone_page, embedded_stack
    token = stack.user_create("phone-author")
    upload = stack.payload()
    status, body = stack.submit(token=token, file=upload, method_name="PhoneSizedEntry")
    assert status == 201, body
    stack.submission_wait(token=token, submission_id=body["id"], statuses={"scored"}, timeout=180)
    assert "frame-strip.png" in stack.manage("shell", "-c", ADD_FIGURE.format(submission_id=body["id"]))

    page.goto(f"{stack.base_url}/submissions/{body['id']}/")  # a visitor reads someone's entry
    assert page.locator(".items-table tbody tr").count() >= 1 and page.locator("#artefacts img").count() == 1
    page.locator("#artefacts img").scroll_into_view_if_needed()  # loading="lazy": loads once in view
    page.wait_for_function(
        "(() => { const i = document.querySelector('#artefacts img');"
        " return i.complete && i.naturalWidth > 0; })()"
    )
    assert _page_width(page) <= PHONE["width"], f"the entry page is {_page_width(page)} px wide"
    figure = page.locator("#artefacts img").bounding_box()
    assert 0 < figure["width"] and figure["x"] + figure["width"] <= PHONE["width"], figure
    inner, outer = _scroll_box(page, ".items-table")
    assert outer <= PHONE["width"] and inner >= outer, (inner, outer)

    # the same file again: scored, listed, and marked on its row (the row still fits the board's box)
    status, again = stack.submit(token=token, file=upload, method_name="PhoneSizedEntry again")
    assert status == 201 and again["duplicate_of"] == body["id"], again
    stack.submission_wait(token=token, submission_id=again["id"], statuses={"scored"}, timeout=180)
    page.goto(f"{stack.base_url}/benchmarks/{stack.slug}/?phase={stack.phase}")
    row = page.locator("#leaderboard tbody tr", has_text="PhoneSizedEntry again")
    assert row.locator(".tag.duplicate").inner_text() == f"duplicate of #{body['id']}"
    assert _page_width(page) <= PHONE["width"], f"the board is {_page_width(page)} px wide"

    columns = int(stack.manage("shell", "-c", ADD_WIDE_BOARD.format(username="phone-author")).split()[-1])
    assert columns >= 40
    for query in ("phase=digits", "phase=digits&details=1"):
        page.goto(f"{stack.base_url}/benchmarks/sparse-search/?{query}")
        assert page.locator("#leaderboard tbody tr").count() >= 1  # exact count: order-dependent
        assert _page_width(page) <= PHONE["width"], f"sparse-search ?{query} is {_page_width(page)} px wide"
        inner, outer = _scroll_box(page, "#leaderboard")
        assert outer <= PHONE["width"] < inner, f"?{query}: the board is {inner} px in a {outer} px box"


def test_favicon_is_served(embedded_stack):
    with urllib.request.urlopen(embedded_stack.base_url + "/favicon.ico", timeout=10) as answer:
        body = answer.read()
    assert answer.status == 200
    assert body[:4] == b"\x00\x00\x01\x00", "an ICO file"
