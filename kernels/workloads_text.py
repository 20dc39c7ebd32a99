"""Synthetic long-context (causal, text-like) attention workloads with heads of known patterns."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from kernels.workloads import Workload, rbf_pair, workload_assemble

TEXT_PATTERNS = ("local", "sink_local", "vertical", "slash", "retrieval")


@dataclass(frozen=True)
class TextWorkloadSpec:
    """Shape and head patterns of a causal long-context workload.

    ``heads`` names each head's pattern, the shapes the long-context methods look for:
    "local" attends to the last ``window`` tokens; "sink_local" also to the first ``sink_tokens``;
    "vertical" to ``vertical_keys`` tokens shared by every query; "slash" to the tokens about
    ``slash_offset`` back (a diagonal band; queries before it see no peak); "retrieval" lets each block of
    ``retrieval_block`` queries look up one of ``needles`` spans of ``needle_tokens`` earlier keys
    (a different span per block, not a shared column). Lower ``temperature`` concentrates every head.
    """

    n_tokens: int
    heads: tuple[str, ...] = TEXT_PATTERNS
    head_dim: int = 64
    batch: int = 1
    temperature: float = 1.0
    value_scale: float = 1.0
    window: int = 256
    sink_tokens: int = 4
    vertical_keys: int = 16
    slash_offset: int = 1024
    needles: int = 8
    needle_tokens: int = 32
    retrieval_block: int = 256
    seed: int = 0


def text_workload_generate(*, spec: TextWorkloadSpec) -> Workload:
    """Random q, k, v ``[B, H, N, d]`` whose heads follow the spec's patterns (deterministic in the seed)."""
    unknown = [p for p in spec.heads if p not in TEXT_PATTERNS]
    if unknown or not spec.heads:
        raise ValueError(f"unknown head patterns {unknown}; choose from {TEXT_PATTERNS}")
    if spec.n_tokens < 2 * spec.retrieval_block or spec.head_dim % 2 or spec.temperature <= 0:
        raise ValueError(f"need n_tokens >= 2 * retrieval_block, an even head_dim, temperature > 0: {spec}")
    if spec.needles * spec.needle_tokens > spec.retrieval_block:
        raise ValueError(f"the needles must fit in the first retrieval block: {spec}")
    return workload_assemble(spec=spec, head=lambda pattern, g: _text_head(pattern, spec, g))


def _text_head(pattern: str, spec: TextWorkloadSpec, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Queries and keys ``[N, d]`` of one head with the given pattern."""
    n, d = spec.n_tokens, spec.head_dim
    peak = 8.0 / spec.temperature
    pos = torch.arange(n).float()
    if pattern in ("local", "sink_local"):
        q, k = rbf_pair(pos, length=spec.window / 3.0, d=d, peak=peak, g=g)
        if pattern == "sink_local":
            u = _unit(d, g)
            q = q + u * _strength(peak, d) * 0.7
            k[: spec.sink_tokens] += u * _strength(peak, d) * 1.5
        return q, k
    if pattern == "vertical":
        u = _unit(d, g)
        q = torch.randn(n, d, generator=g) * 0.3 + u * _strength(peak, d)
        k = torch.randn(n, d, generator=g) * 0.3
        k[torch.randperm(n, generator=g)[: spec.vertical_keys]] = u * _strength(peak, d)
        return q, k
    if pattern == "slash":  # query i's features are key (i - offset)'s: one diagonal band `offset` back
        return rbf_pair(pos - spec.slash_offset, key_pos=pos, length=8.0, d=d, peak=peak, g=g)
    return _retrieval_head(spec, g, peak)


def _retrieval_head(
    spec: TextWorkloadSpec, g: torch.Generator, peak: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Needle spans in the first retrieval block; every later query block looks up one of them."""
    n, d, b = spec.n_tokens, spec.head_dim, spec.retrieval_block
    q = torch.randn(n, d, generator=g) * 0.3
    k = torch.randn(n, d, generator=g) * 0.3
    directions = torch.linalg.qr(torch.randn(d, d, generator=g))[0][:, : spec.needles].T  # orthonormal rows
    starts = torch.randperm(b // spec.needle_tokens, generator=g)[: spec.needles] * spec.needle_tokens
    for needle, start in enumerate(starts.tolist()):
        k[start : start + spec.needle_tokens] = directions[needle] * _strength(peak, d)
    lookups = torch.randint(0, spec.needles, (n // b,), generator=g)
    for block in range(1, n // b):
        q[block * b : (block + 1) * b] = directions[int(lookups[block])] * _strength(peak, d)
    return q, k


def _unit(d: int, g: torch.Generator) -> torch.Tensor:
    """A random unit vector."""
    u = torch.randn(d, generator=g)
    return u / u.norm()


def _strength(peak: float, d: int) -> float:
    """Norm of q and k along a shared direction giving logit q.k / sqrt(d) = peak."""
    return math.sqrt(peak) * d**0.25
