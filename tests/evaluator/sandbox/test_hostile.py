"""The hostile corpus: each module fails with a named problem, the host is unchanged, the worker goes on.

Attacks that end in an exception share one sandbox (a ZIP package of the corpus modules, one per
layer) which must keep answering afterwards; attacks on a limit each get their own sandbox, which
must be gone, with all its processes, after the problem is raised.
"""

from __future__ import annotations

import os
import time

import pytest
import torch
from sb_sandbox import sandbox_start, sandbox_start_package, tree_digest

from evaluator.sandbox import SandboxError

Q = torch.randn(1, 2, 64, 16)
SHARED = ["read_private_root", "read_shadow", "read_other_submission", "read_environment", "connect_postgres",
          "connect_redis", "connect_anywhere", "write_outside", "native_from_tmp", "good"]  # fmt: skip


LIMIT_UID = 64999  # apart from the shared sandbox's user, so that its processes can be counted


def _info(layer: int) -> dict:
    return {"causal": True, "block_size": [16, 16], "layer": layer, "step": None, "geometry": None}


def _make_host(root) -> None:
    """A private data root with a secret, and another submission."""
    (root / "private" / "hidden").mkdir(parents=True)
    (root / "private" / "hidden" / "answers.txt").write_text("the hidden ground truth")
    (root / "others" / "alice").mkdir(parents=True)
    (root / "others" / "alice" / "submission.py").write_text("SECRET_METHOD = 1\n")


def _host_digest(root) -> tuple[str, str]:
    """Digests of the private data root and of the other submissions."""
    return tree_digest(root / "private"), tree_digest(root / "others")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """(sandbox, host root) for the attacks that end in an exception; the worker holds a secret env var."""
    root = tmp_path_factory.mktemp("host")
    _make_host(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARSEBENCH_SECRET_KEY", "do-not-leak-this")
        method = sandbox_start_package(SHARED, host=root, upload=root / "upload.zip")
        yield method, root
    method.close()


def _shared_attack(shared, module: str) -> SandboxError:
    """The SandboxError of ``module``'s call; the host is unchanged and the sandbox still answers."""
    method, root = shared
    before = _host_digest(root)
    with pytest.raises(SandboxError) as caught:
        method.call(q=Q, k=Q, info=_info(SHARED.index(module)))
    assert _host_digest(root) == before
    assert set(method.call(q=Q, k=Q, info=_info(SHARED.index("good")))) == {"kv_num_blocks", "kv_indices"}
    return caught.value


@pytest.mark.parametrize("module", ["read_private_root", "read_shadow", "read_other_submission"])
def test_sandbox_reading_a_host_file_finds_nothing(shared, module):
    err = _shared_attack(shared, module)
    assert err.codes == ("select_raised",)
    assert "FileNotFoundError" in err.problems[0].detail


def test_sandbox_environment_holds_no_worker_secret(shared):
    assert os.environ["SPARSEBENCH_SECRET_KEY"] == "do-not-leak-this"
    err = _shared_attack(shared, "read_environment")
    assert err.codes == ("select_raised",)
    detail = err.problems[0].detail
    assert "LookupError" in detail and "HOME" in detail
    assert "do-not-leak-this" not in detail and "SPARSEBENCH_SECRET_KEY" not in detail


@pytest.mark.parametrize("module", ["connect_postgres", "connect_redis", "connect_anywhere"])
def test_sandbox_network_is_unreachable(shared, module):
    detail = _shared_attack(shared, module).problems[0].detail
    # the sandbox's own loopback refuses: the host's services are not there
    assert any(why in detail for why in ("Connection refused", "Network is unreachable", "name resolution"))


def test_sandbox_writes_outside_the_tmpfs_fail(shared):
    err = _shared_attack(shared, "write_outside")
    assert err.codes == ("select_raised",)
    attempts = err.problems[0].detail.split("; ")
    assert len(attempts) == 5 and all(a.endswith("Error") for a in attempts)
    assert not (shared[1] / "private" / "planted.txt").exists()


def test_sandbox_native_extension_planted_in_tmp_is_refused(shared):
    err = _shared_attack(shared, "native_from_tmp")
    assert err.codes == ("native_extension",)
    assert "/tmp/evil" in err.problems[0].detail


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
    """The SandboxError of one call of ``module`` in its own sandbox (run as its own user); the host is
    unchanged, the child was ``killed`` for it, and after closing no process of it remains."""
    _make_host(tmp_path)
    before = _host_digest(tmp_path)
    method = sandbox_start(module, host=tmp_path, uid=LIMIT_UID, **spec_changes)
    try:
        with pytest.raises(SandboxError) as caught:
            method.call(q=Q, k=Q, info=_info(0))
        assert (method.proc is None or method.proc.poll() is not None) == killed
    finally:
        method.close()
    assert _host_digest(tmp_path) == before
    if os.geteuid() == 0:  # the child ran as the sandbox user: none of its processes may remain
        deadline = time.monotonic() + 5
        while _sandbox_processes(method.spec.uid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _sandbox_processes(method.spec.uid) == []
    return caught.value


def test_sandbox_filling_the_tmpfs_is_the_written_bytes_limit(tmp_path):
    assert _limit_attack("fill_tmpfs", tmp_path).codes == ("written_bytes",)


def test_sandbox_fork_bomb_is_the_processes_limit(tmp_path):
    assert _limit_attack("fork_bomb", tmp_path, processes=16).codes == ("processes",)


def test_sandbox_memory_bomb_is_the_memory_limit(tmp_path):
    assert _limit_attack("memory_bomb", tmp_path, memory_bytes=1 << 30).codes == ("memory",)


def test_sandbox_infinite_loop_is_the_cpu_limit(tmp_path):
    assert _limit_attack("infinite_loop", tmp_path, cpu_seconds=2, call_seconds=60.0).codes == ("cpu_time",)


def test_sandbox_sleeping_past_the_call_limit_is_killed(tmp_path):
    err = _limit_attack("sleep_forever", tmp_path, call_seconds=1.0)
    assert err.codes == ("wall_time",)
    assert "1 s call limit" in err.problems[0].message


def test_sandbox_huge_answer_is_refused(tmp_path):
    assert _limit_attack("huge_answer", tmp_path, killed=False).codes == ("answer_too_large",)


def test_sandbox_interpreter_crash_is_named(tmp_path):
    err = _limit_attack("crash", tmp_path)
    assert err.codes == ("crashed",)
    assert "SIGSEGV" in err.problems[0].message


def test_sandbox_printing_gigabytes_is_the_output_limit(tmp_path):
    assert _limit_attack("print_flood", tmp_path).codes == ("output_limit",)
