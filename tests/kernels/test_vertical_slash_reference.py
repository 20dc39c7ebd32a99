"""Specs: vertical-slash and FlexPrefill keep what a slow float64 reading of the released code keeps."""


import pytest
import torch
from sb_slow_vertical_slash import selection_densities, slow_flexprefill, slow_vertical_slash

from kernels.methods.flexprefill import FlexPrefillParams, flexprefill_build_layout
from kernels.methods.vertical_slash import VerticalSlashParams, vertical_slash_build_layout
from kernels.metrics import layout_density, reference_density
from kernels.workloads_text import TextWorkloadSpec, text_workload_generate

N, BLOCK = 512, 64


def _inputs(kind: str):
    if kind == "random":
        g = torch.Generator().manual_seed(5)
        return torch.randn(1, 4, N, 32, generator=g), torch.randn(1, 2, N, 32, generator=g)
    spec = TextWorkloadSpec(
        n_tokens=N, head_dim=32, window=64, slash_offset=200, retrieval_block=128, needle_tokens=16
    )
    work = text_workload_generate(spec=spec)
    return work.q, work.k


def _selection(layout):
    blocks = layout.block_mask()
    bsz, heads, n_q, _ = layout.shape
    out = {}
    for b in range(bsz):
        for h in range(heads):
            for i in range(n_q):
                count = 0 if layout.col_counts is None else int(layout.col_counts[b, h, i])
                strips = sorted(layout.col_indices[b, h, i, :count].tolist())
                out[(b, h, i)] = (torch.nonzero(blocks[b, h, i]).flatten().tolist(), strips)
    return out


CASES = {
    "vertical_slash": (
        lambda q, k: vertical_slash_build_layout(
            q, k, VerticalSlashParams(last_queries=64, n_vertical=40, n_slash=70)
        ),
        lambda q, k: slow_vertical_slash(
            q, k, last=64, n_vertical=40, n_slash=70, sink=4, local=64, block=BLOCK
        ),
    ),
    "flexprefill": (
        lambda q, k: flexprefill_build_layout(
            q, k, FlexPrefillParams(last_queries=96, min_budget=8, alpha=0.1)
        ),
        lambda q, k: slow_flexprefill(q, k, last=96, alpha=0.1, min_budget=8, sink=4, local=64, block=BLOCK),
    ),
}


@pytest.mark.parametrize("method", list(CASES))
@pytest.mark.parametrize("kind", ["random", "structured"])
def test_fast_layout_keeps_the_slow_float64_selection_and_density(method, kind):
    q, k = _inputs(kind)
    fast_build, slow_build = CASES[method]
    layout = fast_build(q, k)
    slow = slow_build(q, k)
    assert _selection(layout) == slow
    flop, cells = selection_densities(slow, n=N, block=BLOCK, heads=q.shape[1])
    assert layout_density(layout) == pytest.approx(flop, rel=1e-12)
    assert reference_density(layout) == pytest.approx(cells, rel=1e-12)
    assert any(strips for _, strips in slow.values())  # the inputs do exercise the strips
