"""Dense accuracy and time per sample of the built-in wired model on the frontier tasks.

Usage: .venv/bin/python bench/frontier_model.py [--samples 3] [--lengths 4096 8192] [--seed 43]
       [--tasks ruler_niah ...] [--threads N]
Prints a markdown table per task and length: our mean score (unanswered = 0), the harness's mean
(dropped replies left out), the dropped count, whether the model is wired for the task, and the
seconds per sample (prefill + answer, dense SDPA; sample generation not counted).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.frontier import task_names, tokenizer_frontier  # noqa: E402
from evaluator.benchmarks.frontier.model import WiredModel  # noqa: E402
from evaluator.benchmarks.frontier.model.protocol import SUPPORTED_TASKS  # noqa: E402
from evaluator.benchmarks.frontier.model.run import task_run  # noqa: E402


def main() -> None:
    """Parse the options, run the model densely, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--lengths", type=int, nargs="+", default=[4096, 8192])
    parser.add_argument("--seed", type=int, default=43)
    parser.add_argument("--tasks", nargs="+", default=list(task_names()))
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = WiredModel(tokenizer=tokenizer_frontier())
    print(f"model: {model.config}")
    print("| task | length | samples | mean | harness mean | dropped | wired for it | s / sample |")
    print("|---|---|---|---|---|---|---|---|")
    for task in args.tasks:
        for length in args.lengths:
            run = task_run(model=model, task=task, length=length, seed=args.seed, indices=range(args.samples))
            agg = run.aggregate
            wired = "yes" if task in SUPPORTED_TASKS else "no"
            print(f"| {task} | {length} | {agg.n} | {agg.mean:.3f} | {agg.harness_mean:.3f} | {agg.dropped} "
                  f"| {wired} | {run.seconds_per_sample:.2f} |", flush=True)


if __name__ == "__main__":
    main()
