"""Closing a phase (benchmark_sync, its benchmark no longer declares it) cancels the submissions no worker
took yet, with their quota refunded; running ones finish, finished ones stay, reopening resurrects none."""

from __future__ import annotations

import dataclasses
from io import StringIO

import pytest
from django.core.management import call_command
from sb_toy import TINYBENCH

from evaluator import registry
from leaderboard.models import HOLD_STAGE, Phase, Score, Submission
from leaderboard.selectors import quota_status
from leaderboard.services import leases_reap, submission_claim, submission_evaluate, submission_heartbeat

Status = Submission.Status
CLOSED_BY = "phase test was closed by its benchmark tinybench"


@pytest.fixture
def declared(monkeypatch):
    """Set which of tinybench's phases its spec declares (the registry makes the plugin anew)."""
    phases = TINYBENCH.spec.phases

    def declare(*slugs: str) -> None:
        spec = dataclasses.replace(TINYBENCH.spec, phases=tuple(p for p in phases if p.slug in slugs))
        monkeypatch.setattr(TINYBENCH, "spec", spec)
        registry.benchmark_get.cache_clear()

    return declare


def _sync() -> str:
    """Run `manage.py benchmark_sync` and return what it printed."""
    out = StringIO()
    call_command("benchmark_sync", stdout=out)
    return out.getvalue()


@pytest.fixture
def test_phase(tiny) -> Phase:
    """The tiny benchmark's test phase (the one to close)."""
    return tiny.phases.select_related("benchmark").get(slug="test")


def _row(submission: Submission) -> dict:
    """The fields of a submission that closing a phase may change."""
    return Submission.objects.filter(pk=submission.pk).values(
        "status", "stage", "error_message", "quota_charged", "worker_id", "finished_at", "attempts"
    )[0]


def test_closing_a_phase_cancels_its_waiting_submissions_refunds_them_and_leaves_the_rest(
    test_phase, phase, make_submission, user, declared, dispatched, django_capture_on_commit_callbacks
):
    queued = make_submission(target_phase=test_phase, method_name="queued")
    held = make_submission(target_phase=test_phase, method_name="held")
    Submission.objects.filter(pk=held.pk).update(stage=HOLD_STAGE, enqueued_at=None, dispatches=0)
    running = make_submission(target_phase=test_phase, method_name="running")
    assert submission_claim(submission_id=running.pk, worker_id="w1")
    scored = make_submission(target_phase=test_phase, method_name="scored")
    Submission.objects.filter(pk=scored.pk).update(status=Status.SCORED, stage="scored")
    other_phase = make_submission(target_phase=phase, method_name="dev-queued")
    assert quota_status(user=user, phase=test_phase).daily_used == 4
    untouched = {s.pk: _row(s) for s in (running, scored, other_phase)}
    sent = len(dispatched)

    declared("dev")
    with django_capture_on_commit_callbacks(execute=True):
        printed = _sync()

    assert "test (not hosted now: closed by this sync, 2 waiting submissions cancelled)" in printed
    for submission in (queued, held):
        row = _row(submission)
        assert (row["status"], row["stage"], row["quota_charged"]) == (Status.CANCELLED, "cancelled", False)
        assert CLOSED_BY in row["error_message"] and "refunded" in row["error_message"]
        assert row["finished_at"] is not None and row["attempts"] == 0
    assert quota_status(user=user, phase=test_phase).daily_used == 2  # the running and the scored one
    assert {pk: _row(Submission(pk=pk)) for pk in untouched} == untouched
    assert submission_heartbeat(submission_id=running.pk, worker_id="w1", progress=0.5, stage="scoring")
    assert len(dispatched) == sent  # the held one was not released into the queue

    declared("dev")
    assert "test (not hosted now: closed)" in _sync()  # already closed: nothing more cancelled
    cancelled = {s.pk: _row(s) for s in (queued, held)}

    declared("dev", "test")
    with django_capture_on_commit_callbacks(execute=True):
        printed = _sync()
    assert "tinybench 1 [ready]: dev, test" in printed
    assert Phase.objects.get(pk=test_phase.pk).is_hosted
    assert {pk: _row(Submission(pk=pk)) for pk in cancelled} == cancelled  # reopening resurrects nothing
    assert len(dispatched) == sent
    assert quota_status(user=user, phase=test_phase).daily_used == 2


def test_a_worker_given_a_submission_of_a_closed_phase_does_nothing(
    test_phase, make_submission, declared, dispatched
):
    submission = make_submission(target_phase=test_phase)
    assert [d.submission_id for d in dispatched] == [submission.pk]  # its task message is out
    declared("dev")
    _sync()
    before = _row(submission)
    assert before["status"] == Status.CANCELLED

    submission_evaluate(submission_id=submission.pk, worker_id="late-worker")

    assert _row(submission) == before
    assert not Score.objects.filter(submission=submission).exists()
    reaped = leases_reap()
    assert submission.pk not in reaped.redispatched + reaped.requeued + reaped.failed
    assert [d.submission_id for d in dispatched] == [submission.pk]  # never sent again
