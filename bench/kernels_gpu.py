"""GPU check and timing of the kernels (run on a CUDA machine, e.g. the H200; not used on the CPU).

Usage: python bench/kernels_gpu.py [--quick] [--lengths N ...] [--sections speed tiles ...] [--out results.md]
1. Correctness: both GPU paths, FlexAttention ("flex") and our Triton block-sparse kernel
   ("triton"), in float32 against the float64 dense reference for every layout feature (random,
   causal, pyramid levels, head modes, token order, GQA) and for each method.
2. Speed at density 0.1 (random block layouts, bfloat16): ours-triton (the Triton kernel over the
   layout's block lists) and ours-flex (FlexAttention with a BlockMask built from the layout, cached)
   against FlexAttention without block sparsity and dense SDPA (flash), interleaved repeats timed
   with CUDA events, median and spread. "auto" is the Triton kernel on CUDA since the H200 run of
   2026-12-04 (docs/perf/gpu.md).
3. Every method with its default settings through the measuring harness (kernels/harness.py) on
   the GPU: the video methods on a synthetic video workload, the long-context methods on a
   synthetic text workload (bench/methods.py's tables).
4. The Triton tiles the tuner chose per shape (each candidate timed once, on its first call), with
   the default tiles' time beside them. ``SPARSEBENCH_TRITON_TUNE=0`` runs the default tiles only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import methods as methods_bench  # noqa: E402
from bench.kernels import random_layout  # noqa: E402
from kernels.api import sparse_attention  # noqa: E402
from kernels.backends.gpu import flex_attention_fn  # noqa: E402
from kernels.backends.triton_tiles import TUNE_ENV, cuda_event_ms, tile_default  # noqa: E402
from kernels.layout import BlockLayout  # noqa: E402
from kernels.method_config import METHOD_NAMES  # noqa: E402
from kernels.methods.blade import BladeParams, blade_build_layout  # noqa: E402
from kernels.methods.block_topk import BlockTopkParams, block_topk_build_layout  # noqa: E402
from kernels.methods.psa import PsaParams, psa_build_layout  # noqa: E402
from kernels.methods.vertical_slash import VerticalSlashParams, vertical_slash_build_layout  # noqa: E402
from kernels.metrics import attention_error, layout_density  # noqa: E402
from kernels.reference import layout_attention_reference  # noqa: E402
from kernels.workloads import WorkloadSpec  # noqa: E402
from kernels.workloads_text import TextWorkloadSpec  # noqa: E402


class Report(list):
    """The markdown report's lines: each printed and appended to the output file as it comes, so a
    run cut short (device time is scarce) still leaves everything measured so far."""

    def __init__(self, out: Path | None):
        super().__init__()
        self.out = out
        if out is not None:
            out.write_text("")

    def append(self, line: str) -> None:
        """Keep, print and save one line."""
        super().append(line)
        print(line, flush=True)
        if self.out is not None:
            with self.out.open("a") as handle:
                handle.write(line + "\n")

    def extend(self, lines) -> None:
        """Keep, print and save several lines."""
        for line in lines:
            self.append(line)

    def __iadd__(self, lines):
        self.extend(lines)
        return self


@contextlib.contextmanager
def tiles_tuned(on: bool):
    """Triton tile tuning on or off for a section, unless $SPARSEBENCH_TRITON_TUNE was set by hand."""
    before = os.environ.get(TUNE_ENV)
    if before is None:
        os.environ[TUNE_ENV] = "1" if on else "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(TUNE_ENV, None)


def correctness(dev: torch.device, lines: list[str]) -> bool:
    """Every layout kind and method through the GPU path against the float64 reference."""
    g = torch.Generator().manual_seed(0)
    b, h, n, d = 1, 4, 2048, 64
    q, k, v = (torch.randn(b, h, n, d, generator=g).to(dev) for _ in range(3))
    nb = n // 128
    rand = torch.rand(b, h, nb, nb, generator=g) < 0.3
    cases = {
        "random": BlockLayout.from_block_mask(rand, block_size=(128, 128)),
        "random-causal": BlockLayout.from_block_mask(rand, block_size=(128, 128), causal=True),
        "levels": BlockLayout.from_level_map(
            torch.randint(0, 5, (b, h, nb, nb), generator=g), block_size=(128, 128)
        ),
        "head-modes": BlockLayout.from_block_mask(
            rand, block_size=(128, 128), head_modes=torch.tensor([[0, 1, 2, 0]], dtype=torch.int8)
        ),
        "token-order": BlockLayout.from_block_mask(rand, block_size=(128, 128), token_perm=torch.randperm(n)),
        "asa": blade_build_layout(q, k, BladeParams()),
        "psa": psa_build_layout(q, k, PsaParams()),
        "vertical-slash": vertical_slash_build_layout(q, k, VerticalSlashParams(n_vertical=256, n_slash=256)),
        "block-topk": block_topk_build_layout(q, k, BlockTopkParams(block_size=128, top_k=4)),
    }
    kg, vg = k[:, :2].contiguous(), v[:, :2].contiguous()
    runs = [(name, lay, k, v) for name, lay in cases.items()]
    runs.append(("gqa-causal", cases["random-causal"], kg, vg))
    ok = True
    lines += [
        "| layout | density | flex rel L2 vs float64 | triton rel L2 vs float64 | pass (<= 1e-5) |",
        "|---|---|---|---|---|",
    ]
    for name, lay, kk, vv in runs:
        ref = layout_attention_reference(q, kk, vv, lay)
        errs = [backend_error(q, kk, vv, lay, ref, backend=b) for b in ("flex", "triton")]
        passed = all(isinstance(e, float) and e <= 1e-5 for e in errs)
        ok &= passed
        cells = " | ".join(f"{e:.2e}" if isinstance(e, float) else e for e in errs)
        lines.append(f"| {name} | {layout_density(lay):.3f} | {cells} | {'yes' if passed else 'NO'} |")
    return ok


def backend_error(q, k, v, lay: BlockLayout, ref: torch.Tensor, *, backend: str) -> float | str:
    """Relative L2 error of one backend against the reference, or the error it raised (as text)."""
    try:
        return attention_error(sparse_attention(q, k, v, lay, backend=backend), ref).rel_l2
    except Exception as exc:  # one failing backend must not hide the other results
        return f"error: {type(exc).__name__}: {str(exc)[:120]}"


def speed(dev: torch.device, lengths: list[int], heads: int, d: int, repeats: int, lines: list[str]) -> None:
    """Ours (Triton and FlexAttention paths) against FlexAttention without sparsity and dense SDPA."""
    lines += [
        "",
        f"bfloat16, B=1, H={heads}, d={d}, random block layouts of density 0.1, blocks 128x128",
        "",
        "| N | dense SDPA ms | Flex dense ms | ours-flex ms | ours-triton ms | ours-flex vs SDPA "
        "| ours-triton vs SDPA | ours-triton vs ours-flex | ours-flex % of 1/density "
        "| ours-triton % of 1/density | triton vs flex outputs (rel L2) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    flex = flex_attention_fn(device_type="cuda")
    for n in lengths:
        g = torch.Generator().manual_seed(n)
        q, k, v = (torch.randn(1, heads, n, d, generator=g).to(dev, torch.bfloat16) for _ in range(3))
        lay = random_layout(heads=heads, n=n, block=(128, 128), density=0.1, seed=n)
        dens = layout_density(lay)
        fns = {
            "sdpa": lambda q=q, k=k, v=v: F.scaled_dot_product_attention(q, k, v),
            "flex": lambda q=q, k=k, v=v: flex(q, k, v),
            "ours-flex": lambda q=q, k=k, v=v, lay=lay: sparse_attention(q, k, v, lay, backend="flex"),
            "ours-triton": lambda q=q, k=k, v=v, lay=lay: sparse_attention(q, k, v, lay, backend="triton"),
        }
        for name, fn in list(fns.items()):
            try:
                fn()
                fn()
            except Exception as exc:  # keep timing the others; the row says why this one is missing
                print(f"{name} at N={n} failed: {type(exc).__name__}: {exc}", flush=True)
                del fns[name]
        torch.cuda.synchronize()
        times = {name: [] for name in fns}
        for _ in range(repeats):
            for name, fn in fns.items():
                times[name].append(cuda_event_ms(fn))
        med = {name: statistics.median(ts) for name, ts in times.items()}
        lines.append(speed_row(n, med, times, dens, agree=agreement(fns)))


def agreement(fns: dict) -> str:
    """Relative L2 distance between the two GPU paths' outputs on the timed inputs, or n/a."""
    if "ours-flex" not in fns or "ours-triton" not in fns:
        return "n/a"
    return f"{attention_error(fns['ours-triton']().float(), fns['ours-flex']().float()).rel_l2:.1e}"


def speed_row(
    n: int, med: dict[str, float], times: dict[str, list[float]], dens: float, *, agree: str
) -> str:
    """One markdown row: medians (ours with their spread), speed-ups, and % of the ideal 1/density."""

    def ms(name: str) -> str:
        if name not in med:
            return "failed"
        if not name.startswith("ours"):
            return f"{med[name]:.2f}"
        return f"{med[name]:.2f} ({min(times[name]):.2f}-{max(times[name]):.2f})"

    def ratio(a: str, b: str) -> str:
        return f"{med[a] / med[b]:.2f}x" if a in med and b in med else "n/a"

    def ideal(name: str) -> str:
        return f"{100 * med['sdpa'] / med[name] * dens:.0f}%" if name in med and "sdpa" in med else "n/a"

    return (
        f"| {n} | {ms('sdpa')} | {ms('flex')} | {ms('ours-flex')} | {ms('ours-triton')} "
        f"| {ratio('sdpa', 'ours-flex')} | {ratio('sdpa', 'ours-triton')} "
        f"| {ratio('ours-flex', 'ours-triton')} "
        f"| {ideal('ours-flex')} | {ideal('ours-triton')} | {agree} |"
    )


def methods_table(dev: torch.device, lines: list[str], *, frames: int = 16, repeats: int = 5) -> None:
    """bench/methods.py's tables for every method on ``dev``: video methods on a (frames, 32, 32)
    video workload, the long-context methods on a text workload of the same length."""
    video_spec = WorkloadSpec(
        frames=frames, height=32, width=32, head_dim=64, temperature=0.5, value_scale=8.0
    )
    text_spec = TextWorkloadSpec(n_tokens=video_spec.n_tokens, head_dim=64, temperature=0.5)
    lines += ["", f"Methods on {dev.type}, float32"]
    lines.extend(
        methods_bench.method_tables(
            [{"method": name} for name in METHOD_NAMES],
            video_spec=video_spec,
            text_spec=text_spec,
            decode=16,
            repeats=repeats,
            device=dev,
        )
    )


def tiles_table(lines: list[str]) -> None:
    """What the Triton tile tuner chose for each shape it saw, against the default tiles."""
    from kernels.backends.triton_attention import TILES

    lines += [
        "",
        "| b_q | b_k | d | dtype | causal | candidates timed | chosen (m, n, warps, stages) | chosen ms "
        "| default ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, best in TILES.chosen.items():
        _, b_q, b_k, d, dtype, causal, _ = key
        timings = TILES.timings[key]
        default = timings.get(tile_default(b_q=b_q, b_k=b_k, dtype=dtype))
        lines.append(
            f"| {b_q} | {b_k} | {d} | {str(dtype).removeprefix('torch.')} | {causal} | {len(timings)} "
            f"| {best.block_m}, {best.block_n}, {best.num_warps}, {best.num_stages} | {timings[best]:.3f} "
            f"| {'failed' if default is None else f'{default:.3f}'} |"
        )


def main() -> None:
    """Run the checks and timings, print and optionally save the markdown."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="32k only")
    ap.add_argument("--lengths", type=int, nargs="+", default=[32768, 65536, 131072])
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None, help="markdown file, written line by line")
    ap.add_argument("--sections", nargs="+", default=["correctness", "speed", "methods", "tiles"],
                    choices=["correctness", "speed", "methods", "tiles"], help="which sections to run")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("n/a: no CUDA device on this machine")
        sys.exit(2)
    dev = torch.device("cuda")
    lines = Report(args.out)
    lines += [f"GPU: {torch.cuda.get_device_name(0)}, torch {torch.__version__}", ""]
    t0 = time.perf_counter()
    lengths = [32768] if args.quick else args.lengths
    sections = (  # correctness with the default tiles (every candidate is checked on the CPU), then tuned
        ("correctness", False, lambda: correctness(dev, lines)),
        ("speed", True, lambda: speed(dev, lengths, args.heads, args.dim, args.repeats, lines)),
        ("methods", True, lambda: methods_table(dev, lines)),
        ("tiles", True, lambda: tiles_table(lines)),
    )
    ok = True
    for name, tuned, run in sections:
        if name not in args.sections:
            continue
        try:
            with tiles_tuned(tuned):
                ok &= run() is not False
        except Exception as exc:  # report it and go on: the other sections still measure something
            ok = False
            lines.append(f"\n{name} section failed: {type(exc).__name__}: {exc}")
    lines.append(
        f"\nall sections {'passed' if ok else 'did NOT all pass'}; total {time.perf_counter() - t0:.0f} s"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
