"""Speed of the native CPU kernel on vertical-slash and FlexPrefill layouts with key-token columns.

Usage: .venv/bin/python bench/columns.py [--lengths 8192 16384] [--repeats 7]
On the causal text workload (kernels/workloads_text.py, as bench/methods.py builds it), each method's
default layout (diagonals as blocks, columns as strips), the same layout without its strips, and the
earlier whole-block variant are timed against dense causal SDPA, interleaved on the same inputs
(plans built in the warm-up). Prints both densities, the kernel's time and its share of 1/density.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.kernels import hardware_fingerprint, interleaved, load_average, spread  # noqa: E402
from kernels.backends.native.attention import native_sparse_attention  # noqa: E402
from kernels.layout import BlockLayout  # noqa: E402
from kernels.methods.flexprefill import FlexPrefillParams, flexprefill_build_layout  # noqa: E402
from kernels.methods.vertical_slash import VerticalSlashParams, vertical_slash_build_layout  # noqa: E402
from kernels.metrics import layout_density, reference_density  # noqa: E402
from kernels.workloads_text import TextWorkloadSpec, text_workload_generate  # noqa: E402


def layouts(q: torch.Tensor, k: torch.Tensor) -> dict[str, BlockLayout]:
    """The measured layouts: both methods' defaults, their blocks alone, and the whole-block variants."""
    vs = vertical_slash_build_layout(q, k, VerticalSlashParams())
    fp = flexprefill_build_layout(q, k, FlexPrefillParams())
    out = {"vertical_slash (strips)": vs, "flexprefill (strips)": fp}
    for name, lay in (("vertical_slash", vs), ("flexprefill", fp)):
        out[f"{name}: its blocks alone"] = BlockLayout.from_block_mask(
            lay.block_mask(), block_size=lay.block_size, causal=True
        )
    out["vertical_slash columns=blocks"] = vertical_slash_build_layout(
        q, k, VerticalSlashParams(columns="blocks")
    )
    out["flexprefill columns=blocks"] = flexprefill_build_layout(q, k, FlexPrefillParams(columns="blocks"))
    return out


def main() -> None:
    """Build the workload per length, time dense and the native kernel per layout, print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", type=int, nargs="*", default=[8192, 16384])
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=0.5)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    print(f"Machine: {hardware_fingerprint()}")
    print(f"Command: bench/columns.py {' '.join(sys.argv[1:])}".rstrip())
    print(
        "\n| N | layout | density | density (Sparse Frontier count) | strips per query block "
        "| dense ms | native ms | native % of 1/density | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.lengths:
        spec = TextWorkloadSpec(n_tokens=n, head_dim=args.dim, temperature=args.temperature)
        work = text_workload_generate(spec=spec)
        q, k, v = work.q, work.k, work.v
        lays = layouts(q, k)
        fns = {"dense": lambda q=q, k=k, v=v: F.scaled_dot_product_attention(q, k, v, is_causal=True)}
        for name, lay in lays.items():
            fns[name] = lambda q=q, k=k, v=v, lay=lay: native_sparse_attention(q, k, v, lay)
        times = interleaved(fns, args.repeats)
        dense = statistics.median(times["dense"])
        for name, lay in lays.items():
            dens = layout_density(lay)
            strips = 0.0 if lay.col_counts is None else float(lay.col_counts.float().mean())
            share = 100 * dense / statistics.median(times[name]) * dens
            print(
                f"| {n} | {name} | {dens:.3f} | {reference_density(lay):.3f} | {strips:.0f} "
                f"| {spread(times['dense'])} | {spread(times[name])} | {share:.0f}% | {load_average()} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
