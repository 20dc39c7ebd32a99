"""Lease primitives: claim by conditional UPDATE, heartbeat renewal, and the reaper of expired leases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from leaderboard.models import Submission
from leaderboard.queueing import submission_enqueue
from leaderboard.services.holds import HOLD_STAGE, submissions_release_ready
from leaderboard.services.outcomes import submission_failed_fields

Status = Submission.Status
Kind = Submission.FailureKind

#: Lost-message redelivery backs off: a queued submission is re-sent after LEASE * 2**(dispatches-1), capped.
MAX_BACKOFF_EXPONENT = 6


def _lease_end(now: dt.datetime) -> dt.datetime:
    """The expiry of a lease taken or renewed at `now`."""
    return now + dt.timedelta(seconds=settings.LEASE_SECONDS)


def submission_claim(*, submission_id: int, worker_id: str, now: dt.datetime | None = None) -> bool:
    """Take a queued submission: one conditional UPDATE on status and lease; True only if this call won."""
    now = now or timezone.now()
    changed = (
        Submission.objects.filter(pk=submission_id, status=Status.QUEUED)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(
            status=Status.RUNNING,
            worker_id=worker_id[:200],
            lease_expires_at=_lease_end(now),
            attempts=F("attempts") + 1,
            dispatches=0,
            started_at=now,
            progress=0.0,
            stage="claimed",
            updated_at=now,
        )
    )
    return changed == 1


def submission_heartbeat(
    *, submission_id: int, worker_id: str, progress: float, stage: str, now: dt.datetime | None = None
) -> bool:
    """Renew the lease and record progress; False when the lease is no longer this worker's (stop work)."""
    now = now or timezone.now()
    changed = Submission.objects.filter(pk=submission_id, status=Status.RUNNING, worker_id=worker_id).update(
        lease_expires_at=_lease_end(now),
        progress=min(1.0, max(0.0, float(progress))),
        stage=str(stage)[:200],
        updated_at=now,
    )
    return changed == 1


@dataclass(frozen=True)
class ReapResult:
    """Submission ids the reaper requeued, failed (attempts used up), re-sent (message presumed lost) and
    released (held for data that is now ready)."""

    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    redispatched: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)


def _requeue_or_fail(submission: Submission, now: dt.datetime, result: ReapResult) -> None:
    """Requeue an expired lease while attempts remain, else fail it as a platform error."""
    expired = Submission.objects.filter(pk=submission.pk, status=Status.RUNNING, lease_expires_at__lt=now)
    if submission.attempts < settings.MAX_ATTEMPTS:
        changed = expired.update(
            status=Status.QUEUED,
            lease_expires_at=None,
            worker_id="",
            enqueued_at=now,
            dispatches=1,
            stage=f"requeued: worker lost its lease (attempt {submission.attempts})",
            updated_at=now,
        )
        if changed:
            submission_enqueue(submission=submission)
            result.requeued.append(submission.pk)
        return
    message = (
        f"platform error: the evaluation was interrupted {submission.attempts} times (worker lost); "
        "your quota was refunded and a host can re-run it"
    )
    changed = expired.update(
        **submission_failed_fields(kind=Kind.PLATFORM, message=message, now=now, refund=True)
    )
    if changed:
        result.failed.append(submission.pk)


def _redispatch(submission: Submission, now: dt.datetime, result: ReapResult) -> None:
    """Send a queued submission again once its dispatch has waited past the backoff."""
    exponent = min(max(submission.dispatches - 1, 0), MAX_BACKOFF_EXPONENT)
    waited = dt.timedelta(seconds=settings.LEASE_SECONDS * 2**exponent)
    if submission.enqueued_at is not None and now - submission.enqueued_at < waited:
        return
    same = (
        {"enqueued_at": submission.enqueued_at} if submission.enqueued_at else {"enqueued_at__isnull": True}
    )
    changed = Submission.objects.filter(pk=submission.pk, status=Status.QUEUED, **same).update(
        enqueued_at=now, dispatches=F("dispatches") + 1
    )
    if changed:
        submission_enqueue(submission=submission)
        result.redispatched.append(submission.pk)


def leases_reap(*, now: dt.datetime | None = None) -> ReapResult:
    """Requeue running submissions whose lease expired (bounded by MAX_ATTEMPTS, then fail and refund),
    re-send queued submissions nobody claimed for longer than a (backed-off) lease, and release held ones
    whose data is ready (the build releases them itself; this covers a build whose process died after)."""
    now = now or timezone.now()
    result = ReapResult()
    expired = Submission.objects.select_related("phase__benchmark").filter(
        status=Status.RUNNING, lease_expires_at__lt=now
    )
    for submission in expired:
        with transaction.atomic():
            _requeue_or_fail(submission, now, result)
    stale = (
        Submission.objects.select_related("phase__benchmark")
        .filter(
            Q(enqueued_at__lt=now - dt.timedelta(seconds=settings.LEASE_SECONDS))
            | Q(enqueued_at__isnull=True),
            status=Status.QUEUED,
        )
        .exclude(stage=HOLD_STAGE)
    )
    for submission in stale:
        with transaction.atomic():
            _redispatch(submission, now, result)
    result.released.extend(submissions_release_ready())
    return result
