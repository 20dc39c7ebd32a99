"""The per-layer error plot of a submission's page: each layer's attention error along the sampling steps."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from .hooks import CallRecord

WIDTH, HEIGHT, MARGIN = 480, 260, 40
COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75))


def layer_step_errors(*, records: list[CallRecord], layers: int, steps: int) -> np.ndarray:
    """(layers, steps) mean relative L2 error over the records of each (layer, step)."""
    sums, counts = np.zeros((layers, steps)), np.zeros((layers, steps))
    for r in records:
        sums[r.layer, r.step] += r.rel_l2
        counts[r.layer, r.step] += 1
    if not counts.all():
        raise ValueError("every (layer, step) needs at least one record")
    return sums / counts


def layer_error_png(*, errors: np.ndarray) -> bytes:
    """PNG line plot of ``errors`` (layers, steps): x the sampling step, y the error (0 at the bottom, the
    largest value at the top, printed), one coloured line and legend entry per layer."""
    layers, steps = errors.shape
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = MARGIN + 10, 20, WIDTH - 90, HEIGHT - MARGIN
    draw.line([(left, top), (left, bottom), (right, bottom)], fill="black")
    peak = float(errors.max()) or 1.0
    draw.text((4, top - 6), f"{peak:.3f}", fill="black")
    draw.text((4, bottom - 6), "0", fill="black")
    draw.text((left, bottom + 8), "step 1", fill="black")
    draw.text((right - 40, bottom + 8), f"step {steps}", fill="black")
    draw.text((left, bottom + 22), "attention error (rel. L2) per layer along sampling", fill="black")
    for layer in range(layers):
        colour = COLOURS[layer % len(COLOURS)]
        xs = [left + (right - left) * s / max(1, steps - 1) for s in range(steps)]
        ys = [bottom - (bottom - top) * float(e) / peak for e in errors[layer]]
        draw.line(list(zip(xs, ys, strict=True)), fill=colour, width=2)
        draw.text((right + 10, top + 16 * layer), f"layer {layer + 1}", fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
