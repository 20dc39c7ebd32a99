"""Curve charts of a leaderboard (its benchmark's CurveSpecs): baselines as lines by method, entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.fields.json import KeyTextTransform

from evaluator.contract import CurveSpec
from leaderboard.models import LeaderboardEntry, Phase
from leaderboard.selectors.leaderboards import _check_split, _values
from leaderboard.services.rankings import CHART_TOP, board_spec, clean_metrics
from leaderboard.specrows import curve_from_row


@dataclass(frozen=True)
class CurvePoint:
    """One entry on a curve chart: its x value and the value of each of the chart's y metrics (None = n/a)."""

    submission_id: int
    name: str
    x: float
    ys: dict[str, float | None]


@dataclass(frozen=True)
class CurveLine:
    """The points of one group (a method), sorted by x; a method's line starts at the anchor's point."""

    group: str
    points: tuple[CurvePoint, ...]


@dataclass(frozen=True)
class CurveData:
    """One curve chart of a split: the y metrics with a value, the lines, the anchor and the entries.

    entries: the submitted (non-baseline) entries ranked within `top`, as markers; total: how many
    submitted entries have an x value."""

    spec: CurveSpec
    ys: tuple[str, ...]
    lines: tuple[CurveLine, ...]
    anchor: CurveLine | None
    entries: tuple[CurvePoint, ...]
    total: int
    top: int = CHART_TOP


def _point(*, sid: int, name: str, metrics: dict | None, spec: CurveSpec) -> CurvePoint | None:
    """An entry's point, or None when its x value is n/a."""
    values = clean_metrics(metrics)
    x = values.get(spec.x)
    if x is None:
        return None
    return CurvePoint(submission_id=sid, name=name, x=x, ys={y: values.get(y) for y in spec.ys})


def _by_x(points: list[CurvePoint]) -> tuple[CurvePoint, ...]:
    """Points in x order (ties by submission id)."""
    return tuple(sorted(points, key=lambda p: (p.x, p.submission_id)))


def _lines(*, phase: Phase, split: str, spec: CurveSpec) -> tuple[tuple[CurveLine, ...], CurveLine | None]:
    """The baselines grouped by their config's `group_by` field (entry name if absent): lines and anchor."""
    rows = (
        LeaderboardEntry.objects.filter(phase=phase, split=split, is_baseline__in=[True])
        .annotate(group=KeyTextTransform(spec.group_by, "submission__payload_config"))
        .order_by()
        .values_list("submission_id", "method_name", "metrics", "group")
    )
    groups: dict[str, list[CurvePoint]] = {}
    for sid, name, metrics, group in rows:
        point = _point(sid=sid, name=name, metrics=metrics, spec=spec)
        if point is not None:
            groups.setdefault(str(group) if group is not None else name, []).append(point)
    anchor_points = _by_x(groups.pop(spec.anchor, [])) if spec.anchor else ()
    anchor = CurveLine(group=spec.anchor, points=anchor_points) if anchor_points else None
    start = anchor_points[:1]
    lines = tuple(CurveLine(group=g, points=start + _by_x(points)) for g, points in sorted(groups.items()))
    return lines, anchor


def _entries(*, phase: Phase, split: str, spec: CurveSpec) -> tuple[tuple[CurvePoint, ...], int]:
    """The submitted entries ranked within CHART_TOP with an x value, and how many have one in all."""
    board = board_spec(benchmark=phase.benchmark)
    top = _values(phase=phase, split=split, metric=board.ranking, descending=board.higher(board.ranking))
    submitted = LeaderboardEntry.objects.filter(phase=phase, split=split, is_baseline__in=[False])
    total = submitted.filter(**{f"metrics__{spec.x}__isnull": False}).count()
    rows = (
        submitted.filter(submission_id__in=top.values("submission_id")[:CHART_TOP])
        .order_by()
        .values_list("submission_id", "method_name", "metrics")
    )
    points = [_point(sid=sid, name=name, metrics=metrics, spec=spec) for sid, name, metrics in rows]
    return _by_x([p for p in points if p is not None]), total


def curve_specs(*, benchmark) -> list[CurveSpec]:
    """The curve charts the benchmark declares, as the contract's CurveSpecs (stored rows read back)."""
    return [curve_from_row(row) for row in benchmark.curves or []]


def curve_charts(*, phase: Phase, split: str = "public", viewer=None) -> list[CurveData]:
    """Every curve chart the phase's benchmark declares, on one split (three queries a chart)."""
    _check_split(phase, split, viewer)
    charts = []
    for spec in curve_specs(benchmark=phase.benchmark):
        lines, anchor = _lines(phase=phase, split=split, spec=spec)
        entries, total = _entries(phase=phase, split=split, spec=spec)
        anchored = anchor.points if anchor else ()
        every = [p for line in lines for p in line.points] + [*anchored, *entries]
        ys = tuple(y for y in spec.ys if any(p.ys.get(y) is not None for p in every))
        charts.append(CurveData(spec=spec, ys=ys, lines=lines, anchor=anchor, entries=entries, total=total))
    return charts
