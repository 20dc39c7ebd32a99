"""SpaRe's real release layout: DTU and Synthetic scenes side by side, each with its own image names.

Mirrors SpaReBenchmark.github.io "Data structure": split files Track{1,2}_split_{development,test}.json whose
entries carry input_views, test_views and dataset ("DTU" or "Synthetic"); scene folders named like scan21 or
Amplifier holding rect_{i+1:03d}_{light}_r5000.png (DTU) or cam_{i+1:03d}_{light}_0000.png (Synthetic);
DTU calibration shared in Calibration/cal18/pos_{i+1:03d}.txt, DTU masks as the IDR release names them
({i:03d}.png, 0-based); training scenes (every view) under train/. 64x48 here; 1600x1200 in the release.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from PIL import Image
from sb_seeds import seeds_for

from evaluator.benchmarks.spare import SpareBenchmark
from evaluator.benchmarks.spare.cameras import projection_write, rig_cameras
from evaluator.contract import Payload

W, H, CAMS = 64, 48, 20
DTU, SYN = "DTU", "Synthetic"
#: phase split file -> scene -> (input views, test views, dataset)
SPLITS = {
    "Track1_split_development.json": {
        "scan63": ([0, 10, 19], [4, 14], DTU),
        "Amplifier": ([1, 11, 18], [5], SYN),
    },
    "Track1_split_test.json": {"scan21": ([0, 10, 19], [6, 9], DTU), "Jenga": ([2, 12, 17], [3], SYN)},
    "Track2_split_development.json": {
        "scan63": ([0, 2, 4, 6, 8, 10, 12, 14, 16], [18], DTU),
        "Amplifier": ([1, 3, 5, 7, 9, 11, 13, 15, 17], [19], SYN),
    },
    "Track2_split_test.json": {
        "scan21": ([1, 3, 5, 7, 9, 11, 13, 15, 17], [0, 19], DTU),
        "Jenga": ([0, 2, 4, 6, 8, 10, 12, 14, 16], [18], SYN),
    },
}


def _image_name(dataset: str, index: int) -> str:
    """The release's image name of a 0-based view under the scored lighting condition 3."""
    return f"rect_{index + 1:03d}_3_r5000.png" if dataset == DTU else f"cam_{index + 1:03d}_3_0000.png"


def _write_release(root):
    """A small source folder laid out as SpaRe's release (DTU and Synthetic scenes mixed)."""
    rng = np.random.default_rng(5)
    cameras = rig_cameras(cameras=CAMS, width=W, height=H)
    calib = root / "Calibration" / "cal18"
    calib.mkdir(parents=True)
    for i, cam in enumerate(cameras):
        projection_write(path=calib / f"pos_{i + 1:03d}.txt", P=cam.P)
    for name, scenes in SPLITS.items():
        document = {s: {"input_views": i, "test_views": t, "dataset": d} for s, (i, t, d) in scenes.items()}
        (root / name).write_text(json.dumps(document, indent=1))
    datasets = {scene: d for scenes in SPLITS.values() for scene, (_, _, d) in scenes.items()}
    for scene, dataset in datasets.items():
        folder = root / scene
        masks = folder / ("mask" if dataset == DTU else "masks")
        masks.mkdir(parents=True)
        if dataset == SYN:
            (folder / "cameras").mkdir()
        for i, cam in enumerate(cameras):
            rgb = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
            Image.fromarray(rgb).save(folder / _image_name(dataset, i))
            mask = np.zeros((H, W), dtype=np.uint8)
            mask[8:40, 10 + i : 42 + i] = 255
            if dataset == DTU:
                Image.fromarray(np.dstack([mask] * 3)).save(masks / f"{i:03d}.png")
            else:
                projection_write(path=folder / "cameras" / f"pos_{i + 1:03d}.txt", P=cam.P)
                Image.fromarray(mask).save(masks / _image_name(dataset, i))
    for scene, dataset in (("scan1", DTU), ("Chair", SYN)):  # training scenes: every view, no split entry
        folder = root / "train" / scene
        folder.mkdir(parents=True)
        for i in range(CAMS):
            rgb = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
            Image.fromarray(rgb).save(folder / _image_name(dataset, i))
            if dataset == SYN:
                projection_write(path=folder / f"pos_{i + 1:03d}.txt", P=cameras[i].P)
    return root, datasets


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """(source, out_dir, scene -> dataset) of the release layout imported once."""
    source, datasets = _write_release(tmp_path_factory.mktemp("release") / "spare")
    out = tmp_path_factory.mktemp("data") / "spare" / "real"
    SpareBenchmark().import_data(source, out, hidden=seeds_for().hidden)
    return source, out, datasets


def _submission(path, source, phase_file, *, names=None, change=None):
    """A ZIP of the source's own test images (the ground truth), named as the release names them."""
    with zipfile.ZipFile(path, "w") as archive:
        for scene, (_, tests, dataset) in SPLITS[phase_file].items():
            for index in tests:
                data = (source / scene / _image_name(dataset, index)).read_bytes()
                if change and scene in change:
                    array = np.asarray(Image.open(source / scene / _image_name(dataset, index)))
                    buffer = path.parent / "changed.png"
                    Image.fromarray((array // 2).astype(np.uint8)).save(buffer)
                    data = buffer.read_bytes()
                name = (names or {}).get(scene, _image_name(dataset, index))
                archive.writestr(f"{scene}/{name.format(view=index + 1)}", data)
    return path


def test_import_keeps_each_datasets_names_and_the_dataset_field(imported):
    _, out, _ = imported
    public, hidden = out / "public", out / "hidden"
    split = json.loads((public / "splits" / "Track1_split_test.json").read_text())
    assert split["scan21"] == {"input_views": [0, 10, 19], "test_views": [6, 9], "dataset": "DTU"}
    assert split["Jenga"]["dataset"] == "Synthetic"
    assert (public / "track1-test" / "scan21" / "images" / "rect_001_3_r5000.png").is_file()
    assert (public / "track1-test" / "Jenga" / "images" / "cam_003_3_0000.png").is_file()
    assert (hidden / "track1-test" / "scan21" / "images" / "rect_007_3_r5000.png").is_file()
    assert (hidden / "track1-test" / "Jenga" / "images" / "cam_004_3_0000.png").is_file()
    assert not (public / "track1-test" / "scan21" / "images" / "rect_007_3_r5000.png").exists()
    assert (public / "train" / "scan1" / "images" / "rect_020_3_r5000.png").is_file()
    assert (public / "train" / "Chair" / "images" / "cam_020_3_0000.png").is_file()
    manifest = json.loads((public / "manifest.json").read_text())
    assert manifest["train_scenes"] == ["Chair", "scan1"] and manifest["source"] == "imported"
    boxes = json.loads((hidden / "track1-test" / "scan21" / "boxes.json").read_text())
    assert boxes["cam_007"] == [16, 8, 48, 40]  # the IDR mask 006.png of view 6: columns 16..47


def test_a_genuine_submission_validates_and_scores_each_dataset_apart(imported, tmp_path):
    source, out, _ = imported
    bench = SpareBenchmark()
    zip_path = _submission(tmp_path / "sub.zip", source, "Track2_split_test.json", change={"scan21"})
    payload = Payload(phase="track2-test", public_dir=out / "public", file=zip_path)
    assert bench.validate(payload) == []
    report = bench.score(payload, out / "hidden")
    halves = json.loads((out / "hidden" / "leaderboard_splits.json").read_text())["track2-test"]
    for half, split in report.splits.items():
        scenes = set(halves[half])
        if "Jenga" in scenes:  # the Synthetic scene: its own images, perfect
            assert split.metrics["psnr_m"] == 100.0 and split.metrics["ssim_rn"] == pytest.approx(1.0)
        else:
            assert split.metrics["psnr_m"] is None and "no Synthetic scene" in split.na_reasons["psnr_m"]
        if "scan21" in scenes:  # the DTU scene: halved intensities, scored under dtu_ keys only
            assert 0 < split.metrics["dtu_psnr_m"] < 30 and split.metrics["dtu_ssim_m_rn"] < 1
        else:
            assert split.metrics["dtu_psnr_m"] is None and "no DTU scene" in split.na_reasons["dtu_psnr_m"]
    items = sorted(i.item for split in report.splits.values() for i in split.items)
    assert items == ["Jenga/cam_019", "scan21/cam_001", "scan21/cam_020"]


def test_a_dtu_scene_rendered_under_synthetic_names_is_refused_with_the_right_name(imported, tmp_path):
    source, out, _ = imported
    names = {"scan63": "cam_{view:03d}_3_0000.png"}
    zip_path = _submission(tmp_path / "sub.zip", source, "Track1_split_development.json", names=names)
    problems = SpareBenchmark().validate(
        Payload(phase="track1-dev", public_dir=out / "public", file=zip_path)
    )
    by_file = {p.where: p.message for p in problems}
    assert "scan63/rect_005_3_r5000.png" in by_file["sub.zip"] and "misnamed" in by_file["sub.zip"]
    assert (
        "this is a DTU scene: name its renders rect_{view+1:03d}_3_r5000.png"
        in by_file["scan63/cam_005_3_0000.png"]
    )
    assert not any(where.startswith("Amplifier/") for where in by_file)


def test_baselines_write_each_datasets_names(imported, tmp_path):
    _, out, _ = imported
    bench = SpareBenchmark()
    grey = next(b for b in bench.baselines() if b.name == "grey")
    payload = grey.make_payload(out / "public", "track1-dev", tmp_path)
    with zipfile.ZipFile(payload.file) as archive:
        assert sorted(archive.namelist()) == [
            "Amplifier/cam_006_3_0000.png",
            "scan63/rect_005_3_r5000.png",
            "scan63/rect_015_3_r5000.png",
        ]
    assert bench.validate(payload) == []


def test_import_refuses_an_unknown_dataset(tmp_path):
    source, _ = _write_release(tmp_path / "spare")
    document = json.loads((source / "Track1_split_test.json").read_text())
    document["Jenga"]["dataset"] = "BlendedMVS"
    (source / "Track1_split_test.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"Track1_split_test.json: scene 'Jenga': dataset 'BlendedMVS'"):
        SpareBenchmark().import_data(source, tmp_path / "out", hidden=seeds_for().hidden)
