"""Specs for the video methods: Sparse-vDiT modes, search and fusion; PSA levels; BLADE budgets."""

import dataclasses

import pytest
import torch

from kernels.api import sparse_attention
from kernels.layout import BlockLayout
from kernels.methods.blade import BladeParams, blade_build_layout
from kernels.methods.psa import PsaParams, psa_build_layout
from kernels.methods.vdit import (
    VditParams,
    vdit_attention,
    vdit_build_layout,
    vdit_groups_density,
    vdit_plan_layouts,
    vdit_search_heads,
)
from kernels.metrics import attention_error, layout_density
from kernels.reference import layout_attention_reference, layout_token_mask
from kernels.workloads import WorkloadSpec, workload_generate

SPEC = WorkloadSpec(
    frames=8, height=8, width=16, text_tokens=128, head_dim=32, value_scale=8.0, stripe_keys=2
)
PARAMS = VditParams(frames=8, frame_tokens=128, text_tokens=128, stripe_blocks=2)


@pytest.fixture(scope="module")
def work():
    return workload_generate(spec=SPEC)


def test_vdit_search_assigns_known_modes_to_synthetic_heads(work):
    result = vdit_search_heads(work.q, work.k, work.v, params=PARAMS)
    assert result.modes[:3] == ("diagonal", "multi_diagonal", "vertical_stripe")
    assert result.output.shape == work.q.shape


def test_vdit_search_keeps_full_when_every_loss_exceeds_epsilon(work):
    result = vdit_search_heads(work.q, work.k, work.v, params=PARAMS, eps=0.0)
    assert result.modes == ("full",) * 4
    assert torch.allclose(
        result.output, torch.nn.functional.scaled_dot_product_attention(work.q, work.k, work.v)
    )


def test_vdit_search_takes_the_callers_dense_output(work):
    """The given dense output is the reference the losses are taken against: SDPA's own gives the same
    search, a zero one makes skipping free (negative control)."""
    own = vdit_search_heads(work.q, work.k, work.v, params=PARAMS)
    sdpa = torch.nn.functional.scaled_dot_product_attention(work.q, work.k, work.v)
    given = vdit_search_heads(work.q, work.k, work.v, params=PARAMS, dense=sdpa)
    assert given.modes == own.modes
    for mode, losses in own.losses.items():
        assert given.losses[mode] == pytest.approx(losses, rel=1e-6, abs=1e-9)
    zero = vdit_search_heads(work.q, work.k, work.v, params=PARAMS, dense=torch.zeros_like(sdpa))
    assert zero.modes == ("skip",) * 4
    with pytest.raises(ValueError, match="dense output shape"):
        vdit_search_heads(work.q, work.k, work.v, params=PARAMS, dense=sdpa[:, :1])


def test_vdit_every_mode_layout_matches_reference(work):
    for mode in ("full", "skip", "diagonal", "multi_diagonal", "vertical_stripe"):
        layout = vdit_build_layout(work.q, work.k, dataclasses.replace(PARAMS, mode=mode))
        out = sparse_attention(work.q, work.k, work.v, layout, backend="cpu")
        ref = layout_attention_reference(work.q, work.k, work.v, layout)
        assert attention_error(out, ref).rel_l2 <= 1e-5, mode
        if mode == "skip":
            assert not out.any()


def test_vdit_multi_diagonal_keeps_same_position_in_other_frames(work):
    layout = vdit_build_layout(work.q, work.k, dataclasses.replace(PARAMS, mode="multi_diagonal"))
    mask = layout_token_mask(layout)[0, 0]
    query = 3 * 128 + 40  # frame 3, position 40
    assert all(bool(mask[query, f * 128 + 40]) for f in range(8))
    assert not bool(mask[query, 3 * 128 + 127])  # far position in the same frame is not kept


def test_vdit_head_fusion_matches_per_mode_calls_and_weights_density(work):
    modes = ("diagonal", "skip", "diagonal", "full")
    groups = vdit_plan_layouts(work.q, work.k, params=PARAMS, modes=modes)
    assert [(g.mode, g.heads) for g in groups] == [("full", (3,)), ("skip", (1,)), ("diagonal", (0, 2))]
    out = vdit_attention(work.q, work.k, work.v, groups)
    ref = torch.nn.functional.scaled_dot_product_attention(work.q[:, 3:], work.k[:, 3:], work.v[:, 3:])
    assert torch.allclose(out[:, 3:], ref, atol=1e-5) and not out[:, 1].any()
    diag = layout_density(groups[2].layout)
    assert vdit_groups_density(groups) == pytest.approx((1.0 + 0.0 + 2 * diag) / 4)


@pytest.mark.parametrize("curve", ["gilbert", "hilbert"])
def test_psa_layout_runs_exactly_with_a_curve_order(work, curve):
    params = PsaParams(block_size=128, key_block_size=32, grid=(8, 8, 16), curve=curve)
    layout = psa_build_layout(work.q, work.k, params)
    assert layout.token_perm is not None and layout.max_level() > 1
    out = sparse_attention(work.q, work.k, work.v, layout)
    assert attention_error(out, layout_attention_reference(work.q, work.k, work.v, layout)).rel_l2 <= 1e-5
    assert 0.0 < layout_density(layout) < 1.0


def test_psa_all_level_one_equals_block_sparse(work):
    params = PsaParams(block_size=128, thresholds=(0.7,))
    layout = psa_build_layout(work.q, work.k, params)
    plain = BlockLayout.from_block_mask(layout.block_mask(), block_size=(128, 128))
    a = sparse_attention(work.q, work.k, work.v, layout)
    b = sparse_attention(work.q, work.k, work.v, plain)
    assert torch.allclose(a, b, atol=1e-6)


def test_blade_keeps_blocks_before_tau_within_retention(work):
    layout = blade_build_layout(work.q, work.k, BladeParams(tau=0.5, min_retention=0.3, max_retention=0.5))
    counts = layout.kv_num_blocks
    assert int(counts.min()) >= 2 and int(counts.max()) <= 4  # 9 blocks: int(2.7)=2 .. int(4.5)=4
    out = sparse_attention(work.q, work.k, work.v, layout)
    assert attention_error(out, layout_attention_reference(work.q, work.k, work.v, layout)).rel_l2 <= 1e-5
    full = blade_build_layout(work.q, work.k, BladeParams(tau=1.0, min_retention=1.0, max_retention=1.0))
    assert layout_density(full) == 1.0
