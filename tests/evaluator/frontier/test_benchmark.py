"""The frontier plugin end to end on one short sample: build, validate, score, refusals, baselines."""

from __future__ import annotations

import json

import pytest
from sb_frontier import SHORT_TASKS
from sb_frontier_small import short_built

from evaluator.benchmarks.frontier.model.protocol import SUPPORTED_TASKS
from evaluator.benchmarks.frontier.registry import task_names
from evaluator.contract import Payload, SubmissionRefused

#: The prompt length of these tests: short, and long enough for the scored tasks run here (VT needs
#: 1,100; ruler_cwe 2,100 and story_retrieval 3,200 are run densely in test_model).
SHORT = 1280


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return short_built(tmp_path_factory.mktemp("frontier"), length=SHORT)


def _payload(out, config, phase="dev"):
    return Payload(phase=phase, public_dir=out / "public", config=config)


def test_build_publishes_dev_seeds_and_hides_the_test_ones(built):
    bench, out = built
    for name in bench.spec.phase("dev").public_paths:
        assert (out / "public" / name).is_file(), name
    hidden = json.loads((out / "hidden" / "seeds.json").read_text())
    public_text = "".join(p.read_text() for p in (out / "public").iterdir())
    assert all(str(seed) not in public_text for table in hidden.values() for seed in table.values())


def test_validate_names_the_phase_the_file_and_the_config_field(built):
    bench, out = built
    assert bench.validate(_payload(out, {"method": "quest"})) == []
    problems = bench.validate(Payload(phase="nope", public_dir=out / "public", config={"method": "x"}))
    assert [p.where for p in problems] == ["phase", "config.method"]


def test_dense_scores_every_supported_task_and_marks_the_others_n_a(built):
    bench, out = built
    report = bench.score(_payload(out, {"method": "dense"}), out / "hidden")
    metrics, reasons = report.splits["private"].metrics, report.splits["private"].na_reasons
    assert metrics["sparsity"] == 0.0 and metrics["speedup"] == 1.0 and metrics["attn_rel_l2"] == 0.0
    assert metrics["prefill_speedup"] == metrics["decode_speedup"] == 1.0
    for task in task_names():
        if task in SHORT_TASKS:
            assert metrics[f"acc_{task}"] == 1.0, task
        elif task in SUPPORTED_TASKS:
            assert metrics[f"acc_{task}"] is None and "not run" in reasons[f"acc_{task}"]
        else:
            assert metrics[f"acc_{task}"] is None and "does not solve" in reasons[f"acc_{task}"]
    niah = {item.item: item.values for item in report.splits["private"].items}[f"ruler_niah@{SHORT}"]
    declared = {m.name for m in (*built[0].spec.metrics, *built[0].spec.item_metrics)}
    assert set(niah) <= declared  # the per-item table and CSV show every value
    assert niah["acc_lo"] <= niah["acc"] <= niah["acc_hi"] and niah["samples"] == 1.0
    assert niah["sparsity"] == 0.0 and niah["calls"] > 0 and niah["prefill_speedup"] == 1.0


def test_a_method_with_a_target_is_measured_near_it_with_speed_and_error(built):
    bench, out = built
    report = bench.score(_payload(out, {"method": "vertical_slash", "target_sparsity": 0.7}), out / "hidden")
    metrics = report.splits["private"].metrics
    assert abs(metrics["sparsity"] - 0.7) <= 0.01 and 0.6 < metrics["sparsity_ref"] < 0.8
    assert metrics["speedup"] > 0.0 and metrics["attn_rel_l2"] > 0.0
    assert metrics["compression"] == pytest.approx(1.0 / (1.0 - metrics["sparsity"]))
    assert metrics["prefill_speedup"] == metrics["speedup"] and metrics["decode_speedup"] is None
    assert "n/a" in report.splits["private"].na_reasons["decode_speedup"]
    _items_agree(report.splits["private"], own="prefill_speedup", other="decode_speedup")


def _items_agree(split, *, own: str, other: str) -> None:
    """The items' sparsity and error, weighted by their calls, are the run's (one length: the calls of its
    tasks cover nearly the same causal cells); the speedup is the length's, for every task."""
    items, metrics = split.items, split.metrics
    calls = [item.values["calls"] for item in items]
    assert len(items) == len(SHORT_TASKS) and min(calls) > 0
    for name in ("sparsity", "attn_rel_l2"):
        mean = sum(item.values[name] * n for item, n in zip(items, calls, strict=True)) / sum(calls)
        assert mean == pytest.approx(metrics[name], abs=0.005), name
    for item in items:
        assert item.values[own] == pytest.approx(metrics[own]) and item.values[other] is None


def test_a_decode_method_gets_a_decode_speedup_and_no_prefill_one(built):
    bench, out = built
    report = bench.score(_payload(out, {"method": "quest", "params": {"token_budget": 256}}), out / "hidden")
    split = report.splits["private"]
    metrics = split.metrics
    assert 0.0 < metrics["sparsity"] < 1.0 and metrics["sparsity_ref"] is None
    assert metrics["attn_rel_l2"] > 0.0
    assert metrics["decode_speedup"] == metrics["speedup"] > 0.0 and metrics["prefill_speedup"] is None
    assert "n/a" in split.na_reasons["prefill_speedup"]
    _items_agree(split, own="decode_speedup", other="prefill_speedup")


def test_a_target_the_method_cannot_meet_is_refused_with_both_numbers(built):
    bench, out = built  # at 1280 tokens block top-k's whole 16-token chunks step by about 0.02
    with pytest.raises(SubmissionRefused, match=r"measured sparsity 0\.83\d+ misses the declared 0\.8500"):
        bench.score(_payload(out, {"method": "block_topk", "target_sparsity": 0.85}), out / "hidden")


def test_baselines_are_dense_and_every_method_at_the_published_sparsities(built):
    bench, out = built
    names = [b.name for b in bench.baselines()]
    assert names[0] == "Dense" and "block_topk @ 0.95" in names and len(names) == 1 + 6 * 5
    dev = [b for b in bench.baselines() if "dev" in b.phases]
    assert len(dev) == 31 and bench.validate(dev[1].make_payload(out / "public", "dev", out)) == []


def test_precheck_checks_the_config_and_compiles_code_without_running_it(built, tmp_path):
    bench, out = built
    assert bench.precheck(_payload(out, {"method": "quest"})) == []
    problems = bench.precheck(Payload(phase="nope", public_dir=out / "public", config={"method": "x"}))
    assert [p.where for p in problems] == ["phase", "config.method"]
    code = tmp_path / "mine.py"
    code.write_text("raise SystemExit('ran')\ndef choose(q, k, **info):\n    return {}\n")
    problems = bench.precheck(Payload(phase="dev", public_dir=out / "public", file=code))
    assert [str(p) for p in problems] == [
        "mine.py: no_select: defines no select(q, k, **info) at module level"
    ]


def test_a_cancelled_run_stops_at_its_first_progress_before_the_budget_and_speed_runs(built, monkeypatch):
    from evaluator.benchmarks.frontier import evaluate

    bench, out = built
    calls, reports = [], []
    monkeypatch.setattr(evaluate, "params_for", lambda **kw: calls.append("budget"))
    monkeypatch.setattr(evaluate, "speed_measure", lambda **kw: calls.append("speed"))

    class Cancelled(Exception):
        pass

    def progress(fraction, stage):
        reports.append(stage)
        raise Cancelled  # the worker's progress callback raises once the lease is lost

    config = {"method": "block_topk", "target_sparsity": 0.8}
    with pytest.raises(Cancelled):
        bench.score(_payload(out, config), out / "hidden", progress=progress)
    assert calls == [] and len(reports) == 1 and "choosing the budget" in reports[0]
