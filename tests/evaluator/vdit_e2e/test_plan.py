"""Sparse-vDiT plans per (step, layer, head) on vdit-e2e: checked for shape, followed per call, searched."""

from __future__ import annotations

import pytest
import torch
from sb_seeds import seeds_for

from evaluator.benchmarks.vdit_e2e import VditE2eBenchmark
from evaluator.benchmarks.vdit_e2e.baselines import SEARCHED
from evaluator.benchmarks.vdit_e2e.hooks import MethodHook
from evaluator.benchmarks.vdit_e2e.phases import calibration_videos, phase_seeds_read
from evaluator.benchmarks.vdit_e2e.run import model_geometry
from evaluator.benchmarks.vdit_e2e.search import SEARCH_SECONDS, SearchHook, SearchRequest, plan_search
from evaluator.benchmarks.vdit_e2e.submission import e2e_problems, search_request
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


@pytest.mark.parametrize(
    ("search", "field", "words"),
    [
        ([], "config.search", "must be an object"),
        ({"lamda": 1}, "config.search", "unknown key 'lamda'"),
        ({"lam": -1}, "config.search.lam", "non-negative"),
        ({"eps": "1"}, "config.search.eps", "finite number"),
        ({"eps": float("nan")}, "config.search.eps", "finite number"),
        ({"scaled": 1}, "config.search.scaled", "true or false"),
    ],
)  # fmt: skip
def test_a_bad_search_request_is_named_by_field(search, field, words) -> None:
    submission, problems = _problems({"method": "sparse_vdit", "search": search})
    assert submission is None and len(problems) == 1
    assert problems[0].where == field and words in problems[0].message


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"method": "psa", "search": {}}, "only Sparse-vDiT"),
        ({"method": "sparse_vdit", "params": {"mode": "skip"}, "search": {}}, "picks the modes"),
        ({**_plan(), "search": {}}, "a plan or a search"),
    ],
)  # fmt: skip
def test_a_search_goes_alone_with_sparse_vdit(config, words) -> None:
    submission, problems = _problems(config)
    assert submission is None and [p.where for p in problems] == ["config.search"]
    assert words in problems[0].message


def test_a_search_request_keeps_its_defaults_and_overrides() -> None:
    submission, problems = _problems({"method": "sparse_vdit", "search": {"eps": 2, "scaled": True}})
    assert problems == [] and submission.call_modes is None
    request = search_request({"method": "sparse_vdit", "search": {"eps": 2, "scaled": True}})
    assert request == SearchRequest(lam=0.5, eps=2.0, scaled=True)
    assert search_request({"method": "sparse_vdit"}) is None


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_weights):
    bench = VditE2eBenchmark(steps=STEPS, video_count=1, repeats=1, weights=tiny_weights)
    out = tmp_path_factory.mktemp("vdit-e2e-plan")
    bench.build(out, seeds=seeds_for())
    return bench, out


def _params() -> VditParams:
    return VditParams(frames=2, frame_tokens=256, text_tokens=0)


def test_the_scorer_searches_on_the_calibration_videos_and_follows_the_plan(built) -> None:
    """The plan the job searched (logged, timed apart) is the one a search pass on the published
    calibration videos gives, and each call of the scored sampling ran its modes."""
    bench, out = built
    payload = Payload(phase="dev", public_dir=out / "public", config={"method": "sparse_vdit", "search": {}})
    assert bench.validate(payload) == []
    run = bench.run(payload, out / "hidden")
    calibration = calibration_videos(public_dir=out / "public")
    expected = plan_search(model=bench.model(), videos=calibration, steps=STEPS, params=_params())
    assert {(r.step, r.layer) for r in run.videos[0].records} == set(expected.modes)
    for record in run.videos[0].records:
        chosen = set(expected.modes[(record.step, record.layer)])
        if chosen == {"full"}:
            assert record.density == 1.0
        if chosen == {"skip"}:
            assert record.density == 0.0
    assert SEARCH_SECONDS in run.seconds and "calibration videos" in run.log[0]
    assert any(line.startswith("search: ") for line in run.log)
    dense = Payload(phase="dev", public_dir=out / "public", config={"method": "dense"})
    assert SEARCH_SECONDS not in bench.run(dense, out / "hidden").seconds


def test_a_search_on_data_without_calibration_videos_is_refused(built, tmp_path) -> None:
    bench, _ = built
    search = Payload(phase="dev", public_dir=tmp_path, config={"method": "sparse_vdit", "search": {}})
    assert [p.where for p in bench.validate(search)] == ["config.search"]
    plain = Payload(phase="dev", public_dir=tmp_path, config={"method": "sparse_vdit"})
    assert bench.validate(plain) == []


def test_the_calibration_videos_are_published_apart_from_every_phase(built) -> None:
    _, out = built
    calibration = calibration_videos(public_dir=out / "public")
    assert [label for _, label in calibration] == [0, 1, 2, 3]
    for phase in ("dev", "test"):
        scored = phase_seeds_read(phase=phase, public_dir=out / "public", hidden_dir=out / "hidden")
        assert not {seed for seed, _ in calibration} & {seed for seed, _ in scored.videos}
        assert scored.sampling not in {seed for seed, _ in calibration}


def test_the_searched_baselines_ask_the_scorer_for_the_search(built) -> None:
    bench, out = built
    names = {name for name, _, _ in SEARCHED}
    searched = [b for b in bench.baselines() if b.name in names]
    assert len(searched) == 2
    for baseline in searched:
        payload = baseline.make_payload(out / "public", "dev", out / "work")
        assert search_request(payload.config) is not None and "plan" not in payload.config
        assert bench.validate(payload) == [] and "calibration" in baseline.description


def test_the_search_batches_the_videos_and_records_every_call() -> None:
    model = tiny_model()
    plan = plan_search(model=model, videos=((11, 0), (12, 1)), steps=STEPS, params=_params())
    assert set(plan.modes) == {(s, i) for s in range(STEPS) for i in range(LAYERS)}
    assert all(len(m) == HEADS for m in plan.modes.values())


def test_the_search_request_reaches_the_loss() -> None:
    """eps 0 makes every head full (no sparse mode's loss is <= 0 once lam > 0); a huge lam changes nothing
    else: negative control on the default request, which picks some sparse mode on these random inputs."""
    model = tiny_model()
    strict = plan_search(model=model, videos=((11, 0),), steps=1, params=_params(),
                         request=SearchRequest(lam=1.0, eps=0.0))  # fmt: skip
    assert {m for modes in strict.modes.values() for m in modes} == {"full"}
    default = plan_search(model=model, videos=((11, 0),), steps=1, params=_params())
    assert {m for modes in default.modes.values() for m in modes} != {"full"}
