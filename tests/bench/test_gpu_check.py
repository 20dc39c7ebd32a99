"""Specs for bench/gpu_check.py, run with --quick on the CPU (a GPU machine runs the full sizes)."""

from __future__ import annotations

import torch

from evaluator.benchmarks.vdit.dit.model import DiTConfig, VideoDiT
from evaluator.benchmarks.vdit.dit.weights import weights_save
from evaluator.devices import DEVICE_ENV


def _tiny_weights(path):
    """A tiny random DiT (2 frames of 32 x 32; test-long samples 8 frames, 2,048 tokens)."""
    torch.manual_seed(0)
    model = VideoDiT(DiTConfig(frames=2, size=32, dim=32, depth=2, heads=2))
    with torch.no_grad():
        for block in model.blocks:
            torch.nn.init.normal_(block.ada.weight, std=0.2)
        torch.nn.init.normal_(model.out.weight, std=0.2)
    weights_save(model=model.eval(), path=path)
    return path


def test_gpu_check_quick_scores_both_phases_dense_and_sparse_on_the_cpu(tmp_path, monkeypatch):
    from bench.gpu_check import main

    monkeypatch.delenv(DEVICE_ENV, raising=False)
    out = tmp_path / "table.md"
    weights = _tiny_weights(tmp_path / "tiny.safetensors")
    assert main(["--quick", "--out", str(out), "--e2e-weights", str(weights)]) == 0
    rows = [line.split(" | ") for line in out.read_text().splitlines() if line.startswith("| ") and
            not line.startswith("| benchmark")]  # fmt: skip
    assert [r[0] for r in rows] == ["| frontier"] * 2 + ["| vdit-e2e"] * 2
    assert {r[1] for r in rows} == {"test-long"}
    assert [r[3] for r in rows] == ["cpu"] * 4 and [r[4] for r in rows] == ["yes"] * 4
    dense, method = rows[0], rows[1]
    assert dense[6] == "1.00" and method[6] != "n/a" and float(method[6]) > 0
    assert rows[2][2] == "Dense" and rows[3][2] == "Sparse-vDiT diagonal"
    assert float(rows[3][6]) > 0 and float(rows[3][7]) > 0 and rows[3][8].startswith("PSNR ")


def test_gpu_check_without_cuda_measures_nothing(monkeypatch, capsys):
    from bench.gpu_check import main

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main([]) == 2
    assert "n/a: no CUDA device" in capsys.readouterr().out


def test_gpu_check_reports_a_failed_row_and_goes_on(tmp_path, monkeypatch):
    from bench.gpu_check import main

    monkeypatch.delenv(DEVICE_ENV, raising=False)
    out = tmp_path / "table.md"
    missed = '{"method": "block_topk", "target_sparsity": 0.95}'  # 1,280 tokens cannot reach it
    assert main(["--quick", "--out", str(out), "--skip", "vdit-e2e", "--frontier-method", missed]) == 1
    rows = [line for line in out.read_text().splitlines() if line.startswith("| frontier")]
    assert len(rows) == 2 and "| failed: " not in rows[0]
    assert "| failed: SubmissionRefused: target_sparsity" in rows[1]
