"""Celery tasks are thin: ids in, one service call; routing by benchmark; the worker heartbeat timer."""

from __future__ import annotations

import threading
import time

from leaderboard.models import Benchmark, Submission, WorkerHeartbeat
from leaderboard.queueing import submission_dispatch
from leaderboard.services import worker_heartbeat_touch

TRUTH = [(3 * i) % 10 for i in range(8)]


def test_evaluate_submission_task_scores_through_the_service(make_submission):
    from workers.tasks import evaluate_submission

    submission = make_submission(answers=TRUTH)
    evaluate_submission.apply(kwargs={"submission_id": submission.pk}).get()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SCORED and ":" in submission.worker_id


def test_reap_expired_leases_task_reports_ids(db):
    from workers.tasks import reap_expired_leases

    assert reap_expired_leases.apply().get() == {
        "requeued": [],
        "failed": [],
        "redispatched": [],
        "released": [],
        "worker_rows_expired": 0,
    }


def test_submission_dispatch_routes_gpu_benchmarks_to_gpu_queue(make_submission):
    submission = make_submission(answers=TRUTH)
    assert submission_dispatch(submission=submission).queue == "cpu"
    Benchmark.objects.filter(pk=submission.phase.benchmark_id).update(needs_gpu=True, soft_time_limit_s=900)
    submission = Submission.objects.select_related("phase__benchmark").get(pk=submission.pk)
    dispatch = submission_dispatch(submission=submission)
    assert (dispatch.queue, dispatch.soft_time_limit) == ("gpu", 900) and dispatch.time_limit > 900


def test_submission_dispatch_routes_baselines_to_their_own_queues(make_submission):
    submission = make_submission(answers=TRUTH)
    Submission.objects.filter(pk=submission.pk).update(is_baseline=True)
    submission = Submission.objects.select_related("phase__benchmark").get(pk=submission.pk)
    assert submission_dispatch(submission=submission).queue == "cpu-baselines"
    Benchmark.objects.filter(pk=submission.phase.benchmark_id).update(needs_gpu=True)
    submission = Submission.objects.select_related("phase__benchmark").get(pk=submission.pk)
    assert submission_dispatch(submission=submission).queue == "gpu-baselines"


def test_worker_heartbeat_timer_writes_and_stops_forgetting_its_node(transactional_db, settings):
    from workers import signals

    settings.HEARTBEAT_SECONDS = 1
    signals._stop.clear()
    thread = threading.Thread(target=signals._beat_forever, args=("celery@box", "celery@box", "cpu"))
    signals._running.update(thread=thread, node="celery@box")
    worker_heartbeat_touch(worker_id="celery@box:77", current_submission_id=None)  # its pool process
    worker_heartbeat_touch(worker_id="celery@other", hostname="celery@other")
    thread.start()
    for _ in range(100):
        if WorkerHeartbeat.objects.filter(worker_id="celery@box").exists():
            break
        time.sleep(0.05)
    beat = WorkerHeartbeat.objects.get(worker_id="celery@box")
    assert beat.queues == "cpu" and beat.current_submission_id is None
    signals.heartbeat_stop()
    assert not thread.is_alive()
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["celery@other"]


def test_a_starting_worker_deletes_the_rows_its_killed_predecessor_left(transactional_db, settings):
    from types import SimpleNamespace

    from workers import signals

    settings.HEARTBEAT_SECONDS = 1
    worker_heartbeat_touch(worker_id="celery@box:41", current_submission_id=None)  # a killed run's pool
    worker_heartbeat_touch(worker_id="celery@other", hostname="celery@other")
    signals.heartbeat_start(sender=SimpleNamespace(hostname="celery@box"))
    try:
        for _ in range(100):
            if WorkerHeartbeat.objects.filter(worker_id="celery@box").exists():
                break
            time.sleep(0.05)
        ids = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
        assert ids == {"celery@box", "celery@other"}
    finally:
        signals.heartbeat_stop()
