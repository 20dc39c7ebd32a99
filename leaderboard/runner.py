"""Runs the embedded stack for `make run`: web server, worker and scheduler until Ctrl-C, data built aside."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class ProcessSpec:
    """One long-running process of the stack: a name for the logs and its command line."""

    name: str
    argv: list[str]


def worker_queues(*, cuda: bool) -> str:
    """The embedded worker's queues: the gpu queue only where a CUDA device is present."""
    return "cpu,gpu" if cuda else "cpu"


def stack_processes(*, host: str, port: int, var_dir: Path, cuda: bool = False) -> list[ProcessSpec]:
    """The web server, one worker (on the gpu queue too where CUDA is present), and the beat scheduler."""
    return [
        ProcessSpec(
            "web",
            [str(BIN / "gunicorn"), "leaderboard.wsgi", "--bind", f"{host}:{port}", "--workers", "2",
             "--timeout", "120", "--access-logfile", "-"],
        ),
        ProcessSpec(
            "worker",
            [str(BIN / "celery"), "-A", "workers", "worker", "--queues", worker_queues(cuda=cuda),
             "--concurrency", "1", "--loglevel", "INFO", "--hostname", "embedded@%h"],
        ),
        ProcessSpec(
            "scheduler",
            [str(BIN / "celery"), "-A", "workers", "beat", "--loglevel", "INFO",
             "--schedule", str(var_dir / "celerybeat-schedule")],
        ),
    ]


def stack_run(*, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Migrate and sync, start every process, build the data and queue the baselines in the background
    (the pages show how far the build is), stop them all on Ctrl-C or a crash."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
    manage = [sys.executable, str(ROOT / "manage.py")]
    steps = (["migrate", "--noinput"], ["collectstatic", "--noinput", "--verbosity", "0"], ["benchmark_sync"])
    for step in steps:
        subprocess.run(manage + step, cwd=ROOT, check=True)
    import torch
    from django.conf import settings

    var_dir, cuda = Path(settings.VAR_DIR), torch.cuda.is_available()
    procs = {spec.name: subprocess.Popen(spec.argv, cwd=ROOT, start_new_session=True)
             for spec in stack_processes(host=host, port=port, var_dir=var_dir, cuda=cuda)}
    bootstrap = manage + ["bootstrap"]
    setup: subprocess.Popen | None = subprocess.Popen(bootstrap, cwd=ROOT, start_new_session=True)
    if not cuda:
        print("no CUDA device: phases that need a GPU wait for a GPU worker (see the README)", flush=True)
    print(f"Sparsebench is running at http://{host}:{port}/ (Ctrl-C stops everything); the benchmark data"
          " builds in the background (its pages show how far)", flush=True)  # fmt: skip
    stopping = False

    def request_stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    while not stopping:
        if setup is not None and setup.poll() is not None:
            print(_setup_done_text(setup.returncode), flush=True)
            setup = None
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"{name} exited with status {proc.returncode}; stopping the stack", flush=True)
                exit_code = proc.returncode or 1
                stopping = True
        time.sleep(0.5)
    _stop_all({**procs, **({"bootstrap": setup} if setup is not None else {})})
    return exit_code


def _setup_done_text(returncode: int) -> str:
    """What the runner says when the background bootstrap ends."""
    if returncode == 0:
        return "benchmark data ready and baselines queued"
    return (f"building the benchmark data failed (status {returncode}; the pages show which): the site keeps"
            " running; fix the cause and run `.venv/bin/python manage.py bootstrap`")  # fmt: skip


def _stop_all(procs: dict[str, subprocess.Popen]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def runner_address() -> tuple[str, int]:
    """(host, port) from SPARSEBENCH_HOST and SPARSEBENCH_PORT; ConfigError names a malformed one."""
    from leaderboard.env import ConfigError, env_int, env_str

    port = env_int("SPARSEBENCH_PORT", 8000, minimum=1)
    if port > 65535:
        raise ConfigError(f"SPARSEBENCH_PORT={port} is above the highest port 65535")
    return env_str("SPARSEBENCH_HOST", "127.0.0.1"), port


def main() -> int:
    """Entry point of `python -m leaderboard.runner`: a malformed variable is one line, not a traceback."""
    from leaderboard.env import ConfigError

    try:
        host, port = runner_address()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return stack_run(host=host, port=port)


if __name__ == "__main__":
    sys.exit(main())
