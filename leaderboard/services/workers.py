"""Worker liveness (WorkerHeartbeat rows, read by /healthz) and the set-up of a worker's pool process."""

from __future__ import annotations

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


def worker_process_prepare() -> None:
    """Set up a worker's pool process: one code sandbox warmed ahead (none where bubblewrap cannot run)."""
    from evaluator.sandbox.spare import spare_enable

    spare_enable()
