"""The frame strip of a submission's page: first, middle and last frame, dense above, sparse below."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

SCALE = 4
GAP = 4


def frame_strip_png(*, dense: np.ndarray, sparse: np.ndarray, scale: int = SCALE) -> bytes:
    """PNG of two rows (dense, then sparse) of the first, middle and last frames (F, H, W, 3) in [0, 1],
    each frame enlarged ``scale`` times (nearest pixel), white gaps between them."""
    if dense.shape != sparse.shape or dense.ndim != 4 or dense.shape[-1] != 3:
        raise ValueError(f"videos must be (frames, H, W, 3) alike, got {dense.shape} and {sparse.shape}")
    frames = dense.shape[0]
    picks = sorted({0, frames // 2, frames - 1})
    height, width = dense.shape[1] * scale, dense.shape[2] * scale
    canvas = np.full((2 * height + GAP, len(picks) * (width + GAP) - GAP, 3), 255, dtype=np.uint8)
    for row, video in enumerate((dense, sparse)):
        for col, index in enumerate(picks):
            frame = np.round(np.clip(video[index], 0.0, 1.0) * 255).astype(np.uint8)
            big = frame.repeat(scale, axis=0).repeat(scale, axis=1)
            top, left = row * (height + GAP), col * (width + GAP)
            canvas[top : top + height, left : left + width] = big
    out = io.BytesIO()
    Image.fromarray(canvas).save(out, format="PNG", optimize=True)
    return out.getvalue()
