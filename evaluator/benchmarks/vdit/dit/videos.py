"""Seeded procedural videos: a textured shape moving and rotating over a drifting striped background."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

#: Shape kinds, one class label each (the label is the index).
SHAPES = ("disk", "square", "triangle", "cross")


@dataclass(frozen=True)
class VideoConfig:
    """Video geometry: frames of size x size RGB pixels."""

    frames: int = 8
    size: int = 32

    def __post_init__(self) -> None:
        if self.frames < 1 or self.size < 8:
            raise ValueError(
                f"VideoConfig: frames must be >= 1 and size >= 8, got {self.frames}, {self.size}"
            )


@dataclass(frozen=True)
class Video:
    """One video: pixels (3, frames, size, size) in [-1, 1] and its class label (the shape kind)."""

    pixels: torch.Tensor
    label: int


def _uniform(g: torch.Generator, low: float, high: float) -> float:
    """One uniform draw in [low, high)."""
    return low + (high - low) * float(torch.rand((), generator=g))


def _colour(g: torch.Generator) -> torch.Tensor:
    """A random RGB colour in [0, 1], shape (3, 1, 1)."""
    return torch.rand(3, 1, 1, generator=g)


def _shape_distance(kind: str, u: torch.Tensor, w: torch.Tensor, radius: float) -> torch.Tensor:
    """Approximate signed distance (pixels, negative inside) to the shape in its own coordinates."""
    if kind == "disk":
        return torch.sqrt(u * u + w * w) - radius
    if kind == "square":
        return torch.maximum(u.abs(), w.abs()) - 0.8 * radius
    if kind == "triangle":
        sides = [
            (math.cos(a), math.sin(a))
            for a in (math.pi / 2, math.pi / 2 + 2 * math.pi / 3, math.pi / 2 + 4 * math.pi / 3)
        ]
        return torch.stack([nx * u + ny * w for nx, ny in sides]).amax(0) - 0.5 * radius
    if kind == "cross":
        arm = radius / 3
        bar_h = torch.maximum(u.abs() - radius, w.abs() - arm)
        bar_v = torch.maximum(w.abs() - radius, u.abs() - arm)
        return torch.minimum(bar_h, bar_v)
    raise ValueError(f"unknown shape kind {kind!r}; expected one of {SHAPES}")


def video_generate(*, seed: int, config: VideoConfig = VideoConfig(), label: int | None = None) -> Video:
    """The video of a seed (label drawn from the seed unless given); one seed, one video."""
    g = torch.Generator().manual_seed(seed)
    drawn = int(torch.randint(len(SHAPES), (), generator=g))
    if label is None:
        label = drawn
    if not 0 <= label < len(SHAPES):
        raise ValueError(f"label must be in [0, {len(SHAPES)}), got {label}")
    s, frames = config.size, config.frames
    scale = s / 32
    ys, xs = torch.meshgrid(
        torch.arange(s, dtype=torch.float32), torch.arange(s, dtype=torch.float32), indexing="ij"
    )
    bg_a, bg_b, fg_a, fg_b = (_colour(g) for _ in range(4))
    angle_bg = _uniform(g, 0, math.pi)
    period = _uniform(g, 5, 12) * scale
    drift = _uniform(g, -0.6, 0.6)
    phase = _uniform(g, 0, 2 * math.pi)
    cx, cy = _uniform(g, 0.3, 0.7) * s, _uniform(g, 0.3, 0.7) * s
    vx, vy = _uniform(g, -1.2, 1.2) * scale, _uniform(g, -1.2, 1.2) * scale
    radius = _uniform(g, 6, 9) * scale
    theta, omega = _uniform(g, 0, 2 * math.pi), _uniform(g, -0.35, 0.35)
    cell = _uniform(g, 2.5, 4.5) * scale
    along = math.cos(angle_bg) * xs + math.sin(angle_bg) * ys
    out = torch.empty(3, frames, s, s)
    for f in range(frames):
        stripes = 0.5 + 0.5 * torch.sin(2 * math.pi * along / period + phase + drift * f)
        background = bg_a * (1 - stripes) + bg_b * stripes
        dx, dy = xs - (cx + vx * f), ys - (cy + vy * f)
        a = theta + omega * f
        u = math.cos(a) * dx + math.sin(a) * dy
        w = -math.sin(a) * dx + math.cos(a) * dy
        mask = (0.5 - _shape_distance(SHAPES[label], u, w, radius)).clamp(0, 1)
        checker = (torch.sin(math.pi * u / cell) * torch.sin(math.pi * w / cell) > 0).float()
        texture = fg_a * checker + fg_b * (1 - checker)
        out[:, f] = background * (1 - mask) + texture * mask
    return Video(pixels=out * 2 - 1, label=label)


def video_batch(
    *, seeds: list[int], config: VideoConfig = VideoConfig()
) -> tuple[torch.Tensor, torch.Tensor]:
    """Videos of the seeds stacked: pixels (B, 3, frames, size, size) and labels (B,)."""
    videos = [video_generate(seed=s, config=config) for s in seeds]
    return torch.stack([v.pixels for v in videos]), torch.tensor([v.label for v in videos])
