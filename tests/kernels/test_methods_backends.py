"""Every method's layout, run on every CPU-testable backend, equals the float64 reference of that layout."""

from __future__ import annotations

import pytest
import torch
from sb_method_cases import CASES, method_case_inputs

from kernels.api import sparse_attention
from kernels.methods import LAYOUT_METHODS
from kernels.metrics import attention_error
from kernels.reference import layout_attention_reference


def test_method_cases_cover_every_layout_method():
    assert {method for method, _ in CASES} == set(LAYOUT_METHODS)


@pytest.mark.parametrize("backend", ["native", "cpu", "flex"])
@pytest.mark.parametrize("method,settings", CASES)
def test_every_method_on_every_backend_equals_float64_reference(method, settings, backend):
    queries, k, v, layout = method_case_inputs(method, settings)
    blocks = layout.block_mask()
    assert 0 < int(blocks.sum()) < blocks.numel() or layout.head_modes is not None
    out = sparse_attention(queries, k, v, layout, backend=backend)
    assert out.dtype == torch.float32
    assert attention_error(out, layout_attention_reference(queries, k, v, layout)).rel_l2 <= 1e-5
