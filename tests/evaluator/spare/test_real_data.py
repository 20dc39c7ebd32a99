"""Import of real SpaRe/DTU-layout data (1600x1200 in the releases; 64x48 here), then validate and score."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image
from sb_seeds import seeds_for

from evaluator.benchmarks.spare import SpareBenchmark
from evaluator.benchmarks.spare.cameras import projection_write, rig_cameras
from evaluator.contract import Payload

W, H, CAMS = 64, 48, 20
SPLITS = {
    "Track1_split_development.json": {"scanA": ([0, 10, 19], [4, 14]), "scanB": ([1, 11, 18], [5, 15])},
    "Track1_split_test.json": {"scanC": ([0, 10, 19], [6])},
    "Track2_split_development.json": {"scanA": ([0, 2, 4, 6, 8, 10, 12, 14, 16], [18])},
    "Track2_split_test.json": {"scanD": ([1, 3, 5, 7, 9, 11, 13, 15, 17], [0, 19])},
}


def _write_source(root, *, dtu: bool):
    """A small dataset in the SpaRe layout (or DTU's names with shared calibration and IDR masks)."""
    rng = np.random.default_rng(3)
    cameras = rig_cameras(cameras=CAMS, width=W, height=H)
    root.mkdir(parents=True)
    calib = root / "Calibration" / "cal18"
    for name, scenes in SPLITS.items():
        (root / name).write_text(
            json.dumps({s: {"input_views": i, "test_views": t} for s, (i, t) in scenes.items()})
        )
    for scene in {s for scenes in SPLITS.values() for s in scenes}:
        folder = root / scene
        (folder / ("image" if dtu else "images")).mkdir(parents=True)
        (folder / ("mask" if dtu else "masks")).mkdir()
        cal = calib if dtu else folder / "cameras"
        cal.mkdir(parents=True, exist_ok=True)
        for i, cam in enumerate(cameras):
            projection_write(path=cal / f"pos_{i + 1:03d}.txt", P=cam.P * 2.0)
            rgb = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
            mask = np.zeros((H, W), dtype=np.uint8)
            mask[10:30, 20 + i : 40 + i] = 255
            if dtu:
                Image.fromarray(rgb).save(folder / "image" / f"rect_{i + 1:03d}_3_r5000.png")
                Image.fromarray(np.dstack([mask] * 3)).save(folder / "mask" / f"{i:03d}.png")
            else:
                Image.fromarray(rgb).save(folder / "images" / f"cam_{i + 1:03d}_3_0000.png")
                Image.fromarray(mask).save(folder / "masks" / f"cam_{i + 1:03d}_3_0000.png")
    return root


@pytest.mark.parametrize("dtu", [False, True], ids=["spare-names", "dtu-names"])
def test_import_then_validate_and_score_a_baseline(tmp_path, dtu):
    source = _write_source(tmp_path / "src", dtu=dtu)
    bench = SpareBenchmark()
    out = tmp_path / "data" / "spare" / "real"
    bench.import_data(source, out, hidden=seeds_for().hidden)
    manifest = json.loads((out / "public" / "manifest.json").read_text())
    assert (manifest["width"], manifest["height"], manifest["source"]) == (W, H, "imported")
    hidden_mask = np.asarray(Image.open(out / "hidden" / "track1-dev" / "scanA" / "masks" / "cam_005.png"))
    assert hidden_mask.sum() // 255 == 20 * 20
    boxes = json.loads((out / "hidden" / "track1-dev" / "scanA" / "boxes.json").read_text())
    assert boxes["cam_005"] == [24, 10, 44, 30]
    assert not (out / "public" / "track1-dev" / "scanA" / "images" / "cam_005_3_0000.png").exists()
    assert "| `track2-test` | track 2, test |" in (out / "public" / "README.md").read_text()
    sweep = next(b for b in bench.baselines() if b.name == "hull-sweep")  # no platform plane, odd masks
    assert bench.validate(sweep.make_payload(out / "public", "track1-dev", tmp_path / "sweep")) == []
    nearest = next(b for b in bench.baselines() if b.name == "plane-warp")
    payload = nearest.make_payload(out / "public", "track2-test", tmp_path / "work")
    assert bench.validate(payload) == []
    report = bench.score(payload, out / "hidden")
    items = [i.item for split in report.splits.values() for i in split.items]
    assert sorted(items) == ["scanD/cam_001", "scanD/cam_020"]
    assert report.splits["private"].metrics["psnr"] is None  # a single scene: all of it is public
    assert report.splits["public"].metrics["psnr"] > 0


def test_import_of_an_identity_submission_scores_perfect_psnr(tmp_path):
    source = _write_source(tmp_path / "src", dtu=False)
    bench = SpareBenchmark(scores_fn=lambda p, t, *, mask: {"psnr": float(np.abs(p - t).max())})
    out = tmp_path / "out"
    bench.import_data(source, out, hidden=seeds_for().hidden)
    import zipfile

    with zipfile.ZipFile(tmp_path / "sub.zip", "w") as archive:
        for scene, view in (("scanA", 4), ("scanA", 14), ("scanB", 5), ("scanB", 15)):
            name = f"cam_{view + 1:03d}_3_0000.png"
            archive.write(source / scene / "images" / name, f"{scene}/{name}")
    payload = Payload(phase="track1-dev", public_dir=out / "public", file=tmp_path / "sub.zip")
    report = bench.score(payload, out / "hidden")
    assert report.splits["public"].metrics["psnr"] == 0.0 == report.splits["private"].metrics["psnr"]


def test_import_lists_every_problem_with_its_file(tmp_path):
    source = _write_source(tmp_path / "src", dtu=False)
    (source / "Track1_split_test.json").unlink()
    (source / "scanA" / "masks" / "cam_005_3_0000.png").unlink()
    Image.fromarray(np.zeros((12, 16, 3), dtype=np.uint8)).save(
        source / "scanB" / "images" / "cam_002_3_0000.png"
    )
    Image.fromarray(np.zeros((H, W, 4), dtype=np.uint8)).save(
        source / "scanB" / "images" / "cam_006_3_0000.png"
    )
    (source / "scanD" / "cameras" / "pos_001.txt").write_text("1 2 3")
    shutil.rmtree(source / "scanD" / "images")
    with pytest.raises(ValueError) as info:
        SpareBenchmark().import_data(source, tmp_path / "out", hidden=seeds_for().hidden)
    text = str(info.value)
    assert "Track1_split_test.json: split file missing" in text
    assert "scanA: mask of test view 4 missing" in text
    assert "cam_002_3_0000.png: size 16x12, expected 64x48" in text
    assert "cam_006_3_0000.png: mode RGBA (8-bit)" in text
    assert "pos_001.txt" in text and "12 numbers" in text
    assert not (tmp_path / "out").exists()


def test_import_rejects_a_bad_split_document(tmp_path):
    source = _write_source(tmp_path / "src", dtu=False)
    (source / "Track2_split_test.json").write_text(
        json.dumps({"../x": {"input_views": [1], "test_views": [1]}})
    )
    with pytest.raises(ValueError, match="not a plain folder name"):
        SpareBenchmark().import_data(source, tmp_path / "out", hidden=seeds_for().hidden)
