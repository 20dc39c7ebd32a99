"""A reference method called through the sandbox gives the direct harness path's figures."""

from __future__ import annotations

import pytest
import torch
from sb_sandbox import sandbox_start

from evaluator.sandbox.measure import code_method_measure
from kernels.harness import method_measure
from kernels.method_config import MethodConfig


def test_code_method_measure_matches_the_direct_block_topk_path():
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, 2, 256, 32) for _ in range(3))
    direct = method_measure(MethodConfig("block_topk", {"block_size": 16, "top_k": 4}), q=q, k=k, v=v,
                            repeats=1, backend="cpu")  # fmt: skip
    method = sandbox_start("block_topk_reference")
    try:
        coded = code_method_measure(method=method, q=q, k=k, v=v, causal=True, block_size=(16, 16),
                                    layer=0, repeats=1, backend="cpu")  # fmt: skip
    finally:
        method.close()
    assert coded.method == "code"
    assert coded.density == direct.density
    assert coded.density_reference == direct.density_reference
    assert coded.mass_recall == pytest.approx(direct.mass_recall, rel=1e-12)
    assert coded.rel_l2 == pytest.approx(direct.rel_l2, rel=1e-9, abs=1e-12)
    assert coded.estimator.median_ms > 0
