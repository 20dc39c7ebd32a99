"""The one place that sends evaluation tasks: on transaction commit, routed by benchmark to cpu or gpu, and
baselines to their own queues (cpu-baselines, gpu-baselines) so that users never wait behind all of them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction

from leaderboard.models import Submission
from leaderboard.queues import queue_name

logger = logging.getLogger(__name__)

#: Seconds the hard limit leaves after the soft one for the task to record the timeout.
HARD_LIMIT_MARGIN_S = 60


@dataclass(frozen=True)
class Dispatch:
    """What one task message carries and where it goes."""

    submission_id: int
    queue: str
    soft_time_limit: int
    time_limit: int


def submission_dispatch(*, submission: Submission) -> Dispatch:
    """Queue and time limits of the evaluation task for `submission`, from its benchmark."""
    benchmark = submission.phase.benchmark
    soft = max(1, int(benchmark.soft_time_limit_s))
    return Dispatch(
        submission_id=submission.pk,
        queue=queue_name(
            gpu=benchmark.needs_gpu or submission.phase.needs_gpu, baseline=submission.is_baseline
        ),
        soft_time_limit=soft,
        time_limit=soft + max(HARD_LIMIT_MARGIN_S, soft // 10),
    )


def dispatch_send(dispatch: Dispatch) -> None:
    """Publish the task message (imports workers.tasks lazily: leaderboard never imports it at load)."""
    from workers.tasks import evaluate_submission

    evaluate_submission.apply_async(
        kwargs={"submission_id": dispatch.submission_id},
        queue=dispatch.queue,
        soft_time_limit=dispatch.soft_time_limit,
        time_limit=dispatch.time_limit,
    )


def _send_logged(dispatch: Dispatch) -> None:
    try:
        dispatch_send(dispatch)
    except Exception:
        # The submission stays queued; the reaper re-sends messages of submissions nobody claims.
        logger.exception("could not enqueue submission %s; the reaper will retry", dispatch.submission_id)


def submission_enqueue(*, submission: Submission) -> None:
    """Send the evaluation task once the current transaction commits (at once outside a transaction)."""
    dispatch = submission_dispatch(submission=submission)
    transaction.on_commit(lambda: _send_logged(dispatch))
