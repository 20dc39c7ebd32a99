"""Display helpers: metric formatting, sortable column headers and per-item tables for the pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from evaluator.contract import metric_text

#: A metric `<name>_lo` and a metric `<name>_hi` beside `<name>` publish the ends of its interval.
INTERVAL_ENDS = ("_lo", "_hi")


@dataclass(frozen=True)
class Cell:
    """One formatted metric value; `note` explains an n/a."""

    text: str
    note: str = ""
    is_na: bool = False


@dataclass(frozen=True)
class SortHeader:
    """A sortable column header: the link that sorts on it and the arrow shown when it is active."""

    name: str
    label: str
    unit: str
    higher_is_better: bool
    description: str
    url: str
    arrow: str
    active: bool
    aria_sort: str


def metric_cells(
    *,
    metrics: Sequence[Any],
    values: Mapping[str, Any],
    na_reasons: Mapping[str, str] | None = None,
    intervals: Mapping[str, tuple[str, str]] | None = None,
) -> list[Cell]:
    """Cells for every metric in display order (n/a with its reason); `intervals` adds " [low, high]"."""
    reasons = na_reasons or {}
    ends = intervals or {}
    cells = []
    for metric in metrics:
        value = values.get(metric.name)
        if value is None:
            cells.append(Cell(text="n/a", note=reasons.get(metric.name, ""), is_na=True))
            continue
        text = metric_text(value=value, fmt=metric.fmt)
        low, high = (values.get(name) for name in ends.get(metric.name, ("", "")))
        if low is not None and high is not None:
            text += f" [{metric_text(value=low, fmt=metric.fmt)}, {metric_text(value=high, fmt=metric.fmt)}]"
        cells.append(Cell(text=text))
    return cells


def interval_pairs(*, metrics: Sequence[Any]) -> dict[str, tuple[str, str]]:
    """The metrics published with both interval ends: name -> (`<name>_lo`, `<name>_hi`)."""
    names = {metric.name for metric in metrics}
    pairs = {}
    for metric in metrics:
        ends = tuple(metric.name + suffix for suffix in INTERVAL_ENDS)
        if all(end in names for end in ends):
            pairs[metric.name] = ends
    return pairs


def interval_columns_fold(*, metrics: Sequence[Any]) -> list[Any]:
    """The table's columns: every metric but the interval ends, which its cells show beside the value."""
    ends = {end for pair in interval_pairs(metrics=metrics).values() for end in pair}
    return [metric for metric in metrics if metric.name not in ends]


def sort_direction_parse(*, raw: str | None) -> bool | None:
    """The `dir` query parameter as `descending`: asc -> False, desc -> True, anything else -> None."""
    return {"asc": False, "desc": True}.get((raw or "").lower())


def sort_headers(
    *, metrics: Sequence[Any], base_query: Mapping[str, str], order_by: str, descending: bool
) -> list[SortHeader]:
    """Headers for every metric: a link toggling the active column, or sorting best-first otherwise."""
    headers = []
    for metric in metrics:
        active = metric.name == order_by
        next_descending = (not descending) if active else metric.higher_is_better
        query = dict(base_query, order_by=metric.name, dir="desc" if next_descending else "asc")
        arrow = ("▼" if descending else "▲") if active else ""
        aria = ("descending" if descending else "ascending") if active else "none"
        headers.append(
            SortHeader(
                name=metric.name,
                label=metric.label,
                unit=metric.unit,
                higher_is_better=metric.higher_is_better,
                description=metric.description,
                url="?" + urlencode(query),
                arrow=arrow,
                active=active,
                aria_sort=aria,
            )
        )
    return headers


def item_rows(
    *, metrics: Sequence[Any], split: str, items: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Per-item rows of one split: split, group, item and the formatted value of every metric."""
    rows = []
    for item in items:
        values = item.get("values", {}) or {}
        rows.append(
            {
                "split": split,
                "group": item.get("group", ""),
                "item": item.get("item", ""),
                "cells": metric_cells(metrics=metrics, values=values),
            }
        )
    return rows


def item_metric_names(*, metrics: Sequence[Any], items: Iterable[Mapping[str, Any]]) -> list[Any]:
    """The metrics (in display order) that appear in at least one item's values."""
    present: set[str] = set()
    for item in items:
        present.update((item.get("values") or {}).keys())
    return [metric for metric in metrics if metric.name in present]
