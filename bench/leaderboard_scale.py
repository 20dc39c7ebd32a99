"""Leaderboard cost at scale: publishing one score, and the API and page reads, at 1k, 10k and 100k entries.

Run: .venv/bin/python bench/leaderboard_scale.py [--rows 1000 10000 100000] [--backend both]
     [--publish 20] [--requests 50]

For each database (a temporary SQLite file; the database sparsebench_bench_scale on the local PostgreSQL at
127.0.0.1:5432, dropped afterwards) and each size, a child process migrates, seeds N scored submissions
(public and private scores, three metrics, bench/platform_seed.py), builds the boards once
(leaderboard_rebuild, timed), runs ANALYZE, then:
- publishes --publish new scores one at a time through submission_record_scores (the worker's final
  transaction: scores, scored state and board rows), each timed; a quarter of them land at the top;
- times --requests GETs of each read URL in-process (django.test.Client: the view, the queries and the
  rendering, no HTTP; bench/platform_leaderboard.py times the same URLs over HTTP).
Prints one Markdown table. BENCH_SQLITE_WAL=1 runs the SQLite database in WAL mode with synchronous=NORMAL
(an experiment: the deployment's SQLite keeps its default rollback journal).
Targets (issue 17): publish <= 50 ms at 100k; API and page median <= 30 ms, p95 <= 60 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from platform_http import pg_database, server_env, timing_summary, var_dir_make  # noqa: E402

PG_NAME = "sparsebench_bench_scale"
PUBLISH_MS, MEDIAN_MS, P95_MS = 50.0, 30.0, 60.0


def read_urls(rows: int) -> list[tuple[str, str]]:
    """(label, path) of the timed reads: the API's first and last pages, another order, the HTML page."""
    lb = "/api/v1/benchmarks/bench/leaderboard/?phase=dev"
    return [
        ("API 100 rows, first page", lb),
        (f"API 100 rows, offset {rows // 2} (middle: the deepest read)", f"{lb}&offset={rows // 2}"),
        (f"API 100 rows, offset {max(0, rows - 100)}", f"{lb}&offset={max(0, rows - 100)}"),
        ("API 100 rows, order_by=lpips", f"{lb}&order_by=lpips"),
        ("API 100 rows, order_by=lpips, last page", f"{lb}&order_by=lpips&offset={max(0, rows - 100)}"),
        ("page (100 rows + Pareto chart)", "/benchmarks/bench/?phase=dev"),
        ("page, order_by=lpips, page 2", "/benchmarks/bench/?phase=dev&order_by=lpips&page=2"),
    ]


def child(*, rows: int, publish: int, requests: int) -> dict:
    """In the bench environment: migrate, seed, rebuild, then time publications and reads."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from platform_seed import phase_seed

    from evaluator.contract import ScoreReport, SplitScore
    from leaderboard import services
    from leaderboard.models import LeaderboardEntry, Submission
    from leaderboard.services import outcomes
    from leaderboard.services.outcomes import submission_record_scores

    sync_ms, real_sync = [], outcomes.leaderboard_submission_sync

    def timed_sync(**kwargs):
        start = time.perf_counter()
        written = real_sync(**kwargs)
        sync_ms.append((time.perf_counter() - start) * 1000)
        return written

    outcomes.leaderboard_submission_sync = timed_sync

    call_command("migrate", verbosity=0)
    if os.environ.get("BENCH_SQLITE_WAL") and connection.vendor == "sqlite":  # an experiment, not the default
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
        connection.close()  # synchronous is per connection: set on the next one
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    phase = phase_seed(rows=rows, seed=0)
    seeded = time.perf_counter()
    services.leaderboard_rebuild(phase=phase)
    rebuilt = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    rng, owner = random.Random(1), Submission.objects.filter(phase=phase).first().owner
    publish_ms = []
    for i in range(publish):
        submission = Submission.objects.create(
            owner=owner,
            phase=phase,
            method_name=f"new-{i}",
            payload_kind="file",
            payload_sha256="1" * 64,
            status=Submission.Status.RUNNING,
            worker_id="bench",
            data_id=phase.benchmark.data_id,
        )
        top = i % 4 == 0  # above every seeded entry: the place every other entry's rank moves for
        split = SplitScore(
            metrics={
                "psnr": 41.0 + i if top else rng.uniform(15, 40),
                "lpips": rng.uniform(0.01, 0.6),
                "density": rng.uniform(1, 100),
            }
        )
        report = ScoreReport(splits={"public": split, "private": split}, protocol_version="1", hardware={})
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            assert submission_record_scores(
                submission_id=submission.pk,
                worker_id="bench",
                report=report,
                log_tail="",
                data_id=phase.benchmark.data_id,
            )
        publish_ms.append((time.perf_counter() - start) * 1000)
        queries = len(captured.captured_queries)
    # Taking a frontier entry off re-reads the split's plottable points; putting it back is an insert.
    staff = get_user_model().objects.create(username="bench-host", is_staff=True)
    on_frontier = LeaderboardEntry.objects.filter(phase=phase, split="public", on_frontier=True).first()
    start = time.perf_counter()
    services.submission_set_hidden(submission=on_frontier.submission, actor=staff, hidden=True)
    hide_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    services.submission_set_hidden(submission=on_frontier.submission, actor=staff, hidden=False)
    unhide_ms = (time.perf_counter() - start) * 1000
    client, reads = Client(), {}
    for label, path in read_urls(rows):
        for _ in range(5):
            client.get(path)
        samples, status = [], 0
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - start) * 1000)
            status = response.status_code
        timing = timing_summary(samples=samples, status=status)
        reads[label] = [timing.median_ms, timing.p95_ms, status]
    page = read_urls(rows)[5][1]
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        client.get(page)
        page_ms = (time.perf_counter() - start) * 1000
    page_queries = sorted(
        ((float(q["time"]) * 1000, q["sql"][:160]) for q in captured.captured_queries), reverse=True
    )
    publish_sorted, sync_sorted = sorted(publish_ms), sorted(sync_ms)
    return {
        "vendor": connection.vendor,
        "rows": rows,
        "seed_s": seeded - started,
        "rebuild_s": rebuilt - seeded,
        "publish": [statistics.median(publish_ms), publish_sorted[-1], publish_sorted[0]],
        "sync": [statistics.median(sync_ms), sync_sorted[-1], queries],
        "reads": reads,
        "hide": [hide_ms, unhide_ms],
        "page_split": [page_ms, sum(ms for ms, _ in page_queries), page_queries[:4]],
    }


def run_child(*, name: str, database_url: str, rows: int, publish: int, requests: int) -> dict:
    """One child process on a fresh database; its JSON result."""
    var_dir = var_dir_make(prefix=f"sb-scale-{name}-")
    try:
        env = server_env(var_dir=var_dir, database_url=database_url)
        argv = [sys.executable, __file__, "--child", "--rows", str(rows), "--publish", str(publish)]
        argv += ["--requests", str(requests)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"[{name} {rows}] failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"[{name} {rows}] seeded {result['seed_s']:.1f} s, boards built {result['rebuild_s']:.2f} s",
            flush=True,
        )
        return result
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def table_print(results: list[dict]) -> None:
    """The results as one Markdown table."""
    print("\n| database | entries | measurement | median ms | p95 / max ms | target met |")
    print("|---|---|---|---|---|---|")
    for r in results:
        median, worst, _ = r["publish"]
        met = ("yes" if worst <= PUBLISH_MS else "NO") if r["rows"] >= 100_000 else "n/a (goal at 100k)"
        name = f"| {r['vendor']} | {r['rows']:,} |"
        label = "publish one score: record_scores (2 splits), commit included"
        print(f"{name} {label} | {median:.1f} | max {worst:.1f} | {met} |")
        sync_median, sync_worst, queries = r["sync"]
        label = f"of which the board rows (leaderboard_submission_sync); {queries} queries in all"
        print(f"{name} {label} | {sync_median:.1f} | max {sync_worst:.1f} | |")
        for label, (med, p95, status) in r["reads"].items():
            ok = "yes" if med <= MEDIAN_MS and p95 <= P95_MS else "NO"
            if status != 200:
                ok = f"NO (HTTP {status})"
            print(f"{name} {label} | {med:.1f} | {p95:.1f} | {ok} |")
        hide, unhide = r["hide"]
        print(f"{name} hide a frontier entry (frontier recomputed), once | {hide:.1f} | | n/a |")
        print(f"{name} unhide it (an insert), once | {unhide:.1f} | | n/a |")
        print(f"{name} full rebuild (both splits, once) | {r['rebuild_s'] * 1000:.0f} | | n/a |")
    for r in results:
        total, sql, slowest = r["page_split"]
        head = f"{r['vendor']} {r['rows']:,}: one page request {total:.1f} ms"
        print(f"\n{head}, of which SQL {sql:.1f} ms; slowest:")
        for ms, text in slowest:
            print(f"  {ms:6.1f} ms  {text}")


def main() -> int:
    """Measure every size on the chosen databases and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--publish", type=int, default=20, help="scores published, each timed")
    parser.add_argument("--requests", type=int, default=50, help="timed GETs per URL")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(rows=args.rows[0], publish=args.publish, requests=args.requests)))
        return 0
    print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f}", flush=True)
    results = []
    for rows in args.rows:
        if args.backend in {"sqlite", "both"}:
            var_dir = var_dir_make(prefix="sb-scale-db-")
            try:
                url = f"sqlite:///{var_dir / 'db.sqlite3'}"
                results.append(
                    run_child(
                        name="sqlite",
                        database_url=url,
                        rows=rows,
                        publish=args.publish,
                        requests=args.requests,
                    )
                )
            finally:
                shutil.rmtree(var_dir, ignore_errors=True)
        if args.backend in {"postgres", "both"}:
            url = pg_database(name=PG_NAME)
            if url is None:
                print("[postgres] not measured: no PostgreSQL answers at 127.0.0.1:5432", flush=True)
                continue
            try:
                results.append(
                    run_child(
                        name="postgres",
                        database_url=url,
                        rows=rows,
                        publish=args.publish,
                        requests=args.requests,
                    )
                )
            finally:
                pg_database(name=PG_NAME, drop=True)
    print(f"load after: {os.getloadavg()[0]:.1f}")
    table_print(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
