"""Materialised leaderboards: LeaderboardEntry rows of a phase rewritten in bulk when its scores change."""

from __future__ import annotations

import json
import math

from django.db import connection, transaction

from leaderboard.models import LeaderboardEntry, Phase, Score, Submission

ANONYMOUS = "anonymous"
BASELINE = "baseline"


def phase_splits(*, phase: Phase) -> list[str]:
    """Splits materialised for the phase: public, plus private when the phase has one."""
    return [Score.Split.PUBLIC, Score.Split.PRIVATE] if phase.has_private_split else [Score.Split.PUBLIC]


def _direction(phase: Phase) -> tuple[str, bool]:
    benchmark = phase.benchmark
    name = benchmark.ranking_metric
    for spec in benchmark.metrics or []:
        if spec.get("name") == name:
            return name, bool(spec.get("higher_is_better", True))
    return name, True


def _clean(metrics: dict) -> dict[str, float]:
    """Only finite numeric values are kept: a missing key means n/a and sorts last in SQL."""
    out = {}
    for key, value in (metrics or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if math.isfinite(value):
            out[key] = float(value)
    return out


def _ranked(rows: list[dict], *, metric: str, higher: bool) -> list[tuple[int, dict]]:
    """Competition ranking (1, 2, 2, 4) by `metric` in its direction; n/a last; ties by submission time."""

    def key(row):
        value = row["metrics"].get(metric)
        if value is None:
            return (1, 0.0, row["created_at"], row["id"])
        return (0, -value if higher else value, row["created_at"], row["id"])

    ordered = sorted(rows, key=key)
    ranked, previous, rank = [], object(), 0
    for position, row in enumerate(ordered, start=1):
        value = row["metrics"].get(metric)
        if value != previous or value is None:
            rank = position
        previous = value
        ranked.append((rank, row))
    return ranked


_COLUMNS = (
    "phase_id",
    "split",
    "submission_id",
    "rank",
    "position",
    "ranking_value",
    "method_name",
    "submitter",
    "is_baseline",
    "metrics",
    "paper_url",
    "code_url",
    "submitted_at",
)


def _entries_insert(values: list[tuple]) -> None:
    """Insert entry rows fast: COPY on PostgreSQL, executemany elsewhere (no per-row ORM work)."""
    table = connection.ops.quote_name(LeaderboardEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)


def leaderboard_rebuild(*, phase: Phase, splits: list[str] | None = None) -> int:
    """Rewrite the phase's entries for `splits` (default all) from scored, listed submissions."""
    splits = splits or phase_splits(phase=phase)
    metric, higher = _direction(phase)
    listed = Submission.objects.filter(
        phase=phase, status=Submission.Status.SCORED, is_public=True, is_hidden=False
    )
    subs = {
        row["id"]: row
        for row in listed.values(
            "id",
            "method_name",
            "owner__username",
            "is_anonymous",
            "is_baseline",
            "paper_url",
            "code_url",
            "created_at",
        )
    }
    latest: dict[tuple[int, str], dict] = {}
    scores = (
        Score.objects.filter(submission__in=listed, split__in=splits)
        .order_by("created_at", "id")
        .values_list("submission_id", "split", "metrics")
    )
    for submission_id, split, metrics in scores:
        latest[(submission_id, split)] = _clean(metrics)
    adapt_time = connection.ops.adapt_datetimefield_value
    values = []
    for split in splits:
        rows = [dict(subs[sid], metrics=m) for (sid, sp), m in latest.items() if sp == split]
        for position, (rank, row) in enumerate(_ranked(rows, metric=metric, higher=higher), start=1):
            values.append(
                (
                    phase.pk,
                    split,
                    row["id"],
                    rank,
                    position,
                    row["metrics"].get(metric),
                    row["method_name"],
                    _submitter(row),
                    row["is_baseline"],
                    json.dumps(row["metrics"]),
                    row["paper_url"],
                    row["code_url"],
                    adapt_time(row["created_at"]),
                )
            )
    with transaction.atomic():
        LeaderboardEntry.objects.filter(phase=phase, split__in=splits).delete()
        _entries_insert(values)
    return len(values)


def _submitter(row: dict) -> str:
    if row["is_baseline"]:
        return BASELINE
    if row["is_anonymous"]:
        return ANONYMOUS
    return row["owner__username"]
