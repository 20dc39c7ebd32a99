"""The hostile corpus, escapes: reading, connecting, writing, a planted C extension; each fails in the
sandbox with a named problem while the host (files, database) is unchanged and the sandbox keeps serving.

Every probe also runs outside the sandbox (its negative control), where it must succeed.
The attacks share one sandbox: a ZIP package of the corpus modules, one per layer."""

from __future__ import annotations

import os

import pytest
import torch
from sb_outside import (
    database_rows,
    host_address,
    host_digest,
    host_make,
    listening,
    outside_call,
    outside_result,
    outside_start,
)
from sb_sandbox import host_places, sandbox_start_package, worker_holdings

from evaluator.sandbox import SandboxError

Q = torch.randn(1, 2, 64, 16)
SHARED = ["read_private_root", "read_shadow", "read_other_submission", "read_environment", "connect_postgres",
          "connect_redis", "connect_anywhere", "write_outside", "write_database", "native_from_upload",
          "good"]  # fmt: skip
SECRET = "do-not-leak-this"
UNREACHABLE = ("Connection refused", "Network is unreachable", "name resolution")


def _info(layer: int) -> dict:
    return {"causal": True, "block_size": [16, 16], "layer": layer, "step": None, "geometry": None}


@pytest.fixture(scope="module")
def services():
    """TCP services that answer on the host during the module: PostgreSQL's and Redis's ports on its
    loopback (the real ones where they run) and one on its own network address."""
    address = host_address()
    with listening("127.0.0.1", 5432), listening("127.0.0.1", 6379), listening(address) as port:
        yield {"@ADDRESS@": address, "@PORT@": str(port)}


@pytest.fixture(scope="module")
def shared(tmp_path_factory, services):
    """(sandbox, host root): the worker holds a secret in its environment."""
    root = host_make(tmp_path_factory.mktemp("host"))
    places = {**host_places(root), **services}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARSEBENCH_SECRET_KEY", SECRET)
        method = sandbox_start_package(SHARED, places=places, upload=root / "upload.zip")
    yield method, root, places
    method.close()


def _shared_attack(shared, module: str) -> SandboxError:
    """The SandboxError of ``module``'s call; the host is unchanged and the sandbox still answers."""
    method, root, _ = shared
    before, holdings = host_digest(root), worker_holdings()
    with pytest.raises(SandboxError) as caught:
        method.call(q=Q, k=Q, info=_info(SHARED.index(module)))
    assert host_digest(root) == before and database_rows(root) == 3
    assert set(method.call(q=Q, k=Q, info=_info(SHARED.index("good")))) == {"kv_num_blocks", "kv_indices"}
    assert worker_holdings() == holdings  # the worker holds nothing more
    return caught.value


@pytest.mark.parametrize(
    ("module", "target"),
    [("read_private_root", "private/hidden/answers.txt"), ("read_shadow", "/etc/shadow"),
     ("read_other_submission", "others/alice/submission.py")],
)  # fmt: skip
def test_reading_a_host_file_finds_nothing_there_and_is_read_outside(shared, module, target):
    err = _shared_attack(shared, module)
    assert err.codes == ("select_raised",) and "FileNotFoundError" in err.problems[0].detail
    path = shared[1] / target
    if not os.access(path, os.R_OK):
        pytest.skip(f"negative control: {path} is not readable by this user outside the sandbox either")
    leak = outside_call(module, shared[2])["leak"]  # negative control: outside, the bytes come back
    assert bytes(leak.tolist()) == path.read_bytes()


def test_the_environment_holds_no_worker_secret_though_the_worker_has_one(shared, monkeypatch):
    err = _shared_attack(shared, "read_environment")
    detail = err.problems[0].detail
    assert err.codes == ("select_raised",) and "LookupError" in detail and "HOME" in detail
    assert SECRET not in detail and "SPARSEBENCH_SECRET_KEY" not in detail
    monkeypatch.setenv("SPARSEBENCH_SECRET_KEY", SECRET)
    with pytest.raises(LookupError, match=SECRET):  # negative control: outside, the probe finds it
        outside_call("read_environment", shared[2])


@pytest.mark.parametrize("module", ["connect_postgres", "connect_redis", "connect_anywhere"])
def test_host_services_answer_outside_and_are_unreachable_inside(shared, module):
    err = _shared_attack(shared, module)
    assert err.codes == ("select_raised",)
    assert any(why in err.problems[0].detail for why in UNREACHABLE)
    assert outside_call(module, shared[2]) is not None  # negative control: the host's service answers


def _stand_ins(root) -> dict[str, str]:
    """host_places with the interpreter, the system and the kernels replaced by folders under ``root``."""
    places = host_places(root)
    for mark in ("@SITE@", "@USR@", "@KERNELS@"):
        folder = root / mark.strip("@").lower()
        folder.mkdir()
        places[mark] = str(folder)
    return places


def test_writes_outside_the_tmpfs_all_fail_and_all_succeed_outside(shared, tmp_path):
    err = _shared_attack(shared, "write_outside")
    outcomes = err.problems[0].detail.removeprefix("PermissionError: ").split("; ")
    assert len(outcomes) == 6 and all(o.endswith("Error") for o in outcomes), outcomes
    assert not (shared[1] / "private" / "planted.txt").exists()
    control = host_make(tmp_path)  # negative control: another host, stand-ins for the system's folders
    before = host_digest(control)
    with pytest.raises(PermissionError) as outside:
        outside_call("write_outside", _stand_ins(control))
    assert str(outside.value).count(": WRITTEN") == 6
    assert all(host_digest(control)[name] != before[name] for name in ("private", "var"))


def test_the_database_is_not_there_and_is_emptied_outside(shared, tmp_path):
    err = _shared_attack(shared, "write_database")
    assert err.codes == ("select_raised",) and "unable to open database" in err.problems[0].detail
    control = host_make(tmp_path)
    assert outside_call("write_database", host_places(control)) == {"deleted": 3}  # negative control
    assert database_rows(control) == 0


def test_a_c_extension_planted_by_the_upload_is_refused_and_loads_outside(shared, tmp_path):
    err = _shared_attack(shared, "native_from_upload")
    assert err.codes == ("native_extension",)
    assert "/tmp/submission/submission/planted/" in err.problems[0].detail
    proc = outside_start("native_from_upload", tmp_path)  # negative control: a plain interpreter loads it
    rc, out = outside_result(proc)
    assert rc == 0 and f'RESULT {{"loaded": "{tmp_path}/planted/' in out, out
