"""Slow float64 block top-k, Quest, SnapKV and Ada-SnapKV, written from the Sparse Frontier's code
with loops and sorts, sharing nothing with the fast builders: the tests hold the two to the same
kept entries and the same density."""

from __future__ import annotations

import math

import torch


def _ranked(scores: list[tuple[float, int]]) -> list[int]:
    """Indices by descending score, ties by ascending index."""
    return [i for _, i in sorted(scores, key=lambda s: (-s[0], s[1]))]


def block_topk_reference(
    q: torch.Tensor, k: torch.Tensor, *, block: int, top_k: int, causal: bool = True
) -> torch.Tensor:
    """Kept blocks ``[B, H, n_b, n_b]``: per query block the sink, diagonal and previous blocks, then
    the best pooled scores among the other visible blocks until ``min(top_k, visible)`` are kept."""
    bsz, heads, n, _ = q.shape
    group = heads // k.shape[1]
    n_b = n // block
    keep = torch.zeros(bsz, heads, n_b, n_b, dtype=torch.bool)
    for b in range(bsz):
        for h in range(heads):
            qp = [q[b, h, i * block : (i + 1) * block].double().mean(0) for i in range(n_b)]
            kp = [k[b, h // group, j * block : (j + 1) * block].double().mean(0) for j in range(n_b)]
            for i in range(n_b):
                visible = list(range(i + 1)) if causal else list(range(n_b))
                budget = min(top_k, len(visible))
                forced = [j for j in (0, i, i - 1) if j in visible]
                chosen = list(dict.fromkeys(forced))[:budget]
                others = _ranked([(float(qp[i] @ kp[j]), j) for j in visible if j not in chosen])
                for j in chosen + others[: budget - len(chosen)]:
                    keep[b, h, i, j] = True
    return keep


def block_density_reference(keep: torch.Tensor, *, causal: bool = True) -> float:
    """Kept block pairs over the visible ones (lower triangle with its diagonal when causal)."""
    n_b = keep.shape[-1]
    visible = n_b * (n_b + 1) // 2 if causal else n_b * n_b
    return float(keep.sum()) / (keep.shape[0] * keep.shape[1] * visible)


def quest_reference(
    q_step: torch.Tensor, k: torch.Tensor, *, position: int, page_size: int, token_budget: int
) -> torch.Tensor:
    """Kept cache tokens ``[B, H_kv, position + 1]`` of one decode query at ``position``: the top
    ``token_budget // page_size + 1`` complete pages by the summed bound over the GQA group, the last
    of them replaced by the current page (kept up to the query); every page for a shorter cache."""
    bsz, heads, _, d = q_step.shape
    kv_heads = k.shape[1]
    group = heads // kv_heads
    current = position // page_size
    keep = torch.zeros(bsz, kv_heads, position + 1, dtype=torch.bool)
    for b in range(bsz):
        for h in range(kv_heads):
            scores = []
            for page in range(current):
                keys = k[b, h, page * page_size : (page + 1) * page_size].double()
                lo, hi = keys.min(0).values, keys.max(0).values
                total = 0.0
                for g in range(group):
                    qv = q_step[b, h * group + g, 0].double()
                    total += float(sum(max(qv[i] * lo[i], qv[i] * hi[i]) for i in range(d)))
                scores.append((total, page))
            if current > token_budget // page_size:  # the reference's top budget + 1, the last replaced
                pages = _ranked(scores)[: token_budget // page_size + 1]
                pages[-1] = current
            else:  # a cache within the budget: every page
                pages = list(range(current + 1))
            for page in pages:
                keep[b, h, page * page_size : min((page + 1) * page_size, position + 1)] = True
    return keep


def snapkv_reference(
    q: torch.Tensor,
    k: torch.Tensor,
    *,
    capacity: int,
    window: int,
    pool_kernel: int,
    sink: int,
    recent: int,
    adaptive: bool = False,
    floor_ratio: float = 0.2,
) -> torch.Tensor:
    """Kept prompt tokens ``[B, H_kv, N]``: importance from the softmax of the last ``window``
    queries (causal), summed over the window and averaged over the group (Ada: max over both),
    average-pooled with zeros counted, the first ``sink`` and last ``recent`` forced, ``capacity``
    per head (Ada: a floor per head, the rest of ``capacity * H_kv`` by one ranking across heads)."""
    bsz, heads, n, d = q.shape
    kv_heads = k.shape[1]
    group = heads // kv_heads
    keep = torch.zeros(bsz, kv_heads, n, dtype=torch.bool)
    cap = min(capacity, n)
    for b in range(bsz):
        pooled = []
        for h in range(kv_heads):
            per_head = []
            for g in range(group):
                rows = []
                for i in range(max(0, n - window), n):
                    logits = (k[b, h, : i + 1].double() @ q[b, h * group + g, i].double()) / math.sqrt(d)
                    probs = torch.zeros(n, dtype=torch.float64)
                    probs[: i + 1] = torch.softmax(logits, dim=0)
                    rows.append(probs)
                rows = torch.stack(rows)
                per_head.append(rows.max(0).values if adaptive else rows.sum(0))
            per_head = torch.stack(per_head)
            imp = per_head.max(0).values if adaptive else per_head.mean(0)
            half = pool_kernel // 2
            smooth = [float(imp[max(0, t - half) : t + half + 1].sum()) / pool_kernel for t in range(n)]
            smooth = [math.inf if t < sink or t >= n - recent else s for t, s in enumerate(smooth)]
            pooled.append(smooth)
        if not adaptive:
            for h in range(kv_heads):
                keep[b, h, _ranked([(s, t) for t, s in enumerate(pooled[h])])[:cap]] = True
            continue
        floor = min(cap, max(int(capacity * floor_ratio), sink + recent))
        for h in range(kv_heads):
            keep[b, h, _ranked([(s, t) for t, s in enumerate(pooled[h])])[:floor]] = True
        rest = [(pooled[h][t], h * n + t) for h in range(kv_heads) for t in range(n) if not keep[b, h, t]]
        for flat in _ranked(rest)[: (cap - floor) * kv_heads]:
            keep[b, flat // n, flat % n] = True
    return keep
