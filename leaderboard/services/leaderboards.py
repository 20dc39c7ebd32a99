"""Full board rebuild: every entry and value row of a phase rewritten from its scores (when an input changes).

A new score does not come here: leaderboard_submission_sync (board_publish) writes that entry's rows only."""

from __future__ import annotations

import json

from django.db import connection, transaction

from leaderboard.models import (
    LeaderboardBoard,
    LeaderboardEntry,
    LeaderboardValue,
    Phase,
    Score,
    Submission,
    submitter_label,
)
from leaderboard.services.rankings import (
    VALUE_COLUMNS,
    board_spec,
    clean_metrics,
    is_reference,
    pareto_frontier,
    place_key,
    plottable,
    value_rows,
)


def phase_splits(*, phase: Phase) -> list[str]:
    """Splits materialised for the phase: public, plus private when the phase has one."""
    return [Score.Split.PUBLIC, Score.Split.PRIVATE] if phase.has_private_split else [Score.Split.PUBLIC]


ENTRY_COLUMNS = (
    "phase_id",
    "split",
    "submission_id",
    "ranking_value",
    "method_name",
    "submitter",
    "is_baseline",
    "is_reference",
    "metrics",
    "paper_url",
    "code_url",
    "submitted_at",
    "on_frontier",
    "plottable",
    "pinned",
)
#: The Submission fields an entry is made of.
SUBMISSION_FIELDS = (
    "id",
    "method_name",
    "owner__username",
    "is_anonymous",
    "is_baseline",
    "paper_url",
    "code_url",
    "created_at",
)


#: Below this many rows one pipelined INSERT beats COPY's extra round trips on PostgreSQL.
COPY_FROM_ROWS = 100


def rows_insert(*, model, columns: tuple[str, ...], values: list[tuple]) -> None:
    """Insert rows fast: COPY on PostgreSQL for large batches, executemany otherwise (no per-row ORM work)."""
    if not values:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(values) > COPY_FROM_ROWS:
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        params = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({params})", values)


def entry_rows(*, phase_id: int, split: str, rows: list[dict], spec) -> tuple[list[tuple], list[tuple]]:
    """(entry rows, value rows) of one split's rows (submission fields + metrics)."""
    for row in rows:
        row["position"] = place_key(
            ranking_value=row["metrics"].get(spec.ranking),
            submitted_at=row["created_at"],
            submission_id=row["id"],
            spec=spec,
        )
    frontier = pareto_frontier(rows=rows, spec=spec)
    adapt_time = connection.ops.adapt_datetimefield_value
    entries, values = [], []
    for index, row in enumerate(rows):
        metrics, when = row["metrics"], adapt_time(row["created_at"])
        on_frontier, can_plot = index in frontier, plottable(metrics=metrics, spec=spec)
        entries.append(
            (
                phase_id,
                split,
                row["id"],
                metrics.get(spec.ranking),
                row["method_name"],
                submission_label(row),
                row["is_baseline"],
                is_reference(row=row, spec=spec),
                json.dumps(metrics),
                row["paper_url"],
                row["code_url"],
                when,
                on_frontier,
                can_plot,
                can_plot and (on_frontier or row["is_baseline"]),
            )
        )
        values += value_rows(
            phase_id=phase_id,
            split=split,
            submission_id=row["id"],
            submitted_at=when,
            metrics=metrics,
            spec=spec,
        )
    return entries, values


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
    for model in (LeaderboardValue, LeaderboardEntry, LeaderboardBoard):
        model.objects.filter(phase=phase, split__in=gone + splits).delete()
    spec = board_spec(benchmark=phase.benchmark)
    listed = Submission.objects.filter(
        phase=phase, status=Submission.Status.SCORED, is_public=True, is_hidden=False
    )
    subs = {row["id"]: row for row in listed.values(*SUBMISSION_FIELDS)}
    latest: dict[tuple[int, str], dict] = {}
    # Only scores on the data in service (read once locked): retired data is never mixed in.
    scores = (
        Score.objects.filter(submission__in=listed, split__in=splits, data_id=phase.benchmark.data_id)
        .order_by("created_at", "id")
        .values_list("submission_id", "split", "metrics")
    )
    for submission_id, split, metrics in scores:
        latest[(submission_id, split)] = clean_metrics(metrics)
    entries, values, boards = [], [], []
    for split in splits:
        rows = [dict(subs[sid], metrics=m) for (sid, sp), m in latest.items() if sp == split]
        split_entries, split_values = entry_rows(phase_id=phase.pk, split=split, rows=rows, spec=spec)
        entries += split_entries
        values += split_values
        if not rows:  # an empty split has no counters (created by its first entry)
            continue
        can_plot = sum(1 for e in split_entries if e[ENTRY_COLUMNS.index("plottable")])
        boards.append(LeaderboardBoard(phase=phase, split=split, total=len(rows), plottable=can_plot))
    rows_insert(model=LeaderboardEntry, columns=ENTRY_COLUMNS, values=entries)
    rows_insert(model=LeaderboardValue, columns=VALUE_COLUMNS, values=values)
    LeaderboardBoard.objects.bulk_create(boards)
    return len(entries)


def submission_label(row: dict) -> str:
    """The public author label of a board row (one rule with Submission.submitter)."""
    return submitter_label(
        is_baseline=row["is_baseline"], is_anonymous=row["is_anonymous"], username=row["owner__username"]
    )
