"""Scoring: aggregation rules, public/private halves, progress, streaming and pinned baseline scores."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from evaluator.benchmarks.spare import SpareBenchmark
from evaluator.benchmarks.spare.scoring import datasets_aggregate, split_aggregate
from evaluator.contract import ItemScore, Payload

from .conftest import SMALL

KEYS = ("psnr", "psnr_m")


def _item(scene, view, psnr, psnr_m):
    return ItemScore(item=f"{scene}/cam_{view:03d}", group=scene, values={"psnr": psnr, "psnr_m": psnr_m})


def test_split_aggregate_is_mean_over_scenes_of_per_scene_means_skipping_none():
    items = [_item("a", 1, 10.0, None), _item("a", 2, 20.0, 12.0), _item("b", 1, 30.0, None)]
    split = split_aggregate(items=items, scenes=["a", "b"], keys=KEYS)
    assert {k: split.metrics[k] for k in KEYS} == {"psnr": 22.5, "psnr_m": 12.0}
    assert split.na_reasons == {}
    assert [i.item for i in split.items] == ["a/cam_001", "a/cam_002", "b/cam_001"]


def test_split_aggregate_is_none_with_a_reason_when_every_value_is_none():
    split = split_aggregate(items=[_item("b", 1, 30.0, None)], scenes=["b"], keys=KEYS)
    assert split.metrics["psnr_m"] is None and "n/a for every image" in split.na_reasons["psnr_m"]
    assert split.metrics["psnr_m_lo"] is None and split.na_reasons["psnr_m_hi"] == split.na_reasons["psnr_m"]
    empty = split_aggregate(items=[], scenes=[], keys=KEYS)
    assert set(empty.metrics.values()) == {None} and "no scene" in empty.na_reasons["psnr"]


def test_datasets_aggregate_scores_each_dataset_apart_under_its_own_keys():
    items = [_item("amp", 1, 10.0, 11.0), _item("jenga", 1, 30.0, 31.0), _item("scan21", 1, 50.0, None)]
    datasets = {"amp": "Synthetic", "jenga": "Synthetic", "scan21": "DTU"}
    split = datasets_aggregate(items=items, scenes=["amp", "jenga", "scan21"], datasets=datasets, keys=KEYS)
    means = ("psnr", "psnr_m", "dtu_psnr", "dtu_psnr_m")
    assert [split.metrics[k] for k in means] == [20.0, 21.0, 50.0, None]
    assert split.metrics["psnr_lo"] <= 20.0 <= split.metrics["psnr_hi"]
    assert split.metrics["dtu_psnr_lo"] == split.metrics["dtu_psnr_hi"] == 50.0  # one view of one scene
    assert split.metrics["dtu_psnr_m_lo"] is None and "n/a for every" in split.na_reasons["dtu_psnr_m_hi"]
    assert "n/a for every image" in split.na_reasons["dtu_psnr_m"] and len(split.items) == 3
    synthetic_only = datasets_aggregate(
        items=items[:2], scenes=["amp", "jenga"], datasets=datasets, keys=KEYS
    )
    assert synthetic_only.metrics["dtu_psnr"] is None
    assert synthetic_only.na_reasons["dtu_psnr"] == "no DTU scene in this split"
    assert synthetic_only.na_reasons["dtu_psnr_lo"] == "no DTU scene in this split"


def _gt_submission(built, phase, path):
    """A submission made of the hidden renders themselves (test helper only)."""
    split_file = {"track1-dev": "Track1_split_development.json", "track2-test": "Track2_split_test.json"}[
        phase
    ]
    splits = json.loads((built / "public" / "splits" / split_file).read_text())
    with zipfile.ZipFile(path, "w") as archive:
        for scene, entry in splits.items():
            for i in entry["test_views"]:
                name = f"cam_{i + 1:03d}_3_0000.png"
                archive.write(built / "hidden" / phase / scene / "images" / name, f"{scene}/{name}")
    return path


def test_score_streams_items_reports_progress_and_uses_scene_halves(built, tmp_path):
    seen = []

    def scores(pred, target, *, mask):
        seen.append(pred.shape)
        mse = float(np.mean((pred - target) ** 2))
        return {"psnr": mse, "psnr_m": float(mask.mean()), "ssim": None}

    bench = SpareBenchmark(SMALL, scores_fn=scores)
    path = _gt_submission(built, "track2-test", tmp_path / "gt.zip")
    progress = []
    report = bench.score(
        Payload(phase="track2-test", public_dir=built / "public", file=path),
        built / "hidden",
        lambda fraction, stage: progress.append((fraction, stage)),
    )
    halves = json.loads((built / "hidden" / "leaderboard_splits.json").read_text())["track2-test"]
    assert set(report.splits) == {"public", "private"}
    for half in ("public", "private"):
        split = report.splits[half]
        assert {i.group for i in split.items} == set(halves[half])
        assert len(split.items) == SMALL.test_views * len(halves[half])
        assert split.metrics["psnr"] == split.metrics["psnr_lo"] == split.metrics["psnr_hi"] == 0.0
        assert split.metrics["psnr_m_lo"] < split.metrics["psnr_m"] < split.metrics["psnr_m_hi"]
        assert 0 < split.metrics["psnr_m"] < 1
        assert split.metrics["ssim"] is None and split.na_reasons["ssim"]
    assert seen == [(48, 64, 3)] * (2 * SMALL.test_views)
    fractions = [f for f, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) == 1 + len(seen)
    assert report.protocol_version == "spare-1.2-m3" and report.hardware["cores"]


def test_score_of_the_hidden_renders_is_perfect_with_the_real_metrics(small_bench, built, tmp_path):
    path = _gt_submission(built, "track1-dev", tmp_path / "gt.zip")
    report = small_bench.score(
        Payload(phase="track1-dev", public_dir=built / "public", file=path), built / "hidden"
    )
    for split in report.splits.values():
        assert split.metrics["psnr"] == 100.0 and split.metrics["psnr_m"] == 100.0  # +inf capped
        assert split.metrics["ssim"] == pytest.approx(1.0) and split.metrics["ssim_m"] == pytest.approx(1.0)
        assert split.metrics["lpips"] == pytest.approx(0.0, abs=1e-6)


def test_score_refuses_an_invalid_submission(small_bench, built, tmp_path):
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.txt", b"")
    with pytest.raises(ValueError, match="missing"):
        small_bench.score(
            Payload(phase="track1-dev", public_dir=built / "public", file=path), built / "hidden"
        )


#: Baseline scores on the small test dataset (64x48, public seed 0, the test secret), track1-dev. A change
#: in the renderer, the baselines, the metrics or the derivation of hidden scenes moves these numbers and
#: must be explained in review (spare 1.1: phase scenes derive from the secret, so the first four moved;
#: scoring m2: SSIM-M and LPIPS-M on the tight mask box as SpaRe crops, not one padded by 5 px, so those
#: moved; the last three are the DTU/RegNeRF metrics: SSIM, SSIM-M and LPIPS-M).
GOLDEN = {
    "grey": {
        "public": (7.6503, 12.2608, 0.3357, 0.2200, 0.8078, 0.5666, 0.3193, 0.9074, 0.1734),
        "private": (7.3975, 14.9228, 0.3201, 0.0808, 0.8138, 0.5007, 0.3079, 0.9475, 0.0857),
    },
    "input-mean": {
        "public": (9.7158, 11.3677, 0.1643, 0.1661, 0.3021, 0.1853, 0.1695, 0.8575, 0.1661),
        "private": (9.9020, 7.4687, 0.1625, 0.0612, 0.3248, 0.2167, 0.1872, 0.8560, 0.2211),
    },
    "nearest-view": {
        "public": (7.5562, 9.3704, 0.2451, 0.1608, 0.2438, 0.1810, 0.3127, 0.8384, 0.1215),
        "private": (8.4351, 8.1089, 0.2479, 0.0609, 0.3140, 0.1950, 0.2967, 0.8703, 0.1427),
    },
    "plane-warp": {
        "public": (12.1442, 11.6714, 0.5360, 0.2691, 0.2286, 0.1142, 0.5599, 0.8747, 0.1099),
        "private": (11.1647, 10.6974, 0.4876, 0.1922, 0.2699, 0.2110, 0.5085, 0.9079, 0.0953),
    },
    # The visual hull and plane sweep (reproject.py): ahead of grey on every metric of both halves.
    "hull-sweep": {
        "public": (18.4342, 17.2217, 0.7343, 0.5376, 0.1036, 0.0554, 0.7526, 0.9376, 0.0350),
        "private": (14.7297, 17.1866, 0.6897, 0.3425, 0.1656, 0.0556, 0.6976, 0.9632, 0.0269),
    },
}
#: The hull-sweep's discrete choices (hull voxels, best depth plane) follow the CPU's float rounding: a CI
#: machine without AVX-512 gave PSNR 18.4350 where the development machine gives 18.4342.
TOLERANCE = {"hull-sweep": 3e-3}


def test_baselines_validate_and_score_their_golden_values(small_bench, built, tmp_path):
    keys = ("psnr", "psnr_m", "ssim", "ssim_m", "lpips", "lpips_m", "ssim_rn", "ssim_m_rn", "lpips_m_rn")
    assert [b.name for b in small_bench.baselines()] == list(GOLDEN)
    for baseline in small_bench.baselines():
        payload = baseline.make_payload(built / "public", "track1-dev", tmp_path / baseline.name)
        assert small_bench.validate(payload) == []
        report = small_bench.score(payload, built / "hidden")
        for half, expected in GOLDEN[baseline.name].items():
            got = tuple(report.splits[half].metrics[k] for k in keys)
            tolerance = TOLERANCE.get(baseline.name, 3e-4)
            assert got == pytest.approx(expected, abs=tolerance), (baseline.name, half)
            for key in keys:
                metrics = report.splits[half].metrics
                assert metrics[f"{key}_lo"] <= metrics[key] <= metrics[f"{key}_hi"], (baseline.name, key)


def test_baseline_grey_writes_8_bit_rgb_at_the_dataset_size(small_bench, built, tmp_path):
    grey = next(b for b in small_bench.baselines() if b.name == "grey")
    payload = grey.make_payload(built / "public", "track2-dev", tmp_path)
    with zipfile.ZipFile(payload.file) as archive:
        names = archive.namelist()
        image = Image.open(io.BytesIO(archive.read(names[0])))
        assert (image.mode, image.size) == ("RGB", (64, 48))
        assert np.all(np.asarray(image) == 128)
    assert len(names) == SMALL.scenes_per_phase * SMALL.test_views


def test_leaderboard_values_caps_infinite_psnr_at_100_db():
    from evaluator.benchmarks.spare.scoring import leaderboard_values

    capped = leaderboard_values({"psnr": float("inf"), "psnr_m": None, "ssim": 1.0, "lpips": 0.0})
    assert capped == {"psnr": 100.0, "psnr_m": None, "ssim": 1.0, "lpips": 0.0}
