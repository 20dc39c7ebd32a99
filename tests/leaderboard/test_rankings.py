"""Pure ranking helpers: per-metric orders with n/a last, the Pareto frontier and chart groups."""

from __future__ import annotations

from itertools import product
from types import SimpleNamespace

from leaderboard.services.rankings import (
    CHART_HIDDEN,
    CHART_NONE,
    CHART_SHOWN,
    BoardSpec,
    board_spec,
    chart_groups,
    metric_orders,
    pareto_frontier,
)

SPEC = BoardSpec(ranking="acc", directions={"acc": True, "size": False}, pareto_x="size", pareto_y="acc")


def _rows(points):
    return [
        {"metrics": {k: v for k, v in m.items() if v is not None}, "position": i + 1, "is_baseline": False}
        for i, m in enumerate(points)
    ]


def _dominated(a, b):
    """Whether b beats a on both axes (size lower is better, acc higher)."""
    return b["size"] <= a["size"] and b["acc"] >= a["acc"] and (b["size"], b["acc"]) != (a["size"], a["acc"])


def test_metric_orders_cover_every_order_but_the_ranking_one_with_na_last():
    rows = _rows([{"acc": 0.9, "size": 3.0}, {"acc": None, "size": 1.0}, {"acc": 0.5, "size": 3.0}])
    orders = {(m, d): o for m, d, o in metric_orders(rows=rows, spec=SPEC)}
    assert set(orders) == {("acc", False), ("size", True), ("size", False)}
    assert orders[("acc", False)] == [2, 0, 1]
    assert orders[("size", False)] == [1, 0, 2]
    assert orders[("size", True)] == [0, 2, 1]


def test_pareto_frontier_matches_a_brute_force_dominance_check():
    grid = [{"acc": a, "size": s} for a, s in product([0.1, 0.5, 0.9], [1.0, 2.0, 3.0])][::2]
    grid += [{"acc": 0.5, "size": 1.0}, {"acc": None, "size": 0.1}]
    rows = _rows(grid)
    plottable = [i for i, p in enumerate(grid) if p["acc"] is not None]
    expected = {i for i in plottable if not any(_dominated(grid[i], grid[j]) for j in plottable if j != i)}
    found = pareto_frontier(rows=rows, spec=SPEC)
    assert {(grid[i]["size"], grid[i]["acc"]) for i in found} == {
        (grid[i]["size"], grid[i]["acc"]) for i in expected
    }
    assert len(found) == len({(grid[i]["size"], grid[i]["acc"]) for i in found})


def test_chart_groups_show_frontier_and_top_and_skip_na_axes():
    points = [{"acc": 0.9, "size": 5.0}, {"acc": 0.8, "size": 6.0}, {"acc": 0.1, "size": 0.5}, {"acc": 0.7}]
    groups, frontier = chart_groups(rows=_rows(points), spec=SPEC, top=1)
    assert frontier == {0, 2}
    assert groups == [CHART_SHOWN, CHART_HIDDEN, CHART_SHOWN, CHART_NONE]


def test_board_spec_ignores_item_only_metrics():
    row = SimpleNamespace(
        metrics=[
            {"name": "acc", "higher_is_better": True},
            {"name": "conv", "higher_is_better": False, "scope": "item"},
        ],
        ranking_metric="acc",
        pareto_x="acc",
        pareto_y="acc",
    )
    assert board_spec(benchmark=row).directions == {"acc": True}
