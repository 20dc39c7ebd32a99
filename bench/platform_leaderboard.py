"""Leaderboard read speed with 10,000 scored submissions in one phase: API and portal page over real HTTP.

Run: .venv/bin/python bench/platform_leaderboard.py [--rows 10000] [--requests 200] [--backend both]

For each database (a temporary SQLite file; a temporary database on the local PostgreSQL at
127.0.0.1:5432 when it answers) a child process migrates, seeds the rows with bulk_create, materialises
the leaderboard (timed) and counts queries per URL with the test client; then a gunicorn server (2 sync
workers) answers sequential GETs from one client (requests, keep-alive) and the median and 95th
percentile latency of each URL are printed. Targets: leaderboard API and page median <= 30 ms, p95 <= 60 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from platform_http import Gunicorn, pg_database, server_env, url_timing, var_dir_make  # noqa: E402

HERE = Path(__file__).resolve().parent
LB = "/api/v1/benchmarks/bench/leaderboard/?phase=dev"
#: (label, path, whether the 30/60 ms target applies)
URLS = [
    ("API JSON, 100 rows (default order)", LB, True),
    ("API JSON, 100 rows, order_by=lpips", LB + "&order_by=lpips", True),
    ("API JSON, 100 rows, offset=9900", LB + "&offset=9900", True),
    ("API JSON, 1000 rows", LB + "&limit=1000", False),
    ("API CSV, 1000 rows", LB + "&format=csv", False),
    ("page /benchmarks/bench/ (100 rows + Pareto)", "/benchmarks/bench/?phase=dev", True),
    ("page, order_by=lpips", "/benchmarks/bench/?phase=dev&order_by=lpips", True),
]
TARGET_MEDIAN_MS, TARGET_P95_MS = 30.0, 60.0


def backend_measure(*, name: str, database_url: str, rows: int, count: int) -> list[dict]:
    """Seed one database, serve it with gunicorn, time every URL; one result dict per URL."""
    var_dir = var_dir_make(prefix=f"sb-bench-{name}-")
    try:
        env = server_env(var_dir=var_dir, database_url=database_url)
        seeded = subprocess.run([sys.executable, str(HERE / "platform_seed.py"), "--rows", str(rows)],
                                env=env, check=True, capture_output=True, text=True)
        facts = json.loads(seeded.stdout.strip().splitlines()[-1])
        print(f"[{name}] seeded {facts['rows']} submissions in {facts['seed_s']:.1f} s; leaderboard_rebuild "
              f"wrote {facts['entries']} entries in {facts['rebuild_s']:.2f} s; queries {facts['queries']}",
              flush=True)
        results = []
        with Gunicorn(env=env) as server, requests.Session() as session:
            for label, path, targeted in URLS:
                timing = url_timing(session=session, url=server.url + path, count=count)
                results.append({"backend": name, "label": label, "timing": timing, "targeted": targeted,
                                "facts": facts})
        return results
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def table_print(*, results: list[dict]) -> None:
    """The results as a Markdown table."""
    print("\n| database | URL | status | KiB | median ms | p95 ms | target met |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        t = r["timing"]
        met = "n/a (no target)"
        if r["targeted"]:
            met = "yes" if t.median_ms <= TARGET_MEDIAN_MS and t.p95_ms <= TARGET_P95_MS else "NO"
        print(f"| {r['backend']} | {r['label']} | {t.status} | {t.body_bytes / 1024:.0f} | "
              f"{t.median_ms:.1f} | {t.p95_ms:.1f} | {met} |")


def main() -> int:
    """Measure on the chosen databases and print the table."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="timed GETs per URL")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    results = []
    if args.backend in {"sqlite", "both"}:
        var_dir = var_dir_make(prefix="sb-bench-sqlite-db-")
        try:
            results += backend_measure(name="sqlite", database_url=f"sqlite:///{var_dir / 'db.sqlite3'}",
                                       rows=args.rows, count=args.requests)
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)
    if args.backend in {"postgres", "both"}:
        name = f"sparsebench_bench_{os.getpid()}"
        url = pg_database(name=name)
        if url is None:
            print("[postgres] not measured: no PostgreSQL answers at 127.0.0.1:5432", flush=True)
        else:
            try:
                results += backend_measure(name="postgres", database_url=url, rows=args.rows,
                                           count=args.requests)
            finally:
                pg_database(name=name, drop=True)
    table_print(results=results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
