"""Bounding boxes of masks: the crop on which SpaRe's masked SSIM and LPIPS are computed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evaluator.metrics.checks import mask_check


@dataclass(frozen=True)
class Box:
    """A rectangle of pixels, rows [top, bottom) and columns [left, right) (exclusive ends)."""

    top: int
    left: int
    bottom: int
    right: int

    def __post_init__(self) -> None:
        if not (0 <= self.top < self.bottom and 0 <= self.left < self.right):
            raise ValueError(f"box {self} must have 0 <= top < bottom and 0 <= left < right")

    @property
    def height(self) -> int:
        """Number of rows."""
        return self.bottom - self.top

    @property
    def width(self) -> int:
        """Number of columns."""
        return self.right - self.left

    def crop(self, array: np.ndarray) -> np.ndarray:
        """Return the view array[top:bottom, left:right] (leading two axes); ValueError if outside."""
        if array.ndim < 2 or self.bottom > array.shape[0] or self.right > array.shape[1]:
            raise ValueError(f"box {self} does not fit an array of shape {array.shape}")
        return array[self.top : self.bottom, self.left : self.right]


def mask_box(mask: np.ndarray, *, pad: int = 0, min_size: int = 11) -> Box | None:
    """Tight box of the True pixels (SpaRe's crop), padded by `pad`, grown to min_size x min_size, clipped;
    None if empty.

    The default is SpaRe's tight box; the growth to 11 x 11 (the SSIM window) only touches masks whose
    tight box is smaller than that.

    Growth is centred on the box (any odd pixel goes to the bottom/right) and, where the image edge
    stops it, continues on the other side, so the box reaches min_size whenever the image allows.
    """
    if not isinstance(mask, np.ndarray) or mask.ndim != 2:
        got = getattr(mask, "shape", type(mask).__name__)
        raise ValueError(f"mask must be a 2-D boolean array, got {got}")
    mask_check(mask, shape=mask.shape)
    if pad < 0:
        raise ValueError(f"pad must be >= 0, got {pad}")
    if min_size < 1:
        raise ValueError(f"min_size must be >= 1, got {min_size}")
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom = _span_grow(int(rows[0]) - pad, int(rows[-1]) + 1 + pad, min_size, mask.shape[0])
    left, right = _span_grow(int(cols[0]) - pad, int(cols[-1]) + 1 + pad, min_size, mask.shape[1])
    return Box(top=top, left=left, bottom=bottom, right=right)


def _span_grow(start: int, stop: int, min_size: int, limit: int) -> tuple[int, int]:
    """Clip [start, stop) to [0, limit) and grow it to min_size (bounded by limit)."""
    start, stop = max(start, 0), min(stop, limit)
    missing = min(min_size, limit) - (stop - start)
    if missing > 0:
        start -= missing // 2
        stop += missing - missing // 2
        if start < 0:
            stop, start = stop - start, 0
        if stop > limit:
            start, stop = start - (stop - limit), limit
    return start, stop
