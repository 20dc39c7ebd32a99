"""Functional image metrics (PSNR, SSIM, LPIPS) with pinned conventions."""

from evaluator.metrics.box import Box, mask_box
from evaluator.metrics.psnr import psnr, psnr_clamp
from evaluator.metrics.ssim import ssim

__all__ = ["Box", "mask_box", "psnr", "psnr_clamp", "ssim"]
