"""Pure ranking helpers: the ranking order key, value rows with n/a last, the Pareto frontier."""

from __future__ import annotations

from itertools import product
from types import SimpleNamespace

from evaluator.contract import MetricSpec
from leaderboard.services.rankings import (
    BoardSpec,
    board_spec,
    clean_metrics,
    pareto_frontier,
    place_key,
    plottable,
    value_rows,
)
from leaderboard.specrows import metric_row

SPEC = BoardSpec(ranking="acc", directions={"acc": True, "size": False}, pareto_x="size", pareto_y="acc")


def _rows(points):
    return [
        {"metrics": {k: v for k, v in m.items() if v is not None}, "position": i + 1, "is_baseline": False}
        for i, m in enumerate(points)
    ]


def _dominated(a, b):
    """Whether b beats a on both axes (size lower is better, acc higher)."""
    return b["size"] <= a["size"] and b["acc"] >= a["acc"] and (b["size"], b["acc"]) != (a["size"], a["acc"])


def test_value_rows_hold_each_metric_with_na_and_the_ranking_key():
    rows = value_rows(
        phase_id=1, split="public", submission_id=7, submitted_at="t", metrics={"acc": 0.9}, spec=SPEC
    )
    assert rows == [
        (1, "public", "acc", False, 0.9, False, -0.9, "t", 7),
        (1, "public", "size", True, 0.0, False, -0.9, "t", 7),
    ]
    na_rank = value_rows(phase_id=1, split="public", submission_id=7, submitted_at="t", metrics={}, spec=SPEC)
    assert [row[5:7] for row in na_rank] == [(True, 0.0), (True, 0.0)]


def test_place_key_orders_best_first_na_last_then_time_then_id():
    keys = [
        place_key(ranking_value=value, submitted_at=when, submission_id=sid, spec=SPEC)
        for value, when, sid in [(None, 0, 1), (0.5, 2, 2), (0.9, 3, 3), (0.5, 1, 4), (0.5, 1, 5)]
    ]
    assert sorted(range(5), key=keys.__getitem__) == [2, 3, 4, 1, 0]


def test_clean_metrics_and_plottable():
    metrics = clean_metrics({"acc": 1, "size": float("nan"), "flag": True, "name": "x"})
    assert metrics == {"acc": 1.0}
    assert not plottable(metrics=metrics, spec=SPEC)
    assert plottable(metrics={"acc": 1.0, "size": 0.0}, spec=SPEC)


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


def test_board_spec_ignores_item_only_metrics():
    row = SimpleNamespace(
        metrics=[  # as benchmark_sync stores them: whole MetricSpec rows, item-only ones scoped
            metric_row(MetricSpec(name="acc", label="Accuracy", unit="", higher_is_better=True)),
            metric_row(MetricSpec(name="conv", label="Conv", unit="", higher_is_better=False), item=True),
        ],
        ranking_metric="acc",
        pareto_x="acc",
        pareto_y="acc",
    )
    assert board_spec(benchmark=row).directions == {"acc": True}
