"""Peak signal-to-noise ratio, whole image or over the pixels of a mask."""

from __future__ import annotations

import math

import numpy as np

from evaluator.metrics.checks import mask_check, pair_check


def psnr(pred: np.ndarray, target: np.ndarray, *, mask: np.ndarray | None = None) -> float | None:
    """PSNR in dB, 10 * log10(1 / MSE), data range 1, MSE in float64 over all pixels and 3 channels.

    pred, target: H x W x 3 float arrays in [0, 1]. With a boolean H x W `mask`, the MSE is taken over
    the masked pixels only (all 3 channels); an empty mask returns None ("n/a").
    Identical images (MSE = 0) return float("inf"), as skimage does; inf is not JSON-safe, so a
    scorer that stores or averages PSNR must treat it explicitly (e.g. clamp with `psnr_clamp`).
    Equals skimage.metrics.peak_signal_noise_ratio(target, pred, data_range=1) without a mask.
    """
    pred, target = pair_check(pred, target)
    if mask is None:
        mse = float(np.mean(np.square(pred.astype(np.float64) - target.astype(np.float64))))
    else:
        mask = mask_check(mask, shape=pred.shape[:2])
        count = int(np.count_nonzero(mask))
        if count == 0:
            return None
        diff = pred[mask].astype(np.float64) - target[mask].astype(np.float64)
        mse = float(np.mean(np.square(diff)))
    return mse_psnr(mse=mse)


def mse_psnr(*, mse: float) -> float:
    """PSNR (dB, data range 1) of a mean squared error; float("inf") when mse == 0."""
    if mse < 0 or not math.isfinite(mse):
        raise ValueError(f"mse must be finite and >= 0, got {mse}")
    return math.inf if mse == 0.0 else 10.0 * math.log10(1.0 / mse)


def psnr_clamp(value: float | None, *, ceiling_db: float = 100.0) -> float | None:
    """Leaderboard-safe PSNR: min(value, ceiling_db), None stays None (identical images -> ceiling)."""
    return None if value is None else min(value, ceiling_db)
