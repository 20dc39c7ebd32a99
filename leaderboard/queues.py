"""Queue names (no Django import: the stack runner reads them before Django is set up)."""

from __future__ import annotations

#: The suffix of the queues baseline submissions go to; every worker on "cpu" also consumes "cpu-baselines"
#: (and so for gpu). Kombu polls a worker's queues in turn (a fair cycle: Redis rotates the queue just served
#: to the end, the embedded SQLAlchemy transport goes on from the next queue), so a user's submission starts
#: after at most the baseline task in progress, not after every baseline queued at first start.
BASELINES_SUFFIX = "-baselines"


def queue_name(*, gpu: bool, baseline: bool) -> str:
    """The queue of an evaluation task: cpu or gpu, with the baselines suffix for a baseline."""
    return ("gpu" if gpu else "cpu") + (BASELINES_SUFFIX if baseline else "")


def consumed_queues(*kinds: str) -> str:
    """The comma-separated queues of a worker on `kinds` ("cpu", "gpu"): each and its baselines queue."""
    return ",".join(name for kind in kinds for name in (kind, kind + BASELINES_SUFFIX))


def queue_kind(name: str) -> str:
    """The workers' kind of a queue: "cpu" or "gpu" (a baselines queue's kind is its users' queue's)."""
    return name.removesuffix(BASELINES_SUFFIX)


def is_baselines_queue(name: str) -> bool:
    """Whether a queue holds baseline submissions."""
    return name.endswith(BASELINES_SUFFIX)
