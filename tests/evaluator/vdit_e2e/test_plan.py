"""Sparse-vDiT plans per (step, layer, head) on vdit-e2e: checked for shape, followed per call, searched."""

from __future__ import annotations

import pytest
import torch
from sb_seeds import seeds_for

from evaluator.benchmarks.vdit_e2e import VditE2eBenchmark
from evaluator.benchmarks.vdit_e2e.hooks import MethodHook
from evaluator.benchmarks.vdit_e2e.run import model_geometry
from evaluator.benchmarks.vdit_e2e.search import SearchHook, plan_search, searched_config
from evaluator.benchmarks.vdit_e2e.submission import e2e_problems
from evaluator.contract import Payload
from kernels.methods.vdit import MODES, VditParams

from .conftest import tiny_model

STEPS, LAYERS, HEADS, TOKENS = 2, 2, 2, 512


def _plan(modes_of=lambda step, layer: ["diagonal", "full"]) -> dict:
    calls = [{"step": s, "layer": i, "modes": modes_of(s, i)} for s in range(STEPS) for i in range(LAYERS)]
    return {"method": "sparse_vdit", "plan": {"calls": calls}}


def _problems(config: dict):
    return e2e_problems(config=config, file_name=None, layers=LAYERS, heads=HEADS, tokens=TOKENS, steps=STEPS)


def test_a_plan_covering_every_step_and_layer_gives_each_call_its_modes() -> None:
    config = _plan(lambda step, layer: ["skip", MODES[(step * LAYERS + layer) % len(MODES)]])
    submission, problems = _problems(config)
    assert problems == [] and submission.name == "sparse_vdit"
    assert submission.call_config(step=1, layer=0).settings["head_modes"] == ("skip", MODES[2])
    assert submission.call_config(step=0, layer=1).settings["head_modes"] == ("skip", MODES[1])


def _edited(edit) -> dict:
    config = _plan()
    edit(config)
    return config


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (lambda c: c["plan"]["calls"][1].update(step=STEPS), "config.plan.calls[1].step", "2 sampling steps"),
        (lambda c: c["plan"]["calls"][2].update(layer=5), "config.plan.calls[2].layer", "2 layers"),
        (lambda c: c["plan"]["calls"][0].update(modes=["full"]), "config.plan.calls[0].modes", "2 modes"),
        (lambda c: c["plan"]["calls"][3]["modes"].__setitem__(1, "band"), "config.plan.calls[3].modes[1]",
         "must be one of"),
        (lambda c: c["plan"]["calls"].pop(), "config.plan.calls", "missing (step 1, layer 1)"),
        (lambda c: c["plan"]["calls"].append(dict(c["plan"]["calls"][0])), "config.plan.calls[4]", "twice"),
        (lambda c: c["plan"].update(extra=1), "config.plan", "unknown key 'extra'"),
        (lambda c: c.update(params={"mode": "diagonal"}), "config.plan", "not both"),
        (lambda c: c.update(method="psa"), "config.plan", "only Sparse-vDiT"),
    ],
)  # fmt: skip
def test_a_plan_that_does_not_fit_the_model_is_named_by_field(edit, field, words) -> None:
    submission, problems = _problems(_edited(edit))
    assert submission is None and len(problems) == 1
    assert problems[0].where == field and words in problems[0].message


def test_the_hook_follows_the_plan_step_by_step() -> None:
    """Step 0 runs every head in full (dense output, density 1), step 1 skips every head (zero output)."""
    submission, _ = _problems(_plan(lambda step, layer: ["full", "full"] if step == 0 else ["skip", "skip"]))
    geometry = model_geometry(tiny_model())
    hook = MethodHook(submission=submission, geometry=geometry, seed=0, measure=True)
    g = torch.Generator().manual_seed(3)
    q, k, v = (torch.randn(1, HEADS, TOKENS, 16, generator=g) for _ in range(3))
    full = hook(0, 1, q, k, v)
    skipped = hook(1, 1, q, k, v)
    weights = torch.softmax(q.double() @ k.double().transpose(-1, -2) / 4.0, dim=-1)
    assert torch.allclose(full.double(), weights @ v.double(), atol=1e-4)
    assert float(skipped.abs().max()) == 0.0
    assert [(r.step, r.layer, r.density) for r in hook.records] == [(0, 1, 1.0), (1, 1, 0.0)]


def test_the_scaled_search_does_not_depend_on_the_scale_of_the_values() -> None:
    """The loss on the MSE relative to the output energy picks the same modes for v and 10 v."""
    params = VditParams(frames=2, frame_tokens=256, text_tokens=0)
    g = torch.Generator().manual_seed(5)
    q, k, v = (torch.randn(1, HEADS, TOKENS, 16, generator=g) for _ in range(3))
    first, second = SearchHook(params=params, scaled=True), SearchHook(params=params, scaled=True)
    first(0, 0, q, k, v)
    second(0, 0, q, k, 10.0 * v)
    assert first.found == second.found and set(first.found) == {(0, 0)}


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_weights):
    bench = VditE2eBenchmark(steps=STEPS, video_count=1, repeats=1, weights=tiny_weights)
    out = tmp_path_factory.mktemp("vdit-e2e-plan")
    bench.build(out, seeds=seeds_for())
    return bench, out


def test_the_searched_plan_covers_the_sampling_and_is_scored_as_submitted(built) -> None:
    bench, out = built
    config = searched_config(public_dir=out / "public", steps=STEPS)
    assert searched_config(public_dir=out / "public", steps=STEPS) == config  # searched once, copies given
    calls = config["plan"]["calls"]
    every = [(s, i) for s in range(STEPS) for i in range(LAYERS)]
    assert sorted((c["step"], c["layer"]) for c in calls) == every
    assert all(len(c["modes"]) == HEADS and set(c["modes"]) <= set(MODES) for c in calls)
    payload = Payload(phase="dev", public_dir=out / "public", config=config)
    assert bench.validate(payload) == []
    run = bench.run(payload, out / "hidden")
    modes = {(c["step"], c["layer"]): c["modes"] for c in calls}
    assert {(r.step, r.layer) for r in run.videos[0].records} == set(modes)
    for record in run.videos[0].records:
        chosen = modes[(record.step, record.layer)]
        if set(chosen) == {"full"}:
            assert record.density == 1.0
        if set(chosen) == {"skip"}:
            assert record.density == 0.0


def test_the_search_batches_the_videos_and_records_every_call() -> None:
    model = tiny_model()
    plan = plan_search(model=model, videos=((11, 0), (12, 1)), steps=STEPS)
    assert set(plan.modes) == {(s, i) for s in range(STEPS) for i in range(LAYERS)}
    assert all(len(m) == HEADS for m in plan.modes.values())
