"""Score the vdit baselines (and the sample code submission) on a phase and split the job's time.

Usage: .venv/bin/python bench/vdit.py [--phase dev] [--names "PSA wan2.1-1.3b" ...] [--code] [--threads N]
       [--frames F ...] [--seeds S] [--repeats R]
Prints a markdown table per submission: the figures the leaderboard publishes, the job's wall time, and
its split as the scorer measured it: the workload (every call's q, k, v from the model), the harness's
rounds of every call (R timed rounds after a warm-up on each layer of the first seed of each length, one
after a warm-up on the other seeds; each round costed at its call's median): estimator, sparse attention
and dense reference, then what else the harness did (the error, recall and density counts, and the warm-up
rounds' time above the median) and the rest (model and seeds read, sandbox start, the splits' bootstrap).
This kernel track samples no video: the split of a whole sampling (dense and sparse sampling, attention,
estimator, video metrics) is printed by bench/vdit_e2e.py.
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
from evaluator.benchmarks.vdit.run import REPEATS, PhaseRun  # noqa: E402
from evaluator.contract import Payload  # noqa: E402
from evaluator.hidden import throwaway_seeds  # noqa: E402

SPLIT = ("workload", "estimator", "sparse attention", "dense reference", "counts and warm-up", "rest")


def time_split(*, run: PhaseRun, wall: float, repeats: int) -> dict[str, float]:
    """Where a job's `wall` seconds went (SPLIT, in seconds, summing to `wall`): the run's stage seconds, and
    its calls' rounds (repeats + 1 on timed calls, 2 on the others) costed at each call's median times."""
    rounds = dict.fromkeys(("estimator", "attention", "dense"), 0.0)
    for call in run.calls:
        if call.measurement is not None:  # dense attention is the reference: nothing is measured
            count = (repeats if call.timed else 1) + 1
            for name in rounds:
                rounds[name] += getattr(call.measurement, name).median_ms * count / 1000
    workload, measuring = run.seconds["workload"], run.seconds["measuring"]
    return {
        "workload": workload,
        "estimator": rounds["estimator"],
        "sparse attention": rounds["attention"],
        "dense reference": rounds["dense"],
        "counts and warm-up": measuring - sum(rounds.values()),
        "rest": wall - workload - measuring,
    }


def _row(name: str, bench: VditBenchmark, payload: Payload, hidden: Path) -> str:
    """One table row: score the payload and split its wall time."""
    start = time.perf_counter()
    run = bench.run(payload, hidden)
    report = bench.report(run)
    wall = time.perf_counter() - start
    m = report.splits["private"].metrics
    split = time_split(run=run, wall=wall, repeats=bench.repeats)
    share = "n/a" if m["estimator_share"] is None else f"{m['estimator_share']:.3f}"
    return (
        f"| {name} | {m['rel_l2']:.4f} [{m['rel_l2_lo']:.4f}, {m['rel_l2_hi']:.4f}] "
        f"| {m['rel_l2_worst']:.4f} "
        f"| {m['density']:.3f} | {m['mass_recall']:.3f} | {m['speedup']:.2f} | {m['kernel_speedup']:.2f} "
        f"| {share} | {wall:.1f} | " + " | ".join(f"{split[key]:.1f}" for key in SPLIT) + " |"
    )


def main() -> None:
    """Parse the options, build the data, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", default="dev")
    parser.add_argument("--names", nargs="+", default=None, help="baseline names (default: all)")
    parser.add_argument("--code", action="store_true", help="also the sample code submission (sandboxed)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--frames", type=int, nargs="+", default=None, help="lengths (default: the phase's)")
    parser.add_argument("--seeds", type=int, default=None, help="evaluation seeds (default: the phase's)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed rounds after the warm-up")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    frames = None if args.frames is None else tuple(args.frames)
    bench = VditBenchmark(frames=frames, seed_count=args.seeds, repeats=args.repeats)
    out = Path(tempfile.mkdtemp(prefix="vdit-bench-"))
    bench.build(out, seeds=throwaway_seeds())
    print(f"phase {args.phase}, torch threads {torch.get_num_threads()}")
    heads = " | ".join(f"{key} s" for key in SPLIT)
    print(
        "| submission | error [95%] | worst pattern | density | recall | speedup | kernel speedup "
        f"| estimator share | wall s | {heads} |"
    )
    print("|---" * (9 + len(SPLIT)) + "|")
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
