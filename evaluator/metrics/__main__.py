"""Command line: print every image metric of two image files (python -m evaluator.metrics A B)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from evaluator.metrics.lpips import lpips
from evaluator.metrics.psnr import psnr
from evaluator.metrics.regnerf import ssim_uniform
from evaluator.metrics.scores import METRIC_KEYS, ImageScorer
from evaluator.metrics.ssim import ssim


def image_read(path: Path) -> np.ndarray:
    """An image file as an H x W x 3 float64 array in [0, 1] (16-bit grey / 65535, else RGB / 255)."""
    from PIL import Image

    with Image.open(path) as img:
        if img.mode in ("I;16", "I;16B", "I;16L"):
            array = np.asarray(img, dtype=np.float64) / 65535.0
            return np.repeat(array[..., None], 3, axis=2)
        return np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0


def mask_read(path: Path) -> np.ndarray:
    """A mask image as a boolean H x W array: True where the grey level is at least half of full scale."""
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img.convert("L"), dtype=np.uint8) >= 128


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, score the pair, print one metric a line."""
    parser = argparse.ArgumentParser(prog="python -m evaluator.metrics", description=__doc__)
    parser.add_argument("image_a", type=Path, help="predicted image (PNG, JPEG, ...)")
    parser.add_argument("image_b", type=Path, help="reference image of the same size")
    parser.add_argument("--mask", type=Path, help="object mask image (white = object) for the masked metrics")
    args = parser.parse_args(argv)
    try:
        pred, target = image_read(args.image_a), image_read(args.image_b)
        if args.mask is not None:
            values = ImageScorer().score(pred, target, mask=mask_read(args.mask))
        else:
            values = {
                "psnr": psnr(pred, target),
                "ssim": ssim(pred, target),
                "lpips": lpips(pred, target),
                "ssim_rn": ssim_uniform(pred, target),
            }
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for key in METRIC_KEYS:
        if key in values:
            value = values[key]
            print(f"{key:10s} {'n/a' if value is None else f'{value:.6f}'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
