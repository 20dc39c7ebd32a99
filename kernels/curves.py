"""Space-filling-curve token orders (3-D Hilbert) for video token grids."""

from __future__ import annotations

import functools

import torch


def hilbert_index(*, coords: torch.Tensor, bits: int) -> torch.Tensor:
    """Hilbert-curve index of integer points ``[P, n]`` in a cube of side ``2**bits`` (Skilling 2004)."""
    if coords.dim() != 2 or bits < 1:
        raise ValueError(f"coords must be [P, n] and bits >= 1, got {tuple(coords.shape)}, bits={bits}")
    if bool((coords < 0).any()) or bool((coords >= 2**bits).any()):
        raise ValueError(f"coords must lie in [0, {2**bits})")
    x = [coords[:, i].long().clone() for i in range(coords.shape[1])]
    n = len(x)
    q = 1 << (bits - 1)
    while q > 1:  # undo excess work: axes to transposed Hilbert form
        p = q - 1
        for i in range(n):
            hit = (x[i] & q) != 0
            t = (x[0] ^ x[i]) & p
            x0_new = torch.where(hit, x[0] ^ p, x[0] ^ t)
            if i != 0:
                x[i] = torch.where(hit, x[i], x[i] ^ t)
            x[0] = x0_new
        q >>= 1
    for i in range(1, n):  # Gray encode
        x[i] = x[i] ^ x[i - 1]
    t = torch.zeros_like(x[0])
    q = 1 << (bits - 1)
    while q > 1:
        t = torch.where((x[n - 1] & q) != 0, t ^ (q - 1), t)
        q >>= 1
    x = [xi ^ t for xi in x]
    index = torch.zeros_like(x[0])
    for b in range(bits - 1, -1, -1):
        for i in range(n):
            index = (index << 1) | ((x[i] >> b) & 1)
    return index


def hilbert_order(*, frames: int, height: int, width: int) -> torch.Tensor:
    """Permutation of frame-major (f, y, x) tokens sorted along a 3-D Hilbert curve: new[i] = old[perm[i]]."""
    return _hilbert_order_cached(frames, height, width).clone()


@functools.lru_cache(maxsize=32)
def _hilbert_order_cached(frames: int, height: int, width: int) -> torch.Tensor:
    """Computed once per grid."""
    if min(frames, height, width) < 1:
        raise ValueError(f"grid sizes must be positive, got {(frames, height, width)}")
    f, y, x = torch.meshgrid(torch.arange(frames), torch.arange(height), torch.arange(width), indexing="ij")
    coords = torch.stack([f.flatten(), y.flatten(), x.flatten()], dim=1)
    bits = max(1, int(max(frames, height, width) - 1).bit_length())
    return torch.argsort(hilbert_index(coords=coords, bits=bits), stable=True)


def position_major_order(*, frames: int, frame_tokens: int, extra_tokens: int = 0) -> torch.Tensor:
    """Permutation from frame-major (f, p) to position-major (p, f) order; extra tokens stay at the end."""
    if min(frames, frame_tokens) < 1 or extra_tokens < 0:
        raise ValueError(
            f"bad sizes frames={frames}, frame_tokens={frame_tokens}, extra_tokens={extra_tokens}"
        )
    video = torch.arange(frames * frame_tokens).view(frames, frame_tokens).t().reshape(-1)
    tail = torch.arange(frames * frame_tokens, frames * frame_tokens + extra_tokens)
    return torch.cat([video, tail])
