"""Specs for Sparse-vDiT plans: an offline search pass over (step, layer), JSON, and fused inference."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from kernels.methods.vdit import VditParams, vdit_search_heads
from kernels.methods.vdit_plan import VditPlan, VditPlanAttention, VditSearch, vdit_plan_from_json
from kernels.workloads import WorkloadSpec, workload_generate

SPEC = WorkloadSpec(
    frames=8, height=8, width=16, text_tokens=128, head_dim=32, value_scale=8.0, stripe_keys=2
)
PARAMS = VditParams(frames=8, frame_tokens=128, text_tokens=128, stripe_blocks=2)
STEPS, LAYERS = 2, 2


def toy_denoise(attend, *, record: list | None = None) -> torch.Tensor:
    """A toy denoiser: fixed structured q, k per layer; the values carry the state from call to call."""
    works = [workload_generate(spec=dataclasses.replace(SPEC, seed=layer)) for layer in range(LAYERS)]
    x = works[0].v.clone()
    for step in range(STEPS):
        attend.step = step
        for layer, work in enumerate(works):
            if record is not None:
                record.append((step, layer, x.clone()))
            x = x + 0.5 * attend(layer, work.q, work.k, x)
    return x


@pytest.fixture(scope="module")
def searched():
    search = VditSearch(params=PARAMS)
    seen: list = []
    out = toy_denoise(search, record=seen)
    return search.plan(), out, seen


def test_search_plans_every_step_and_layer_with_modes_of_each_call(searched):
    plan, _, seen = searched
    assert sorted(plan.modes) == [(s, layer) for s in range(STEPS) for layer in range(LAYERS)]
    work = workload_generate(spec=SPEC)
    for step, layer, values in seen[:2]:  # the first calls, re-searched on the inputs they saw
        w = workload_generate(spec=dataclasses.replace(SPEC, seed=layer))
        assert (
            plan.modes_for(step=step, layer=layer) == vdit_search_heads(w.q, w.k, values, params=PARAMS).modes
        )
    assert plan.modes_for(step=0, layer=0)[:3] == ("diagonal", "multi_diagonal", "vertical_stripe")
    assert work.q.shape[1] == 4 and 0.0 <= plan.skipped_fraction() < 1.0


def test_following_the_plan_reproduces_the_search_pass(searched):
    plan, searched_out, _ = searched
    follow = VditPlanAttention(plan=plan, params=PARAMS)
    out = toy_denoise(follow)
    assert torch.allclose(out, searched_out, atol=1e-4)
    assert sorted(follow.densities) == sorted(plan.modes)
    assert 0.0 < follow.mean_density() < 1.0


def test_plan_json_round_trip(searched):
    plan = searched[0]
    again = vdit_plan_from_json(json.loads(json.dumps(plan.to_json())))
    assert again.modes == plan.modes


def test_plan_without_a_call_names_it():
    with pytest.raises(KeyError, match="step 3, layer 1"):
        VditPlan(modes={(0, 0): ("full",)}).modes_for(step=3, layer=1)


@pytest.mark.parametrize(
    "data,message",
    [
        ([], "plan: must be an object"),
        ({"calls": [{"step": 0, "layer": 0}]}, r"calls\[0\]: must hold exactly"),
        (
            {"calls": [{"step": -1, "layer": 0, "modes": ["full"]}]},
            r"calls\[0\].step: must be a non-negative",
        ),
        ({"calls": [{"step": 0, "layer": True, "modes": ["full"]}]}, r"calls\[0\].layer"),
        ({"calls": [{"step": 0, "layer": 0, "modes": []}]}, r"calls\[0\].modes: must be a non-empty"),
        (
            {"calls": [{"step": 0, "layer": 0, "modes": ["full", "wide"]}]},
            r"calls\[0\].modes\[1\]: must be one of",
        ),
        (
            {
                "calls": [
                    {"step": 0, "layer": 0, "modes": ["full"]},
                    {"step": 0, "layer": 0, "modes": ["skip"]},
                ]
            },
            r"calls\[1\]: step 0, layer 0 appears twice",
        ),
    ],
)
def test_plan_from_json_names_the_bad_field(data, message):
    with pytest.raises(ValueError, match=message):
        vdit_plan_from_json(data)
