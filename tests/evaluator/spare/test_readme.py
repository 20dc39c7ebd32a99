"""The public bundle's README: which views to render, file names and size, the camera format."""

from __future__ import annotations

import json

from evaluator.benchmarks.spare.config import PHASES, TRACK_INPUTS
from evaluator.benchmarks.spare.layout import phase_split_path, split_read, submission_name


def test_readme_names_the_views_files_size_and_cameras_of_the_built_data(built):
    public = built / "public"
    text = (public / "README.md").read_text(encoding="utf-8")
    manifest = json.loads((public / "manifest.json").read_text(encoding="utf-8"))
    assert f"exactly {manifest['width']} x {manifest['height']} pixels" in text
    for phase, track, stage in PHASES:
        splits = split_read(public_dir=public, phase=phase)
        tests = sum(len(s.test_views) for s in splits.values())
        row = (
            f"| `{phase}` | track {track}, {stage} | `{phase_split_path(phase=phase)}` | {len(splits)} |"
            f" {TRACK_INPUTS[track]} | {tests} | Synthetic |"
        )
        assert row in text
    scene, split = sorted(split_read(public_dir=public, phase="track1-dev").items())[0]
    first = submission_name(scene=scene, index=split.test_views[0], dataset=split.dataset)
    assert f"`{first}`" in text and f"test views {list(split.test_views)}" in text
    assert "`<scene>/cam_{view+1:03d}_3_0000.png`" in text
    assert "`<scene>/rect_{view+1:03d}_3_r5000.png`" in text
    assert "P = K [R | t]" in text and "x_cam = R x_world + t; p = K x_cam" in text
    assert "(i + 0.5, j + 0.5, 1)" in text and "[0.0, 0.0, 1.0, 0.0]" in text
