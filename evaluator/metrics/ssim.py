"""Structural similarity (Wang et al. 2004) with pinned parameters, computed in float64 row strips."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import ndimage

from evaluator.metrics.box import Box
from evaluator.metrics.checks import pair_check
from evaluator.metrics.native_ops import metrics_native_unavailable_reason, ssim_map_native

SIGMA = 1.5
TRUNCATE = 3.5  # 2 * int(3.5 * 1.5 + 0.5) + 1 = 11 taps, as skimage
WIN = 11
HALF = WIN // 2
C1 = (0.01 * 1.0) ** 2
C2 = (0.03 * 1.0) ** 2
_STRIP_ROWS = 128


def ssim(
    pred: np.ndarray, target: np.ndarray, *, box: Box | None = None, threads: int | None = None
) -> float:
    """Mean SSIM of two H x W x 3 images in [0, 1], per channel then averaged over the 3 channels.

    Conventions (Wang et al. 2004, as skimage.metrics.structural_similarity with gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False, data_range=1, channel_axis=-1): Gaussian window of 11
    taps (sigma 1.5, truncate 3.5), K1 = 0.01, K2 = 0.03, population covariance, float64, 'reflect'
    borders, and the mean taken over the map without its 5-pixel border. With `box`, the SSIM of the
    crop box.crop(image). Both images (or crops) must be at least 11 x 11.
    """
    pred, target = pair_check(pred, target)
    if box is not None:
        pred, target = box.crop(pred), box.crop(target)
    smap = ssim_map(pred, target, threads=threads)
    return ssim_map_mean(smap, box=None)


def ssim_map(
    pred: np.ndarray, target: np.ndarray, *, threads: int | None = None, native: bool = True
) -> np.ndarray:
    """Channel-averaged SSIM map (H x W, float64) of two checked images; the border is left as computed.

    With ``native`` (the default) the compiled kernel computes it where it builds, else scipy's
    Gaussian filters in row strips; both use the same taps and borders, and agree to about 1e-15.
    """
    height, width = pred.shape[:2]
    if height < WIN or width < WIN:
        raise ValueError(f"SSIM needs images of at least {WIN} x {WIN} pixels, got {height} x {width}")
    if native and metrics_native_unavailable_reason() is None:
        return ssim_map_native(pred, target, sigma=SIGMA, radius=HALF, c1=C1, c2=C2, threads=threads)
    out = np.empty((height, width), dtype=np.float64)
    starts = range(0, height, _STRIP_ROWS)
    workers = max(1, min(threads or os.cpu_count() or 1, len(starts)))

    def strip(start: int) -> None:
        stop = min(start + _STRIP_ROWS, height)
        lo, hi = max(start - HALF, 0), min(stop + HALF, height)
        out[start:stop] = _strip_map(pred[lo:hi], target[lo:hi])[start - lo : start - lo + stop - start]

    if workers == 1:
        for start in starts:
            strip(start)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(strip, starts))
    return out


def ssim_map_mean(smap: np.ndarray, *, box: Box | None) -> float:
    """Mean of the SSIM map over `box` (or the whole map) without its 5-pixel border.

    Equal to the SSIM of the crop: the kept pixels' 11 x 11 windows lie inside the box, so their
    values do not depend on the pixels outside it.
    """
    if box is not None:
        smap = box.crop(smap)
    if smap.shape[0] < WIN or smap.shape[1] < WIN:
        raise ValueError(f"SSIM needs at least {WIN} x {WIN} pixels, got {smap.shape[0]} x {smap.shape[1]}")
    return float(smap[HALF:-HALF, HALF:-HALF].mean(dtype=np.float64))


def _strip_map(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """SSIM map of a row strip (rows x W x 3), averaged over channels, in float64.

    Four Gaussian filters instead of five: the formula only needs vx + vy, which is
    G(x^2 + y^2) - ux^2 - uy^2, so x^2 and y^2 are filtered together.
    """
    planes = np.empty((4, 3, *pred.shape[:2]), dtype=np.float64)
    x, y = planes[0], planes[1]
    x[...] = np.moveaxis(pred, -1, 0)
    y[...] = np.moveaxis(target, -1, 0)
    np.multiply(x, x, out=planes[2])
    planes[2] += y * y
    np.multiply(x, y, out=planes[3])
    ux, uy, uss, uxy = ndimage.gaussian_filter(
        planes, sigma=(0, 0, SIGMA, SIGMA), mode="reflect", truncate=TRUNCATE, output=np.float64
    )
    a1 = ux * uy  # ux uy
    ux *= ux
    uy *= uy
    ux += uy  # ux^2 + uy^2
    uxy -= a1
    uxy *= 2.0
    uxy += C2  # A2 = 2 vxy + C2
    a1 *= 2.0
    a1 += C1  # A1 = 2 ux uy + C1
    uss -= ux
    uss += C2  # B2 = vx + vy + C2
    ux += C1  # B1 = ux^2 + uy^2 + C1
    a1 *= uxy
    ux *= uss
    a1 /= ux
    return a1.mean(axis=0)
