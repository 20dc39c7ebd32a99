"""`make run`'s runner: the site answers while the benchmark data still builds, and Ctrl-C stops it all."""

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


def test_the_site_answers_while_the_data_builds_and_ctrl_c_stops_every_process(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DJANGO_", "CELERY_"))}
    env.pop("DATABASE_URL", None)
    env.update(SPARSEBENCH_VAR_DIR=str(tmp_path / "var"), SPARSEBENCH_PORT=str(port), OMP_NUM_THREADS="1")
    log = (tmp_path / "runner.log").open("w")
    runner = subprocess.Popen([sys.executable, "-m", "leaderboard.runner"], cwd=REPO, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        base, status, page = f"http://127.0.0.1:{port}", 0, ""
        deadline = time.monotonic() + 240
        while status != 200 and time.monotonic() < deadline and runner.poll() is None:
            time.sleep(0.5)
            status, page = _get(f"{base}/benchmarks/vdit/")
        assert status == 200, (tmp_path / "runner.log").read_text()[-3000:]
        # vdit's data comes last in the bootstrap: the page answers before it is built, and says so
        assert "not available yet (data" in page
        assert _get(f"{base}/")[0] == 200
        children = subprocess.run(
            ["pgrep", "-P", str(runner.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) == 4  # web, worker, scheduler and the background bootstrap
    finally:
        os.killpg(runner.pid, signal.SIGINT)
        runner.wait(timeout=60)
    log.close()
    output = (tmp_path / "runner.log").read_text()
    assert "Sparsebench is running at" in output and "builds in the background" in output
    assert _get(f"{base}/")[0] == 0  # the web server is gone with the runner
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert alive == [], f"children still running: {alive}"
