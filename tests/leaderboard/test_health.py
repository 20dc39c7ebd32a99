"""GET /healthz: 200 with database and broker reachable, 503 when the broker is not; heartbeat age shown."""

from __future__ import annotations

from leaderboard.services import worker_heartbeat_touch


def test_healthz_reports_ok_with_latest_worker_heartbeat(client, db):
    worker_heartbeat_touch(worker_id="celery@box:1", hostname="celery@box", queues="cpu")
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["ok"]
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert body["worker"]["age_s"] >= 0 and body["workers"][0]["worker_id"] == "celery@box:1"


def test_healthz_is_503_when_broker_unreachable(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert not body["ok"] and body["broker"].startswith("error") and body["worker"]["last_heartbeat"] is None
