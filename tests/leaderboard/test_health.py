"""GET /healthz: 200 with database and broker reachable, 503 when the broker is not; storage state; checks
cached and single-flight; worker details for staff only."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from leaderboard.broker import broker_config
from leaderboard.selectors import health
from leaderboard.services import worker_heartbeat_touch


@pytest.fixture(autouse=True)
def fresh_checks():
    """Every test starts without a cached result."""
    health.health_cache_clear()
    yield
    health.health_cache_clear()


def test_healthz_reports_ok_storage_and_heartbeat_age_publicly(client, db, settings, tmp_path):
    settings.SUBMISSION_ROOT = tmp_path
    settings.DATA_ROOT = tmp_path
    worker_heartbeat_touch(worker_id="celery@box:1", hostname="celery@box", queues="cpu")
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["ok"]
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert body["storage"] == {"submissions": "ok", "data": "ok"}
    assert body["worker"]["age_s"] >= 0
    assert "workers" not in body and "last_heartbeat" not in body["worker"]  # details are for staff


def test_healthz_shows_workers_to_staff(client, db, staff):
    worker_heartbeat_touch(worker_id="celery@box:1", hostname="celery@box", queues="cpu")
    client.force_login(staff)
    body = client.get("/healthz").json()
    assert body["workers"][0]["worker_id"] == "celery@box:1" and body["worker"]["last_heartbeat"]
    assert set(body["storage_free_bytes"]) == {"submissions", "data"}


def test_healthz_is_503_when_broker_unreachable(client, db, settings):
    settings.BROKER = broker_config("redis://127.0.0.1:1/0", lease_seconds=60)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert not body["ok"] and body["broker"].startswith("error") and body["worker"]["age_s"] is None


def test_storage_states_name_missing_read_only_and_full(tmp_path, monkeypatch):
    assert health.storage_check(area="x", path=tmp_path / "absent").state == "missing"
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    monkeypatch.setattr(health.os, "access", lambda path, mode: False)
    assert health.storage_check(area="x", path=locked).state == "read-only"
    monkeypatch.undo()
    monkeypatch.setattr(health, "STORAGE_MIN_FREE_BYTES", 1 << 62)
    full = health.storage_check(area="x", path=tmp_path)
    assert full.state == "full" and full.free_bytes > 0


def test_a_full_storage_is_reported_without_a_503(client, db, settings, tmp_path, monkeypatch):
    settings.SUBMISSION_ROOT = tmp_path
    monkeypatch.setattr(health, "STORAGE_MIN_FREE_BYTES", 1 << 62)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["storage"]["submissions"] == "full"


def test_checks_are_cached_and_one_thread_checks_at_a_time(monkeypatch):
    calls, started, release = [], threading.Event(), threading.Event()

    def slow_check():
        calls.append(1)
        if len(calls) > 1:
            started.set()
            release.wait(10)
        return health.HealthStatus(
            ok=True,
            database=True,
            broker=True,
            last_worker_heartbeat=None,
            workers=[],
            checked_at=time.monotonic(),
        )

    monkeypatch.setattr(health, "_health_check", slow_check)
    first = health.health_status()
    assert health.health_status() is first and len(calls) == 1  # cached within the TTL
    fresh = []
    checker = threading.Thread(target=lambda: fresh.append(health.health_status(ttl=0)))
    checker.start()
    assert started.wait(10)
    assert health.health_status(ttl=0) is first  # neither waits for nor repeats the running check
    release.set()
    checker.join(10)
    assert len(calls) == 2 and fresh[0] is not first and health.health_status() is fresh[0]


def test_a_single_failed_round_trip_is_not_reported(db, monkeypatch):
    answers, pauses = iter(["OperationalError", ""]), []
    monkeypatch.setattr(health, "broker_check", lambda: next(answers))
    monkeypatch.setattr(health.time, "sleep", pauses.append)
    assert health.health_status().ok
    assert pauses == [health.CONFIRM_PAUSE_S]  # the second attempt comes after a pause


def test_a_failure_confirmed_by_the_second_attempt_is_a_503(client, db, monkeypatch):
    monkeypatch.setattr(health, "broker_check", lambda: "OperationalError")
    monkeypatch.setattr(health.time, "sleep", lambda seconds: None)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["broker"] == "error: OperationalError"


def _beat(worker_id: str, *, seconds_ago: float, queues: str = "cpu") -> None:
    """A heartbeat row last seen `seconds_ago`."""
    from django.utils import timezone

    from leaderboard.models import WorkerHeartbeat

    worker_heartbeat_touch(worker_id=worker_id, hostname=worker_id.split(":")[0], queues=queues)
    seen = timezone.now() - dt.timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=seen)


def test_healthz_lists_only_live_workers_and_counts_their_nodes(client, db, staff, settings):
    settings.HEARTBEAT_SECONDS = 10  # live: a heartbeat within 30 s
    _beat("celery@a", seconds_ago=2)
    _beat("celery@a:4242", seconds_ago=5)  # a's pool process, scoring
    _beat("celery@b", seconds_ago=29)
    _beat("celery@killed", seconds_ago=31)
    public = client.get("/healthz").json()
    assert public["worker"]["live"] == 2 and public["worker"]["age_s"] < 29
    health.health_cache_clear()
    client.force_login(staff)
    shown = [w["worker_id"] for w in client.get("/healthz").json()["workers"]]
    assert shown == ["celery@a", "celery@a:4242", "celery@b"]


def test_healthz_is_200_with_no_live_worker(client, db):
    _beat("celery@gone", seconds_ago=600)
    response = client.get("/healthz")
    assert response.status_code == 200
    worker = response.json()["worker"]
    assert worker["live"] == 0 and worker["age_s"] >= 600


def test_worker_rows_expire_and_a_stopping_node_forgets_only_its_own(db):
    from leaderboard.models import WorkerHeartbeat
    from leaderboard.services import worker_heartbeats_expire, worker_heartbeats_forget

    _beat("celery@a", seconds_ago=1)
    _beat("celery@a:17", seconds_ago=1)
    _beat("celery@ab", seconds_ago=1)
    _beat("celery@old", seconds_ago=2 * 3600)
    assert worker_heartbeats_expire() == 1
    assert worker_heartbeats_forget(node="celery@a") == 2
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["celery@ab"]
