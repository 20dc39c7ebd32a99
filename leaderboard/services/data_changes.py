"""When a benchmark's data changes: its data id, and carried-over submissions re-scored on the new data."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from evaluator.registry import benchmark_get
from leaderboard.models import Benchmark, Submission
from leaderboard.queueing import submission_enqueue
from leaderboard.services.hidden_secret import build_record_read
from leaderboard.services.transitions import requeue_fields

Status = Submission.Status


def data_id_for(*, version: str, data_dir: Path) -> str:
    """<version>+<10 hex of the origin and secret fingerprint>; the bare version for unrecorded data."""
    record = build_record_read(data_dir=data_dir)
    if record is None:
        return version
    digest = hashlib.sha256(f"{record.origin}\n{record.secret_id}".encode()).hexdigest()[:10]
    return f"{version}+{digest}"


def submissions_carry_over(*, benchmark: Benchmark) -> int:
    """Requeue the scored submissions of a re-scorable benchmark that were scored on other data.

    Queued ones simply move to the new data. Quotas are not charged again. Returns how many were requeued."""
    if not benchmark.data_id or not benchmark_get(benchmark.slug).spec.rescore_on_new_data:
        return 0
    now = timezone.now()
    stale = Submission.objects.filter(phase__benchmark=benchmark).exclude(data_id=benchmark.data_id)
    with transaction.atomic():
        stale.filter(status=Status.QUEUED).update(data_id=benchmark.data_id, updated_at=now)
        ids = list(stale.filter(status=Status.SCORED).values_list("pk", flat=True))
        requeued = Submission.objects.filter(pk__in=ids, status=Status.SCORED).update(
            **requeue_fields(stage="re-scoring on new benchmark data", now=now), data_id=benchmark.data_id
        )
        for submission in Submission.objects.filter(pk__in=ids, status=Status.QUEUED).select_related(
            "phase__benchmark"
        ):
            submission_enqueue(submission=submission)
    return requeued
