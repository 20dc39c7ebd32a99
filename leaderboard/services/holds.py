"""Submissions held while their benchmark's data is missing or building, and released once it is ready.

A held submission is queued with the stage HOLD_STAGE and no task message sent; the data build (and, as a
safety net, the periodic reaper) releases it: the message is sent and it takes its place in the queue."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from leaderboard.models import HOLD_STAGE, Benchmark, Phase, Submission
from leaderboard.queueing import submission_enqueue

Status = Submission.Status
DataStatus = Benchmark.DataStatus

#: Data states under which new submissions are taken and held (a failed build refuses them instead).
HOLDING_STATES = frozenset({DataStatus.MISSING, DataStatus.BUILDING})


def phase_holds_submissions(*, phase: Phase) -> bool:
    """Whether a submission to `phase` now is held: its benchmark's data is missing or building."""
    return phase.benchmark.data_status in HOLDING_STATES


def held_submissions(*, benchmark_id: int | None = None):
    """Queued submissions waiting for their benchmark's data (of one benchmark when given)."""
    held = Submission.objects.filter(status=Status.QUEUED, stage=HOLD_STAGE)
    return held if benchmark_id is None else held.filter(phase__benchmark_id=benchmark_id)


def submissions_release(*, benchmark_id: int) -> list[int]:
    """Send the held submissions of a benchmark whose data is ready (none otherwise), oldest first.

    A submission made before any data existed takes the data id it is scored on; returns the ids sent."""
    now = timezone.now()
    with transaction.atomic():
        benchmark = Benchmark.objects.filter(pk=benchmark_id).values("data_status", "data_id").first()
        if benchmark is None or benchmark["data_status"] != DataStatus.READY:
            return []
        held = held_submissions(benchmark_id=benchmark_id)
        ids = list(held.order_by("created_at", "pk").values_list("pk", flat=True))
        Submission.objects.filter(pk__in=ids, data_id="").update(data_id=benchmark["data_id"])
        released = Submission.objects.filter(pk__in=ids, status=Status.QUEUED, stage=HOLD_STAGE)
        released.update(stage="queued", enqueued_at=now, dispatches=1, updated_at=now)
        sent = list(
            Submission.objects.filter(pk__in=ids, status=Status.QUEUED, enqueued_at=now)
            .select_related("phase__benchmark")
            .order_by("created_at", "pk")
        )
        for submission in sent:
            submission_enqueue(submission=submission)
    return [submission.pk for submission in sent]


def submissions_release_ready() -> list[int]:
    """Release the held submissions of every benchmark whose data is ready (the reaper's safety net)."""
    benchmarks = held_submissions().filter(phase__benchmark__data_status=DataStatus.READY)
    ids = sorted(set(benchmarks.values_list("phase__benchmark_id", flat=True)))
    return [pk for benchmark_id in ids for pk in submissions_release(benchmark_id=benchmark_id)]


def submission_hold_again(*, submission_id: int, worker_id: str) -> bool:
    """Put a submission a worker claimed back on hold (its data is not there): no attempt is counted."""
    now = timezone.now()
    changed = Submission.objects.filter(pk=submission_id, status=Status.RUNNING, worker_id=worker_id).update(
        status=Status.QUEUED,
        stage=HOLD_STAGE,
        progress=0.0,
        lease_expires_at=None,
        worker_id="",
        started_at=None,
        enqueued_at=None,
        dispatches=0,
        attempts=F("attempts") - 1,
        updated_at=now,
    )
    return changed == 1
