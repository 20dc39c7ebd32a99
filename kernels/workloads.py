"""Synthetic structured attention workloads on a (frames, height, width) token grid plus text tokens."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from kernels.workloads_text import TextWorkloadSpec

PATTERNS = ("diagonal", "multi_diagonal", "vertical_stripe", "full")


@dataclass(frozen=True)
class WorkloadSpec:
    """Shape and head patterns of a synthetic workload (tokens frame-major, text tokens last).

    ``heads`` names each head's pattern: "diagonal" attends to its own frame and its neighbours
    in the sequence, "multi_diagonal" to the same in-frame position in every frame,
    "vertical_stripe" to a few shared key tokens, "full" to random keys anywhere. Lower
    ``temperature`` makes every head more concentrated.
    """

    frames: int
    height: int
    width: int
    text_tokens: int = 0
    heads: tuple[str, ...] = PATTERNS
    head_dim: int = 64
    batch: int = 1
    temperature: float = 1.0
    value_scale: float = 1.0
    stripe_keys: int = 8
    seed: int = 0

    @property
    def frame_tokens(self) -> int:
        """Tokens per frame."""
        return self.height * self.width

    @property
    def video_tokens(self) -> int:
        """Tokens of the video grid."""
        return self.frames * self.frame_tokens

    @property
    def n_tokens(self) -> int:
        """All tokens, video then text."""
        return self.video_tokens + self.text_tokens


@dataclass(frozen=True)
class Workload:
    """Queries, keys and values ``[B, H, N, d]`` with the spec that made them."""

    q: torch.Tensor
    k: torch.Tensor
    v: torch.Tensor
    spec: WorkloadSpec | TextWorkloadSpec


def workload_generate(*, spec: WorkloadSpec) -> Workload:
    """Random q, k, v whose heads follow the spec's patterns (deterministic in ``spec.seed``)."""
    if min(spec.frames, spec.height, spec.width, spec.head_dim, spec.batch) < 1 or spec.text_tokens < 0:
        raise ValueError(f"bad workload sizes in {spec}")
    if spec.temperature <= 0:
        raise ValueError(f"temperature must be positive, got {spec.temperature}")
    unknown = [p for p in spec.heads if p not in PATTERNS]
    if unknown or not spec.heads:
        raise ValueError(f"unknown head patterns {unknown}; choose from {PATTERNS}")
    if spec.head_dim % 2:
        raise ValueError(f"head_dim must be even, got {spec.head_dim}")
    return workload_assemble(spec=spec, head=lambda pattern, g: _head(pattern, spec, g))


def workload_assemble(*, spec, head: Callable[[str, torch.Generator], tuple[torch.Tensor, torch.Tensor]]):
    """q and k of every (batch, head) from ``head(pattern, generator)``, then random values, all drawn
    from one generator seeded with ``spec.seed`` (any spec with batch, heads, n_tokens, head_dim,
    value_scale and seed)."""
    g = torch.Generator().manual_seed(spec.seed)
    qs, ks = [], []
    for _ in range(spec.batch):
        for pattern in spec.heads:
            q, k = head(pattern, g)
            qs.append(q)
            ks.append(k)
    shape = (spec.batch, len(spec.heads), spec.n_tokens, spec.head_dim)
    v = torch.randn(shape, generator=g) * spec.value_scale
    return Workload(q=torch.stack(qs).view(shape), k=torch.stack(ks).view(shape), v=v, spec=spec)


def _head(pattern: str, spec: WorkloadSpec, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Queries and keys ``[N, d]`` of one head with the given pattern."""
    d, n_video, ft = spec.head_dim, spec.video_tokens, spec.frame_tokens
    peak = 8.0 / spec.temperature  # logit gap between the attended keys and the rest
    if pattern == "diagonal":
        q, k = rbf_pair(torch.arange(n_video).float(), length=ft / 3.0, d=d, peak=peak, g=g)
    elif pattern == "multi_diagonal":
        pos = (torch.arange(n_video) % ft).float()
        q, k = rbf_pair(pos, length=max(1.0, ft / 64.0), d=d, peak=peak, g=g)
    elif pattern == "vertical_stripe":
        u = torch.randn(d, generator=g)
        u = u / u.norm()
        q = torch.randn(n_video, d, generator=g) * 0.3 + u * math.sqrt(peak) * d**0.25
        k = torch.randn(n_video, d, generator=g) * 0.3
        cols = torch.randperm(n_video, generator=g)[: spec.stripe_keys]
        k[cols] = u * math.sqrt(peak) * d**0.25
    else:
        scale = math.sqrt(peak / 4.0) * d**0.25 / math.sqrt(d) ** 0.5
        q = torch.randn(n_video, d, generator=g) * scale
        k = torch.randn(n_video, d, generator=g) * scale
    text_q = torch.randn(spec.text_tokens, d, generator=g) * 0.5
    text_k = torch.randn(spec.text_tokens, d, generator=g) * 0.5
    return torch.cat([q, text_q]), torch.cat([k, text_k])


def rbf_pair(
    pos: torch.Tensor,
    *,
    length: float,
    d: int,
    peak: float,
    g: torch.Generator,
    key_pos: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random Fourier features: q_i.k_j/sqrt(d) ~ peak * exp(-(pos_i - key_pos_j)^2 / (2 length^2)).

    Queries sit at ``pos``, keys at ``key_pos`` (default: the same positions)."""
    omega = torch.randn(d // 2, generator=g) / length

    def feats(at: torch.Tensor) -> torch.Tensor:
        phase = at.view(-1, 1) * omega.view(1, -1)
        return torch.cat([torch.cos(phase), torch.sin(phase)], dim=1) / math.sqrt(d // 2)

    scale = math.sqrt(peak) * d**0.25
    return feats(pos) * scale, feats(pos if key_pos is None else key_pos) * scale
