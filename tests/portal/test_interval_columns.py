"""Intervals in the leaderboard table: a `<name>_lo`/`<name>_hi` pair is shown in brackets beside `<name>`."""

from __future__ import annotations

import re

import pytest

from evaluator.benchmarks.spare import spare_spec
from evaluator.contract import MetricSpec
from leaderboard.models import Phase, Submission
from leaderboard.services.benchmarks import benchmark_sync
from leaderboard.views.display import interval_columns_fold, interval_pairs, metric_cells

SPEC = spare_spec()
ENDS = {m.name for m in SPEC.metrics if m.name.endswith(("_lo", "_hi"))}


def _metric(name: str, fmt: str = "{:.2f}") -> MetricSpec:
    return MetricSpec(name=name, label=name, unit="", higher_is_better=True, fmt=fmt)


def _scores(psnr_m: float) -> dict[str, float]:
    """Every spare metric: each mean with its interval's ends 0.25 below and 0.5 above it."""
    values = {}
    for metric in SPEC.metrics:
        if metric.name not in ENDS:
            values[metric.name] = psnr_m if metric.name == "psnr_m" else 0.5
            values[metric.name + "_lo"] = values[metric.name] - 0.25
            values[metric.name + "_hi"] = values[metric.name] + 0.5
    return values


@pytest.fixture
def board(users, make_scored) -> Phase:
    """The spare benchmark as the sync mirrors it: one entry with intervals, one scored before them."""
    benchmark = benchmark_sync(spec=SPEC)
    phase = Phase.objects.get(benchmark=benchmark, slug="track1-dev")
    make_scored(owner=users["owner"], phase=phase, method="OliveSplat", public=_scores(24.13))
    old = {name: value for name, value in _scores(20.5).items() if name not in ENDS}
    make_scored(owner=users["other"], phase=phase, method="OldSplat", public=old)
    return phase


def _header_names(html: str) -> list[str]:
    """The metric names the leaderboard's sort links order by, in column order."""
    start = html.index('id="leaderboard"')
    return re.findall(r"order_by=(\w+)", html[start : html.index("</thead>", start)])


def test_interval_pairs_need_both_ends_beside_their_metric():
    metrics = [_metric(n) for n in ("acc", "acc_lo", "acc_hi", "err", "err_lo", "speed_hi", "acc_lo_hi")]
    assert interval_pairs(metrics=metrics) == {"acc": ("acc_lo", "acc_hi")}
    assert [m.name for m in interval_columns_fold(metrics=metrics)] == [
        "acc", "err", "err_lo", "speed_hi", "acc_lo_hi"
    ]


def test_metric_cells_show_the_interval_in_the_metrics_format_or_the_bare_value_without_one():
    metrics = [_metric("psnr"), _metric("lpips", "{:.4f}")]
    intervals = {"psnr": ("psnr_lo", "psnr_hi"), "lpips": ("lpips_lo", "lpips_hi")}
    values = {"psnr": 24.126, "psnr_lo": 23.9, "psnr_hi": 24.4, "lpips": 0.1, "lpips_lo": None}
    cells = metric_cells(metrics=metrics, values=values, intervals=intervals)
    assert [c.text for c in cells] == ["24.13 [23.90, 24.40]", "0.1000"]
    assert [c.text for c in metric_cells(metrics=metrics, values=values)] == ["24.13", "0.1000"]


@pytest.mark.django_db
def test_leaderboard_shows_each_interval_beside_its_metric_not_as_columns(client, board):
    html = client.get("/benchmarks/spare/?phase=track1-dev").content.decode()
    headers = _header_names(html)
    assert headers == [m.name for m in SPEC.metrics if m.name not in ENDS] and len(headers) == 18
    olive = html[html.index(">OliveSplat<") : html.index("</tr>", html.index(">OliveSplat<"))]
    assert '<td class="num">24.13 [23.88, 24.63]</td>' in olive
    old = html[html.index(">OldSplat<") : html.index("</tr>", html.index(">OldSplat<"))]
    assert '<td class="num">20.50</td>' in old and "[" not in old
    assert re.search(r'id="interval-note">brackets give a metric.s 95% interval', html)


@pytest.mark.django_db
def test_entry_page_shows_each_metric_with_its_interval(client, board, users):
    olive = Submission.objects.get(method_name="OliveSplat")
    client.force_login(users["owner"])
    html = client.get(f"/submissions/{olive.pk}/").content.decode()
    table = html[html.index("metrics-table") : html.index("</table>", html.index("metrics-table"))]
    assert "24.13 [23.88, 24.63]" in table and "95% low" not in table
