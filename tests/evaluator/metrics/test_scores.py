"""image_scores / ImageScorer equal the functional metrics and handle empty masks; the CLI prints them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from evaluator.metrics import (
    METRIC_CONVENTIONS,
    METRIC_KEYS,
    SPARE_KEYS,
    ImageScorer,
    image_scores,
    lpips,
    lpips_masked_regnerf,
    mask_box,
    psnr,
    ssim,
    ssim_masked_regnerf,
    ssim_uniform,
)
from evaluator.metrics.__main__ import main


def _scene(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    target = rng.random((72, 96, 3))
    pred = np.clip(target + 0.1 * rng.standard_normal(target.shape), 0.0, 1.0)
    mask = np.zeros((72, 96), dtype=bool)
    mask[20:50, 30:70] = True
    return pred, target, mask


def test_image_scores_equal_the_functional_metrics() -> None:
    pred, target, mask = _scene(0)
    box = mask_box(mask)
    expected = {
        "psnr": psnr(pred, target),
        "psnr_m": psnr(pred, target, mask=mask),
        "ssim": ssim(pred, target),
        "ssim_m": ssim(pred, target, box=box),
        "lpips": lpips(pred, target),
        "lpips_m": lpips(pred, target, box=mask_box(mask, min_size=31)),
        "ssim_rn": ssim_uniform(pred, target),
        "ssim_m_rn": ssim_masked_regnerf(pred, target, mask=mask),
        "lpips_m_rn": lpips_masked_regnerf(pred, target, mask=mask),
    }
    scores = image_scores(pred, target, mask=mask)
    assert list(scores) == list(METRIC_KEYS)
    for key in METRIC_KEYS:
        assert scores[key] == pytest.approx(expected[key], abs=1e-9), key


def test_image_scores_with_empty_mask_gives_none_for_masked_metrics() -> None:
    pred, target, _ = _scene(1)
    scores = image_scores(pred, target, mask=np.zeros((72, 96), dtype=bool))
    assert scores["psnr_m"] is None and scores["ssim_m"] is None and scores["lpips_m"] is None
    assert scores["ssim_m_rn"] is None and scores["lpips_m_rn"] is None
    assert all(isinstance(scores[key], float) for key in ("psnr", "ssim", "lpips", "ssim_rn"))


def test_image_scores_of_identical_images() -> None:
    _, target, mask = _scene(2)
    scores = image_scores(target, target, mask=mask)
    assert scores["psnr"] == math.inf and scores["psnr_m"] == math.inf
    assert scores["ssim"] == pytest.approx(1.0) and scores["lpips"] == 0.0 and scores["lpips_m"] == 0.0
    assert scores["ssim_rn"] == pytest.approx(1.0) and scores["ssim_m_rn"] == pytest.approx(1.0)
    assert scores["lpips_m_rn"] == 0.0


def test_image_scores_accept_float32_big_endian_and_flipped_views() -> None:
    pred, target, mask = _scene(7)
    expected = image_scores(pred, target, mask=mask)
    variants = [
        (pred.astype(np.float32), target.astype(np.float32)),
        (pred.astype(">f8"), target.astype(">f8")),
    ]
    for p, t in variants:
        got = image_scores(p, t, mask=mask)
        assert got["lpips"] == pytest.approx(expected["lpips"], abs=1e-6)
        assert got["ssim_m"] == pytest.approx(expected["ssim_m"], abs=1e-6)
    flipped = image_scores(pred[::-1], target[::-1], mask=mask[::-1])
    assert flipped["lpips_m"] == pytest.approx(
        lpips(pred[::-1].copy(), target[::-1].copy(), box=mask_box(mask[::-1], min_size=31))
    )


def test_image_scorer_without_regnerf_scores_spares_six_metrics_only() -> None:
    pred, target, mask = _scene(8)
    six = ImageScorer(regnerf=False).score(pred, target, mask=mask)
    assert list(six) == list(SPARE_KEYS)
    assert six == {key: image_scores(pred, target, mask=mask)[key] for key in SPARE_KEYS}


def test_image_scorer_stream_scores_each_pair() -> None:
    scenes = [_scene(3), _scene(4)]
    results = list(ImageScorer(ssim_threads=1).score_stream(scenes))
    assert [r["psnr"] for r in results] == [psnr(p, t) for p, t, _ in scenes]


def test_image_scores_rejects_mask_of_wrong_shape() -> None:
    pred, target, _ = _scene(5)
    with pytest.raises(ValueError, match=r"mask shape \(72, 95\)"):
        image_scores(pred, target, mask=np.ones((72, 95), dtype=bool))


def test_metric_conventions_cover_every_key() -> None:
    assert set(METRIC_CONVENTIONS) == set(METRIC_KEYS)
    assert "sigma 1.5" in METRIC_CONVENTIONS["ssim"] and "v0.1" in METRIC_CONVENTIONS["lpips"]
    assert "tight bounding box (no padding)" in METRIC_CONVENTIONS["ssim_m"]
    for key, text in METRIC_CONVENTIONS.items():
        first = text.split(". ")[0]
        origin = "RegNeRF" if key.endswith("_rn") else "SpaRe"
        assert first.startswith("Convention: ") and origin in first, key


def test_cli_prints_every_metric(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pred, target, mask = _scene(6)
    for name, array in (("a.png", pred), ("b.png", target)):
        Image.fromarray(np.round(array * 255).astype(np.uint8)).save(tmp_path / name)
    Image.fromarray(mask.astype(np.uint8) * 255).save(tmp_path / "m.png")
    assert main([str(tmp_path / "a.png"), str(tmp_path / "b.png"), "--mask", str(tmp_path / "m.png")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(METRIC_KEYS)
    assert float(lines[0].split()[1]) == pytest.approx(
        psnr(np.round(pred * 255) / 255, np.round(target * 255) / 255)
    )


def test_cli_reports_mismatched_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Image.new("RGB", (40, 40)).save(tmp_path / "a.png")
    Image.new("RGB", (40, 41)).save(tmp_path / "b.png")
    assert main([str(tmp_path / "a.png"), str(tmp_path / "b.png")]) == 2
    assert "does not match" in capsys.readouterr().err
