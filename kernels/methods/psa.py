"""PSA, pyramid sparse attention: released block importance, per-block pyramid levels, named presets."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from kernels.backends.threads import serial
from kernels.curves import curve_order
from kernels.layout import BlockLayout
from kernels.methods.common import self_attention_length_check, values_text
from kernels.methods.importance import sampled_block_importance

MODES = ("thresholdbound", "topk")
# The released presets (configs/attention_config.yaml: "psa_balanced" of each model, and CogVideoX-5B's
# "psa_4steps" for its 4-step LoRA). Its CogVideo_5b entries turn the token rearrangement off (curve
# "none"); their attn_impl (old_mask_type: fixed 128-key blocks) is a kernel choice with the same mask.
PSA_PRESETS = {
    "wan2.1-14b": {"block_size": 128, "key_block_size": 128, "thresholds": (0.4, 0.5, 0.6, 0.8)},
    "wan2.1-1.3b": {"block_size": 128, "key_block_size": 32, "thresholds": (0.6, 0.7, 0.7, 0.8)},
    "wan2.2-5b": {"block_size": 128, "key_block_size": 32, "thresholds": (0.6, 0.7, 0.7, 0.8)},
    "wan2.2-a14b": {
        "block_size": 128, "key_block_size": 32, "thresholds": (0.5, 0.6, 0.6, 0.8), "warmup_steps": 12,
    },
    "cogvideox1.5-5b": {
        "block_size": 128, "key_block_size": 32, "thresholds": (0.1, 0.15, 0.15, 0.35), "mode": "topk",
    },
    "cogvideox-5b": {
        "block_size": 128, "key_block_size": 128, "thresholds": (0.1, 0.15, 0.15, 0.35), "mode": "topk",
        "curve": "none",
    },
    "cogvideox-5b-4steps": {
        "block_size": 128, "key_block_size": 128, "thresholds": (0.05, 0.15, 0.25, 0.5), "mode": "topk",
        "curve": "none", "warmup_steps": 0,
    },
}  # fmt: skip
CURVES = ("gilbert", "hilbert", "none")


@dataclass(frozen=True)
class PsaParams:
    """PSA settings (defaults: the released Wan2.1-14B preset). Query blocks of ``block_size`` tokens,
    key blocks of ``key_block_size``; ``thresholds[t]`` ends level t+1 (1 finest; level h pools
    2**(h-1) keys), past the last one blocks are skipped. ``mode`` "thresholdbound" reads the ends as
    shares of the row's importance mass, "topk" as shares of its blocks. Interval lengths are
    aligned for the kernel's ``compute_tile`` key columns, and level 1 holds at least
    int(``min_level1_fraction`` n) + 1 blocks (thresholdbound), as the released mask builder does.
    ``sample_tokens``/``key_sample_tokens`` default to a quarter of the block. ``warmup_steps``: the
    first sampling steps run dense (the video benchmark applies it). ``curve`` orders the video
    tokens of ``grid`` = (frames, height, width) ("none": frame-major as given, the release's
    use_rearrange false). ``seed`` (set by the harness) draws the sampled offsets."""

    block_size: int = 128
    key_block_size: int = 128
    compute_tile: int = 32
    thresholds: tuple[float, ...] = (0.4, 0.5, 0.6, 0.8)
    mode: str = "thresholdbound"
    min_level1_fraction: float = 0.08
    sample_tokens: int | None = None
    key_sample_tokens: int | None = None
    warmup_steps: int = 15
    curve: str = "gilbert"
    seed: int = 0
    grid: tuple[int, int, int] | None = None

    def __post_init__(self):
        """Check thresholds, sizes and names."""
        sq, sk = self.samples
        if min(self.block_size, self.key_block_size) < 1 or not (
            1 <= sq <= self.block_size and 1 <= sk <= self.key_block_size
        ):
            raise ValueError(
                "need block_size >= 1, key_block_size >= 1, 1 <= sample_tokens <= block_size and "
                f"1 <= key_sample_tokens <= key_block_size: {self}"
            )
        t = self.thresholds
        if not 1 <= len(t) <= 4 or any(b < a for a, b in zip(t, t[1:], strict=False)) or not 0 < t[-1] <= 1:
            raise ValueError(f"thresholds must be 1-4 non-decreasing values in (0, 1], got {t}")
        if self.key_block_size % 2 ** (len(t) - 1):
            raise ValueError(f"key_block_size {self.key_block_size} not divisible by the coarsest pooling")
        if not 1 <= self.compute_tile <= self.key_block_size:
            raise ValueError(f"compute_tile must lie in [1, key_block_size], got {self.compute_tile}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {self.mode!r}")
        if not 0 <= self.min_level1_fraction <= 1 or self.warmup_steps < 0:
            got = values_text(self, "min_level1_fraction", "warmup_steps")
            raise ValueError(f"need 0 <= min_level1_fraction <= 1 and warmup_steps >= 0 (got {got})")
        if self.curve not in CURVES:
            raise ValueError(f"curve must be one of {list(CURVES)}, got {self.curve!r}")

    @property
    def samples(self) -> tuple[int, int]:
        """Sampled tokens per (query block, key block)."""
        sq, sk = self.sample_tokens, self.key_sample_tokens
        return (
            max(1, self.block_size // 4) if sq is None else sq,
            max(1, self.key_block_size // 4) if sk is None else sk,
        )


def token_perm_for_grid(
    *, grid: tuple[int, int, int] | None, n_tokens: int, curve: str = "gilbert"
) -> torch.Tensor | None:
    """Curve order of the video grid tokens, any further (text) tokens kept last in place (None: no
    grid, or curve "none")."""
    if grid is None or curve == "none":
        return None
    video = grid[0] * grid[1] * grid[2]
    if video > n_tokens:
        raise ValueError(f"grid {grid} holds {video} tokens, more than the sequence ({n_tokens})")
    order = curve_order(curve=curve, frames=grid[0], height=grid[1], width=grid[2])
    return torch.cat([order, torch.arange(video, n_tokens)])


def psa_build_layout(q: torch.Tensor, k: torch.Tensor, params: PsaParams) -> BlockLayout:
    """PSA layout for q, k ``[B, H, N, d]`` (self-attention, N a multiple of both block sizes)."""
    n = self_attention_length_check(q, k, block=math.lcm(params.block_size, params.key_block_size))
    perm = token_perm_for_grid(grid=params.grid, n_tokens=n, curve=params.curve)
    sq, sk = params.samples
    imp = sampled_block_importance(
        q, k, block_q=params.block_size, block_k=params.key_block_size, samples_q=sq, samples_k=sk,
        seed=params.seed, token_perm=perm,
    ).cpu()  # fmt: skip
    level_map = psa_level_map(importance=imp, params=params)
    return BlockLayout.from_level_map(
        level_map, block_size=(params.block_size, params.key_block_size), token_perm=perm
    )


@serial
def psa_level_map(*, importance: torch.Tensor, params: PsaParams) -> torch.Tensor:
    """int8 level map of the released mask builder: per row, blocks sorted by importance (stable) are
    cut into consecutive intervals, one per level, whose ends come from the thresholds (mass shares
    or block shares by ``mode``) with the +1 block, alignment and level-1 floor of the release."""
    n = importance.shape[-1]
    order = torch.argsort(importance.float(), dim=-1, descending=True, stable=True)
    ends = _level_ends(sorted_imp=torch.gather(importance.float(), -1, order), params=params)
    pos = torch.arange(n).view(*([1] * (importance.dim() - 1)), n)
    level = (pos.unsqueeze(-1) >= ends.unsqueeze(-2)).sum(-1) + 1  # interval index + 1
    level = torch.where(level > len(params.thresholds), torch.zeros_like(level), level)
    level_map = torch.zeros_like(level)
    level_map.scatter_(-1, order, level)
    return level_map.to(torch.int8)


def _level_ends(*, sorted_imp: torch.Tensor, params: PsaParams) -> torch.Tensor:
    """int64 ``[..., levels]``: the end (exclusive) of each level's interval in the sorted row."""
    n = sorted_imp.shape[-1]
    per_tile = params.key_block_size // params.compute_tile
    start = torch.zeros(sorted_imp.shape[:-1], dtype=torch.long)
    if params.mode == "thresholdbound":
        cum = torch.cumsum(sorted_imp, -1)
        share = cum / cum[..., -1:]
    ends = []
    for t, bound in enumerate(params.thresholds):
        align = math.ceil(2**t / per_tile)
        if params.mode == "thresholdbound":
            count = (share <= bound + 1e-6).sum(-1)
            raw = torch.where(count > 0, count + 1, start)  # the block that crosses the bound is in
        else:
            raw = torch.full_like(start, min(n, int(n * bound)))
        length = (raw - start).clamp_min(0)
        if align > 1:
            end = (start + (length + align - 1) // align * align).clamp_max(n)
            end = torch.where(end == n, start + (end - start) // align * align, end)
        elif params.mode == "thresholdbound":
            end = torch.maximum(raw.clamp(0, n), start)
            if t == 0:
                end = end.clamp_min(min(n, int(n * params.min_level1_fraction) + 1))
        else:
            end = torch.maximum(raw, start)
        ends.append(end)
        start = end
    return torch.stack(ends, -1)
