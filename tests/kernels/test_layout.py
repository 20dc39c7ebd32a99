"""Specs for BlockLayout construction, validation and density."""

import pytest
import torch

from kernels.layout import HEAD_FULL, HEAD_SKIP, BlockLayout
from kernels.metrics import layout_density


def test_layout_from_block_mask_round_trips_the_mask():
    mask = torch.rand(2, 3, 4, 8) < 0.5
    layout = BlockLayout.from_block_mask(mask, block_size=(64, 32))
    assert torch.equal(layout.block_mask(), mask)
    assert layout.q_len == 256 and layout.kv_len == 256
    assert torch.equal(layout.kv_num_blocks, mask.sum(-1).int())


def test_layout_from_kv_blocks_rejects_out_of_range_index():
    num = torch.tensor([[[1]]], dtype=torch.int32)
    idx = torch.tensor([[[[5, 0]]]], dtype=torch.int32)
    with pytest.raises(ValueError, match="kv_indices"):
        BlockLayout.from_kv_blocks(num, idx, block_size=(16, 16))


def test_layout_from_kv_blocks_rejects_duplicate_blocks():
    num = torch.tensor([[[2]]], dtype=torch.int32)
    idx = torch.tensor([[[[1, 1]]]], dtype=torch.int32)
    with pytest.raises(ValueError, match="twice"):
        BlockLayout.from_kv_blocks(num, idx, block_size=(16, 16))


def test_layout_causal_rejects_future_blocks_and_mask_builder_drops_them():
    num = torch.tensor([[[2, 2]]], dtype=torch.int32)
    idx = torch.tensor([[[[0, 1], [0, 1]]]], dtype=torch.int32)
    with pytest.raises(ValueError, match="after its query block"):
        BlockLayout.from_kv_blocks(num, idx, block_size=(16, 16), causal=True)
    layout = BlockLayout.from_block_mask(
        torch.ones(1, 1, 2, 2, dtype=torch.bool), block_size=(16, 16), causal=True
    )
    assert layout.kv_num_blocks.tolist() == [[[1, 2]]]


def test_layout_density_counts_levels_heads_and_causal_pairs():
    level_map = torch.tensor([[[[1, 2], [3, 0]]]], dtype=torch.int8)
    layout = BlockLayout.from_level_map(level_map, block_size=(16, 16))
    assert layout_density(layout) == pytest.approx((1 + 0.5 + 0.25) / 4)
    modes = torch.tensor([[HEAD_FULL, HEAD_SKIP]], dtype=torch.int8)
    two = BlockLayout.from_block_mask(
        torch.zeros(1, 2, 2, 2, dtype=torch.bool), block_size=(8, 8), head_modes=modes
    )
    assert layout_density(two) == pytest.approx(0.5)
    causal = BlockLayout.from_block_mask(
        torch.ones(1, 1, 4, 4, dtype=torch.bool), block_size=(8, 8), causal=True
    )
    assert layout_density(causal) == pytest.approx(1.0)


def test_layout_rejects_level_finer_than_block():
    with pytest.raises(ValueError, match="divisible"):
        BlockLayout.from_level_map(torch.full((1, 1, 1, 1), 4, dtype=torch.int8), block_size=(4, 4))


def test_layout_rejects_non_permutation():
    with pytest.raises(ValueError, match="permutation"):
        BlockLayout.from_block_mask(
            torch.ones(1, 1, 2, 2, dtype=torch.bool),
            block_size=(4, 4),
            token_perm=torch.zeros(8, dtype=torch.long),
        )
