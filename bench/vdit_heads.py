"""Per-head attention pattern statistics of the trained end-to-end vdit DiT, sampled densely.

Usage: .venv/bin/python bench/vdit_heads.py [--weights evaluator/benchmarks/vdit/dit/weights.safetensors]
       [--seeds 0 1 2 3] [--steps 16] [--threads 1] [--json evaluator/benchmarks/vdit/dit/heads.json]
Samples one video per seed (class = seed mod 4) from the seed's noise, records every attention call
(every step, layer, head) and prints a markdown table of the mean share of attention mass on the
diagonal band, the temporal multi-diagonal, the top stripe columns and the rest, with what a uniform
head would get, and each head's label ("diffuse" when no category holds 30% of the mass). With --json it also
writes the record the vdit-e2e benchmark page shows (the committed one: the defaults, the committed weights).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.vdit.dit.heads import (  # noqa: E402
    STRUCTURED_SHARE,
    PatternGeometry,
    heads_measure,
    uniform_shares,
)
from evaluator.benchmarks.vdit.dit.heads_record import HeadsRecord, heads_record_write  # noqa: E402
from evaluator.benchmarks.vdit.dit.sampler import SamplerConfig  # noqa: E402
from evaluator.benchmarks.vdit.dit.weights import weights_load  # noqa: E402

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "evaluator/benchmarks/vdit/dit/weights.safetensors"


def main() -> int:
    """Print the table."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", type=Path, default=None, help="also write the record as JSON here")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model = weights_load(path=args.weights)
    geometry = PatternGeometry()
    start = time.monotonic()
    stats = heads_measure(
        model=model, seeds=args.seeds, sampler=SamplerConfig(steps=args.steps), geometry=geometry
    )
    elapsed = time.monotonic() - start
    cfg = model.config
    print(
        f"{args.weights.name}: {cfg.depth} layers x {cfg.heads} heads, "
        f"grid {cfg.grid} = {cfg.tokens} tokens; "
        f"seeds {args.seeds}, {args.steps} steps; band = frame distance <= {geometry.band_frames} and "
        f"row/col distance <= {geometry.band_radius}; temporal = same position, farther frames; "
        f"stripes = top {geometry.stripes} key columns of the remaining mass; {elapsed:.0f} s\n"
    )
    print("| layer | head | band | temporal | stripes | rest | label |")
    print("|---|---|---|---|---|---|---|")
    for s in stats:
        shares = f"{s.band:.3f} | {s.temporal:.3f} | {s.stripes:.3f} | {s.rest:.3f}"
        print(f"| {s.layer} | {s.head} | {shares} | {s.label} |")
    u = uniform_shares(grid=cfg.grid, geometry=geometry)
    print(f"| uniform | - | {u[0]:.3f} | {u[1]:.3f} | {u[2]:.3f} | {u[3]:.3f} | (reference) |")
    labels = [s.label for s in stats]
    counts = ", ".join(f"{name} {labels.count(name)}" for name in ("band", "temporal", "stripes", "diffuse"))
    if args.json is not None:
        record = HeadsRecord(seeds=tuple(args.seeds), steps=args.steps, geometry=geometry, heads=tuple(stats),
                             uniform=u)
        heads_record_write(path=args.json, record=record)
    print(f"\nlabels (threshold {STRUCTURED_SHARE:.0%} of the mass): {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
