"""Exact causal attention of fixed-offset heads over the band of keys their softmax can reach.

The wired model's copy heads (a token n back) have a query and a key that are the same at every position
before RoPE, so a score depends only on the distance t = i - j: one profile f(t), read off the last row.
Keys whose score sits more than BAND_CUTOFF below the profile's maximum weigh under e^-120 of the row's
largest term in every row that reaches that maximum (float32 rounds them to nothing), so those rows attend
the last `width` keys only: the farthest distance within the cutoff, plus one. Rows closer to the start
than `width` see every key they may. Scores, softmax and sums inside the band are those of dense
attention; the head is taken only when the structure is proved on the tensors (`band_width`).
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from .config import WiredConfig
from .rope import rope_frequencies

#: Score margin (natural-log units) below the row maximum beyond which keys are left out.
BAND_CUTOFF = 120.0
#: Widest band worth its own pass (a wider head, e.g. a broad local one, is a convolution: conv.py).
BAND_MAX = 512
#: Query rows per block of the banded product.
BAND_ROWS = 64


@functools.lru_cache(maxsize=8)
def _rotations(n: int, rotary_dim: int, base: float, device: torch.device) -> tuple[torch.Tensor, ...]:
    """(cos, sin) [n, rotary_dim / 2] in float32 of positions 0..n-1: rope_apply's, made once per length."""
    frequencies = rope_frequencies(rotary_dim=rotary_dim, base=base)
    angles = torch.arange(n, dtype=torch.float64)[:, None] * frequencies
    return angles.cos().float().to(device), angles.sin().float().to(device)


def _rotated_from_first(x: torch.Tensor, *, rotary_dim: int, base: float) -> torch.Tensor:
    """The rotary part of x's first position [B, N, d] rotated to every position 0..N-1 ([B, N, rotary_dim]:
    what the model's RoPE (`rope_apply`) makes of a constant, bitwise)."""
    half = rotary_dim // 2
    cos, sin = _rotations(x.shape[1], rotary_dim, base, x.device)
    a, b = x[:, :1, :half], x[:, :1, half:rotary_dim]
    return torch.cat((a * cos - b * sin, a * sin + b * cos), dim=-1)


def _read_dims(q_first: torch.Tensor, rotary_dim: int) -> torch.Tensor:
    """The dimensions [d] a constant query reads (non-zero in some batch row), with each rotary pair's
    partner (RoPE mixes the two)."""
    dims = (q_first != 0).any(dim=0)
    half = rotary_dim // 2
    pair = dims[:half] | dims[half:rotary_dim]
    dims[:half], dims[half:rotary_dim] = pair, pair
    return dims


def _rotated_constant(
    x: torch.Tensor, *, dims: torch.Tensor, rotary_dim: int, base: float
) -> bool:
    """Whether x [B, N, d] is, in `dims`, its first position rotated to each position by RoPE (rotary
    dimensions) or kept (the others), bitwise."""
    rest, rot = dims[rotary_dim:], dims[:rotary_dim]
    if bool(((x[:, :, rotary_dim:] != x[:, :1, rotary_dim:]) & rest).any()):
        return False
    if not bool(rot.any()):
        return True
    rotated = _rotated_from_first(x, rotary_dim=rotary_dim, base=base)
    return not bool(((x[:, :, :rotary_dim] != rotated) & rot).any())


def offset_profile(
    q: torch.Tensor, k: torch.Tensor, *, rotary_dim: int | None = None, base: float | None = None
) -> torch.Tensor | None:
    """A fixed-offset head's scores by distance [B, N] (float64; [:, t] is the last row's score of the key t
    back), q [B, N, d] over k [B, N, d] after RoPE (the model's rotary_dim and base by default), or None
    when the head lacks the structure or the prompt is short: the query must be its first position's
    rotated to each position, bitwise, and so must the key in the dimensions the query reads."""
    config = WiredConfig()
    rotary_dim = config.rotary_dim if rotary_dim is None else rotary_dim
    base = config.rope_base if base is None else base
    if q.shape[1] <= BAND_MAX or q.shape[-1] < rotary_dim:  # short, or not this RoPE's heads
        return None
    every = torch.ones(q.shape[-1], dtype=torch.bool, device=q.device)
    if not _rotated_constant(q, dims=every, rotary_dim=rotary_dim, base=base):
        return None
    dims = _read_dims(q[:, 0], rotary_dim)
    if not bool(dims.any()) or not _rotated_constant(k, dims=dims, rotary_dim=rotary_dim, base=base):
        return None
    return (k.double().flip(1) @ q[:, -1].double().unsqueeze(-1)).squeeze(-1) * q.shape[-1] ** -0.5


def profile_width(profile: torch.Tensor) -> int:
    """The band of a distance profile [B, N]: the farthest distance within BAND_CUTOFF of its maximum,
    plus one, or 0 when that is wider than BAND_MAX."""
    within = profile >= profile.amax(dim=1, keepdim=True) - BAND_CUTOFF
    width = int(within.nonzero()[:, 1].max()) + 1
    return width if width <= BAND_MAX else 0


def band_width(
    q: torch.Tensor, k: torch.Tensor, *, rotary_dim: int | None = None, base: float | None = None
) -> int:
    """The band a head's causal attention needs (`offset_profile`, `profile_width`), or 0 when the head is
    not a fixed-offset head with a narrow band."""
    profile = offset_profile(q, k, rotary_dim=rotary_dim, base=base)
    return 0 if profile is None else profile_width(profile)


def band_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, width: int) -> torch.Tensor:
    """Causal softmax attention [B, N, d] of q over the last `width` keys of each row (k, v [B, N, d]),
    in blocks of BAND_ROWS query rows against their window of keys."""
    bsz, n, d = q.shape
    rows = BAND_ROWS
    blocks = -(-n // rows)
    span = rows + width - 1
    pad_end = blocks * rows - n
    qb = F.pad(q, (0, 0, 0, pad_end)).view(bsz, blocks, rows, d)
    kp = F.pad(k, (0, 0, width - 1, pad_end))  # key j at index j + width - 1
    vp = F.pad(v, (0, 0, width - 1, pad_end))
    kw = kp.unfold(1, span, rows)  # [B, blocks, d, span]: block b's keys b*rows - width + 1 ..
    vw = vp.unfold(1, span, rows)
    scores = (qb @ kw) * d**-0.5  # [B, blocks, rows, span]
    r = torch.arange(rows, device=q.device)[:, None]
    w = torch.arange(span, device=q.device)[None, :]
    in_band = (w >= r) & (w <= r + width - 1)  # distance r + width - 1 - w in [0, width - 1]
    first_key = torch.arange(blocks, device=q.device)[:, None, None] * rows - (width - 1) + w  # key index
    allowed = in_band & (first_key >= 0)  # [blocks, rows, span]
    probs = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
    out = probs @ vw.transpose(-1, -2)  # [B, blocks, rows, d]
    return out.reshape(bsz, blocks * rows, d)[:, :n]
