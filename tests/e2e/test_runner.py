"""`make run`'s runner: the site answers while the data builds and while slow clients hold connections, a
crashed worker is restarted, Ctrl-C stops it all, and a runner killed outright takes its children along."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: How often the tests look again (each look is cheap: a refused connection, pgrep, /proc reads).
POLL_S = 0.1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except OSError:
        return 0, ""


def _runner(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    """The runner started on a free port with a fresh var dir, and its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DJANGO_", "CELERY_"))}
    env.pop("DATABASE_URL", None)
    env.update(SPARSEBENCH_VAR_DIR=str(tmp_path / "var"), SPARSEBENCH_PORT=str(port), OMP_NUM_THREADS="1")
    log = (tmp_path / "runner.log").open("w")
    runner = subprocess.Popen([sys.executable, "-m", "leaderboard.runner"], cwd=REPO, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    return runner, f"http://127.0.0.1:{port}"


def _wait_for(base: str, path: str, runner: subprocess.Popen, tmp_path: Path) -> str:
    """The page at `path` once it answers 200 (at most 240 s)."""
    status, page = 0, ""
    deadline = time.monotonic() + 240
    while status != 200 and time.monotonic() < deadline and runner.poll() is None:
        time.sleep(POLL_S)
        status, page = _get(f"{base}{path}")
    assert status == 200, (tmp_path / "runner.log").read_text()[-3000:]
    return page


def _children(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()


def _descendants(pid: int) -> list[str]:
    found = []
    for child in _children(pid):
        found += [child, *_descendants(int(child))]
    return found


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _is_worker(pid: str) -> bool:
    return "celery" in _cmdline(pid) and " worker " in _cmdline(pid)


def _slow_clients(base: str, count: int) -> list[socket.socket]:
    """Connections that send a request's first line and then nothing more (slow-loris style)."""
    host, port = base.removeprefix("http://").split(":")
    clients = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
        clients.append(sock)
    return clients


def test_the_site_answers_while_the_data_builds_and_ctrl_c_stops_every_process(tmp_path):
    runner, base = _runner(tmp_path)
    try:
        page = _wait_for(base, "/benchmarks/vdit/", runner, tmp_path)
        # vdit's data comes last in the bootstrap: the page answers before it is built, and says so
        assert "not available yet (data" in page
        assert _get(f"{base}/")[0] == 200
        deadline = time.monotonic() + 60  # the worker starts once a child process has looked for CUDA
        while len(children := [c for c in _children(runner.pid) if "childguard" in _cmdline(c)]) < 4:
            assert time.monotonic() < deadline, f"guarded children: {children}"
            time.sleep(POLL_S)
        assert len(children) == 4  # web, worker, scheduler and the background bootstrap
        # slow clients hold connections: each holds one thread, the rest still answers
        slow = _slow_clients(base, 4)
        try:
            assert _get(f"{base}/healthz")[0] in (200, 503) and _get(f"{base}/")[0] == 200
        finally:
            for sock in slow:
                sock.close()
        # a crashed worker comes back (each child is a guard: the worker is the guard's child)
        (worker,) = [pid for guard in children for pid in _children(int(guard)) if _is_worker(pid)]
        os.kill(int(worker), signal.SIGKILL)
        deadline = time.monotonic() + 60
        while "worker restarted (pid" not in (tmp_path / "runner.log").read_text():
            assert time.monotonic() < deadline, (tmp_path / "runner.log").read_text()[-3000:]
            time.sleep(POLL_S)
        while not (fresh := [p for g in _children(runner.pid) for p in _children(int(g)) if _is_worker(p)]):
            assert time.monotonic() < deadline, "no worker after the restart"
            time.sleep(POLL_S)
        assert fresh != [worker]
        family = _descendants(runner.pid)
    finally:
        os.killpg(runner.pid, signal.SIGINT)
        runner.wait(timeout=60)
    output = (tmp_path / "runner.log").read_text()
    assert "Sparsebench is running at" in output and "builds in the background" in output
    assert "worker exited with status" in output and "restarting in 1 s" in output
    assert _get(f"{base}/")[0] == 0  # the web server is gone with the runner
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    alive = {pid: _cmdline(pid) for pid in family if _alive(pid)}
    assert alive == {}, f"processes still running: {alive}"


def test_a_runner_killed_outright_takes_every_process_with_it(tmp_path):
    runner, base = _runner(tmp_path)
    try:
        _wait_for(base, "/", runner, tmp_path)
        family = _descendants(runner.pid)
        assert len(family) >= 4
    finally:
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    left = {pid: _cmdline(pid) for pid in family if _alive(pid)}
    assert left == {}, f"processes left behind by the killed runner: {left}"
    assert _get(f"{base}/")[0] == 0
