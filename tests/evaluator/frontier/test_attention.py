"""The frontier model's attention under a method: counted cells and outputs against dense references."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from evaluator.benchmarks.frontier.attention import ERROR_ROWS, MethodAttention, error_rows, layout_cells
from evaluator.benchmarks.frontier.decode_errors import STEPS_PER_PASS
from evaluator.benchmarks.frontier.submission import submission_parse
from kernels.harness import method_params
from kernels.layout import BlockLayout
from kernels.metrics import layout_density, reference_density


def _attention(config: dict) -> MethodAttention:
    submission, problems = submission_parse(config=config)
    assert not problems
    params = None if submission.method is None else method_params(submission.method, geometry=None)
    return MethodAttention(submission=submission, params=params)


def _qkv(n: int, *, heads: int = 4, kv_heads: int = 2, d: int = 16, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(1, heads, n, d, generator=g)
    return q, torch.randn(1, kv_heads, n, d, generator=g), torch.randn(1, kv_heads, n, d, generator=g)


def _layout_with_columns(seed: int) -> BlockLayout:
    """A causal 4 x 4 block layout of 64-token blocks with a few key-token columns per row."""
    g = torch.Generator().manual_seed(seed)
    blocks = (torch.rand(1, 2, 4, 4, generator=g) < 0.5) | torch.eye(4, dtype=torch.bool)
    counts = torch.zeros(1, 2, 4, dtype=torch.int32)
    cols = torch.zeros(1, 2, 4, 3, dtype=torch.int32)
    for h in range(2):
        for i in range(1, 4):
            free = [t for t in range(i * 64) if not blocks[0, h, i, t // 64]]
            pick = free[:: max(1, len(free) // 3)][:3]
            counts[0, h, i] = len(pick)
            cols[0, h, i, : len(pick)] = torch.tensor(pick, dtype=torch.int32)
    return BlockLayout.from_block_mask(
        blocks, block_size=(64, 64), causal=True, col_counts=counts, col_indices=cols
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_layout_cells_equal_the_kernels_densities_when_every_row_is_real(seed):
    layout = _layout_with_columns(seed)
    executed, tiles, causal = layout_cells(layout, rows=256)
    assert executed / tiles == pytest.approx(layout_density(layout))
    assert executed / causal == pytest.approx(reference_density(layout))


def test_layout_cells_count_only_the_query_blocks_that_hold_real_rows():
    layout = _layout_with_columns(3)
    executed, tiles, causal = layout_cells(layout, rows=129)  # rows 0-128: three query blocks
    assert tiles == 2 * (1 + 2 + 3) * 64 * 64 and causal == 2 * 129 * 130 / 2
    real = layout.kv_num_blocks[:, :, :3].sum() * 64 * 64 + layout.col_counts[:, :, :3].sum() * 64
    assert executed == float(real)


def test_dense_prefill_and_decode_count_every_causal_cell():
    attention = _attention({"method": "dense"})
    q, k, v = _qkv(200)
    out = attention.prefill(q, k, v, layer=0)
    assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True))
    attention.decode(q[:, :, -1:], k, v, layer=0, position=199)
    assert attention.tally.density == 1.0 and attention.tally.calls == 2


def test_a_layout_method_that_keeps_every_block_equals_dense_attention_on_unpadded_rows():
    attention = _attention({"method": "block_topk", "params": {"top_k": 64}})
    q, k, v = _qkv(300)
    out = attention.prefill(q, k, v, layer=0)
    dense = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    assert out.shape == dense.shape and torch.allclose(out, dense, atol=1e-5)
    assert attention.tally.density == pytest.approx(1.0)


def test_a_sparse_layout_method_counts_fewer_cells_than_dense():
    attention = _attention({"method": "block_topk", "params": {"top_k": 4}})
    q, k, v = _qkv(1000)
    attention.prefill(q, k, v, layer=0)
    assert 0.0 < attention.tally.density < 0.5
    assert 0.0 < attention.tally.density_reference < 0.6


def test_quest_with_a_budget_over_the_cache_equals_dense_decode():
    attention = _attention({"method": "quest", "params": {"token_budget": 4096}})
    q, k, v = _qkv(257)
    out = attention.decode(q[:, :, -1:], k, v, layer=0, position=256)
    dense = F.scaled_dot_product_attention(q[:, :, -1:], k, v, enable_gqa=True)
    assert torch.allclose(out, dense, atol=1e-6) and attention.tally.density == 1.0


def test_quest_keeps_its_page_bounds_as_pages_fill_and_selects_as_if_recomputed_each_step():
    config = {"method": "quest", "params": {"token_budget": 64, "page_size": 16}}
    kept, fresh = _attention(config), _attention(config)
    for seed in (0, 1):  # a second prompt after reset: bounds of its own cache, none of the first's
        kept.reset()
        q, k, v = _qkv(300, seed=seed)
        for position in range(250, 300):  # pages 15 to 18 complete along the way
            cut = (q[:, :, position : position + 1], k[:, :, : position + 1], v[:, :, : position + 1])
            fresh.reset()  # no kept bounds: computed from the whole cache
            expected = fresh.decode(*cut, layer=2, position=position)
            assert torch.equal(kept.decode(*cut, layer=2, position=position), expected)
            assert kept.bounds[2].kmin.shape[2] == (position + 1) // 16
    whole = fresh.bounds[2]
    assert torch.equal(kept.bounds[2].kmin, whole.kmin) and torch.equal(kept.bounds[2].kmax, whole.kmax)
    assert kept.tally.calls == fresh.tally.calls == 100 and kept.tally.computed == fresh.tally.computed


def test_snapkv_decodes_over_the_tokens_it_kept_after_the_prompt():
    attention = _attention({"method": "snapkv", "params": {"capacity": 160}})
    q, k, v = _qkv(400)
    attention.prefill(q[:, :, :399], k[:, :, :399], v[:, :, :399], layer=3)
    keep = attention.kept[3].keep
    assert int(keep.sum(-1).max()) == 160
    out = attention.decode(q[:, :, -1:], k, v, layer=3, position=399)
    mask = torch.cat([keep, torch.ones(1, 2, 1, dtype=torch.bool)], dim=-1)
    mask = mask.repeat_interleave(2, dim=1).unsqueeze(2)
    k4, v4 = k.repeat_interleave(2, 1), v.repeat_interleave(2, 1)
    expected = F.scaled_dot_product_attention(q[:, :, -1:], k4, v4, attn_mask=mask)
    assert torch.allclose(out, expected, atol=1e-6)
    assert attention.tally.density == pytest.approx(float(mask.double().mean()))
    assert 160 / 400 < attention.tally.density < 162 / 400


def _reference_rel_l2(out, q, k, v, *, causal: bool, rows: torch.Tensor | None = None) -> float:
    """Relative L2 of `out` against a float64 softmax reference written here (GQA expanded, causal mask),
    over the query `rows` (all when None)."""
    k64, v64 = (x.double().repeat_interleave(q.shape[1] // k.shape[1], dim=1) for x in (k, v))
    scores = q.double() @ k64.transpose(-1, -2) / q.shape[-1] ** 0.5
    if causal:
        n = q.shape[2]
        scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    ref = torch.softmax(scores, dim=-1) @ v64
    if rows is not None:
        out, ref = out[:, :, rows], ref[:, :, rows]
    return float((out.double() - ref).norm() / ref.norm())


@pytest.mark.parametrize("top_k, sparse", [(4, True), (64, False)], ids=["sparse", "every-block"])
def test_a_prefill_call_adds_its_error_against_dense_attention_when_measured(top_k, sparse):
    attention = _attention({"method": "block_topk", "params": {"top_k": top_k}})
    attention.measure_error = True
    q, k, v = _qkv(1000)
    out = attention.prefill(q, k, v, layer=0)
    rows = error_rows(1000)
    expected = _reference_rel_l2(out, q, k, v, causal=True, rows=rows)
    assert attention.tally.errors == 1
    assert attention.tally.rel_l2 == pytest.approx(expected, rel=1e-3, abs=1e-6)
    assert (attention.tally.rel_l2 > 0.01) is sparse  # keeping every block: dense attention's output


def test_decode_steps_add_their_errors_when_flushed_and_unmeasured_calls_add_none():
    attention = _attention({"method": "quest", "params": {"token_budget": 64}})
    q, k, v = _qkv(520)
    attention.decode(q[:, :, -1:], k, v, layer=0, position=519)
    assert attention.tally.errors == 0 and attention.tally.rel_l2 is None
    attention.measure_error = True
    errors = []
    positions = range(440, 520)  # more steps than one batched reference pass takes
    for position in positions:
        for layer in (0, 1):
            out = attention.decode(q[:, :, position : position + 1], k[:, :, : position + 1],
                                   v[:, :, : position + 1], layer=layer, position=position)  # fmt: skip
            errors.append(_reference_rel_l2(out, q[:, :, position : position + 1], k[:, :, : position + 1],
                                            v[:, :, : position + 1], causal=False))  # fmt: skip
    assert attention.tally.errors == 0  # kept until the sample ends
    attention.errors_flush()
    assert len(positions) > STEPS_PER_PASS and attention.tally.errors == len(errors)
    assert attention.tally.calls == len(errors) + 1
    assert attention.tally.rel_l2 == pytest.approx(sum(errors) / len(errors), rel=1e-4) and min(errors) > 0.01
    attention.errors_flush()  # nothing kept: nothing added
    assert attention.tally.errors == len(errors)


def test_a_reset_forgets_unflushed_decode_steps():
    attention = _attention({"method": "quest", "params": {"token_budget": 64}})
    attention.measure_error = True
    q, k, v = _qkv(300)
    attention.decode(q[:, :, -1:], k, v, layer=0, position=299)
    attention.reset()
    attention.errors_flush()
    assert attention.tally.errors == 0


def test_error_rows_span_the_prompt_evenly_from_the_first_to_the_last_row():
    assert torch.equal(error_rows(100), torch.arange(100))
    rows = error_rows(4096)
    assert len(rows) == ERROR_ROWS == len(set(rows.tolist()))
    assert rows[0] == 0 and rows[-1] == 4095
    gaps = rows.diff()
    assert int(gaps.min()) >= 15 and int(gaps.max()) <= 17


def test_the_row_sampled_error_is_close_to_the_whole_prompts_on_the_models_inputs():
    from sb_frontier import sample_cached

    from evaluator.benchmarks.frontier.hooks import CapturingDense
    from evaluator.benchmarks.frontier.model.protocol import model_answer
    from evaluator.benchmarks.frontier.model.wired import WiredModel
    from evaluator.benchmarks.frontier.tokenizer import tokenizer_frontier

    capture = CapturingDense()
    model = WiredModel(tokenizer=tokenizer_frontier())
    model_answer(model=model, sample=sample_cached("ruler_niah", 0, 2048), attention=capture.prefill,
                 decode_attention=capture.decode)  # fmt: skip
    sampled, whole = [], []
    for layer, (q, k, v) in sorted(capture.prompt.items()):
        attention = _attention({"method": "block_topk", "params": {"top_k": 4}})
        attention.measure_error = True
        out = attention.prefill(q, k, v, layer=layer)
        sampled.append(attention.tally.rel_l2)
        whole.append(_reference_rel_l2(out, q, k, v, causal=True))
    assert all(s > 0.01 for s in sampled)
    for s, w in zip(sampled, whole, strict=True):
        assert s == pytest.approx(w, rel=0.25), (sampled, whole)
    assert sum(sampled) / len(sampled) == pytest.approx(sum(whole) / len(whole), rel=0.1), (sampled, whole)
