"""3-D rotary position embedding over (frame, row, column) for frame-major tokens."""

from __future__ import annotations

import torch


def rope_split(*, head_dim: int) -> tuple[int, int, int]:
    """Channels given to the frame, row and column axes (each even, summing to head_dim)."""
    if head_dim % 8:
        raise ValueError(f"head_dim must be a multiple of 8 for 3-D RoPE, got {head_dim}")
    t = head_dim // 4
    t += t % 2
    hw = (head_dim - t) // 2
    hw -= hw % 2
    return t, hw, head_dim - t - hw


def _axis_angles(positions: torch.Tensor, channels: int, base: float) -> torch.Tensor:
    """Angles (tokens, channels // 2) of one axis."""
    freqs = base ** (-torch.arange(0, channels, 2, dtype=torch.float64) / channels)
    return positions.to(torch.float64)[:, None] * freqs[None, :]


def rope_angles(*, grid: tuple[int, int, int], head_dim: int, base: float = 100.0) -> torch.Tensor:
    """Rotation angles (tokens, head_dim // 2) of frame-major tokens on a (frames, rows, cols) grid."""
    f, h, w = grid
    ft, fh, fw = torch.meshgrid(torch.arange(f), torch.arange(h), torch.arange(w), indexing="ij")
    ct, ch, cw = rope_split(head_dim=head_dim)
    parts = [
        _axis_angles(ft.flatten(), ct, base),
        _axis_angles(fh.flatten(), ch, base),
        _axis_angles(fw.flatten(), cw, base),
    ]
    return torch.cat(parts, dim=1).float()


def rope_apply(*, x: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """Rotate consecutive channel pairs of x (..., tokens, head_dim) by the angles."""
    pairs = x.unflatten(-1, (-1, 2))
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    a, b = pairs[..., 0], pairs[..., 1]
    return torch.stack([a * cos - b * sin, a * sin + b * cos], dim=-1).flatten(-2)
