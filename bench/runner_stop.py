"""Time `make run`'s start (first page) and its Ctrl-C stop (every process gone), and look for ERROR lines.

Usage: .venv/bin/python bench/runner_stop.py [--wait 20] [--runs 1]
Starts `python -m leaderboard.runner` on a free port with a fresh var dir, waits for the home page, lets
the stack run `--wait` seconds (the data build runs meanwhile), sends SIGINT and times the runner's exit.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_run(wait_s: float) -> tuple[float, float, list[str]]:
    """(seconds to the first page, seconds from SIGINT to the runner's exit, the log's ERROR lines)."""
    tmp, port = Path(tempfile.mkdtemp(prefix="runner-stop-")), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DJANGO_", "CELERY_"))}
    env.pop("DATABASE_URL", None)
    env.update(SPARSEBENCH_VAR_DIR=str(tmp / "var"), SPARSEBENCH_PORT=str(port), OMP_NUM_THREADS="1")
    with (tmp / "runner.log").open("w") as log:
        start = time.monotonic()
        runner = subprocess.Popen([sys.executable, "-m", "leaderboard.runner"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except OSError:
                if runner.poll() is not None:
                    raise SystemExit((tmp / "runner.log").read_text()[-2000:]) from None
                time.sleep(0.5)
        first = time.monotonic() - start
        time.sleep(wait_s)
        stop = time.monotonic()
        os.killpg(runner.pid, signal.SIGINT)
        runner.wait()
        stopped = time.monotonic() - stop
    errors = [line for line in (tmp / "runner.log").read_text().splitlines() if "ERROR" in line]
    return first, stopped, errors


def main() -> None:
    """Print one table row per run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=20.0, help="seconds the stack runs before Ctrl-C")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| run | first page s | Ctrl-C to exit s | ERROR lines |")
    print("|---|---|---|---|")
    for run in range(args.runs):
        first, stopped, errors = one_run(args.wait)
        print(f"| {run + 1} | {first:.1f} | {stopped:.2f} | {len(errors)} |", flush=True)


if __name__ == "__main__":
    main()
