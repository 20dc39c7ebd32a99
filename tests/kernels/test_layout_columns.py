"""Specs for key-token columns in BlockLayout: validation, masks, densities and mass recall."""

import pytest
import torch

from kernels.layout import HEAD_FULL, HEAD_SKIP, HEAD_SPARSE, BlockLayout
from kernels.metrics import layout_density, mass_recall, reference_density
from kernels.reference import layout_token_mask

DIAGONAL = torch.eye(4, dtype=torch.bool).view(1, 1, 4, 4)  # 4 query blocks of 16 tokens, causal


def _columns(rows: list[list[int]], width: int = 3):
    counts = torch.tensor([[[len(r) for r in rows]]], dtype=torch.int32)
    idx = torch.zeros(1, 1, len(rows), width, dtype=torch.int32)
    for i, r in enumerate(rows):
        idx[0, 0, i, : len(r)] = torch.tensor(r, dtype=torch.int32)
    return counts, idx


def _layout(rows, **kw):
    counts, idx = _columns(rows)
    return BlockLayout.from_block_mask(
        DIAGONAL, block_size=(16, 16), causal=True, col_counts=counts, col_indices=idx, **kw
    )


@pytest.mark.parametrize(
    "rows,match",
    [
        ([[], [3, 3], [], []], "twice"),
        ([[], [70], [], []], r"\[0, 64\)"),
        ([[], [20], [], []], "inside one of the row's listed key blocks"),
        ([[], [40], [], []], "after the last query"),
        ([[-1], [], [], []], r"\[0, 64\)"),
    ],
)
def test_layout_columns_reject_invalid_tokens_by_name(rows, match):
    with pytest.raises(ValueError, match=match):
        _layout(rows)


def test_layout_columns_reject_counts_past_the_width_and_pooled_levels():
    counts, idx = _columns([[], [1], [], []])
    with pytest.raises(ValueError, match="col_counts"):
        BlockLayout.from_block_mask(DIAGONAL, block_size=(16, 16), col_counts=counts + 3, col_indices=idx)
    with pytest.raises(ValueError, match="pooled levels"):
        BlockLayout.from_level_map(
            DIAGONAL.to(torch.int8) * 2, block_size=(16, 16), col_counts=counts, col_indices=idx
        )
    with pytest.raises(ValueError, match="together"):
        BlockLayout.from_block_mask(DIAGONAL, block_size=(16, 16), col_counts=counts)


def test_layout_without_any_column_has_none():
    layout = _layout([[], [], [], []])
    assert not layout.has_columns and layout.col_counts is None


def test_layout_token_mask_adds_each_column_to_its_query_block_causally():
    layout = _layout([[], [5], [5, 31], [2]])
    mask = layout_token_mask(layout)[0, 0]
    blocks = layout_token_mask(BlockLayout.from_block_mask(DIAGONAL, block_size=(16, 16), causal=True))[0, 0]
    extra = mask & ~blocks
    assert torch.nonzero(extra[:, 5]).flatten().tolist() == list(range(16, 48))
    assert torch.nonzero(extra[:, 31]).flatten().tolist() == list(range(32, 48))  # 31 < every query there
    assert torch.nonzero(extra[:, 2]).flatten().tolist() == list(range(48, 64))
    assert int(extra.sum()) == 32 + 16 + 16


def test_layout_column_mask_keeps_only_sparse_heads():
    counts, idx = _columns([[], [5], [], []])
    two = (counts.repeat(1, 3, 1), idx.repeat(1, 3, 1, 1))
    modes = torch.tensor([[HEAD_SPARSE, HEAD_FULL, HEAD_SKIP]], dtype=torch.int8)
    layout = BlockLayout.from_block_mask(
        DIAGONAL.repeat(1, 3, 1, 1), block_size=(16, 16), causal=True, head_modes=modes,
        col_counts=two[0], col_indices=two[1],
    )  # fmt: skip
    assert layout.column_mask()[0, :, 1, 5].tolist() == [True, False, False]


def test_layout_densities_count_a_column_as_a_strip():
    layout = _layout([[], [5], [5, 31], [2]])
    assert layout_density(layout) == pytest.approx((4 + 4 / 16) / 10)  # 10 causal block pairs
    assert reference_density(layout) == pytest.approx((4 * 256 + 4 * 16) / (64 * 65 / 2))


def test_mass_recall_counts_the_mass_on_columns():
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(1, 1, 64, 8, generator=g), torch.randn(1, 1, 64, 8, generator=g)
    rows = [list(range(0, 16 * i)) for i in range(4)]  # every earlier token as a column: all the mass
    counts = torch.tensor([[[len(r) for r in rows]]], dtype=torch.int32)
    idx = torch.zeros(1, 1, 4, 48, dtype=torch.int32)
    for i, r in enumerate(rows):
        idx[0, 0, i, : len(r)] = torch.tensor(r, dtype=torch.int32)
    full = BlockLayout.from_block_mask(
        DIAGONAL, block_size=(16, 16), causal=True, col_counts=counts, col_indices=idx
    )
    assert mass_recall(q, k, full) == pytest.approx(1.0, abs=1e-6)
    assert mass_recall(q, k, _layout([[], [], [], []])) < 0.9
