"""The hostile corpus, limits: each attack gets its own sandbox (as its own user) and ends with a named
problem, the child killed with every process of it, the host and the worker's own process unchanged.

Every probe also runs outside the sandbox (its negative control), where it gets past the limit."""

from __future__ import annotations

import os
import signal
import time

import pytest
import torch
from sb_outside import (
    database_rows,
    host_digest,
    host_make,
    outside_call,
    outside_result,
    outside_start,
    outside_stop,
)
from sb_sandbox import TEST_SPEC, host_places, sandbox_start, worker_holdings

from evaluator.sandbox import SandboxError

Q = torch.randn(1, 2, 64, 16)
INFO = {"causal": True, "block_size": [16, 16], "layer": 0, "step": None, "geometry": None}
LIMIT_UID = 64999  # apart from other sandboxes' user, so that its processes can be counted


def _sandbox_processes(uid: int) -> list[int]:
    """Host pids running as the sandbox user (none once a sandbox is closed)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                uid_line = next(line for line in f if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(uid_line.split()[1]) == uid:
            pids.append(int(pid))
    return pids


def _limit_attack(module: str, tmp_path, *, killed: bool = True, **spec_changes) -> SandboxError:
    """The SandboxError of one call of ``module`` in its own sandbox; the host is unchanged, the child
    was ``killed`` for it, no process of it remains and the worker's process holds no more than before."""
    root = host_make(tmp_path / "host")
    before, worker = host_digest(root), worker_holdings()
    method = sandbox_start(module, places=host_places(root), uid=LIMIT_UID, **spec_changes)
    try:
        with pytest.raises(SandboxError) as caught:
            method.call(q=Q, k=Q, info=INFO)
        assert (method.proc is None or method.proc.poll() is not None) == killed
    finally:
        method.close()
    assert host_digest(root) == before and database_rows(root) == 3
    if os.geteuid() == 0:  # the child ran as the sandbox user: none of its processes may remain
        deadline = time.monotonic() + 5
        while _sandbox_processes(LIMIT_UID) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _sandbox_processes(LIMIT_UID) == []
    assert worker_holdings() == worker
    return caught.value


def _control(module: str, tmp_path):
    """The module's select started outside the sandbox (negative control), in its own folder."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return outside_start(module, folder)


def _result(proc) -> str:
    rc, out = outside_result(proc)
    assert rc == 0, out
    return out.rsplit("RESULT ", 1)[-1].strip()


def test_filling_the_tmpfs_is_the_written_bytes_limit(tmp_path):
    outside = _control("fill_tmpfs", tmp_path)
    assert _limit_attack("fill_tmpfs", tmp_path).codes == ("written_bytes",)
    assert (
        _result(outside) == '{"written": 67108864}'
        and (tmp_path / "outside" / "fill").stat().st_size == 64 << 20
    )
    assert TEST_SPEC.written_bytes < 64 << 20


def test_a_fork_bomb_is_the_processes_limit(tmp_path):
    assert _limit_attack("fork_bomb", tmp_path, processes=16).codes == ("processes",)
    assert _result(_control("fork_bomb", tmp_path)) == '{"started": 64}'  # outside, past 16


def test_a_memory_bomb_is_the_memory_limit(tmp_path):
    limit = 1 << 30
    assert _limit_attack("memory_bomb", tmp_path, memory_bytes=limit).codes == ("memory",)
    held = int(_result(_control("memory_bomb", tmp_path)).split(": ")[1].rstrip("}"))
    assert held > limit  # outside, the same probe holds more than the sandbox's whole address space


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_an_infinite_loop_is_the_cpu_limit(tmp_path):
    outside = _control("infinite_loop", tmp_path)
    try:
        err = _limit_attack("infinite_loop", tmp_path, cpu_seconds=1, call_seconds=60.0)
        assert err.codes == ("cpu_time",)
        deadline = time.monotonic() + 30
        while outside.poll() is None and _cpu_seconds(outside.pid) <= 1.0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # outside, the same loop spins on past the CPU time the sandbox allows the calls
        assert outside.poll() is None and _cpu_seconds(outside.pid) > 1.0
    finally:
        outside_stop(outside)


def test_sleeping_past_the_call_limit_is_killed(tmp_path):
    outside = _control("sleep_forever", tmp_path)
    try:
        err = _limit_attack("sleep_forever", tmp_path, call_seconds=1.0)
        assert err.codes == ("wall_time",) and "1 s call limit" in err.problems[0].message
        assert outside.poll() is None  # outside, it still sleeps past the limit
    finally:
        outside_stop(outside)


def test_a_huge_answer_is_refused(tmp_path):
    assert _limit_attack("huge_answer", tmp_path, killed=False).codes == ("answer_too_large",)
    answer = outside_call("huge_answer", {})["kv_indices"]  # outside, the answer is made
    assert answer.numel() * answer.element_size() > TEST_SPEC.answer_bytes


def test_an_interpreter_crash_is_named(tmp_path):
    err = _limit_attack("crash", tmp_path)
    assert err.codes == ("crashed",) and "SIGSEGV" in err.problems[0].message
    rc, _ = outside_result(_control("crash", tmp_path))
    assert rc == -signal.SIGSEGV  # outside, the probe does crash its interpreter


def test_printing_gigabytes_is_the_output_limit(tmp_path):
    assert _limit_attack("print_flood", tmp_path).codes == ("output_limit",)
    outside = _control("print_flood", tmp_path)
    try:
        printed = 0
        while printed <= 2 * TEST_SPEC.output_bytes:
            chunk = outside.stdout.read1(1 << 16)
            assert chunk, "the control stopped printing"
            printed += len(chunk)
    finally:
        outside_stop(outside)
