"""All image metrics of one image pair in one pass (SpaRe's and the DTU/RegNeRF ones), and a stream scorer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from evaluator.metrics.box import mask_box
from evaluator.metrics.checks import mask_check, pair_check
from evaluator.metrics.lpips import MIN_SIDE, lpips_checked, lpips_network
from evaluator.metrics.native_ops import metrics_native_unavailable_reason, squared_error_sums_native
from evaluator.metrics.psnr import mse_psnr
from evaluator.metrics.regnerf import ssim_uniform, ssim_uniform_white, white_composite
from evaluator.metrics.ssim import ssim_map, ssim_map_mean

#: The metrics of SpaRe's documentation (the ranking ones).
SPARE_KEYS = ("psnr", "psnr_m", "ssim", "ssim_m", "lpips", "lpips_m")
#: The DTU conventions of RegNeRF/FreeNeRF that differ from SpaRe's (their masked PSNR is psnr_m).
REGNERF_KEYS = ("ssim_rn", "ssim_m_rn", "lpips_m_rn")
METRIC_KEYS = SPARE_KEYS + REGNERF_KEYS


class ImageScorer:
    """Scores image pairs with shared work: one squared-error pass for PSNR and PSNR-M, one SSIM map
    for SSIM and SSIM-M (its mean over the whole map and over the mask box), and one process-wide
    LPIPS network (loaded on construction) for the three LPIPS values. Values equal the functional metrics.
    """

    def __init__(self, *, ssim_threads: int | None = None, regnerf: bool = True) -> None:
        self.ssim_threads = ssim_threads
        self.regnerf = regnerf  # False: SpaRe's six metrics only (SPARE_KEYS)
        lpips_network()

    def score(self, pred: np.ndarray, target: np.ndarray, *, mask: np.ndarray) -> dict[str, float | None]:
        """The metrics (METRIC_KEYS, or SPARE_KEYS without regnerf) of one pair; masked ones None for an empty
        mask."""
        pred, target = pair_check(pred, target)
        # one contiguous float64 copy (none for float64 inputs) instead of one per metric below;
        # float32 values survive the round trip exactly, so LPIPS sees the same float32 inputs
        pred, target = (np.ascontiguousarray(x, dtype=np.float64) for x in (pred, target))
        mask = mask_check(mask, shape=pred.shape[:2])
        box = mask_box(mask)
        lpips_box = mask_box(mask, min_size=MIN_SIDE)
        count = int(np.count_nonzero(mask))
        total, inside = _squared_error_sums(pred, target, mask)
        smap = ssim_map(pred, target, threads=self.ssim_threads)
        values = {
            "psnr": mse_psnr(mse=total / (3.0 * mask.size)),
            "psnr_m": None if count == 0 else mse_psnr(mse=inside / (3.0 * count)),
            "ssim": ssim_map_mean(smap, box=None),
            "ssim_m": None if box is None else ssim_map_mean(smap, box=box),
            "lpips": lpips_checked(pred, target),
            "lpips_m": None if box is None else lpips_checked(lpips_box.crop(pred), lpips_box.crop(target)),
        }
        if self.regnerf:
            empty = count == 0
            values["ssim_rn"] = ssim_uniform(pred, target)
            values["ssim_m_rn"] = None if empty else ssim_uniform_white(pred, target, mask=mask)
            white = None if empty else (white_composite(pred, mask), white_composite(target, mask))
            values["lpips_m_rn"] = None if white is None else lpips_checked(*white)
        return values

    def score_stream(
        self, pairs: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
    ) -> Iterator[dict[str, float | None]]:
        """Score (pred, target, mask) triples one at a time, holding only the current pair in memory."""
        for pred, target, mask in pairs:
            yield self.score(pred, target, mask=mask)


def _squared_error_sums(pred: np.ndarray, target: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Float64 sums of (pred - target)^2 over all pixels and channels, and over the mask's pixels."""
    if metrics_native_unavailable_reason() is None:
        return squared_error_sums_native(pred, target, mask)
    diff = pred.astype(np.float64) - target.astype(np.float64)
    diff *= diff
    pixel_sq = diff[..., 0] + diff[..., 1]
    pixel_sq += diff[..., 2]
    return float(pixel_sq.sum()), float(pixel_sq[mask].sum())


def image_scores(pred: np.ndarray, target: np.ndarray, *, mask: np.ndarray) -> dict[str, float | None]:
    """Every METRIC_KEYS value of one pair (see METRIC_CONVENTIONS); fast path.

    pred, target: H x W x 3 float arrays in [0, 1]; mask: boolean H x W object mask. PSNR-M is over
    the mask's pixels; SSIM-M is on the crop mask_box(mask), LPIPS-M on mask_box(mask, min_size=31);
    the *_rn metrics follow RegNeRF's DTU evaluation (regnerf.py); the masked metrics are None ("n/a")
    for an empty mask.
    PSNR is float("inf") for identical images (see `psnr`).
    """
    return ImageScorer().score(pred, target, mask=mask)
