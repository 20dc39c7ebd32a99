"""The DTU conventions of RegNeRF/FreeNeRF: uniform-window SSIM and masked metrics on white composites."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from evaluator.metrics.checks import mask_check, pair_check

#: skimage.metrics.structural_similarity defaults: a uniform 7 x 7 window, sample covariance.
WIN = 7
PAD = (WIN - 1) // 2
C1 = (0.01 * 1.0) ** 2
C2 = (0.03 * 1.0) ** 2
_COV_NORM = WIN * WIN / (WIN * WIN - 1.0)


def ssim_uniform(pred: np.ndarray, target: np.ndarray) -> float:
    """SSIM over a uniform 7 x 7 window with sample covariance, data range 1, averaged over RGB channels.

    Conventions (RegNeRF's and FreeNeRF's DTU evaluation, i.e. skimage.metrics.structural_similarity with
    its defaults, data_range=1, channel_axis=-1): window means by scipy's uniform_filter ('reflect'
    borders), variances and covariance scaled by 49/48, K1 = 0.01, K2 = 0.03, float64, mean over the
    map without its 3-pixel border, per channel, then averaged. Images must be at least 7 x 7.
    """
    pred, target = pair_check(pred, target)
    height, width = pred.shape[:2]
    if height < WIN or width < WIN:
        raise ValueError(f"SSIM (DTU/RegNeRF) needs images of at least {WIN} x {WIN}, got {height} x {width}")
    return float(
        np.mean([_channel_map(pred[..., c], target[..., c])[PAD:-PAD, PAD:-PAD].mean() for c in range(3)])
    )


def _channel_map(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Uniform-window SSIM map of one channel pair ('reflect' borders), border included."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    ux = ndimage.uniform_filter(x, size=WIN)
    uy = ndimage.uniform_filter(y, size=WIN)
    vx = _COV_NORM * (ndimage.uniform_filter(x * x, size=WIN) - ux * ux)
    vy = _COV_NORM * (ndimage.uniform_filter(y * y, size=WIN) - uy * uy)
    vxy = _COV_NORM * (ndimage.uniform_filter(x * y, size=WIN) - ux * uy)
    return ((2 * ux * uy + C1) * (2 * vxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2))


def ssim_uniform_white(pred: np.ndarray, target: np.ndarray, *, mask: np.ndarray) -> float:
    """ssim_uniform of the white composites, computed only where a window can meet the mask.

    A window reads pixels within 3 of its centre (reflected borders included), so every window that
    misses the mask sees white in both composites and scores exactly 1: the map is computed on the mask's
    box grown by 3 (plus 3 more of context) and every other kept pixel counts as 1. Inputs are checked
    H x W x 3 images of at least 7 x 7 and a non-empty H x W boolean mask.
    """
    height, width = mask.shape
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    r0, r1 = max(int(rows[0]) - PAD, PAD), min(int(rows[-1]) + 1 + PAD, height - PAD)
    c0, c1 = max(int(cols[0]) - PAD, PAD), min(int(cols[-1]) + 1 + PAD, width - PAD)
    kept = (height - 2 * PAD) * (width - 2 * PAD)
    if r0 >= r1 or c0 >= c1:
        return 1.0
    top, left = max(r0 - PAD, 0), max(c0 - PAD, 0)
    bottom, right = min(r1 + PAD, height), min(c1 + PAD, width)
    region = (slice(top, bottom), slice(left, right))
    x, y = white_composite(pred[region], mask[region]), white_composite(target[region], mask[region])
    inner = (slice(r0 - top, r1 - top), slice(c0 - left, c1 - left))
    others = kept - (r1 - r0) * (c1 - c0)
    sums = [float(_channel_map(x[..., c], y[..., c])[inner].sum(dtype=np.float64)) for c in range(3)]
    return float(np.mean([(total + others) / kept for total in sums]))


def white_composite(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The image where the mask is True and white (1.0) elsewhere: RegNeRF's rgb * mask + (1 - mask)."""
    return np.where(mask[..., None], image, 1.0)


def composites(
    pred: np.ndarray, target: np.ndarray, *, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Both images composited on white outside the mask, or None for an empty mask."""
    pred, target = pair_check(pred, target)
    mask = mask_check(mask, shape=pred.shape[:2])
    if not mask.any():
        return None
    return white_composite(pred, mask), white_composite(target, mask)


def ssim_masked_regnerf(pred: np.ndarray, target: np.ndarray, *, mask: np.ndarray) -> float | None:
    """SSIM (DTU/RegNeRF) of both images composited on white outside the mask, over the whole image."""
    pred, target = pair_check(pred, target)
    mask = mask_check(mask, shape=pred.shape[:2])
    if min(pred.shape[:2]) < WIN:
        raise ValueError(f"SSIM (DTU/RegNeRF) needs images of at least {WIN} x {WIN}, got {pred.shape[:2]}")
    return ssim_uniform_white(pred, target, mask=mask) if mask.any() else None


def lpips_masked_regnerf(pred: np.ndarray, target: np.ndarray, *, mask: np.ndarray) -> float | None:
    """LPIPS (v0.1, AlexNet) of both images composited on white outside the mask, over the whole image."""
    from evaluator.metrics.lpips import lpips_checked

    pair = composites(pred, target, mask=mask)
    return None if pair is None else lpips_checked(*pair)
