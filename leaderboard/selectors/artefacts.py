"""The artefacts (small PNGs) of a submission that a viewer may see: those of a split they see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leaderboard.models import Submission
from leaderboard.selectors.submissions import scores_visible
from leaderboard.services.artefacts import ARTEFACT_NAME, artefact_dir


@dataclass(frozen=True)
class Artefact:
    """One artefact: its file name and the caption its name spells ("frame-strip.png": "frame strip")."""

    name: str
    caption: str


def submission_artefacts(*, submission: Submission, viewer) -> tuple[Artefact, ...]:
    """The stored artefacts of a scored submission when the viewer sees one of its score splits."""
    if submission.status != Submission.Status.SCORED or not scores_visible(
        submission=submission, viewer=viewer
    ):
        return ()
    folder = artefact_dir(submission_id=submission.pk)
    if not folder.is_dir():
        return ()
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and ARTEFACT_NAME.match(p.name))
    return tuple(
        Artefact(name=n, caption=n.removesuffix(".png").replace("-", " ").replace("_", " ")) for n in names
    )


def submission_artefact_path(*, submission: Submission, viewer, name: str) -> Path | None:
    """The file of one artefact the viewer may see, or None."""
    if name not in {a.name for a in submission_artefacts(submission=submission, viewer=viewer)}:
        return None
    return artefact_dir(submission_id=submission.pk) / name
