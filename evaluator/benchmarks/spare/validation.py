"""Validation of a submission ZIP against the public data of its phase (never reads hidden data)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.contract import Problem

from .archive import PNG_HEADER_BYTES, ArchiveLimits, archive_open, member_read, png_decode, png_problems
from .config import DEFAULT_DATASET
from .layout import image_pattern, manifest_read, split_read, submission_name

#: A render's name in either of SpaRe's namings (Synthetic: cam_..._0000.png, DTU: rect_..._r5000.png).
NAME_PATTERN = re.compile(r"^[^/]+/(cam_\d{3}_\d_\d{4}|rect_\d{3}_\d_r\d{4})\.png$")


@dataclass(frozen=True)
class Expected:
    """The files a phase's submission must contain, and the image size."""

    width: int
    height: int
    views: tuple[tuple[str, int], ...]  # (scene, 0-based test view index)
    datasets: Mapping[str, str] = field(default_factory=dict)  # scene -> SpaRe dataset

    def dataset(self, scene: str) -> str:
        """The SpaRe dataset of a scene of this phase."""
        return self.datasets.get(scene, DEFAULT_DATASET)

    @property
    def names(self) -> tuple[str, ...]:
        """Archive member names, in the order of `views` (each named as its scene's dataset names images)."""
        return tuple(
            submission_name(scene=scene, index=index, dataset=self.dataset(scene))
            for scene, index in self.views
        )


def expected_read(*, public_dir: Path, phase: str) -> Expected:
    """Expected submission files of a phase, from the public manifest and split file."""
    manifest = manifest_read(public_dir=public_dir)
    splits = split_read(public_dir=public_dir, phase=phase)
    views = tuple((scene, index) for scene in sorted(splits) for index in splits[scene].test_views)
    datasets = {scene: split.dataset for scene, split in splits.items()}
    return Expected(width=manifest.width, height=manifest.height, views=views, datasets=datasets)


def limits_for(*, expected: Expected, max_upload_bytes: int) -> ArchiveLimits:
    """Archive caps for a phase: entries, bytes per PNG and in total, pixels per image."""
    per_png = expected.width * expected.height * 4 + 65536
    count = len(expected.views)
    return ArchiveLimits(
        max_bytes=max_upload_bytes,
        max_entries=2 * count + 64,
        max_entry_bytes=per_png,
        max_total_bytes=per_png * count,
        max_pixels=expected.width * expected.height,
    )


def _extra_message(*, name: str, expected: Expected) -> str:
    """Why an unexpected member is wrong, with a hint at the expected naming."""
    scenes = {scene for scene, _ in expected.views}
    if (
        name.split("/", 1)[0] not in scenes
        and name.count("/") >= 1
        and name.split("/", 1)[1].split("/")[0] in scenes
    ):
        return "unexpected file: scene folders must sit at the root of the ZIP"
    scene = name.split("/", 1)[0]
    if scene not in scenes:
        return "unexpected file: not a scene of this phase"
    dataset = expected.dataset(scene)
    pattern = image_pattern(dataset=dataset)
    if NAME_PATTERN.match(name):
        named_as = "DTU" if name.split("/", 1)[1].startswith("rect_") else "Synthetic"
        if named_as != dataset:
            return f"named as a {named_as} image, but this is a {dataset} scene: name its renders {pattern}"
        return f"not a test view of this phase ({dataset} scene: names are {pattern}, 1-based)"
    return f"unexpected file (expected <scene>/{pattern} for this {dataset} scene)"


#: Missing test views named in the one line that reports them; the rest are counted.
MISSING_SHOWN = 5


def _missing_problem(*, missing: list[str], upload: str, misnamed: int) -> Problem:
    """One line for every expected render that is absent: a consequence, listed after its likely causes."""
    if len(missing) == 1 and not misnamed:
        return Problem(missing[0], "missing")
    shown = ", ".join(missing[:MISSING_SHOWN])
    more = f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else ""
    views = "test view" if len(missing) == 1 else "test views"
    cause = f"; the {misnamed} unexpected file(s) above may be these, misnamed" if misnamed else ""
    return Problem(upload, f"{len(missing)} {views} missing: {shown}{more}{cause}")


def submission_problems(
    *, public_dir: Path, phase: str, file: Path | None, max_upload_bytes: int, decode: bool = True
) -> list[Problem]:
    """Every problem of a submission: archive safety, unexpected names, PNG headers (and, with `decode`,
    a full decode of each), then the missing views in one line, since misnamed files cause them."""
    if file is None:
        return [Problem("file", "a ZIP file is required")]
    # Missing public data is a platform fault, not a problem of the upload: it raises.
    expected = expected_read(public_dir=public_dir, phase=phase)
    limits = limits_for(expected=expected, max_upload_bytes=max_upload_bytes)
    archive, problems = archive_open(path=Path(file), limits=limits)
    if archive is None:
        return problems
    with archive:
        unsafe = bool(problems)  # a structurally unsafe archive is refused before any PNG is read
        bad = {p.where for p in problems}
        present = {i.filename for i in archive.infolist() if not i.is_dir() and i.filename not in bad}
        wanted = set(expected.names)
        extras = sorted(present - wanted)
        for name in extras:
            problems.append(Problem(name, _extra_message(name=name, expected=expected)))
        for name in expected.names:
            if name in present and not unsafe:
                found = _png_check(archive, name, expected, limits, decode=decode)
                problems.extend(Problem(name, m) for m in found)
        missing = [name for name in expected.names if name not in present and name not in bad]
        if missing:
            problems.append(_missing_problem(missing=missing, upload=Path(file).name, misnamed=len(extras)))
    return problems


def _png_check(
    archive: zipfile.ZipFile, name: str, expected: Expected, limits: ArchiveLimits, *, decode: bool
) -> list[str]:
    """Problems of one PNG member: header first, then (with `decode`) a full decode when it is right."""
    try:
        limit = limits.max_entry_bytes if decode else PNG_HEADER_BYTES
        data = member_read(archive=archive, name=name, limit=limit, truncate=not decode)
    except ValueError as exc:
        return [str(exc)]
    header = png_problems(data=data, width=expected.width, height=expected.height)
    if header or not decode:
        return header
    try:
        png_decode(data=data, max_pixels=limits.max_pixels)
    except ValueError as exc:
        return [str(exc)]
    return []
