"""Leaderboard reads: one indexed query over materialised entries, in any metric's order, and Pareto data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, FloatField, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from leaderboard.models import LeaderboardEntry, LeaderboardPosition, Phase, Score
from leaderboard.selectors.benchmarks import metric_specs
from leaderboard.services.errors import NotAllowed
from leaderboard.services.rankings import CHART_HIDDEN, CHART_SHOWN, CHART_TOP

MAX_LIMIT = 1000
#: The largest row offset of a page: beyond any leaderboard, and far inside a 64-bit SQL integer.
OFFSET_MAX = 10**9
_FIELDS = (
    "rank",
    "submission_id",
    "method_name",
    "submitter",
    "is_baseline",
    "metrics",
    "paper_url",
    "code_url",
    "submitted_at",
)


@dataclass(frozen=True)
class LeaderboardRow:
    """One row as displayed; metrics hold every benchmark metric (None = n/a)."""

    rank: int
    submission_id: int
    method_name: str
    submitter: str
    is_baseline: bool
    metrics: dict[str, float | None]
    paper_url: str
    code_url: str
    submitted_at: dt.datetime


@dataclass(frozen=True)
class LeaderboardPage:
    """A page of rows, the total count and the ordering applied."""

    rows: list[LeaderboardRow]
    total: int
    order_by: str
    descending: bool
    split: str


@dataclass(frozen=True)
class ParetoPoint:
    """One submission on the Pareto plot."""

    submission_id: int
    method_name: str
    submitter: str
    is_baseline: bool
    x: float
    y: float


@dataclass(frozen=True)
class ParetoData:
    """The points to draw and the non-dominated frontier (each axis in its own direction).

    points: the frontier, the baselines and the entries ranked within `top` (a bounded sample);
    total: how many entries have both axis values: the frontier is computed over all of them."""

    x_metric: str
    y_metric: str
    points: list[ParetoPoint]
    frontier: list[ParetoPoint]
    x_higher_is_better: bool = True
    y_higher_is_better: bool = True
    total: int = 0
    top: int = CHART_TOP


def leaderboard_visible_splits(*, phase: Phase) -> list[str]:
    """Splits anyone may read: public, plus private once the phase closed and the host allows it."""
    return [Score.Split.PUBLIC, Score.Split.PRIVATE] if phase.private_visible() else [Score.Split.PUBLIC]


def _check_split(phase: Phase, split: str, viewer) -> None:
    if split not in Score.Split.values:
        raise ValueError(f"unknown split {split!r}; use public or private")
    if split == Score.Split.PRIVATE and not phase.private_visible():
        if viewer is None or not getattr(viewer, "is_staff", False):
            raise NotAllowed("the private leaderboard of this phase is not public yet")


def _key(name: str):
    return Cast(KT(f"metrics__{name}"), FloatField())


def leaderboard_rows(
    *,
    phase: Phase,
    split: str = "public",
    order_by: str | None = None,
    descending: bool | None = None,
    limit: int = 100,
    offset: int = 0,
    viewer=None,
) -> LeaderboardPage:
    """A page of the materialised leaderboard in two queries (count + page), whatever its size.

    order_by: any metric name (default the ranking metric); descending defaults to the metric's direction;
    n/a values come last. The private split needs phase.private_visible() or a staff `viewer`."""
    _check_split(phase, split, viewer)
    metrics = {m.name: m for m in metric_specs(benchmark=phase.benchmark)}
    ranking = phase.benchmark.ranking_metric
    order_by = order_by or ranking
    if order_by not in metrics:
        raise ValueError(f"unknown metric {order_by!r}; known: {sorted(metrics)}")
    if descending is None:
        descending = metrics[order_by].higher_is_better
    if limit < 0 or offset < 0 or offset > OFFSET_MAX:
        raise ValueError(f"limit={limit} and offset={offset}: both non-negative, offset at most {OFFSET_MAX}")
    limit = min(limit, MAX_LIMIT)
    entries = LeaderboardEntry.objects.filter(phase=phase, split=split)
    default = order_by == ranking and descending == metrics[ranking].higher_is_better
    if default:
        page = entries.order_by("position").values_list(*_FIELDS)
    else:
        page = (
            # descending__in, not descending=: Django writes a boolean equality as `NOT "descending"`,
            # which SQLite cannot match to the index; `IN (0)` is an equality it walks in position order.
            LeaderboardPosition.objects.filter(
                phase=phase, split=split, metric=order_by, descending__in=[descending]
            )
            .order_by("position")
            .values_list(*(f"entry__{name}" for name in _FIELDS))
        )
    total = entries.count()
    rows = []
    for position, values in enumerate(page[offset : offset + limit], start=offset + 1):
        fields = dict(zip(_FIELDS, values, strict=True))
        stored = fields.pop("metrics") or {}
        rank = fields.pop("rank")
        rows.append(
            LeaderboardRow(
                rank=rank if default else position,
                metrics={name: stored.get(name) for name in metrics},
                **fields,
            )
        )
    return LeaderboardPage(rows=rows, total=total, order_by=order_by, descending=descending, split=split)


def pareto_points(*, phase: Phase, split: str = "public", viewer=None) -> ParetoData:
    """The materialised chart sample (frontier, baselines, top-ranked) with the plottable count, one query."""
    _check_split(phase, split, viewer)
    benchmark = phase.benchmark
    metrics = {m.name: m for m in metric_specs(benchmark=benchmark)}
    x_name, y_name = benchmark.pareto_x, benchmark.pareto_y
    x_up = metrics[x_name].higher_is_better if x_name in metrics else True
    y_up = metrics[y_name].higher_is_better if y_name in metrics else True
    entries = LeaderboardEntry.objects.filter(phase=phase, split=split)
    plottable = (
        entries.filter(chart__gte=CHART_HIDDEN).order_by().values("phase").annotate(n=Count("id")).values("n")
    )
    rows = (
        entries.filter(chart=CHART_SHOWN)
        .annotate(px=_key(x_name), py=_key(y_name), plottable=Subquery(plottable))
        .order_by()  # sorted below: an ORDER BY would tempt the planner onto the position index
        .values_list(
            "submission_id",
            "method_name",
            "submitter",
            "is_baseline",
            "px",
            "py",
            "on_frontier",
            "plottable",
            "position",
        )
    )
    x_sign, y_sign = (-1.0 if x_up else 1.0), (-1.0 if y_up else 1.0)
    keyed, total = [], 0
    for sid, name, who, base, x, y, on_frontier, count, place in rows:
        point = ParetoPoint(sid, name, who, base, float(x), float(y))
        keyed.append((x_sign * point.x, y_sign * point.y, place, on_frontier, point))
        total = count or 0
    keyed.sort(key=lambda item: item[:3])  # best x first, then best y, then rank: the frontier's order
    points = [item[4] for item in keyed]
    frontier = [item[4] for item in keyed if item[3]]
    return ParetoData(
        x_metric=x_name,
        y_metric=y_name,
        points=points,
        frontier=frontier,
        x_higher_is_better=x_up,
        y_higher_is_better=y_up,
        total=total,
        top=CHART_TOP,
    )
