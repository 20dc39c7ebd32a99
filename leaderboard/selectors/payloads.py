"""The private payload file of a submission, for staff who may view submissions in the admin only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

from leaderboard.models import Submission
from leaderboard.services.payloads import payload_extension, payload_path


@dataclass(frozen=True)
class PayloadDownload:
    """A stored payload to hand over: its file on disk and the name the submitter uploaded it under."""

    path: Path
    filename: str


def payload_viewer_is_host(*, viewer) -> bool:
    """Whether the viewer is an active staff member allowed to view submissions in the admin."""
    return bool(
        getattr(viewer, "is_active", False)
        and getattr(viewer, "is_staff", False)
        and viewer.has_perm("leaderboard.view_submission")
    )


def submission_payload_download(*, submission_id: int, viewer) -> PayloadDownload | None:
    """The payload file of a submission for a host; None for anyone else, a config payload or a lost file."""
    if not payload_viewer_is_host(viewer=viewer):
        return None
    submission = Submission.objects.filter(pk=submission_id).only("payload_file", "payload_name").first()
    if submission is None or not submission.payload_file.name:
        return None
    try:
        path = payload_path(name=submission.payload_file.name)
    except ValueError:
        return None
    if not path.is_file():
        return None
    ext = payload_extension(filename=path.name)
    fallback = f"submission-{submission_id}" + (f".{ext}" if ext else "")
    return PayloadDownload(path=path, filename=PurePath(submission.payload_name or "").name or fallback)
