"""Submissions to a phase whose data is missing or building are taken, held visibly (no task message) and
released by the data build, or by the reaper when the build's process died after it; a failed build
refuses them."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.utils import timezone
from sb_accounts import verified_user
from sb_fixtures import SLUG, answers_file
from sb_toy import TINYBENCH_ENTRY

from leaderboard import selectors
from leaderboard.models import Benchmark, Submission
from leaderboard.services import (
    PhaseClosed,
    benchmark_data_build,
    benchmark_data_dir,
    benchmark_sync_all,
    leases_reap,
    submission_create,
    submission_evaluate,
)

pytestmark = pytest.mark.django_db

WAIT = "waiting for the benchmark data"


@pytest.fixture
def unbuilt(db):
    """The tiny benchmark registered and synced, its data not built yet; yields its dev phase."""
    from evaluator import registry

    with registry.registry_override(TINYBENCH_ENTRY, exclusive=True):
        benchmark_sync_all()
        yield Benchmark.objects.get(slug=SLUG).phases.select_related("benchmark").get(slug="dev")


@pytest.fixture
def submit(dispatched, django_capture_on_commit_callbacks):
    """Create a submission through the service (on-commit enqueues run and are captured)."""
    owner = verified_user("carol", password="pw-carol-123")

    def make(phase, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return submission_create(
                owner=owner, phase=phase, method_name="m", upload=answers_file(), **fields
            )

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a call and then its on-commit callbacks (the task messages it sends), returning its result."""

    def run(call, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


def _sent(dispatched) -> list[int]:
    return [message.submission_id for message in dispatched]


def test_a_submission_before_the_data_exists_is_held_and_shows_why(unbuilt, submit, dispatched):
    submission = submit(unbuilt)
    assert submission.status == Submission.Status.QUEUED and submission.is_held
    assert submission.enqueued_at is None and _sent(dispatched) == []
    assert selectors.submission_waiting(submission=submission).startswith(f"{WAIT}: it is not built yet")
    assert selectors.submission_queue_place(submission=submission) is None
    Benchmark.objects.filter(slug=SLUG).update(data_status="building", data_stage="40% writing items")
    submission.phase.benchmark.refresh_from_db()
    waiting = selectors.submission_waiting(submission=submission)
    assert waiting == f"{WAIT}: it is building (40% writing items); scoring starts by itself once it is ready"


def test_the_data_build_releases_held_submissions_on_the_new_data(unbuilt, submit, dispatched, committed):
    first, second = submit(unbuilt), submit(unbuilt)
    assert first.data_id == "" and _sent(dispatched) == []
    benchmark = committed(benchmark_data_build, slug=SLUG)
    assert _sent(dispatched) == [first.pk, second.pk]  # oldest first
    for submission in (first, second):
        submission.refresh_from_db()
        assert not submission.is_held and submission.enqueued_at is not None and submission.dispatches == 1
        assert submission.data_id == benchmark.data_id
        assert selectors.submission_waiting(submission=submission) == ""
    assert selectors.submission_queue_place(submission=second).position == 2


def test_a_released_submission_is_scored(unbuilt, submit, dispatched, committed):
    submission = submit(unbuilt)
    committed(benchmark_data_build, slug=SLUG)
    submission_evaluate(submission_id=submission.pk, worker_id="w:1")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SCORED, submission.error_message


def test_held_submissions_are_ahead_of_nobody_in_the_queue(
    unbuilt, submit, dispatched, committed, monkeypatch
):
    from leaderboard.services import benchmarks

    held = submit(unbuilt)
    monkeypatch.setattr(benchmarks, "submissions_release", lambda **kw: [])  # not released yet
    committed(benchmark_data_build, slug=SLUG)
    unbuilt.benchmark.refresh_from_db()
    later = submit(unbuilt)
    assert Submission.objects.get(pk=held.pk).is_held and not later.is_held
    assert selectors.submission_queue_place(submission=later).position == 1


def test_the_reaper_never_resends_a_held_submission(unbuilt, submit, dispatched, committed):
    submission = submit(unbuilt)
    result = committed(leases_reap, now=timezone.now() + dt.timedelta(days=1))
    assert result.redispatched == [] and result.released == [] and _sent(dispatched) == []
    submission.refresh_from_db()
    assert submission.is_held


def test_the_reaper_releases_held_submissions_whose_data_is_ready(
    unbuilt, submit, dispatched, committed, monkeypatch
):
    submission = submit(unbuilt)
    from leaderboard.services import benchmarks

    monkeypatch.setattr(benchmarks, "submissions_release", lambda **kw: [])  # the build died before it
    committed(benchmark_data_build, slug=SLUG)
    assert _sent(dispatched) == []
    assert committed(leases_reap).released == [submission.pk] and _sent(dispatched) == [submission.pk]
    assert committed(leases_reap).released == []  # once


def test_a_worker_holds_again_a_submission_whose_data_went_missing(unbuilt, submit, dispatched, committed):
    benchmark = committed(benchmark_data_build, slug=SLUG)
    submission = submit(unbuilt)
    assert _sent(dispatched) == [submission.pk]
    shutil.rmtree(benchmark_data_dir(benchmark=benchmark))
    Benchmark.objects.filter(pk=benchmark.pk).update(data_status="building")
    submission_evaluate(submission_id=submission.pk, worker_id="w:1")
    submission.refresh_from_db()
    assert submission.is_held and submission.attempts == 0 and submission.failure_kind == ""
    assert submission.worker_id == "" and submission.lease_expires_at is None
    Benchmark.objects.filter(pk=benchmark.pk).update(data_status="missing")
    committed(benchmark_data_build, slug=SLUG)
    assert _sent(dispatched) == [submission.pk, submission.pk]


def test_a_failed_build_refuses_new_submissions_and_keeps_held_ones_waiting(unbuilt, submit):
    held = submit(unbuilt)
    Benchmark.objects.filter(slug=SLUG).update(data_status="failed", data_error="disk full")
    unbuilt.benchmark.refresh_from_db()
    with pytest.raises(PhaseClosed):
        submit(unbuilt)
    held.refresh_from_db()
    assert held.is_held
    assert selectors.submission_waiting(submission=held).startswith(f"{WAIT}: its build failed")
