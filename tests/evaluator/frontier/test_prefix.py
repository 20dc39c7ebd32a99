"""Causal attention of constant-query heads as one prefix softmax, against float64 dense attention."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from evaluator.benchmarks.frontier.model.prefix import constant_query_heads, prefix_attention
from evaluator.benchmarks.frontier.model.prompt_attention import causal_attention


def dense64(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float | None = None) -> torch.Tensor:
    """Causal softmax attention in float64 written out (GQA expanded; scale 1/sqrt(d) by default)."""
    group = q.shape[1] // k.shape[1]
    k64, v64 = (x.double().repeat_interleave(group, dim=1) for x in (k, v))
    scores = q.double() @ k64.transpose(-1, -2) * (q.shape[-1] ** -0.5 if scale is None else scale)
    n = q.shape[2]
    scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v64


def rel(out: torch.Tensor, ref: torch.Tensor) -> float:
    """Relative L2 difference."""
    return float((out.double() - ref).norm() / ref.norm())


@pytest.mark.parametrize("n", [1, 100, 128, 300, 517])
@pytest.mark.parametrize("block", [16, 128])
def test_prefix_attention_equals_dense_causal_softmax(n, block):
    g = torch.Generator().manual_seed(n)
    q_row = torch.randn(3, 32, generator=g) * 3  # sharp scores: a few keys dominate
    k, v = torch.randn(3, n, 32, generator=g), torch.randn(3, n, 32, generator=g)
    out = prefix_attention(q_row, k, v, scale=32**-0.5, block=block)
    q = q_row[:, None, None, :].expand(3, 1, n, 32).transpose(0, 1)
    ref = dense64(q, k[None], v[None])[0]
    assert out.shape == (3, n, 32) and rel(out, ref) < 1e-5


def test_a_late_dominant_key_and_huge_score_gaps_stay_finite_and_exact():
    n, d = 600, 16
    k = torch.randn(1, n, d)
    k[0, 450] = 40.0  # a score far above every earlier one: rows before it must not underflow
    k[0, 5] = -40.0
    q_row = torch.ones(1, d)
    v = torch.randn(1, n, d)
    out = prefix_attention(q_row, k, v, scale=1.0, block=64)
    ref = dense64(q_row[:, None, None].expand(1, 1, n, d), k[None], v[None], scale=1.0)[0]
    assert torch.isfinite(out).all() and rel(out, ref) < 1e-5


def test_causal_attention_mixes_constant_and_varying_heads_like_dense_gqa():
    g = torch.Generator().manual_seed(0)
    bsz, heads, kv_heads, n, d = 2, 8, 2, 333, 32
    q = torch.randn(bsz, heads, n, d, generator=g)
    for h in (0, 3, 5, 6):  # constant over positions (each batch row its own)
        q[:, h] = torch.randn(bsz, 1, d, generator=g) * 2
    k, v = torch.randn(bsz, kv_heads, n, d, generator=g), torch.randn(bsz, kv_heads, n, d, generator=g)
    assert constant_query_heads(q).tolist() == [h in (0, 3, 5, 6) for h in range(heads)]
    out = causal_attention(q, k, v)
    assert rel(out, dense64(q, k, v)) < 1e-5
    sdpa = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    assert rel(out, sdpa.double()) < 1e-5


def test_a_head_constant_in_one_batch_row_only_is_not_constant():
    q = torch.randn(2, 1, 10, 4)
    q[0, 0] = q[0, 0, :1]
    assert not constant_query_heads(q).any()
    q[1, 0] = q[1, 0, :1]
    assert constant_query_heads(q).all()
