"""Final writes of an evaluation: scores + scored state in one transaction, or a failure; both conditional."""

from __future__ import annotations

import datetime as dt
import math

from django.db import transaction
from django.utils import timezone

from evaluator.contract import ScoreReport, SplitScore
from leaderboard.models import Score, Submission
from leaderboard.services.board_publish import leaderboard_submission_sync

Status = Submission.Status
LOG_TAIL_BYTES = 4096


def log_tail_text(*, lines: list[str], limit: int = LOG_TAIL_BYTES) -> str:
    """The last `limit` bytes (UTF-8) of the joined log lines."""
    data = "\n".join(lines).encode("utf-8")
    return data[-limit:].decode("utf-8", errors="ignore")


def _number(value) -> float | None:
    """A finite float, or None for None, booleans and non-finite values."""
    if value is None or isinstance(value, bool):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _split_fields(split: SplitScore) -> dict:
    """The Score row fields of one split: finite metrics, n/a reasons and item values."""
    metrics = {name: _number(value) for name, value in split.metrics.items()}
    reasons = {str(k): str(v) for k, v in split.na_reasons.items()}
    for name, value in split.metrics.items():
        if value is not None and metrics[name] is None:
            reasons.setdefault(name, "not a finite number")
    items = [
        {"item": item.item, "group": item.group, "values": {k: _number(v) for k, v in item.values.items()}}
        for item in split.items
    ]
    return {"metrics": metrics, "na_reasons": reasons, "items": items}


def submission_record_scores(
    *, submission_id: int, worker_id: str, report: ScoreReport, log_tail: str, data_id: str
) -> bool:
    """Write every split's Score and the scored state atomically, only while this worker holds the lease.

    `data_id` names the data the report was computed on (Benchmark.data_id). Idempotent: a score of the
    same (submission, split, protocol) is replaced, never duplicated."""
    now = timezone.now()
    with transaction.atomic():
        owned = Submission.objects.filter(pk=submission_id, status=Status.RUNNING, worker_id=worker_id)
        if (
            owned.update(
                status=Status.SCORED,
                progress=1.0,
                stage="scored",
                lease_expires_at=None,
                finished_at=now,
                failure_kind="",
                error_message="",
                log_tail=log_tail,
                data_id=data_id,
                updated_at=now,
            )
            != 1
        ):
            return False
        hardware = {str(k): str(v) for k, v in report.hardware.items()}
        scores = [
            Score(
                submission_id=submission_id,
                split=split,
                protocol_version=report.protocol_version,
                hardware=hardware,
                data_id=data_id,
                **_split_fields(split_score),
            )
            for split, split_score in report.splits.items()
        ]
        # One upsert for every split: a score of the same (submission, split, protocol) is replaced.
        Score.objects.bulk_create(
            scores,
            update_conflicts=True,
            unique_fields=["submission", "split", "protocol_version"],
            update_fields=["metrics", "na_reasons", "items", "hardware", "data_id"],
        )
        # The new entry's rows only (milliseconds at any board size), committed with the score.
        leaderboard_submission_sync(submission_id=submission_id)
    return True


def submission_failed_fields(*, kind: str, message: str, now: dt.datetime, refund: bool) -> dict:
    """The UPDATE fields that end a running submission as failed, giving its quota back when `refund`."""
    fields = dict(
        status=Status.FAILED,
        failure_kind=kind,
        error_message=message,
        lease_expires_at=None,
        finished_at=now,
        stage="failed",
        updated_at=now,
    )
    if refund:
        fields["quota_charged"] = False
    return fields


def submission_record_failure(
    *, submission_id: int, worker_id: str, kind: str, message: str, log_tail: str, refund: bool
) -> bool:
    """Mark a running submission failed (kind: validation, platform, timeout), refunding when asked."""
    fields = submission_failed_fields(kind=kind, message=message, now=timezone.now(), refund=refund)
    with transaction.atomic():
        changed = Submission.objects.filter(
            pk=submission_id, status=Status.RUNNING, worker_id=worker_id
        ).update(**fields, log_tail=log_tail)
    return changed == 1
