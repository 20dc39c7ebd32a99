"""Specs for the harness measurements, each against an independent computation."""

import numpy as np
import pytest
import torch

from kernels.layout import BlockLayout
from kernels.metrics import attention_error, mass_recall


def test_attention_error_matches_numpy_formulas():
    g = torch.Generator().manual_seed(0)
    ref = torch.randn(2, 3, 8, 4, generator=g)
    out = ref + 0.1 * torch.randn(2, 3, 8, 4, generator=g)
    a, b = out.double().numpy().ravel(), ref.double().numpy().ravel()
    err = attention_error(out, ref)
    assert err.rel_l2 == pytest.approx(np.linalg.norm(a - b) / np.linalg.norm(b))
    assert err.cosine == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    assert err.rel_l1 == pytest.approx(np.abs(a - b).sum() / np.abs(b).sum())
    assert err.max_abs == pytest.approx(np.abs(a - b).max())


def test_attention_error_rejects_shape_mismatch_and_nan():
    with pytest.raises(ValueError, match="shape"):
        attention_error(torch.zeros(2), torch.zeros(3))
    with pytest.raises(ValueError, match="non-finite"):
        attention_error(torch.tensor([float("nan")]), torch.zeros(1))


@pytest.mark.parametrize("causal", [False, True])
def test_mass_recall_matches_full_softmax_matrix(causal):
    g = torch.Generator().manual_seed(1)
    q, k = torch.randn(1, 2, 128, 8, generator=g), torch.randn(1, 2, 128, 8, generator=g)
    mask = torch.rand(1, 2, 4, 4, generator=g) < 0.5
    layout = BlockLayout.from_block_mask(mask, block_size=(32, 32), causal=causal)
    s = q.double() @ k.double().transpose(-1, -2) / 8**0.5
    if causal:
        s = s.masked_fill(torch.ones(128, 128, dtype=torch.bool).triu(1), float("-inf"))
    p = torch.softmax(s, -1)
    keep = layout.block_mask().repeat_interleave(32, 2).repeat_interleave(32, 3)
    expected = float((p * keep).sum() / (2 * 128))
    assert mass_recall(q, k, layout, chunk_blocks=3) == pytest.approx(expected, rel=1e-5)


def test_mass_recall_is_one_for_every_block():
    q, k = torch.randn(1, 1, 64, 8), torch.randn(1, 1, 64, 8)
    layout = BlockLayout.from_block_mask(torch.ones(1, 1, 2, 2, dtype=torch.bool), block_size=(32, 32))
    assert mass_recall(q, k, layout) == pytest.approx(1.0, rel=1e-5)
