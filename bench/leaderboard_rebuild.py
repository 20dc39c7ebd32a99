"""Time the materialised leaderboard: rebuild of N scored submissions and leaderboard_rows reads.

Usage: .venv/bin/python bench/leaderboard_rebuild.py [--n 10000]
(SQLite in a temp var dir; set DATABASE_URL=postgres://... to an EMPTY database for PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SPARSEBENCH_VAR_DIR", tempfile.mkdtemp(prefix="sparsebench-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from leaderboard.models import Benchmark, Phase, Score, Submission  # noqa: E402
from leaderboard.selectors import leaderboard_rows  # noqa: E402
from leaderboard.services import leaderboard_rebuild  # noqa: E402


def seed(n: int) -> Phase:
    """One phase with n scored submissions (public and private scores, two metrics)."""
    metrics = [{"name": "psnr", "higher_is_better": True}, {"name": "lpips", "higher_is_better": False}]
    benchmark = Benchmark.objects.create(
        slug="bench",
        version="1",
        title="bench",
        metrics=metrics,
        ranking_metric="psnr",
        pareto_x="lpips",
        pareto_y="psnr",
        data_status="ready",
    )
    phase = Phase.objects.create(benchmark=benchmark, slug="p", title="p")
    owner = get_user_model().objects.create(username="bench")
    subs = Submission.objects.bulk_create(
        [
            Submission(
                owner=owner,
                phase=phase,
                method_name=f"m{i}",
                payload_kind="file",
                payload_sha256="0" * 64,
                status="scored",
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    rnd = random.Random(0)
    Score.objects.bulk_create(
        [
            Score(
                submission=s,
                split=split,
                protocol_version="1",
                metrics={"psnr": rnd.uniform(10, 30), "lpips": rnd.random()},
            )
            for s in subs
            for split in ("public", "private")
        ],
        batch_size=1000,
    )
    return Phase.objects.select_related("benchmark").get(pk=phase.pk)


def median_s(fn, repeats: int) -> float:
    """Median wall time of fn() over repeats."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Seed, then print one table row per measurement."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    phase = seed(args.n)
    print(f"backend={connection.vendor} n={args.n} cpus={os.cpu_count()}")
    print(f"{'measurement':40s} {'median':>10s}")
    rebuild = median_s(lambda: leaderboard_rebuild(phase=phase), 3)
    print(f"{'rebuild (2 splits)':40s} {rebuild * 1000:8.0f} ms")
    for label, kwargs in (
        ("rows default order", {}),
        ("rows order_by=lpips", {"order_by": "lpips"}),
        ("rows offset 9900", {"offset": max(0, args.n - 100)}),
    ):
        value = median_s(lambda kw=kwargs: leaderboard_rows(phase=phase, **kw), 30)
        print(f"{label:40s} {value * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
