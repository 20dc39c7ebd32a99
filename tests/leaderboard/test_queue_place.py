"""A queued submission shows its place in its queue and an estimate of its start, with the basis of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leaderboard.models import Submission
from leaderboard.selectors import submission_queue_place
from leaderboard.selectors.queue import _first_free_slot
from leaderboard.services import worker_heartbeat_touch

Status = Submission.Status


def _scored_run(submission: Submission, *, seconds: float) -> None:
    end = timezone.now() - dt.timedelta(minutes=5)
    Submission.objects.filter(pk=submission.pk).update(
        status=Status.SCORED, started_at=end - dt.timedelta(seconds=seconds), finished_at=end
    )


def test_places_follow_arrival_and_only_queued_ones_have_one(make_submission):
    first, second, third = (make_submission(method_name=f"m{i}") for i in range(3))
    assert [submission_queue_place(submission=s).position for s in (first, second, third)] == [1, 2, 3]
    Submission.objects.filter(pk=first.pk).update(status=Status.RUNNING, started_at=timezone.now())
    third.refresh_from_db()
    place = submission_queue_place(submission=third)
    assert (place.position, place.ahead_queued, place.running, place.queue) == (2, 1, 1, "cpu")
    first.refresh_from_db()
    assert submission_queue_place(submission=first) is None


def test_no_estimate_without_a_worker_or_without_a_timed_run(make_submission):
    done, queued = make_submission(method_name="done"), make_submission(method_name="queued")
    place = submission_queue_place(submission=queued)
    assert place.estimated_start_s is None and "no worker is connected" in place.text()
    worker_heartbeat_touch(worker_id="w1", queues="cpu")
    place = submission_queue_place(submission=queued)
    assert place.estimated_start_s is None and "no run has been timed yet" in place.text()
    _scored_run(done, seconds=120)
    place = submission_queue_place(submission=queued)
    assert (place.typical_run_s, place.history, place.workers) == (120.0, 1, 1)
    assert place.estimated_start_s == 0.0 and "a worker is free" in place.text()


def test_the_estimate_counts_runs_ahead_and_workers(make_submission, other_user):
    for seconds in (100, 300, 200):
        _scored_run(make_submission(other_user, method_name=f"old{seconds}"), seconds=seconds)
    queued = [make_submission(method_name=f"q{i}") for i in range(4)]
    worker_heartbeat_touch(worker_id="w1", queues="cpu")
    worker_heartbeat_touch(worker_id="w2", queues="cpu,gpu")
    last = submission_queue_place(submission=queued[-1])
    # 3 ahead, 2 idle workers, 200 s each: the first two run at once; the third and this one start at 200 s.
    assert last.typical_run_s == 200.0 and last.estimated_start_s == 200.0
    assert "estimated start in about 3 min" in last.text() and "over the last 3 scored" in last.text()


@pytest.mark.parametrize(
    ("busy", "workers", "ahead", "expected"),
    [([], 1, 0, 0.0), ([50.0], 1, 0, 50.0), ([50.0], 2, 0, 0.0), ([50.0, 10.0], 2, 1, 50.0),
     ([], 3, 5, 100.0), ([90.0, 80.0, 70.0], 2, 0, 70.0)],
)
def test_first_free_slot_is_fifo_over_workers(busy, workers, ahead, expected):
    assert _first_free_slot(busy=busy, workers=workers, ahead=ahead, typical=100.0) == expected


def test_the_place_shows_on_the_page_the_status_poll_and_the_api(make_submission, user, client):
    submission = make_submission()
    client.force_login(user)
    assert "position 1 in the cpu queue" in client.get(f"/submissions/{submission.pk}/").content.decode()
    assert client.get(f"/submissions/{submission.pk}/status.json").json()["queue"].startswith("position 1")
    body = client.get(f"/api/v1/submissions/{submission.pk}/").json()
    assert body["queue"]["position"] == 1 and body["queue"]["queue"] == "cpu"
    assert body["queue"]["estimated_start_s"] is None


def test_several_queued_show_their_places_and_estimates_on_the_page_and_in_the_api(
    make_submission, other_user, user, client
):
    _scored_run(make_submission(other_user, method_name="timed"), seconds=600)
    queued = [make_submission(method_name=f"q{i}") for i in range(3)]
    worker_heartbeat_touch(worker_id="w1", queues="cpu")
    client.force_login(user)
    answers = [client.get(f"/api/v1/submissions/{s.pk}/").json()["queue"] for s in queued]
    assert [(a["position"], a["ahead_queued"], a["estimated_start_s"]) for a in answers] == [
        (1, 0, 0.0), (2, 1, 600.0), (3, 2, 1200.0)
    ]
    page = client.get(f"/submissions/{queued[2].pk}/").content.decode()
    place = "position 3 in the cpu queue (0 running, 1 worker connected); estimated start in about 20 min"
    assert place in page
    assert "(median run 600 s over the last 1 scored)" in page


def test_a_users_place_counts_users_ahead_not_the_baselines_queued_before(
    make_submission, other_user, dispatched
):
    _scored_run(make_submission(other_user, method_name="timed"), seconds=100)
    baselines = [make_submission(other_user, method_name=f"b{i}", is_baseline=True) for i in range(5)]
    Submission.objects.filter(pk=baselines[0].pk).update(status=Status.RUNNING, started_at=timezone.now())
    first, second = make_submission(method_name="u1"), make_submission(method_name="u2")
    assert [d.queue for d in dispatched[1:]] == ["cpu-baselines"] * 5 + ["cpu"] * 2
    worker_heartbeat_touch(worker_id="w1", queues="cpu,cpu-baselines")
    place = submission_queue_place(submission=first)
    assert (place.queue, place.position, place.running) == ("cpu", 1, 1)
    assert place.estimated_start_s == pytest.approx(100.0, abs=5)  # after the baseline in progress only
    # One user ahead: a baseline may run between the two (the worker takes its queues in turn).
    assert submission_queue_place(submission=second).estimated_start_s == pytest.approx(300.0, abs=5)
    baseline = Submission.objects.get(pk=baselines[4].pk)
    place = submission_queue_place(submission=baseline)
    assert (place.queue, place.position) == ("cpu-baselines", 4)
