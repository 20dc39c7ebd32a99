"""bench/vdit.py (the commands in docs/PERFORMANCE.md) runs and splits each job's time as the scorer measured
it: workload, estimator, sparse attention, dense reference, counts and warm-up, rest (summing to the wall)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SPLIT = ["workload", "estimator", "sparse attention", "dense reference", "counts and warm-up", "rest"]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_vdit_bench_prints_the_time_split_of_each_job(tmp_path):
    argv = [sys.executable, str(ROOT / "bench" / "vdit.py"), "--phase", "dev", "--names", "Dense"]
    argv += ["PSA wan2.1-1.3b", "--frames", "1", "--seeds", "2", "--repeats", "1", "--threads", "1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    head, *rows = [_cells(line) for line in done.stdout.splitlines() if line.startswith("| ")]
    assert head[head.index("wall s") + 1 :] == [f"{key} s" for key in SPLIT]
    table = {row[0]: dict(zip(head, row, strict=True)) for row in rows}
    assert set(table) == {"Dense", "PSA wan2.1-1.3b"}
    for name, values in table.items():
        split = [float(values[f"{key} s"]) for key in SPLIT]
        assert abs(sum(split) - float(values["wall s"])) <= 0.05 * (len(SPLIT) + 1), (name, values)
    psa, dense = table["PSA wan2.1-1.3b"], table["Dense"]
    assert float(psa["sparse attention s"]) + float(psa["dense reference s"]) > 0
    assert [float(dense[f"{key} s"]) for key in SPLIT[1:4]] == [0.0] * 3  # the reference measures nothing
