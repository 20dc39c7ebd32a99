"""Same-content reads: a submission's earlier twin, and the expression marking duplicate leaderboard rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from leaderboard.models import Submission


def submissions_same_content(
    *, owner_id: Any, phase_id: Any, payload_kind: Any, payload_sha256: Any, before: Any
) -> QuerySet[Submission]:
    """The owner's submissions to the phase before id `before` with the same content (kind and SHA-256 of
    the file or config), oldest first; none without a digest. The arguments may be OuterRef expressions."""
    return (
        Submission.objects.filter(
            owner_id=owner_id, phase_id=phase_id, payload_kind=payload_kind, payload_sha256=payload_sha256,
            pk__lt=before,
        )
        .exclude(payload_sha256="")
        .order_by("pk")
    )  # fmt: skip


def entry_duplicate_of(*, phase_id: int, split: str) -> Case:
    """For a LeaderboardEntry query of one board: the submission id of the earliest earlier entry on the same
    board by the same submitter with the same content, listed under the same name (both anonymous or
    neither, so the mark never ties an anonymous entry to a named one), or null; always null for baselines."""
    earlier = submissions_same_content(
        owner_id=OuterRef("submission__owner_id"),
        phase_id=OuterRef("submission__phase_id"),
        payload_kind=OuterRef("submission__payload_kind"),
        payload_sha256=OuterRef("submission__payload_sha256"),
        before=OuterRef("submission_id"),
    ).filter(
        entries__phase_id=phase_id,
        entries__split=split,
        is_baseline=False,
        is_anonymous=OuterRef("submission__is_anonymous"),
    )
    return Case(
        When(submission__is_baseline=True, then=Value(None)),
        default=Subquery(earlier.values("pk")[:1]),
        output_field=IntegerField(),
    )
