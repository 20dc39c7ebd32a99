"""Score the vdit baselines (and the sample code submission) on a phase and split the job's time.

Usage: .venv/bin/python bench/vdit.py [--phase dev] [--names "PSA wan2.1-1.3b" ...] [--code] [--threads N]
Prints a markdown table per submission: the figures the leaderboard publishes, the job's wall time, and
its split: the timed calls' rounds (dense + sparse attention + estimator, warm-up round included: every
layer of the first seed of each length) and the rest (the other seeds' single rounds, workload generation,
error, recall and density counts).
The test phases' seeds come from a throwaway secret (the figures do not depend on which seeds).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.vdit import VditBenchmark  # noqa: E402
from evaluator.benchmarks.vdit.benchmark import SAMPLE  # noqa: E402
from evaluator.benchmarks.vdit.run import REPEATS  # noqa: E402
from evaluator.contract import Payload  # noqa: E402
from evaluator.hidden import throwaway_seeds  # noqa: E402


def _row(name: str, bench: VditBenchmark, payload: Payload, hidden: Path) -> str:
    """One table row: score the payload and split its wall time."""
    start = time.perf_counter()
    report = bench.score(payload, hidden)
    wall = time.perf_counter() - start
    split = report.splits["private"]
    m = split.metrics
    timed_ms = sum(
        (
            i.values.get("estimator_ms", 0.0)
            + i.values.get("attention_ms", 0.0)
            + i.values.get("dense_ms", 0.0)
        )
        for i in split.items
    ) * (REPEATS + 1)
    share = "n/a" if m["estimator_share"] is None else f"{m['estimator_share']:.3f}"
    return (
        f"| {name} | {m['rel_l2']:.4f} [{m['rel_l2_lo']:.4f}, {m['rel_l2_hi']:.4f}] "
        f"| {m['rel_l2_worst']:.4f} "
        f"| {m['density']:.3f} | {m['mass_recall']:.3f} | {m['speedup']:.2f} | {m['kernel_speedup']:.2f} "
        f"| {share} | {wall:.0f} | {timed_ms / 1000:.0f} | {wall - timed_ms / 1000:.0f} |"
    )


def main() -> None:
    """Parse the options, build the data, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", default="dev")
    parser.add_argument("--names", nargs="+", default=None, help="baseline names (default: all)")
    parser.add_argument("--code", action="store_true", help="also the sample code submission (sandboxed)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    bench = VditBenchmark()
    out = Path(tempfile.mkdtemp(prefix="vdit-bench-"))
    bench.build(out, seeds=throwaway_seeds())
    print(f"phase {args.phase}, torch threads {torch.get_num_threads()}")
    print(
        "| submission | error [95%] | worst pattern | density | recall | speedup | kernel speedup "
        "| estimator share | wall s | timed rounds s | rest s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for baseline in bench.baselines():
        if args.names is not None and baseline.name not in args.names:
            continue
        payload = baseline.make_payload(out / "public", args.phase, out / "work")
        print(_row(baseline.name, bench, payload, out / "hidden"), flush=True)
    if args.code:
        payload = Payload(phase=args.phase, public_dir=out / "public", file=SAMPLE)
        print(_row("sample code (sandboxed)", bench, payload, out / "hidden"), flush=True)


if __name__ == "__main__":
    main()
