"""Functional image metrics (PSNR, SSIM, LPIPS) with pinned conventions."""
