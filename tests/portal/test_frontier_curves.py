"""The frontier page's main figure: accuracy against compression ratio, a line per method (the baselines
grouped by their config's method, from dense at compression 1), the worst task among the metrics, and the
submitted entries as markers under their own names."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from sb_browser import chromium_page_open

from evaluator.benchmarks.frontier.spec import frontier_spec
from evaluator.contract import CurveSpec
from evaluator.spec_check import spec_problems
from leaderboard import selectors
from leaderboard.models import Phase, Score, Submission
from leaderboard.services.benchmarks import benchmark_sync
from leaderboard.services.leaderboards import leaderboard_rebuild
from leaderboard.specrows import curve_from_row, curve_row

SPEC = frontier_spec()
#: (entry name, config method or None for a submitted entry, sparsity, worst-task accuracy)
ENTRIES = (
    ("Dense", "dense", 0.0, 0.90),
    ("quest @ 0.9", "quest", 0.9, 0.55),
    ("quest @ 0.5", "quest", 0.5, 0.80),
    ("quest @ 0.8", "quest", 0.8, 0.70),
    ("snapkv @ 0.8", "snapkv", 0.8, 0.40),
    ("snapkv @ 0.5", "snapkv", 0.5, 0.60),
    ("MyTopK", None, 0.75, 0.65),
)


def _metrics(sparsity: float, worst: float) -> dict[str, float]:
    """An entry's metrics: compression from its sparsity, two scored tasks (niah above, vt at the worst)."""
    return {
        "sparsity": sparsity,
        "compression": 1.0 / (1.0 - sparsity),
        "acc_worst": worst,
        "acc_mean": worst + 0.05,
        "acc_ruler_niah": worst + 0.1,
        "acc_ruler_vt": worst,
        "speedup": 1.0 + sparsity,
    }


@pytest.fixture
def board(users) -> Phase:
    """The frontier benchmark as the sync mirrors it, with baselines of two methods, dense, one entry."""
    phase = Phase.objects.get(benchmark=benchmark_sync(spec=SPEC), slug="dev")
    for name, method, sparsity, worst in ENTRIES:
        config = {"method": method, "target_sparsity": sparsity} if method else {"method": "quest"}
        sub = Submission.objects.create(
            owner=users["staff" if method else "other"], phase=phase, method_name=name, payload_kind="config",
            payload_config=config, payload_sha256="0" * 64, status=Submission.Status.SCORED, progress=1.0,
            is_baseline=method is not None,
        )  # fmt: skip
        Score.objects.create(
            submission=sub, split="public", protocol_version=SPEC.version, metrics=_metrics(sparsity, worst)
        )
    leaderboard_rebuild(phase=phase)
    return phase


def test_frontier_declares_its_main_figure_and_the_row_round_trips():
    (curve,) = SPEC.curves
    assert (curve.x, curve.group_by, curve.anchor, curve.ys[0]) == (
        "compression",
        "method",
        "dense",
        "acc_worst",
    )
    assert {f"acc_{t}" for t in ("ruler_niah", "ruler_vt", "ruler_cwe")} <= set(curve.ys)
    assert curve_from_row(json.loads(json.dumps(curve_row(curve)))) == curve
    assert spec_problems(SPEC) == []


def test_spec_check_names_a_curve_with_an_unknown_metric_or_a_bad_group_field():
    bad = CurveSpec(title="c", x="nope", ys=(), group_by="a.b")
    problems = spec_problems(dataclasses.replace(SPEC, curves=(bad,)))
    assert any("metric 'nope'" in p for p in problems)
    assert any("ys must name" in p for p in problems) and any("group_by 'a.b'" in p for p in problems)


@pytest.mark.django_db
def test_curve_charts_group_baselines_by_method_in_x_order_from_dense(board):
    (chart,) = selectors.curve_charts(phase=board)
    assert [line.group for line in chart.lines] == ["quest", "snapkv"]
    quest, snapkv = chart.lines
    assert [p.name for p in quest.points] == ["Dense", "quest @ 0.5", "quest @ 0.8", "quest @ 0.9"]
    assert [p.name for p in snapkv.points] == ["Dense", "snapkv @ 0.5", "snapkv @ 0.8"]
    xs = [p.x for p in quest.points]
    assert xs == sorted(xs) and xs[0] == pytest.approx(1.0) and xs[-1] == pytest.approx(10.0)
    assert chart.anchor is not None and [p.name for p in chart.anchor.points] == ["Dense"]
    assert quest.points[1].ys["acc_worst"] == pytest.approx(0.80)
    # The worst task and the scored tasks are offered; tasks no entry scored are left out.
    assert chart.ys == ("acc_worst", "acc_mean", "acc_ruler_niah", "acc_ruler_vt")
    # The submitted entry is a marker under its own name, never on a method's line (its config is private).
    assert [p.name for p in chart.entries] == ["MyTopK"] and chart.total == 1
    assert all(p.name != "MyTopK" for line in chart.lines for p in line.points)


@pytest.mark.django_db
def test_benchmark_page_embeds_the_curve_data_and_a_metric_selector(client, board):
    html = client.get("/benchmarks/frontier/?phase=dev").content.decode()
    data = json.loads(
        re.search(r'<script id="curve-data" type="application/json">(.*?)</script>', html).group(1)
    )
    (chart,) = data
    assert chart["x"] == {
        "name": "compression",
        "label": "Compression ratio",
        "unit": "x",
        "higher_is_better": True,
    }
    assert [line["name"] for line in chart["lines"]] == ["quest", "snapkv"]
    assert chart["ys"][0]["label"] == "Worst-task accuracy" and chart["ys"][0]["unit"] == "accuracy"
    assert '<option value="acc_ruler_vt">Acc ruler_vt (accuracy)</option>' in html
    assert "portal/curves.js" in html
    (api,) = client.get("/api/v1/benchmarks/frontier/").json()["curves"]
    assert api == curve_row(SPEC.curves[0]) and api["ys"][0] == "acc_worst"


@pytest.mark.django_db
def test_benchmark_page_without_curves_draws_none(client, entries):
    html = client.get("/benchmarks/toy/").content.decode()
    assert 'id="curve-data"' not in html and "portal/curves.js" not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_curve_chart_draws_one_line_per_method_and_switches_metric(live_server, board, monkeypatch):
    with chromium_page_open(monkeypatch=monkeypatch, viewport={"width": 1280, "height": 900}) as page:
        page.goto(live_server.url + "/benchmarks/frontier/?phase=dev")
        page.wait_for_selector("#curve-chart-0 svg.main-svg")
        read = (
            "() => document.getElementById('curve-chart-0').data.map("
            "t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y), mode: t.mode,"
            " text: Array.from(t.text), hover: t.hovertemplate}))"
        )
        traces = page.evaluate(read)
        assert [t["name"] for t in traces] == ["quest", "snapkv", "dense", "Submitted entries"]
        quest = traces[0]
        assert quest["mode"] == "lines+markers" and quest["y"] == pytest.approx([0.90, 0.80, 0.70, 0.55])
        assert quest["x"][0] == pytest.approx(1.0)
        # Tooltips: the entry's name, its method (dense at the line's start), both metrics with their units.
        assert quest["text"][:2] == ["Dense<br>method: dense", "quest @ 0.5<br>method: quest"]
        assert traces[3]["text"] == ["MyTopK<br>submitted entry"]
        assert (
            "Compression ratio: %{x} x" in quest["hover"]
            and "Worst-task accuracy: %{y} accuracy" in quest["hover"]
        )
        assert page.locator("#curve-chart-0 .scatterlayer .trace").count() == 4
        title = page.locator("#curve-chart-0 .g-ytitle").text_content()
        assert title.startswith("Worst-task accuracy (accuracy)")
        page.select_option("#curve-y-0", "acc_ruler_niah")
        page.wait_for_function("() => document.querySelector('#curve-chart-0 .g-ytitle').textContent"
                               ".startsWith('Acc ruler_niah')")  # fmt: skip
        assert page.evaluate(read)[0]["y"] == pytest.approx([1.00, 0.90, 0.80, 0.65])
