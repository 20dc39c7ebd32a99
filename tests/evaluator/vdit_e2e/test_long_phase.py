"""vdit-e2e's test-long phase: hidden seeds, videos longer than the model's training length, a GPU worker."""

from __future__ import annotations

import json

import pytest
import torch
from sb_seeds import seeds_for

from evaluator.benchmarks.vdit.dit.frames import config_for_frames, model_for_frames
from evaluator.benchmarks.vdit.dit.model import DiTConfig, VideoDiT
from evaluator.benchmarks.vdit.dit.sampler import SamplerConfig, noise_draw, sample_video
from evaluator.benchmarks.vdit_e2e import VditE2eBenchmark
from evaluator.benchmarks.vdit_e2e import benchmark as plugin
from evaluator.benchmarks.vdit_e2e.benchmark import PLOT_NAME, PROTOCOL
from evaluator.benchmarks.vdit_e2e.phases import phase_plan
from evaluator.benchmarks.vdit_e2e.run import model_geometry
from evaluator.benchmarks.vdit_e2e.spec import VERSION, e2e_spec
from evaluator.contract import Payload

from .conftest import TINY, tiny_model

STEPS, LAYERS = 2, 2


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_weights):
    bench = VditE2eBenchmark(steps=STEPS, video_count=1, repeats=1, weights=tiny_weights)
    out = tmp_path_factory.mktemp("vdit-e2e-long")
    bench.build(out, seeds=seeds_for())
    return bench, out


def _payload(out, config, phase="test-long"):
    return Payload(phase=phase, public_dir=out / "public", config=config)


def test_test_long_is_declared_hidden_and_needing_a_gpu_the_others_not() -> None:
    spec = e2e_spec()
    assert [p.slug for p in spec.phases] == ["dev", "test", "test-long"]
    assert {p.slug: p.needs_gpu for p in spec.phases} == {"dev": False, "test": False, "test-long": True}
    plan, text = phase_plan(slug="test-long"), spec.phase("test-long").description
    assert plan.hidden and plan.length == 4 and plan.steps == 16
    assert "32 frames = 8,192 tokens" in text and "Needs a GPU worker" in text and "not yet timed" in text
    assert "8 frames = 2,048 tokens" in spec.phase("test").description
    assert VERSION == "4" and PROTOCOL == "vdit-e2e-4"


def test_test_long_seeds_are_hidden_and_apart_from_every_other_phases(built, tmp_path, tiny_weights) -> None:
    bench, out = built
    hidden = json.loads((out / "hidden" / "seeds.json").read_text())
    long = hidden["test-long"]
    assert len(long["videos"]) == 4 and [c for _, c in long["videos"]] == [0, 1, 2, 3]
    dev = json.loads((out / "public" / "dev_seeds.json").read_text())
    calibration = json.loads((out / "public" / "calibration_seeds.json").read_text())
    others = {s for entry in (dev, calibration, hidden["test"]) for s, _ in entry["videos"]}
    assert not {s for s, _ in long["videos"]} & others and long["sampling"] != hidden["test"]["sampling"]
    published = "".join(p.read_text(errors="ignore") for p in (out / "public").iterdir())
    assert not any(str(s) in published for s, _ in long["videos"])
    other = VditE2eBenchmark(weights=tiny_weights)
    other.build(tmp_path, seeds=seeds_for(secret=bytes(32)))  # same public seed, another secret
    assert json.loads((tmp_path / "public" / "dev_seeds.json").read_text()) == dev
    assert json.loads((tmp_path / "hidden" / "seeds.json").read_text())["test-long"] != long
    readme = (out / "public" / "README.md").read_text()
    assert "- test-long: 4 videos of 8 frames, 16 steps; needs a GPU worker" in readme  # tiny: 2 x 4


def test_a_longer_model_shares_the_weights_and_extends_the_rope_grid() -> None:
    model = tiny_model()
    longer = model_for_frames(model, frames=8)
    assert model_for_frames(model, frames=TINY.frames) is model
    assert longer.config == DiTConfig(**{**TINY.to_json(), "patch": TINY.patch, "frames": 8})
    assert longer.config.tokens == 4 * model.config.tokens and not longer.training
    for (name, a), (other, b) in zip(model.state_dict().items(), longer.state_dict().items(), strict=True):
        assert name == other and a.data_ptr() == b.data_ptr()
    torch.testing.assert_close(longer.angles[: model.config.tokens], model.angles, rtol=0, atol=0)
    assert not torch.equal(longer.angles[model.config.tokens :][:1], model.angles[:1])
    noise = noise_draw(seed=3, batch=1, model=longer)
    video = sample_video(model=longer, noise=noise, labels=torch.tensor([1]), config=SamplerConfig(steps=1))
    assert video.shape == (1, 3, 8, 32, 32) and torch.isfinite(video).all()


def test_an_impossible_length_is_refused_with_the_reason() -> None:
    model = VideoDiT(DiTConfig(frames=4, size=32, patch=(2, 2, 2), dim=32, depth=1, heads=2))
    with pytest.raises(ValueError, match="not a whole number of temporal patches of 2 frames"):
        model_for_frames(model, frames=5)
    for frames in (0, -2, 2.0, True):
        with pytest.raises(ValueError, match="positive integer"):
            config_for_frames(model.config, frames=frames)
    assert model_for_frames(model, frames=6).config.grid == (3, 16, 16)


def test_the_long_phase_samples_the_longer_videos_at_its_geometry(built, monkeypatch) -> None:
    """Dense against dense is identical (PSNR at its 100 dB cap); a sparse method differs (the control)."""
    bench, out = built
    models = []

    def spy(**kwargs):
        models.append(kwargs["model"])
        return real(**kwargs)

    real = plugin.phase_run
    monkeypatch.setattr(plugin, "phase_run", spy)
    dense = bench.run(_payload(out, {"method": "dense"}), out / "hidden")
    diagonal = {"method": "sparse_vdit", "params": {"mode": "diagonal"}}
    sparse = bench.run(_payload(out, diagonal), out / "hidden")
    assert [m.config.frames for m in models] == [8, 8] and model_geometry(models[0]).frames == 8
    assert dense.videos[0].dense_frames.shape == (8, 32, 32, 3)
    assert (dense.videos[0].sparse_frames == dense.videos[0].dense_frames).all()
    assert dense.videos[0].quality.means()["psnr"] == 100.0
    video = sparse.videos[0]
    assert video.sparse_frames.shape == (8, 32, 32, 3) and 0 < video.quality.means()["psnr"] < 100
    assert len(video.records) == STEPS * LAYERS and 0 < video.density < 1
    report = bench.report(sparse)
    assert set(report.artefacts) == {PLOT_NAME}  # hidden videos: no frame strip
    assert report.splits["private"].metrics["psnr"] < 100 and report.protocol_version == "vdit-e2e-4"
    bench.run(_payload(out, {"method": "dense"}, phase="dev"), out / "hidden")
    assert models[-1].config.frames == TINY.frames


def test_the_search_and_the_checks_take_the_long_phases_geometry(built, monkeypatch) -> None:
    bench, out = built
    seen = []

    def spy(**kwargs):
        seen.append(kwargs["model"].config.frames)
        return real(**kwargs)

    real = plugin.searched_modes
    monkeypatch.setattr(plugin, "searched_modes", spy)
    run = VditE2eBenchmark(steps=1, video_count=1, repeats=1, weights=bench.weights).run(
        _payload(out, {"method": "sparse_vdit", "search": {}}), out / "hidden"
    )
    assert seen == [8] and len(run.videos[0].records) == LAYERS
    checked = []
    monkeypatch.setattr(plugin, "e2e_problems", lambda **kw: checked.append(kw["tokens"]) or (None, []))
    bench.validate(_payload(out, {"method": "dense"}))
    bench.precheck(_payload(out, {"method": "dense"}, phase="dev"))
    assert checked == [8 * 16 * 16, 2 * 16 * 16]
