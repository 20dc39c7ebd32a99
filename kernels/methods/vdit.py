"""Sparse-vDiT: per-head modes (full, skip, diagonal, multi-diagonal, vertical stripe) and head fusion."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from kernels.api import sparse_attention
from kernels.curves import position_major_order
from kernels.layout import HEAD_FULL, HEAD_SKIP, BlockLayout
from kernels.methods.common import last_query_probs, values_text, video_blocks_check
from kernels.metrics import layout_density

MODES = ("full", "skip", "diagonal", "multi_diagonal", "vertical_stripe")  # M0 .. M4


@dataclass(frozen=True)
class VditParams:
    """Geometry of a video token sequence (frame-major video tokens, then text) and one mode.

    ``band_blocks`` defaults to ceil(frame_tokens / (2 * block_size)); ``stripe_blocks`` (top key
    blocks of the vertical stripe) defaults to an eighth of the video blocks. ``head_modes``, one
    mode per head (a plan's entry for one step and layer), replaces ``mode`` where a caller runs
    heads fused by mode (``vdit_plan_layouts``).
    """

    frames: int
    frame_tokens: int
    text_tokens: int = 0
    mode: str = "diagonal"
    block_size: int = 128
    band_blocks: int | None = None
    stripe_blocks: int | None = None
    stripe_queries: int = 64
    head_modes: tuple[str, ...] | None = None

    def __post_init__(self):
        """Check the modes and block alignment."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if min(self.block_size, self.stripe_queries) < 1 or self.frames < 1 or self.frame_tokens < 0:
            got = values_text(self, "block_size", "stripe_queries", "frames", "frame_tokens")
            raise ValueError(
                f"block_size, stripe_queries and frames must be >= 1 and frame_tokens >= 0 (got {got})"
            )
        if (self.band_blocks is not None and self.band_blocks < 0) or (
            self.stripe_blocks is not None and self.stripe_blocks < 1
        ):
            got = values_text(self, "band_blocks", "stripe_blocks")
            raise ValueError(f"band_blocks must be >= 0 and stripe_blocks >= 1 (got {got})")
        unknown = sorted(set(self.head_modes or ()) - set(MODES))
        if unknown or self.head_modes == ():
            raise ValueError(f"head_modes must be a non-empty list of {MODES}, got {self.head_modes!r}")
        video_blocks_check(frames=self.frames, frame_tokens=self.frame_tokens, text_tokens=self.text_tokens,
                           block_size=self.block_size)  # fmt: skip

    @property
    def n_tokens(self) -> int:
        """Video plus text tokens."""
        return self.frames * self.frame_tokens + self.text_tokens

    def band(self) -> int:
        """Band half-width in blocks."""
        if self.band_blocks is not None:
            return self.band_blocks
        return max(1, math.ceil(self.frame_tokens / (2 * self.block_size)))


def vdit_build_layout(q: torch.Tensor, k: torch.Tensor, params: VditParams) -> BlockLayout:
    """The layout of ``params.mode`` applied to every head of q, k ``[B, H, N, d]``."""
    bsz, heads, n, _ = q.shape
    if n != params.n_tokens:
        raise ValueError(f"sequence length {n} != frames*frame_tokens+text_tokens = {params.n_tokens}")
    b = params.block_size
    n_b = n // b
    n_vb = (params.frames * params.frame_tokens) // b
    mode = params.mode
    if mode in ("full", "skip"):
        modes = torch.full((bsz, heads), HEAD_FULL if mode == "full" else HEAD_SKIP, dtype=torch.int8)
        empty = torch.zeros(bsz, heads, n_b, n_b, dtype=torch.bool)
        return BlockLayout.from_block_mask(empty, block_size=(b, b), head_modes=modes)
    text = torch.zeros(n_b, n_b, dtype=torch.bool)
    text[n_vb:, :] = True
    text[:, n_vb:] = True
    if mode in ("diagonal", "multi_diagonal"):
        i = torch.arange(n_b)
        band = (i.view(-1, 1) - i.view(1, -1)).abs() <= params.band()
        mask = (band | text).expand(bsz, heads, n_b, n_b)
        perm = None
        if mode == "multi_diagonal":
            perm = position_major_order(
                frames=params.frames, frame_tokens=params.frame_tokens, extra_tokens=params.text_tokens
            )
        return BlockLayout.from_block_mask(mask.contiguous(), block_size=(b, b), token_perm=perm)
    probs = last_query_probs(
        q=q[:, :, : n_vb * b], k=k, last=params.stripe_queries, causal=False
    )  # [B, H, a, N]
    col = probs.sum(2).view(bsz, heads, n_b, b).sum(-1)[..., :n_vb].cpu()
    top = params.stripe_blocks if params.stripe_blocks is not None else max(1, n_vb // 8)
    chosen = torch.topk(col, min(top, n_vb), dim=-1).indices
    cols = torch.zeros(bsz, heads, n_b, dtype=torch.bool)
    cols.scatter_(-1, chosen, True)
    cols[..., n_vb:] = True
    mask = cols.view(bsz, heads, 1, n_b).expand(bsz, heads, n_b, n_b) | text
    return BlockLayout.from_block_mask(mask.contiguous(), block_size=(b, b))


@dataclass(frozen=True)
class VditGroup:
    """Heads sharing one mode, run in one fused call with one layout."""

    mode: str
    heads: tuple[int, ...]
    layout: BlockLayout


def vdit_plan_layouts(
    q: torch.Tensor, k: torch.Tensor, *, params: VditParams, modes: Sequence[str]
) -> tuple[VditGroup, ...]:
    """Head fusion: one group (and layout) per mode used, in the order of MODES."""
    if len(modes) != q.shape[1]:
        raise ValueError(f"need one mode per head ({q.shape[1]}), got {len(modes)}")
    groups = []
    for mode in MODES:
        heads = tuple(h for h, m in enumerate(modes) if m == mode)
        if heads:
            idx = torch.tensor(heads)
            sub = dataclasses.replace(params, mode=mode)
            groups.append(VditGroup(mode, heads, vdit_build_layout(q[:, idx], k[:, idx], sub)))
    unknown = set(modes) - set(MODES)
    if unknown:
        raise ValueError(f"unknown modes {sorted(unknown)}")
    return tuple(groups)


def vdit_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, groups: Sequence[VditGroup], *, backend: str = "auto"
) -> torch.Tensor:
    """Run every fused head group and assemble the output ``[B, H, N, d]``."""
    out = torch.zeros_like(q)
    for g in groups:
        idx = torch.tensor(g.heads, device=q.device)
        out[:, idx] = sparse_attention(q[:, idx], k[:, idx], v[:, idx], g.layout, backend=backend)
    return out


def vdit_groups_density(groups: Sequence[VditGroup]) -> float:
    """Density of a fused plan: each group's layout density weighted by its head count."""
    heads = sum(len(g.heads) for g in groups)
    if heads == 0:
        raise ValueError("empty plan")
    return sum(layout_density(g.layout) * len(g.heads) for g in groups) / heads


@dataclass(frozen=True)
class VditSearchResult:
    """Chosen mode per head for one (step, layer), the losses behind it and the chosen output."""

    modes: tuple[str, ...]
    losses: dict[str, tuple[float, ...]]
    sparsity: dict[str, tuple[float, ...]]
    output: torch.Tensor


def vdit_search_heads(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    params: VditParams,
    lam: float = 0.5,
    eps: float = 1.0,
    backend: str = "auto",
    dense: torch.Tensor | None = None,
) -> VditSearchResult:
    """Offline search for one attention call: L_i = MSE(O_i, O_0) + lam * (1 - S_i) per head;
    argmin over the sparse modes, or full where every L_i exceeds eps.

    Run it at every (step, layer) of a real denoising pass and feed ``output`` (the chosen
    modes' attention) to the next layer, so that errors propagate as at inference. ``dense``: the
    call's dense output O_0 where the caller has it already (SDPA of q, k, v otherwise).
    """
    if lam < 0 or eps < 0:
        raise ValueError(f"lam and eps must be non-negative, got lam={lam}, eps={eps}")
    heads = q.shape[1]
    if dense is None:
        dense = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    elif dense.shape != q.shape:
        raise ValueError(f"dense output shape {tuple(dense.shape)} != q shape {tuple(q.shape)}")
    losses: dict[str, tuple[float, ...]] = {}
    sparsity: dict[str, tuple[float, ...]] = {}
    outputs: dict[str, torch.Tensor] = {"full": dense}
    for mode in MODES[1:]:
        layout = vdit_build_layout(q, k, dataclasses.replace(params, mode=mode))
        out = sparse_attention(q, k, v, layout, backend=backend)
        outputs[mode] = out
        mse = ((out.double() - dense.double()) ** 2).mean(dim=(0, 2, 3))
        s = 1.0 - layout.block_mask().double().mean(dim=(0, 2, 3))
        sparsity[mode] = tuple(float(x) for x in s)
        losses[mode] = tuple(float(x) for x in mse + lam * (1.0 - s))
    modes = []
    for h in range(heads):
        best = min(MODES[1:], key=lambda m, h=h: losses[m][h])
        modes.append(best if losses[best][h] <= eps else "full")
    output = torch.stack([outputs[m][:, h] for h, m in enumerate(modes)], dim=1)
    return VditSearchResult(tuple(modes), losses, sparsity, output)
