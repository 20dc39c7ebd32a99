"""The transformers adapter: a tiny randomly initialised Llama built and saved here, loaded from disk only,
its attention equal to transformers' own and each sparse call measured as the kernels' harness does."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch
from sb_tiny_hf import SPECIAL, tiny_model_save

from evaluator.benchmarks.frontier.attention import ERROR_ROWS, MethodAttention, error_rows, prefill_error
from evaluator.benchmarks.frontier.hf_adapter import (
    MODEL_ENV,
    UNCONFIGURED,
    HfAttention,
    config_check,
    hf_attention_active,
    hf_model_dir,
    hf_model_load,
    hf_unavailable_reason,
)
from evaluator.benchmarks.frontier.hf_run import HfTaskResult, hf_task_run, main
from evaluator.benchmarks.frontier.hooks import SubmissionHooks
from evaluator.benchmarks.frontier.submission import submission_parse
from kernels.harness import method_measure, method_params
from kernels.method_config import method_config_parse

transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

REPO = Path(__file__).resolve().parents[3]
GUIDE = REPO / "docs" / "FRONTIER_TASKS.md"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """The tiny model's directory."""
    path = tmp_path_factory.mktemp("tiny-llama")
    tiny_model_save(path)
    return path


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No hub access in any test: HF_HUB_OFFLINE and a socket that refuses to connect."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError("the adapter tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@dataclass
class KeptInputs:
    """Hooks that keep each layer's prompt q, k, v (as the method's run saw them) and pass the call on."""

    inner: SubmissionHooks
    prompt: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)

    def prefill(self, q, k, v, *, layer: int, causal: bool):
        """Keep q, k, v and the output; the inner hooks' prompt attention."""
        self.prompt[layer] = (q.clone(), k.clone(), v.clone())
        self.outputs[layer] = self.inner.prefill(q, k, v, layer=layer, causal=causal)
        return self.outputs[layer]


def _ids(n: int, *, vocab: int, seed: int = 1) -> torch.Tensor:
    """n random token ids (none of them special) as a [1, n] batch."""
    return torch.randint(len(SPECIAL), vocab, (1, n), generator=torch.Generator().manual_seed(seed))


def test_hf_unconfigured_reports_na(monkeypatch, capsys):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert hf_model_dir() is None
    assert hf_unavailable_reason() == UNCONFIGURED
    assert UNCONFIGURED == "n/a: no local model configured (SPARSEBENCH_FRONTIER_HF_MODEL)"
    assert main(["--tasks", "ruler_niah"]) == 2
    assert capsys.readouterr().out.strip() == UNCONFIGURED


def test_hf_model_dir_names_the_variable_when_it_holds_no_model(tmp_path, capsys):
    with pytest.raises(ValueError, match=f"{MODEL_ENV}=.*not a directory"):
        hf_model_dir(environ={MODEL_ENV: str(tmp_path / "missing")})
    with pytest.raises(ValueError, match=f"{MODEL_ENV}=.*config.json"):
        hf_model_dir(environ={MODEL_ENV: str(tmp_path)})


def test_hf_config_check_refuses_sliding_windows():
    config = transformers.MistralConfig(sliding_window=128)
    with pytest.raises(ValueError, match="sliding_window=128"):
        config_check(config)
    config_check(transformers.LlamaConfig())


def test_hf_dense_attention_equals_transformers_eager(model_dir):
    ours = hf_model_load(path=model_dir, device=torch.device("cpu"), dtype=torch.float64)
    eager = transformers.AutoModelForCausalLM.from_pretrained(
        model_dir, local_files_only=True, dtype=torch.float64, attn_implementation="eager"
    )
    eager.eval()
    ids = _ids(200, vocab=ours.model.config.vocab_size)
    attention = MethodAttention(submission=submission_parse(config={"method": "dense"})[0])
    with torch.no_grad(), hf_attention_active(HfAttention(hooks=SubmissionHooks(attention))):
        prompt = ours.model(input_ids=ids[:, :-1], use_cache=True)
        step = ours.model(input_ids=ids[:, -1:], past_key_values=prompt.past_key_values, use_cache=True)
        reference = eager(input_ids=ids).logits
    # eager takes its softmax in float32, so the two agree to float32's precision, not float64's
    torch.testing.assert_close(prompt.logits, reference[:, :-1], rtol=0, atol=1e-6)
    torch.testing.assert_close(step.logits[:, -1], reference[:, -1], rtol=0, atol=1e-6)
    assert attention.tally.calls == 2 and attention.tally.density == 1.0


def test_hf_attention_outside_a_run_is_refused(model_dir):
    hf = hf_model_load(path=model_dir, device=torch.device("cpu"))
    with pytest.raises(RuntimeError, match="hf_attention_active"):
        hf.model(input_ids=_ids(8, vocab=hf.model.config.vocab_size))


def _measured_prompt(model_dir, config: dict, tokens: int) -> tuple[HfAttention, KeptInputs]:
    """The tiny model read a random prompt of `tokens` under `config`, each call measured and its q, k, v
    and output kept."""
    hf = hf_model_load(path=model_dir, device=torch.device("cpu"))
    ids = _ids(tokens, vocab=hf.model.config.vocab_size)
    submission = submission_parse(config=config)[0]
    method = MethodAttention(submission=submission, params=method_params(submission.method, geometry=None))
    seen = KeptInputs(inner=SubmissionHooks(method))
    measured = HfAttention(hooks=seen, attention=method, measure=True)
    with torch.no_grad(), hf_attention_active(measured):
        hf.model(input_ids=ids)
    return measured, seen


@pytest.mark.parametrize(
    "config",
    [
        {"method": "block_topk", "params": {"block_size": 16, "top_k": 4}},
        {"method": "vertical_slash", "params": {"block_size": 32, "last_queries": 64, "n_vertical": 8,
                                                "n_slash": 16, "local_tokens": 16}},  # fmt: skip
    ],
)
def test_hf_sparse_calls_measure_as_the_harness(model_dir, config):
    measured, seen = _measured_prompt(model_dir, config, 256)
    assert [r.layer for r in measured.records] == [0, 1]
    for record in measured.records:
        q, k, v = seen.prompt[record.layer]
        group = q.shape[1] // k.shape[1]
        harness = method_measure(method_config_parse(config), q=q, k=k.repeat_interleave(group, dim=1),
                                 v=v.repeat_interleave(group, dim=1), repeats=1)  # fmt: skip
        assert record.kind == "prefill" and record.queries == record.keys == 256
        assert record.density == pytest.approx(harness.density, abs=1e-12)
        assert record.density_reference == pytest.approx(harness.density_reference, abs=1e-12)
        assert record.mass_recall == pytest.approx(harness.mass_recall, abs=1e-6)
        assert record.rel_l2 == pytest.approx(harness.rel_l2, rel=1e-4, abs=1e-6)
        assert 0 < record.density < 1 and record.rel_l2 > 0 and record.mass_recall < 1


def _rows_rel_l2_float64(out, q, k, v, rows) -> float:
    """Relative L2 error of ``out`` on query ``rows`` against causal attention in float64 (GQA expanded)."""
    group = q.shape[1] // k.shape[1]
    q64, k64, v64 = q.double(), k.double().repeat_interleave(group, 1), v.double().repeat_interleave(group, 1)
    scores = q64[:, :, rows] @ k64.transpose(-1, -2) / q.shape[-1] ** 0.5
    hidden = torch.arange(k.shape[2])[None, :] > rows[:, None]
    ref = torch.softmax(scores.masked_fill(hidden, float("-inf")), dim=-1) @ v64
    return float((out[:, :, rows].double() - ref).norm() / ref.norm())


def test_hf_prompt_error_is_the_built_in_models_prefill_error_on_its_sampled_rows(model_dir):
    config = {"method": "block_topk", "params": {"block_size": 16, "top_k": 4}}
    measured, seen = _measured_prompt(model_dir, config, 600)
    rows = error_rows(600)
    assert len(rows) == ERROR_ROWS < 600
    assert [r.layer for r in measured.records] == [0, 1]
    for record in measured.records:
        (q, k, v), out = seen.prompt[record.layer], seen.outputs[record.layer]
        assert record.kind == "prefill" and record.queries == 600
        assert record.rel_l2 == prefill_error(out, q, k, v)  # the built-in model's definition, same rows
        assert record.rel_l2 == pytest.approx(_rows_rel_l2_float64(out, q, k, v, rows), rel=1e-4)
        every_row = _rows_rel_l2_float64(out, q, k, v, torch.arange(600))
        assert record.rel_l2 > 0 and record.rel_l2 != pytest.approx(every_row, rel=1e-9)


def test_hf_task_run_scores_a_model_that_cannot_answer_at_the_attention_level(model_dir):
    hf = hf_model_load(path=model_dir, device=torch.device("cpu"))
    config = {"method": "block_topk", "params": {"block_size": 16, "top_k": 4}}
    submission = submission_parse(config=config)[0]
    result = hf_task_run(hf=hf, submission=submission, task="ruler_niah", length=1024, seed=3, samples=2,
                         max_new_tokens=3)  # fmt: skip
    row = result.row()
    assert result.dense_scores == (0.0, 0.0) and not result.answers
    assert row["accuracy"].startswith("n/a: the model does not answer ruler_niah under dense attention")
    prefill = [c for c in result.calls if c.kind == "prefill"]
    assert len(prefill) == 2 * 2  # layers x samples; decoding stays dense and is not the method's
    assert len(result.calls) == len(prefill)
    assert 0 < row["density"] < 1 and row["rel_l2"] > 0 and 0 < row["mass_recall"] < 1
    assert all(n > 100 for n in result.prompt_tokens)


def test_hf_task_result_publishes_accuracy_when_the_model_answers():
    result = HfTaskResult(task="ruler_vt", length=4096, prompt_tokens=(4000, 4010), dense_scores=(1.0, 0.5),
                          method_scores=(0.5, 0.0), calls=())  # fmt: skip
    assert result.answers and result.accuracy == 0.25
    assert result.row()["dense_accuracy"] == 0.75 and result.row()["rel_l2"] is None


def test_hf_decode_method_is_measured_per_step(model_dir):
    hf = hf_model_load(path=model_dir, device=torch.device("cpu"))
    config = {"method": "quest", "params": {"page_size": 16, "token_budget": 64}}
    submission = submission_parse(config=config)[0]
    result = hf_task_run(hf=hf, submission=submission, task="ruler_vt", length=1024, seed=3, samples=1,
                         max_new_tokens=3)  # fmt: skip
    decode = [c for c in result.calls if c.kind == "decode"]
    assert decode and all(c.queries == 1 and c.density is not None and 0 < c.density <= 1 for c in decode)
    assert all(c.mass_recall is None for c in decode)


def _doc_commands() -> list[str]:
    """The sh commands of the guide's transformers section (backslash continuations joined)."""
    text = GUIDE.read_text(encoding="utf-8").split("## A local transformers model", 1)[1].split("\n## ")[0]
    blocks = re.findall(r"^```sh\n(.*?)^```$", text, flags=re.M | re.S)
    return [block.replace("\\\n", " ").strip() for block in blocks]


@pytest.mark.slow
def test_hf_documented_command_runs_on_a_local_model(model_dir, tmp_path):
    (command,) = _doc_commands()
    assert UNCONFIGURED in GUIDE.read_text(encoding="utf-8")
    assert "/path/to/local-model" in command
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "python"  # the tests' interpreter (a link would lose its virtual environment)
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "HF_HUB_OFFLINE": "1"}
    env.pop(MODEL_ENV, None)
    done = subprocess.run(["bash", "-c", command.replace("/path/to/local-model", str(model_dir))], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    head, *rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert head["model"] == str(model_dir) and head["method"] == "block_topk"
    assert [row["task"] for row in rows] == ["ruler_niah", "ruler_vt"]
    for row in rows:
        assert row["samples"] == 2 and row["calls"] == 2 * 2 and 0 < row["density"] < 1
        assert row["accuracy"] == row["dense_accuracy"] or row["accuracy"].startswith("n/a: the model does")


def test_hf_dense_submission_is_its_own_baseline(model_dir):
    hf = hf_model_load(path=model_dir, device=torch.device("cpu"))
    dense = submission_parse(config={"method": "dense"})[0]
    result = hf_task_run(hf=hf, submission=dense, task="ruler_niah", length=1024, seed=3, samples=1,
                         max_new_tokens=2)  # fmt: skip
    assert result.method_scores == result.dense_scores and len(result.calls) == 2
    assert all(c.density == 1.0 and c.rel_l2 < 1e-6 and c.mass_recall is None for c in result.calls)
    with pytest.raises(ValueError, match="max_position_embeddings=2048"):
        hf_task_run(hf=hf, submission=dense, task="ruler_niah", length=1024, seed=3, samples=1,
                    max_new_tokens=5000)  # fmt: skip


def test_hf_attention_honours_the_model_scaling_and_refuses_softcap():
    from types import SimpleNamespace

    from evaluator.benchmarks.frontier.hf_adapter import _attention_forward

    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, h, 40, 16, generator=g, dtype=torch.float64) for h in (4, 2, 2))
    module = SimpleNamespace(layer_idx=0)
    dense = MethodAttention(submission=submission_parse(config={"method": "dense"})[0])
    with hf_attention_active(HfAttention(hooks=SubmissionHooks(dense))):
        out, weights = _attention_forward(module, q, k, v, None, scaling=0.5)
        with pytest.raises(ValueError, match="softcap=30.0"):
            _attention_forward(module, q, k, v, None, scaling=0.5, softcap=30.0)
    sdpa = torch.nn.functional.scaled_dot_product_attention
    expected = sdpa(q, k, v, is_causal=True, scale=0.5, enable_gqa=True)
    assert weights is None
    torch.testing.assert_close(out, expected.transpose(1, 2), rtol=0, atol=1e-12)
