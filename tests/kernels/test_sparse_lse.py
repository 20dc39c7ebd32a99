"""Specs for sparse_attention's optional log-sum-exp output (what ASA_G's merge needs)."""

import math

import pytest
import torch
from sb_ci import skip_now_unless_ci

from kernels.api import sparse_attention
from kernels.backends.native.build import native_unavailable_reason
from kernels.layout import HEAD_FULL, BlockLayout


def _lse_reference(q, k, layout):
    """Float64 log-sum-exp per query over every level's pooled, biased logits (layout token order)."""
    perm = layout.token_perm
    q, k = q[:, :, perm].double(), k[:, :, perm].double()
    b_q, b_k = layout.block_size
    lm = layout.level_map()
    parts = []
    for h in range(1, 5):
        pool = 2 ** (h - 1)
        kp = k.unflatten(2, (-1, pool)).mean(3)
        block = (lm == h).repeat_interleave(b_q, dim=2).repeat_interleave(b_k // pool, dim=3)
        s = q @ kp.transpose(-1, -2) / math.sqrt(q.shape[-1]) + (h - 1) * math.log(2.0)
        parts.append(s.masked_fill(~block, float("-inf")))
    return torch.logsumexp(torch.cat(parts, -1), -1)[:, :, torch.argsort(perm)]


@pytest.mark.parametrize("backend", ["native", "cpu", "flex"])
def test_sparse_attention_returns_the_log_sum_exp_of_its_pooled_levels(backend):
    if backend == "native":
        skip_now_unless_ci(native_unavailable_reason())
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 2, 512, 32, generator=g) for _ in range(3))
    levels = torch.randint(0, 5, (1, 2, 4, 8), generator=g)
    levels[0, 0, 1] = 0  # a query block with no key: -inf
    perm = torch.randperm(512, generator=g)
    layout = BlockLayout.from_level_map(levels, block_size=(128, 64), token_perm=perm)
    lse = torch.empty(1, 2, 512)
    out = sparse_attention(q, k, v, layout, backend=backend, lse_out=lse)
    ref = _lse_reference(q, k, layout)
    assert torch.allclose(lse.double(), ref, rtol=1e-5, atol=1e-5)
    assert torch.equal(out, sparse_attention(q, k, v, layout, backend=backend))


def test_sparse_attention_refuses_a_log_sum_exp_for_full_heads():
    layout = BlockLayout.from_level_map(
        torch.ones(1, 1, 2, 2, dtype=torch.int8), block_size=(64, 64), head_modes=torch.tensor([[HEAD_FULL]])
    )
    q = torch.randn(1, 1, 128, 16)
    with pytest.raises(ValueError, match="all sparse"):
        sparse_attention(q, q, q, layout, backend="cpu", lse_out=torch.empty(1, 1, 128))
