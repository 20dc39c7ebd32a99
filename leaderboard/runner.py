"""Runs the embedded stack for `make run`: web server, worker and scheduler (restarted if they crash) until
Ctrl-C, the data built aside."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from leaderboard.queues import consumed_queues

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


#: Restart delays after a child exits on its own: doubled per crash, reset after RESTART_RESET_S up.
RESTART_FIRST_S, RESTART_MAX_S, RESTART_RESET_S = 1.0, 30.0, 60.0
#: Seconds the processes have to stop on Ctrl-C before they are killed (the goal: all gone within 5 s).
STOP_GRACE_S = 3.0
#: How often the runner looks at its children (and so how soon it acts on Ctrl-C).
POLL_S = 0.1
#: Asked of a child process: the runner never imports torch, so that it starts and exits quickly.
CUDA_PROBE = "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)"
NO_CUDA_TEXT = "no CUDA device: phases that need a GPU wait for a GPU worker (see the README)"


@dataclass(frozen=True)
class ProcessSpec:
    """One long-running process of the stack: a name for the logs, its command line, and the signal its
    guard sends it when the stack stops (the web server and the worker stop at once: a task is
    acknowledged late, so it is redelivered)."""

    name: str
    argv: list[str]
    on_runner_death: str = "SIGTERM"

    def guarded_argv(self, *, parent: int) -> list[str]:
        """The command run through leaderboard.childguard, so that it and its children die with ``parent``."""
        return [sys.executable, "-m", "leaderboard.childguard", str(parent), self.on_runner_death, *self.argv]


@dataclass
class Supervised:
    """A running child, and when and how often it was restarted."""

    spec: ProcessSpec
    proc: subprocess.Popen
    started: float
    delay: float = RESTART_FIRST_S
    restart_at: float | None = None

    def next_delay(self, *, now: float) -> float:
        """The back-off before the next restart: reset when the child had run RESTART_RESET_S."""
        if now - self.started >= RESTART_RESET_S:
            self.delay = RESTART_FIRST_S
        delay, self.delay = self.delay, min(self.delay * 2, RESTART_MAX_S)
        return delay


def worker_queues(*, cuda: bool) -> str:
    """The embedded worker's queues: cpu and gpu (the gpu ones only where a CUDA device is present), each
    with its baselines queue (leaderboard/queueing.py)."""
    return consumed_queues("cpu", "gpu") if cuda else consumed_queues("cpu")


def stack_processes(*, host: str, port: int, var_dir: Path, cuda: bool = False) -> list[ProcessSpec]:
    """The web server (threaded: a slow client holds one thread, not a process), one worker (on the gpu
    queue too where CUDA is present), and the beat scheduler."""
    return [
        ProcessSpec(
            "web",
            [
                str(BIN / "gunicorn"),
                "leaderboard.wsgi",
                "--bind",
                f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "8",
                "--timeout",
                "120",
                "--access-logfile",
                "-",
            ],
            on_runner_death="SIGINT",  # gunicorn's quick shutdown (SIGTERM waits for requests in flight)
        ),
        ProcessSpec(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "workers",
                "worker",
                "--queues",
                worker_queues(cuda=cuda),
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--hostname",
                "embedded@%h",
            ],
            on_runner_death="SIGQUIT",
        ),
        ProcessSpec(
            "scheduler",
            [
                str(BIN / "celery"),
                "-A",
                "workers",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(var_dir / "celerybeat-schedule"),
            ],
        ),
    ]


def stack_run(*, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Migrate and sync, start every process (the worker once a child process has said whether CUDA is
    there), build the data and queue the baselines in the background (the pages show how far the build
    is), restart a process that crashes, stop them all on Ctrl-C."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
    manage = [sys.executable, str(ROOT / "manage.py")]
    steps = (["migrate", "--noinput"], ["collectstatic", "--noinput", "--verbosity", "0"], ["benchmark_sync"])
    for step in steps:
        done = subprocess.run(manage + step, cwd=ROOT)
        if done.returncode != 0:
            print(
                f"`manage.py {step[0]}` failed (status {done.returncode}; its message is above)",
                file=sys.stderr,
            )
            return done.returncode
    from django.conf import settings

    var_dir = Path(settings.VAR_DIR)
    probe = subprocess.Popen([sys.executable, "-c", CUDA_PROBE], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    stopping = False

    def request_stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    later = {spec.name: spec for spec in stack_processes(host=host, port=port, var_dir=var_dir)}
    children = {name: _start(later.pop(name)) for name in ("web", "scheduler")}
    bootstrap = ProcessSpec("bootstrap", manage + ["bootstrap"]).guarded_argv(parent=os.getpid())
    setup: subprocess.Popen | None = subprocess.Popen(bootstrap, cwd=ROOT, start_new_session=True)
    print(f"Sparsebench is running at http://{host}:{port}/ (Ctrl-C stops everything); the benchmark data"
          " builds in the background (its pages show how far)", flush=True)  # fmt: skip
    while not stopping:
        if probe is not None and probe.poll() is not None:
            cuda = probe.returncode == 0
            spec = stack_processes(host=host, port=port, var_dir=var_dir, cuda=cuda)
            children["worker"] = _start(next(s for s in spec if s.name == "worker"))
            if not cuda:
                print(NO_CUDA_TEXT, flush=True)
            probe = None
        if setup is not None and setup.poll() is not None:
            print(_setup_done_text(setup.returncode), flush=True)
            setup = None
        for child in children.values():
            _supervise(child, now=time.monotonic())
        time.sleep(POLL_S)
    procs = {name: child.proc for name, child in children.items()}
    extra = {"bootstrap": setup} if setup is not None else {}
    if probe is not None:
        probe.kill()
        extra["cuda probe"] = probe
    _stop_all({**procs, **extra})
    return 0


def _start(spec: ProcessSpec) -> Supervised:
    """Start one child in its own session, guarded so that it dies with the runner."""
    proc = subprocess.Popen(spec.guarded_argv(parent=os.getpid()), cwd=ROOT, start_new_session=True)
    return Supervised(spec=spec, proc=proc, started=time.monotonic())


def _supervise(child: Supervised, *, now: float) -> None:
    """Restart a child that exited, after its back-off (doubling per crash, capped, reset by uptime)."""
    if child.restart_at is None:
        if child.proc.poll() is None:
            return
        delay = child.next_delay(now=now)
        child.restart_at = now + delay
        print(f"{child.spec.name} exited with status {child.proc.returncode}; restarting in {delay:.0f} s",
              flush=True)  # fmt: skip
        return
    if now >= child.restart_at:
        fresh = _start(child.spec)
        child.proc, child.started, child.restart_at = fresh.proc, fresh.started, None
        print(f"{child.spec.name} restarted (pid {child.proc.pid})", flush=True)


def _setup_done_text(returncode: int) -> str:
    """What the runner says when the background bootstrap ends."""
    if returncode == 0:
        return "benchmark data ready and baselines queued"
    return (f"building the benchmark data failed (status {returncode}; the pages show which): the site keeps"
            " running; fix the cause and run `.venv/bin/python manage.py bootstrap`")  # fmt: skip


def _stop_all(procs: dict[str, subprocess.Popen]) -> None:
    """Ask each guard to stop its group (it sends the process's own stop signal), then SIGKILL what is left
    after STOP_GRACE_S: nothing is lost (a running task is acknowledged late and redelivered)."""
    for proc in procs.values():
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def runner_address() -> tuple[str, int]:
    """(host, port) from SPARSEBENCH_HOST and SPARSEBENCH_PORT; ConfigError names a malformed one."""
    from leaderboard.env import ConfigError, env_host, env_int

    port = env_int("SPARSEBENCH_PORT", 8000, minimum=1)
    if port > 65535:
        raise ConfigError(f"SPARSEBENCH_PORT={port} is above the highest port 65535")
    return env_host("SPARSEBENCH_HOST", "127.0.0.1"), port


def settings_load() -> None:
    """Read the Django settings here first: a malformed variable is then one line naming it (ConfigError)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
    from django.conf import settings

    settings.VAR_DIR  # noqa: B018  (the first access imports the settings module)


def main() -> int:
    """Entry point of `python -m leaderboard.runner`: a malformed variable is one line, not a traceback;
    everything the runner and its children create is private to the service's user."""
    from leaderboard.env import ConfigError
    from leaderboard.filemodes import private_umask_set

    private_umask_set()
    try:
        host, port = runner_address()
        settings_load()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return stack_run(host=host, port=port)


if __name__ == "__main__":
    sys.exit(main())
