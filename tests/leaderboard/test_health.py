"""GET /healthz: 200 with database and broker reachable, 503 when the broker is not; storage state; checks
cached and single-flight; worker details for staff only."""

from __future__ import annotations

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
    answers = iter(["ConnectionError", ""])
    monkeypatch.setattr(health, "broker_check", lambda: next(answers))
    assert health.health_status().ok
