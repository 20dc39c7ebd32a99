"""Child process of bench/platform_leaderboard.py: migrate, seed N scored submissions, count queries.

Run by the driver with the bench environment (DATABASE_URL, SPARSEBENCH_VAR_DIR); prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from platform_http import LEADERBOARD_URLS, url_timing  # noqa: E402

from leaderboard import services  # noqa: E402
from leaderboard.models import Benchmark, Phase, Score, Submission  # noqa: E402

SLUG, PHASE = "bench", "dev"
METRICS = [
    {"name": name, "label": label, "unit": unit, "higher_is_better": up, "fmt": fmt, "description": ""}
    for name, label, unit, up, fmt in (
        ("psnr", "PSNR", "dB", True, "{:.2f}"),
        ("lpips", "LPIPS", "", False, "{:.4f}"),
        ("density", "Density", "%", False, "{:.1f}"),
    )
]
#: Paths whose query counts are reported (the driver times them over HTTP).
QUERY_PATHS = {
    "api limit=10": f"/api/v1/benchmarks/{SLUG}/leaderboard/?phase={PHASE}&limit=10",
    "api limit=100": f"/api/v1/benchmarks/{SLUG}/leaderboard/?phase={PHASE}&limit=100",
    "api limit=1000": f"/api/v1/benchmarks/{SLUG}/leaderboard/?phase={PHASE}&limit=1000",
    "page": f"/benchmarks/{SLUG}/?phase={PHASE}",
    "page order_by=lpips": f"/benchmarks/{SLUG}/?phase={PHASE}&order_by=lpips",
}


def phase_seed(*, rows: int, seed: int) -> Phase:
    """A benchmark with one open phase holding `rows` scored submissions (public and private scores)."""
    rng = random.Random(seed)
    benchmark = Benchmark.objects.create(
        slug=SLUG,
        version="1",
        title="Bench rendering",
        metrics=METRICS,
        ranking_metric="psnr",
        pareto_x="density",
        pareto_y="psnr",
        formats=[{"kind": "file", "extensions": ["zip"]}],
        data_status=Benchmark.DataStatus.READY,
    )
    phase = Phase.objects.create(benchmark=benchmark, slug=PHASE, title="Development", total_limit=10**6)
    user_model = get_user_model()
    user_model.objects.bulk_create([user_model(username=f"user{i:04d}") for i in range(200)])
    users = list(user_model.objects.order_by("id"))
    start = timezone.now() - dt.timedelta(days=60)
    subs = [
        Submission(
            owner=users[i % len(users)],
            phase=phase,
            method_name=f"method-{i:05d}",
            payload_kind="file",
            payload_sha256=f"{i:064x}",
            status=Submission.Status.SCORED,
            progress=1.0,
            created_at=start + dt.timedelta(minutes=i),
        )
        for i in range(rows)
    ]
    Submission.objects.bulk_create(subs, batch_size=2000)
    scores = []
    for sub in Submission.objects.filter(phase=phase).only("id"):
        for split in ("public", "private"):
            density = rng.uniform(1, 100)
            metrics = {
                "psnr": rng.uniform(15, 40),
                "lpips": rng.uniform(0.01, 0.6),
                "density": density if rng.random() > 0.05 else None,
            }
            scores.append(Score(submission=sub, split=split, protocol_version="1", metrics=metrics))
    Score.objects.bulk_create(scores, batch_size=2000)
    return phase


def query_counts() -> dict[str, int]:
    """Queries issued by each path in QUERY_PATHS (test client, anonymous)."""
    client, counts = Client(), {}
    for name, path in QUERY_PATHS.items():
        with CaptureQueriesContext(connection) as captured:
            status = client.get(path).status_code
        counts[name] = len(captured.captured_queries) if status == 200 else -status
    return counts


def main() -> None:
    """Migrate, seed, materialise (timed), count queries; print the results as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--client-requests", type=int, default=0, help="also time each URL in-process")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    phase = phase_seed(rows=args.rows, seed=args.seed)
    seeded = time.perf_counter()
    written = services.leaderboard_rebuild(phase=phase)
    rebuilt = time.perf_counter()
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "rows": args.rows,
                "entries": written,
                "seed_s": seeded - started,
                "rebuild_s": rebuilt - seeded,
                "queries": query_counts(),
                "client": client_timings(count=args.client_requests) if args.client_requests else {},
            }
        )
    )


def client_timings(*, count: int) -> dict[str, list[float]]:
    """Median and p95 (ms) of each benchmarked URL through the test client (no HTTP, no server)."""
    client, result = Client(), {}
    for label, path, _ in LEADERBOARD_URLS:
        timing = url_timing(session=client, url=path, count=count)
        result[label] = [timing.median_ms, timing.p95_ms]
    return result


if __name__ == "__main__":
    main()
