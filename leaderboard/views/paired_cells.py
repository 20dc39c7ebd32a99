"""The leaderboard's "Δ to next" column: each row's paired difference to the next row, as a compact cell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evaluator.contract import metric_text
from leaderboard.services.paired import PAIRED_LEVEL, PairedDifference


@dataclass(frozen=True)
class DeltaCell:
    """The shown difference ("+0.42 ✓" when separated), its full statement as a tooltip, and the marker."""

    text: str
    title: str
    separated: bool = False


def signed_text(*, value: float, fmt: str) -> str:
    """A difference in the metric's format with its sign ("+0.42", "-0.0310", "0.00")."""
    text = metric_text(value=value, fmt=fmt)
    return "+" + text if value > 0 and not text.startswith("+") and text.strip("0.") else text


def delta_cell(*, found: PairedDifference | None, metric: Any, next_method: str) -> DeltaCell:
    """The cell of one row: empty without a paired difference (the last row, or no per-item results)."""
    if found is None:
        return DeltaCell(text="", title="no paired difference to the next row")
    low, high = (signed_text(value=v, fmt=metric.fmt) for v in (found.low, found.high))
    difference = signed_text(value=found.difference, fmt=metric.fmt)
    unit = f" {metric.unit}" if metric.unit else ""
    verdict = (
        "separated: the interval excludes 0" if found.separated else "not separated: the interval holds 0"
    )
    title = (
        f"{metric.label} minus {next_method}'s: {difference}{unit}, paired {PAIRED_LEVEL:.0%} interval"
        f" [{low}, {high}] over the same {found.items} items in {found.groups} groups; {verdict}"
    )
    text = difference + (" ✓" if found.separated else "")
    return DeltaCell(text=text, title=title, separated=found.separated)


def delta_cells(
    *, rows: Sequence[Any], differences: dict[int, PairedDifference], metric: Any
) -> list[DeltaCell]:
    """One cell per row, naming the next row's method (the row after the page: its submission id)."""
    names = {row.submission_id: row.method_name for row in rows}
    cells = []
    for row in rows:
        found = differences.get(row.submission_id)
        other = names.get(found.other_submission_id, f"#{found.other_submission_id}") if found else ""
        cells.append(delta_cell(found=found, metric=metric, next_method=other))
    return cells


def delta_column_index(*, columns: Sequence[Any], order_by: str, differences: dict) -> int | None:
    """The position of the sorted column among the shown ones (Δ comes right after it); None when no row
    has a difference or the sorted column is not shown."""
    if not differences:
        return None
    return next((index for index, column in enumerate(columns) if column.name == order_by), None)
