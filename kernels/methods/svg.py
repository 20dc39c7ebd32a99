"""Sparse-VideoGen (SVG): each head is profiled online as spatial or temporal, then runs a band.

As released (svg-project/Sparse-VideoGen, the Wan and CogVideoX attention processors): a few query
rows, drawn at random, are attended densely and under two profiling masks, a band of two frames in
frame-major order ("spatial": the head's own and neighbouring frames) and the same band in
position-major order ("temporal": the same pixels across frames), both with the first frame's keys
as a sink; each head takes the mask with the lower mean squared error. Then every head runs one
band whose width follows from the kept share (``density``, the released ``--sparsity`` argument,
which counts the kept share despite its name), spatial heads in frame-major order and temporal
heads in position-major order, the first frame's keys kept. Text tokens (ours sit after the video,
as CogVideoX's sit before it) attend and are attended in full.

Ours is block-granular: the released band is token-exact (``|q - k| <= W``, W rounded up to 128
tokens); here a block pair is kept whole when it holds any such token pair, so the outermost block
diagonal is computed in full instead of half. The harness counts what is computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from kernels.curves import position_major_order
from kernels.layout import BlockLayout
from kernels.methods.vdit import VditGroup

PROFILES = ("spatial", "temporal")


@dataclass(frozen=True)
class SvgParams:
    """Geometry (set by the harness), the kept share and the profiling settings (released defaults:
    Wan's inference script: --sparsity 0.25, --num_sampled_rows 64, rows from the first 10,000)."""

    frames: int
    frame_tokens: int
    text_tokens: int = 0
    density: float = 0.25
    num_sampled_rows: int = 64
    sample_max_rows: int = 10000
    profile_frames: int = 2
    block_size: int = 128
    first_frame_sink: bool = True
    seed: int = 0

    def __post_init__(self):
        """Check ranges and block alignment."""
        if not 0.0 < self.density <= 1.0:
            raise ValueError(f"density must lie in (0, 1], got {self.density}")
        if min(self.num_sampled_rows, self.sample_max_rows, self.profile_frames, self.block_size) < 1:
            raise ValueError(
                f"num_sampled_rows, sample_max_rows, profile_frames, block_size must be >= 1: {self}"
            )
        if self.frames < 1 or self.frame_tokens < 0 or self.text_tokens < 0:
            raise ValueError(f"bad geometry frames={self.frames}, frame_tokens={self.frame_tokens}")
        video = self.frames * self.frame_tokens
        if video % self.block_size or self.text_tokens % self.block_size:
            raise ValueError(
                f"video tokens {video} and text tokens {self.text_tokens} must be multiples of "
                f"block_size {self.block_size}"
            )

    @property
    def video_tokens(self) -> int:
        """Frames times tokens per frame."""
        return self.frames * self.frame_tokens

    def band_tokens(self) -> int:
        """The band's half-width W in tokens: the released ``sparsity_to_width`` (in frames, from the
        kept share, text rows and columns counted as kept), times a frame, rounded up to a block."""
        n = self.video_tokens + self.text_tokens
        share = (self.density * n * n - 2 * n * self.text_tokens) / (n * n)
        if share <= 0:
            return 0
        width_frames = n * (1 - math.sqrt(1 - min(share, 1.0))) / self.frame_tokens
        return math.ceil(width_frames * self.frame_tokens / self.block_size) * self.block_size


def svg_band_mask(params: SvgParams, *, band_blocks: int, strict: bool) -> torch.Tensor:
    """Block mask ``[n_b, n_b]`` in one token order: video blocks within ``band_blocks`` of the
    diagonal (``< band_blocks`` when ``strict``), the first frame's key blocks, text rows and columns."""
    b = params.block_size
    n_vb = params.video_tokens // b
    n_b = n_vb + params.text_tokens // b
    i = torch.arange(n_b)
    dist = (i.view(-1, 1) - i.view(1, -1)).abs()
    mask = dist < band_blocks if strict else dist <= band_blocks
    if params.first_frame_sink:
        mask[:, : math.ceil(params.frame_tokens / b)] = True
    mask[n_vb:, :] = True
    mask[:, n_vb:] = True
    return mask


def _token_mask(block_mask: torch.Tensor, *, rows: torch.Tensor, block_size: int, order: torch.Tensor | None):
    """Token-level mask ``[R, N]`` (natural order) of a block mask defined in ``order`` (None: natural)."""
    n = block_mask.shape[0] * block_size
    pos = torch.arange(n) if order is None else torch.argsort(order)  # natural token -> place in order
    row_blocks = pos[rows] // block_size
    col_blocks = pos // block_size
    return block_mask[row_blocks][:, col_blocks]


def svg_profile(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, params: SvgParams) -> torch.Tensor:
    """Per head, the profiling mask with the lower MSE on sampled rows: ``[B, H]`` (0 spatial, 1 temporal)."""
    n = q.shape[2]
    if n != params.video_tokens + params.text_tokens:
        raise ValueError(
            f"sequence length {n} != video tokens + text tokens = {params.video_tokens + params.text_tokens}"
        )
    g = torch.Generator().manual_seed(params.seed)
    rows = torch.randint(0, min(params.sample_max_rows, n), (min(params.num_sampled_rows, n),), generator=g)
    band = (params.profile_frames * params.frame_tokens) // params.block_size
    block_mask = svg_band_mask(params, band_blocks=band, strict=True)
    orders = (None, position_major_order(frames=params.frames, frame_tokens=params.frame_tokens,
                                         extra_tokens=params.text_tokens))  # fmt: skip
    idx = rows.to(q.device)
    scores = (q[:, :, idx].float() @ k.float().transpose(-1, -2)) / math.sqrt(q.shape[-1])
    golden = torch.softmax(scores, dim=-1) @ v.float()
    mses = []
    for order in orders:
        mask = _token_mask(block_mask, rows=rows, block_size=params.block_size, order=order).to(q.device)
        out = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1) @ v.float()
        mses.append(((out - golden) ** 2).mean(dim=(2, 3)))
    return torch.argmin(torch.stack(mses), dim=0).cpu()


def svg_select(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, params: SvgParams) -> tuple[VditGroup, ...]:
    """Profile the heads, then one fused group per profile used: its band layout in its token order."""
    choice = svg_profile(q, k, v, params)
    if (choice != choice[:1]).any():
        raise ValueError("SVG profiles heads per batch item; run one batch item per call")
    band = svg_band_mask(params, band_blocks=params.band_tokens() // params.block_size, strict=False)
    groups = []
    for index, name in enumerate(PROFILES):
        heads = tuple(int(h) for h in torch.nonzero(choice[0] == index).flatten())
        if not heads:
            continue
        perm = None
        if name == "temporal":
            perm = position_major_order(
                frames=params.frames, frame_tokens=params.frame_tokens, extra_tokens=params.text_tokens
            )
        mask = band.expand(q.shape[0], len(heads), *band.shape).contiguous()
        layout = BlockLayout.from_block_mask(
            mask, block_size=(params.block_size, params.block_size), token_perm=perm
        )
        groups.append(VditGroup(name, heads, layout))
    return tuple(groups)
