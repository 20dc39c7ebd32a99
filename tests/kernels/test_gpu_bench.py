"""Specs for the GPU check script's tables, run on the CPU (the GPU runs them for real)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from kernels.backends.triton_tiles import TileChooser, TileConfig, tile_candidates
from kernels.harness import VIDEO_GEOMETRY_METHODS
from kernels.method_config import METHOD_NAMES


def test_gpu_bench_measures_every_method_through_the_harness():
    from bench.kernels_gpu import methods_table

    lines: list[str] = []
    methods_table(torch.device("cpu"), lines, frames=2, repeats=1)
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| method")]
    names = [row.split(" | ")[0].removeprefix("| ") for row in rows]
    video = [m for m in METHOD_NAMES if m in VIDEO_GEOMETRY_METHODS]
    text = [m for m in METHOD_NAMES if m not in VIDEO_GEOMETRY_METHODS]
    assert names == ["sparse_vdit", *video, *text]  # Sparse-vDiT twice: one mode for all heads, then a plan
    assert '"head_modes": [' in rows[1] and not any("refused" in row for row in rows)


@pytest.mark.skipif(
    importlib.util.find_spec("triton") is None, reason="triton is not installed (the dev extra)"
)
def test_gpu_bench_reports_the_chosen_tiles_against_the_default(monkeypatch):
    from bench.kernels_gpu import tiles_table
    from kernels.backends import triton_attention

    found = tile_candidates(b_q=128, b_k=128, head_dim=128, dtype=torch.bfloat16)
    ms = {cfg: 1.0 + index / 10 for index, cfg in enumerate(reversed(found))}  # the last one is fastest
    launched: list[TileConfig] = []

    def timer(run) -> float:
        run()
        return ms[launched[-1]]

    chooser = TileChooser(timer=timer, skipped=())
    monkeypatch.setattr(triton_attention, "TILES", chooser)
    chooser.choose(("H200", 128, 128, 128, torch.bfloat16, True, 16), found, launched.append)
    lines: list[str] = []
    tiles_table(lines)
    best = found[-1]
    assert lines[-1] == (
        f"| 128 | 128 | 128 | bfloat16 | True | {len(found)} | {best.block_m}, {best.block_n}, "
        f"{best.num_warps}, {best.num_stages} | 1.000 | {ms[found[0]]:.3f} |"
    )


def test_gpu_bench_report_saves_every_line_as_it_comes(tmp_path, capsys):
    from bench.kernels_gpu import Report

    out = tmp_path / "gpu.md"
    report = Report(out)
    report += ["# GPU", ""]
    assert out.read_text() == "# GPU\n\n"
    report.append("| row |")
    assert out.read_text().endswith("| row |\n") and report[-1] == "| row |"
    assert capsys.readouterr().out == "# GPU\n\n| row |\n"


def test_gpu_bench_tunes_tiles_per_section_unless_set_by_hand(monkeypatch):
    from bench.kernels_gpu import tiles_tuned
    from kernels.backends.triton_tiles import TUNE_ENV, tuning_enabled

    monkeypatch.delenv(TUNE_ENV, raising=False)
    with tiles_tuned(False):
        assert not tuning_enabled()
    with tiles_tuned(True):
        assert tuning_enabled()
    assert TUNE_ENV not in os.environ
    monkeypatch.setenv(TUNE_ENV, "0")
    with tiles_tuned(True):
        assert not tuning_enabled()


def test_gpu_bench_says_na_without_a_gpu():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the script would run for real")
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "bench/kernels_gpu.py", "--quick"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "n/a: no CUDA device" in proc.stdout
