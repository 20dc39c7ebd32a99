"""Specs: every backend equals the float64 dense reference for every layout feature."""

import warnings

import pytest
import torch
from sb_columns import random_columns

from kernels.api import sparse_attention
from kernels.backends.cpu import cpu_sparse_attention
from kernels.layout import BlockLayout
from kernels.metrics import attention_error
from kernels.reference import dense_attention_reference, layout_attention_reference, layout_token_mask

TOL = 1e-5
BLOCKS = [(64, 64), (64, 32), (32, 64)]


def _qkv(seed, b=2, h=4, n=256, d=16, kv_heads=None):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(b, h, n, d, generator=g)
    k = torch.randn(b, kv_heads or h, n, d, generator=g)
    v = torch.randn(b, kv_heads or h, n, d, generator=g)
    return q, k, v


def _layouts(bs, seed):
    g = torch.Generator().manual_seed(seed)
    nq, nk = 256 // bs[0], 256 // bs[1]
    rand = torch.rand(2, 4, nq, nk, generator=g) < 0.4
    i = torch.arange(nq).view(-1, 1) * bs[0] // bs[1]
    band = ((i - torch.arange(nk).view(1, -1)).abs() <= 1).expand(2, 4, nq, nk)
    stripe = torch.zeros(2, 4, nq, nk, dtype=torch.bool)
    stripe[..., [0, 2, 3]] = True
    modes = torch.randint(0, 3, (2, 4), generator=g)
    perm = torch.randperm(256, generator=g)
    return {
        "random": BlockLayout.from_block_mask(rand, block_size=bs),
        "random-causal": BlockLayout.from_block_mask(rand, block_size=bs, causal=True),
        "band": BlockLayout.from_block_mask(band, block_size=bs),
        "band-causal": BlockLayout.from_block_mask(band, block_size=bs, causal=True),
        "stripe": BlockLayout.from_block_mask(stripe, block_size=bs),
        "levels": BlockLayout.from_level_map(torch.randint(0, 5, (2, 4, nq, nk), generator=g), block_size=bs),
        "head-modes": BlockLayout.from_block_mask(rand, block_size=bs, causal=True, head_modes=modes),
        "permuted": BlockLayout.from_block_mask(rand, block_size=bs, token_perm=perm),
        "columns": _with_columns(rand, bs, causal=False, seed=seed),
        "columns-causal": _with_columns(rand, bs, causal=True, seed=seed),
        "columns-head-modes": _with_columns(rand, bs, causal=True, seed=seed, head_modes=modes),
        "columns-permuted": _with_columns(rand, bs, causal=False, seed=seed, token_perm=perm),
        "columns-only": _with_columns(torch.zeros_like(rand), bs, causal=True, seed=seed),
    }


def _with_columns(mask, bs, *, causal, seed, kv_offset=0, **kw):
    counts, idx = random_columns(mask, block_size=bs, causal=causal, kv_offset=kv_offset, seed=seed)
    return BlockLayout.from_block_mask(
        mask, block_size=bs, causal=causal, kv_offset=kv_offset, col_counts=counts, col_indices=idx, **kw
    )


@pytest.mark.parametrize(
    "backend,bs", [(b, bs) for b in ("native", "cpu") for bs in BLOCKS] + [("flex", (64, 32))]
)
def test_sparse_attention_equals_float64_reference_for_every_layout_kind(backend, bs):
    q, k, v = _qkv(1)
    for name, layout in _layouts(bs, 2).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = sparse_attention(q, k, v, layout, backend=backend)
        err = attention_error(out, layout_attention_reference(q, k, v, layout))
        assert err.rel_l2 <= TOL, (name, err)


@pytest.mark.parametrize("backend", ["native", "cpu", "flex"])
@pytest.mark.parametrize("kind", ["random-causal", "columns-causal"])
def test_sparse_attention_supports_grouped_query_heads(backend, kind):
    q, k, v = _qkv(3, kv_heads=2)
    layout = _layouts((64, 64), 4)[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = sparse_attention(q, k, v, layout, backend=backend)
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL


@pytest.mark.parametrize("backend", ["native", "cpu", "flex"])
def test_sparse_attention_columns_with_queries_shorter_than_keys(backend):
    g = torch.Generator().manual_seed(15)
    q = torch.randn(1, 2, 128, 16, generator=g)
    k, v = torch.randn(1, 2, 256, 16, generator=g), torch.randn(1, 2, 256, 16, generator=g)
    layout = _with_columns(
        torch.rand(1, 2, 4, 8, generator=g) < 0.3, (32, 32), causal=True, seed=16, kv_offset=128
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = sparse_attention(q, k, v, layout, backend=backend)
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL


def test_sparse_attention_keeping_every_block_equals_dense():
    q, k, v = _qkv(5)
    layout = BlockLayout.from_block_mask(torch.ones(2, 4, 4, 4, dtype=torch.bool), block_size=(64, 64))
    assert (
        attention_error(sparse_attention(q, k, v, layout), dense_attention_reference(q, k, v)).rel_l2 <= TOL
    )
    causal = BlockLayout.from_block_mask(
        torch.ones(2, 4, 4, 4, dtype=torch.bool), block_size=(64, 64), causal=True
    )
    ref = torch.nn.functional.scaled_dot_product_attention(q.double(), k.double(), v.double(), is_causal=True)
    assert attention_error(sparse_attention(q, k, v, causal), ref).rel_l2 <= TOL


def test_sparse_attention_token_mask_reference_agrees_in_original_order():
    q, k, v = _qkv(6)
    layout = _layouts((64, 64), 7)["permuted"]
    ref = dense_attention_reference(q, k, v, layout_token_mask(layout))
    assert attention_error(sparse_attention(q, k, v, layout), ref).rel_l2 <= TOL


def test_sparse_attention_all_level_one_pyramid_equals_block_sparse():
    q, k, v = _qkv(8)
    mask = torch.rand(2, 4, 4, 4, generator=torch.Generator().manual_seed(9)) < 0.5
    plain = BlockLayout.from_block_mask(mask, block_size=(64, 64))
    pyramid = BlockLayout.from_level_map(mask.to(torch.int8), block_size=(64, 64))
    assert torch.allclose(sparse_attention(q, k, v, plain), sparse_attention(q, k, v, pyramid), atol=1e-6)


def test_sparse_attention_rejects_mismatched_shapes():
    q, k, v = _qkv(10)
    layout = BlockLayout.from_block_mask(torch.ones(2, 4, 2, 2, dtype=torch.bool), block_size=(64, 64))
    with pytest.raises(ValueError, match="q shape"):
        sparse_attention(q, k, v, layout)
    with pytest.raises(ValueError, match="backend"):
        sparse_attention(q, k, v, _layouts((64, 64), 1)["random"], backend="tpu")


@pytest.mark.parametrize("name", ["levels", "random-causal", "stripe", "head-modes"])
def test_cpu_backend_many_small_tasks_on_several_workers_match_one_worker(name):
    q, k, v = _qkv(11)
    layout = _layouts((32, 64), 12)[name]
    one = cpu_sparse_attention(q, k, v, layout, threads=1, chunk_bytes=1)
    many = cpu_sparse_attention(q, k, v, layout, threads=3, chunk_bytes=1)
    assert torch.allclose(one, many, atol=1e-6)
    assert attention_error(many, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL


@pytest.mark.parametrize("bs", [(64, 64), (32, 64), (128, 64)])
@pytest.mark.parametrize("causal", [False, True])
def test_cpu_backend_folds_small_query_blocks_exactly(bs, causal):
    from kernels.backends.cpu_fold import layout_fold

    g = torch.Generator().manual_seed(13)
    q, k, v = (torch.randn(1, 2, 1024, 16, generator=g) for _ in range(3))
    nq, nk = 1024 // bs[0], 1024 // bs[1]
    i = torch.arange(nq).view(-1, 1) * bs[0] // bs[1]
    band = ((i - torch.arange(nk).view(1, -1)).abs() <= 8).expand(1, 2, nq, nk).clone()
    extra = (torch.rand(1, 2, 1, nk, generator=g) < 0.3).to(torch.int8) * (
        not causal
    )  # same level down a column
    levels = band.to(torch.int8) * (1 + extra)
    layout = BlockLayout.from_level_map(levels, block_size=bs, causal=causal)
    assert layout_fold(layout) is not None
    out = cpu_sparse_attention(q, k, v, layout)
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL
    plain = cpu_sparse_attention(q, k, v, layout, fold=False)
    assert torch.allclose(out, plain, atol=1e-5)


@pytest.mark.parametrize("causal", [False, True])
def test_sparse_attention_queries_shorter_than_keys_align_to_the_end(causal):
    g = torch.Generator().manual_seed(14)
    q = torch.randn(1, 2, 256, 32, generator=g)
    k, v = torch.randn(1, 2, 512, 32, generator=g), torch.randn(1, 2, 512, 32, generator=g)
    mask = torch.rand(1, 2, 4, 8, generator=g) < 0.5
    layout = BlockLayout.from_block_mask(mask, block_size=(64, 64), causal=causal, kv_offset=256)
    assert layout.kv_offset == 256
    out = sparse_attention(q, k, v, layout)
    assert attention_error(out, layout_attention_reference(q, k, v, layout)).rel_l2 <= TOL


def test_sparse_attention_runs_in_bfloat16_within_its_precision():
    q, k, v = _qkv(15)
    layout = _layouts((64, 64), 16)["levels"]
    out = sparse_attention(q.bfloat16(), k.bfloat16(), v.bfloat16(), layout)
    assert out.dtype == torch.bfloat16
    assert attention_error(out.float(), layout_attention_reference(q, k, v, layout)).rel_l2 <= 2e-2
