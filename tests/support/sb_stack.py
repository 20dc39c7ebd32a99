"""A real Sparsebench stack in subprocesses for end-to-end tests: web server, Celery worker, private var dir.

Backends: "embedded" (SQLite + kombu's SQLAlchemy broker over SQLite) and "redis-postgres".
The spare benchmark's data is built small (its worker reads sizes from the built manifest).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sb_seeds import seeds_for

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_DB = 14
SLUG, PHASE = "spare", "track1-dev"
#: Small but real: 2 scenes per phase, 6 test views at 96x72 (built in seconds).
SPARE_SIZE = dict(
    width=96,
    height=72,
    train_scenes=0,
    scenes_per_phase=2,
    test_views=6,
    cameras=64,
    lights=2,
    conditions=4,
    workers=1,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen, *, sig: int = signal.SIGTERM, grace: float = 15.0) -> None:
    """Signal the process group, then SIGKILL it if it outlives `grace` seconds."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    # children of a killed group leader may survive it briefly: sweep the group
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@dataclass
class Stack:
    """A running stack: base_url, var dir, env, and helpers to drive it."""

    backend: str
    root: Path
    env: dict[str, str]
    base_url: str = ""
    slug: str = SLUG
    phase: str = PHASE
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    pg_name: str = ""

    @property
    def var_dir(self) -> Path:
        return Path(self.env["SPARSEBENCH_VAR_DIR"])

    def manage(self, *args: str, timeout: float = 180) -> str:
        """Run `manage.py args` against this stack; returns stdout (raises with stderr on failure)."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def user_create(self, username: str, password: str = "", *, staff: bool = False) -> str:
        """Create a user (with `password`) and return a fresh API token."""
        args = ["token_issue", username, "--create"] + (["--staff"] if staff else [])
        if password:
            args += ["--password", password]
        return self.manage(*args).strip().splitlines()[-1]

    def payload(self, *, baseline: str = "plane-warp", phase: str = PHASE) -> Path:
        """A real submission ZIP for `phase`, made by one of the spare baselines from the public data."""
        from evaluator.benchmarks.spare import SpareBenchmark

        public = self.var_dir / "private" / "data" / SLUG / SpareBenchmark().spec.version / "public"
        work = self.root / "payloads" / f"{baseline}-{phase}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        made = next(b for b in SpareBenchmark().baselines() if b.name == baseline)
        return Path(made.make_payload(public, phase, work).file)

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.procs[name] = proc
        return proc

    def log_tail(self, name: str, size: int = 3000) -> str:
        """The end of a process's log (for failure messages)."""
        path = self.root / f"{name}.log"
        return path.read_bytes()[-size:].decode(errors="replace") if path.exists() else ""

    def server_start(self) -> None:
        """Start gunicorn and await its /healthz."""
        self.server_spawn()
        self.server_ready_wait()

    def server_spawn(self) -> None:
        """Start gunicorn on a free port (base_url)."""
        port = _free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "leaderboard.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "120",
            ],
        )

    def server_ready_wait(self) -> None:
        """Await the web server's first /healthz answer (200 or 503)."""
        self.wait_for(
            lambda: self.http("GET", "/healthz")[0] in (200, 503), what="the web server", timeout=60
        )

    def worker_start(self) -> None:
        """Start a prefork Celery worker (one process, reaper beat embedded); await its heartbeat."""
        self.worker_ready_wait(self.worker_spawn())

    def worker_spawn(self) -> str:
        """Start a prefork Celery worker (one process, reaper beat embedded); returns its node name."""
        node = f"e2e-{time.time_ns()}"  # unique: the rows of a killed worker never stand for this one
        self._spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers",
                "worker",
                "-Q",
                "cpu,cpu-baselines",
                "-c",
                "1",
                "--pool",
                "prefork",
                "-B",
                "-s",
                str(self.var_dir / "beat-schedule"),
                "--loglevel",
                "INFO",
                "-n",
                f"{node}@%h",
            ],
        )
        return node

    def worker_ready_wait(self, node: str) -> None:
        """Await the first heartbeat row of worker `node` (written once it consumes) and an ok /healthz.

        The row is read from the database: /healthz keeps its checks up to HEALTH_TTL_S (5 s) per web
        process, so polling it for the new heartbeat waited seconds after the worker was ready."""
        heartbeats = "SELECT COUNT(*) FROM leaderboard_workerheartbeat WHERE worker_id LIKE %s"

        def ready():
            return self.scalar(heartbeats, (f"{node}@%",)) and self.http("GET", "/healthz")[1].get("ok")

        self.wait_for(ready, what="the worker's heartbeat", timeout=90)

    def worker_kill(self) -> None:
        """SIGKILL the worker's whole process group (main process, pool child and beat)."""
        proc = self.procs.pop("worker")
        _stop(proc, sig=signal.SIGKILL)

    def stop(self) -> None:
        """Kill every process group outright: the stack is thrown away and nothing checks how it stops.

        (A graceful stop took 5 to 10 s per stack: the worker's blocking loop notices SIGTERM only between
        its 2 s broker polls, and a pool process signalled with its group was replaced while shutting down.)
        """
        for name in list(self.procs):
            _stop(self.procs.pop(name), sig=signal.SIGKILL)

    def http(
        self, method: str, path: str, *, token: str = "", data: bytes | None = None, content_type: str = ""
    ) -> tuple[int, dict]:
        """One request; returns (status, JSON body or {})."""
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if token:
            request.add_header("Authorization", f"Token {token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw, status = response.read(), response.status
        except urllib.error.HTTPError as exc:
            raw, status = exc.read(), exc.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0, {}
        try:
            return status, json.loads(raw or b"{}")
        except ValueError:
            return status, {}

    def submit(self, *, token: str, file: Path, method_name: str, phase: str = PHASE) -> tuple[int, dict]:
        """POST a multipart submission to /api/v1/submissions/."""
        boundary = "sparsebench-e2e-boundary"
        parts = []
        for key, value in (("benchmark", self.slug), ("phase", phase), ("method_name", method_name)):
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file.name}"\r\n'
            "Content-Type: application/zip\r\n\r\n".encode()
            + file.read_bytes()
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.http(
            "POST",
            "/api/v1/submissions/",
            token=token,
            data=b"".join(parts),
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    def wait_for(self, condition, *, what: str, timeout: float, interval: float = 0.25):
        """Poll `condition` until it returns a truthy value; fail with the process logs after `timeout`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = condition()
            if value:
                return value
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
            time.sleep(interval)
        logs = "\n".join(f"--- {name}\n{self.log_tail(name)}" for name in ("web", "worker"))
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}\n{logs}")

    def submission_wait(
        self, *, token: str, submission_id: int, statuses: set[str], timeout: float = 180, predicate=None
    ) -> dict:
        """Poll the API until the submission reaches one of `statuses` (and `predicate` holds)."""

        def reached():
            status, body = self.http("GET", f"/api/v1/submissions/{submission_id}/", token=token)
            if status == 200 and body.get("status") in statuses and (predicate is None or predicate(body)):
                return body
            return None

        return self.wait_for(
            reached,
            what=f"submission {submission_id} to reach {sorted(statuses)}",
            timeout=timeout,
            interval=0.2,
        )

    def scalar(self, sql: str, params: tuple = ()):
        """One value from the stack's database (SQLite file or PostgreSQL), read directly."""
        if self.backend == "embedded":
            with sqlite3.connect(self.var_dir / "db.sqlite3", timeout=30) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchone()[0]
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.pg_name}") as conn:
            return conn.execute(sql, params).fetchone()[0]


def _backend_urls(backend: str, var_dir: Path) -> tuple[str, str, str]:
    """(DATABASE_URL, CELERY_BROKER_URL, PostgreSQL database name or "")."""
    if backend == "embedded":
        return f"sqlite:///{var_dir / 'db.sqlite3'}", f"sqla+sqlite:///{var_dir / 'broker.sqlite3'}", ""
    import psycopg
    import redis

    name = f"sparsebench_e2e_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    return f"postgres://postgres@127.0.0.1:5432/{name}", f"redis://127.0.0.1:6379/{REDIS_DB}", name


def stack_start(*, backend: str, root: Path) -> Stack:
    """Build the small spare data, migrate, sync, collect static files, start the server and a worker."""
    from evaluator.benchmarks.spare import SpareBenchmark, SpareConfig

    var_dir = root / "var"
    var_dir.mkdir(parents=True)
    database_url, broker_url, pg_name = _backend_urls(backend, var_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DJANGO_", "CELERY_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "DJANGO_SETTINGS_MODULE": "leaderboard.settings",
            "DJANGO_SECRET_KEY": "e2e-secret-key-not-for-production",
            "SPARSEBENCH_VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "SPARSEBENCH_LEASE_SECONDS": "5",
            "SPARSEBENCH_HEARTBEAT_SECONDS": "1",
            "SPARSEBENCH_REAPER_INTERVAL_SECONDS": "2",
            "SPARSEBENCH_MAX_ATTEMPTS": "3",
            "SPARSEBENCH_THROTTLE_USER": "100000/min",
            "SPARSEBENCH_THROTTLE_ANON": "100000/min",
            "OMP_NUM_THREADS": "1",
        }
    )
    stack = Stack(backend=backend, root=root, env=env, pg_name=pg_name)
    # one manage.py process migrates and collects the static files while the data is built here, then
    # syncs (it finds the built data: spare is ready) once told on its stdin that the build is done
    with open(root / "setup.log", "wb") as log:
        setup = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", _SETUP_COMMANDS],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        plugin = SpareBenchmark(SpareConfig(**SPARE_SIZE))
        data_dir = var_dir / "private" / "data" / SLUG / plugin.spec.version
        data_dir.mkdir(parents=True)
        plugin.build(data_dir, seeds=seeds_for())
        setup.communicate(b"built\n", timeout=300)
    finally:
        if setup.poll() is None:
            setup.kill()
            setup.wait()
    if setup.returncode:
        raise RuntimeError(f"migrate, collectstatic or benchmark_sync failed:\n{stack.log_tail('setup')}")
    try:
        stack.server_spawn()  # the web server and the worker start side by side
        node = stack.worker_spawn()
        stack.server_ready_wait()
        stack.worker_ready_wait(node)
    except BaseException:
        stack_stop(stack)
        raise
    return stack


#: What stack_start's manage.py process runs (`manage.py shell -c`): each command as `manage.py <name>` would.
_SETUP_COMMANDS = """
import sys
from django.core.management import call_command
call_command("migrate", interactive=False)
call_command("collectstatic", interactive=False)
sys.stdin.readline()  # the spare data is built
call_command("benchmark_sync")
"""


def stack_stop(stack: Stack) -> None:
    """Stop every process and drop the PostgreSQL database / flush the Redis db of a redis-postgres stack."""
    stack.stop()
    if stack.pg_name:
        import psycopg
        import redis

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {stack.pg_name} WITH (FORCE)")
        redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
