"""Heads with few distinct queries: a prefix softmax per query, against float64 attention."""

from __future__ import annotations

import pytest
import torch

from evaluator.benchmarks.frontier.model import distinct
from evaluator.benchmarks.frontier.model.distinct import DISTINCT_SHARE, distinct_attention, distinct_queries


def attention64(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal softmax attention [N, d] in float64 written out."""
    n = q.shape[0]
    scores = q.double() @ k.double().T * q.shape[-1] ** -0.5
    later = torch.ones(n, n, dtype=torch.bool).triu(1)
    return torch.softmax(scores.masked_fill(later, float("-inf")), dim=-1) @ v.double()


def rel(out: torch.Tensor, ref: torch.Tensor) -> float:
    """Relative L2 difference."""
    return float((out.double() - ref).norm() / ref.norm())


def few_queries(n: int, *, distinct: int, scale: float, seed: int = 0):
    """q [n, 32] drawn from `distinct` rows (scaled: sharper softmax), k and v [n, 32]."""
    g = torch.Generator().manual_seed(seed)
    rows = torch.randn(distinct, 32, generator=g) * scale
    q = rows[torch.randint(0, distinct, (n,), generator=g)]
    return q, torch.randn(n, 32, generator=g), torch.randn(n, 32, generator=g)


@pytest.mark.parametrize(("n", "distinct", "block"), [(1, 1, 64), (50, 3, 64), (64, 4, 64), (1000, 20, 64),
                                                      (777, 40, 16), (2048, 128, 64)])  # fmt: skip
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_distinct_attention_equals_dense_causal_softmax(n, distinct, block, scale):
    q, k, v = few_queries(n, distinct=distinct, scale=scale)
    few = distinct * DISTINCT_SHARE <= n
    found = distinct_queries(q) if few else torch.unique(q, dim=0, return_inverse=True)
    assert found is not None
    rows, inverse = found
    assert torch.equal(rows[inverse], q)
    out = distinct_attention(rows, inverse, k, v, scale=32**-0.5, block=block)
    assert out.shape == (n, 32) and rel(out, attention64(q, k, v)) < 2e-6


def test_too_many_distinct_queries_are_refused():
    q, _, _ = few_queries(1600, distinct=200, scale=1.0)
    assert distinct_queries(q) is None  # 200 > 1600 / 16
    assert distinct_queries(torch.randn(1600, 32)) is None


def test_queries_sharing_a_grouping_key_are_still_told_apart(monkeypatch):
    monkeypatch.setattr(distinct, "_row_keys", lambda q: torch.zeros(q.shape[0], dtype=torch.long))
    q = torch.tensor([[0.0, 0.0, 0.0], [3.0, -2.0, 0.0]]).repeat(40, 1)
    rows, inverse = distinct.distinct_queries(q)  # one key, two rows: sorted apart
    assert rows.shape[0] == 2 and torch.equal(rows[inverse], q)
    k, v = torch.randn(80, 3), torch.randn(80, 3)
    assert rel(distinct_attention(rows, inverse, k, v, scale=1.0), attention64(q * 3**0.5, k, v)) < 2e-6
