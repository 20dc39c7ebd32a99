"""A scored submission's artefacts (small PNGs for its page), stored privately beside the payloads."""

from __future__ import annotations

import logging
import re
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings

from evaluator.contract import ARTEFACT_MAX_BYTES

logger = logging.getLogger(__name__)
#: An artefact's file name: lower-case words joined by "-" or "_", ending in .png.
ARTEFACT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}\.png$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def artefact_dir(*, submission_id: int) -> Path:
    """SUBMISSION_ROOT/artefacts/<id>: private, served only through the submission's page view."""
    return Path(settings.SUBMISSION_ROOT) / "artefacts" / str(int(submission_id))


def artefact_problem(*, name: str, data: bytes) -> str | None:
    """Why an artefact may not be stored (its name, size or format), or None."""
    if not ARTEFACT_NAME.match(name):
        return f"artefact name {name!r} is not lower-case words with - or _ ending in .png"
    if len(data) > ARTEFACT_MAX_BYTES:
        return f"artefact {name} has {len(data)} bytes, over {ARTEFACT_MAX_BYTES}"
    if not data.startswith(PNG_SIGNATURE):
        return f"artefact {name} is not a PNG"
    return None


def submission_artefacts_write(*, submission_id: int, artefacts: Mapping[str, bytes]) -> list[str]:
    """Replace the submission's artefacts with these (none: the folder goes); returns the names stored.

    An artefact that breaks the rules is left out and logged (a benchmark's fault, never the submitter's).
    The new folder is written aside and swapped in, so a page never reads a half-written file."""
    target = artefact_dir(submission_id=submission_id)
    kept = {}
    for name, data in artefacts.items():
        problem = artefact_problem(name=name, data=bytes(data))
        if problem:
            logger.warning("submission %s: %s; not stored", submission_id, problem)
        else:
            kept[name] = bytes(data)
    staging = target.parent / f".{target.name}-{uuid.uuid4().hex[:8]}"
    if kept:
        staging.mkdir(parents=True)
        for name, data in kept.items():
            (staging / name).write_bytes(data)
    if target.exists():
        old = target.parent / f".{target.name}-old-{uuid.uuid4().hex[:8]}"
        target.rename(old)
        shutil.rmtree(old, ignore_errors=True)
    if kept:
        staging.rename(target)
    return sorted(kept)


def submission_artefacts_delete(*, submission_id: int) -> None:
    """Remove the submission's artefacts (its row is gone)."""
    shutil.rmtree(artefact_dir(submission_id=submission_id), ignore_errors=True)
