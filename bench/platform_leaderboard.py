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

from platform_http import (  # noqa: E402
    LEADERBOARD_URLS,
    Gunicorn,
    pg_database,
    server_env,
    url_timing,
    var_dir_make,
)

HERE = Path(__file__).resolve().parent
TARGET_MEDIAN_MS, TARGET_P95_MS = 30.0, 60.0


def backend_measure(*, name: str, database_url: str, rows: int, count: int) -> list[dict]:
    """Seed one database, time every URL with the test client, then over HTTP through gunicorn."""
    var_dir = var_dir_make(prefix=f"sb-bench-{name}-")
    try:
        env = server_env(var_dir=var_dir, database_url=database_url)
        argv = [
            sys.executable,
            str(HERE / "platform_seed.py"),
            "--rows",
            str(rows),
            "--client-requests",
            str(count),
        ]
        seeded = subprocess.run(argv, env=env, capture_output=True, text=True)
        if seeded.returncode != 0:
            raise SystemExit(f"[{name}] seeding failed:\n{seeded.stderr[-3000:]}")
        facts = json.loads(seeded.stdout.strip().splitlines()[-1])
        print(
            f"[{name}] seeded {facts['rows']} submissions in {facts['seed_s']:.1f} s; leaderboard_rebuild "
            f"wrote {facts['entries']} entries in {facts['rebuild_s']:.2f} s; queries {facts['queries']}",
            flush=True,
        )
        results = []
        with Gunicorn(env=env, log=var_dir / "gunicorn.log") as server, requests.Session() as session:
            for label, path, targeted in LEADERBOARD_URLS:
                timing = url_timing(session=session, url=server.url + path, count=count)
                if timing.status != 200:
                    log = (var_dir / "gunicorn.log").read_text(errors="replace").strip().splitlines()
                    print(f"[{name}] {path}: HTTP {timing.status}; server log ends: {log[-1:]}", flush=True)
                results.append(
                    {"backend": name, "label": label, "timing": timing, "targeted": targeted, "facts": facts}
                )
        return results
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def table_print(*, results: list[dict]) -> None:
    """The results as a Markdown table."""
    print(
        "\n| database | URL | status | KiB | HTTP median ms | HTTP p95 ms | target met (HTTP) "
        "| test client median / p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        t = r["timing"]
        met = "n/a (no target)"
        if t.status != 200:
            met = f"NO (HTTP {t.status})"
        elif r["targeted"]:
            met = "yes" if t.median_ms <= TARGET_MEDIAN_MS and t.p95_ms <= TARGET_P95_MS else "NO"
        client = r["facts"]["client"].get(r["label"])
        in_process = f"{client[0]:.1f} / {client[1]:.1f}" if client else "n/a"
        print(
            f"| {r['backend']} | {r['label']} | {t.status} | {t.body_bytes / 1024:.0f} | "
            f"{t.median_ms:.1f} | {t.p95_ms:.1f} | {met} | {in_process} |"
        )


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
            results += backend_measure(
                name="sqlite",
                database_url=f"sqlite:///{var_dir / 'db.sqlite3'}",
                rows=args.rows,
                count=args.requests,
            )
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)
    if args.backend in {"postgres", "both"}:
        name = f"sparsebench_bench_{os.getpid()}"
        url = pg_database(name=name)
        if url is None:
            print("[postgres] not measured: no PostgreSQL answers at 127.0.0.1:5432", flush=True)
        else:
            try:
                results += backend_measure(
                    name="postgres", database_url=url, rows=args.rows, count=args.requests
                )
            finally:
                pg_database(name=name, drop=True)
    table_print(results=results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
