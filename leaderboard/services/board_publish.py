"""One submission's rows on its phase's boards, written or removed without touching the other entries.

A board is ordered at read time (LeaderboardValue indexes), so publishing a score inserts one entry and
one value row per metric per split, moves two counters and updates the Pareto frontier flags from the
current frontier (a few rows). Only taking a frontier entry off re-reads the split's plottable points."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, FloatField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from leaderboard.models import LeaderboardBoard, LeaderboardEntry, LeaderboardValue, Phase, Score, Submission
from leaderboard.services.leaderboards import (
    ENTRY_COLUMNS,
    SUBMISSION_FIELDS,
    entry_rows,
    phase_splits,
    rows_insert,
)
from leaderboard.services.rankings import (
    VALUE_COLUMNS,
    BoardSpec,
    board_spec,
    clean_metrics,
    pareto_frontier,
    place_key,
)


def leaderboard_submission_sync(*, submission_id: int) -> int:
    """Make the boards of the submission's phase agree with it: its latest scores on the data in service
    listed when it is scored, public and not hidden; off the boards otherwise. Returns entries written.

    Call it in the transaction that changed the submission or its scores. It takes the phase's row lock
    (as a full rebuild does) for its few statements: concurrent publications of one phase serialise."""
    with transaction.atomic():
        phase_id = Submission.objects.filter(pk=submission_id).values_list("phase_id", flat=True).first()
        if phase_id is None:
            return 0
        Phase.objects.select_for_update().filter(pk=phase_id).values_list("pk", flat=True).get()
        phase = Phase.objects.select_related("benchmark").get(pk=phase_id)
        spec = board_spec(benchmark=phase.benchmark)
        _entries_remove(phase=phase, submission_id=submission_id, spec=spec)
        listed = Submission.objects.filter(
            pk=submission_id, status=Submission.Status.SCORED, is_public=True, is_hidden=False
        )
        row = listed.values(*SUBMISSION_FIELDS).first()
        if row is None:
            return 0
        splits = phase_splits(phase=phase)
        latest: dict[str, dict] = {}
        scores = (
            Score.objects.filter(
                submission_id=submission_id, split__in=splits, data_id=phase.benchmark.data_id
            )
            .order_by("created_at", "id")
            .values_list("split", "metrics")
        )
        for split, metrics in scores:
            latest[split] = clean_metrics(metrics)
        for split, metrics in latest.items():
            _entry_add(phase=phase, split=split, row=dict(row, metrics=metrics), spec=spec)
        return len(latest)


def _board(*, phase: Phase, split: str):
    """The split's counters (created empty on the first entry; the phase lock is held)."""
    board, _ = LeaderboardBoard.objects.get_or_create(phase=phase, split=split)
    return LeaderboardBoard.objects.filter(pk=board.pk)


def _entry_add(*, phase: Phase, split: str, row: dict, spec: BoardSpec) -> None:
    """Insert one entry with its value rows; count it; move the frontier if it joins it."""
    (entry,), values = entry_rows(phase_id=phase.pk, split=split, rows=[row], spec=spec)
    can_plot = entry[ENTRY_COLUMNS.index("plottable")]
    frontier_ids: list[int] = []
    if can_plot:
        current = _frontier_rows(phase=phase, split=split, spec=spec)
        candidate = dict(row, id=None)  # entry_rows gave it its place key
        kept = pareto_frontier(rows=current + [candidate], spec=spec)
        joins = len(current) in kept
        if joins:
            entry = _with(entry, on_frontier=True, pinned=True)
            frontier_ids = [r["id"] for i, r in enumerate(current) if i not in kept]
        else:
            entry = _with(entry, on_frontier=False, pinned=bool(row["is_baseline"]))
    rows_insert(model=LeaderboardEntry, columns=ENTRY_COLUMNS, values=[entry])
    rows_insert(model=LeaderboardValue, columns=VALUE_COLUMNS, values=values)
    if frontier_ids:  # points the new entry dominates leave the frontier (baselines stay pinned)
        LeaderboardEntry.objects.filter(pk__in=frontier_ids).update(
            on_frontier=False, pinned=F("is_baseline")
        )
    _board(phase=phase, split=split).update(total=F("total") + 1, plottable=F("plottable") + int(can_plot))


def _with(entry: tuple, **fields) -> tuple:
    """The entry row with some columns replaced."""
    values = list(entry)
    for name, value in fields.items():
        values[ENTRY_COLUMNS.index(name)] = value
    return tuple(values)


def _frontier_rows(*, phase: Phase, split: str, spec: BoardSpec, everyone: bool = False) -> list[dict]:
    """The split's frontier entries (or every plottable one) as pareto_frontier rows, with their entry ids."""
    entries = LeaderboardEntry.objects.filter(phase=phase, split=split)
    if everyone:
        entries = entries.filter(plottable=True)
    else:  # the pinned index: frontier points and baselines
        entries = entries.filter(pinned__in=[True], on_frontier=True)
    cast = {
        "x": Cast(KT(f"metrics__{spec.pareto_x}"), FloatField()),
        "y": Cast(KT(f"metrics__{spec.pareto_y}"), FloatField()),
    }
    rows = []
    for pk, x, y, ranking, when, sid in entries.annotate(**cast).values_list(
        "pk", "x", "y", "ranking_value", "submitted_at", "submission_id"
    ):
        rows.append(
            {
                "id": pk,
                "metrics": {spec.pareto_x: x, spec.pareto_y: y},
                "position": place_key(ranking_value=ranking, submitted_at=when, submission_id=sid, spec=spec),
            }
        )
    return rows


def _entries_remove(*, phase: Phase, submission_id: int, spec: BoardSpec) -> None:
    """Take the submission's entries off every split; uncount them; recompute a frontier they were on."""
    entries = LeaderboardEntry.objects.filter(phase=phase, submission_id=submission_id)
    gone = list(entries.values_list("split", "plottable", "on_frontier"))
    if not gone:
        return
    LeaderboardValue.objects.filter(phase=phase, submission_id=submission_id).delete()
    entries.delete()
    for split, can_plot, on_frontier in gone:
        _board(phase=phase, split=split).update(
            total=F("total") - 1, plottable=F("plottable") - int(can_plot)
        )
        if on_frontier:
            frontier_recompute(phase=phase, split=split, spec=spec)


def frontier_recompute(*, phase: Phase, split: str, spec: BoardSpec) -> int:
    """Set the frontier flags of a split from all its plottable entries (O(entries)); returns changes."""
    rows = _frontier_rows(phase=phase, split=split, spec=spec, everyone=True)
    kept = {rows[i]["id"] for i in pareto_frontier(rows=rows, spec=spec)}
    entries = LeaderboardEntry.objects.filter(phase=phase, split=split)
    joined = entries.filter(pk__in=kept, on_frontier=False).update(on_frontier=True, pinned=True)
    left = (
        entries.filter(on_frontier=True)
        .exclude(pk__in=kept)
        .update(on_frontier=False, pinned=F("is_baseline"))
    )
    return joined + left
