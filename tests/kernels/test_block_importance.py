"""Specs for the block importance PSA and BLADE share: the released estimator against a float64 reference."""

import pytest
import torch
from sb_ci import skip_now_unless_ci
from sb_video_reference import importance_reference

from kernels.backends.native.build import native_unavailable_reason
from kernels.methods.importance import sample_offsets, sampled_block_importance, sampled_positions


def _require_native():
    """Skip when the compiled kernel cannot build here, except under CI=true, where it must."""
    skip_now_unless_ci(native_unavailable_reason())


def _qk(seed, *, b=2, h=4, kv_heads=4, n=512, d=16, scale=2.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, h, n, d, generator=g) * scale, torch.randn(b, kv_heads, n, d, generator=g) * scale


SHAPES = [(64, 64, 16, 16), (128, 32, 32, 8), (128, 128, 32, 32)]


@pytest.mark.parametrize("native", [True, False], ids=["native", "torch"])
@pytest.mark.parametrize("chunk_bytes", [1, 1 << 21])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_block_importance_equals_float64_reference(shape, chunk_bytes, native):
    if native:
        _require_native()
    block_q, block_k, samples_q, samples_k = shape
    q, k = _qk(0)
    kw = {"block_q": block_q, "block_k": block_k, "samples_q": samples_q, "samples_k": samples_k, "seed": 7}
    got = sampled_block_importance(q, k, chunk_bytes=chunk_bytes, native=native, **kw)
    assert torch.allclose(got.double(), importance_reference(q, k, **kw), rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("native", [True, False], ids=["native", "torch"])
def test_block_importance_on_structured_inputs_finds_the_hot_block(native):
    if native:
        _require_native()
    q, k = _qk(1, b=1, h=1, kv_heads=1, scale=0.1)
    u = torch.randn(16, generator=torch.Generator().manual_seed(9))
    q[0, 0, :64] += u  # the queries of block 0 and the keys of block 4 share a direction
    k[0, 0, 256:320] += u
    kw = {"block_q": 64, "block_k": 64, "samples_q": 16, "samples_k": 16, "seed": 3}
    got = sampled_block_importance(q, k, native=native, **kw)
    assert torch.allclose(got.double(), importance_reference(q, k, **kw), rtol=1e-5, atol=1e-9)
    assert int(got[0, 0, 0].argmax()) == 4


def test_block_importance_samples_tokens_in_the_given_order():
    q, k = _qk(1)
    perm = torch.randperm(512, generator=torch.Generator().manual_seed(2))
    kw = {"block_q": 64, "block_k": 64, "samples_q": 16, "samples_k": 16, "seed": 5}
    got = sampled_block_importance(q, k, token_perm=perm, **kw)
    assert torch.allclose(got.double(), importance_reference(q, k, perm=perm, **kw), rtol=1e-5)
    permuted = sampled_block_importance(q[:, :, perm], k[:, :, perm], **kw)
    assert torch.allclose(got, permuted, rtol=1e-5)


@pytest.mark.parametrize("native", [True, False], ids=["native", "torch"])
def test_block_importance_shares_key_heads_among_grouped_queries(native):
    if native:
        _require_native()
    q, k = _qk(3, kv_heads=2)
    kw = {"block_q": 64, "block_k": 32, "samples_q": 16, "samples_k": 8, "seed": 1}
    got = sampled_block_importance(q, k, native=native, **kw)
    assert torch.allclose(got.double(), importance_reference(q, k, **kw), rtol=1e-5, atol=1e-9)


def test_block_importance_is_fixed_by_the_seed():
    q, k = _qk(4)
    kw = {"block_q": 64, "block_k": 64, "samples_q": 16, "samples_k": 16}
    first = sampled_block_importance(q, k, seed=11, **kw)
    assert torch.equal(first, sampled_block_importance(q, k, seed=11, **kw))
    assert not torch.allclose(first, sampled_block_importance(q, k, seed=12, **kw))


def test_sample_offsets_are_distinct_in_range_and_shared_by_every_block():
    offs = sample_offsets(rows=6, block=32, samples=8, generator=torch.Generator().manual_seed(0))
    assert offs.shape == (6, 8) and int(offs.min()) >= 0 and int(offs.max()) < 32
    assert all(len(set(r.tolist())) == 8 for r in offs)
    q_pos, k_pos = sampled_positions(
        rows=3, n_tokens=256, block_q=128, block_k=32, samples_q=32, samples_k=8, seed=0
    )
    assert q_pos.shape == (3, 64) and k_pos.shape == (3, 64)
    assert torch.equal(q_pos[:, 32:] - 128, q_pos[:, :32])  # the same offsets in every block
    assert torch.equal(k_pos.view(3, 8, 8) % 32, (k_pos[:, :8] % 32).unsqueeze(1).expand(3, 8, 8))
    assert not torch.equal(k_pos[0], k_pos[1])  # drawn per head


def test_sample_offsets_refuse_more_samples_than_the_block_holds():
    with pytest.raises(ValueError, match="129"):
        sample_offsets(rows=1, block=128, samples=129, generator=torch.Generator())
