"""The vdit-e2e plugin on a tiny DiT: seeds, validation, dense and sparse scoring from the same noise."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from PIL import Image
from sb_seeds import seeds_for

from evaluator.benchmarks.vdit.dit.sampler import SamplerConfig, noise_draw, sample_video
from evaluator.benchmarks.vdit.submission import VditSubmission
from evaluator.benchmarks.vdit_e2e import VditE2eBenchmark
from evaluator.benchmarks.vdit_e2e.benchmark import PLOT_NAME, STRIP_NAME
from evaluator.benchmarks.vdit_e2e.hooks import CallRecord
from evaluator.benchmarks.vdit_e2e.plot import layer_step_errors
from evaluator.benchmarks.vdit_e2e.report import DENSE_REASON
from evaluator.benchmarks.vdit_e2e.run import SpeedResult, TimedPair, phase_run
from evaluator.benchmarks.vdit_e2e.strip import frame_strip_png
from evaluator.contract import ARTEFACT_MAX_BYTES, Payload, no_progress
from evaluator.metrics.video import video_frames, video_quality
from kernels.method_config import method_config_parse

STEPS, VIDEOS, LAYERS = 2, 2, 2


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_weights):
    bench = VditE2eBenchmark(steps=STEPS, video_count=VIDEOS, repeats=1, weights=tiny_weights)
    out = tmp_path_factory.mktemp("vdit-e2e")
    bench.build(out, seeds=seeds_for())
    return bench, out


def _payload(out, config, phase="dev"):
    return Payload(phase=phase, public_dir=out / "public", config=config)


@pytest.fixture(scope="module")
def diagonal(built):
    bench, out = built
    config = {"method": "sparse_vdit", "params": {"mode": "diagonal"}}
    return bench.score(_payload(out, config), out / "hidden")


def test_build_publishes_dev_and_calibration_seeds_hides_test_seeds(built, tmp_path, tiny_weights) -> None:
    bench, out = built
    public = out / "public"
    assert {p.name for p in public.iterdir()} == set(bench.spec.phase("dev").public_paths)
    dev = json.loads((public / "dev_seeds.json").read_text())
    test = json.loads((out / "hidden" / "seeds.json").read_text())["test"]
    assert [c for _, c in dev["videos"]] == [0, 1, 2, 3] and len(test["videos"]) == 8
    assert not {s for s, _ in dev["videos"]} & {s for s, _ in test["videos"]}
    other = VditE2eBenchmark(weights=tiny_weights)
    other.build(tmp_path, seeds=seeds_for(secret=bytes(32)))
    assert json.loads((tmp_path / "public" / "dev_seeds.json").read_text()) == dev
    calibration = (public / "calibration_seeds.json").read_text()
    assert (tmp_path / "public" / "calibration_seeds.json").read_text() == calibration
    assert json.loads((tmp_path / "hidden" / "seeds.json").read_text())["test"] != test


@pytest.mark.parametrize(
    "config, where",
    [
        ({"method": "sparse_vdit", "plan": {"calls": "all"}}, "config.plan"),
        ({"method": "sparse_vdit", "plan": {"calls": []}}, "config.plan.calls"),
        ({"method": "quest"}, "config.method"),
        ({"method": "psa", "params": {"block_size": 100}}, "config.params.block_size"),
        ({"method": "sparse_vdit", "params": {"head_modes": ["diagonal"]}}, "config.params.head_modes"),
        ({"method": "dense", "preset": "x"}, "config.preset"),
    ],
)
def test_validate_names_the_bad_field(built, config, where) -> None:
    bench, out = built
    assert [p.where for p in bench.validate(_payload(out, config))] == [where]


def test_validate_refuses_code_and_unknown_phases(built, tmp_path) -> None:
    bench, out = built
    code = tmp_path / "select.py"
    code.write_text("def select(q, k, **info):\n    pass\n")
    problems = bench.validate(Payload(phase="dev", public_dir=out / "public", file=code))
    assert problems[0].where == "select.py" and "kernel-level track" in problems[0].message
    assert bench.validate(_payload(out, {"method": "dense"}, phase="test-huge"))[0].where == "phase"
    assert bench.validate(_payload(out, {"method": "dense"})) == []


def test_dense_scores_as_the_reference(built) -> None:
    bench, out = built
    split = bench.score(_payload(out, {"method": "dense"}), out / "hidden").splits["private"]
    m = split.metrics
    assert (m["psnr"], m["lpips"]) == (100.0, 0.0)
    assert m["ssim"] == pytest.approx(1.0) and m["ssim_svg"] == pytest.approx(1.0)
    assert (m["density"], m["e2e_speedup"], m["rel_l2"]) == (1.0, 1.0, 0.0)
    assert m["estimator_share"] is None and split.na_reasons["estimator_share"] == DENSE_REASON


def test_sparse_video_is_scored_against_the_dense_video_of_the_same_noise(built) -> None:
    bench, out = built
    dev = json.loads((out / "public" / "dev_seeds.json").read_text())
    videos = tuple((s, c) for s, c in dev["videos"][:VIDEOS])
    config = method_config_parse({"method": "sparse_vdit", "params": {"mode": "diagonal"}})
    model = bench.model()
    run = phase_run(model=model, submission=VditSubmission(method=config), videos=videos, steps=STEPS,
                    sampling=7, repeats=1, progress=no_progress)  # fmt: skip
    for result, (seed, label) in zip(run.videos, videos, strict=True):
        noise = noise_draw(seed=seed, batch=1, model=model)
        labels = torch.tensor([label])
        dense = sample_video(model=model, noise=noise, labels=labels, config=SamplerConfig(STEPS))
        np.testing.assert_array_equal(result.dense_frames, video_frames(dense[0].numpy()))
        assert result.label == label and not np.array_equal(result.sparse_frames, result.dense_frames)
        quality = video_quality(result.sparse_frames, result.dense_frames)
        assert quality == result.quality and 0 < quality.means()["psnr"] < 100
        assert len(result.records) == STEPS * LAYERS
    assert run.speed is not None and run.speed.rounds == 1


def test_sparse_scores_aggregate_the_videos(diagonal) -> None:
    split = diagonal.splits["private"]
    videos = [i for i in split.items if i.group == "videos"]
    assert len(videos) == VIDEOS and all(i.values["lpips"] > 0 for i in videos)
    m = split.metrics
    assert m["psnr"] == pytest.approx(np.mean([i.values["psnr"] for i in videos]))
    for name in ("psnr", "ssim", "ssim_svg", "lpips"):
        assert m[f"{name}_lo"] <= m[name] <= m[f"{name}_hi"]
    assert 0 < m["density"] < 1 and m["sparsity"] == pytest.approx(1 - m["density"])
    assert m["rel_l2"] > 0 and m["e2e_speedup"] > 0 and m["speedup"] > 0 and 0 < m["estimator_share"] < 1


def test_per_layer_errors_and_timing_are_items(diagonal) -> None:
    split = diagonal.splits["private"]
    layers = [i for i in split.items if i.group.startswith("layer ")]
    assert len(layers) == VIDEOS * LAYERS
    assert split.metrics["rel_l2"] == pytest.approx(np.mean([i.values["rel_l2"] for i in layers]))
    (timing,) = [i for i in split.items if i.group == "timing"]
    assert timing.values["dense_sampling_ms"] > 0 and timing.values["estimator_ms"] > 0
    public = diagonal.splits["public"]
    assert len([i for i in public.items if i.group == "videos"]) == VIDEOS // 2


def test_every_published_value_is_declared(built, diagonal) -> None:
    bench, _ = built
    spec = bench.spec
    declared = {m.name for m in spec.metrics}
    assert set(diagonal.splits["private"].metrics) == declared
    item_keys = {k for i in diagonal.splits["private"].items for k in i.values}
    assert item_keys <= declared | {m.name for m in spec.item_metrics}
    assert spec.ranking_metric == "psnr" and spec.pareto_axes == ("e2e_speedup", "psnr")
    assert "13 of its 16 heads are diffuse" in spec.description and "38 minutes" in spec.description
    phases = {b.phases for b in bench.baselines()}
    assert len(bench.baselines()) == 19 and phases == {("dev", "test", "test-long")}


def test_the_frame_strip_shows_dense_above_sparse_on_the_dev_phase_only(built, diagonal) -> None:
    bench, out = built
    png = diagonal.artefacts[STRIP_NAME]
    assert png.startswith(b"\x89PNG") and len(png) <= ARTEFACT_MAX_BYTES
    image = np.asarray(Image.open(io.BytesIO(png)))
    assert image.shape == (2 * 128 + 4, 2 * 128 + 4, 3)  # 2 frames: the first, and the middle = the last
    assert (image[128:132] == 255).all() and not np.array_equal(image[:128, :128], image[132:, :128])
    hidden = bench.score(_payload(out, {"method": "dense"}, phase="test"), out / "hidden")
    assert hidden.artefacts == {}


def test_frame_strip_places_first_middle_and_last_frames() -> None:
    rng = np.random.default_rng(0)
    dense, sparse = rng.random((5, 8, 8, 3)), rng.random((5, 8, 8, 3))
    image = np.asarray(Image.open(io.BytesIO(frame_strip_png(dense=dense, sparse=sparse, scale=2))))
    assert image.shape == (2 * 16 + 4, 3 * 16 + 8, 3)
    for col, frame in enumerate((0, 2, 4)):
        left = col * (16 + 4)
        np.testing.assert_array_equal(image[0:16:2, left : left + 16 : 2], np.round(dense[frame] * 255))
        np.testing.assert_array_equal(image[20:36:2, left : left + 16 : 2], np.round(sparse[frame] * 255))
    with pytest.raises(ValueError, match="alike"):
        frame_strip_png(dense=dense, sparse=sparse[:2])


def test_the_per_layer_error_plot_averages_the_public_videos_calls(built, diagonal) -> None:
    png = diagonal.artefacts[PLOT_NAME]
    assert len(png) <= ARTEFACT_MAX_BYTES
    assert Image.open(io.BytesIO(png)).size == (480, 260)
    records = [
        CallRecord(step=s, layer=layer, density=0.5, rel_l2=0.1 * (layer + 1) + 0.01 * s + 0.001 * video)
        for video in range(3)
        for s in range(STEPS)
        for layer in range(LAYERS)
    ]
    errors = layer_step_errors(records=records, layers=LAYERS, steps=STEPS)
    expected = np.array([[0.1 * (i + 1) + 0.01 * s + 0.001 for s in range(STEPS)] for i in range(LAYERS)])
    np.testing.assert_allclose(errors, expected)
    with pytest.raises(ValueError, match="every"):
        layer_step_errors(records=records[:1], layers=LAYERS, steps=STEPS)
    bench, out = built
    dense = bench.score(_payload(out, {"method": "dense"}), out / "hidden")
    assert set(dense.artefacts) == {STRIP_NAME}


@pytest.mark.parametrize("count, repeats, pairs", [(1, 2, 2), (2, 3, 3), (3, 1, 2)])
def test_speed_counts_later_videos_and_tops_up_with_rounds_on_the_first(built, count, repeats, pairs) -> None:
    bench, _ = built
    config = method_config_parse({"method": "blade_asa", "params": {"global_gap": 0}})
    videos = tuple((100 + i, i % 4) for i in range(count))
    run = phase_run(model=bench.model(), submission=VditSubmission(method=config), videos=videos, steps=1,
                    sampling=7, repeats=repeats, progress=no_progress)  # fmt: skip
    assert run.speed.rounds == pairs and ("timed rounds" in run.seconds) == (repeats > count - 1)


def test_speed_result_takes_each_figures_median() -> None:
    pairs = [TimedPair(10.0 * i, 5.0 * i, 2.0 * i, 1.0 * i, 0.5 * i) for i in (1, 3, 2)]
    speed = SpeedResult.of(pairs)
    assert (speed.dense_sampling_ms, speed.method_sampling_ms) == (20, 10)
    assert (speed.estimator_ms, speed.rounds) == (1, 3)


def test_precheck_reads_the_model_shape_without_loading_the_weights(built, tmp_path) -> None:
    bench = VditE2eBenchmark(weights=built[0].weights)  # a fresh instance: nothing loaded yet
    out = built[1]
    bad = _payload(out, {"method": "sparse_vdit", "params": {"head_modes": ["diagonal"]}})
    assert [p.where for p in bench.precheck(bad)] == ["config.params.head_modes"]
    assert bench.precheck(_payload(out, {"method": "dense"})) == []
    code = tmp_path / "select.py"
    code.write_text("def select(q, k, **info):\n    pass\n")
    problems = bench.precheck(Payload(phase="dev", public_dir=out / "public", file=code))
    assert "kernel-level track" in problems[0].message
    assert bench._model is None


def test_the_job_runs_on_its_own_threads_and_restores_the_callers(built, monkeypatch) -> None:
    """The sampling runs on the job's torch threads, the report says so, the caller's count comes back."""
    from evaluator.benchmarks.vdit_e2e import benchmark as plugin

    bench, out = built
    seen = []

    def spy(**kwargs):
        seen.append(torch.get_num_threads())
        return phase_run(**kwargs)

    monkeypatch.setattr(plugin, "phase_run", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        report = VditE2eBenchmark(steps=1, video_count=1, repeats=1, weights=bench.weights, threads=1).score(
            _payload(out, {"method": "dense"}), out / "hidden"
        )
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert report.hardware["threads"] == "1" and "torch threads: 1" in report.log
