"""A phase may need a GPU: its submissions go to the gpu queue and say so while no GPU worker is connected."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone
from sb_toy import TINYBENCH

from evaluator import registry
from leaderboard.models import Phase, WorkerHeartbeat
from leaderboard.runner import worker_queues
from leaderboard.selectors import gpu_workers_connected, submission_waiting
from leaderboard.services import benchmark_sync_all, worker_heartbeat_touch

WAITING = "waiting for a GPU worker"


@pytest.fixture
def gpu_phase(tiny, monkeypatch):
    """The tiny benchmark's test phase redeclared as needing a GPU, synced."""
    phases = tuple(dataclasses.replace(p, needs_gpu=p.slug == "test") for p in TINYBENCH.spec.phases)
    monkeypatch.setattr(TINYBENCH, "spec", dataclasses.replace(TINYBENCH.spec, phases=phases))
    registry.benchmark_get.cache_clear()
    benchmark_sync_all()
    return Phase.objects.select_related("benchmark").get(benchmark=tiny, slug="test")


def test_sync_copies_the_phase_declaration(gpu_phase):
    assert gpu_phase.needs_gpu and not Phase.objects.get(benchmark=gpu_phase.benchmark, slug="dev").needs_gpu


def test_gpu_phase_submissions_go_to_the_gpu_queue_and_others_to_cpu(
    gpu_phase, phase, make_submission, dispatched
):
    make_submission(target_phase=gpu_phase)
    make_submission(target_phase=phase)
    assert [d.queue for d in dispatched] == ["gpu", "cpu"]


def test_a_queued_gpu_submission_says_it_waits_until_a_gpu_worker_beats(gpu_phase, make_submission):
    submission = make_submission(target_phase=gpu_phase)
    assert submission_waiting(submission=submission).startswith(WAITING)
    worker_heartbeat_touch(worker_id="cpu-only", queues="cpu")
    assert gpu_workers_connected() == 0 and submission_waiting(submission=submission).startswith(WAITING)
    worker_heartbeat_touch(worker_id="gpu-1", queues="cpu,gpu")
    assert gpu_workers_connected() == 1 and submission_waiting(submission=submission) == ""
    WorkerHeartbeat.objects.filter(worker_id="gpu-1").update(last_seen=timezone.now() - dt.timedelta(hours=1))
    assert submission_waiting(submission=submission).startswith(WAITING)


def test_the_wait_shows_on_the_page_the_status_poll_and_the_api(gpu_phase, make_submission, user, client):
    submission = make_submission(target_phase=gpu_phase)
    client.force_login(user)
    assert WAITING in client.get(f"/submissions/{submission.pk}/").content.decode()
    assert client.get(f"/submissions/{submission.pk}/status.json").json()["waiting"].startswith(WAITING)
    assert client.get(f"/api/v1/submissions/{submission.pk}/").json()["waiting"].startswith(WAITING)


def test_a_cpu_phase_submission_never_waits_for_a_gpu(phase, make_submission):
    assert submission_waiting(submission=make_submission(target_phase=phase)) == ""


def test_the_embedded_worker_takes_the_gpu_queues_only_with_cuda_and_the_baselines_ones_always():
    assert worker_queues(cuda=False) == "cpu,cpu-baselines"
    assert worker_queues(cuda=True) == "cpu,cpu-baselines,gpu,gpu-baselines"


def test_vdit_e2e_test_long_declares_a_gpu_and_its_submissions_wait_for_one(
    user, dispatched, django_capture_on_commit_callbacks
):
    """The registered vdit-e2e: test-long alone needs a GPU; a config sent to it queues on gpu and waits."""
    from evaluator.registry import benchmark_get
    from leaderboard.models import Benchmark
    from leaderboard.services import benchmark_sync, submission_create

    benchmark = benchmark_sync(spec=benchmark_get("vdit-e2e").spec)
    Benchmark.objects.filter(pk=benchmark.pk).update(data_status=Benchmark.DataStatus.READY)
    declared = dict(Phase.objects.filter(benchmark=benchmark).values_list("slug", "needs_gpu"))
    assert declared == {"dev": False, "test": False, "test-long": True}
    long = Phase.objects.select_related("benchmark").get(benchmark=benchmark, slug="test-long")
    with django_capture_on_commit_callbacks(execute=True):
        created = submission_create(owner=user, phase=long, method_name="m", config={"method": "dense"})
    assert [d.queue for d in dispatched] == ["gpu"]
    assert submission_waiting(submission=created).startswith(WAITING)
