"""The plugin contract's dataclasses as stored JSON rows (Benchmark.metrics, .formats, .curves) and back."""

from __future__ import annotations

import dataclasses

from evaluator.contract import CurveSpec, MetricSpec, SubmissionFormat, SubmissionKind

#: The "scope" of a Benchmark.metrics row that describes per-item values only (never a leaderboard column).
ITEM_SCOPE = "item"
_METRIC_FIELDS = {f.name for f in dataclasses.fields(MetricSpec)}


def metric_row(metric: MetricSpec, *, item: bool = False) -> dict:
    """The stored row of a metric: its fields, plus the item scope for an item-only metric."""
    return {**dataclasses.asdict(metric), **({"scope": ITEM_SCOPE} if item else {})}


def metric_is_entry(row: dict) -> bool:
    """Whether a Benchmark.metrics row is an entry metric (a leaderboard column), not an item-only one."""
    return row.get("scope", "entry") != ITEM_SCOPE


def metric_from_row(row: dict) -> MetricSpec:
    """One stored Benchmark.metrics row as the contract's MetricSpec (fields the row lacks take the
    dataclass defaults; the platform's own keys, such as the item scope, are left out)."""
    return MetricSpec(**{name: value for name, value in row.items() if name in _METRIC_FIELDS})


def extension_clean(extension: str) -> str:
    """An extension as the platform compares it: lower case, without the dot."""
    return str(extension).lower().lstrip(".")


def format_row(fmt: SubmissionFormat) -> dict:
    """The stored row of a submission format (the API's ``formats`` items have this shape)."""
    return {
        "kind": str(fmt.kind),
        "description": fmt.description,
        "extensions": [extension_clean(e) for e in fmt.extensions],
        "code": fmt.code,
    }


def format_from_row(row: dict) -> SubmissionFormat:
    """One stored Benchmark.formats row as the contract's SubmissionFormat; ValueError names a kind that is
    not a SubmissionKind. Rows synced before the code flag: a file format taking .py is code."""
    try:
        kind = SubmissionKind(row.get("kind"))
    except ValueError:
        known = ", ".join(map(str, SubmissionKind))
        raise ValueError(f"stored format kind {row.get('kind')!r} is not one of: {known}") from None
    extensions = tuple(extension_clean(e) for e in row.get("extensions") or ())
    code = bool(row["code"]) if "code" in row else kind == SubmissionKind.FILE and "py" in extensions
    return SubmissionFormat(
        kind=kind, description=str(row.get("description", "")), extensions=extensions, code=code
    )


def curve_row(curve: CurveSpec) -> dict:
    """The stored row of a curve chart (Benchmark.curves)."""
    return {**dataclasses.asdict(curve), "ys": list(curve.ys)}


def curve_from_row(row: dict) -> CurveSpec:
    """One stored Benchmark.curves row as the contract's CurveSpec (missing fields take the defaults)."""
    fields = {f.name for f in dataclasses.fields(CurveSpec)}
    values = {name: value for name, value in row.items() if name in fields}
    return CurveSpec(**{**values, "ys": tuple(values.get("ys") or ())})
