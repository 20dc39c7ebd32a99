"""Specs for the estimation steps of the long-context methods, against float64 references."""

from __future__ import annotations

import math

import pytest
import torch

from kernels.methods.common import last_query_probs
from kernels.methods.quest import quest_page_bounds, quest_page_scores
from kernels.methods.vertical_slash import vertical_slash_scores


def reference_probs(q, k, *, last, causal) -> torch.Tensor:
    """Float64 softmax of the last queries over all keys; query i sits at key position i + (N_k - N_q)."""
    n_q, n_k = q.shape[2], k.shape[2]
    last = min(last, n_q)
    k = k.double().repeat_interleave(q.shape[1] // k.shape[1], dim=1)
    s = q[:, :, n_q - last :].double() @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if causal:
        pos = torch.arange(n_q - last, n_q)[:, None] + (n_k - n_q)
        s = s.masked_fill(torch.arange(n_k)[None, :] > pos, float("-inf"))
    return torch.softmax(s, dim=-1)


@pytest.mark.parametrize(
    "n_q,n_k,last,causal,kv_heads",
    [(512, 512, 64, True, 2), (128, 512, 64, True, 4), (96, 96, 128, True, 4), (512, 384, 32, False, 1)],
)
def test_last_query_probs_equal_a_float64_softmax(n_q, n_k, last, causal, kv_heads):
    g = torch.Generator().manual_seed(n_q + n_k)
    q = torch.randn(2, 4, n_q, 16, generator=g)
    k = torch.randn(2, kv_heads, n_k, 16, generator=g)
    got = last_query_probs(q=q, k=k, last=last, causal=causal)
    assert got.shape == (2, 4, min(last, n_q), n_k)
    assert torch.allclose(got.double(), reference_probs(q, k, last=last, causal=causal), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("n_q,n_k", [(512, 512), (256, 512)])
def test_vertical_slash_scores_sum_columns_and_diagonals(n_q, n_k):
    g = torch.Generator().manual_seed(7)
    q = torch.randn(1, 2, n_q, 16, generator=g)
    k = torch.randn(1, 2, n_k, 16, generator=g)
    vertical, slash = vertical_slash_scores(q, k, last=48)
    p = reference_probs(q, k, last=48, causal=True)
    assert torch.allclose(vertical.double(), p.sum(2), atol=1e-5)
    expected = torch.zeros(1, 2, n_k, dtype=torch.float64)
    for i in range(48):
        pos = n_q - 48 + i + (n_k - n_q)
        for offset in range(pos + 1):  # key pos - offset, offsets 0 (the query's own key) to pos
            expected[..., offset] += p[:, :, i, pos - offset]
    assert torch.allclose(slash.double(), expected, atol=1e-5)


@pytest.mark.parametrize("n_decode,kv_heads", [(1, 2), (16, 4), (8, 1)])
def test_quest_page_scores_equal_the_elementwise_bound_in_float64(n_decode, kv_heads):
    g = torch.Generator().manual_seed(n_decode)
    q = torch.randn(1, 4, n_decode, 16, generator=g)
    k = torch.randn(1, kv_heads, 256, 16, generator=g)
    pages = k.double().view(1, kv_heads, 16, 16, 16)  # [B, H_kv, page, token, d]
    kmin, kmax = pages.amin(3), pages.amax(3)
    qg = q.double().view(1, kv_heads, 4 // kv_heads, n_decode, 1, 16)
    expected = torch.maximum(qg * kmin[:, :, None, None], qg * kmax[:, :, None, None]).sum(-1).sum((2, 3))
    got = quest_page_scores(q, k, page_size=16)
    assert torch.allclose(got.double(), expected, atol=1e-4, rtol=1e-5)
    bounds = quest_page_bounds(k, page_size=16)
    assert torch.equal(quest_page_scores(q, k, page_size=16, bounds=bounds), got)
