"""Where a queued submission stands: its place in its queue and an estimate of its start, with the basis.

A user's submission counts only what runs before it: the users' submissions queued ahead of it on its
queue (cpu or gpu) and the runs in progress. Baselines wait on their own queue (cpu-baselines,
gpu-baselines), which the same workers take in turn with it, so a baseline can start between two users'
runs: the estimate counts one baseline run per user ahead (while baselines wait); the position does not."""

from __future__ import annotations

import datetime as dt
import heapq
import statistics
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from leaderboard.models import HOLD_STAGE, Submission, WorkerHeartbeat
from leaderboard.queueing import submission_dispatch
from leaderboard.queues import BASELINES_SUFFIX, is_baselines_queue, queue_kind
from leaderboard.selectors.submissions import worker_live_window

#: Scored runs the estimate is made of: the most recent ones of the phase, else of the queue.
HISTORY = 20


@dataclass(frozen=True)
class QueuePlace:
    """A queued submission's place: 1 = next to start; the estimate is None when there is no basis for one."""

    queue: str
    position: int
    ahead_queued: int
    running: int
    workers: int
    typical_run_s: float | None
    history: int
    estimated_start_s: float | None

    def text(self) -> str:
        """One line for the page and the CLI."""
        line = f"position {self.position} in the {self.queue} queue ({self.running} running"
        line += f", {self.workers} worker{'s' if self.workers != 1 else ''} connected)"
        if self.estimated_start_s is None:
            reason = "no worker is connected" if not self.workers else "no run has been timed yet"
            return f"{line}; no start estimate: {reason}"
        basis = f"median run {self.typical_run_s:.0f} s over the last {self.history} scored"
        if self.estimated_start_s < 30:
            return f"{line}; a worker is free or about to be ({basis})"
        return f"{line}; estimated start in about {max(1, round(self.estimated_start_s / 60))} min ({basis})"


def _on_kind(queue: str) -> Q:
    """Submissions on the workers of `queue`: cpu (and cpu-baselines) or gpu (and gpu-baselines)."""
    gpu = Q(phase__needs_gpu=True) | Q(phase__benchmark__needs_gpu=True)
    return gpu if queue_kind(queue) == "gpu" else ~gpu


def _on_queue(queue: str) -> Q:
    """Submissions sent to `queue` itself."""
    return _on_kind(queue) & Q(is_baseline=is_baselines_queue(queue))


def _run_seconds(scored: QuerySet[Submission]) -> list[float]:
    rows = scored.order_by("-finished_at").values_list("started_at", "finished_at")[:HISTORY]
    return [(end - start).total_seconds() for start, end in rows if start and end and end >= start]


def _first_free_slot(*, busy: list[float], workers: int, ahead: int, typical: float) -> float:
    """Seconds until a worker is free for this submission: FIFO, every run taking `typical` seconds."""
    slots = sorted(busy)[:workers] + [0.0] * max(0, workers - len(busy))
    heapq.heapify(slots)
    for _ in range(ahead):
        heapq.heappush(slots, heapq.heappop(slots) + typical)
    return slots[0]


def _workers_on(queue: str, *, now: dt.datetime) -> int:
    since = now - worker_live_window()
    return WorkerHeartbeat.objects.filter(queues__regex=rf"(^|,){queue}(,|$)", last_seen__gte=since).count()


def _baselines_between(*, queue: str, ahead: int) -> int:
    """Baseline runs that may start before a user's submission with `ahead` users ahead: one after each."""
    if is_baselines_queue(queue) or not ahead:
        return 0
    waiting = Submission.objects.filter(_on_queue(queue + BASELINES_SUFFIX), status=Submission.Status.QUEUED)
    return min(ahead, waiting.exclude(stage=HOLD_STAGE).count())


def submission_queue_place(*, submission: Submission, now: dt.datetime | None = None) -> QueuePlace | None:
    """The place of a queued `submission` in its queue (None once it is no longer queued, and while it is
    held for its benchmark's data: it is in no queue yet, and held ones are ahead of nobody)."""
    if submission.status != Submission.Status.QUEUED or submission.is_held:
        return None
    now = now or timezone.now()
    queue = submission_dispatch(submission=submission).queue
    same_queue = Submission.objects.filter(_on_queue(queue))
    waiting = same_queue.filter(status=Submission.Status.QUEUED).exclude(stage=HOLD_STAGE)
    ahead = waiting.filter(
        Q(created_at__lt=submission.created_at) | Q(created_at=submission.created_at, pk__lt=submission.pk)
    ).count()
    on_workers = Submission.objects.filter(_on_kind(queue), status=Submission.Status.RUNNING)
    running = list(on_workers.values_list("started_at", flat=True))
    scored = Submission.objects.filter(status=Submission.Status.SCORED)
    runs = _run_seconds(scored.filter(phase=submission.phase))
    runs = runs or _run_seconds(scored.filter(_on_kind(queue)))
    workers = _workers_on(queue, now=now)
    typical = statistics.median(runs) if runs else None
    estimate = None
    if typical is not None and workers:
        left = [max(0.0, typical - (now - (start or now)).total_seconds()) for start in running]
        between = _baselines_between(queue=queue, ahead=ahead)
        estimate = _first_free_slot(busy=left, workers=workers, ahead=ahead + between, typical=typical)
    return QueuePlace(
        queue=queue,
        position=ahead + 1,
        ahead_queued=ahead,
        running=len(running),
        workers=workers,
        typical_run_s=typical,
        history=len(runs),
        estimated_start_s=estimate,
    )
