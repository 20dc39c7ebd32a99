"""Pure ranking helpers of materialised leaderboards: per-metric orders, Pareto frontier, chart groups."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

CHART_NONE, CHART_HIDDEN, CHART_SHOWN = 0, 1, 2
CHART_TOP = 300


@dataclass(frozen=True)
class BoardSpec:
    """What a leaderboard is ordered and plotted by: ranking metric, each metric's direction, the axes."""

    ranking: str
    directions: dict[str, bool]
    pareto_x: str
    pareto_y: str

    def higher(self, name: str) -> bool:
        """Whether higher values of `name` are better (unknown metrics count as higher-is-better)."""
        return self.directions.get(name, True)


def board_spec(*, benchmark) -> BoardSpec:
    """The BoardSpec of a Benchmark row (works on migration-time historical models too)."""
    directions = {}
    for spec in benchmark.metrics or []:
        if spec.get("name") and spec.get("scope", "entry") != "item":  # item-only metrics never rank
            directions[spec["name"]] = bool(spec.get("higher_is_better", True))
    return BoardSpec(
        ranking=benchmark.ranking_metric,
        directions=directions,
        pareto_x=benchmark.pareto_x,
        pareto_y=benchmark.pareto_y,
    )


def metric_orders(*, rows: list[dict], spec: BoardSpec) -> Iterator[tuple[str, bool, list[int]]]:
    """(metric, descending, row indices) per metric and direction but the ranking one; n/a last."""
    for metric in spec.directions:
        valued, missing = [], []
        for index, row in enumerate(rows):
            value = row["metrics"].get(metric)
            if value is None:
                missing.append((row["position"], index))
            else:
                valued.append((value, row["position"], index))
        tail = [index for _, index in sorted(missing)]
        for descending in (True, False):
            if metric == spec.ranking and descending == spec.higher(metric):
                continue
            keyed = sorted((-v, p, i) for v, p, i in valued) if descending else sorted(valued)
            yield metric, descending, [index for _, _, index in keyed] + tail


def pareto_frontier(*, rows: list[dict], spec: BoardSpec) -> set[int]:
    """Indices of rows no other row beats on both axes (each in its direction; an n/a axis never is)."""
    x_sign = 1.0 if spec.higher(spec.pareto_x) else -1.0
    y_sign = 1.0 if spec.higher(spec.pareto_y) else -1.0
    candidates = []
    for index, row in enumerate(rows):
        x, y = row["metrics"].get(spec.pareto_x), row["metrics"].get(spec.pareto_y)
        if x is not None and y is not None:
            candidates.append((-x_sign * x, -y_sign * y, row["position"], index))
    candidates.sort()
    frontier, best = set(), None
    for _, y_bad, _, index in candidates:
        if best is None or -y_bad > best:
            frontier.add(index)
            best = -y_bad
    return frontier


def chart_groups(*, rows: list[dict], spec: BoardSpec, top: int = CHART_TOP) -> tuple[list[int], set[int]]:
    """Each row's chart group (NONE: n/a axis; SHOWN: frontier, baseline, top) and the frontier."""
    frontier = pareto_frontier(rows=rows, spec=spec)
    groups = []
    for index, row in enumerate(rows):
        metrics = row["metrics"]
        if metrics.get(spec.pareto_x) is None or metrics.get(spec.pareto_y) is None:
            groups.append(CHART_NONE)
        elif index in frontier or row["is_baseline"] or row["position"] <= top:
            groups.append(CHART_SHOWN)
        else:
            groups.append(CHART_HIDDEN)
    return groups, frontier
