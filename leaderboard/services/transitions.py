"""Host and owner actions on a submission: cancel, re-run, hide/unhide; each a conditional UPDATE. Also the
cancelling of a closed phase's waiting submissions."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from leaderboard.models import Submission
from leaderboard.queueing import submission_enqueue
from leaderboard.services.board_publish import leaderboard_submission_sync
from leaderboard.services.errors import InvalidTransition, NotAllowed

Status = Submission.Status


def _reload(submission: Submission) -> Submission:
    """The submission read again with its phase, benchmark and owner."""
    return Submission.objects.select_related("phase__benchmark", "owner").get(pk=submission.pk)


def cancelled_fields(*, now) -> dict:
    """The UPDATE that ends a queued or running submission as cancelled (callers add quota_charged=False
    for a queued one: no worker took it, so its quota comes back)."""
    return dict(
        status=Status.CANCELLED, lease_expires_at=None, finished_at=now, stage="cancelled", updated_at=now
    )


def submission_cancel(*, submission: Submission, actor) -> Submission:
    """Cancel a queued or running submission (owner or staff); a running worker stops at its next heartbeat.

    A submission cancelled before any worker took it gets its quota back."""
    if not (actor.is_staff or actor.pk == submission.owner_id):
        raise NotAllowed("only the owner or a host may cancel this submission")
    common = cancelled_fields(now=timezone.now())
    with transaction.atomic():
        rows = Submission.objects.filter(pk=submission.pk)
        changed = rows.filter(status=Status.QUEUED).update(**common, quota_charged=False)
        if not changed:
            changed = rows.filter(status=Status.RUNNING).update(**common)
        if not changed:
            current = rows.values_list("status", flat=True).first()
            raise InvalidTransition(f"a {current} submission cannot be cancelled (only queued or running)")
    return _reload(submission)


def submissions_cancel_waiting(*, phase_id: int, message: str) -> int:
    """Cancel the submissions of a phase that no worker has taken yet (queued, held ones included), with
    `message`, and refund their quota as submission_cancel does; returns how many.

    Running ones are left to finish (their scores are still written); finished ones are untouched. No task
    message is revoked: a worker that still gets one finds the submission no longer queued and does nothing
    (submission_claim is conditional on the queued status)."""
    return Submission.objects.filter(phase_id=phase_id, status=Status.QUEUED).update(
        **cancelled_fields(now=timezone.now()), quota_charged=False, error_message=message
    )


def requeue_fields(*, stage: str, now) -> dict:
    """The UPDATE that puts a finished submission back in the queue, as new (quota untouched)."""
    return dict(
        status=Status.QUEUED,
        attempts=0,
        progress=0.0,
        stage=stage,
        lease_expires_at=None,
        worker_id="",
        failure_kind="",
        error_message="",
        log_tail="",
        started_at=None,
        finished_at=None,
        enqueued_at=now,
        dispatches=1,
        updated_at=now,
    )


def submission_rerun(*, submission: Submission, actor) -> Submission:
    """Requeue a finished submission (hosts only); its new scores replace those of the same protocol."""
    if not actor.is_staff:
        raise NotAllowed("only a host may re-run a submission")
    now = timezone.now()
    terminal = [Status.SCORED, Status.FAILED, Status.CANCELLED]
    with transaction.atomic():
        changed = Submission.objects.filter(pk=submission.pk, status__in=terminal).update(
            **requeue_fields(stage="re-run requested", now=now)
        )
        if not changed:
            current = Submission.objects.filter(pk=submission.pk).values_list("status", flat=True).first()
            raise InvalidTransition(f"a {current} submission cannot be re-run (wait until it finishes)")
        fresh = _reload(submission)
        leaderboard_submission_sync(submission_id=fresh.pk)  # off the boards until scored again
        submission_enqueue(submission=fresh)
    return fresh


def submission_set_hidden(*, submission: Submission, actor, hidden: bool) -> Submission:
    """Hide or unhide a submission from the leaderboards (hosts only); the entries are rewritten."""
    if not actor.is_staff:
        raise NotAllowed("only a host may hide or unhide a submission")
    with transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(is_hidden=bool(hidden), updated_at=timezone.now())
        fresh = _reload(submission)
        if fresh.status == Status.SCORED:
            leaderboard_submission_sync(submission_id=fresh.pk)
    return fresh
