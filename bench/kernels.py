"""Speed of the CPU block-sparse kernels against dense SDPA (and estimator cost of ASA and PSA).

Usage: .venv/bin/python bench/kernels.py [--quick] [--repeats 7] [--heads 2]
Prints markdown tables: dense and sparse times measured in one run with interleaved repeats on the
same inputs (warm-up first, median and spread of the repeats), the speedup and its share of 1/density.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kernels.api import sparse_attention  # noqa: E402
from kernels.backends.cpu import cpu_sparse_attention  # noqa: E402
from kernels.backends.native.attention import native_sparse_attention  # noqa: E402
from kernels.backends.native.build import native_unavailable_reason  # noqa: E402
from kernels.layout import BlockLayout  # noqa: E402
from kernels.methods.blade import BladeParams, blade_build_layout  # noqa: E402
from kernels.methods.psa import PsaParams, psa_build_layout  # noqa: E402
from kernels.metrics import layout_density  # noqa: E402
from kernels.workloads import WorkloadSpec, workload_generate  # noqa: E402


def hardware_fingerprint() -> str:
    """torch version, CPU model and thread count."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    threads = torch.get_num_threads()
    return f"torch {torch.__version__}, CPU {model}, {threads} threads, python {platform.python_version()}"


def random_layout(*, heads: int, n: int, block: tuple[int, int], density: float, seed: int) -> BlockLayout:
    """Exactly round(density * n_k) random key blocks per query block (no contiguity to exploit)."""
    g = torch.Generator().manual_seed(seed)
    n_q, n_k = n // block[0], n // block[1]
    m = max(1, round(density * n_k))
    scores = torch.rand(1, heads, n_q, n_k, generator=g)
    idx = torch.topk(scores, m, dim=-1).indices.sort(-1).values
    mask = torch.zeros(1, heads, n_q, n_k, dtype=torch.bool).scatter_(-1, idx, True)
    return BlockLayout.from_block_mask(mask, block_size=block)


def load_average() -> str:
    """The 1-minute load average of the machine (other users' work shares the cores)."""
    return f"{os.getloadavg()[0]:.1f}"


def timed(fn) -> float:
    """Seconds of one call."""
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def interleaved(fns: dict, repeats: int) -> dict[str, list[float]]:
    """Warm every function up, then time them in turn, ``repeats`` rounds."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn))
    return times


def spread(ts: list[float]) -> str:
    """Median with the min-max range in ms."""
    return f"{statistics.median(ts) * 1e3:.1f} ({min(ts) * 1e3:.0f}-{max(ts) * 1e3:.0f})"


def speed_table(
    *, lengths, dims, densities, heads: int, repeats: int, block, chunk_bytes: int, chunk_cols: int
) -> None:
    """Dense vs both CPU block-sparse backends (compiled "native", SDPA gather "cpu") on random layouts."""
    print(f"\n### Block-sparse vs dense, random layouts, B=1, H={heads}, blocks {block}, float32\n")
    native = native_unavailable_reason() is None
    if not native:
        print(f"native backend n/a: {native_unavailable_reason()}\n")
    print(
        "| N | d | density | dense ms | native ms | native % of 1/density | cpu (SDPA) ms "
        "| cpu % of 1/density | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in lengths:
        for d in dims:
            g = torch.Generator().manual_seed(n + d)
            q, k, v = (torch.randn(1, heads, n, d, generator=g) for _ in range(3))
            layouts = {
                dens: random_layout(heads=heads, n=n, block=block, density=dens, seed=n) for dens in densities
            }
            fns = {"dense": lambda q=q, k=k, v=v: F.scaled_dot_product_attention(q, k, v)}
            for dens, lay in layouts.items():
                if native:
                    fns[("native", dens)] = lambda q=q, k=k, v=v, lay=lay: native_sparse_attention(
                        q, k, v, lay, chunk=chunk_cols
                    )
                fns[("cpu", dens)] = lambda q=q, k=k, v=v, lay=lay: cpu_sparse_attention(
                    q, k, v, lay, chunk_bytes=chunk_bytes
                )
            times = interleaved(fns, repeats)
            dense = statistics.median(times["dense"])
            for dens, lay in layouts.items():
                actual = layout_density(lay)
                cells = []
                for backend in ("native", "cpu"):
                    if (backend, dens) not in times:
                        cells += ["n/a", "n/a"]
                        continue
                    sp = dense / statistics.median(times[(backend, dens)])
                    cells += [spread(times[(backend, dens)]), f"{100 * sp * actual:.0f}%"]
                print(
                    f"| {n} | {d} | {actual:.3f} | {spread(times['dense'])} | {' | '.join(cells)} | "
                    f"{load_average()} |",
                    flush=True,
                )


def estimator_table(*, n: int, d: int, heads: int, repeats: int) -> None:
    """Layout estimation time of ASA and PSA against dense attention on a structured video workload."""
    side = int(round((n // 16) ** 0.5))
    spec = WorkloadSpec(
        frames=16,
        height=side,
        width=n // 16 // side,
        heads=("diagonal", "vertical_stripe"),
        head_dim=d,
        seed=7,
    )
    spec = dataclasses.replace(spec, heads=spec.heads * (heads // 2) or spec.heads[:1])
    work = workload_generate(spec=spec)
    q, k, v = work.q, work.k, work.v
    grid = (spec.frames, spec.height, spec.width)
    print(f"\n### Estimator time vs dense attention, N={spec.n_tokens}, d={d}, H={q.shape[1]}, blocks 128\n")
    print(f"Synthetic video workload {grid}, heads {', '.join(spec.heads)}, Gilbert token order.\n")
    print("| method | estimator ms | dense ms | estimator / dense | density | sparse attention ms | load |")
    print("|---|---|---|---|---|---|---|")
    methods = {
        "ASA blocks (BLADE defaults: 32 samples, tau=0.95)": lambda: blade_build_layout(
            q, k, BladeParams(grid=grid)
        ),
        "PSA (Wan2.1-14B preset, b/4 = 32 samples)": lambda: psa_build_layout(q, k, PsaParams(grid=grid)),
    }
    layouts = {name: build() for name, build in methods.items()}
    fns = {"dense": lambda: F.scaled_dot_product_attention(q, k, v), **methods}
    for name, lay in layouts.items():
        fns[name + " attention"] = lambda lay=lay: sparse_attention(q, k, v, lay)
    times = interleaved(fns, repeats)
    dense = statistics.median(times["dense"])
    for name, lay in layouts.items():
        est = statistics.median(times[name])
        att = statistics.median(times[name + " attention"])
        print(
            f"| {name} | {spread(times[name])} | {dense * 1e3:.1f} | {100 * est / dense:.1f}% | "
            f"{layout_density(lay):.3f} | {att * 1e3:.1f} | {load_average()} |",
            flush=True,
        )


def main() -> None:
    """Parse options and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="8k only, d=64 and 128, 5 repeats")
    ap.add_argument("--lengths", type=int, nargs="+", default=[4096, 8192, 16384])
    ap.add_argument("--dims", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--densities", type=float, nargs="+", default=[0.1, 0.25, 0.5])
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--block", type=int, nargs=2, default=[256, 256], metavar=("B_Q", "B_K"))
    ap.add_argument("--chunk-kib", type=int, default=2048, help="cpu backend: gathered K+V KiB per SDPA call")
    ap.add_argument("--chunk-cols", type=int, default=512, help="native backend: key columns per score tile")
    ap.add_argument("--no-estimators", action="store_true")
    ap.add_argument("--estimator-dims", type=int, nargs="+", default=[64, 128], help="estimator head dims")
    ap.add_argument("--no-speed", action="store_true", help="estimator tables only")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    args = ap.parse_args()
    if args.quick:
        args.lengths, args.repeats = [8192], 5
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"Machine: {hardware_fingerprint()}")
    print(f"Command: {' '.join(sys.argv)}")
    if not args.no_speed:
        speed_table(
            lengths=args.lengths,
            dims=args.dims,
            densities=args.densities,
            heads=args.heads,
            repeats=args.repeats,
            block=tuple(args.block),
            chunk_bytes=args.chunk_kib * 1024,
            chunk_cols=args.chunk_cols,
        )
    if not args.no_estimators:
        for d in args.estimator_dims:
            estimator_table(n=max(args.lengths), d=d, heads=args.heads, repeats=args.repeats)


if __name__ == "__main__":
    main()
