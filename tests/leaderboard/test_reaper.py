"""leases_reap: expired leases requeued up to MAX_ATTEMPTS then failed and refunded; lost messages re-sent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from leaderboard.models import Score, Submission
from leaderboard.services import leases_reap, submission_claim, submission_evaluate

TRUTH = [(3 * i) % 10 for i in range(8)]
Status = Submission.Status


def _expire(submission):
    Submission.objects.filter(pk=submission.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


def test_leases_reap_requeues_expired_lease_and_resends(
    make_submission, dispatched, django_capture_on_commit_callbacks
):
    submission = make_submission(answers=TRUTH)
    submission_claim(submission_id=submission.pk, worker_id="lost-worker")
    _expire(submission)
    with django_capture_on_commit_callbacks(execute=True):
        result = leases_reap()
    assert result.requeued == [submission.pk] and not result.failed
    submission.refresh_from_db()
    assert (submission.status, submission.lease_expires_at, submission.worker_id) == (Status.QUEUED, None, "")
    assert [d.submission_id for d in dispatched] == [submission.pk, submission.pk]


def test_leases_reap_leaves_live_leases_alone(make_submission):
    submission = make_submission(answers=TRUTH)
    submission_claim(submission_id=submission.pk, worker_id="w1")
    assert leases_reap() == leases_reap().__class__()
    assert Submission.objects.get(pk=submission.pk).status == Status.RUNNING


def test_leases_reap_fails_after_max_attempts_and_refunds(make_submission, settings):
    settings.MAX_ATTEMPTS = 2
    submission = make_submission(answers=TRUTH)
    for attempt in range(2):
        assert submission_claim(submission_id=submission.pk, worker_id=f"w{attempt}")
        _expire(submission)
        result = leases_reap()
    assert result.failed == [submission.pk]
    submission.refresh_from_db()
    assert (submission.status, submission.failure_kind, submission.attempts) == (Status.FAILED, "platform", 2)
    assert not submission.quota_charged and "interrupted 2 times" in submission.error_message


def test_leases_reap_then_new_worker_scores_exactly_once(make_submission):
    submission = make_submission(answers=TRUTH)
    submission_claim(submission_id=submission.pk, worker_id="killed")
    _expire(submission)
    leases_reap()
    submission_evaluate(submission_id=submission.pk, worker_id="fresh")
    submission_evaluate(submission_id=submission.pk, worker_id="duplicate-message")
    submission.refresh_from_db()
    assert (submission.status, submission.worker_id, submission.attempts) == (Status.SCORED, "fresh", 2)
    assert Score.objects.filter(submission=submission, split="public").count() == 1


def test_leases_reap_resends_unclaimed_queued_with_backoff(
    make_submission, dispatched, settings, django_capture_on_commit_callbacks
):
    submission = make_submission(answers=TRUTH)
    created = Submission.objects.get(pk=submission.pk).enqueued_at
    lease = dt.timedelta(seconds=settings.LEASE_SECONDS)
    with django_capture_on_commit_callbacks(execute=True):
        assert leases_reap(now=created + lease / 2).redispatched == []
        assert leases_reap(now=created + lease * 1.5).redispatched == [submission.pk]
        # backoff: the next re-send waits two leases after the last one
        assert leases_reap(now=created + lease * 3).redispatched == []
        assert leases_reap(now=created + lease * 3.6).redispatched == [submission.pk]
    assert len(dispatched) == 3 and Submission.objects.get(pk=submission.pk).dispatches == 3
