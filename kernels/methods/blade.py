"""Video-BLADE adaptive block-sparse attention (ASA): sampled block importance, cumulative-mass budget."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from kernels.layout import BlockLayout
from kernels.methods.common import cumulative_mass_count, self_attention_length_check, topk_mask
from kernels.methods.psa import sampled_block_importance, token_perm_for_grid


@dataclass(frozen=True)
class BladeParams:
    """ASA settings: keep per query block the fewest key blocks reaching mass ``tau`` of the sampled
    block importance, clamped to [min_retention, max_retention] of the blocks; ``grid`` reorders the
    video tokens along a space-filling curve first."""

    block_size: int = 128
    sample_tokens: int = 16
    tau: float = 0.9
    min_retention: float = 0.05
    max_retention: float = 1.0
    grid: tuple[int, int, int] | None = None

    def __post_init__(self):
        """Check ranges."""
        if self.block_size < 1 or not 1 <= self.sample_tokens <= self.block_size:
            raise ValueError(f"need block_size >= 1 and 1 <= sample_tokens <= block_size: {self}")
        if not 0 < self.tau <= 1:
            raise ValueError(f"tau must lie in (0, 1], got {self.tau}")
        if not 0 <= self.min_retention <= self.max_retention <= 1:
            raise ValueError(f"need 0 <= min_retention <= max_retention <= 1, got {self}")


def blade_build_layout(q: torch.Tensor, k: torch.Tensor, params: BladeParams) -> BlockLayout:
    """ASA block layout for q, k ``[B, H, N, d]`` (self-attention, N a multiple of block_size)."""
    b = params.block_size
    n = self_attention_length_check(q, k, block=b)
    perm = token_perm_for_grid(grid=params.grid, n_tokens=n)
    imp = sampled_block_importance(q, k, block=b, samples=params.sample_tokens, token_perm=perm).cpu()
    n_b = imp.shape[-1]
    count = cumulative_mass_count(scores=imp, tau=params.tau)
    low = max(1, math.ceil(params.min_retention * n_b))
    high = max(low, math.ceil(params.max_retention * n_b))
    keep = topk_mask(scores=imp, counts=count.clamp(low, high))
    return BlockLayout.from_block_mask(keep, block_size=(b, b), token_perm=perm)
