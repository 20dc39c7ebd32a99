"""PSA, pyramid sparse attention: sampled block importance and per-block pyramid levels by mass thresholds."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from kernels.backends.native.build import native_unavailable_reason
from kernels.backends.native.importance import native_block_importance
from kernels.backends.scratch import scratch_buffer
from kernels.backends.threads import serial, tasks_run
from kernels.curves import hilbert_order
from kernels.layout import BlockLayout
from kernels.methods.common import block_sample_positions, self_attention_length_check


@dataclass(frozen=True)
class PsaParams:
    """PSA settings. ``thresholds[t]`` is the cumulative-mass bound of level t+1 (1 finest, max 4);
    blocks past the last bound are skipped. ``grid`` = (frames, height, width) reorders the video
    tokens (the first frames*height*width) along a Hilbert curve; ``forced_blocks`` are key blocks
    always at level 1 (e.g. text). ``sample_tokens`` defaults to block_size / 4."""

    block_size: int = 128
    sample_tokens: int | None = None
    thresholds: tuple[float, ...] = (0.4, 0.5, 0.6, 0.8)
    min_level1_fraction: float = 0.06
    forced_blocks: tuple[int, ...] = ()
    grid: tuple[int, int, int] | None = None

    def __post_init__(self):
        """Check thresholds and sizes."""
        samples = 1 if self.sample_tokens is None else self.sample_tokens
        if self.block_size < 1 or not 1 <= samples <= self.block_size:
            raise ValueError(f"need block_size >= 1 and 1 <= sample_tokens <= block_size: {self}")
        t = self.thresholds
        if not 1 <= len(t) <= 4 or any(b <= a for a, b in zip(t, t[1:], strict=False)) or not 0 < t[-1] <= 1:
            raise ValueError(f"thresholds must be 1-4 increasing values in (0, 1], got {t}")
        if self.block_size % 2 ** (len(t) - 1):
            raise ValueError(f"block_size {self.block_size} not divisible by the coarsest pooling")
        if not 0 <= self.min_level1_fraction <= 1:
            raise ValueError(f"min_level1_fraction must lie in [0, 1], got {self.min_level1_fraction}")


def token_perm_for_grid(*, grid: tuple[int, int, int] | None, n_tokens: int) -> torch.Tensor | None:
    """Hilbert order of the video grid tokens, any further (text) tokens kept last in place."""
    if grid is None:
        return None
    video = grid[0] * grid[1] * grid[2]
    if video > n_tokens:
        raise ValueError(f"grid {grid} holds {video} tokens, more than the sequence ({n_tokens})")
    return torch.cat(
        [hilbert_order(frames=grid[0], height=grid[1], width=grid[2]), torch.arange(video, n_tokens)]
    )


def sampled_block_importance(
    q: torch.Tensor,
    k: torch.Tensor,
    *,
    block: int,
    samples: int,
    token_perm: torch.Tensor | None = None,
    chunk_bytes: int = 1 << 21,
    native: bool = True,
) -> torch.Tensor:
    """S[b, h, i, j] = max over block tile (i, j) of the softmax of sampled query/key scores.

    Tokens are sampled in ``token_perm`` order when given (the order the layout's blocks refer to).
    The sampled scores are computed in cache-sized chunks of query blocks on one-thread workers,
    each into a per-thread scratch buffer, turned into the row softmax in place and max-pooled by
    a reshape, so nothing of the size of the sampled score matrix is ever allocated. With ``native``
    (the default) CPU tensors go through the compiled kernel instead, where it builds.
    """
    n_b = q.shape[2] // block
    pos = block_sample_positions(n_blocks=n_b, block=block, samples=samples).to(q.device)
    if token_perm is not None:
        pos = token_perm.to(q.device)[pos]
    bsz, heads = q.shape[:2]
    qs, ks = _sampled_rows(q=q, k=k, pos=pos)
    rows = max(1, chunk_bytes // (4 * samples * n_b * samples))
    if native and q.device.type == "cpu" and native_unavailable_reason() is None:
        imp = native_block_importance(qs, ks, n_b=n_b, samples=samples, blocks_per_task=rows)
        return imp.view(bsz, heads, n_b, n_b)
    qs, ks_t = qs.view(bsz * heads, n_b, samples, -1), ks.transpose(1, 2)
    out = torch.empty(bsz * heads, n_b, n_b, device=q.device)

    def task(bh: int, i0: int, i1: int) -> None:
        """Query blocks i0..i1 of one head."""
        numel = (i1 - i0) * samples * n_b * samples
        s = scratch_buffer(key="psa-scores", numel=numel, dtype=torch.float32, device=q.device)
        s = s.view(-1, n_b * samples)
        torch.mm(qs[bh, i0:i1].reshape(-1, qs.shape[-1]), ks_t[bh], out=s)
        torch._softmax(s, -1, False, out=s)  # in place: fused max, exp-sum and scale per row
        cols = s.view(i1 - i0, samples, n_b * samples).amax(1)  # max over the block's sampled queries
        torch.amax(cols.view(i1 - i0, n_b, samples), dim=-1, out=out[bh, i0:i1])

    tasks = [
        (lambda bh=bh, i0=i0: task(bh, i0, min(n_b, i0 + rows)))
        for bh in range(bsz * heads)
        for i0 in range(0, n_b, rows)
    ]
    tasks_run(tasks, threads=torch.get_num_threads() if q.device.type == "cpu" else 1)
    return out.view(bsz, heads, n_b, n_b)


@serial
def _sampled_rows(
    *, q: torch.Tensor, k: torch.Tensor, pos: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sampled queries scaled by 1/sqrt(d) and sampled keys, ``[B*H, S, d]`` float32 each (key heads
    repeated for grouped queries), gathered by index_select on 3-D views, single-threaded."""
    bsz, heads, n, d = q.shape
    qs = q.reshape(bsz * heads, n, d).index_select(1, pos).float().mul_(1.0 / math.sqrt(d))
    ks = k.reshape(bsz * k.shape[1], n, d).index_select(1, pos).float()
    if k.shape[1] != heads:
        ks = ks.view(bsz, k.shape[1], len(pos), d).repeat_interleave(heads // k.shape[1], dim=1)
        ks = ks.reshape(bsz * heads, len(pos), d)
    return qs, ks.contiguous()


def psa_build_layout(q: torch.Tensor, k: torch.Tensor, params: PsaParams) -> BlockLayout:
    """PSA layout for q, k ``[B, H, N, d]`` (self-attention, N a multiple of block_size)."""
    b = params.block_size
    n = self_attention_length_check(q, k, block=b)
    perm = token_perm_for_grid(grid=params.grid, n_tokens=n)
    samples = params.sample_tokens or max(1, b // 4)
    imp = sampled_block_importance(q, k, block=b, samples=samples, token_perm=perm).cpu()
    level_map = psa_level_map(importance=imp, params=params)
    return BlockLayout.from_level_map(level_map, block_size=(b, b), token_perm=perm)


@serial
def psa_level_map(*, importance: torch.Tensor, params: PsaParams) -> torch.Tensor:
    """Threshold rule: per row, sort by importance; a block whose preceding cumulative share is below
    thresholds[t] gets level t+1 (the finest that covers it), past the last threshold 0 (skip)."""
    n_b = importance.shape[-1]
    order = torch.argsort(importance, dim=-1, descending=True, stable=True)
    sorted_s = torch.gather(importance, -1, order)
    mass = sorted_s / sorted_s.sum(-1, keepdim=True).clamp_min(1e-30)
    before = torch.cumsum(mass, -1) - mass
    thr = torch.tensor(params.thresholds, dtype=before.dtype)
    level = 1 + (before.unsqueeze(-1) >= thr - 1e-7).sum(-1)
    level = torch.where(level > len(params.thresholds), torch.zeros_like(level), level)
    level[..., : math.ceil(params.min_level1_fraction * n_b)] = 1
    level_map = torch.zeros_like(level)
    level_map.scatter_(-1, order, level)
    if params.forced_blocks:
        level_map[..., list(params.forced_blocks)] = 1
    return level_map.to(torch.int8)
