"""Thin Celery tasks: ids in, one service call."""

from __future__ import annotations

import os

from workers import signals  # noqa: F401  (worker heartbeat timer)
from workers.celery import app


def worker_identity(hostname: str | None) -> str:
    """This process's worker id: the Celery node name and the process id."""
    return f"{hostname or 'worker'}:{os.getpid()}"


@app.task(name="workers.tasks.evaluate_submission", bind=True, acks_late=True, reject_on_worker_lost=True)
def evaluate_submission(self, submission_id: int) -> None:
    """Evaluate one submission (a no-op when another worker already claimed it)."""
    from leaderboard.services import submission_evaluate

    submission_evaluate(submission_id=int(submission_id), worker_id=worker_identity(self.request.hostname))


@app.task(name="workers.tasks.reap_expired_leases")
def reap_expired_leases() -> dict[str, list[int] | int]:
    """Requeue or fail submissions whose lease expired; re-send lost messages; release held submissions
    whose data is ready; delete expired worker heartbeat rows."""
    from leaderboard.services import leases_reap, worker_heartbeats_expire

    result = leases_reap()
    expired = worker_heartbeats_expire()
    return {
        "requeued": result.requeued,
        "failed": result.failed,
        "redispatched": result.redispatched,
        "released": result.released,
        "worker_rows_expired": expired,
    }
