"""Pure ranking helpers of leaderboards: the ranking order key, per-metric value rows, the Pareto frontier."""

from __future__ import annotations

import math
from dataclasses import dataclass

from leaderboard.specrows import metric_from_row, metric_is_entry

#: The chart embeds the frontier, the baselines and the entries ranked within this many places.
CHART_TOP = 300


@dataclass(frozen=True)
class BoardSpec:
    """What a leaderboard is ordered and plotted by: ranking metric, each metric's direction, the axes."""

    ranking: str
    directions: dict[str, bool]
    pareto_x: str
    pareto_y: str
    #: Names of the benchmark's reference baselines: their entries are listed marked, with no rank.
    references: frozenset[str] = frozenset()

    def higher(self, name: str) -> bool:
        """Whether higher values of `name` are better (unknown metrics count as higher-is-better)."""
        return self.directions.get(name, True)


def board_spec(*, benchmark) -> BoardSpec:
    """The BoardSpec of a Benchmark row (works on migration-time historical models too)."""
    entry = [metric_from_row(row) for row in benchmark.metrics or [] if metric_is_entry(row)]
    directions = {m.name: m.higher_is_better for m in entry}  # item-only metrics never rank
    return BoardSpec(
        ranking=benchmark.ranking_metric,
        directions=directions,
        pareto_x=benchmark.pareto_x,
        pareto_y=benchmark.pareto_y,
        references=frozenset(getattr(benchmark, "reference_baselines", None) or ()),
    )


def is_reference(*, row: dict, spec: BoardSpec) -> bool:
    """Whether a board row (submission fields) is one of the benchmark's reference baselines."""
    return bool(row["is_baseline"]) and row["method_name"] in spec.references


def clean_metrics(metrics: dict | None) -> dict[str, float]:
    """Only finite numeric values are kept: a missing key means n/a (sorts last)."""
    out = {}
    for key, value in (metrics or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if math.isfinite(value):
            out[key] = float(value)
    return out


def rank_order(*, value: float | None, higher: bool) -> tuple[bool, float]:
    """(na, key) of a ranking value: ascending keys are best first, n/a last."""
    if value is None:
        return True, 0.0
    return False, -value if higher else value


def place_key(*, ranking_value: float | None, submitted_at, submission_id: int, spec: BoardSpec) -> tuple:
    """An entry's place in the ranking order: ranking value in its direction, n/a last, then time, then id."""
    na, key = rank_order(value=ranking_value, higher=spec.higher(spec.ranking))
    return na, key, submitted_at, submission_id


def value_rows(
    *, phase_id: int, split: str, submission_id: int, submitted_at, metrics: dict, spec: BoardSpec
) -> list[tuple]:
    """The LeaderboardValue rows of one entry, one per ranked metric (columns: VALUE_COLUMNS)."""
    rank_na, rank_key = rank_order(value=metrics.get(spec.ranking), higher=spec.higher(spec.ranking))
    rows = []
    for metric in spec.directions:
        value = metrics.get(metric)
        rows.append(
            (
                phase_id,
                split,
                metric,
                value is None,
                0.0 if value is None else value,
                rank_na,
                rank_key,
                submitted_at,
                submission_id,
            )
        )
    return rows


VALUE_COLUMNS = (
    "phase_id",
    "split",
    "metric",
    "na",
    "value",
    "rank_na",
    "rank_key",
    "submitted_at",
    "submission_id",
)


def plottable(*, metrics: dict, spec: BoardSpec) -> bool:
    """Whether both Pareto axes have a value."""
    return metrics.get(spec.pareto_x) is not None and metrics.get(spec.pareto_y) is not None


def pareto_frontier(*, rows: list[dict], spec: BoardSpec) -> set[int]:
    """Indices of rows no other row beats on both axes (each in its direction; an n/a axis never is). A
    trivial reference is drawn on the chart but is never part of the frontier (nor pushes a method off it)."""
    x_sign = 1.0 if spec.higher(spec.pareto_x) else -1.0
    y_sign = 1.0 if spec.higher(spec.pareto_y) else -1.0
    candidates = []
    for index, row in enumerate(rows):
        if "is_baseline" in row and is_reference(row=row, spec=spec):
            continue
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
