"""Child of test_native_avx2_build: every compiled kernel, built for AVX2 alone, against its reference."""

import numpy as np
import torch

from evaluator.metrics import native_ops
from evaluator.metrics.lpips import lpips_network, pair_tensor
from evaluator.metrics.ssim import ssim_map
from kernels.api import sparse_attention
from kernels.layout import BlockLayout
from kernels.methods.importance import sampled_block_importance
from kernels.metrics import attention_error
from kernels.reference import layout_attention_reference


def main() -> None:
    """Raise AssertionError on the first kernel that disagrees with its reference."""
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 2, 512, 64, generator=g) for _ in range(3))
    levels = torch.randint(0, 4, (1, 2, 4, 8), generator=g)
    for layout in (
        BlockLayout.from_level_map(levels, block_size=(128, 64)),
        BlockLayout.from_block_mask(levels > 0, block_size=(128, 64), causal=True),
    ):
        out = sparse_attention(q, k, v, layout, backend="native")
        err = attention_error(out, layout_attention_reference(q, k, v, layout))
        assert err.rel_l2 <= 1e-5, err
    kw = {"block_q": 128, "block_k": 32, "samples_q": 32, "samples_k": 8, "seed": 0}
    fast = sampled_block_importance(q, k, **kw)
    plain = sampled_block_importance(q, k, native=False, **kw)
    assert torch.allclose(fast, plain, rtol=1e-5, atol=1e-9)
    rng = np.random.default_rng(1)
    a = rng.random((60, 70, 3))
    b = np.clip(a + 0.1 * rng.standard_normal(a.shape), 0, 1)
    assert np.abs(ssim_map(a, b) - ssim_map(a, b, native=False)).max() <= 1e-12
    net = lpips_network()
    with torch.inference_mode():
        plain_lpips = float(net.pair_distance(pair_tensor(a, b))[0])
        batch = native_ops.lpips_input_native(a, b, shift=net.shift, scale=net.scale)
        compiled = float(net.scaled_pair_distance(batch, passes=native_ops.COMPILED_PASSES)[0])
    assert abs(compiled - plain_lpips) <= 1e-6 * max(plain_lpips, 1e-3), (compiled, plain_lpips)
    print("avx2 build ok")


if __name__ == "__main__":
    main()
