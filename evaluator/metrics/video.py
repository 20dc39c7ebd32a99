"""Per-frame quality of a video against a reference video: PSNR, two SSIM conventions, LPIPS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from evaluator.metrics.checks import pair_check
from evaluator.metrics.lpips import lpips
from evaluator.metrics.psnr import psnr, psnr_clamp
from evaluator.metrics.ssim import ssim

#: Sparse-VideoGen's SSIM window (svg/utils/metric.py: avg_pool2d, kernel 11, stride 1, padding 5).
SVG_WINDOW = 11
C1 = 0.01**2
C2 = 0.03**2


def ssim_svg(pred: np.ndarray, target: np.ndarray) -> float:
    """SSIM as Sparse-VideoGen's released evaluation computes it, of two H x W x 3 images in [0, 1].

    Conventions (svg/utils/metric.py): an 11 x 11 uniform window, zero padding counted in the window's
    mean (avg_pool2d's count_include_pad), population (co)variances as E[xy] - E[x]E[y], K1 = 0.01,
    K2 = 0.03, data range 1, and the mean over the whole map and the 3 channels: no border is cropped.
    Float64 here (the released code runs in float32). ValueError for images smaller than 11 x 11.
    """
    pred, target = pair_check(pred, target)
    if min(pred.shape[:2]) < SVG_WINDOW:
        raise ValueError(f"SSIM needs images of at least {SVG_WINDOW} x {SVG_WINDOW}, got {pred.shape[:2]}")
    x, y = pred.astype(np.float64), target.astype(np.float64)
    size = (SVG_WINDOW, SVG_WINDOW, 1)

    def mean(a: np.ndarray) -> np.ndarray:
        return ndimage.uniform_filter(a, size=size, mode="constant", cval=0.0)

    mu_x, mu_y = mean(x), mean(y)
    var_x, var_y = mean(x * x) - mu_x**2, mean(y * y) - mu_y**2
    cov = mean(x * y) - mu_x * mu_y
    smap = ((2 * mu_x * mu_y + C1) * (2 * cov + C2)) / ((mu_x**2 + mu_y**2 + C1) * (var_x + var_y + C2))
    return float(smap.mean())


def video_frames(video: np.ndarray) -> np.ndarray:
    """Frames (F, H, W, 3) in [0, 1] of a model video (3, F, H, W) in about [-1, 1], quantised to 8 bits
    as a saved video's frames are: round(255 * clip((x + 1) / 2, 0, 1)) / 255."""
    video = np.asarray(video, dtype=np.float64)
    if video.ndim != 4 or video.shape[0] != 3:
        raise ValueError(f"video must be shaped (3, frames, height, width), got {video.shape}")
    if not np.all(np.isfinite(video)):
        raise ValueError("video has non-finite values")
    unit = np.clip((video + 1.0) / 2.0, 0.0, 1.0)
    return np.round(unit * 255.0).transpose(1, 2, 3, 0) / 255.0


@dataclass(frozen=True)
class VideoQuality:
    """Per-frame scores of a video against its reference, and their means over the frames."""

    psnr: tuple[float, ...]
    ssim: tuple[float, ...]
    ssim_svg: tuple[float, ...]
    lpips: tuple[float, ...] | None  # None: frames smaller than LPIPS's smallest input

    def means(self) -> dict[str, float | None]:
        """Frame means: psnr, ssim, ssim_svg, lpips (None when n/a)."""
        return {
            "psnr": float(np.mean(self.psnr)),
            "ssim": float(np.mean(self.ssim)),
            "ssim_svg": float(np.mean(self.ssim_svg)),
            "lpips": None if self.lpips is None else float(np.mean(self.lpips)),
        }


def video_quality(pred: np.ndarray, target: np.ndarray) -> VideoQuality:
    """Per-frame PSNR (capped at 100 dB, as the leaderboards cap identical images), the project's SSIM
    (Wang 2004, Gaussian window), Sparse-VideoGen's SSIM and LPIPS of frames (F, H, W, 3) in [0, 1]."""
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape or pred.ndim != 4:
        raise ValueError(f"videos must be (frames, H, W, 3) alike, got {pred.shape} and {target.shape}")
    pairs = list(zip(pred, target, strict=True))
    frame_lpips = [lpips(p, t) for p, t in pairs]
    return VideoQuality(
        psnr=tuple(psnr_clamp(psnr(p, t)) for p, t in pairs),
        ssim=tuple(ssim(p, t) for p, t in pairs),
        ssim_svg=tuple(ssim_svg(p, t) for p, t in pairs),
        lpips=None if any(v is None for v in frame_lpips) else tuple(frame_lpips),
    )
