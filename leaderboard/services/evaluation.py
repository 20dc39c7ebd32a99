"""submission_evaluate: claim, validate, score under a renewed lease, and record exactly one outcome."""

from __future__ import annotations

import logging
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded

from evaluator.contract import Payload, Problem, SubmissionRefused, SubmissionTimedOut, WorkerUnequipped
from evaluator.registry import benchmark_get
from leaderboard.models import Submission
from leaderboard.services.artefacts import submission_artefacts_write
from leaderboard.services.benchmarks import benchmark_data_dir
from leaderboard.services.holds import submission_hold_again
from leaderboard.services.keeper import EvaluationAborted, LeaseKeeper
from leaderboard.services.leases import submission_claim
from leaderboard.services.outcomes import log_tail_text, submission_record_failure, submission_record_scores
from leaderboard.services.payloads import payload_path
from leaderboard.services.workers import worker_heartbeat_touch

logger = logging.getLogger(__name__)
Kind = Submission.FailureKind
#: The share of the soft time limit (at most TIME_MARGIN_MAX_S) that submitted code leaves to the end of
#: the task, so that the code's own limit (a named problem) comes before Celery's soft limit.
TIME_MARGIN_SHARE, TIME_MARGIN_MAX_S = 0.1, 10.0


class PlatformProblem(Exception):
    """The platform (not the submission) cannot evaluate: data missing, benchmark unknown."""


class DataNotReady(Exception):
    """The benchmark's data is missing or building: the submission waits for it (held, not failed)."""


class RunLog(logging.Handler):
    """The evaluation's log: worker messages and evaluator log records, last lines kept."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: deque[str] = deque(maxlen=400)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def add(self, line: str) -> None:
        """Append a worker message."""
        self.lines.append(str(line))

    def emit(self, record: logging.LogRecord) -> None:
        """Keep an evaluator log record."""
        self.lines.append(self.format(record))

    def tail(self) -> str:
        """The last ~4 KB."""
        return log_tail_text(lines=list(self.lines))


@contextmanager
def _capturing(run_log: RunLog):
    """Send the evaluator's log records to `run_log` while the block runs."""
    target = logging.getLogger("evaluator")
    target.addHandler(run_log)
    try:
        yield
    finally:
        target.removeHandler(run_log)


def time_left(*, soft_limit_s: float, started: float) -> float:
    """Seconds score() may give submitted code: the soft limit less what the task spent since ``started``
    (monotonic) and a margin for ending cleanly; at least one second."""
    margin = min(TIME_MARGIN_MAX_S, TIME_MARGIN_SHARE * soft_limit_s)
    return max(1.0, soft_limit_s - (time.monotonic() - started) - margin)


def _payload(submission: Submission, public_dir: Path, *, started: float) -> Payload:
    """The evaluator payload of a stored submission (file path or JSON config) and its time left."""
    left = time_left(soft_limit_s=submission.phase.benchmark.soft_time_limit_s, started=started)
    if submission.payload_kind == "file":
        path = payload_path(name=submission.payload_file.name)
        if not path.is_file():
            raise PlatformProblem("the stored payload file is missing")
        return Payload(phase=submission.phase.slug, public_dir=public_dir, file=path, time_limit_s=left)
    config = submission.payload_config or {}
    return Payload(phase=submission.phase.slug, public_dir=public_dir, config=config, time_limit_s=left)


def problems_text(*, problems: list[Problem], payload: Payload, uploaded_name: str) -> str:
    """The problems one per line, the stored file's name replaced by the name it was uploaded under."""
    stored = payload.file.name if payload.file is not None else ""
    shown = uploaded_name or "the uploaded file"
    lines = []
    for problem in problems:
        text = str(problem)
        lines.append(text.replace(stored, shown) if stored else text)
    return "\n".join(lines)


def _score(
    submission: Submission, keeper: LeaseKeeper, run_log: RunLog, worker_id: str, started: float
) -> None:
    """Validate, then score, and record the validation failure, the code's timeout or the scores."""
    try:
        plugin = benchmark_get(submission.phase.benchmark.slug)
    except ValueError as exc:
        raise PlatformProblem(str(exc)) from None
    benchmark = submission.phase.benchmark
    data_dir = benchmark_data_dir(benchmark=benchmark)
    if not (data_dir / "public").is_dir() or not (data_dir / "hidden").is_dir():
        benchmark.refresh_from_db(fields=["data_status"])
        if benchmark.data_status != benchmark.DataStatus.READY:
            raise DataNotReady(f"the data of benchmark {benchmark.slug!r} is {benchmark.data_status}")
        raise PlatformProblem(f"the data of benchmark {benchmark.slug!r} is not built")
    if submission.data_id != benchmark.data_id and not plugin.spec.rescore_on_new_data:
        raise PlatformProblem(
            f"this submission answers data {submission.data_id or 'n/a'}, which was replaced by"
            f" {benchmark.data_id} after it was made; download the new bundle and submit again"
        )
    payload = _payload(submission, data_dir / "public", started=started)
    keeper.progress(0.0, "validating")
    run_log.add("validating the payload")
    problems = plugin.validate(payload)
    if problems:
        run_log.add(f"validation found {len(problems)} problem(s)")
        submission_record_failure(
            submission_id=submission.pk,
            worker_id=worker_id,
            kind=Kind.VALIDATION,
            message=problems_text(problems=problems, payload=payload, uploaded_name=submission.payload_name),
            log_tail=run_log.tail(),
            refund=True,
        )
        return
    keeper.progress(0.0, "scoring")
    run_log.add("scoring")
    try:
        report = plugin.score(payload, data_dir / "hidden", keeper.progress)
    except SubmissionTimedOut as exc:
        run_log.add("the submitted code reached its time limit")
        submission_record_failure(
            submission_id=submission.pk,
            worker_id=worker_id,
            kind=Kind.TIMEOUT,
            message=f"the evaluation exceeded the benchmark's time limit: {exc}",
            log_tail=run_log.tail(),
            refund=False,
        )
        return
    except SubmissionRefused as exc:
        run_log.add("refused after measurement")
        submission_record_failure(
            submission_id=submission.pk,
            worker_id=worker_id,
            kind=Kind.VALIDATION,
            message=str(exc),
            log_tail=run_log.tail(),
            refund=True,
        )
        return
    for line in report.log:
        run_log.add(line)
    if keeper.lost.is_set():
        raise EvaluationAborted("lease lost while scoring")
    run_log.add(f"scored: splits {', '.join(report.splits)}; protocol {report.protocol_version}")
    if not submission_record_scores(
        submission_id=submission.pk,
        worker_id=worker_id,
        report=report,
        log_tail=run_log.tail(),
        data_id=benchmark.data_id,
    ):
        raise EvaluationAborted("lease lost before the scores were written")
    submission_artefacts_write(submission_id=submission.pk, artefacts=report.artefacts)


def submission_evaluate(*, submission_id: int, worker_id: str) -> None:
    """Evaluate one submission if this worker wins the claim; every outcome is recorded exactly once."""
    started = time.monotonic()  # Celery's soft time limit counts from the task's start, about now
    if not submission_claim(submission_id=submission_id, worker_id=worker_id):
        logger.info("submission %s not claimable (already taken, finished or cancelled)", submission_id)
        return
    submission = Submission.objects.select_related("phase__benchmark").get(pk=submission_id)
    run_log = RunLog()
    run_log.add(f"claimed by {worker_id} (attempt {submission.attempts})")
    worker_heartbeat_touch(worker_id=worker_id, current_submission_id=submission_id)
    failure = None
    try:
        with LeaseKeeper(submission_id=submission_id, worker_id=worker_id) as keeper, _capturing(run_log):
            _score(submission, keeper, run_log, worker_id, started)
    except EvaluationAborted as exc:
        run_log.add(f"stopped: {exc}")
        logger.info("submission %s: %s", submission_id, exc)
    except DataNotReady as exc:
        logger.info("submission %s held again: %s", submission_id, exc)
        submission_hold_again(submission_id=submission_id, worker_id=worker_id)
    except SoftTimeLimitExceeded:
        run_log.add("time limit reached")
        failure = (Kind.TIMEOUT, "the evaluation exceeded the benchmark's time limit", False)
    except WorkerUnequipped as exc:
        run_log.add(f"worker unequipped: {exc}")
        failure = (Kind.PLATFORM, f"platform error: this worker cannot score the phase: {exc}; your quota"
                   " was refunded", True)  # fmt: skip
    except PlatformProblem as exc:
        run_log.add(f"platform problem: {exc}")
        failure = (Kind.PLATFORM, f"platform error: {exc}; your quota was refunded", True)
    except Exception as exc:
        logger.exception("submission %s: scoring crashed", submission_id)
        run_log.add(f"internal error: {type(exc).__name__}")
        failure = (
            Kind.PLATFORM,
            "platform error: the scorer failed internally; your quota was refunded",
            True,
        )
    finally:
        worker_heartbeat_touch(worker_id=worker_id, current_submission_id=None)
    if failure:
        kind, message, refund = failure
        submission_record_failure(
            submission_id=submission_id,
            worker_id=worker_id,
            kind=kind,
            message=message,
            log_tail=run_log.tail(),
            refund=refund,
        )
