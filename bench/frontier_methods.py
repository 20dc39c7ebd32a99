"""Accuracy of the wired model per scored task under dense attention and sparse methods (a small table).

Usage: .venv/bin/python bench/frontier_methods.py [--samples 5] [--length 4096] [--seed 43]
       [--methods dense block_topk@0.8 quest@0.95 ...] [--tasks ruler_cwe ...] [--threads N]
Each method runs as a dev submission does (`phase_run`: the budget chosen for the target sparsity on
the first sample's attention inputs, then every scored task); prints per method its measured sparsity,
the accuracy of each scored task, the worst task, and the wall time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.frontier.benchmark import frontier_model  # noqa: E402
from evaluator.benchmarks.frontier.evaluate import phase_run  # noqa: E402
from evaluator.benchmarks.frontier.model.protocol import SUPPORTED_TASKS  # noqa: E402
from evaluator.benchmarks.frontier.plan import PhasePlan, seed_key  # noqa: E402
from evaluator.benchmarks.frontier.report import split_score  # noqa: E402
from evaluator.benchmarks.frontier.submission import submission_parse  # noqa: E402
from evaluator.contract import no_progress  # noqa: E402

DEFAULT_METHODS = ("dense", "vertical_slash@0.8", "vertical_slash@0.95", "block_topk@0.8", "block_topk@0.95",
                   "quest@0.8", "quest@0.95")


def config_of(spec: str) -> dict:
    """{"method": m, "target_sparsity": s} from "m@s" ("dense" alone)."""
    if "@" not in spec:
        return {"method": spec}
    method, sparsity = spec.split("@")
    return {"method": method, "target_sparsity": float(sparsity)}


def main() -> None:
    """Parse the options, run each method on the scored tasks, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=43)
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS))
    parser.add_argument("--tasks", nargs="+", default=list(SUPPORTED_TASKS), choices=SUPPORTED_TASKS)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    tasks = tuple(args.tasks)
    if args.threads:
        torch.set_num_threads(args.threads)
    plan = PhasePlan("bench", "bench", (args.length,), args.samples, hidden=False)
    seeds = {seed_key(task=t, length=args.length): args.seed for t in tasks}
    print(f"{args.samples} samples per task at {args.length} tokens, seed {args.seed}")
    print("| method | sparsity | " + " | ".join(tasks) + " | worst | seconds |")
    print("|---|---|" + "---|" * len(tasks) + "---|---|")
    for spec in args.methods:
        submission, problems = submission_parse(config=config_of(spec))
        if submission is None:
            raise SystemExit(f"{spec}: {problems}")
        start = time.perf_counter()
        run = phase_run(model=frontier_model(), submission=submission, plan=plan, seeds=seeds,
                        progress=no_progress, tasks=tasks)
        metrics = split_score(run=run, limit=None).metrics
        accs = " | ".join(f"{metrics[f'acc_{t}']:.3f}" for t in tasks)
        sparsity = "n/a" if metrics["sparsity"] is None else f"{metrics['sparsity']:.3f}"
        worst = min(metrics[f"acc_{t}"] for t in tasks)  # of the tasks run
        print(f"| {spec} | {sparsity} | {accs} | {worst:.3f} | "
              f"{time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
