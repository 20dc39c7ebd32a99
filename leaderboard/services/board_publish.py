"""One submission's rows on its phase's boards, written or removed without touching the other entries.

A board is ordered at read time (LeaderboardValue indexes), so publishing a score inserts one entry and
one value row per metric per split, moves two counters and updates the Pareto frontier flags from the
current frontier (a few rows). Taking a frontier entry off also reads the points it dominated."""

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
    with transaction.atomic(savepoint=False):  # the caller's transaction, or its own
        phase_id = Submission.objects.filter(pk=submission_id).values_list("phase_id", flat=True).first()
        if phase_id is None:
            return 0
        Phase.objects.select_for_update().filter(pk=phase_id).values_list("pk", flat=True).get()
        phase = Phase.objects.select_related("benchmark").get(pk=phase_id)
        spec = board_spec(benchmark=phase.benchmark)
        _entries_remove(phase=phase, submission_id=submission_id, spec=spec)
        fields = [f"submission__{name}" for name in SUBMISSION_FIELDS]
        scores = (
            Score.objects.filter(
                submission_id=submission_id,
                submission__status=Submission.Status.SCORED,
                submission__is_public=True,
                submission__is_hidden=False,
                split__in=phase_splits(phase=phase),
                data_id=phase.benchmark.data_id,
            )
            .order_by("created_at", "id")
            .values_list("split", "metrics", *fields)
        )
        rows: dict[str, dict] = {}  # the latest score of each split
        for split, metrics, *values in scores:
            rows[split] = dict(zip(SUBMISSION_FIELDS, values, strict=True), metrics=clean_metrics(metrics))
        _entries_add(phase=phase, rows=rows, spec=spec)
        return len(rows)


def _count(*, phase: Phase, split: str, total: int, plottable: int) -> None:
    """Move the split's counters (created on its first entry; the phase lock is held)."""
    boards = LeaderboardBoard.objects.filter(phase=phase, split=split)
    if not boards.update(total=F("total") + total, plottable=F("plottable") + plottable):
        LeaderboardBoard.objects.create(phase=phase, split=split, total=total, plottable=plottable)


def _entries_add(*, phase: Phase, rows: dict[str, dict], spec: BoardSpec) -> None:
    """Insert one entry per split with its value rows; count them; move each frontier they join."""
    if not rows:
        return
    fronts = _frontier_rows(phase=phase, splits=list(rows), spec=spec)
    entries, values, leaving = [], [], []
    for split, row in rows.items():
        (entry,), split_values = entry_rows(phase_id=phase.pk, split=split, rows=[row], spec=spec)
        values += split_values
        if entry[ENTRY_COLUMNS.index("plottable")] and not entry[ENTRY_COLUMNS.index("is_reference")]:
            current = fronts.get(split, [])
            kept = pareto_frontier(rows=current + [dict(row, id=None)], spec=spec)  # row has its place key
            joins = len(current) in kept
            entry = _with(entry, on_frontier=joins, pinned=joins or bool(row["is_baseline"]))
            if joins:  # the points it dominates leave the frontier
                leaving += [r["id"] for i, r in enumerate(current) if i not in kept]
        entries.append(entry)
    rows_insert(model=LeaderboardEntry, columns=ENTRY_COLUMNS, values=entries)
    rows_insert(model=LeaderboardValue, columns=VALUE_COLUMNS, values=values)
    if leaving:  # baselines stay pinned
        LeaderboardEntry.objects.filter(pk__in=leaving).update(on_frontier=False, pinned=F("is_baseline"))
    for entry in entries:
        can_plot = int(entry[ENTRY_COLUMNS.index("plottable")])
        _count(phase=phase, split=entry[ENTRY_COLUMNS.index("split")], total=1, plottable=can_plot)


def _with(entry: tuple, **fields) -> tuple:
    """The entry row with some columns replaced."""
    values = list(entry)
    for name, value in fields.items():
        values[ENTRY_COLUMNS.index(name)] = value
    return tuple(values)


def _frontier_rows(
    *,
    phase: Phase,
    splits: list[str],
    spec: BoardSpec,
    everyone: bool = False,
    dominated_by: tuple[float, float] | None = None,
) -> dict[str, list[dict]]:
    """Per split, its frontier entries (or every plottable one, or those no better than `dominated_by` on
    either axis) as pareto_frontier rows with their entry ids."""
    entries = LeaderboardEntry.objects.filter(phase=phase, split__in=splits)
    if everyone or dominated_by:  # a reference is never a frontier candidate
        entries = entries.filter(plottable=True, is_reference=False)
    else:  # the pinned index: frontier points and baselines
        entries = entries.filter(pinned__in=[True], on_frontier=True)
    cast = {
        "x": Cast(KT(f"metrics__{spec.pareto_x}"), FloatField()),
        "y": Cast(KT(f"metrics__{spec.pareto_y}"), FloatField()),
    }
    entries = entries.annotate(**cast)
    if dominated_by:
        x_worse = "x__lte" if spec.higher(spec.pareto_x) else "x__gte"
        y_worse = "y__lte" if spec.higher(spec.pareto_y) else "y__gte"
        entries = entries.filter(**{x_worse: dominated_by[0], y_worse: dominated_by[1]})
    rows: dict[str, list[dict]] = {}
    for pk, split, x, y, ranking, when, sid in entries.values_list(
        "pk", "split", "x", "y", "ranking_value", "submitted_at", "submission_id"
    ):
        rows.setdefault(split, []).append(
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
    gone = list(entries.values_list("split", "plottable", "on_frontier", "metrics"))
    if not gone:
        return
    LeaderboardValue.objects.filter(phase=phase, submission_id=submission_id).delete()
    entries.delete()
    for split, can_plot, on_frontier, metrics in gone:
        _count(phase=phase, split=split, total=-1, plottable=-int(can_plot))
        if on_frontier:
            point = (metrics[spec.pareto_x], metrics[spec.pareto_y])
            _frontier_repair(phase=phase, split=split, spec=spec, removed=point)


def _frontier_repair(*, phase: Phase, split: str, spec: BoardSpec, removed: tuple[float, float]) -> None:
    """The frontier once a frontier point left: the others stay, and only points that point dominated can
    join (any other point is dominated by a remaining frontier point), read by one filtered query."""
    current = _frontier_rows(phase=phase, splits=[split], spec=spec).get(split, [])
    freed = _frontier_rows(phase=phase, splits=[split], spec=spec, dominated_by=removed).get(split, [])
    known = {row["id"] for row in current}
    rows = current + [row for row in freed if row["id"] not in known]
    kept = {rows[i]["id"] for i in pareto_frontier(rows=rows, spec=spec)}
    joined = [row["id"] for row in rows if row["id"] in kept and row["id"] not in known]
    left = [row["id"] for row in current if row["id"] not in kept]
    if joined:
        LeaderboardEntry.objects.filter(pk__in=joined).update(on_frontier=True, pinned=True)
    if left:
        LeaderboardEntry.objects.filter(pk__in=left).update(on_frontier=False, pinned=F("is_baseline"))


def frontier_recompute(*, phase: Phase, split: str, spec: BoardSpec) -> int:
    """Set the frontier flags of a split from all its plottable entries (O(entries)); returns changes."""
    rows = _frontier_rows(phase=phase, splits=[split], spec=spec, everyone=True).get(split, [])
    kept = {rows[i]["id"] for i in pareto_frontier(rows=rows, spec=spec)}
    entries = LeaderboardEntry.objects.filter(phase=phase, split=split)
    joined = entries.filter(pk__in=kept, on_frontier=False).update(on_frontier=True, pinned=True)
    left = (
        entries.filter(on_frontier=True)
        .exclude(pk__in=kept)
        .update(on_frontier=False, pinned=F("is_baseline"))
    )
    return joined + left


def leaderboards_settle(*, phase_ids) -> None:
    """After entries left with their submissions (cascaded deletes): recount each board of these phases and
    recompute its frontier (O(entries) reads; nothing is rewritten but the flags that change)."""
    for phase in Phase.objects.filter(pk__in=set(phase_ids)).order_by("pk"):
        with transaction.atomic():
            Phase.objects.select_for_update().filter(pk=phase.pk).values_list("pk", flat=True).get()
            current = Phase.objects.select_related("benchmark").get(pk=phase.pk)
            spec = board_spec(benchmark=current.benchmark)
            for split in Score.Split.values:
                entries = LeaderboardEntry.objects.filter(phase=current, split=split)
                total, plottable = entries.count(), entries.filter(plottable=True).count()
                boards = LeaderboardBoard.objects.filter(phase=current, split=split)
                if not boards.update(total=total, plottable=plottable) and total:
                    LeaderboardBoard.objects.create(
                        phase=current, split=split, total=total, plottable=plottable
                    )
                frontier_recompute(phase=current, split=split, spec=spec)
