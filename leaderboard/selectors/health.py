"""Health reads for /healthz: database, broker (real connection, short timeout), storage and heartbeats.

The checks run at most once per HEALTH_TTL_S in a process, by one thread at a time: concurrent polls get
the last result instead of opening more broker connections, and a failed check is confirmed by a second
attempt before it is reported."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from leaderboard.broker import BrokerConfig
from leaderboard.models import WorkerHeartbeat
from leaderboard.selectors.submissions import worker_live_window
from leaderboard.services.workers import worker_node

BROKER_TIMEOUT_S = 2.0
#: How long one set of checks serves every poll of this process.
HEALTH_TTL_S = 5.0
#: Below this much free space a storage area reports "full" (an upload or a bundle would not fit).
STORAGE_MIN_FREE_BYTES = 64 * 1024 * 1024
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
class StorageState:
    """One storage area: "ok", or why writes there fail ("full", "read-only", "missing")."""

    area: str
    state: str
    free_bytes: int | None = None


@dataclass(frozen=True)
class HealthStatus:
    """ok = database and broker reachable; storage and worker heartbeats are reported, not required.
    `workers` holds the live ones only (a heartbeat within worker_live_window); `live_nodes` counts their
    Celery nodes (a node's pool process beats under its own id while it scores)."""

    ok: bool
    database: bool
    broker: bool
    last_worker_heartbeat: dt.datetime | None
    workers: list[WorkerView]
    live_nodes: int = 0
    last_worker_heartbeat_age_s: float | None = None
    database_error: str = ""
    broker_error: str = ""
    storage: list[StorageState] = field(default_factory=list)
    checked_at: float = 0.0


def database_check() -> str:
    """Empty string when `SELECT 1` works, else the error class name."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return ""
    except Exception as exc:
        return type(exc).__name__


def broker_check(*, broker: BrokerConfig | None = None, timeout: float = BROKER_TIMEOUT_S) -> str:
    """Empty string when a real connection to the broker opens within `timeout`, else the error class name."""
    broker = broker or settings.BROKER
    options = dict(broker.options)
    if broker.url.startswith(("redis://", "rediss://")):
        options |= {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    try:
        with Connection(
            broker.url, transport=broker.transport, connect_timeout=timeout, transport_options=options
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            # Declaring a queue is a real round trip on every transport (the sqla one touches its tables).
            channel = conn.default_channel
            channel.queue_declare(queue=HEALTH_QUEUE, passive=False, durable=True, auto_delete=False)
        return ""
    except Exception as exc:
        return type(exc).__name__


def storage_check(*, area: str, path: Path) -> StorageState:
    """Whether files can be written under `path`: missing, read-only, full (free space) or ok."""
    if not path.is_dir():
        return StorageState(area, "missing")
    if not os.access(path, os.W_OK | os.X_OK):
        return StorageState(area, "read-only")
    try:
        free = shutil.disk_usage(path).free
    except OSError as exc:
        return StorageState(area, (os.strerror(exc.errno) if exc.errno else str(exc)).lower())
    return StorageState(area, "full" if free < STORAGE_MIN_FREE_BYTES else "ok", free)


def storage_states() -> list[StorageState]:
    """The submission uploads and the benchmark data (bundles are built beside it)."""
    return [
        storage_check(area="submissions", path=Path(settings.SUBMISSION_ROOT)),
        storage_check(area="data", path=Path(settings.DATA_ROOT)),
    ]


_lock = threading.Lock()
_last: list[HealthStatus] = []


def health_status(*, ttl: float = HEALTH_TTL_S) -> HealthStatus:
    """The latest checks, at most `ttl` seconds old; one thread re-checks while the others keep the last."""
    last = _last[0] if _last else None
    if last is not None and time.monotonic() - last.checked_at < ttl:
        return last
    if not _lock.acquire(blocking=last is None):
        return last  # another thread is checking: this poll does not wait for it
    try:
        current = _last[0] if _last else None
        if current is not None and current is not last:  # checked by the thread this one waited for
            return current
        status = _health_check()
        _last[:] = [status]
        return status
    finally:
        _lock.release()


def health_cache_clear() -> None:
    """Forget the last checks (the next poll checks again)."""
    _last.clear()


#: The pause before the second attempt of a failed check (a busy SQLite broker or a lost packet clears).
CONFIRM_PAUSE_S = 0.25


def _confirmed(check) -> str:
    """A check's error, only when a second attempt after CONFIRM_PAUSE_S fails too (a single lost round
    trip, or a broker database busy for an instant, is no outage)."""
    if not check():
        return ""
    time.sleep(CONFIRM_PAUSE_S)
    return check()


def _health_check() -> HealthStatus:
    """Database, broker, storage and worker heartbeats, checked now."""
    now = timezone.now()
    db_error = _confirmed(database_check)
    broker_error = _confirmed(broker_check)
    workers: list[WorkerView] = []
    last, nodes = None, 0
    if not db_error:
        last = WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True).first()
        live = WorkerHeartbeat.objects.filter(last_seen__gte=now - worker_live_window())
        ids = list(live.values_list("worker_id", flat=True))
        nodes = len({worker_node(worker_id=worker_id) for worker_id in ids})
        for beat in live.order_by("-last_seen")[:MAX_WORKERS_SHOWN]:
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
    return HealthStatus(
        ok=not db_error and not broker_error,
        database=not db_error,
        broker=not broker_error,
        last_worker_heartbeat=last,
        workers=workers,
        live_nodes=nodes,
        last_worker_heartbeat_age_s=(now - last).total_seconds() if last else None,
        database_error=db_error,
        broker_error=broker_error,
        storage=storage_states(),
        checked_at=time.monotonic(),
    )
