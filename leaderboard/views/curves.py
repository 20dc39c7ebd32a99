"""The curve charts of the benchmark page as the JSON that portal/curves.js draws (#curve-data)."""

from __future__ import annotations

from typing import Any

from leaderboard import selectors
from leaderboard.models import Phase


def metric_axis(*, name: str, by_name: dict[str, Any]) -> dict[str, Any]:
    """A metric's name, label, unit and direction (its name alone when the benchmark lacks it)."""
    metric = by_name.get(name)
    if metric is None:
        return {"name": name, "label": name, "unit": "", "higher_is_better": True}
    return {
        "name": name,
        "label": metric.label,
        "unit": metric.unit,
        "higher_is_better": metric.higher_is_better,
    }


def _point(point: selectors.CurvePoint) -> dict[str, Any]:
    """A point as JSON: the entry's id and name, x, and its value of each y metric (null = n/a)."""
    return {"submission_id": point.submission_id, "name": point.name, "x": point.x, "y": dict(point.ys)}


def _line(line: selectors.CurveLine) -> dict[str, Any]:
    """A line as JSON: its group (the method) and its points in x order."""
    return {"name": line.group, "points": [_point(p) for p in line.points]}


def curve_charts_data(*, phase: Phase, split: str, metrics: list[Any]) -> list[dict[str, Any]]:
    """Each curve chart with a point to draw: title, axes (with their metric definitions), lines, entries."""
    by_name = {m.name: m for m in metrics}
    charts = []
    for chart in selectors.curve_charts(phase=phase, split=split):
        if not chart.ys or not (chart.lines or chart.anchor or chart.entries):
            continue
        spec = chart.spec
        charts.append(
            {
                "title": spec.title,
                "description": spec.description,
                "group_by": spec.group_by,
                "log_x": spec.log_x,
                "x": metric_axis(name=spec.x, by_name=by_name),
                "ys": [metric_axis(name=y, by_name=by_name) for y in chart.ys],
                "lines": [_line(line) for line in chart.lines],
                "anchor": _line(chart.anchor) if chart.anchor else None,
                "entries": [_point(p) for p in chart.entries],
                "shown": len(chart.entries),
                "total": chart.total,
                "top": chart.top,
            }
        )
    return charts
