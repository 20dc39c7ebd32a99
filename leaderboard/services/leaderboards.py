"""Materialised leaderboards: LeaderboardEntry rows of a phase rewritten in bulk when its scores change."""

from __future__ import annotations

import json
import math

from django.db import connection, transaction

from leaderboard.models import (
    LeaderboardEntry,
    LeaderboardPosition,
    Phase,
    Score,
    Submission,
    submitter_label,
)
from leaderboard.services.rankings import CHART_TOP, board_spec, chart_groups, metric_orders


def phase_splits(*, phase: Phase) -> list[str]:
    """Splits materialised for the phase: public, plus private when the phase has one."""
    return [Score.Split.PUBLIC, Score.Split.PRIVATE] if phase.has_private_split else [Score.Split.PUBLIC]


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
    "on_frontier",
    "chart",
)
_POSITION_COLUMNS = ("phase_id", "split", "metric", "descending", "position", "entry_id")


def rows_insert(*, model, columns: tuple[str, ...], values: list[tuple]) -> None:
    """Insert rows fast: COPY on PostgreSQL, executemany elsewhere (no per-row ORM work)."""
    if not values:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        params = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({params})", values)


def positions_values(
    *, phase_id: int, split: str, rows: list[dict], spec, entry_ids: list[int]
) -> list[tuple]:
    """LeaderboardPosition rows of one split: every metric in both directions but the ranking order."""
    values = []
    for metric, descending, order in metric_orders(rows=rows, spec=spec):
        values.extend(
            (phase_id, split, metric, descending, place, entry_ids[index])
            for place, index in enumerate(order, start=1)
        )
    return values


def leaderboard_rebuild(*, phase: Phase, splits: list[str] | None = None) -> int:
    """Rewrite the phase's entries for `splits` (default all) from scored, listed submissions' scores on
    the benchmark's current data (Benchmark.data_id).

    Rebuilds of one phase are serialised by a lock on its row, taken before anything is read: a
    second worker finishing at the same time waits, then reads the first one's committed scores.
    """
    with transaction.atomic():
        Phase.objects.select_for_update().filter(pk=phase.pk).values_list("pk", flat=True).get()
        # The phase and its benchmark read again once locked, in a statement of their own: a caller's rows
        # (or a join taken before the lock wait) may predate a host edit or a sync committed meanwhile.
        current = Phase.objects.select_related("benchmark").get(pk=phase.pk)
        return _rebuild_locked(phase=current, splits=splits or phase_splits(phase=current))


def _rebuild_locked(*, phase: Phase, splits: list[str]) -> int:
    """leaderboard_rebuild once the phase row is locked; entries of splits the phase no longer has go."""
    gone = [s for s in Score.Split.values if s not in phase_splits(phase=phase)]
    LeaderboardPosition.objects.filter(phase=phase, split__in=gone).delete()
    LeaderboardEntry.objects.filter(phase=phase, split__in=gone).delete()
    spec = board_spec(benchmark=phase.benchmark)
    metric, higher = spec.ranking, spec.higher(spec.ranking)
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
    # Only scores on the data in service (read once locked): retired data is never mixed in.
    data_id = phase.benchmark.data_id
    scores = (
        Score.objects.filter(submission__in=listed, split__in=splits, data_id=data_id)
        .order_by("created_at", "id")
        .values_list("submission_id", "split", "metrics")
    )
    for submission_id, split, metrics in scores:
        latest[(submission_id, split)] = _clean(metrics)
    adapt_time = connection.ops.adapt_datetimefield_value
    values, boards = [], {}
    for split in splits:
        rows = [dict(subs[sid], metrics=m) for (sid, sp), m in latest.items() if sp == split]
        ranked = _ranked(rows, metric=metric, higher=higher)
        board = [dict(row, rank=rank, position=position) for position, (rank, row) in enumerate(ranked, 1)]
        groups, frontier = chart_groups(rows=board, spec=spec, top=CHART_TOP)
        boards[split] = board
        for index, row in enumerate(board):
            values.append(
                (
                    phase.pk,
                    split,
                    row["id"],
                    row["rank"],
                    row["position"],
                    row["metrics"].get(metric),
                    row["method_name"],
                    _submitter(row),
                    row["is_baseline"],
                    json.dumps(row["metrics"]),
                    row["paper_url"],
                    row["code_url"],
                    adapt_time(row["created_at"]),
                    index in frontier,
                    groups[index],
                )
            )
    LeaderboardPosition.objects.filter(phase=phase, split__in=splits).delete()
    LeaderboardEntry.objects.filter(phase=phase, split__in=splits).delete()
    rows_insert(model=LeaderboardEntry, columns=_COLUMNS, values=values)
    ids = dict(
        ((split, sid), pk)
        for split, sid, pk in LeaderboardEntry.objects.filter(phase=phase, split__in=splits).values_list(
            "split", "submission_id", "id"
        )
    )
    positions = []
    for split, board in boards.items():
        entry_ids = [ids[(split, row["id"])] for row in board]
        positions += positions_values(
            phase_id=phase.pk, split=split, rows=board, spec=spec, entry_ids=entry_ids
        )
    rows_insert(model=LeaderboardPosition, columns=_POSITION_COLUMNS, values=positions)
    return len(values)


def _submitter(row: dict) -> str:
    """The public author label of a board row (one rule with Submission.submitter)."""
    return submitter_label(
        is_baseline=row["is_baseline"], is_anonymous=row["is_anonymous"], username=row["owner__username"]
    )
