"""bench/hosted.py times the hosted-model phases' jobs: on the tiny local models here, n/a without them."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
from pathlib import Path

import pytest
from sb_tiny_hf import tiny_model_save
from sb_tiny_wan import tiny_pipeline_save

pytest.importorskip("transformers")
pytest.importorskip("diffusers")

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "hosted.py"


@pytest.fixture(scope="module")
def bench_main():
    """The script's main, imported from its file."""
    spec = importlib.util.spec_from_file_location("bench_hosted", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.fixture
def offline(monkeypatch):
    """The CPU, the hub offline."""
    monkeypatch.setenv("SPARSEBENCH_DEVICE", "cpu")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _rows(text: str) -> list[list[str]]:
    """The table's rows after the header, as cells."""
    lines = [line for line in text.splitlines() if line.startswith("|")][2:]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines]


def test_bench_hosted_says_what_is_missing_without_a_model(bench_main, monkeypatch, capsys):
    monkeypatch.delenv("SPARSEBENCH_FRONTIER_HF_MODEL", raising=False)
    assert bench_main(["--phase", "test-hf"]) == 2
    assert capsys.readouterr().out.strip() == (
        "n/a: no local transformers model is set on this worker (SPARSEBENCH_FRONTIER_HF_MODEL)")


def test_bench_hosted_times_test_hf_on_a_local_model(bench_main, offline, tmp_path, monkeypatch, capsys):
    tiny_model_save(tmp_path / "llama")
    monkeypatch.setenv("SPARSEBENCH_FRONTIER_HF_MODEL", str(tmp_path / "llama"))
    config = '{"method": "block_topk", "params": {"block_size": 16, "top_k": 4}}'
    assert bench_main(["--phase", "test-hf", "--samples", "1", "--tasks", "ruler_niah", "--length", "1024",
                       "--new-tokens", "2", "--config", config, "--config", '{"method": "nope"}'
                       ]) == 0  # fmt: skip
    (method, bad) = _rows(capsys.readouterr().out)
    assert float(method[1]) > 0 and method[2] == "n/a"  # a random model answers nothing densely
    assert 0 < float(method[3]) < 1 and float(method[4]) > 0 and float(method[5]) > 0
    assert bad[2].startswith("refused: config.method")


def test_bench_hosted_times_test_real_on_a_local_model(bench_main, offline, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPARSEBENCH_VDIT_DIFFUSERS_MODEL", str(tiny_pipeline_save(tmp_path / "wan")))
    config = '{"method": "psa", "preset": "wan2.1-1.3b", "params": {"warmup_steps": 1}}'
    assert bench_main(["--phase", "test-real", "--videos", "1", "--steps", "2", "--latent", "4,16,32",
                       "--config", config]) == 0  # fmt: skip
    ((cells),) = _rows(capsys.readouterr().out)
    assert float(cells[1]) > 0 and 0 < float(cells[5]) < 1 and float(cells[6]) > 0


DOCUMENTED = [
    ("docs/FRONTIER_TASKS.md", "## The hosted phase `test-hf`", "/path/to/local-model", "llama",
     ["--samples", "1", "--tasks", "ruler_niah", "--length", "1024", "--new-tokens", "2"]),
    ("docs/VIDEO_MODELS.md", "## The hosted phase `test-real`", "/models/Wan2.1-T2V-1.3B-Diffusers", "wan",
     ["--videos", "1", "--steps", "2", "--latent", "4,16,32"]),
]  # fmt: skip


@pytest.mark.parametrize(("doc", "heading", "documented_path", "model", "cut"), DOCUMENTED)
def test_documented_bench_command_runs_on_a_tiny_model(
    doc, heading, documented_path, model, cut, bench_main, offline, tmp_path, monkeypatch, capsys
):
    """The command as written (its setting's path swapped for the tiny model), cut down to a few seconds."""
    text = (SCRIPT.parents[1] / doc).read_text(encoding="utf-8").split(heading, 1)[1].split("\n## ")[0]
    (command,) = [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, flags=re.S) if "bench/" in b]
    setting, program, script, *args = shlex.split(command)
    name, _, value = setting.partition("=")
    assert (program, script, value) == ("python", "bench/hosted.py", documented_path)
    folder = tmp_path / model
    tiny_model_save(folder) if model == "llama" else tiny_pipeline_save(folder)
    monkeypatch.setenv(name, str(folder))
    assert bench_main(args + cut) == 0
    printed = capsys.readouterr().out
    rows = _rows(printed)
    assert [json.loads(row[0].strip("`")) for row in rows] == [
        json.loads(a) for a, flag in zip(args[1:], args, strict=False) if flag == "--config"]  # fmt: skip
    # a tiny model's 1,024-token prompt may not reach a declared target (its blocks are coarse): the row
    # then says so, naming the field, as the service would refuse it
    scored = [row for row in rows if not row[2].startswith("refused")]
    assert all(row[2].startswith("refused: target_sparsity") for row in rows if row not in scored), printed
    assert scored and scored[0][0] == '`{"method": "dense"}`', printed
    assert all(float(row[1]) > 0 for row in scored), printed
