"""Materialised leaderboards: LeaderboardEntry rows of a phase rewritten in bulk when its scores change."""

from __future__ import annotations

import math

from django.db import transaction

from leaderboard.models import LeaderboardEntry, Phase, Score, Submission

BATCH = 1000
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
        Score.objects.filter(submission__phase=phase, submission__in=listed, split__in=splits)
        .order_by("created_at", "id")
        .values_list("submission_id", "split", "metrics")
    )
    for submission_id, split, metrics in scores:
        latest[(submission_id, split)] = _clean(metrics)
    written = 0
    with transaction.atomic():
        LeaderboardEntry.objects.filter(phase=phase, split__in=splits).delete()
        for split in splits:
            rows = [dict(subs[sid], metrics=m) for (sid, sp), m in latest.items() if sp == split]
            entries = [
                _entry(phase, split, rank, row, metric)
                for rank, row in _ranked(rows, metric=metric, higher=higher)
            ]
            LeaderboardEntry.objects.bulk_create(entries, batch_size=BATCH)
            written += len(entries)
    return written


def _entry(phase: Phase, split: str, rank: int, row: dict, metric: str) -> LeaderboardEntry:
    if row["is_baseline"]:
        submitter = BASELINE
    elif row["is_anonymous"]:
        submitter = ANONYMOUS
    else:
        submitter = row["owner__username"]
    return LeaderboardEntry(
        phase=phase,
        split=split,
        submission_id=row["id"],
        rank=rank,
        ranking_value=row["metrics"].get(metric),
        method_name=row["method_name"],
        submitter=submitter,
        is_baseline=row["is_baseline"],
        metrics=row["metrics"],
        paper_url=row["paper_url"],
        code_url=row["code_url"],
        submitted_at=row["created_at"],
    )
