"""SnapKV and Ada-SnapKV key/value eviction after prefill, and decode attention over the kept cache."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from kernels.methods.common import last_query_probs, values_text


@dataclass(frozen=True)
class SnapKvParams:
    """Keep ``capacity`` tokens per KV head, the first ``sink`` and last ``recent`` counted inside it,
    the rest by window importance average-pooled over ``pool_kernel`` tokens (zero padding counted, as
    ``avg_pool1d``'s default). ``adaptive`` (Ada-SnapKV): importance max over window and group; each
    head keeps a floor of ``max(int(floor_ratio * capacity), sink + recent)`` tokens and the rest of
    the total ``capacity * H_kv`` goes to a global top-k across heads (the Sparse Frontier's code)."""

    capacity: int = 1024
    window: int = 256
    pool_kernel: int = 21
    sink: int = 4
    recent: int = 128
    adaptive: bool = False
    floor_ratio: float = 0.2

    def __post_init__(self):
        """Check sizes (the reference asks for a capacity above the sink and recent tokens)."""
        if min(self.capacity, self.window, self.pool_kernel) < 1 or self.pool_kernel % 2 == 0:
            got = values_text(self, "capacity", "window", "pool_kernel")
            raise ValueError(f"capacity, window >= 1 and an odd pool_kernel are required (got {got})")
        if min(self.sink, self.recent) < 0 or not 0 <= self.floor_ratio <= 1:
            got = values_text(self, "sink", "recent", "floor_ratio")
            raise ValueError(f"need sink, recent >= 0 and 0 <= floor_ratio <= 1 (got {got})")
        if self.capacity <= self.sink + self.recent:
            raise ValueError(
                f"capacity {self.capacity} must exceed sink + recent = {self.sink + self.recent}"
            )


@dataclass(frozen=True)
class KvSelection:
    """Boolean ``keep[B, H_kv, N]`` of cache tokens kept after eviction."""

    keep: torch.Tensor

    @property
    def kept_fraction(self) -> float:
        """Fraction of the cache kept (the density of decode attention over the evicted prompt)."""
        return float(self.keep.float().mean())


def snapkv_importance(q: torch.Tensor, k: torch.Tensor, params: SnapKvParams) -> torch.Tensor:
    """Pooled importance ``[B, H_kv, N]`` of the prompt's keys, from its last ``window`` queries."""
    bsz, heads, n, _ = q.shape
    kv_heads = k.shape[1]
    p = last_query_probs(q=q, k=k, last=params.window, causal=True)  # [B, H, w, N]
    g = p.view(bsz, kv_heads, heads // kv_heads, p.shape[2], n)
    imp = g.amax(dim=(2, 3)) if params.adaptive else g.mean(2).sum(2)
    pad = params.pool_kernel // 2
    imp = F.avg_pool1d(
        imp.reshape(-1, 1, n), params.pool_kernel, stride=1, padding=pad, count_include_pad=True
    )
    return imp.view(bsz, kv_heads, n)


def snapkv_select(q: torch.Tensor, k: torch.Tensor, params: SnapKvParams) -> KvSelection:
    """Which prompt tokens to keep, from the prompt's q ``[B, H, N, d]`` and k ``[B, H_kv, N, d]``."""
    bsz, kv_heads, n = k.shape[0], k.shape[1], k.shape[2]
    imp = snapkv_importance(q, k, params).cpu()
    forced = torch.zeros(n, dtype=torch.bool)
    forced[: params.sink] = True
    forced[max(0, n - params.recent) :] = True
    imp = imp.masked_fill(forced, float("inf"))
    cap = min(params.capacity, n)
    keep = torch.zeros(bsz, kv_heads, n, dtype=torch.bool)
    if not params.adaptive:
        keep.scatter_(-1, torch.topk(imp, cap, dim=-1).indices, True)
        return KvSelection(keep=keep)
    floor = min(cap, max(int(params.capacity * params.floor_ratio), params.sink + params.recent))
    keep.scatter_(-1, torch.topk(imp, floor, dim=-1).indices, True)
    rest = (cap - floor) * kv_heads
    pool = imp.masked_fill(keep, float("-inf")).reshape(bsz, -1)
    extra = torch.zeros_like(pool, dtype=torch.bool)
    extra.scatter_(-1, torch.topk(pool, rest, dim=-1).indices, True)
    return KvSelection(keep=keep | extra.view(bsz, kv_heads, n))


def kv_selection_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, selection: KvSelection
) -> torch.Tensor:
    """Attention of decode queries q ``[B, H, L, d]`` over the kept cache tokens only (no causal mask
    among them), gathered per KV head; equals dense attention masked by ``selection.keep``."""
    bsz, heads, q_len, d = q.shape
    kv_heads, n = k.shape[1], k.shape[2]
    if selection.keep.shape != (bsz, kv_heads, n):
        raise ValueError(
            f"selection {tuple(selection.keep.shape)} does not match the cache {(bsz, kv_heads, n)}"
        )
    group = heads // kv_heads
    out = torch.empty_like(q)
    for b in range(bsz):
        for h in range(kv_heads):
            idx = torch.nonzero(selection.keep[b, h]).flatten().to(k.device)
            ks, vs = k[b, h, idx], v[b, h, idx]
            qs = q[b, h * group : (h + 1) * group].unsqueeze(0)
            out[b, h * group : (h + 1) * group] = F.scaled_dot_product_attention(
                qs, ks.expand(1, group, -1, d), vs.expand(1, group, -1, d)
            ).squeeze(0)
    return out
