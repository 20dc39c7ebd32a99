"""test-real: hosted only with the setting, hidden noise seeds from the secret, each video scored on a tiny
local Wan pipeline as diffusers_run scores it; a worker without the model says which setting it lacks."""

from __future__ import annotations

import dataclasses
import json
import math
import socket

import pytest
from sb_seeds import seeds_for
from sb_tiny_wan import tiny_pipeline_save

pytest.importorskip("diffusers", reason="the `video` extra (diffusers) is not installed")

from evaluator.benchmarks.vdit_e2e.benchmark import VditE2eBenchmark  # noqa: E402
from evaluator.benchmarks.vdit_e2e.diffusers_model import MODEL_ENV, local_model_check  # noqa: E402
from evaluator.benchmarks.vdit_e2e.diffusers_run import ModelRunReport, RunOptions, model_run  # noqa: E402
from evaluator.benchmarks.vdit_e2e.phases import HIDDEN_FILE, phase_seeds_read  # noqa: E402
from evaluator.benchmarks.vdit_e2e.real_phase import REAL_PHASE, real_equipped  # noqa: E402
from evaluator.benchmarks.vdit_e2e.real_score import NO_VAE, RealOptions, real_split  # noqa: E402
from evaluator.benchmarks.vdit_e2e.spec import e2e_spec  # noqa: E402
from evaluator.contract import Payload, WorkerUnequipped  # noqa: E402

SMALL = RealOptions(videos=2, steps=3, latent=(4, 16, 32), text_tokens=8, repeats=1)
PSA = {"method": "psa", "preset": "wan2.1-1.3b", "params": {"warmup_steps": 1}}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """The tiny Wan pipeline folder (transformer/ and vae/)."""
    return tiny_pipeline_save(tmp_path_factory.mktemp("tiny-wan-pipeline"))


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_weights):
    """vdit-e2e's data built with the test secret (the tiny DiT's weights)."""
    out = tmp_path_factory.mktemp("e2e-real")
    VditE2eBenchmark(weights=tiny_weights).build(out, seeds=seeds_for())
    return out


@pytest.fixture
def hosted(pipeline, monkeypatch):
    """This process is a worker with the tiny pipeline named, on the CPU, the hub unreachable."""
    monkeypatch.setenv(MODEL_ENV, str(pipeline))
    monkeypatch.setenv("SPARSEBENCH_DEVICE", "cpu")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError("the phase tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return pipeline


def _payload(out, config=None, file=None) -> Payload:
    return Payload(phase=REAL_PHASE, public_dir=out / "public", config=config, file=file)


def test_real_phase_is_declared_only_where_the_setting_names_a_model():
    assert REAL_PHASE not in {p.slug for p in e2e_spec(environ={}).phases}
    phase = e2e_spec(environ={MODEL_ENV: "/models/on/the/gpu/worker"}).phase(REAL_PHASE)
    assert phase.needs_gpu and not phase.accepts_code and "not yet timed on a GPU" in phase.description


def test_real_phase_seeds_are_hidden_and_come_from_the_secret_alone(built, tiny_weights, tmp_path):
    seeds = phase_seeds_read(phase=REAL_PHASE, public_dir=built / "public", hidden_dir=built / "hidden")
    assert len(seeds.videos) == 4 and REAL_PHASE in json.loads((built / "hidden" / HIDDEN_FILE).read_text())
    public_text = "".join(p.read_text() for p in (built / "public").iterdir() if p.suffix in {".md", ".json"})
    assert all(str(seed) not in public_text for seed, _ in seeds.videos)
    other = tmp_path / "other"
    VditE2eBenchmark(weights=tiny_weights).build(other, seeds=seeds_for(secret=bytes(range(1, 33))))
    again = phase_seeds_read(phase=REAL_PHASE, public_dir=other / "public", hidden_dir=other / "hidden")
    assert all(a != b for (a, _), (b, _) in zip(again.videos, seeds.videos, strict=True))


def test_real_equipped_names_the_setting_without_the_path(tmp_path, pipeline, monkeypatch):
    with pytest.raises(WorkerUnequipped, match=f"no local video model is set on this worker .{MODEL_ENV}"):
        real_equipped(environ={})
    with pytest.raises(WorkerUnequipped, match="not on this worker's disk") as missing:
        real_equipped(environ={MODEL_ENV: str(tmp_path / "secret-models")})
    assert missing.value.setting == MODEL_ENV and "secret-models" not in str(missing.value)
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(WorkerUnequipped, match=r"diffusers package is not installed.*\[video\]"):
        real_equipped(environ={MODEL_ENV: str(pipeline)})


def test_real_phase_checks_configs_against_the_local_model(built, hosted, tmp_path, monkeypatch):
    bench = VditE2eBenchmark(real=SMALL)
    assert bench.validate(_payload(built, PSA)) == []
    plan = {"method": "sparse_vdit", "plan": {"calls": [{"step": 0, "layer": 0, "modes": ["full"] * 3}]}}
    assert [p.where for p in bench.validate(_payload(built, plan))] == ["config.plan.calls[0].modes"]
    assert [p.where for p in bench.validate(_payload(built, {"method": "sparse_vdit", "search": {}}))] == [
        "config.search"]  # fmt: skip
    blocks = {"method": "psa", "params": {"block_size": 96}}
    assert [p.where for p in bench.validate(_payload(built, blocks))] == ["config.params.block_size"]
    code = tmp_path / "mine.py"
    code.write_text("x = 1\n")
    (problem,) = bench.validate(_payload(built, file=code))
    assert problem.where == "mine.py" and "JSON method config" in problem.message
    monkeypatch.delenv(MODEL_ENV)  # the web process may not hold the model: the worker checks
    assert bench.precheck(_payload(built, plan)) == []
    assert [p.where for p in bench.precheck(_payload(built, file=code))] == ["mine.py"]
    with pytest.raises(WorkerUnequipped, match=MODEL_ENV):
        bench.validate(_payload(built, PSA))
    with pytest.raises(WorkerUnequipped, match=MODEL_ENV):
        bench.score(_payload(built, PSA), built / "hidden")


def test_real_phase_scores_each_video_as_diffusers_run_does(built, hosted):
    report = VditE2eBenchmark(real=SMALL).score(_payload(built, PSA), built / "hidden")
    private, public = report.splits["private"], report.splits["public"]
    seeds = phase_seeds_read(phase=REAL_PHASE, public_dir=built / "public", hidden_dir=built / "hidden")
    options = RunOptions(latent=SMALL.latent, steps=SMALL.steps, seed=seeds.videos[1][0], text_tokens=8)
    alone = model_run(model=local_model_check(hosted), config=PSA, options=options)
    videos = {i.item: i.values for i in private.items if i.group == "videos"}
    assert list(videos) == ["video 1", "video 2"]
    assert videos["video 2"]["psnr"] == pytest.approx(alone.video["psnr"], rel=1e-6)
    assert videos["video 2"]["density"] == pytest.approx(alone.means["density"], rel=1e-9)
    assert videos["video 2"]["latent_rel_l2"] == pytest.approx(alone.latent_rel_l2, rel=1e-6)
    assert math.isfinite(private.metrics["psnr"]) and private.metrics["psnr_lo"] <= private.metrics["psnr"]
    density = private.metrics["density"]
    assert 0 < density < 1 and private.metrics["sparsity"] == 1 - density
    assert private.metrics["e2e_speedup"] > 0 and private.metrics["speedup"] > 0
    assert 0 <= private.metrics["estimator_share"] <= 1 and 0 < private.metrics["attention_share"] <= 1
    assert [i.item for i in public.items if i.group == "videos"] == ["video 1"]
    assert public.metrics["e2e_speedup"] == private.metrics["e2e_speedup"]  # the first video's timed pair
    assert [i.item for i in private.items if i.group == "timing"] == ["1 timed pairs of video 1 (medians)"]
    assert report.hardware["video_model"] == hosted.name and report.protocol_version.endswith("-real")
    assert not report.artefacts and not any(str(s) in line for line in report.log for s, _ in seeds.videos)


def _run(*, video: dict | None, timing: dict) -> ModelRunReport:
    """A scored pair with one call's means."""
    return ModelRunReport(status="scored", means={"density": 0.5, "rel_l2": 0.1, "mass_recall": 0.9},
                          latent_rel_l2=0.2, video=video, timing=timing)  # fmt: skip


def test_real_split_without_a_vae_or_a_method_says_why():
    dense = _run(video=None, timing={"speedup": None, "note": "not timed (dense, or --repeats 0)"})
    split = real_split(runs=[dense, dataclasses.replace(dense)], limit=None)
    assert split.metrics["psnr"] is None and split.na_reasons["psnr_hi"] == NO_VAE
    assert split.metrics["e2e_speedup"] == split.metrics["speedup"] == 1.0
    assert split.metrics["estimator_share"] is None and split.na_reasons["estimator_share"].startswith("n/a")
    (first,) = [i for i in real_split(runs=[dense, dense], limit=1).items if i.group == "videos"]
    assert first.values["latent_rel_l2"] == 0.2 and first.values["psnr"] is None
