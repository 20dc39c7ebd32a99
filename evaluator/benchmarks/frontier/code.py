"""A code submission on one prefill call: what ``select`` is told, and its answer checked into a layout."""

from __future__ import annotations

import torch

from evaluator.sandbox import SandboxedMethod
from evaluator.sandbox.measure import call_geometry, code_layout, selection_info
from kernels.layout import BlockLayout

from .submission import CODE_BLOCK


def code_info(*, layer: int, tokens: int, q: torch.Tensor, kv_heads: int) -> dict:
    """``select``'s keywords for a prompt of ``tokens`` tokens padded to q [B, Hq, N, d] (keys with the
    KV heads repeated to the query heads: query head h reads KV head h // kv_group)."""
    geometry = {"tokens": int(tokens), "padded": int(q.shape[2]), "heads": int(q.shape[1]),
                "kv_heads": int(kv_heads), "kv_group": int(q.shape[1]) // int(kv_heads)}  # fmt: skip
    return selection_info(causal=True, block_size=CODE_BLOCK, layer=layer, step=None, geometry=geometry)


def code_prefill_layout(
    *, method: SandboxedMethod, q: torch.Tensor, k: torch.Tensor, layer: int, tokens: int, kv_heads: int
) -> BlockLayout:
    """The checked causal layout ``method`` answers for the padded, head-expanded q and k (untimed)."""
    info = code_info(layer=layer, tokens=tokens, q=q, kv_heads=kv_heads)
    shape = call_geometry(q=q, k=k, block_size=CODE_BLOCK, causal=True)
    return code_layout(method=method, q=q, k=k, info=info, shape=shape)
