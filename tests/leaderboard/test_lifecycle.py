"""Lifecycle: claim by conditional update, heartbeats, scoring once, failures, cancel and re-run."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone
from sb_toy import ToyBenchmark

from leaderboard.models import Score, Submission
from leaderboard.selectors import leaderboard_rows, quota_status
from leaderboard.services import (
    InvalidTransition,
    NotAllowed,
    submission_cancel,
    submission_claim,
    submission_evaluate,
    submission_heartbeat,
    submission_rerun,
)
from leaderboard.services.keeper import EvaluationAborted, LeaseKeeper

TRUTH = [(3 * i) % 10 for i in range(8)]  # the tiny benchmark's answers for seed 0
Status = Submission.Status


def test_submission_claim_succeeds_once(make_submission):
    submission = make_submission()
    assert submission_claim(submission_id=submission.pk, worker_id="w1")
    assert not submission_claim(submission_id=submission.pk, worker_id="w2")
    submission.refresh_from_db()
    assert (submission.status, submission.worker_id, submission.attempts) == (Status.RUNNING, "w1", 1)
    assert submission.lease_expires_at > timezone.now()


def test_submission_claim_only_one_of_concurrent_claims_wins(
    postgres_only, transactional_db, make_submission
):
    submission = make_submission()
    barrier, results = threading.Barrier(2), []

    def claim(worker_id):
        from django.db import connection

        barrier.wait()
        results.append(submission_claim(submission_id=submission.pk, worker_id=worker_id))
        connection.close()

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert Submission.objects.get(pk=submission.pk).attempts == 1


def test_submission_heartbeat_renews_lease_and_records_progress(make_submission):
    submission = make_submission()
    submission_claim(submission_id=submission.pk, worker_id="w1")
    Submission.objects.filter(pk=submission.pk).update(
        lease_expires_at=timezone.now() + dt.timedelta(seconds=1)
    )
    assert submission_heartbeat(submission_id=submission.pk, worker_id="w1", progress=0.5, stage="item 4/8")
    submission.refresh_from_db()
    assert submission.lease_expires_at > timezone.now() + dt.timedelta(seconds=30)
    assert (submission.progress, submission.stage) == (0.5, "item 4/8")
    assert not submission_heartbeat(submission_id=submission.pk, worker_id="intruder", progress=1, stage="x")


def test_submission_evaluate_writes_scores_state_and_leaderboard(make_submission):
    submission = make_submission(answers=TRUTH)
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    submission.refresh_from_db()
    assert submission.status == Status.SCORED and submission.progress == 1.0 and submission.finished_at
    scores = {s.split: s for s in Score.objects.filter(submission=submission)}
    assert set(scores) == {"public", "private"}
    assert scores["public"].metrics["accuracy"] == 1.0
    assert scores["public"].protocol_version == "tiny-1" and scores["public"].hardware == {"cpu": "test"}
    assert len(scores["public"].items) == 4
    assert "scored 8 items" in submission.log_tail and "claimed by w1" in submission.log_tail
    top = leaderboard_rows(phase=submission.phase).rows
    assert [(row.rank, row.submission_id) for row in top] == [(1, submission.pk)]


def test_submission_evaluate_twice_creates_no_second_score(make_submission):
    submission = make_submission(answers=TRUTH)
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    submission_evaluate(submission_id=submission.pk, worker_id="w2")
    Submission.objects.filter(pk=submission.pk).update(status=Status.QUEUED)
    submission_evaluate(submission_id=submission.pk, worker_id="w3")
    assert Score.objects.filter(submission=submission).count() == 2
    assert Submission.objects.get(pk=submission.pk).worker_id == "w3"


def test_submission_evaluate_validation_failure_lists_problems_and_refunds(make_submission, user, phase):
    submission = make_submission(answers=["x", 1, 2])
    assert quota_status(user=user, phase=phase).daily_used == 1
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    submission.refresh_from_db()
    assert submission.status == Status.FAILED and submission.failure_kind == "validation"
    assert "expected 8 answers, got 3" in submission.error_message
    assert "answers[0]: 'x' is not an integer" in submission.error_message
    assert not submission.quota_charged and quota_status(user=user, phase=phase).daily_used == 0
    assert not Score.objects.exists()


def test_submission_evaluate_soft_time_limit_fails_as_timeout(make_submission, monkeypatch):
    def too_slow(self, payload, hidden_dir, progress):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(ToyBenchmark, "score", too_slow)
    submission = make_submission(answers=TRUTH)
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    submission.refresh_from_db()
    assert (submission.status, submission.failure_kind) == (Status.FAILED, "timeout")
    assert submission.quota_charged


def test_submission_evaluate_scorer_crash_is_a_refunded_platform_failure(make_submission, monkeypatch):
    def crash(self, payload, hidden_dir, progress):
        raise RuntimeError("/secret/hidden/path exploded")

    monkeypatch.setattr(ToyBenchmark, "score", crash)
    submission = make_submission(answers=TRUTH)
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    submission.refresh_from_db()
    assert (submission.status, submission.failure_kind) == (Status.FAILED, "platform")
    assert not submission.quota_charged and "/secret" not in submission.error_message + submission.log_tail


def test_submission_cancel_queued_refunds_and_is_never_evaluated(make_submission, user):
    submission = make_submission(answers=TRUTH)
    cancelled = submission_cancel(submission=submission, actor=user)
    assert cancelled.status == Status.CANCELLED and not cancelled.quota_charged
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    assert Submission.objects.get(pk=submission.pk).status == Status.CANCELLED
    assert not Score.objects.exists()


def test_lease_keeper_stops_work_after_cancel_of_running(make_submission, user):
    submission = make_submission(answers=TRUTH)
    submission_claim(submission_id=submission.pk, worker_id="w1")
    keeper = LeaseKeeper(submission_id=submission.pk, worker_id="w1")
    keeper.progress(0.25, "item 2/8")
    assert keeper.beat()
    submission_cancel(submission=submission, actor=user)
    assert not keeper.beat() and keeper.lost.is_set()
    with pytest.raises(EvaluationAborted):
        keeper.progress(0.5, "item 4/8")


def test_submission_evaluate_cancelled_while_running_writes_no_scores(make_submission, user, monkeypatch):
    def cancelling_score(self, payload, hidden_dir, progress):
        submission_cancel(submission=Submission.objects.get(pk=submission.pk), actor=user)
        return original(self, payload, hidden_dir, progress)

    original = ToyBenchmark.score
    monkeypatch.setattr(ToyBenchmark, "score", cancelling_score)
    submission = make_submission(answers=TRUTH)
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    submission.refresh_from_db()
    assert submission.status == Status.CANCELLED and not Score.objects.exists()
    assert not submission.entries.exists()


def test_submission_transitions_refuse_invalid_actions(make_submission, user, other_user, staff):
    submission = make_submission(answers=TRUTH)
    with pytest.raises(NotAllowed):
        submission_cancel(submission=submission, actor=other_user)
    with pytest.raises(NotAllowed):
        submission_rerun(submission=submission, actor=user)
    with pytest.raises(InvalidTransition):
        submission_rerun(submission=submission, actor=staff)
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    with pytest.raises(InvalidTransition):
        submission_cancel(submission=submission, actor=user)


def test_submission_rerun_requeues_and_replaces_scores(
    make_submission, staff, dispatched, django_capture_on_commit_callbacks
):
    submission = make_submission(answers=TRUTH)
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    with django_capture_on_commit_callbacks(execute=True):
        rerun = submission_rerun(submission=submission, actor=staff)
    assert rerun.status == Status.QUEUED and rerun.attempts == 0 and not rerun.entries.exists()
    assert [d.submission_id for d in dispatched] == [submission.pk, submission.pk]
    submission_evaluate(submission_id=submission.pk, worker_id="w2")
    assert Submission.objects.get(pk=submission.pk).status == Status.SCORED
    assert Score.objects.filter(submission=submission).count() == 2


def test_submission_evaluate_validation_messages_name_the_uploaded_file_not_the_stored_one(make_submission):
    submission = make_submission(answers=["x"])
    stored = submission.payload_file.name.rsplit("/", 1)[-1]
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    submission.refresh_from_db()
    assert submission.failure_kind == "validation"
    assert "answers.json:answers[0]" in submission.error_message
    assert stored not in submission.error_message


def test_a_submission_refused_after_measurement_fails_as_validation_and_gets_its_quota_back(
    phase, user, dispatched, django_capture_on_commit_callbacks
):
    import json as _json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from leaderboard.services import submission_create

    body = {"answers": [0] * 8, "declared_density": 0.5}
    upload = SimpleUploadedFile("answers.json", _json.dumps(body).encode(), content_type="application/json")
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_create(owner=user, phase=phase, method_name="m", upload=upload)
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    submission.refresh_from_db()
    outcome = (submission.status, submission.failure_kind, submission.quota_charged)
    assert outcome == ("failed", "validation", False)
    assert "measured density 0.0 misses the declared 0.5" in submission.error_message
    assert not Score.objects.filter(submission=submission).exists()
