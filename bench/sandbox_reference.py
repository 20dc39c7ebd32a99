"""A reference method through the code path (sandboxed) against the direct path: the same figures?

Usage: .venv/bin/python bench/sandbox_reference.py [--tokens 4096] [--heads 8] [--dim 64] [--top-k 16]
       [--rounds 3] [--repeats 3]
Block top-k (blocks of 64, causal) measured by the harness (``kernels.harness.method_measure``) and the
same method called from a submitted module in the sandbox (``code_method_measure``), the two paths
interleaved round by round on the same q, k, v. Density, mass recall and error must be equal; the
times differ by the sandbox's round trip and by noise: each round prints both, then the spread.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.kernels import hardware_fingerprint, load_average  # noqa: E402
from evaluator.sandbox import SandboxedMethod, SandboxSpec, sandbox_available  # noqa: E402
from evaluator.sandbox.measure import code_method_measure  # noqa: E402
from evaluator.sandbox.upload import submission_files  # noqa: E402
from kernels.harness import method_measure  # noqa: E402
from kernels.method_config import MethodConfig  # noqa: E402

BLOCK = 64
CODE = """
from kernels.methods.block_topk import BlockTopkParams, block_topk_build_layout

TOP_K = {top_k}


def select(q, k, *, causal, block_size, layer, step, geometry):
    params = BlockTopkParams(block_size=block_size[0], top_k=TOP_K, causal=causal)
    layout = block_topk_build_layout(q, k, params)
    return {{"kv_num_blocks": layout.kv_num_blocks, "kv_indices": layout.kv_indices}}
"""


def _row(path: str, m) -> str:
    """One table row of a measurement."""
    ref = "n/a" if m.density_reference is None else f"{m.density_reference:.4f}"
    return (f"| {path} | {m.density:.4f} | {ref} | {m.mass_recall:.4f} | {m.rel_l2:.3e} "
            f"| {m.estimator.median_ms:.2f} | {m.attention.median_ms:.2f} | {m.dense.median_ms:.2f} "
            f"| {m.speedup:.2f}x |")  # fmt: skip


def main() -> None:
    """Print one row per path and round, then whether the figures agree and the speedups' spread."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4096)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--top-k", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ok, why = sandbox_available()
    if not ok:
        raise SystemExit(f"sandbox unavailable: {why}")
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, args.heads, args.tokens, args.dim) for _ in range(3))
    config = MethodConfig("block_topk", {"block_size": BLOCK, "top_k": args.top_k})
    print(f"{hardware_fingerprint()}; load {load_average()}; q, k, v [1, {args.heads}, {args.tokens}, "
          f"{args.dim}]; block top-k {args.top_k} of blocks of {BLOCK}, causal; {args.repeats} repeats a "
          "round")  # fmt: skip
    print("\n| path | density | density (Sparse Frontier) | mass recall | rel. L2 | selection ms | sparse "
          "attention ms | dense ms | speedup |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    direct, coded = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "submission.py"
        path.write_text(CODE.format(top_k=args.top_k))
        spec = SandboxSpec(threads=torch.get_num_threads())
        with SandboxedMethod(files=submission_files(path=path), spec=spec) as method:
            for _ in range(args.rounds):
                direct.append(method_measure(config, q=q, k=k, v=v, repeats=args.repeats, backend="cpu"))
                print(_row("direct", direct[-1]), flush=True)
                coded.append(code_method_measure(method=method, q=q, k=k, v=v, causal=True,
                                                 block_size=(BLOCK, BLOCK), layer=0, repeats=args.repeats,
                                                 backend="cpu"))  # fmt: skip
                print(_row("code (sandboxed)", coded[-1]), flush=True)
    same = all(
        (d.density, d.density_reference, d.mass_recall) == (c.density, c.density_reference, c.mass_recall)
        and abs(d.rel_l2 - c.rel_l2) <= 1e-9 * max(d.rel_l2, 1e-30)
        for d, c in zip(direct, coded, strict=True)
    )
    ds, cs = [m.speedup for m in direct], [m.speedup for m in coded]
    print(f"\ndensity, mass recall, error equal on every round: {'yes' if same else 'NO'}; speedup median "
          f"direct {statistics.median(ds):.2f}x ({min(ds):.2f}-{max(ds):.2f}), code "
          f"{statistics.median(cs):.2f}x ({min(cs):.2f}-{max(cs):.2f}); load {load_average()}")  # fmt: skip


if __name__ == "__main__":
    main()
