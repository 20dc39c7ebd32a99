"""Helpers of the platform benchmarks: a throwaway database and var dir, a gunicorn server, HTTP timings."""

from __future__ import annotations

import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
LB = "/api/v1/benchmarks/bench/leaderboard/?phase=dev"
#: (label, path, whether the 30/60 ms target applies) of bench/platform_leaderboard.py.
LEADERBOARD_URLS = [
    ("floor: API benchmark list (1 benchmark, no rows)", "/api/v1/benchmarks/", False),
    ("API JSON, 100 rows (default order)", LB, True),
    ("API JSON, 100 rows, order_by=lpips", LB + "&order_by=lpips", True),
    ("API JSON, 100 rows, offset=9900", LB + "&offset=9900", True),
    ("API JSON, 1000 rows", LB + "&limit=1000", False),
    ("API CSV, 1000 rows", LB + "&format=csv", False),
    ("page /benchmarks/bench/ (100 rows + Pareto)", "/benchmarks/bench/?phase=dev", True),
    ("page, order_by=lpips", "/benchmarks/bench/?phase=dev&order_by=lpips", True),
]


@dataclass(frozen=True)
class Timing:
    """Latency summary of one URL: median and 95th percentile in milliseconds over `count` requests."""

    median_ms: float
    p95_ms: float
    count: int
    status: int
    body_bytes: int


def port_free() -> int:
    """An unused local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(*, host: str, port: int) -> bool:
    """Whether something accepts connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def server_env(*, var_dir: Path, database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a bench server: its own var dir and database, no throttling, in-memory broker."""
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="leaderboard.settings",
        SPARSEBENCH_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY="bench-secret-key",
        DJANGO_DEBUG="false",
        CELERY_BROKER_URL=env.get("CELERY_BROKER_URL_BENCH", "memory://"),
        SPARSEBENCH_THROTTLE_ANON="1000000/min",
        SPARSEBENCH_THROTTLE_USER="1000000/min",
        SPARSEBENCH_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    for name in ("SPARSEBENCH_DATA_ROOT", "SPARSEBENCH_SUBMISSION_ROOT", "SPARSEBENCH_STATIC_ROOT"):
        env.pop(name, None)
    env.update(extra or {})
    return env


def pg_database(*, name: str, drop: bool = False) -> str | None:
    """Create (or drop) database `name` on the local PostgreSQL; its URL, or None when unreachable."""
    if not port_open(host="127.0.0.1", port=5432):
        return None
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL not usable: {exc}", file=sys.stderr)
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def var_dir_make(*, prefix: str) -> Path:
    """A fresh temporary var dir."""
    return Path(tempfile.mkdtemp(prefix=prefix))


class Gunicorn:
    """A gunicorn subprocess serving leaderboard.wsgi on a free port; stopped (only this one) on exit."""

    def __init__(self, *, env: dict[str, str], workers: int = 2, log: Path | None = None) -> None:
        self.env = env
        self.log = log
        self.workers = workers
        self.port = port_free()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        argv = [
            str(BIN / "gunicorn"),
            "leaderboard.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        output = self.log.open("ab") if self.log is not None else None
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=output, stderr=output)
        if output is not None:
            output.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.proc.returncode}")
            try:
                if requests.get(f"{self.url}/api/v1/benchmarks/", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def url_timing(*, session, url: str, count: int, warmup: int = 10) -> Timing:
    """Time `count` sequential GETs of `url` (after `warmup` untimed ones) with a requests.Session or a
    django.test.Client (anything with .get returning .status_code and .content); bodies are read fully."""
    for _ in range(warmup):
        session.get(url).content  # noqa: B018
    samples, status, size = [], 0, 0
    for _ in range(count):
        start = time.perf_counter()
        response = session.get(url)
        body = response.content
        samples.append((time.perf_counter() - start) * 1000)
        status, size = response.status_code, len(body)
    return timing_summary(samples=samples, status=status, size=size)


def timing_summary(*, samples: list[float], status: int = 0, size: int = 0) -> Timing:
    """Median and nearest-rank 95th percentile of millisecond samples."""
    samples = sorted(samples)
    count = len(samples)
    p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
    median = statistics.median(samples)
    return Timing(median_ms=median, p95_ms=p95, count=count, status=status, body_bytes=size)
