"""Compact projections: the same numbers as the dense weight matrices, on the model's real weights."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest
import torch
from sb_frontier import sample_cached

from evaluator.benchmarks.frontier import tokenizer_frontier
from evaluator.benchmarks.frontier.model import WiredModel
from evaluator.benchmarks.frontier.model.compact import CompactLayer, CompactMap, compact_map, index_runs


@cache
def model() -> WiredModel:
    """The default model, built once."""
    return WiredModel(tokenizer=tokenizer_frontier())


def dense_map(w: torch.Tensor, bias: torch.Tensor | None = None) -> CompactMap:
    """A map that keeps every row and column: a plain `x @ w + bias`."""
    return CompactMap(rows=torch.arange(w.shape[0]), cols=torch.arange(w.shape[1]), block=w, bias=bias,
                      width=w.shape[1])


@pytest.mark.parametrize("tokens", [5, 40], ids=["few-tokens-block", "many-tokens"])
@pytest.mark.parametrize("zeros", [0.5, 0.97], ids=["block", "entries"])
def test_compact_map_matches_the_dense_product_in_float64(tokens, zeros):
    torch.manual_seed(0)
    w = torch.randn(40, 30, dtype=torch.float64)
    w[torch.rand(40, 30) < zeros] = 0
    w[3] = 0
    w[:, 7] = 0
    bias = torch.randn(30, dtype=torch.float64)
    x = torch.randn(2, tokens, 40, dtype=torch.float64)
    m = compact_map(w, bias)
    assert 3 not in m.rows.tolist() and 7 not in m.cols.tolist()
    assert (m.entries is not None) is (zeros > 0.9)  # at most ENTRIES_PER_ROW non-zeros per used row
    assert torch.allclose(m.apply(x), x @ w + bias, atol=1e-12)
    base = torch.randn(2, tokens, 30, dtype=torch.float64)
    into = base.clone()
    m.add_into(into, x)
    assert torch.allclose(into, base + x @ w + bias, atol=1e-12)


def test_compact_map_drops_an_all_zero_bias():
    w = torch.eye(4)
    assert compact_map(w, torch.zeros(4)).bias is None
    x = torch.arange(8.0).view(2, 4)
    assert torch.equal(compact_map(w).apply(x), x)


def test_model_weights_are_mostly_zero_and_compact_keeps_every_nonzero():
    for lw, cl in zip(model().weights.layers, model().compact, strict=True):
        for w, m in ((lw.w_qkv, cl.qkv), (lw.w_out, cl.out)):
            assert m.block.numel() < 0.5 * w.numel()
            assert int((m.block != 0).sum()) == int((w != 0).sum())
        assert cl.qkv.entries is None and len(cl.out.entries.values) == int((lw.w_out != 0).sum())


def test_model_logits_match_full_matmuls():
    tok = tokenizer_frontier()
    text = sample_cached("ruler_niah", 0, 1024).prompt
    ids = torch.tensor([[tok.token_id(token="<bos>")] + tok.encode(text=text)])[:, :600]
    compact = model().forward(ids=ids)
    full = WiredModel(tokenizer=tok)
    full.compact = tuple(
        CompactLayer(qkv=dense_map(lw.w_qkv, lw.b_qkv), out=dense_map(lw.w_out)) for lw in full.weights.layers
    )
    reference = full.forward(ids=ids)
    assert (compact - reference).abs().max() < 1e-3
    assert torch.equal(compact.argmax(-1), reference.argmax(-1))


def test_compact_layer_moves_to_a_device_unchanged():
    layer = model().compact[0]
    moved = layer.to("cpu")
    assert dataclasses.is_dataclass(moved) and torch.equal(moved.qkv.block, layer.qkv.block)


def test_index_runs_are_the_consecutive_stretches_of_an_index():
    assert index_runs(torch.tensor([0, 1, 2, 5, 7, 8])) == ((0, 3), (5, 6), (7, 9))
    assert index_runs(torch.tensor([4])) == ((4, 5),) and index_runs(torch.tensor([], dtype=torch.long)) == ()


def test_a_prompt_through_the_runs_of_slices_gives_the_index_gathers_numbers():
    torch.manual_seed(0)
    for layer in model().compact:
        x = torch.randn(1, 40, model().weights.layout.d_model)
        by_index = dataclasses.replace(layer.qkv, row_runs=None, col_runs=None)
        assert layer.qkv.row_runs is not None and torch.equal(layer.qkv.apply(x), by_index.apply(x))
