"""Helpers shared by the method builders: length checks, mass budgets, top-k masks, last-query softmax."""

from __future__ import annotations

import math

import torch

from kernels.backends.scratch import scratch_buffer
from kernels.backends.threads import serial


def values_text(params: object, *names: str) -> str:
    """``name=value, ...`` for some fields of a params dataclass: a range check's message, in plain text."""
    return ", ".join(f"{name}={getattr(params, name)}" for name in names)


def self_attention_length_check(q: torch.Tensor, k: torch.Tensor, *, block: int) -> int:
    """N of q, k ``[B, H, N, d]``; ValueError unless their lengths match and ``block`` divides N."""
    n = q.shape[2]
    if n % block or k.shape[2] != n:
        raise ValueError(f"sequence length {n} must equal the key length and be a multiple of {block}")
    return n


@serial
def cumulative_mass_count(*, scores: torch.Tensor, tau: float) -> torch.Tensor:
    """Per row, the fewest top entries whose share of the row's total reaches ``tau`` (at least 1)."""
    if not 0.0 < tau <= 1.0:
        raise ValueError(f"tau must lie in (0, 1], got {tau}")
    sorted_s = torch.sort(scores.float(), dim=-1, descending=True).values
    total = sorted_s.sum(-1, keepdim=True).clamp_min(1e-30)
    before = (torch.cumsum(sorted_s, -1) - sorted_s) / total
    return (before < tau - 1e-7).sum(-1).clamp_min(1)


@serial
def topk_mask(*, scores: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Boolean mask of each row's ``counts`` highest scores (ties broken by position)."""
    order = torch.argsort(scores.float(), dim=-1, descending=True, stable=True)
    ranks = torch.empty_like(order)
    ranks.scatter_(-1, order, torch.arange(scores.shape[-1]).expand_as(order).contiguous())
    return ranks < counts.unsqueeze(-1)


def last_query_probs(*, q: torch.Tensor, k: torch.Tensor, last: int, causal: bool) -> torch.Tensor:
    """Softmax ``[B, H, last, N]`` of the last ``last`` queries over all keys (causal if asked).

    On the CPU it is computed in place in a per-thread scratch buffer, so that no large temporary
    maps fresh pages: the result is valid until the next call on this thread. Elsewhere (CUDA's
    caching allocator has no such cost) it is a fresh tensor.
    """
    n_q, n_k, d = q.shape[2], k.shape[2], q.shape[-1]
    last = min(last, n_q)
    if k.shape[1] != q.shape[1]:
        k = k.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
    queries = q[:, :, n_q - last :].float() * (1.0 / math.sqrt(d))
    in_place = q.device.type == "cpu"
    if in_place:
        shape = (q.shape[0], q.shape[1], last, n_k)
        s = scratch_buffer(
            key="last_query_probs", numel=math.prod(shape), dtype=torch.float32, device=q.device
        )
        s = torch.matmul(queries, k.float().transpose(-1, -2), out=s.view(shape))
    else:
        s = queries @ k.float().transpose(-1, -2)
    if causal:  # query i sits at key position n_k - last + i: only the last `last` columns are masked
        start = max(0, n_k - last)
        qpos = torch.arange(n_q - last, n_q, device=s.device).view(-1, 1) + (n_k - n_q)
        future = torch.arange(start, n_k, device=s.device).view(1, -1) > qpos
        s[..., start:].masked_fill_(future, float("-inf"))
    return torch.softmax(s, dim=-1, out=s) if in_place else torch.softmax(s, dim=-1)


def video_blocks_check(*, frames: int, frame_tokens: int, text_tokens: int, block_size: int) -> None:
    """ValueError unless the video tokens and the text tokens are whole blocks of ``block_size``."""
    video = frames * frame_tokens
    if video % block_size or text_tokens % block_size:
        raise ValueError(
            f"video tokens {video} and text tokens {text_tokens} must be multiples of block_size {block_size}"
        )
