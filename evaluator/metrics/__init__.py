"""Functional image metrics (PSNR, SSIM, LPIPS) with pinned conventions."""

from evaluator.metrics.box import Box, mask_box
from evaluator.metrics.conventions import METRIC_CONVENTIONS
from evaluator.metrics.lpips import lpips
from evaluator.metrics.psnr import psnr, psnr_clamp
from evaluator.metrics.regnerf import lpips_masked_regnerf, ssim_masked_regnerf, ssim_uniform
from evaluator.metrics.scores import METRIC_KEYS, REGNERF_KEYS, SPARE_KEYS, ImageScorer, image_scores
from evaluator.metrics.ssim import ssim

__all__ = [
    "METRIC_CONVENTIONS",
    "METRIC_KEYS",
    "REGNERF_KEYS",
    "SPARE_KEYS",
    "Box",
    "ImageScorer",
    "image_scores",
    "lpips",
    "lpips_masked_regnerf",
    "mask_box",
    "psnr",
    "psnr_clamp",
    "ssim",
    "ssim_masked_regnerf",
    "ssim_uniform",
]
