"""LeaseKeeper: the heartbeat thread that renews a running submission's lease and relays progress."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connection

from leaderboard.services.leases import submission_heartbeat
from leaderboard.services.workers import worker_heartbeat_touch

logger = logging.getLogger(__name__)


class EvaluationAborted(Exception):
    """The lease was lost (cancelled or reaped): stop scoring and write nothing."""


class LeaseKeeper:
    """Renews the lease every HEARTBEAT_SECONDS in a background thread; `progress` is score()'s callback.

    When a renewal finds the submission no longer running under this worker, `lost` is set and the next
    progress report raises EvaluationAborted inside score()."""

    def __init__(self, *, submission_id: int, worker_id: str, interval: float | None = None) -> None:
        self.submission_id = submission_id
        self.worker_id = worker_id
        self.interval = float(interval if interval is not None else settings.HEARTBEAT_SECONDS)
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._fraction, self._stage = 0.0, "running"
        self._thread = threading.Thread(target=self._run, name=f"lease-{submission_id}", daemon=True)

    def progress(self, fraction: float, stage: str) -> None:
        """Record progress for the next heartbeat; raises EvaluationAborted once the lease is lost."""
        with self._lock:
            self._fraction, self._stage = float(fraction), str(stage)
        if self.lost.is_set():
            raise EvaluationAborted(
                f"submission {self.submission_id} is no longer leased to {self.worker_id}"
            )

    def beat(self) -> bool:
        """One renewal now; False (and `lost` set) when the lease is gone."""
        with self._lock:
            fraction, stage = self._fraction, self._stage
        alive = submission_heartbeat(
            submission_id=self.submission_id, worker_id=self.worker_id, progress=fraction, stage=stage
        )
        if not alive:
            self.lost.set()
        worker_heartbeat_touch(
            worker_id=self.worker_id, current_submission_id=self.submission_id if alive else None
        )
        return alive

    def _run(self) -> None:
        """Renew the lease every interval until stopped or the lease is lost."""
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self.beat():
                        return
                except Exception:
                    logger.exception("heartbeat of submission %s failed; retrying", self.submission_id)
        finally:
            connection.close()

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=max(5.0, self.interval * 2))
