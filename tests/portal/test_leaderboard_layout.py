"""The sparse-search page: headline columns first, detail columns on demand, long texts collapsed, the
leaderboard within the first screen (the last one in headless Chromium)."""

from __future__ import annotations

import re

import pytest
from sb_browser import chromium_page_open

from evaluator.benchmarks.sparse_search import SparseSearchBenchmark
from leaderboard.models import Phase
from leaderboard.services.benchmarks import benchmark_sync

SPEC = SparseSearchBenchmark().spec
HEADLINE = [m.name for m in SPEC.metrics if not m.detail]
DETAIL = [m.name for m in SPEC.metrics if m.detail]


@pytest.fixture
def board(users, make_scored) -> Phase:
    """The sparse-search benchmark as the sync mirrors it, with three scored entries (one a baseline)."""
    benchmark = benchmark_sync(spec=SPEC)
    phase = Phase.objects.get(benchmark=benchmark, slug="digits")
    for index, (method, baseline) in enumerate(
        (("Random search", True), ("MaskFinder", False), ("Prune", False))
    ):
        metrics = {name: 0.9 - 0.01 * index - 0.0001 * n for n, name in enumerate(HEADLINE + DETAIL)}
        make_scored(
            owner=users["staff"], phase=phase, method=method, public=metrics, baseline=baseline,
            items=_ranking_items(metrics[SPEC.ranking_metric]),
        )
    return phase


def _ranking_items(value: float) -> list[dict]:
    """Per-item values of the ranking metric, `value` on average per group: the "Δ to next" column shows."""
    name = SPEC.ranking_metric
    return [
        {"item": f"seed {s}", "group": f"level {g}", "values": {name: value + (0.002 if s else -0.002)}}
        for g in range(2)
        for s in range(2)
    ]


def _header_names(html: str) -> list[str]:
    """The metric names the leaderboard's sort links order by, in column order."""
    start = html.index('id="leaderboard"')
    table = html[start : html.index("</thead>", start)]
    return re.findall(r"order_by=(\w+)", table)


@pytest.mark.django_db
def test_leaderboard_shows_the_headline_columns_and_offers_the_details(client, board):
    html = client.get("/benchmarks/sparse-search/").content.decode()
    assert _header_names(html) == HEADLINE
    assert "diff_vs_same_split" in HEADLINE and not set(DETAIL) & set(_header_names(html))
    toggle = re.search(r'id="details-toggle" href="([^"]+)">Show (\d+) detail columns', html)
    assert toggle and int(toggle.group(2)) == len(DETAIL) == 32
    detailed = client.get(
        "/benchmarks/sparse-search/" + toggle.group(1).replace("&amp;", "&")
    ).content.decode()
    assert _header_names(detailed) == HEADLINE + DETAIL
    assert (
        "Hide the 32 detail columns" in detailed
        and "details=1" in detailed[detailed.index("order_by=acc_mean") - 80 :]
    )


@pytest.mark.django_db
def test_sorting_by_a_detail_column_shows_the_details(client, board):
    html = client.get("/benchmarks/sparse-search/?order_by=diff_l95&dir=desc").content.decode()
    assert _header_names(html) == HEADLINE + DETAIL


@pytest.mark.django_db
def test_protocol_and_metric_texts_are_collapsed_under_their_first_line(client, board):
    html = client.get("/benchmarks/sparse-search/").content.decode()
    intro = html[html.index('id="intro"') : html.index('id="protocol"')]
    assert "Sparse architecture search with random-search baselines" in intro and "Adam" not in intro
    protocol = html[html.index('<details class="protocol" id="protocol">') : html.index("</details>")]
    assert "Adam (lr" in protocol and '<details class="protocol" id="protocol" open' not in html
    assert re.search(
        r'<details class="metric-definitions" id="metric-definitions">\s*<summary>Metric definitions', html
    )
    assert html.index('id="leaderboard"') < html.index('id="metric-definitions"')
    phases = html[html.index("<h2>Phases</h2>") : html.index('id="leaderboard"')]
    assert "Random search sometimes scoring below random masks is noise, not a defect" in phases


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leaderboard_fits_its_box_within_the_first_screen_and_expands_on_demand(
    live_server, board, monkeypatch
):
    viewport = {"width": 1280, "height": 800}
    with chromium_page_open(monkeypatch=monkeypatch, viewport=viewport) as page:
        page.goto(live_server.url + "/benchmarks/sparse-search/")
        table = page.locator("#leaderboard")
        assert table.bounding_box()["y"] < viewport["height"], "the leaderboard starts below the first screen"
        box = page.evaluate(
            "(() => { const s = document.querySelector('#leaderboard').parentElement;"
            " return [s.scrollWidth, s.clientWidth]; })()"
        )
        assert box[0] <= box[1], f"the headline table is {box[0]} px wide in a {box[1]} px box"
        assert page.locator("#delta-header").is_visible()  # the "Δ to next" column fits in the box too
        assert not page.locator("#protocol").evaluate("el => el.open")
        assert page.locator("#metric-definitions dd").first.is_hidden()
        page.click("#details-toggle")
        page.wait_for_selector("text=Hide the 32 detail columns")
        assert page.locator("#leaderboard thead th").count() == 3 + len(HEADLINE) + len(DETAIL) + 1 + 1
        page.click("#protocol summary")
        assert page.locator("#protocol").evaluate("el => el.open")
