"""bench/leaderboard_scale.py (the command in docs/PERFORMANCE.md) runs and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_leaderboard_scale_bench_prints_publish_and_read_rows(tmp_path):
    argv = [sys.executable, str(ROOT / "bench" / "leaderboard_scale.py"), "--rows", "40", "--publish", "2"]
    argv += ["--requests", "2", "--backend", "sqlite"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| sqlite | 40 |")]
    labels = [row.split("|")[3].strip() for row in rows]
    assert labels[0].startswith("publish one score") and "leaderboard_submission_sync" in labels[1]
    assert any(label.startswith("page") for label in labels) and len(rows) == 12
    assert all("HTTP" not in row for row in rows)  # every read answered 200
