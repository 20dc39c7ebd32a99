"""Time to generate the frontier task samples, per task and target length (wall clock, one process).

Usage: .venv/bin/python bench/frontier_generation.py [--samples 20] [--lengths 4096 8192 16384] [--seed 43]
Prints a markdown table: seconds to make `samples` samples of each task at each length, and the
mean prompt fill (tokens / target). The tokenizer is built before timing starts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.frontier import sample_make, task_names, tokenizer_frontier  # noqa: E402


def main() -> None:
    """Parse the options, time the generators, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--lengths", type=int, nargs="+", default=[4096, 8192, 16384])
    parser.add_argument("--seed", type=int, default=43)
    args = parser.parse_args()
    tokenizer_frontier()
    print("| task | length | samples | seconds | mean fill |")
    print("|---|---|---|---|---|")
    for length in args.lengths:
        total = 0.0
        for task in task_names():
            start = time.perf_counter()
            samples = [sample_make(task=task, index=i, seed=args.seed, length=length)
                       for i in range(args.samples)]
            elapsed = time.perf_counter() - start
            total += elapsed
            fill = sum(s.n_tokens for s in samples) / (len(samples) * length)
            print(f"| {task} | {length} | {args.samples} | {elapsed:.2f} | {fill:.3f} |")
        print(f"| all six | {length} | {6 * args.samples} | {total:.2f} | |")


if __name__ == "__main__":
    main()
