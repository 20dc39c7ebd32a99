"""Worker liveness (WorkerHeartbeat rows, read by /healthz) and the set-up of a worker's pool process."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone

from leaderboard.models import WorkerHeartbeat


def worker_heartbeat_touch(
    *, worker_id: str, hostname: str = "", queues: str = "", current_submission_id: int | None = None
) -> None:
    """Record that `worker_id` is alive now (and what it works on)."""
    defaults = {"last_seen": timezone.now(), "current_submission_id": current_submission_id}
    if hostname:
        defaults["hostname"] = hostname[:200]
    if queues:
        defaults["queues"] = queues[:200]
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id[:200], defaults=defaults, create_defaults={**defaults, "hostname": hostname[:200]}
    )


#: A heartbeat row not renewed for this long is deleted (a worker killed without notice leaves one behind).
WORKER_ROW_EXPIRY = dt.timedelta(hours=1)
#: The worker id of a pool process: its node's name, a colon and the process id.
POOL_ID = re.compile(r"^(?P<node>.+):\d+$")


def worker_node(*, worker_id: str) -> str:
    """The Celery node a heartbeat row belongs to (a pool process's row names its node before the pid)."""
    match = POOL_ID.match(worker_id)
    return match.group("node") if match else worker_id


def worker_heartbeats_forget(*, node: str) -> int:
    """Delete the rows of a worker node that stops (its own and its pool processes'); how many."""
    rows = WorkerHeartbeat.objects.filter(Q(worker_id=node) | Q(worker_id__startswith=f"{node}:"))
    return rows.delete()[0]


def worker_heartbeats_expire(*, now: dt.datetime | None = None) -> int:
    """Delete heartbeat rows older than WORKER_ROW_EXPIRY; how many."""
    since = (now or timezone.now()) - WORKER_ROW_EXPIRY
    return WorkerHeartbeat.objects.filter(last_seen__lt=since).delete()[0]


def worker_process_prepare() -> None:
    """Set up a worker's pool process: one code sandbox warmed ahead (none where bubblewrap cannot run)."""
    from evaluator.sandbox.spare import spare_enable

    spare_enable()
