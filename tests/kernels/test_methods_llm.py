"""Specs for the long-context methods: vertical-slash, FlexPrefill, block top-k, Quest, SnapKV."""

import pytest
import torch

from kernels.api import sparse_attention
from kernels.methods.block_topk import BlockTopkParams, block_topk_build_layout
from kernels.methods.flexprefill import FlexPrefillParams, flexprefill_build_layout
from kernels.methods.quest import (
    QuestParams,
    quest_build_layout,
    quest_page_bounds,
    quest_page_scores,
    quest_step_attention,
    quest_step_select,
    quest_step_tokens,
)
from kernels.methods.snapkv import KvSelection, SnapKvParams, kv_selection_attention, snapkv_select
from kernels.methods.vertical_slash import VerticalSlashParams, vertical_slash_build_layout
from kernels.methods.vertical_slash_layout import columns_and_diagonals_layout
from kernels.metrics import attention_error
from kernels.reference import dense_attention_reference, layout_attention_reference, layout_token_mask


def _qkv(n=512, heads=4, kv_heads=2, d=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(1, heads, n, d, generator=g),
        torch.randn(1, kv_heads, n, d, generator=g),
        torch.randn(1, kv_heads, n, d, generator=g),
    )


@pytest.mark.parametrize("columns", ["strips", "blocks"])
def test_columns_and_diagonals_layout_covers_every_kept_token(columns):
    cols = torch.zeros(1, 1, 256, dtype=torch.bool)
    cols[..., [5, 130]] = True
    diags = torch.zeros(1, 1, 256, dtype=torch.bool)
    diags[..., [0, 70]] = True
    layout = columns_and_diagonals_layout(cols, diags, block=32, q_len=256, columns=columns)
    mask = layout_token_mask(layout)[0, 0]
    i, j = torch.meshgrid(torch.arange(256), torch.arange(256), indexing="ij")
    wanted = (cols[0, 0][j] | diags[0, 0][(i - j).clamp(0, 255)]) & (j <= i)
    assert bool(mask[wanted].all())
    assert not bool(mask[j > i].any())
    assert not bool(mask[200, 64])  # neither column, nor diagonal near 136
    assert bool(mask[200, 6]) == (columns == "blocks")  # beside column 5: only its whole block keeps it


def test_columns_and_diagonals_strips_are_exactly_the_columns_outside_diagonal_blocks():
    cols = torch.zeros(1, 1, 256, dtype=torch.bool)
    cols[..., [5, 130]] = True
    diags = torch.zeros(1, 1, 256, dtype=torch.bool)
    diags[..., 0] = True
    layout = columns_and_diagonals_layout(cols, diags, block=32, q_len=256)
    assert layout.block_mask()[0, 0].equal(torch.eye(8, dtype=torch.bool))
    counts = layout.col_counts[0, 0].tolist()
    assert counts == [0, 1, 1, 1, 1, 2, 2, 2]  # 5 from block 1 on (block 0 holds it), 130 from block 5
    assert layout.col_indices[0, 0, 7, :2].tolist() == [5, 130]


@pytest.mark.parametrize(
    "build,params",
    [
        (vertical_slash_build_layout, VerticalSlashParams(last_queries=64, n_vertical=32, n_slash=32)),
        (flexprefill_build_layout, FlexPrefillParams(last_queries=64, min_budget=32, alpha=0.3)),
        (block_topk_build_layout, BlockTopkParams(block_size=32, top_k=4)),
    ],
)
def test_prefill_layouts_are_causal_and_exact(build, params):
    q, k, v = _qkv()
    layout = build(q, k, params)
    assert layout.causal
    out = sparse_attention(q, k, v, layout)
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= 1e-5


@pytest.mark.parametrize(
    "build,params",
    [
        (vertical_slash_build_layout, VerticalSlashParams(last_queries=64, n_vertical=4, n_slash=64)),
        (flexprefill_build_layout, FlexPrefillParams(last_queries=64, min_budget=4, alpha=0.01)),
    ],
)
def test_vertical_slash_and_flexprefill_force_four_sink_columns_and_64_local_diagonals(build, params):
    q, k, _ = _qkv()
    layout = build(q, k, params)
    mask = layout_token_mask(layout)
    i, j = torch.meshgrid(torch.arange(512), torch.arange(512), indexing="ij")
    assert bool(mask[..., ((j < 4) | (i - j < 64)) & (j <= i)].all())
    assert layout.has_columns and int(layout.col_indices.max()) < 4  # the sinks are the only strips


@pytest.mark.parametrize("top_k", [3, 5])
def test_block_topk_forces_sink_diagonal_previous_inside_the_budget(top_k):
    q, k, _ = _qkv()
    blocks = block_topk_build_layout(q, k, BlockTopkParams(block_size=32, top_k=top_k)).block_mask()
    n = blocks.shape[2]
    for i in range(n):
        row = blocks[0, 0, i]
        assert row[0] and row[i] and (i == 0 or row[i - 1])
        assert int(row.sum()) == min(i + 1, top_k)
        assert not bool(row[i + 1 :].any())


def test_block_topk_defaults_are_the_sparse_frontier_config():
    assert (BlockTopkParams().block_size, BlockTopkParams().top_k) == (16, 64)
    with pytest.raises(ValueError, match="top_k >= 3"):
        BlockTopkParams(top_k=2)


def test_quest_bound_exceeds_every_key_score_and_keeps_current_page():
    q, k, v = _qkv()
    q1 = q[:, :, -1:]
    scores = quest_page_scores(q1, k, page_size=16)
    exact = (q1.view(1, 2, 2, 1, 16) @ k.view(1, 2, 1, 512, 16).transpose(-1, -2)).view(1, 2, 2, 32, 16)
    assert bool((scores.view(1, 2, 32, 1) >= exact.amax(-1).sum(2).view(1, 2, 32, 1) - 1e-4).all())
    layout = quest_build_layout(q1, k, QuestParams(page_size=16, token_budget=64))
    assert layout.kv_num_blocks.flatten().tolist() == [5] * 4
    assert bool(layout.block_mask()[..., -1].all())
    out = sparse_attention(q1, k, v, layout)
    assert attention_error(out, layout_attention_reference(q1, k, v, layout)).rel_l2 <= 1e-5


@pytest.mark.parametrize("adaptive", [False, True])
def test_snapkv_keeps_sink_recent_and_budget(adaptive):
    q, k, v = _qkv()
    params = SnapKvParams(capacity=64, window=32, recent=16, sink=4, adaptive=adaptive)
    sel = snapkv_select(q, k, params)
    assert bool(sel.keep[..., :4].all()) and bool(sel.keep[..., -16:].all())
    assert int(sel.keep.sum()) == 2 * 64
    if not adaptive:
        assert sel.keep.sum(-1).tolist() == [[64, 64]]
    else:
        assert int(sel.keep.sum(-1).min()) >= max(int(64 * 0.2), 20)
    q1 = q[:, :, -1:]
    mask = sel.keep.repeat_interleave(2, dim=1).unsqueeze(2)
    out = kv_selection_attention(q1, k, v, sel)
    assert attention_error(out, dense_attention_reference(q1, k, v, mask)).rel_l2 <= 1e-5


def test_kv_selection_attention_rejects_wrong_shape():
    q, k, v = _qkv()
    with pytest.raises(ValueError, match="selection"):
        kv_selection_attention(q[:, :, -1:], k, v, KvSelection(keep=torch.ones(1, 1, 8, dtype=torch.bool)))


def test_quest_step_keeps_budget_pages_then_the_current_page_cut_at_the_query():
    q, k, v = _qkv()
    params = QuestParams(page_size=16, token_budget=64)
    bounds = quest_page_bounds(k, page_size=16)
    position = 16 * 20 + 6
    q1 = q[:, :, position : position + 1]
    pages = quest_step_select(q1, bounds, position=position, params=params)
    assert pages.shape == (1, 2, 5) and bool((pages[..., -1] == 20).all())
    assert bool((pages[..., :-1] < 20).all())
    scores = quest_page_scores(q1, k[:, :, : 20 * 16], page_size=16)
    assert torch.equal(pages[..., :-1].sort(-1).values, scores.topk(4, dim=-1).indices.sort(-1).values)
    tokens = quest_step_tokens(pages, position=position, page_size=16)
    assert tokens.shape == (1, 2, 4 * 16 + 7) and int(tokens.max()) == position
    out = quest_step_attention(q1, k, v, tokens)
    mask = torch.zeros(1, 2, position + 1, dtype=torch.bool).scatter_(-1, tokens, True)
    ref = dense_attention_reference(
        q1, k[:, :, : position + 1], v[:, :, : position + 1], mask.repeat_interleave(2, dim=1).unsqueeze(2)
    )
    assert attention_error(out, ref).rel_l2 <= 1e-5


def test_quest_step_attention_reads_a_cache_view_inside_a_larger_buffer_as_the_contiguous_cache():
    q, k, v = _qkv()
    buffers = [torch.zeros(2, 2, 2 * k.shape[2], k.shape[3]) for _ in range(2)]  # a batch of 2, grown cache
    for buffer, x in zip(buffers, (k, v), strict=True):
        buffer[:, :, : x.shape[2]] = x
    k2, v2 = (buffer[:, :, : k.shape[2]] for buffer in buffers)
    assert not k2.is_contiguous()
    position = 16 * 20 + 6
    q2 = q[:, :, position : position + 1].expand(2, -1, -1, -1)
    pages = quest_step_select(q2, quest_page_bounds(k2[:, :, : 20 * 16], page_size=16), position=position,
                              params=QuestParams(page_size=16, token_budget=64))  # fmt: skip
    tokens = quest_step_tokens(pages, position=position, page_size=16)
    assert torch.equal(quest_step_attention(q2, k2, v2, tokens),
                       quest_step_attention(q2, k2.contiguous(), v2.contiguous(), tokens))  # fmt: skip


def test_quest_step_keeps_every_page_of_a_cache_within_its_budget():
    q, k, _ = _qkv()
    bounds = quest_page_bounds(k, page_size=16)
    pages = quest_step_select(q[:, :, 70:71], bounds, position=70, params=QuestParams(token_budget=1024))
    assert pages.shape == (1, 2, 5) and pages.sort(-1).values.tolist() == [[[0, 1, 2, 3, 4]] * 2]
    assert quest_step_tokens(pages, position=70, page_size=16).sort(-1).values.tolist() == [
        [list(range(71))] * 2
    ]
