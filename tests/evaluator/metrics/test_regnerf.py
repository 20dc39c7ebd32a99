"""The DTU/RegNeRF conventions agree with scikit-image called exactly as RegNeRF/FreeNeRF's eval.py does."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from evaluator.metrics import (
    lpips,
    lpips_masked_regnerf,
    psnr,
    ssim,
    ssim_masked_regnerf,
    ssim_uniform,
)


def _pair(shape: tuple[int, int], seed: int, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    target = rng.random((*shape, 3))
    pred = np.clip(target + noise * rng.standard_normal(target.shape), 0.0, 1.0)
    return pred, target


def _object_mask(shape: tuple[int, int], seed: int) -> np.ndarray:
    """An irregular object: a filled ellipse with a random centre and radii."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    cy, cx = rng.uniform(0.35, 0.65) * shape[0], rng.uniform(0.35, 0.65) * shape[1]
    ry, rx = rng.uniform(0.15, 0.3) * shape[0], rng.uniform(0.15, 0.3) * shape[1]
    return ((rows - cy) / ry) ** 2 + ((cols - cx) / rx) ** 2 <= 1.0


def _sk_ssim(pred: np.ndarray, target: np.ndarray) -> float:
    """skimage with its defaults (uniform 7x7 window, sample covariance), data range 1 as in FreeNeRF."""
    return structural_similarity(pred, target, data_range=1, channel_axis=-1)


def _white(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """RegNeRF's composite, written as its eval.py does: rgb * mask + (1 - mask) with a float mask."""
    m = mask.astype(np.float64)[..., None]
    return image * m + (1.0 - m)


@pytest.mark.parametrize(("shape", "seed"), [((48, 64), 0), ((75, 100), 1), ((120, 160), 2)])
def test_ssim_uniform_equals_skimage_defaults_with_data_range_one(shape, seed) -> None:
    pred, target = _pair(shape, seed)
    assert ssim_uniform(pred, target) == pytest.approx(_sk_ssim(pred, target), abs=1e-12)


def test_ssim_uniform_reads_higher_than_the_gaussian_window_ssim_on_smooth_texture() -> None:
    rng = np.random.default_rng(3)
    target = ndimage.gaussian_filter(rng.random((96, 128, 3)), sigma=(2, 2, 0))
    pred = np.clip(target + 0.05 * rng.standard_normal(target.shape), 0.0, 1.0)
    assert ssim_uniform(pred, target) > ssim(pred, target) + 0.01


def test_ssim_uniform_of_identical_images_is_one_and_small_images_are_refused() -> None:
    _, target = _pair((16, 16), 4)
    assert ssim_uniform(target, target) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 7 x 7"):
        ssim_uniform(target[:6], target[:6])


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_masked_ssim_regnerf_equals_skimage_on_white_composites(seed) -> None:
    pred, target = _pair((72, 96), seed)
    mask = _object_mask((72, 96), seed)
    expected = _sk_ssim(_white(pred, mask), _white(target, mask))
    assert ssim_masked_regnerf(pred, target, mask=mask) == pytest.approx(expected, abs=1e-12)


def test_masked_regnerf_metrics_ignore_everything_outside_the_mask() -> None:
    pred, target = _pair((72, 96), 8)
    mask = _object_mask((72, 96), 8)
    other = np.where(mask[..., None], pred, np.random.default_rng(9).random(pred.shape))
    assert ssim_masked_regnerf(other, target, mask=mask) == ssim_masked_regnerf(pred, target, mask=mask)
    assert lpips_masked_regnerf(other, target, mask=mask) == pytest.approx(
        lpips_masked_regnerf(pred, target, mask=mask), abs=1e-7
    )


def test_masked_lpips_regnerf_is_lpips_of_the_white_composites_over_the_whole_image() -> None:
    pred, target = _pair((64, 80), 10)
    mask = _object_mask((64, 80), 10)
    expected = lpips(_white(pred, mask), _white(target, mask))
    assert lpips_masked_regnerf(pred, target, mask=mask) == pytest.approx(expected, abs=1e-6)


def test_masked_regnerf_metrics_are_none_for_an_empty_mask() -> None:
    pred, target = _pair((32, 32), 11)
    empty = np.zeros((32, 32), dtype=bool)
    assert ssim_masked_regnerf(pred, target, mask=empty) is None
    assert lpips_masked_regnerf(pred, target, mask=empty) is None


@pytest.mark.parametrize("seed", [12, 13, 14])
def test_masked_psnr_is_regnerfs_psnr_over_the_masks_pixels(seed) -> None:
    pred, target = _pair((72, 96), seed)
    mask = _object_mask((72, 96), seed)
    expected = peak_signal_noise_ratio(target[mask], pred[mask], data_range=1)
    assert psnr(pred, target, mask=mask) == pytest.approx(expected, abs=1e-10)


def _edge_masks(shape: tuple[int, int]) -> list[np.ndarray]:
    """Masks where a window-sized shortcut could go wrong: at corners and edges, in the border, tiny, full."""
    masks = []
    for rows, cols in (
        (slice(0, 5), slice(0, 9)),  # top-left corner
        (slice(-4, None), slice(20, 40)),  # bottom edge
        (slice(10, 30), slice(-2, None)),  # right edge, inside the 3-pixel border
        (slice(1, 2), slice(1, 2)),  # one pixel in the border
        (slice(30, 31), slice(40, 41)),  # one pixel inside
        (slice(None), slice(None)),  # the whole image
    ):
        mask = np.zeros(shape, dtype=bool)
        mask[rows, cols] = True
        masks.append(mask)
    return masks


def test_masked_ssim_regnerf_equals_skimage_for_masks_at_edges_corners_and_tiny() -> None:
    pred, target = _pair((60, 80), 15)
    for mask in _edge_masks((60, 80)):
        expected = _sk_ssim(_white(pred, mask), _white(target, mask))
        assert ssim_masked_regnerf(pred, target, mask=mask) == pytest.approx(expected, abs=1e-12)
