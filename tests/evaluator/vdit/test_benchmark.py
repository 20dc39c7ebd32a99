"""The vdit plugin end to end on short videos: configs and code measured alike, refusals, logs, baselines."""

from __future__ import annotations

import pytest
from sb_sandbox import sandbox_required
from sb_seeds import seeds_for

from evaluator.benchmarks.vdit import VditBenchmark
from evaluator.benchmarks.vdit.benchmark import SAMPLE
from evaluator.contract import Payload, SubmissionRefused

VDIT_REFERENCE = '''
from kernels.methods.vdit import VditParams, vdit_build_layout


def select(q, k, *, causal, block_size, layer, step, geometry):
    """Sparse-vDiT's diagonal mode, built by the reference kernels inside the sandbox."""
    params = VditParams(frames=geometry["frames"], frame_tokens=geometry["height"] * geometry["width"],
                        text_tokens=geometry["text_tokens"], mode="diagonal", block_size=block_size[0])
    layout = vdit_build_layout(q, k, params)
    print("layer", layer, "blocks", int(layout.kv_num_blocks.sum()))
    return {"kv_num_blocks": layout.kv_num_blocks, "kv_indices": layout.kv_indices}
'''
BAD_ANSWER = """
import torch


def select(q, k, **info):
    print("q seen with shape", tuple(q.shape))
    return {"kv_num_blocks": torch.zeros(1, 1, 1, dtype=torch.int32)}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    bench = VditBenchmark(frames=(1,), seed_count=2, repeats=1)
    out = tmp_path_factory.mktemp("vdit")
    bench.build(out, seeds=seeds_for())
    return bench, out


def _score(built, *, config=None, file=None, phase="dev", bench=None):
    bench, out = (bench or built[0]), built[1]
    payload = Payload(phase=phase, public_dir=out / "public", config=config, file=file)
    assert bench.validate(payload) == []
    return bench.score(payload, out / "hidden")


def test_dense_is_the_reference_and_every_declared_metric_is_published(built):
    report = _score(built, config={"method": "dense"})
    split = report.splits["private"]
    assert set(split.metrics) == {m.name for m in built[0].spec.metrics}
    assert (
        split.metrics["rel_l2"] == 0.0 and split.metrics["density"] == 1.0 and split.metrics["speedup"] == 1.0
    )
    assert split.metrics["estimator_share"] is None and "reference" in split.na_reasons["estimator_share"]
    assert len(split.items) == 2 * 4 and len(report.splits["public"].items) == 4


def test_psa_preset_is_measured_with_error_density_recall_speed_and_an_interval(built):
    split = _score(built, config={"method": "psa", "preset": "wan2.1-1.3b"}).splits["private"]
    m = split.metrics
    assert 0.0 < m["density"] < 1.0 and m["sparsity"] == pytest.approx(1.0 - m["density"])
    assert 0.0 < m["mass_recall"] < 1.0 and m["rel_l2"] > 0.0
    assert m["rel_l2_lo"] <= m["rel_l2"] <= m["rel_l2_hi"]
    assert m["rel_l2_worst"] == max(
        m[f"rel_l2_{p}"] for p in ("diagonal", "multi_diagonal", "vertical_stripe", "full")
    )
    assert m["speedup"] > 0 and 0.0 < m["estimator_share"] < 1.0
    declared = {m.name for m in (*built[0].spec.metrics, *built[0].spec.item_metrics)}
    assert {key for item in split.items for key in item.values} <= declared  # the item tables show them all
    timed = [item for item in split.items if "dense_ms" in item.values]
    assert [item.item for item in timed] == [f"1152 tokens / seed 1 / layer {i}" for i in (1, 2, 3, 4)]
    assert all(item.values["dense_ms"] > 0 and item.values["speedup"] > 0 for item in timed)


def test_a_plan_of_full_heads_matches_dense_attention(built):
    plan = {"calls": [{"step": 0, "layer": i, "modes": ["full"] * 4} for i in range(4)]}
    m = _score(built, config={"method": "sparse_vdit", "plan": plan}).splits["private"].metrics
    assert m["density"] == 1.0 and m["rel_l2"] < 1e-5 and m["mass_recall"] == pytest.approx(1.0)


def test_the_reference_method_as_code_gives_the_direct_path_figures(built, tmp_path):
    sandbox_required()
    code = tmp_path / "vdit_reference.py"
    code.write_text(VDIT_REFERENCE)
    coded = _score(built, file=code)
    direct = _score(built, config={"method": "sparse_vdit", "params": {"mode": "diagonal"}})
    for name in ("density", "mass_recall"):
        assert coded.splits["private"].metrics[name] == pytest.approx(direct.splits["private"].metrics[name])
    assert coded.splits["private"].metrics["rel_l2"] == pytest.approx(
        direct.splits["private"].metrics["rel_l2"], rel=1e-6
    )
    assert coded.log[0].startswith("sandbox start-up") and any("layer 3 blocks" in line for line in coded.log)


def test_the_sample_submission_runs_and_its_output_stays_hidden_on_a_test_phase(built, tmp_path):
    sandbox_required()
    three_frames = VditBenchmark(frames=(3,), seed_count=1, repeats=1)  # a frame each side: 7 of 9 pairs
    printing = tmp_path / "printing.py"
    printing.write_text(SAMPLE.read_text() + "\nprint('a secret seen inside')\n")
    report = _score(built, file=printing, bench=three_frames, phase="test")
    m = report.splits["private"].metrics
    assert 0.6 < m["density"] < 0.9 and m["speedup"] > 0
    assert "not shown on a hidden-seed phase" in report.log[-1] and "secret" not in "".join(report.log)
    bad = tmp_path / "bad.py"
    bad.write_text(BAD_ANSWER)
    for phase in ("dev", "test"):
        with pytest.raises(SubmissionRefused, match="kv_num_blocks"):
            _score(built, file=bad, phase=phase)


def test_baselines_cover_every_phase_with_valid_payloads(built, tmp_path):
    bench, out = built
    baselines = bench.baselines()
    assert {b.name for b in baselines} >= {
        "Dense",
        "PSA wan2.1-1.3b",
        "BLADE ASA_G wan2.1-1.3b",
        "Sparse-vDiT searched plan",
    }
    for baseline in baselines:
        assert set(baseline.phases) == {"dev", "test", "test-long"}
        if not baseline.name.startswith("Sparse-vDiT searched"):  # the search runs at 8k: tested below
            assert bench.validate(baseline.make_payload(out / "public", "dev", tmp_path)) == []


def test_the_searched_plans_give_each_head_a_mode_from_the_calibration_seed(built):
    from evaluator.benchmarks.vdit.baselines import searched_plan

    bench, out = built
    for scaled in (False, True):
        config = searched_plan(public_dir=out / "public", frames=2, scaled=scaled)
        assert [call["layer"] for call in config["plan"]["calls"]] == [0, 1, 2, 3]
        assert bench.validate(Payload(phase="test", public_dir=out / "public", config=config)) == []
    modes = {mode for call in config["plan"]["calls"] for mode in call["modes"]}
    assert len(modes) >= 2  # on the relative MSE the heads' patterns show: not one mode for all


def test_validate_refuses_block_sizes_that_do_not_tile_the_phase_and_names_the_field(built):
    bench, out = built

    def where(config, phase="test"):
        return [
            p.where for p in bench.validate(Payload(phase=phase, public_dir=out / "public", config=config))
        ]

    assert where({"method": "psa", "params": {"block_size": 96}}) == ["config.params.block_size"]
    assert where({"method": "psa", "params": {"key_block_size": 48}}) == ["config.params.key_block_size"]
    assert where({"method": "sparse_vdit", "params": {"block_size": 256}}) == ["config.params.block_size"]
    assert where({"method": "blade_asa", "params": {"block_size": 64}}) == []
    assert where({"method": "dense"}, phase="nope") == ["phase"]


def test_precheck_checks_configs_as_validate_and_code_without_running_it(built, tmp_path):
    bench, out = built
    psa = {"method": "psa", "params": {"block_size": 96}}
    config = Payload(phase="test", public_dir=out / "public", config=psa)
    assert bench.precheck(config) == bench.validate(config) and bench.precheck(config)[0].where == (
        "config.params.block_size"
    )
    code = tmp_path / "vdit method.py"
    code.write_text(VDIT_REFERENCE)
    assert bench.precheck(Payload(phase="dev", public_dir=out / "public", file=code)) == []
    code.write_text("def select(q, k:\n")
    problems = bench.precheck(Payload(phase="nope", public_dir=out / "public", file=code))
    assert [p.where for p in problems] == ["phase", "vdit method.py"]
