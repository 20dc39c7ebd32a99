"""Specs for the sampled block importance shared by PSA and BLADE: float64 reference, token order, GQA."""


import pytest
import torch
from sb_ci import skip_now_unless_ci

from kernels.backends.native.build import native_unavailable_reason
from kernels.methods.common import block_sample_positions
from kernels.methods.psa import sampled_block_importance


def _require_native():
    """Skip when the compiled kernel cannot build here, except under CI=true, where it must."""
    skip_now_unless_ci(native_unavailable_reason())


def _importance_reference(q, k, *, block, samples, perm=None):
    """Float64 softmax of all sampled scores per row, then max over each (query block, key block) tile."""
    n_b = q.shape[2] // block
    pos = block_sample_positions(n_blocks=n_b, block=block, samples=samples)
    if perm is not None:
        pos = perm[pos]
    if k.shape[1] != q.shape[1]:
        k = k.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
    qs, ks = q[:, :, pos].double(), k[:, :, pos].double()
    p = torch.softmax(qs @ ks.transpose(-1, -2) / q.shape[-1] ** 0.5, dim=-1)
    b, h = q.shape[:2]
    return p.view(b, h, n_b, samples, n_b, samples).amax(dim=(3, 5))


def _qk(seed, *, b=2, h=4, kv_heads=4, n=512, d=16):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, h, n, d, generator=g) * 2, torch.randn(b, kv_heads, n, d, generator=g) * 2


@pytest.mark.parametrize("native", [True, False], ids=["native", "torch"])
@pytest.mark.parametrize("chunk_bytes", [1, 1 << 12, 1 << 21])
def test_sampled_importance_equals_float64_reference_for_any_chunking(chunk_bytes, native):
    if native:
        _require_native()
    q, k = _qk(0)
    got = sampled_block_importance(q, k, block=64, samples=16, chunk_bytes=chunk_bytes, native=native)
    ref = _importance_reference(q, k, block=64, samples=16)
    assert torch.allclose(got.double(), ref, rtol=1e-5, atol=1e-9)


def test_sampled_importance_samples_tokens_in_the_given_order():
    q, k = _qk(1)
    perm = torch.randperm(512, generator=torch.Generator().manual_seed(2))
    got = sampled_block_importance(q, k, block=64, samples=16, token_perm=perm)
    ref = _importance_reference(q, k, block=64, samples=16, perm=perm)
    assert torch.allclose(got.double(), ref, rtol=1e-5)
    permuted = sampled_block_importance(q[:, :, perm], k[:, :, perm], block=64, samples=16)
    assert torch.allclose(got, permuted, rtol=1e-5)
    assert not torch.allclose(got, sampled_block_importance(q, k, block=64, samples=16), rtol=1e-2)


@pytest.mark.parametrize("native", [True, False], ids=["native", "torch"])
def test_sampled_importance_repeats_key_heads_for_grouped_queries(native):
    if native:
        _require_native()
    q, k = _qk(3, kv_heads=2)
    got = sampled_block_importance(q, k, block=64, samples=8, native=native)
    ref = _importance_reference(q, k, block=64, samples=8)
    assert torch.allclose(got.double(), ref, rtol=1e-5, atol=1e-9)
