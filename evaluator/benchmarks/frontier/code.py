"""A code submission on one attention call of the prompt: what ``select`` is told, and its answer checked
into a prefill layout or, for an eviction submission, into the kept cache."""

from __future__ import annotations

import torch

from evaluator.sandbox import SandboxedMethod
from evaluator.sandbox.answer import answer_kept
from evaluator.sandbox.measure import call_geometry, code_layout, selection_info
from kernels.layout import BlockLayout
from kernels.methods.snapkv import KvSelection

from .submission import CODE_BLOCK

#: An eviction answer names single key positions: its "blocks" are one token.
TOKEN_BLOCK = (1, 1)


def code_info(*, layer: int, tokens: int, q: torch.Tensor, kv_heads: int) -> dict:
    """``select``'s keywords for a prompt of ``tokens`` tokens padded to q [B, Hq, N, d] (keys with the
    KV heads repeated to the query heads: query head h reads KV head h // kv_group)."""
    geometry = {"answer": "layout", "tokens": int(tokens), "padded": int(q.shape[2]),
                "heads": int(q.shape[1]), "kv_heads": int(kv_heads),
                "kv_group": int(q.shape[1]) // int(kv_heads)}  # fmt: skip
    return selection_info(causal=True, block_size=CODE_BLOCK, layer=layer, step=None, geometry=geometry)


def eviction_info(*, layer: int, q: torch.Tensor, k: torch.Tensor) -> dict:
    """``select``'s keywords for an eviction after a prompt q [B, Hq, N, d], k [B, Hkv, N, d] (not padded,
    KV heads as they are): it answers ``kept`` [B, Hkv, M] positions in [0, N) (``kept_counts`` [B, Hkv]
    when heads keep different numbers)."""
    geometry = {"answer": "eviction", "tokens": int(q.shape[2]), "padded": int(q.shape[2]),
                "heads": int(q.shape[1]), "kv_heads": int(k.shape[1]),
                "kv_group": int(q.shape[1]) // int(k.shape[1])}  # fmt: skip
    return selection_info(causal=True, block_size=TOKEN_BLOCK, layer=layer, step=None, geometry=geometry)


def code_prefill_layout(
    *, method: SandboxedMethod, q: torch.Tensor, k: torch.Tensor, layer: int, tokens: int, kv_heads: int
) -> BlockLayout:
    """The checked causal layout ``method`` answers for the padded, head-expanded q and k (untimed)."""
    info = code_info(layer=layer, tokens=tokens, q=q, kv_heads=kv_heads)
    shape = call_geometry(q=q, k=k, block_size=CODE_BLOCK, causal=True)
    return code_layout(method=method, q=q, k=k, info=info, shape=shape)


def code_eviction(*, method: SandboxedMethod, q: torch.Tensor, k: torch.Tensor, layer: int) -> KvSelection:
    """The checked kept cache ``method`` answers after the prompt q [B, Hq, N, d], k [B, Hkv, N, d]."""
    arrays = method.call(q=q, k=k, info=eviction_info(layer=layer, q=q, k=k))
    return answer_kept(arrays=arrays, batch=k.shape[0], kv_heads=k.shape[1], length=k.shape[2])
