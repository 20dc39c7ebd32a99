"""Generated dataset: layout, SpaRe split files, hidden/public separation and determinism."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from sb_seeds import seeds_for

from evaluator.benchmarks.spare import SpareBenchmark, SpareConfig
from evaluator.benchmarks.spare.cameras import camera_from_projection, projection_read, rig_adjacent
from evaluator.benchmarks.spare.config import PHASES
from evaluator.benchmarks.spare.views import mask_bbox

from .conftest import SMALL

SPLIT_FILES = {
    "track1-dev": "Track1_split_development.json",
    "track1-test": "Track1_split_test.json",
    "track2-dev": "Track2_split_development.json",
    "track2-test": "Track2_split_test.json",
}


def test_build_writes_spare_split_files_with_spread_non_adjacent_test_views(built):
    adjacent = rig_adjacent(cameras=SMALL.cameras)
    for phase, track, _ in PHASES:
        splits = json.loads((built / "public" / "splits" / SPLIT_FILES[phase]).read_text())
        assert len(splits) == SMALL.scenes_per_phase
        for entry in splits.values():
            inputs, tests = entry["input_views"], entry["test_views"]
            assert len(inputs) == {1: 3, 2: 9}[track] and len(tests) == SMALL.test_views
            assert all(0 <= v < SMALL.cameras for v in inputs + tests)
            assert not set(tests) & set(inputs)
            assert not any(t in adjacent[i] for t in tests for i in inputs)


def test_build_puts_test_views_only_in_hidden(built):
    manifest = json.loads((built / "public" / "manifest.json").read_text())
    assert (manifest["width"], manifest["height"]) == (64, 48)
    splits = json.loads((built / "public" / "splits" / SPLIT_FILES["track1-dev"]).read_text())
    for scene, entry in splits.items():
        public = built / "public" / "track1-dev" / scene
        names = {p.name for p in (public / "images").iterdir()}
        assert names == {f"cam_{i + 1:03d}_{c}_0000.png" for i in entry["input_views"] for c in range(7)}
        hidden = built / "hidden" / "track1-dev" / scene
        assert {p.name for p in (hidden / "images").iterdir()} == {
            f"cam_{i + 1:03d}_3_0000.png" for i in entry["test_views"]
        }
        assert len(list((public / "cameras").glob("pos_*.txt"))) == SMALL.cameras
    public_files = {p.relative_to(built / "public") for p in (built / "public").rglob("*")}
    assert not any("leaderboard" in str(p) for p in public_files)


def test_build_training_scenes_have_every_view_lighting_mask_and_box(built):
    scene = built / "public" / "train" / "scene000"
    assert len(list((scene / "images").glob("*.png"))) == SMALL.cameras * SMALL.conditions
    boxes = json.loads((scene / "boxes.json").read_text())
    assert len(boxes) == SMALL.cameras
    for index in (0, 31, 63):
        mask = np.asarray(Image.open(scene / "masks" / f"cam_{index + 1:03d}.png")) > 127
        assert boxes[f"cam_{index + 1:03d}"] == mask_bbox(mask=mask)
        with Image.open(scene / "images" / f"cam_{index + 1:03d}_3_0000.png") as img:
            assert (img.mode, img.size) == ("RGB", (64, 48))
    P = projection_read(path=scene / "cameras" / "pos_001.txt")
    cams = json.loads((scene / "cameras" / "cameras.json").read_text())["views"]
    np.testing.assert_allclose(camera_from_projection(P=P).R, cams[0]["R"], atol=1e-8)


def test_build_object_masks_exclude_the_platform_and_all_lights_is_brightest(built):
    scene = built / "public" / "train" / "scene000"
    mask = np.asarray(Image.open(scene / "masks" / "cam_020.png")) > 127
    images = [
        np.asarray(Image.open(scene / "images" / f"cam_020_{c}_0000.png"), dtype=float) for c in range(7)
    ]
    assert 0 < mask.mean() < 0.6
    assert not mask[-1].all()  # the bottom row is platform, not object
    assert images[3].mean() == max(img.mean() for img in images)


def test_build_halves_split_each_phase_into_public_and_private_scenes(built):
    halves = json.loads((built / "hidden" / "leaderboard_splits.json").read_text())
    manifest = json.loads((built / "public" / "manifest.json").read_text())
    for phase, scenes in manifest["phases"].items():
        assert sorted(halves[phase]["public"] + halves[phase]["private"]) == sorted(scenes)
        assert len(halves[phase]["public"]) == len(halves[phase]["private"]) == 1


def test_build_is_deterministic_per_seeds_and_independent_of_worker_count(tmp_path):
    config = SpareConfig(width=32, height=24, train_scenes=0, scenes_per_phase=2, test_views=2, workers=1)
    other = bytes(range(1, 33))
    for name, secret, workers in (("a", None, 1), ("b", None, 2), ("c", other, 1)):
        seeds = seeds_for(public=5) if secret is None else seeds_for(public=5, secret=secret)
        SpareBenchmark(replace(config, workers=workers)).build(tmp_path / name, seeds=seeds)

    def files(root):
        return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a") != files(tmp_path / "c")


def test_build_refuses_a_non_empty_target(built, small_bench):
    with pytest.raises(ValueError, match="not empty"):
        small_bench.build(built, seeds=seeds_for())


def test_config_rejects_bad_sizes():
    with pytest.raises(ValueError, match="4:3"):
        SpareConfig(width=200, height=100)
    with pytest.raises(ValueError, match="1600x1200"):
        SpareConfig(width=3200, height=2400)
    with pytest.raises(ValueError, match="scenes_per_phase"):
        SpareConfig(scenes_per_phase=3)
