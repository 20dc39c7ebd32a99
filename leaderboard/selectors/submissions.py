"""Submission and score reads, filtered by who is looking."""

from __future__ import annotations

from django.db.models import QuerySet

from leaderboard.models import Score, Submission
from leaderboard.selectors.errors import SubmissionNotFound


def submission_list_for_user(*, user) -> QuerySet[Submission]:
    """The user's submissions, newest first, with phase and benchmark loaded."""
    return (
        Submission.objects.filter(owner_id=user.pk)
        .select_related("phase__benchmark")
        .order_by("-created_at", "-id")
    )


def submission_get_for_viewer(*, submission_id: int, viewer) -> Submission:
    """The submission if `viewer` owns it, is staff, or it is a baseline; SubmissionNotFound otherwise."""
    try:
        submission = Submission.objects.select_related("phase__benchmark", "owner").get(pk=submission_id)
    except (Submission.DoesNotExist, ValueError, TypeError):
        raise SubmissionNotFound(f"no submission {submission_id!r}") from None
    authenticated = viewer is not None and getattr(viewer, "is_authenticated", False)
    if submission.is_baseline:
        return submission
    if authenticated and (viewer.is_staff or viewer.pk == submission.owner_id):
        return submission
    raise SubmissionNotFound(f"no submission {submission_id!r}")


def scores_visible(*, submission: Submission, viewer) -> list[Score]:
    """Public-split scores always; private ones once the phase shows its private split, or to staff."""
    scores = Score.objects.filter(submission=submission).order_by("split", "-created_at")
    staff = viewer is not None and getattr(viewer, "is_staff", False)
    if not (staff or submission.phase.private_visible()):
        scores = scores.filter(split=Score.Split.PUBLIC)
    return list(scores)
