"""Writing and reading the per-view files: RGB PNGs, object masks and their tight boxes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from .layout import image_name, mask_name, view_label

PNG_LEVEL = 3


def mask_bbox(*, mask: np.ndarray) -> list[int] | None:
    """Tight box [x0, y0, x1, y1] (x1, y1 exclusive) of a boolean mask, None when it is empty."""
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if rows.size == 0:
        return None
    return [int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1]


def view_write(
    *, folder: Path, index: int, images: dict[int, np.ndarray], mask: np.ndarray, boxes: dict[str, object]
) -> None:
    """Write the images (condition -> uint8 HxWx3) and the mask of a view; record its box."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    (folder / "masks").mkdir(parents=True, exist_ok=True)
    for condition, rgb in images.items():
        Image.fromarray(rgb, mode="RGB").save(
            folder / "images" / image_name(index=index, condition=condition), compress_level=PNG_LEVEL
        )
    Image.fromarray(mask.astype(np.uint8) * 255, mode="L").save(
        folder / "masks" / mask_name(index=index), compress_level=PNG_LEVEL
    )
    boxes[view_label(index=index)] = mask_bbox(mask=mask)


def boxes_write(*, folder: Path, boxes: dict[str, object]) -> None:
    """Write boxes.json of a scene folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "boxes.json").write_text(json.dumps(dict(sorted(boxes.items()))), encoding="utf-8")


def image_read(*, path: Path) -> np.ndarray:
    """An 8-bit RGB image file as a float array in [0, 1] (H x W x 3)."""
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0


def mask_read(*, path: Path) -> np.ndarray:
    """A mask image file as a boolean array (pixel value > 127 = object)."""
    with Image.open(path) as img:
        return np.asarray(img.convert("L")) > 127
