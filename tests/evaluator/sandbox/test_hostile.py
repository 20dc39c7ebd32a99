"""The hostile corpus: each module fails with a named problem, the host is unchanged, the worker goes on."""

from __future__ import annotations

import os
import time

import pytest
import torch
from sb_sandbox import sandbox_start, tree_digest

from evaluator.sandbox import SandboxError

Q = torch.randn(1, 2, 64, 16)
INFO = {"causal": True, "block_size": [16, 16], "layer": 0, "step": None, "geometry": None}


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


def _host_digest(host) -> tuple[str, str]:
    """Digests of the private data root and of the other submissions."""
    return tree_digest(host / "private"), tree_digest(host / "others")


def _attack(module: str, host, **spec_changes) -> SandboxError:
    """Run one call of ``module``; the SandboxError it raises, after checking the host is unchanged,
    the sandbox is gone and a well-behaved sandbox still answers."""
    before = _host_digest(host)
    method = sandbox_start(module, host=host, **spec_changes)
    try:
        with pytest.raises(SandboxError) as caught:
            method.call(q=Q, k=Q, info=INFO)
    finally:
        method.close()
    assert _host_digest(host) == before
    if os.geteuid() == 0:  # the child ran as the sandbox user: none of its processes may remain
        deadline = time.monotonic() + 5
        while _sandbox_processes(method.spec.uid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _sandbox_processes(method.spec.uid) == []
    return caught.value


@pytest.mark.parametrize("module", ["read_private_root", "read_shadow", "read_other_submission"])
def test_sandbox_reading_a_host_file_finds_nothing(module, host):
    err = _attack(module, host)
    assert err.codes == ("select_raised",)
    assert "FileNotFoundError" in err.problems[0].detail


def test_sandbox_environment_holds_no_worker_secret(host):
    err = _attack("read_environment", host)
    assert err.codes == ("select_raised",)
    detail = err.problems[0].detail
    assert "LookupError" in detail and "HOME" in detail
    assert "do-not-leak-this" not in detail and "SPARSEBENCH_SECRET_KEY" not in detail


@pytest.mark.parametrize("module", ["connect_postgres", "connect_redis", "connect_anywhere"])
def test_sandbox_network_is_unreachable(module, host):
    err = _attack(module, host)
    assert err.codes == ("select_raised",)
    detail = err.problems[0].detail  # the sandbox's own loopback refuses: the host's is not there
    assert any(why in detail for why in ("Connection refused", "Network is unreachable", "name resolution"))


def test_sandbox_writes_outside_the_tmpfs_fail(host):
    err = _attack("write_outside", host)
    assert err.codes == ("select_raised",)
    assert "WRITTEN" not in err.problems[0].detail
    assert not (host / "private" / "planted.txt").exists()


def test_sandbox_filling_the_tmpfs_is_the_written_bytes_limit(host):
    assert _attack("fill_tmpfs", host).codes == ("written_bytes",)


def test_sandbox_fork_bomb_is_the_processes_limit(host):
    assert _attack("fork_bomb", host, processes=16).codes == ("processes",)


def test_sandbox_memory_bomb_is_the_memory_limit(host):
    assert _attack("memory_bomb", host).codes == ("memory",)


def test_sandbox_infinite_loop_is_the_cpu_limit(host):
    assert _attack("infinite_loop", host, cpu_seconds=2, call_seconds=60.0).codes == ("cpu_time",)


def test_sandbox_sleeping_past_the_call_limit_is_killed(host):
    err = _attack("sleep_forever", host, call_seconds=1.0)
    assert err.codes == ("wall_time",)
    assert "1 s call limit" in err.problems[0].message


def test_sandbox_huge_answer_is_refused(host):
    assert _attack("huge_answer", host).codes == ("answer_too_large",)


def test_sandbox_interpreter_crash_is_named(host):
    err = _attack("crash", host)
    assert err.codes == ("crashed",)
    assert "SIGSEGV" in err.problems[0].message


def test_sandbox_printing_gigabytes_is_the_output_limit(host):
    assert _attack("print_flood", host).codes == ("output_limit",)


def test_sandbox_native_extension_planted_in_tmp_is_refused(host):
    err = _attack("native_from_tmp", host)
    assert err.codes == ("native_extension",)
    assert "/tmp/evil" in err.problems[0].detail
