"""Upload-to-published latency of a small rendering submission on the embedded default stack.

Run: .venv/bin/python bench/platform_latency.py [--submissions 3] [--data-root DIR] [--method grey]

Embedded default = SQLite database, the SQLAlchemy/SQLite Celery broker, gunicorn (2 workers) and one
Celery worker process (queues cpu,gpu, concurrency 1), all in a temporary var dir. The spare benchmark's
data is built there first (timed separately; --data-root reuses a built DATA_ROOT). A baseline ZIP for
track1-dev (a small rendering submission) is uploaded through the API; one untimed warm-up submission
first, then each timed one is followed from the upload until it is scored (polling the API every 50 ms)
and until it is listed on the leaderboard API. Goal: upload -> published <= 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from platform_http import BIN, Gunicorn, server_env, var_dir_make  # noqa: E402

from evaluator.benchmarks.spare.baselines import baseline_write  # noqa: E402

PHASE = "track1-dev"
GOAL_S = 10.0
TERMINAL = {"scored", "failed", "cancelled"}


def manage(*, env: dict[str, str], args: list[str]) -> str:
    """Run a manage.py command in the bench environment; its stdout."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def submission_follow(*, session: requests.Session, url: str, payload: Path, method: str) -> dict:
    """Upload, then poll until scored and until listed; wall-clock seconds of each step."""
    started = time.perf_counter()
    with payload.open("rb") as handle:
        response = session.post(
            f"{url}/api/v1/submissions/",
            files={
                "benchmark": (None, "spare"),
                "phase": (None, PHASE),
                "method_name": (None, method),
                "file": (payload.name, handle, "application/zip"),
            },
        )
    uploaded = time.perf_counter()
    if response.status_code != 201:
        raise RuntimeError(f"upload refused: HTTP {response.status_code} {response.text[:300]}")
    submission_id = response.json()["id"]
    while True:
        body = session.get(f"{url}/api/v1/submissions/{submission_id}/").json()
        if body["status"] in TERMINAL:
            break
        time.sleep(0.05)
    scored = time.perf_counter()
    if body["status"] != "scored":
        raise RuntimeError(f"submission {submission_id} ended {body['status']}: {body['error'][:500]}")
    board = f"{url}/api/v1/benchmarks/spare/leaderboard/?phase={PHASE}&limit=1000"
    while submission_id not in {row["submission_id"] for row in session.get(board).json()["results"]}:
        time.sleep(0.05)
    published = time.perf_counter()
    created, start, finish = _when(body["created_at"]), _when(body["started_at"]), _when(body["finished_at"])
    return {
        "id": submission_id,
        "upload_s": uploaded - started,
        "queue_s": (start - created).total_seconds() if start and created else None,
        "scoring_s": (finish - start).total_seconds() if finish and start else None,
        "scored_s": scored - started,
        "published_s": published - started,
        "psnr": body["scores"][0]["metrics"].get("psnr") if body["scores"] else None,
    }


def main() -> int:
    """Build the data, start the embedded stack, time the submissions and print the table."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--submissions", type=int, default=3, help="timed submissions (quota: at most 4)")
    parser.add_argument("--data-root", type=Path, help="reuse this DATA_ROOT (built spare data)")
    parser.add_argument("--method", default="grey", help="the baseline whose ZIP is uploaded")
    args = parser.parse_args()
    var_dir = var_dir_make(prefix="sb-latency-")
    data_root = (args.data_root or var_dir / "data").resolve()
    env = server_env(
        var_dir=var_dir,
        database_url=f"sqlite:///{var_dir / 'db.sqlite3'}",
        extra={
            "CELERY_BROKER_URL": f"sqla+sqlite:///{var_dir / 'broker.sqlite3'}",
            "SPARSEBENCH_DATA_ROOT": str(data_root),
        },
    )
    worker = None
    try:
        manage(env=env, args=["migrate", "--noinput"])
        manage(env=env, args=["benchmark_sync"])
        build_start = time.perf_counter()
        manage(env=env, args=["benchmark_build", "spare"])
        print(f"spare data ready in {time.perf_counter() - build_start:.1f} s under {data_root}", flush=True)
        token = manage(env=env, args=["token_issue", "bench", "--create"]).strip().splitlines()[-1]
        payload = baseline_write(
            method=args.method,
            public_dir=data_root / "spare" / "1.0" / "public",
            phase=PHASE,
            work_dir=var_dir / "payloads",
        ).file
        print(f"payload {payload.name}: {payload.stat().st_size / 1024:.0f} KiB", flush=True)
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "workers",
                "worker",
                "--queues",
                "cpu,gpu",
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
                "--hostname",
                "bench@%h",
            ],
            cwd=ROOT,
            env=env,
        )
        rows = []
        with Gunicorn(env=env, log=var_dir / "gunicorn.log") as server, requests.Session() as session:
            session.headers["Authorization"] = f"Token {token}"
            warm = submission_follow(session=session, url=server.url, payload=payload, method="warm-up")
            print(f"warm-up submission published after {warm['published_s']:.2f} s", flush=True)
            for index in range(args.submissions):
                rows.append(
                    submission_follow(
                        session=session, url=server.url, payload=payload, method=f"{args.method}-{index}"
                    )
                )
        print(
            "\n| submission | upload s | queue wait s | scoring s | upload -> scored s "
            "| upload -> on leaderboard s | goal <= 10 s | PSNR |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for r in rows:
            met = "yes" if r["published_s"] <= GOAL_S else "NO"
            print(
                f"| {r['id']} | {r['upload_s']:.2f} | {r['queue_s']:.2f} | {r['scoring_s']:.2f} | "
                f"{r['scored_s']:.2f} | {r['published_s']:.2f} | {met} | {r['psnr']:.2f} |"
            )
        return 0
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
