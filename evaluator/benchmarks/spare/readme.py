"""README.md of the public bundle: which views to render, the file names and size, the camera format."""

from __future__ import annotations

from pathlib import Path

from .config import DATASET_IMAGE_NAMES, PHASES, SCORED_LIGHT
from .layout import (
    MANIFEST,
    README,
    TRAIN_DIR,
    Manifest,
    image_pattern,
    phase_split_path,
    split_read,
    submission_name,
)


def _phase_rows(*, public_dir: Path, manifest: Manifest) -> tuple[list[str], str]:
    """One table row per phase (scenes, inputs, test views, images to submit) and a worked example."""
    rows, example = [], ""
    for phase, track, stage in PHASES:
        if not (public_dir / phase_split_path(phase=phase)).is_file():
            continue
        splits = split_read(public_dir=public_dir, phase=phase)
        inputs = sorted({len(s.input_views) for s in splits.values()})
        tests = sum(len(s.test_views) for s in splits.values())
        datasets = sorted({s.dataset for s in splits.values()})
        rows.append(
            f"| `{phase}` | track {track}, {stage} | `{phase_split_path(phase=phase)}` | {len(splits)} |"
            f" {'/'.join(map(str, inputs))} | {tests} | {', '.join(datasets)} |"
        )
        if not example:
            scene, split = next(iter(sorted(splits.items())))
            names = [
                submission_name(scene=scene, index=i, dataset=split.dataset) for i in split.test_views[:2]
            ]
            example = (
                f"Example: in `{phase}`, scene `{scene}` has input views {list(split.input_views)} and test"
                f" views {list(split.test_views)} (0-based). Its inputs are"
                f" `{phase}/{scene}/images/{image_pattern(dataset=split.dataset)}` for those views; the"
                f" submission holds `{names[0]}`"
                + (f", `{names[1]}`" if len(names) > 1 else "")
                + " and so on, one PNG per test view (1-based numbers in the names)."
            )
    return rows, example


def readme_text(*, public_dir: Path, manifest: Manifest) -> str:
    """The bundle's README for the data under public_dir (its manifest and split files)."""
    rows, example = _phase_rows(public_dir=public_dir, manifest=manifest)
    names = "\n".join(
        f"- {dataset} scenes: `<scene>/{image_pattern(dataset=dataset)}`" for dataset in DATASET_IMAGE_NAMES
    )
    plane = (
        f"The platform's top face is the plane n . x + d = 0 with (n, d) = {list(manifest.platform_plane)}"
        " (`platform_plane` in the manifest)."
        if manifest.platform_plane
        else "No scene plane is known for this data (`platform_plane` is null)."
    )
    return f"""# SpaRe-style sparse-view rendering: public data

Render the held-out test views of every scene of a phase from that scene's posed input views, and upload
one ZIP of PNGs per phase. Everything here is public; the test views' images and masks are not.

## What to render

Each phase has a split file (SpaRe's format): per scene, `input_views` and `test_views` (0-based view
indices) and `dataset` (which naming the scene's images use). Render every test view of every scene.

| phase | track, stage | split file | scenes | inputs per scene | images to submit | datasets |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

{example}

## The submission

A ZIP with one folder per scene of the phase at its root, holding one 8-bit RGB PNG (no alpha, no
palette) per test view and nothing else, at exactly {manifest.width} x {manifest.height} pixels
(width x height), rendered under lighting condition {SCORED_LIGHT} (all lights on). Names, with the view
number 1-based:

{names}

## Inputs

- `{MANIFEST}`: resolution ({manifest.width} x {manifest.height}), camera count ({manifest.cameras} per
  scene), lighting conditions ({manifest.conditions}; condition {SCORED_LIGHT} = all lights on, the one
  scored), each phase's scenes, the platform plane and this layout.
- `<phase>/<scene>/images/`: the input views under every lighting condition, named as above with the
  condition number in place of {SCORED_LIGHT}.
- `<phase>/<scene>/masks/cam_{{view+1:03d}}.png`: the input views' object masks where the data has them
  (255 = object, 0 = the platform and background).
- `<phase>/<scene>/boxes.json`: `cam_{{view+1:03d}}` -> the mask's tight box `[x0, y0, x1, y1]` (x1, y1
  exclusive) or null.
- `<phase>/<scene>/cameras/`: the cameras of all {manifest.cameras} views of the scene, test views
  included.
- `{TRAIN_DIR}/<scene>/`: training scenes (if any) with every view (images, masks, cameras), for priors.

## Camera format

`cameras/pos_{{view+1:03d}}.txt` is DTU's: three text rows of four numbers, the 3x4 projection matrix
P = K [R | t]. `cameras/cameras.json` holds the same cameras decomposed: `width`, `height`, `convention`
(`x_cam = R x_world + t; p = K x_cam`) and per view `index` (0-based), `K` (3x3), `R` (3x3) and `t` (3).
World units, z up; camera axes x right, y down, z forward (OpenCV). A pixel (column i, row j) has its
centre at p = (i + 0.5, j + 0.5, 1) after the division by depth. {plane}

Scores: PSNR, SSIM and LPIPS over the whole image and over the test view's object mask (PSNR-M; SSIM-M and
LPIPS-M on the mask's tight box), as the benchmark page defines them; the leaderboard ranks on PSNR-M.
"""


def readme_write(*, public_dir: Path, manifest: Manifest) -> None:
    """Write public/README.md (after the manifest and the split files)."""
    (public_dir / README).write_text(readme_text(public_dir=public_dir, manifest=manifest), encoding="utf-8")
