"""Video-BLADE adaptive block-sparse attention (ASA) and ASA_G: released block importance, the energy
budget of its mask builder, and mean-pooled global tokens merged by log-sum-exp."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from kernels.api import sparse_attention
from kernels.backends.cpu import sdpa_with_lse
from kernels.backends.merge import lse_merge
from kernels.backends.threads import serial
from kernels.layout import BlockLayout
from kernels.methods.common import self_attention_length_check, topk_mask, values_text
from kernels.methods.importance import sampled_block_importance
from kernels.methods.psa import token_perm_for_grid
from kernels.metrics import layout_density

# The released settings per model (wanx/ and cogvideox/ special_attentions_local/...blocksparseattn.py).
BLADE_PRESETS = {
    "wan2.1-1.3b": {"max_retention": 0.17, "global_gap": 30},
    "cogvideox-5b": {"max_retention": 0.10, "global_gap": 15},
}


@dataclass(frozen=True)
class BladeParams:
    """ASA settings (defaults: the released Wan code). Per query block, key blocks sorted by the sampled
    importance are kept up to (not including) the one where the cumulative share first reaches
    ``tau``, the count clamped to [max(1, int(min_retention n)), max(1, int(max_retention n))].
    ``global_gap`` > 0 is ASA_G: every query also attends to the keys and values mean-pooled over
    each ``global_gap`` consecutive (curve-ordered) tokens, merged by log-sum-exp with a +log(gap)
    bias; 0 is plain ASA. ``curve`` orders the video tokens of ``grid``; ``seed`` (set by the
    harness) draws the sampled offsets."""

    block_size: int = 128
    sample_tokens: int = 32
    tau: float = 0.95
    min_retention: float = 0.05
    max_retention: float = 0.17
    global_gap: int = 30
    curve: str = "gilbert"
    seed: int = 0
    grid: tuple[int, int, int] | None = None

    def __post_init__(self):
        """Check ranges and names."""
        if self.block_size < 1 or not 1 <= self.sample_tokens <= self.block_size:
            got = values_text(self, "block_size", "sample_tokens")
            raise ValueError(f"need block_size >= 1 and 1 <= sample_tokens <= block_size (got {got})")
        if not 0 < self.tau <= 1:
            raise ValueError(f"tau must lie in (0, 1], got {self.tau}")
        if not 0 <= self.min_retention <= self.max_retention <= 1:
            got = values_text(self, "min_retention", "max_retention")
            raise ValueError(f"need 0 <= min_retention <= max_retention <= 1 (got {got})")
        if self.global_gap < 0:
            raise ValueError(f"global_gap must be >= 0 (0: no global tokens), got {self.global_gap}")
        if self.curve not in ("gilbert", "hilbert"):
            raise ValueError(f"curve must be 'gilbert' or 'hilbert', got {self.curve!r}")


@dataclass(frozen=True)
class AsaSelection:
    """What ASA(_G) attends to: the block layout and the global tokens' gap (0: none)."""

    layout: BlockLayout
    global_gap: int

    @property
    def density(self) -> float:
        """Executed fraction of dense attention: the layout's blocks plus ceil(N / gap) global keys."""
        extra = math.ceil(self.layout.kv_len / self.global_gap) / self.layout.kv_len if self.global_gap else 0
        return layout_density(self.layout) + extra


@serial
def blade_keep_counts(*, importance: torch.Tensor, params: BladeParams) -> torch.Tensor:
    """Per row, how many of the most important blocks ASA keeps (the released energy rule)."""
    n = importance.shape[-1]
    cum = torch.cumsum(torch.sort(importance.float(), dim=-1, descending=True).values, -1)
    reached = cum >= params.tau * cum[..., -1:]
    count = torch.where(reached.any(-1), reached.int().argmax(-1), n)  # the crossing block is not kept
    low = max(1, int(n * params.min_retention))
    high = max(1, int(n * params.max_retention))
    return count.clamp(low, high)


def blade_build_layout(q: torch.Tensor, k: torch.Tensor, params: BladeParams) -> BlockLayout:
    """ASA block layout for q, k ``[B, H, N, d]`` (self-attention, N a multiple of block_size)."""
    b = params.block_size
    n = self_attention_length_check(q, k, block=b)
    perm = token_perm_for_grid(grid=params.grid, n_tokens=n, curve=params.curve)
    imp = sampled_block_importance(
        q, k, block_q=b, block_k=b, samples_q=params.sample_tokens, samples_k=params.sample_tokens,
        seed=params.seed, token_perm=perm,
    ).cpu()  # fmt: skip
    keep = topk_mask(scores=imp, counts=blade_keep_counts(importance=imp, params=params))
    return BlockLayout.from_block_mask(keep, block_size=(b, b), token_perm=perm)


def blade_select(q: torch.Tensor, k: torch.Tensor, params: BladeParams) -> AsaSelection:
    """The ASA layout with the global-token gap of ``params`` (at most the sequence length)."""
    if params.global_gap > k.shape[2]:
        raise ValueError(f"global_gap {params.global_gap} exceeds the sequence length {k.shape[2]}")
    return AsaSelection(layout=blade_build_layout(q, k, params), global_gap=params.global_gap)


def global_tokens(x: torch.Tensor, *, gap: int, token_perm: torch.Tensor | None) -> torch.Tensor:
    """``[B, H, ceil(N / gap), d]``: means of ``gap`` consecutive tokens in ``token_perm`` order, the
    sequence first padded by repeating its last token (the released ``simple_pooling``)."""
    if token_perm is not None:
        x = x[:, :, token_perm.to(x.device)]
    pad = -x.shape[2] % gap
    if pad:
        x = torch.cat([x, x[:, :, -1:].expand(-1, -1, pad, -1)], dim=2)
    return x.unflatten(2, (-1, gap)).mean(3)


def blade_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, selection: AsaSelection, *, backend: str = "auto"
) -> torch.Tensor:
    """ASA(_G) output: block-sparse attention over the layout and, with a gap, dense attention over the
    global tokens with logits + log(gap), the two merged exactly by their log-sum-exps."""
    layout, gap = selection.layout, selection.global_gap
    if not gap:
        return sparse_attention(q, k, v, layout, backend=backend)
    lse = torch.empty(q.shape[:3], dtype=torch.float32, device=q.device)
    out = sparse_attention(q, k, v, layout, backend=backend, lse_out=lse)
    group = q.shape[1] // k.shape[1]
    kg, vg = (global_tokens(x, gap=gap, token_perm=layout.token_perm) for x in (k, v))
    if group > 1:
        kg, vg = kg.repeat_interleave(group, dim=1), vg.repeat_interleave(group, dim=1)
    g_out, g_lse = sdpa_with_lse(q.float(), kg.float(), vg.float())  # fused on the CPU
    merged, _ = lse_merge(out.float(), lse, g_out, g_lse.float() + math.log(gap))
    return merged.to(q.dtype)
