"""Submission and score reads, filtered by who is looking."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from leaderboard.models import Score, Submission, WorkerHeartbeat
from leaderboard.selectors.duplicates import submissions_same_content
from leaderboard.selectors.errors import SubmissionNotFound


def submission_list_for_user(*, user) -> QuerySet[Submission]:
    """The user's submissions, newest first, with phase and benchmark loaded."""
    return (
        Submission.objects.filter(owner_id=user.pk)
        .select_related("phase__benchmark", "owner")
        .order_by("-created_at", "-id")
    )


def submission_viewer_is_insider(*, submission: Submission, viewer) -> bool:
    """Whether `viewer` owns the submission or is staff (sees its payload, errors and log)."""
    authenticated = viewer is not None and getattr(viewer, "is_authenticated", False)
    return bool(authenticated and (viewer.is_staff or viewer.pk == submission.owner_id))


def submission_duplicate_of(*, submission: Submission) -> int | None:
    """The earliest earlier submission of the same owner to the same phase with the same content (the
    payload's SHA-256), or None: a second upload of the same file or config is flagged, not refused."""
    if submission.is_baseline or not submission.payload_sha256:
        return None
    return (
        submissions_same_content(
            owner_id=submission.owner_id, phase_id=submission.phase_id, payload_kind=submission.payload_kind,
            payload_sha256=submission.payload_sha256, before=submission.pk,
        )
        .values_list("pk", flat=True)
        .first()
    )  # fmt: skip


def submission_board_is_public(*, submission: Submission) -> bool:
    """Whether the submission's phase and benchmark are shown publicly (their leaderboard is public)."""
    return submission.phase.is_visible and submission.phase.benchmark.is_visible


def submission_is_listed(*, submission: Submission) -> bool:
    """Whether the submission is a public leaderboard entry: scored, listed publicly, not hidden by a host,
    on a visible phase of a visible benchmark (on the data in service or not)."""
    if submission.status != Submission.Status.SCORED or not submission.is_public or submission.is_hidden:
        return False
    return submission_board_is_public(submission=submission)


def submission_get_for_viewer(*, submission_id: int, viewer) -> Submission:
    """The submission if `viewer` owns it or is staff, or it is a public baseline or leaderboard entry;
    SubmissionNotFound otherwise (private, hidden, unscored entries of others do not exist for them)."""
    try:
        submission = Submission.objects.select_related("phase__benchmark", "owner").get(pk=submission_id)
    except (Submission.DoesNotExist, ValueError, TypeError):
        raise SubmissionNotFound(f"no submission {submission_id!r}") from None
    public_baseline = submission.is_baseline and submission_board_is_public(submission=submission)
    if public_baseline or submission_is_listed(submission=submission):
        return submission
    if submission_viewer_is_insider(submission=submission, viewer=viewer):
        return submission
    raise SubmissionNotFound(f"no submission {submission_id!r}")


def scores_visible(*, submission: Submission, viewer) -> list[Score]:
    """Public-split scores always; private ones once the phase shows its private split, or to staff."""
    scores = Score.objects.filter(submission=submission).order_by("split", "-created_at")
    staff = viewer is not None and getattr(viewer, "is_staff", False)
    if not (staff or submission.phase.private_visible()):
        scores = scores.filter(split=Score.Split.PUBLIC)
    return list(scores)


def worker_live_window() -> dt.timedelta:
    """How recent a worker's heartbeat must be for it to count as connected (three heartbeats, >= 30 s)."""
    return dt.timedelta(seconds=max(30, 3 * int(settings.HEARTBEAT_SECONDS)))


def gpu_workers_connected(*, now: dt.datetime | None = None) -> int:
    """Workers consuming the gpu queue whose heartbeat is recent."""
    since = (now or timezone.now()) - worker_live_window()
    return WorkerHeartbeat.objects.filter(queues__regex=r"(^|,)gpu(,|$)", last_seen__gte=since).count()


def data_wait_text(*, benchmark) -> str:
    """Why a held submission waits: its benchmark's data state (and build progress), and what happens next."""
    state = benchmark.DataStatus
    if benchmark.data_status == state.BUILDING:
        progress = f" ({benchmark.data_stage})" if benchmark.data_stage else ""
        where = f"it is building{progress}"
    elif benchmark.data_status == state.FAILED:
        where = "its build failed; a host must rebuild it"
    elif benchmark.data_status == state.READY:
        return "waiting for the benchmark data: it is ready; the submission is being sent to the queue"
    else:
        where = "it is not built yet"
    return f"waiting for the benchmark data: {where}; scoring starts by itself once it is ready"


def submission_waiting(*, submission: Submission) -> str:
    """Why a queued submission cannot start now ("" when nothing blocks it): its benchmark's data is not
    ready (held), or a GPU phase has no GPU worker."""
    if submission.status != Submission.Status.QUEUED:
        return ""
    if submission.is_held:
        return data_wait_text(benchmark=submission.phase.benchmark)
    phase = submission.phase
    if not (phase.needs_gpu or phase.benchmark.needs_gpu) or gpu_workers_connected():
        return ""
    return "waiting for a GPU worker: none is connected; it starts as soon as one connects"
