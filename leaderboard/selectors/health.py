"""Health reads for /healthz: database, broker (real connection, short timeout) and worker heartbeats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from leaderboard.models import WorkerHeartbeat

BROKER_TIMEOUT_S = 2.0
MAX_WORKERS_SHOWN = 20
HEALTH_QUEUE = "health-check"


@dataclass(frozen=True)
class WorkerView:
    """A worker's latest heartbeat."""

    worker_id: str
    hostname: str
    queues: str
    last_seen: dt.datetime
    age_s: float
    current_submission_id: int | None


@dataclass(frozen=True)
class HealthStatus:
    """ok = database and broker reachable; worker heartbeats are reported, not required."""

    ok: bool
    database: bool
    broker: bool
    last_worker_heartbeat: dt.datetime | None
    workers: list[WorkerView]
    last_worker_heartbeat_age_s: float | None = None
    database_error: str = ""
    broker_error: str = ""


def database_check() -> str:
    """Empty string when `SELECT 1` works, else the error class name."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return ""
    except Exception as exc:
        return type(exc).__name__


def broker_check(*, url: str | None = None, timeout: float = BROKER_TIMEOUT_S) -> str:
    """Empty string when a real connection to the broker opens within `timeout`, else the error class name."""
    url = url or settings.CELERY_BROKER_URL
    options = {}
    if url.startswith(("redis://", "rediss://")):
        options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    try:
        with Connection(url, connect_timeout=timeout, transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            # Declaring a queue is a real round trip on every transport (the sqla one touches its tables).
            channel = conn.default_channel
            channel.queue_declare(queue=HEALTH_QUEUE, passive=False, durable=True, auto_delete=False)
        return ""
    except Exception as exc:
        return type(exc).__name__


def health_status() -> HealthStatus:
    """Database, broker and worker heartbeats, for /healthz."""
    now = timezone.now()
    db_error = database_check()
    broker_error = broker_check()
    workers: list[WorkerView] = []
    if not db_error:
        for beat in WorkerHeartbeat.objects.order_by("-last_seen")[:MAX_WORKERS_SHOWN]:
            workers.append(
                WorkerView(
                    beat.worker_id,
                    beat.hostname,
                    beat.queues,
                    beat.last_seen,
                    (now - beat.last_seen).total_seconds(),
                    beat.current_submission_id,
                )
            )
    last = workers[0].last_seen if workers else None
    return HealthStatus(
        ok=not db_error and not broker_error,
        database=not db_error,
        broker=not broker_error,
        last_worker_heartbeat=last,
        workers=workers,
        last_worker_heartbeat_age_s=(now - last).total_seconds() if last else None,
        database_error=db_error,
        broker_error=broker_error,
    )
