"""The embedded runner's supervision: restart back-off, and children that die with the runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from leaderboard.runner import RESTART_MAX_S, RESTART_RESET_S, ProcessSpec, Supervised, stack_processes

REPO = Path(__file__).resolve().parents[2]


def test_restart_delay_doubles_per_crash_is_capped_and_resets_after_a_long_run():
    child = Supervised(spec=ProcessSpec("worker", ["true"]), proc=None, started=0.0)
    delays = [child.next_delay(now=1.0) for _ in range(7)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, RESTART_MAX_S, RESTART_MAX_S]
    child.started = 100.0
    assert child.next_delay(now=100.0 + RESTART_RESET_S) == 1.0


def test_web_is_threaded_and_the_worker_stops_cold_if_the_runner_dies(tmp_path):
    specs = {s.name: s for s in stack_processes(host="127.0.0.1", port=8000, var_dir=tmp_path)}
    assert specs["web"].argv[specs["web"].argv.index("--worker-class") + 1] == "gthread"
    assert specs["worker"].on_runner_death == "SIGQUIT"
    argv = specs["scheduler"].guarded_argv(parent=123)
    assert argv[1:5] == ["-m", "leaderboard.childguard", "123", "SIGTERM"]
    assert argv[5:] == specs["scheduler"].argv


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def _children(pid: int) -> list[int]:
    done = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in done.stdout.split()]


def test_a_guarded_command_and_its_children_die_when_the_parent_is_killed_outright():
    parent_code = (
        "import os, subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-m', 'leaderboard.childguard', str(os.getpid()), 'SIGTERM', "
        "'/bin/sh', '-c', 'sleep 300 & sleep 300'], start_new_session=True); print(p.pid, flush=True); "
        "time.sleep(300)"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    guard = int(parent.stdout.readline())
    deadline = time.monotonic() + 30
    while len(family := [guard, *_children(guard), *(g for c in _children(guard) for g in _children(c))]) < 4:
        assert time.monotonic() < deadline, f"the guarded shell and its sleeps never started: {family}"
        time.sleep(0.05)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    while any(_alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in family if _alive(pid)] == [], "the guarded group outlived its parent"


def test_the_guard_exits_with_the_commands_status():
    guard = [sys.executable, "-m", "leaderboard.childguard", str(os.getpid()), "SIGTERM", "/bin/sh", "-c"]
    assert subprocess.run([*guard, "exit 3"], cwd=REPO).returncode == 3  # in a group of its own, not ours
    assert subprocess.run([*guard, "kill -9 $$"], cwd=REPO).returncode == 128 + 9


def test_the_guard_refuses_to_run_for_a_parent_that_is_not_its_own():
    guard = [sys.executable, "-m", "leaderboard.childguard", "1", "SIGTERM", "/bin/true"]
    done = subprocess.run(guard, cwd=REPO)
    assert done.returncode == 1
