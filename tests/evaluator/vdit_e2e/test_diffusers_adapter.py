"""The diffusers adapter on a tiny random Wan transformer: dense is the model, sparse calls as the harness."""

from __future__ import annotations

import json

import pytest
import torch
from sb_tiny_wan import CHANNELS, HEAD_DIM, HEADS, LAYERS, TEXT_DIM, tiny_wan

pytest.importorskip("diffusers", reason="the `video` extra (diffusers) is not installed")

from evaluator.benchmarks.vdit.submission import VditSubmission  # noqa: E402
from evaluator.benchmarks.vdit_e2e import diffusers_run  # noqa: E402
from evaluator.benchmarks.vdit_e2e.diffusers_adapter import (  # noqa: E402
    AttentionRouter,
    MeasuringHook,
    kernel_attention,
)
from evaluator.benchmarks.vdit_e2e.diffusers_model import (  # noqa: E402
    MODEL_ENV,
    ModelSettingError,
    configured_model,
    latent_geometry,
    transformer_load,
)
from evaluator.benchmarks.vdit_e2e.diffusers_run import denoise, flow_sigmas, submission_parse  # noqa: E402
from kernels.harness import VideoGeometry, method_measure  # noqa: E402
from kernels.method_config import method_config_parse  # noqa: E402

LATENT = (8, 16, 32)  # frames, height, width of the latent: a patch grid of 8 x 8 x 16 = 1,024 tokens
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    """The tiny transformer saved in diffusers format."""
    path = tmp_path_factory.mktemp("tiny-wan") / "transformer"
    tiny_wan().save_pretrained(path)
    return path


@pytest.fixture
def loaded(tiny_dir, monkeypatch):
    """The tiny transformer read back through the setting, the hub offline."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv(MODEL_ENV, str(tiny_dir))
    choice = configured_model()
    assert choice.model is not None, choice.reason
    return choice.model, transformer_load(choice.model, device=CPU, dtype=torch.float32)


def _inputs(seed: int = 1):
    """A latent's noise and a short zero text embedding."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(1, CHANNELS, *LATENT, generator=g), torch.zeros(1, 8, TEXT_DIM)


def _forward(transformer, noise, context, sigma: float = 0.7) -> torch.Tensor:
    """One velocity prediction."""
    with torch.no_grad():
        return transformer(hidden_states=noise, timestep=torch.tensor([sigma * 1000]),
                           encoder_hidden_states=context, return_dict=False)[0]  # fmt: skip


def test_adapter_geometry_is_the_patch_grid_with_no_text_tokens(loaded):
    _, transformer = loaded
    geometry = latent_geometry(transformer, frames=LATENT[0], height=LATENT[1], width=LATENT[2])
    assert geometry == VideoGeometry(frames=8, height=8, width=16, text_tokens=0)
    seen = []

    def spy(step, layer, q, k, v):
        seen.append((step, layer, tuple(q.shape)))
        return torch.nn.functional.scaled_dot_product_attention(q, k, v)

    noise, context = _inputs()
    with kernel_attention(transformer, AttentionRouter(hook=spy, geometry=geometry)):
        _forward(transformer, noise, context)
    assert seen == [(0, layer, (1, HEADS, 8 * 8 * 16, HEAD_DIM)) for layer in range(LAYERS)]
    with pytest.raises(ValueError, match="1024 tokens"):
        with kernel_attention(transformer, AttentionRouter(hook=spy, geometry=VideoGeometry(8, 8, 8))):
            _forward(transformer, noise, context)
    with pytest.raises(ValueError, match="latent height 15"):
        latent_geometry(transformer, frames=8, height=15, width=32)


def test_adapter_dense_output_equals_the_models_own_attention(loaded):
    _, transformer = loaded
    noise, context = _inputs()
    own = _forward(transformer, noise, context)
    geometry = latent_geometry(transformer, frames=LATENT[0], height=LATENT[1], width=LATENT[2])
    hook = MeasuringHook(submission=VditSubmission(), geometry=geometry, seed=0)
    with kernel_attention(transformer, AttentionRouter(hook=hook, geometry=geometry)):
        routed = _forward(transformer, noise, context)
    torch.testing.assert_close(routed, own, rtol=1e-5, atol=1e-6)
    assert [(r.layer, r.density, r.rel_l2, r.mass_recall) for r in hook.records] == [
        (layer, 1.0, 0.0, 1.0) for layer in range(LAYERS)
    ]
    after = _forward(transformer, noise, context)  # the model's own processors are back
    assert torch.equal(after, own)


@pytest.mark.parametrize(
    "config",
    [
        {"method": "sparse_vdit", "params": {"mode": "diagonal"}},
        {"method": "psa", "preset": "wan2.1-1.3b", "params": {"block_size": 64, "warmup_steps": 1}},
        {"method": "window_3d"},
    ],
    ids=["sparse-vdit-diagonal", "psa-scaled", "window3d"],
)
def test_adapter_calls_measure_as_the_harness_on_the_same_qkv(loaded, config):
    _, transformer = loaded
    geometry = latent_geometry(transformer, frames=LATENT[0], height=LATENT[1], width=LATENT[2])
    submission = submission_parse(config, transformer=transformer, tokens=1024, geometry=geometry)
    hook = MeasuringHook(submission=submission, geometry=geometry, seed=5)
    captured = {}

    def capture(step, layer, q, k, v):
        captured[(step, layer)] = (q.clone(), k.clone(), v.clone())
        return hook(step, layer, q, k, v)

    noise, context = _inputs()
    with kernel_attention(transformer, AttentionRouter(hook=capture, geometry=geometry)) as router:
        sigmas = flow_sigmas(steps=2, shift=3.0)
        denoise(transformer, noise=noise, context=context, sigmas=sigmas, router=router)
    assert [(r.step, r.layer) for r in hook.records] == [(s, la) for s in range(2) for la in range(LAYERS)]
    parsed = method_config_parse(config)
    for record in hook.records:
        q, k, v = captured[(record.step, record.layer)]
        m = method_measure(parsed, q=q, k=k, v=v, geometry=geometry, repeats=1, seed=5, step=record.step)
        assert record.density == pytest.approx(m.density, rel=1e-9)
        assert record.mass_recall == pytest.approx(m.mass_recall, rel=1e-6)
        # abs: at PSA's warm-up step the adapter runs SDPA, the harness a full layout
        assert record.rel_l2 == pytest.approx(m.rel_l2, rel=1e-4, abs=1e-6)
    sparse = [r for r in hook.records if r.density < 1.0]
    assert sparse and all(r.rel_l2 > 1e-4 for r in sparse)  # the method really skipped attention
    if config["method"] == "psa":  # dense during its warm-up step, as released
        assert all(r.density == 1.0 for r in hook.records if r.step == 0)


def test_model_run_scores_the_pair_in_latent_space_without_a_vae(loaded):
    model, _ = loaded
    options = diffusers_run.RunOptions(latent=LATENT, steps=2, text_tokens=8, repeats=1)
    report = diffusers_run.model_run(model=model, config={"method": "window_3d"}, options=options, device=CPU)
    assert report.status == "scored" and report.method == "window_3d"
    assert report.geometry == {"frames": 8, "height": 8, "width": 16, "text_tokens": 0, "tokens": 1024}
    assert len(report.calls) == 2 * LAYERS and [row["layer"] for row in report.layers] == [0, 1]
    assert 0.0 < report.means["density"] < 1.0 and report.latent_rel_l2 > 0.0
    assert report.video is None and report.video_reason.startswith("n/a: no vae/")
    assert report.timing["rounds"] == 1 and report.timing["speedup"] > 0.0
    dense = diffusers_run.model_run(model=model, config={"method": "dense"}, options=options, device=CPU)
    assert dense.latent_rel_l2 == pytest.approx(0.0, abs=1e-6) and dense.means["density"] == 1.0


def test_unconfigured_model_is_reported_as_na(monkeypatch, capsys):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert configured_model().model is None
    assert diffusers_run.main(["--config", '{"method": "dense"}', "--latent", "8,16,32"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "n/a" and MODEL_ENV in report["reason"] and report["calls"] == []


def test_misconfigured_model_fails_closed_naming_the_variable_or_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "missing"))
    with pytest.raises(ModelSettingError, match=f"{MODEL_ENV}=.*not a directory"):
        configured_model()
    (tmp_path / "config.json").write_text(json.dumps({"_class_name": "UNet3DConditionModel"}))
    monkeypatch.setenv(MODEL_ENV, str(tmp_path))
    with pytest.raises(ModelSettingError, match="config.json: _class_name 'UNet3DConditionModel'"):
        configured_model()
    assert diffusers_run.main(["--config", '{"method": "dense"}', "--latent", "8,16,32"]) == 2
    assert "UNet3DConditionModel" in capsys.readouterr().err


def test_pickled_or_missing_weights_are_refused_naming_the_folder(tiny_dir, tmp_path, monkeypatch):
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text((tiny_dir / "config.json").read_text())
    torch.save(tiny_wan().state_dict(), folder / "diffusion_pytorch_model.bin")  # pickle: never read
    monkeypatch.setenv(MODEL_ENV, str(folder))
    with pytest.raises(ModelSettingError, match=f"{folder}: cannot be read as WanTransformer3DModel"):
        transformer_load(configured_model().model, device=CPU, dtype=torch.float32)


def test_run_options_name_the_bad_option():
    with pytest.raises(ValueError, match="text_tokens must be at least 1"):
        diffusers_run.RunOptions(latent=LATENT, text_tokens=0)
    with pytest.raises(ValueError, match="steps must be at least 1"):
        diffusers_run.RunOptions(latent=LATENT, steps=0)


def test_bad_config_is_refused_naming_its_field(loaded):
    _, transformer = loaded
    geometry = latent_geometry(transformer, frames=LATENT[0], height=LATENT[1], width=LATENT[2])
    with pytest.raises(ValueError, match="config.params.block_size"):
        submission_parse({"method": "psa", "params": {"block_size": 96}}, transformer=transformer,
                         tokens=1024, geometry=geometry)  # fmt: skip
    with pytest.raises(ValueError, match="config.params.head_modes"):
        submission_parse({"method": "sparse_vdit", "params": {"head_modes": ["diagonal"]}},
                         transformer=transformer, tokens=1024, geometry=geometry)  # fmt: skip
    with pytest.raises(ValueError, match="config.search: .*scorer only"):
        submission_parse({"method": "sparse_vdit", "search": {}}, transformer=transformer, tokens=1024,
                         geometry=geometry, steps=2)  # fmt: skip


def test_a_per_step_plan_runs_each_steps_modes_and_is_checked_for_the_runs_steps(loaded):
    """Step 0 in full on every head (density 1, the dense output), step 1 skipped (density 0)."""
    _, transformer = loaded
    geometry = latent_geometry(transformer, frames=LATENT[0], height=LATENT[1], width=LATENT[2])
    heads = transformer.config.num_attention_heads
    calls = [{"step": s, "layer": la, "modes": ["full" if s == 0 else "skip"] * heads}
             for s in range(2) for la in range(LAYERS)]  # fmt: skip
    config = {"method": "sparse_vdit", "plan": {"calls": calls}}
    with pytest.raises(ValueError, match=r"config.plan.calls: .*missing \(step 2, layer 0\)"):
        submission_parse(config, transformer=transformer, tokens=1024, geometry=geometry, steps=3)
    submission = submission_parse(config, transformer=transformer, tokens=1024, geometry=geometry, steps=2)
    hook = MeasuringHook(submission=submission, geometry=geometry, seed=5)
    noise, context = _inputs()
    with kernel_attention(transformer, AttentionRouter(hook=hook, geometry=geometry)) as router:
        sigmas = flow_sigmas(steps=2, shift=3.0)
        denoise(transformer, noise=noise, context=context, sigmas=sigmas, router=router)
    expected = [(s, 1.0 - s) for s in range(2) for _ in range(LAYERS)]
    assert [(r.step, r.density) for r in hook.records] == expected
    assert all(r.rel_l2 < 1e-4 for r in hook.records if r.step == 0)
