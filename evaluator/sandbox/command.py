"""The bubblewrap command line of a sandbox, and whether bubblewrap can run here at all."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from evaluator.sandbox.spec import SandboxSpec

INSIDE = "/sandbox"
INSIDE_SUBMISSION = "/tmp/submission"  # written there by the bootstrap, in the one writable tmpfs
INSIDE_LIB = f"{INSIDE}/lib"
INSIDE_BOOTSTRAP = f"{INSIDE}/bootstrap.py"
ROOT_FLAGS = (
    "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
    "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
)  # fmt: skip
USER_FLAGS = ("--unshare-all",)
INSTALL_HINT = "install Debian's bubblewrap package (apt-get install bubblewrap)"
#: Where the host's device nodes are looked for (tests point it at a folder of stand-ins).
DEV_ROOT = "/dev"
#: The NVIDIA driver's nodes besides one per GPU (/dev/nvidiaN): control, unified memory, MIG caps.
NVIDIA_NODES = ("nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset", "nvidia-caps")
GPU_NODE = re.compile(r"nvidia[0-9]+")


def _as_root() -> bool:
    """Whether this process runs as root (then the child drops to SandboxSpec.uid itself)."""
    return os.geteuid() == 0


def python_paths() -> list[str]:
    """This interpreter's library folders (sys.path entries inside the read-only roots or /usr)."""
    roots = [*read_only_roots(), "/usr"]
    paths: list[str] = []
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if os.path.isdir(real) and any(real == r or real.startswith(r + "/") for r in roots):
            if real not in paths:
                paths.append(real)
    return paths


def read_only_roots() -> list[str]:
    """Host folders bound read-only at the same path: the base Python and the environment."""
    roots: list[str] = []
    for prefix in (sys.base_prefix, sys.prefix, sys.exec_prefix):
        real = os.path.realpath(prefix)
        if not real.startswith("/usr/") and real != "/usr" and real not in roots:
            roots.append(real)
    return [r for r in roots if not any(r != o and r.startswith(o + "/") for o in roots)]


def _system_binds() -> list[str]:
    """/usr read-only, /lib, /lib64, /bin as on the host (links under merged /usr, else bound)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _dirs(path: str, made: set[str]) -> list[str]:
    """``--dir`` arguments (mode 0755) for ``path``'s ancestors not made yet (bwrap's own are 0700)."""
    args: list[str] = []
    parts = Path(path).parts[1:-1]
    for i in range(1, len(parts) + 1):
        folder = "/" + "/".join(parts[:i])
        if folder not in made:
            made.add(folder)
            args += ["--perms", "0755", "--dir", folder]
    return args


def gpu_binds(*, gpu: bool) -> list[str]:
    """``--dev-bind`` arguments for the NVIDIA nodes under DEV_ROOT on a GPU worker; none on a CPU worker
    (whatever nodes the host has), so that only a worker that scores on CUDA lends its GPUs."""
    if not gpu or not os.path.isdir(DEV_ROOT):
        return []
    names = sorted(n for n in os.listdir(DEV_ROOT) if GPU_NODE.fullmatch(n))
    names += [n for n in NVIDIA_NODES if os.path.exists(os.path.join(DEV_ROOT, n))]
    args: list[str] = []
    for name in names:
        args += ["--dev-bind", os.path.join(DEV_ROOT, name), f"/dev/{name}"]
    return args


def bwrap_command(
    *, spec: SandboxSpec, kernels_dir: str, data_fds: dict[str, int], python_args: list[str]
) -> list[str]:
    """The bwrap argv: namespaces, read-only system and Python, the kernels package, the files in
    ``data_fds`` (path inside -> readable fd) copied in read-only, a size-limited /tmp, a clean env;
    the GPUs' nodes (and CUDA_VISIBLE_DEVICES) only where ``spec.gpu``."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise FileNotFoundError(f"bwrap not found: {INSTALL_HINT}")
    args = [bwrap, *(ROOT_FLAGS if _as_root() else USER_FLAGS), "--die-with-parent", "--new-session"]
    args += _system_binds()
    args += ["--proc", "/proc", "--dev", "/dev", *gpu_binds(gpu=spec.gpu)]
    args += ["--perms", "1777", "--size", str(spec.written_bytes), "--tmpfs", "/tmp"]
    made: set[str] = set()
    for root in read_only_roots():
        args += _dirs(root, made) + ["--ro-bind", root, root]
    args += _dirs(INSIDE_LIB + "/kernels", made) + ["--perms", "0755", "--dir", INSIDE_LIB]
    args += ["--ro-bind", kernels_dir, INSIDE_LIB + "/kernels"]
    made.add(INSIDE_LIB)
    for inside in sorted(data_fds):
        args += _dirs(inside, made) + ["--perms", "0444", "--ro-bind-data", str(data_fds[inside]), inside]
    args += ["--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp"]
    args += ["--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    args += ["--setenv", "OMP_WAIT_POLICY", "PASSIVE"]  # idle OpenMP threads sleep, not spin
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        args += ["--setenv", var, str(spec.threads)]
    if spec.gpu and "CUDA_VISIBLE_DEVICES" in os.environ:
        args += ["--setenv", "CUDA_VISIBLE_DEVICES", os.environ["CUDA_VISIBLE_DEVICES"]]
    args += ["--chdir", "/tmp", "--", *python_args]
    return args


@functools.cache
def sandbox_available() -> tuple[bool, str]:
    """(True, "") when bubblewrap runs here with the sandbox's namespaces, else (False, why)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False, f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    args = [bwrap, *(ROOT_FLAGS if _as_root() else USER_FLAGS), "--die-with-parent", *_system_binds()]
    args += ["--proc", "/proc", "--dev", "/dev", "--", "/bin/true"]
    try:
        run = subprocess.run(args, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap could not start: {exc}"
    if run.returncode != 0:
        why = run.stderr.decode("utf-8", "replace").strip()[-300:]
        return False, f"bubblewrap is not permitted here (namespaces refused?): {why}"
    return True, ""
