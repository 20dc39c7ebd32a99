"""Spec: the compiled kernels built for AVX2 alone (no AVX-512) stay exact, even on an AVX-512 machine."""

import os
import subprocess
import sys
from pathlib import Path

from sb_ci import skip_unless_ci

from kernels.backends.native.build import native_unavailable_reason

CHILD = Path(__file__).with_name("avx2_child.py")


@skip_unless_ci(native_unavailable_reason())
def test_kernels_built_for_x86_64_v3_match_their_references(tmp_path):
    env = dict(os.environ, SPARSEBENCH_NATIVE_MARCH="x86-64-v3", SPARSEBENCH_KERNEL_CACHE=str(tmp_path))
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, str(CHILD)], env=env, capture_output=True, text=True, timeout=300, cwd=root
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "avx2 build ok" in proc.stdout
    assert sorted(p.name.rsplit("-", 1)[0] for p in tmp_path.glob("*.so")) == [
        "sparsebench-attention",
        "sparsebench-metrics",
    ]
