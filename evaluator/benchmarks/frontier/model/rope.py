"""Rotary position embedding on the first `rotary_dim` dimensions of a head (GPT-NeoX half layout)."""

from __future__ import annotations

import torch


def rope_frequencies(*, rotary_dim: int, base: float) -> torch.Tensor:
    """The `rotary_dim // 2` angular frequencies base ** (-2i / rotary_dim), float64."""
    return base ** (-torch.arange(rotary_dim // 2, dtype=torch.float64) * 2 / rotary_dim)


def rope_apply(
    *, x: torch.Tensor, positions: torch.Tensor, rotary_dim: int, base: float,
    frequencies: torch.Tensor | None = None,
) -> torch.Tensor:  # fmt: skip
    """`x` [B, H, N, d] with pairs (i, i + rotary_dim/2), i < rotary_dim/2, rotated by position * theta_i.

    `frequencies`: rope_frequencies(rotary_dim, base) on the positions' device (computed on the CPU and
    moved there when not given, so that every device rotates by the same float64 angles)."""
    half = rotary_dim // 2
    if frequencies is None:
        frequencies = rope_frequencies(rotary_dim=rotary_dim, base=base).to(positions.device)
    angles = positions.to(torch.float64)[:, None] * frequencies[None]
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    a, b = x[..., :half], x[..., half:rotary_dim]
    rotated = torch.cat((a * cos - b * sin, a * sin + b * cos), dim=-1)
    return torch.cat((rotated, x[..., rotary_dim:]), dim=-1)


def rope_offset_query(*, offset: int, rotary_dim: int, base: float) -> torch.Tensor:
    """Rotary part of a query whose score against the all-ones-first-half key peaks `offset` tokens back.

    With key pairs (1, 0) and query pairs (cos(-offset * theta), sin(-offset * theta)), the score of query
    t and key j after RoPE is sum_i cos((t - j - offset) * theta_i): largest at j = t - offset.
    """
    theta = rope_frequencies(rotary_dim=rotary_dim, base=base)
    angle = -offset * theta
    return torch.cat((angle.cos(), angle.sin())).to(torch.float32)


def rope_offset_key(*, rotary_dim: int) -> torch.Tensor:
    """Rotary part of the positional key: pairs (1, 0)."""
    half = rotary_dim // 2
    return torch.cat((torch.ones(half), torch.zeros(half)))
