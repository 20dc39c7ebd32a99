"""Plain-dict response bodies for the hot paths (the serializers in outputs.py document their shape)."""

from __future__ import annotations

import datetime as dt

from evaluator.contract import MetricSpec
from leaderboard.entry_urls import entry_path_template
from leaderboard.selectors import LeaderboardPage, LeaderboardRow
from leaderboard.services.paired import PairedDifference


def _time(value: dt.datetime | None) -> str | None:
    """ISO 8601 like DRF's DateTimeField (UTC 'Z' suffix)."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def metric_body(metric: MetricSpec) -> dict:
    """A metric as JSON."""
    return {
        "name": metric.name,
        "label": metric.label,
        "unit": metric.unit,
        "higher_is_better": metric.higher_is_better,
        "fmt": metric.fmt,
        "description": metric.description,
        "detail": metric.detail,
    }


def difference_body(found: PairedDifference | None) -> dict | None:
    """A row's paired difference to the next row as JSON (null when there is none)."""
    if found is None:
        return None
    return {
        "metric": found.metric,
        "other_submission_id": found.other_submission_id,
        "difference": found.difference,
        "low": found.low,
        "high": found.high,
        "separated": found.separated,
        "groups": found.groups,
        "items": found.items,
    }


def row_body(row: LeaderboardRow, *, entry_url: str, difference: PairedDifference | None = None) -> dict:
    """A leaderboard row as JSON; `entry_url` has `{}` where the entry's id goes in its page's address;
    `difference`: the row's paired difference to the next row."""
    return {
        "rank": row.rank,
        "submission_id": row.submission_id,
        "method_name": row.method_name,
        "submitter": row.submitter,
        "is_baseline": row.is_baseline,
        "is_reference": row.is_reference,
        "duplicate_of": row.duplicate_of,
        "metrics": {name: None if value is None else float(value) for name, value in row.metrics.items()},
        "paper_url": row.paper_url,
        "code_url": row.code_url,
        "submitted_at": _time(row.submitted_at),
        "url": entry_url.format(row.submission_id),
        "delta_to_next": difference_body(difference),
    }


def leaderboard_body(
    *, benchmark: str, phase: str, splits: list[str], page: LeaderboardPage, limit: int, offset: int,
    metrics: list[MetricSpec], site: str, differences: dict[int, PairedDifference] | None = None,
) -> dict:
    """A leaderboard page as JSON (shape: outputs.LeaderboardPageSerializer); `site`: scheme and host;
    `differences`: submission id -> the row's paired difference to the next row."""
    differences = differences or {}
    entry_url = site.replace("{", "{{").replace("}", "}}") + entry_path_template()
    return {
        "benchmark": benchmark,
        "phase": phase,
        "split": page.split,
        "splits": list(splits),
        "order_by": page.order_by,
        "descending": page.descending,
        "count": page.total,
        "limit": limit,
        "offset": offset,
        "metrics": [metric_body(m) for m in metrics],
        "results": [
            row_body(r, entry_url=entry_url, difference=differences.get(r.submission_id)) for r in page.rows
        ],
    }
