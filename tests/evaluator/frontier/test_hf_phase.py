"""test-hf: hosted only with the setting, hidden seeds from the secret, scored on a tiny local Llama as
hf_run measures it; a worker without the model says which setting it lacks."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sb_seeds import seeds_for
from sb_tiny_hf import tiny_model_save

from evaluator.benchmarks.frontier.benchmark import FrontierBenchmark
from evaluator.benchmarks.frontier.hf_adapter import MODEL_ENV, CallRecord
from evaluator.benchmarks.frontier.hf_phase import HF_PHASE, hf_equipped, hf_model_cached
from evaluator.benchmarks.frontier.hf_run import HfTaskResult, hf_task_run
from evaluator.benchmarks.frontier.hf_score import SILENT, HfPhaseRun, hf_split
from evaluator.benchmarks.frontier.plan import phase_seeds_read, seed_key
from evaluator.benchmarks.frontier.registry import task_names
from evaluator.benchmarks.frontier.spec import frontier_spec
from evaluator.benchmarks.frontier.submission import submission_parse
from evaluator.contract import Payload, SubmissionRefused, WorkerUnequipped

pytest.importorskip("transformers")
TASKS = ("ruler_niah", "ruler_vt")
LENGTH = 1024
BLOCK_TOPK = {"method": "block_topk", "params": {"block_size": 16, "top_k": 4}}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """The tiny Llama saved to disk."""
    path = tmp_path_factory.mktemp("tiny-llama-phase")
    tiny_model_save(path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Frontier data built with the test secret."""
    out = tmp_path_factory.mktemp("frontier-hf")
    FrontierBenchmark().build(out, seeds=seeds_for())
    return out


@pytest.fixture
def hosted(model_dir, monkeypatch):
    """This process is a worker with the tiny model named, on the CPU, the hub unreachable."""
    monkeypatch.setenv(MODEL_ENV, str(model_dir))
    monkeypatch.setenv("SPARSEBENCH_DEVICE", "cpu")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError("the phase tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return model_dir


def _bench() -> FrontierBenchmark:
    """The plugin with the phase cut to 2 samples of two tasks at 1,024 tokens, 3 new tokens per answer."""
    return FrontierBenchmark(samples=2, lengths=(LENGTH,), hf_tasks=TASKS, hf_new_tokens=3)


def _payload(out: Path, config: dict | None = None, *, file: Path | None = None) -> Payload:
    return Payload(phase=HF_PHASE, public_dir=out / "public", config=config, file=file)


def test_hf_phase_is_declared_only_where_the_setting_names_a_model():
    assert HF_PHASE not in {p.slug for p in frontier_spec(environ={}).phases}
    assert HF_PHASE not in {p.slug for p in frontier_spec(environ={MODEL_ENV: "  "}).phases}
    phase = frontier_spec(environ={MODEL_ENV: "/models/on/the/gpu/worker"}).phase(HF_PHASE)
    assert phase.needs_gpu and not phase.accepts_code and "not yet timed on a GPU" in phase.description


def test_hf_phase_seeds_are_hidden_and_come_from_the_secret_alone(built, tmp_path):
    seeds = phase_seeds_read(phase=HF_PHASE, public_dir=built / "public", hidden_dir=built / "hidden")
    assert set(seeds) == {seed_key(task=t, length=4096) for t in task_names()}
    public_text = "".join(p.read_text() for p in (built / "public").iterdir() if p.suffix in {".md", ".json"})
    assert all(str(seed) not in public_text for seed in seeds.values())
    other = tmp_path / "other"
    FrontierBenchmark().build(other, seeds=seeds_for(secret=bytes(range(1, 33))))
    again = phase_seeds_read(phase=HF_PHASE, public_dir=other / "public", hidden_dir=other / "hidden")
    dev = "public/dev_seeds.json"
    assert (other / dev).read_text() == (built / dev).read_text()
    assert set(again) == set(seeds) and all(again[k] != seeds[k] for k in seeds)


def test_hf_equipped_names_the_setting_without_the_path(tmp_path, monkeypatch):
    unset = f"no local transformers model is set on this worker .{MODEL_ENV}"
    with pytest.raises(WorkerUnequipped, match=unset):
        hf_equipped(environ={})
    with pytest.raises(WorkerUnequipped, match="not on this worker's disk") as missing:
        hf_equipped(environ={MODEL_ENV: str(tmp_path / "secret-models")})
    assert missing.value.setting == MODEL_ENV and "secret-models" not in str(missing.value)
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(WorkerUnequipped, match=r"transformers package is not installed.*\[hf\]"):
        hf_equipped(environ={MODEL_ENV: str(tmp_path)})


def test_hf_phase_takes_configs_only_and_is_known_without_the_setting(built, tmp_path, monkeypatch):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    bench = _bench()
    assert HF_PHASE not in {p.slug for p in bench.spec.phases}
    assert bench.validate(_payload(built, BLOCK_TOPK)) == []
    code = tmp_path / "mine.py"
    code.write_text("def select(q, k, **info):\n    return None\n")
    for check in (bench.validate, bench.precheck):
        (problem,) = check(_payload(built, file=code))
        assert problem.where == "mine.py" and "JSON method config" in problem.message
    assert [p.where for p in bench.validate(_payload(built, {"method": "nope"}))] == ["config.method"]
    with pytest.raises(WorkerUnequipped, match=MODEL_ENV):
        bench.score(_payload(built, BLOCK_TOPK), built / "hidden")


def test_hf_phase_scores_the_method_as_hf_run_measures_it(built, hosted):
    report = _bench().score(_payload(built, BLOCK_TOPK), built / "hidden")
    private, public = report.splits["private"], report.splits["public"]
    seeds = phase_seeds_read(phase=HF_PHASE, public_dir=built / "public", hidden_dir=built / "hidden")
    hf = hf_model_cached(hosted, "cpu")
    submission = submission_parse(config=BLOCK_TOPK)[0]
    rows = {t: hf_task_run(hf=hf, submission=submission, task=t, length=LENGTH, seed=seeds[f"{t}@4096"],
                           samples=2, max_new_tokens=3).row() for t in TASKS}  # fmt: skip
    items = {item.item: item.values for item in private.items}
    assert set(items) == {f"{t}@{LENGTH}" for t in TASKS}
    for task, row in rows.items():
        values = items[f"{task}@{LENGTH}"]
        assert values["acc_dense"] == row["dense_accuracy"] and values["calls"] == row["calls"] == 2 * 2
        assert values["sparsity"] == pytest.approx(1 - row["density"], abs=1e-12)
        assert values["attn_rel_l2"] == pytest.approx(row["rel_l2"], rel=1e-6)
        assert values["mass_recall"] == pytest.approx(row["mass_recall"], rel=1e-6)
        if row["dense_accuracy"] == 0:  # a random model: the task is scored at the attention level
            assert values["acc"] is None and private.metrics[f"acc_{task}"] is None
            assert private.na_reasons[f"acc_{task}"] == SILENT
    assert 0 < private.metrics["sparsity"] < 1 and private.metrics["attn_rel_l2"] > 0
    assert private.metrics["speedup"] == private.metrics["prefill_speedup"] > 0
    assert private.metrics["decode_speedup"] is None and "decode" in private.na_reasons["decode_speedup"]
    assert private.na_reasons["acc_ruler_cwe"].startswith("n/a: not run")
    assert [i.values["samples"] for i in public.items] == [1.0, 1.0]
    assert all(i.values["calls"] == 2 for i in public.items)  # the first sample's two layers
    assert report.hardware["hf_model"] == hosted.name and report.protocol_version.endswith("-hf")
    assert not any(str(seed) in line for line in report.log for seed in seeds.values())


def test_hf_phase_meets_a_reachable_target_and_refuses_a_missed_one_with_both_numbers(built, hosted):
    config = {"method": "block_topk", "params": {"block_size": 16}, "target_sparsity": 0.8}
    report = _bench().score(_payload(built, config), built / "hidden")
    assert abs(report.splits["private"].metrics["sparsity"] - 0.8) <= 0.01
    missed = r"measured sparsity 0\.\d+ on the local model misses the declared 0\.9000 by more than 0\.01"
    with pytest.raises(SubmissionRefused, match=missed):  # 16-token blocks of ~1k-token prompts: too coarse
        _bench().score(_payload(built, {**config, "target_sparsity": 0.9}), built / "hidden")


def _result(task: str, dense: tuple[float, ...], method: tuple[float, ...]) -> HfTaskResult:
    """A task result with one prefill call per sample (density 0.25 then 0.75)."""
    calls = tuple(CallRecord(layer=0, kind="prefill", queries=64, keys=64, rel_l2=0.1 * (i + 1),
                             density=0.25 + 0.5 * i, density_reference=0.3, mass_recall=0.9, sample=i)
                  for i in range(len(dense)))  # fmt: skip
    return HfTaskResult(task=task, length=4096, prompt_tokens=(5000,) * len(dense), dense_scores=dense,
                        method_scores=method, calls=calls)  # fmt: skip


def test_hf_split_publishes_accuracy_only_where_the_model_answers_densely():
    run = HfPhaseRun(results=[_result("ruler_vt", (1.0, 0.5), (0.5, 0.0)),
                              _result("ruler_niah", (0.0, 0.0), (0.0, 0.0))], kind="prefill")  # fmt: skip
    private, public = hf_split(run=run, limit=None), hf_split(run=run, limit=1)
    assert private.metrics["acc_ruler_vt"] == 0.25 and public.metrics["acc_ruler_vt"] == 0.5
    assert private.metrics["acc_worst"] == private.metrics["acc_mean"] == 0.25
    assert private.metrics["acc_ruler_niah"] is None and private.na_reasons["acc_ruler_niah"] == SILENT
    assert private.metrics["sparsity"] == pytest.approx(0.5) and public.metrics["sparsity"] == 0.75
    assert private.metrics["sparsity_ref"] == pytest.approx(0.7)
    assert private.metrics["compression"] == pytest.approx(2.0)
    assert private.metrics["speedup"] is None and private.na_reasons["speedup"].startswith("n/a")
    silent = hf_split(run=HfPhaseRun(results=[_result("ruler_niah", (0.0,), (0.0,))]), limit=None)
    assert silent.metrics["acc_worst"] is None and "answers none" in silent.na_reasons["acc_worst"]
