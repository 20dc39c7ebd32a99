"""The reference SnapKV eviction called inside the sandbox, its kept positions returned per KV head."""

import torch

from kernels.methods.snapkv import SnapKvParams, snapkv_select

ANSWER = "eviction"
CAPACITY = 768
ADAPTIVE = False  # True: Ada-SnapKV (heads keep different counts)


def select(q, k, *, causal, block_size, layer, step, geometry):
    """SnapKV's choice (capacity 768) after the prompt q, k as kept / kept_counts."""
    keep = snapkv_select(q, k, SnapKvParams(capacity=CAPACITY, adaptive=ADAPTIVE)).keep
    counts = keep.sum(-1)
    first = torch.sort((~keep).to(torch.int8), dim=-1, stable=True).indices  # kept positions first
    return {"kept": first[..., : int(counts.max())].to(torch.int32), "kept_counts": counts.to(torch.int32)}
