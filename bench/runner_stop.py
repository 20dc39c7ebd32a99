"""Time `make run`'s start (first page) and its Ctrl-C stop (every process gone), and look for ERROR lines.

Usage: .venv/bin/python bench/runner_stop.py [--wait 20] [--runs 1] [--var-dir DIR]
Starts `python -m leaderboard.runner` on a free port with a fresh var dir (or `--var-dir`, one whose data
is built: the worker is then scoring the baselines when Ctrl-C comes), waits for the home page, lets
the stack run `--wait` seconds (the data build runs meanwhile), sends SIGINT and times the runner's exit
and the end of the last of its descendants (web server, its workers, worker, pool, scheduler, build).
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


def _descendants(pid: int) -> set[int]:
    """Every living descendant of `pid` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie counts as gone)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def one_run(wait_s: float, var_dir: Path | None = None) -> tuple[float, float, float, int, list[str]]:
    """(seconds to the first page, seconds from SIGINT to the runner's exit and to the last descendant's,
    how many descendants there were, the log's ERROR lines)."""
    tmp, port = Path(tempfile.mkdtemp(prefix="runner-stop-")), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DJANGO_", "CELERY_"))}
    env.pop("DATABASE_URL", None)
    var = var_dir or tmp / "var"
    env.update(SPARSEBENCH_VAR_DIR=str(var), SPARSEBENCH_PORT=str(port), OMP_NUM_THREADS="1")
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
        tree = _descendants(runner.pid)
        stop = time.monotonic()
        os.killpg(runner.pid, signal.SIGINT)
        runner.wait()
        stopped = time.monotonic() - stop
        while any(_alive(pid) for pid in tree) and time.monotonic() - stop < 30:
            time.sleep(0.02)
        all_gone = time.monotonic() - stop
    errors = [line for line in (tmp / "runner.log").read_text().splitlines() if "ERROR" in line]
    return first, stopped, all_gone, len(tree), errors


def main() -> None:
    """Print one table row per run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=20.0, help="seconds the stack runs before Ctrl-C")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--var-dir", type=Path, help="a var dir with built data (worker busy)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(
        "| run | first page s | Ctrl-C to runner exit s | to last process gone s | processes | ERROR lines |"
    )
    print("|---|---|---|---|---|---|")
    for run in range(args.runs):
        first, stopped, all_gone, count, errors = one_run(args.wait, args.var_dir)
        print(
            f"| {run + 1} | {first:.1f} | {stopped:.2f} | {all_gone:.2f} | {count} | {len(errors)} |",
            flush=True,
        )
        for line in errors:
            print(f"    {line}")
    print(f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
