"""What is wrong with a plugin's declarations, checked before the platform stores any of them."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from evaluator.contract import BenchmarkSpec, CurveSpec, MetricSpec, SubmissionKind


def _duplicates(names: list[str]) -> list[str]:
    """The names that occur more than once, sorted."""
    return sorted(name for name, count in Counter(names).items() if count > 1)


def _metric_problems(metric: MetricSpec) -> list[str]:
    """A metric whose name is empty or whose display format cannot show a number."""
    problems = [] if metric.name.strip() else ["a metric has an empty name"]
    try:
        metric.fmt.format(1.5)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        problems.append(f"metric {metric.name!r}: fmt {metric.fmt!r} cannot format a number ({exc})")
    return problems


def _public_path_problems(phase_slug: str, path: str) -> list[str]:
    """A public path that is absolute or leaves the bundle's folder."""
    parts = PurePosixPath(path).parts
    if not path or PurePosixPath(path).is_absolute() or ".." in parts or "\\" in path:
        return [f"phase {phase_slug!r}: public path {path!r} must be relative and stay inside the bundle"]
    return []


def _curve_problems(curve: CurveSpec, entry: list[str]) -> list[str]:
    """Problems of one curve chart: its metrics must be entry metrics, its group field a plain name."""
    problems = []
    for name in (curve.x, *curve.ys):
        if name not in entry:
            problems.append(f"curve {curve.title!r}: metric {name!r} is not one of the metrics {entry}")
    if not curve.ys:
        problems.append(f"curve {curve.title!r}: ys must name at least one metric")
    if not curve.group_by.isidentifier():
        problems.append(f"curve {curve.title!r}: group_by {curve.group_by!r} must be a config field name")
    return problems


def spec_problems(spec: BenchmarkSpec) -> list[str]:
    """Every problem of ``spec``, in plain words naming the field: empty when it can be hosted."""
    problems: list[str] = []
    entry = [m.name for m in spec.metrics]
    every = entry + [m.name for m in spec.item_metrics]
    if not spec.version.strip():
        problems.append("version is empty")
    for name in _duplicates(every):
        problems.append(f"metric {name!r} is declared more than once (metrics and item_metrics)")
    for metric in (*spec.metrics, *spec.item_metrics):
        problems.extend(_metric_problems(metric))
    if spec.ranking_metric not in entry:
        problems.append(f"ranking_metric {spec.ranking_metric!r} is not one of the metrics {entry}")
    for axis, name in zip(("x", "y"), spec.pareto_axes, strict=True):
        if name not in entry:
            problems.append(f"pareto_axes {axis} {name!r} is not one of the metrics {entry}")
    for curve in spec.curves:
        problems.extend(_curve_problems(curve, entry))
    if not spec.phases:
        problems.append("phases: a benchmark needs at least one phase")
    for slug in _duplicates([p.slug for p in spec.phases]):
        problems.append(f"phase {slug!r} is declared more than once")
    for phase in spec.phases:
        for path in phase.public_paths:
            problems.extend(_public_path_problems(phase.slug, path))
    if not spec.formats:
        problems.append("formats: a benchmark needs at least one submission format")
    for fmt in spec.formats:
        if fmt.kind == SubmissionKind.FILE and not fmt.extensions:
            problems.append(f"format {fmt.description!r}: a file format must list its extensions")
        if fmt.code and fmt.kind != SubmissionKind.FILE:
            problems.append(f"format {fmt.description!r}: a code format must be a file format")
    if spec.soft_time_limit_s <= 0:
        problems.append(f"soft_time_limit_s {spec.soft_time_limit_s} must be positive")
    return problems
