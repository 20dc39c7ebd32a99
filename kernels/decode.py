"""The decode protocol of the harness: a prompt, then decode tokens served one step at a time.

The inputs' first ``N - steps`` tokens are the prompt; the last ``steps`` tokens are generated one by
one. At step t the query of token ``P + t`` attends to the cache as the method keeps it plus every
decode token up to itself. SnapKV and Ada-SnapKV evict once, from the prompt alone: their
observation window is the prompt's last queries, never the decode queries scored afterwards.
Quest keeps the whole cache and selects pages for each step's query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from kernels.method_config import EVICTION_METHODS
from kernels.methods.quest import (
    QuestParams,
    quest_page_bounds,
    quest_step_attention,
    quest_step_select,
    quest_step_tokens,
)
from kernels.methods.snapkv import KvSelection, SnapKvParams, snapkv_select


@dataclass(frozen=True)
class EvictedCache:
    """The prompt's kept keys and values packed per KV head, ``[B, H_kv, M + steps, d]``, then room
    for the decode tokens from column ``M``; ``valid`` ``[B, H, 1, M + steps]`` masks a head's
    padding when heads keep different counts (Ada-SnapKV), else None."""

    selection: KvSelection
    k: torch.Tensor
    v: torch.Tensor
    valid: torch.Tensor | None
    packed: int


@dataclass(frozen=True)
class DecodeSteps:
    """How one method serves the decode steps: ``prepare()`` once after the prompt (timed with the
    estimator), then per step t ``select(state, t)`` (estimator) and ``attend(chosen, t)`` (attention);
    ``kept(chosen, t)`` is the boolean ``[B, H_kv, P + t + 1]`` of cache tokens step t attended to."""

    prompt: int
    steps: int
    prepare: Callable[[], object]
    select: Callable[[object, int], object]
    attend: Callable[[object, int], torch.Tensor]
    kept: Callable[[object, int], torch.Tensor]


def decode_split(*, n_tokens: int, steps: int) -> int:
    """The prompt length ``N - steps``; ValueError unless 1 <= steps < N."""
    if not 1 <= steps < n_tokens:
        raise ValueError(f"decode steps must lie in [1, {n_tokens - 1}] for {n_tokens} tokens, got {steps}")
    return n_tokens - steps


def evicted_cache_build(
    *, k: torch.Tensor, v: torch.Tensor, selection: KvSelection, steps: int, heads: int
) -> EvictedCache:
    """Pack the kept prompt tokens of k, v ``[B, H_kv, P, d]`` per KV head, leaving room for ``steps``."""
    bsz, kv_heads, _, d = k.shape
    counts = selection.keep.sum(-1)
    packed = int(counts.max())
    kb = k.new_zeros(bsz, kv_heads, packed + steps, d)
    vb = v.new_zeros(bsz, kv_heads, packed + steps, d)
    for b in range(bsz):
        for h in range(kv_heads):
            idx = torch.nonzero(selection.keep[b, h]).flatten().to(k.device)
            kb[b, h, : len(idx)] = k[b, h, idx]
            vb[b, h, : len(idx)] = v[b, h, idx]
    valid = None
    if bool((counts != packed).any()):
        cols = torch.arange(packed + steps)
        ok = (cols < counts.unsqueeze(-1)) | (cols >= packed)
        valid = ok.repeat_interleave(heads // kv_heads, dim=1).unsqueeze(2).to(k.device)
    return EvictedCache(selection=selection, k=kb, v=vb, valid=valid, packed=packed)


def evicted_step_attention(
    q_step: torch.Tensor, k_new: torch.Tensor, v_new: torch.Tensor, cache: EvictedCache, *, step: int
) -> torch.Tensor:
    """Append decode token ``step``'s key and value ``[B, H_kv, d]`` to the cache, then attend to it."""
    end = cache.packed + step + 1
    cache.k[:, :, end - 1] = k_new
    cache.v[:, :, end - 1] = v_new
    mask = None if cache.valid is None else cache.valid[..., :end]
    return F.scaled_dot_product_attention(
        q_step,
        cache.k[:, :, :end],
        cache.v[:, :, :end],
        attn_mask=mask,
        enable_gqa=q_step.shape[1] != k_new.shape[1],
    )


def decode_steps_plan(
    method: str,
    params: QuestParams | SnapKvParams,
    *,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    steps: int,
) -> DecodeSteps:
    """How Quest, SnapKV or Ada-SnapKV decode the last ``steps`` tokens of ``[B, H, N, d]`` inputs."""
    prompt = decode_split(n_tokens=q.shape[2], steps=steps)

    def query(t: int) -> torch.Tensor:
        """Step t's query ``[B, H, 1, d]``."""
        return q[:, :, prompt + t : prompt + t + 1]

    if method in EVICTION_METHODS:
        if not isinstance(params, SnapKvParams):
            raise ValueError(f"{method} takes SnapKvParams, got {type(params).__name__}")

        def prepare() -> EvictedCache:
            """Evict from the prompt alone and pack what is kept."""
            selection = snapkv_select(q[:, :, :prompt], k[:, :, :prompt], params)
            return evicted_cache_build(
                k=k[:, :, :prompt], v=v[:, :, :prompt], selection=selection, steps=steps, heads=q.shape[1]
            )

        def kept_evicted(cache: EvictedCache, t: int) -> torch.Tensor:
            """The kept prompt tokens, then every decode token up to step t."""
            keep = cache.selection.keep
            return torch.cat([keep, keep.new_ones(*keep.shape[:2], t + 1)], dim=-1)

        return DecodeSteps(
            prompt=prompt,
            steps=steps,
            prepare=prepare,
            select=lambda cache, t: cache,
            attend=lambda cache, t: evicted_step_attention(
                query(t), k[:, :, prompt + t], v[:, :, prompt + t], cache, step=t
            ),
            kept=kept_evicted,
        )
    if method != "quest" or not isinstance(params, QuestParams):
        raise ValueError(f"{method!r} is not a decode method served step by step")
    ps = params.page_size
    whole = k.shape[2] // ps * ps  # the page bounds live beside the cache, updated as pages fill
    bounds = quest_page_bounds(k[:, :, :whole], page_size=ps)

    def kept_quest(tokens: torch.Tensor, t: int) -> torch.Tensor:
        """The tokens of the pages step t selected, as a mask over the visible cache."""
        mask = torch.zeros(*tokens.shape[:2], prompt + t + 1, dtype=torch.bool)
        return mask.scatter_(-1, tokens.cpu(), True)

    return DecodeSteps(
        prompt=prompt,
        steps=steps,
        prepare=lambda: bounds,
        select=lambda b, t: quest_step_tokens(
            quest_step_select(query(t), b, position=prompt + t, params=params),
            position=prompt + t,
            page_size=ps,
        ),
        attend=lambda tokens, t: quest_step_attention(query(t), k, v, tokens),
        kept=kept_quest,
    )


def decode_dense_step(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, position: int) -> torch.Tensor:
    """Dense attention of the query at ``position`` over every key up to it (one decode step)."""
    q_step = q[:, :, position : position + 1]
    return F.scaled_dot_product_attention(
        q_step, k[:, :, : position + 1], v[:, :, : position + 1], enable_gqa=q.shape[1] != k.shape[1]
    )


def decode_counted(
    *, q: torch.Tensor, k: torch.Tensor, kept: list[torch.Tensor], prompt: int, recall: bool = True
) -> tuple[float, float | None]:
    """(density, mass recall) of the decode steps: attended keys over visible keys, and the dense
    softmax mass (float64) of each step's query inside them, both averaged over heads and steps
    (``recall=False``: the density alone, recall None)."""
    if not recall:  # a step's mask is the same for every head of a GQA group: its mean is the heads'
        return sum(float(mask.double().mean()) for mask in kept) / len(kept), None
    group = q.shape[1] // k.shape[1]
    density, recall_sum = 0.0, 0.0
    for t, mask in enumerate(kept):
        position = prompt + t
        heads_mask = mask.repeat_interleave(group, dim=1).to(q.device)  # [B, H, p + 1]
        density += float(heads_mask.double().mean())
        keys = k[:, :, : position + 1].double().repeat_interleave(group, dim=1)
        logits = (keys @ q[:, :, position].double().unsqueeze(-1)).squeeze(-1) / q.shape[-1] ** 0.5
        probs = torch.softmax(logits, dim=-1)
        recall_sum += float((probs * heads_mask).sum(-1).mean())
    return density / len(kept), recall_sum / len(kept)
