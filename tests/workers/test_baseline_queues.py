"""A live worker on the embedded broker starts a user's task before the baselines queued ahead of it."""

from __future__ import annotations

import threading

from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from leaderboard.broker import broker_config
from leaderboard.queues import queue_name
from leaderboard.runner import worker_queues
from workers.signals import _queues

BASELINES = 4
#: The first baseline holds the worker until the user's task is queued (no timing: an event).
_gate = threading.Event()
_started: list[str] = []


def _app(broker_path) -> Celery:
    """An app with the project's embedded transport and delivery settings, and one recording task."""
    broker = broker_config(f"sqla+sqlite:///{broker_path}", lease_seconds=60)
    app = Celery("baseline-queues-test", set_as_current=False)
    app.conf.update(
        broker_url=broker.url,
        broker_transport=broker.transport,
        task_acks_late=settings.CELERY_TASK_ACKS_LATE,
        worker_prefetch_multiplier=settings.CELERY_WORKER_PREFETCH_MULTIPLIER,
        task_ignore_result=True,
    )

    @app.task(name="record")
    def record(name: str) -> None:
        _started.append(name)
        assert _gate.wait(timeout=60)

    return app


def test_a_users_task_starts_after_at_most_the_baseline_in_progress(transactional_db, tmp_path, monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # the test settings' memory:// would win
    app = _app(tmp_path / "broker.sqlite3")
    record = app.tasks["record"]
    _gate.clear()
    _started.clear()
    queues = worker_queues(cuda=False).split(",")
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, queues=queues) as worker:
        reported = _queues(worker)  # what its heartbeat row shows
        for i in range(BASELINES):
            record.apply_async(args=[f"baseline-{i}"], queue=queue_name(gpu=False, baseline=True))
        for _ in range(600):  # the worker takes the first baseline and waits at the gate
            if _started or _gate.wait(0.1):
                break
        assert _started == ["baseline-0"]
        record.apply_async(args=["user"], queue=queue_name(gpu=False, baseline=False))
        _gate.set()
        for _ in range(600):
            if len(_started) == BASELINES + 1:
                break
            threading.Event().wait(0.1)
    assert _started[:2] == ["baseline-0", "user"]
    assert sorted(_started[2:]) == [f"baseline-{i}" for i in range(1, BASELINES)]
    assert reported == "cpu,cpu-baselines"
