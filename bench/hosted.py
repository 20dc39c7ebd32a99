"""Time scoring jobs of the hosted-model phases (frontier test-hf, vdit-e2e test-real) on a local model.

Usage: .venv/bin/python bench/hosted.py --phase test-hf|test-real [--config JSON ...] [--samples N]
       [--videos V] [--steps S] [--latent F,H,W] [--tasks a,b] [--length L] [--new-tokens T]
Reads the model from the phase's setting ($SPARSEBENCH_FRONTIER_HF_MODEL, $SPARSEBENCH_VDIT_DIFFUSERS_MODEL),
builds the benchmark's data in a temporary folder with a throwaway secret (the figures do not depend on
which hidden seeds), scores each config as a GPU worker's job does (the phase's full plan unless the options
cut it) and prints a markdown table: the config, the job's wall time, the headline metrics. Without the
setting it prints "n/a: <what is missing> (<setting>)" and exits with status 2. Device: $SPARSEBENCH_DEVICE.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.contract import Payload, SubmissionRefused, WorkerUnequipped  # noqa: E402
from evaluator.hidden import throwaway_seeds  # noqa: E402

#: The columns of each phase's table (metric names of its private split).
COLUMNS = {
    "test-hf": ("acc_mean", "sparsity", "attn_rel_l2", "speedup"),
    "test-real": ("psnr", "ssim", "lpips", "density", "e2e_speedup", "speedup"),
}


def _benchmark(args):
    """The phase's plugin with the options' cuts, and its equipment check."""
    if args.phase == "test-hf":
        from evaluator.benchmarks.frontier.benchmark import FrontierBenchmark
        from evaluator.benchmarks.frontier.hf_phase import hf_equipped
        from evaluator.benchmarks.frontier.hf_run import GENERATE_TOKENS

        tasks = tuple(t for t in (args.tasks or "").split(",") if t) or None
        lengths = (args.length,) if args.length else None
        bench = FrontierBenchmark(samples=args.samples, lengths=lengths, hf_tasks=tasks,
                                  hf_new_tokens=args.new_tokens or GENERATE_TOKENS)  # fmt: skip
        return bench, hf_equipped
    from evaluator.benchmarks.vdit_e2e import VditE2eBenchmark
    from evaluator.benchmarks.vdit_e2e.real_phase import real_equipped
    from evaluator.benchmarks.vdit_e2e.real_score import REAL_OPTIONS

    cut = {k: v for k, v in (("videos", args.videos), ("steps", args.steps), ("latent", args.latent)) if v}
    return VditE2eBenchmark(real=dataclasses.replace(REAL_OPTIONS, **cut)), real_equipped


def _cell(value) -> str:
    """A metric for the table (n/a for None)."""
    return "n/a" if value is None else f"{value:.4g}"


def main(argv: list[str] | None = None) -> int:
    """Score each config on the phase and print the table; 2 when this machine lacks the model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=sorted(COLUMNS), required=True)
    parser.add_argument("--config", action="append", help="a JSON method config (repeatable; default dense)")
    parser.add_argument("--samples", type=int, help="test-hf: samples per task")
    parser.add_argument("--tasks", help="test-hf: comma-separated tasks (default all six)")
    parser.add_argument("--length", type=int, help="test-hf: prompt length in frontier tokens")
    parser.add_argument("--new-tokens", type=int, help="test-hf: most tokens per answer")
    parser.add_argument("--videos", type=int, help="test-real: videos")
    parser.add_argument("--steps", type=int, help="test-real: sampling steps")
    parser.add_argument("--latent", type=lambda t: tuple(int(x) for x in t.split(",")),
                        help="test-real: the latent's F,H,W")  # fmt: skip
    args = parser.parse_args(argv)
    bench, equipped = _benchmark(args)
    try:
        equipped()
    except WorkerUnequipped as exc:
        print(f"n/a: {exc}")
        return 2
    configs = [json.loads(c) for c in args.config or ['{"method": "dense"}']]
    columns = COLUMNS[args.phase]
    print(f"| config | wall s | {' | '.join(columns)} |\n|---|---|{'---|' * len(columns)}")
    with tempfile.TemporaryDirectory(prefix="hosted-bench-") as work:
        out = Path(work)
        bench.build(out, seeds=throwaway_seeds())
        for config in configs:
            payload = Payload(phase=args.phase, public_dir=out / "public", config=config)
            problems = bench.validate(payload)
            start = time.perf_counter()
            try:
                if problems:
                    raise SubmissionRefused("; ".join(map(str, problems)))
                metrics = bench.score(payload, out / "hidden").splits["private"].metrics
                cells = [_cell(metrics.get(name)) for name in columns]
            except SubmissionRefused as exc:
                cells = [f"refused: {exc}"] + [""] * (len(columns) - 1)
            wall = time.perf_counter() - start
            print(f"| `{json.dumps(config)}` | {wall:.2f} | {' | '.join(cells)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
