"""Time to score one configuration on a frontier phase, and the share of it spent in attention.

Usage: .venv/bin/python bench/frontier.py [--phase dev] [--config '{"method": "dense"}'] [--samples N]
       [--threads N] [--tasks ruler_niah ...]
Builds the seeds in a temporary folder (dev seeds from public seed 0; test seeds thrown away), scores
the config through the plugin as a worker does, and prints the wall time, the process's CPU time (on
a loaded machine the better guide), the time inside the attention hooks (prefill and decode, every
layer), and the scores. --tasks runs only those scored tasks (the share of one task in a phase).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.frontier import evaluate  # noqa: E402
from evaluator.benchmarks.frontier.benchmark import FrontierBenchmark, frontier_model  # noqa: E402
from evaluator.benchmarks.frontier.hooks import SubmissionHooks  # noqa: E402
from evaluator.benchmarks.frontier.model.protocol import SUPPORTED_TASKS  # noqa: E402
from evaluator.contract import Payload  # noqa: E402
from evaluator.hidden import throwaway_seeds  # noqa: E402

SPENT = {"attention": 0.0}


class TimedHooks(SubmissionHooks):
    """SubmissionHooks that add the time of every call to SPENT."""

    def prefill(self, q, k, v, *, layer: int, causal: bool) -> torch.Tensor:
        """Timed prefill hook."""
        start = time.perf_counter()
        out = super().prefill(q, k, v, layer=layer, causal=causal)
        SPENT["attention"] += time.perf_counter() - start
        return out

    def decode(self, q, k, v, *, layer: int, causal: bool) -> torch.Tensor:
        """Timed decode hook."""
        start = time.perf_counter()
        out = super().decode(q, k, v, layer=layer, causal=causal)
        SPENT["attention"] += time.perf_counter() - start
        return out


def main() -> None:
    """Parse the options, score once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", default="dev")
    parser.add_argument("--config", default='{"method": "dense"}')
    parser.add_argument("--samples", type=int, default=None, help="samples per task and length (phase's)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tasks", nargs="+", default=list(SUPPORTED_TASKS), help="scored tasks to run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    evaluate.SubmissionHooks = TimedHooks
    frontier_model()
    bench = FrontierBenchmark(samples=args.samples, tasks=tuple(args.tasks))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        bench.build(out, seeds=throwaway_seeds(public=0))
        payload = Payload(phase=args.phase, public_dir=out / "public", config=json.loads(args.config))
        start, cpu = time.perf_counter(), time.process_time()
        report = bench.score(payload, out / "hidden")
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    metrics = report.splits["private"].metrics
    shown = {k: round(v, 3) for k, v in metrics.items() if v is not None}
    print(f"phase {args.phase}, config {args.config}, threads {args.threads}, tasks {' '.join(args.tasks)}")
    print("| wall s | CPU s (all threads) | attention s | attention share |\n|---|---|---|---|")
    print(f"| {wall:.1f} | {cpu:.1f} | {SPENT['attention']:.1f} | {SPENT['attention'] / wall:.0%} |")
    print(f"scores: {shown}")


if __name__ == "__main__":
    main()
