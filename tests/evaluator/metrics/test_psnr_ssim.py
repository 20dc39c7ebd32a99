"""PSNR and SSIM agree with scikit-image (pinned parameters) and an independent masked MSE."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sb_ci import skip_now_unless_ci
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from evaluator.metrics import Box, psnr, ssim
from evaluator.metrics.native_ops import metrics_native_unavailable_reason
from evaluator.metrics.ssim import ssim_map, ssim_map_mean


def _pair(shape: tuple[int, int], seed: int, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    target = rng.random((*shape, 3))
    pred = np.clip(target + noise * rng.standard_normal(target.shape), 0.0, 1.0)
    return pred, target


def _structured(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    target = np.stack([(rows / shape[0]), (cols / shape[1]), ((rows // 8 + cols // 8) % 2) * 1.0], axis=-1)
    pred = target.copy()
    pred[shape[0] // 3 : shape[0] // 2, :, 0] = 0.5
    pred[:, : shape[1] // 4, 2] = np.clip(pred[:, : shape[1] // 4, 2] * 0.7 + 0.1, 0, 1)
    return pred, target


def _sk_ssim(pred: np.ndarray, target: np.ndarray) -> float:
    return structural_similarity(
        pred,
        target,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=1.0,
        channel_axis=-1,
    )


PAIRS = [_pair((64, 80), 0), _pair((11, 11), 1), _pair((97, 45), 2, noise=0.02), _structured((120, 160))]


@pytest.mark.parametrize("pair", PAIRS)
def test_psnr_matches_skimage(pair: tuple[np.ndarray, np.ndarray]) -> None:
    pred, target = pair
    expected = peak_signal_noise_ratio(target, pred, data_range=1.0)
    assert psnr(pred, target) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("pair", PAIRS)
def test_ssim_matches_skimage(pair: tuple[np.ndarray, np.ndarray]) -> None:
    pred, target = pair
    assert ssim(pred, target) == pytest.approx(_sk_ssim(pred, target), abs=1e-6)


def test_ssim_matches_skimage_on_float32_inputs_computed_in_float64() -> None:
    pred, target = _pair((40, 50), 3)
    pred32, target32 = pred.astype(np.float32), target.astype(np.float32)
    value = ssim(pred32, target32)
    expected = _sk_ssim(pred32.astype(np.float64), target32.astype(np.float64))
    assert value == pytest.approx(expected, abs=1e-6)


def test_ssim_with_box_equals_skimage_on_the_crop() -> None:
    pred, target = _structured((300, 260))
    box = Box(top=20, left=130, bottom=151, right=260)
    assert ssim(pred, target, box=box) == pytest.approx(_sk_ssim(box.crop(pred), box.crop(target)), abs=1e-6)


def test_ssim_of_identical_images_is_one() -> None:
    pred, _ = _pair((30, 30), 4)
    assert ssim(pred, pred) == pytest.approx(1.0, abs=1e-12)


def test_ssim_rejects_images_smaller_than_the_window() -> None:
    pred, target = _pair((10, 40), 5)
    with pytest.raises(ValueError, match="11 x 11"):
        ssim(pred, target)


def test_psnr_with_mask_matches_independent_masked_mse() -> None:
    pred, target = _pair((50, 60), 6)
    mask = np.zeros((50, 60), dtype=bool)
    mask[10:30, 5:50] = True
    mask[40, 59] = True
    pairs = zip(pred[mask].ravel(), target[mask].ravel(), strict=True)
    squared = [(float(p) - float(t)) ** 2 for p, t in pairs]
    expected = 10.0 * math.log10(1.0 / (sum(squared) / len(squared)))
    assert psnr(pred, target, mask=mask) == pytest.approx(expected, abs=1e-9)


def test_psnr_with_full_mask_equals_unmasked_psnr() -> None:
    pred, target = _pair((20, 25), 7)
    full = np.ones((20, 25), dtype=bool)
    assert psnr(pred, target, mask=full) == pytest.approx(psnr(pred, target), abs=1e-12)


def test_psnr_with_empty_mask_is_none() -> None:
    pred, target = _pair((20, 25), 8)
    assert psnr(pred, target, mask=np.zeros((20, 25), dtype=bool)) is None


def test_psnr_of_identical_images_is_infinite() -> None:
    pred, _ = _pair((20, 25), 9)
    assert psnr(pred, pred) == math.inf


def _require_native_ssim() -> None:
    """Skip when the compiled SSIM kernel cannot build here, except under CI=true, where it must."""
    skip_now_unless_ci(metrics_native_unavailable_reason())


@pytest.mark.parametrize("native", [True, False], ids=["compiled", "scipy"])
@pytest.mark.parametrize("pair", PAIRS)
def test_both_ssim_map_paths_match_skimage(pair: tuple[np.ndarray, np.ndarray], native: bool) -> None:
    if native:
        _require_native_ssim()
    pred, target = pair
    value = ssim_map_mean(ssim_map(pred, target, native=native), box=None)
    assert value == pytest.approx(_sk_ssim(pred, target), abs=1e-6)


@pytest.mark.parametrize("shape", [(11, 11), (12, 200), (200, 13), (129, 77)])
def test_compiled_ssim_map_equals_the_scipy_map_everywhere_for_any_thread_count(shape) -> None:
    _require_native_ssim()
    pred, target = _pair(shape, 4)
    scipy_map = ssim_map(pred, target, native=False)
    for threads in (1, 3):
        compiled = ssim_map(pred, target, native=True, threads=threads)
        assert np.abs(compiled - scipy_map).max() <= 1e-12  # the borders included
