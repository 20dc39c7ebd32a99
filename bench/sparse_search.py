"""Speed of the sparse-search benchmark: build time, scoring one submission, smaller layers vs masked parent.

Usage: .venv/bin/python bench/sparse_search.py [--repeats 5] [--build-dir DIR] [--phases digits,digits-init]
       [--baselines]
Prints a table: default build time (in all and per track: digits, then digits-init since protocol
sparse-search-4), time to score one submission per phase (4 levels x 5 hidden seeds, plus the same-split
reference of 4 levels x 10 masks x 5 seeds; phases interleaved per repeat; median and spread over repeats),
and the training time of one 90%-sparse network trained as physically smaller layers against the masked
parent (same protocol, interleaved, warm-up first), with the ratio. --baselines also makes and scores every
baseline of each phase (time to make, time to score, private-split headlines); --repeats 0 skips the timings.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from evaluator.benchmarks.sparse_search import SparseSearchBenchmark
from evaluator.benchmarks.sparse_search.data import public_data_read
from evaluator.benchmarks.sparse_search.masks import mask_random
from evaluator.benchmarks.sparse_search.spec import INIT_PHASE, PHASE
from evaluator.benchmarks.sparse_search.train import (
    params_slice,
    parent_init,
    stack_train,
    torch_deterministic,
)
from evaluator.contract import Payload
from evaluator.hardware import hardware_fingerprint
from evaluator.hidden import throwaway_seeds


def _spread(values: list[float]) -> str:
    """Median with min-max of a list of seconds."""
    return f"{statistics.median(values):8.3f} s  [{min(values):.3f} .. {max(values):.3f}]"


def bench_build(*, bench: SparseSearchBenchmark, out: Path) -> tuple[float, float]:
    """Build the default benchmark into `out` (unless built): seconds in all, and when digits-init began."""
    if (out / "hidden" / "init" / "manifest.json").is_file():
        return float("nan"), float("nan")
    start, init_started = time.perf_counter(), []

    def progress(fraction: float, stage: str) -> None:
        """Note when the initialised track's part of the build starts."""
        if stage.startswith(f"{INIT_PHASE}:") and not init_started:
            init_started.append(time.perf_counter() - start)

    bench.build(out, seeds=throwaway_seeds(public=0), progress=progress)
    return time.perf_counter() - start, init_started[0] if init_started else float("nan")


def bench_score(
    *, bench: SparseSearchBenchmark, out: Path, repeats: int, phases: list[str]
) -> dict[str, list[float]]:
    """Seconds to validate and score the public sample submission per phase, phases interleaved."""
    times: dict[str, list[float]] = {phase: [] for phase in phases}
    for _ in range(repeats):
        for phase in phases:
            payload = Payload(
                phase=phase, public_dir=out / "public", file=out / "public" / "sample_submission.npz"
            )
            start = time.perf_counter()
            if bench.validate(payload):
                raise RuntimeError("the sample submission does not validate")
            bench.score(payload, out / "hidden")
            times[phase].append(time.perf_counter() - start)
    return times


def bench_small_vs_masked(
    *, bench: SparseSearchBenchmark, out: Path, repeats: int
) -> tuple[list[float], list[float]]:
    """Interleaved training times of one 90%-sparse network: smaller layers, then the masked parent."""
    config = bench.config
    data = public_data_read(public_dir=out / "public")
    mask = mask_random(config=config, level=0.9, rng=np.random.default_rng(0))
    parent = parent_init(config=config, seed=1)
    small_init = [params_slice(params=parent, mask=mask)]

    def small() -> None:
        """Full protocol training of the sub-network as smaller layers."""
        stack_train(config=config, data=data, inits=small_init, seeds=[1])

    def masked() -> None:
        """Full protocol training of the masked parent."""
        stack_train(config=config, data=data, inits=[parent], seeds=[1], node_masks=mask[None])

    small_times, masked_times = [], []
    with torch_deterministic(threads=config.torch_threads):
        small(), masked()
        for _ in range(repeats):
            for fn, times in ((small, small_times), (masked, masked_times)):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
    return small_times, masked_times


def bench_baselines(*, bench: SparseSearchBenchmark, out: Path, phases: list[str]) -> list[str]:
    """Make and score every baseline of each phase; one line each: seconds and private-split headlines."""
    lines = []
    for phase in phases:
        for baseline in (b for b in bench.baselines() if phase in b.phases):
            with tempfile.TemporaryDirectory() as work:
                start = time.perf_counter()
                payload = baseline.make_payload(out / "public", phase, Path(work))
                made = time.perf_counter() - start
                metrics = bench.score(payload, out / "hidden").splits["private"].metrics
            scored = time.perf_counter() - start - made
            heads = []
            for name, low, high in (
                ("diff_vs_random", "diff_ci_low", "diff_ci_high"),
                ("diff_vs_same_split", "same_split_ci_low", "same_split_ci_high"),
            ):
                value = metrics[name]
                heads.append(
                    f"{name} n/a"
                    if value is None
                    else f"{name} {value:+.4f} [{metrics[low]:+.4f} .. {metrics[high]:+.4f}]"
                )
            lines.append(
                f"{phase:12s} {baseline.name:13s} made {made:6.1f} s, scored {scored:6.1f} s; private: "
                f"acc_mean {metrics['acc_mean']:.4f}, " + ", ".join(heads)
            )
    return lines


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--build-dir", type=Path, default=None, help="reuse or keep a default build here")
    parser.add_argument("--phases", default=f"{PHASE},{INIT_PHASE}", help="phases to score, comma-separated")
    parser.add_argument(
        "--baselines", action="store_true", help="also make and score every baseline of each phase"
    )
    args = parser.parse_args()
    phases = [p for p in args.phases.split(",") if p]
    unknown = [p for p in phases if p not in (PHASE, INIT_PHASE)]
    if unknown:
        parser.error(f"unknown phase(s) {unknown}; known: {PHASE}, {INIT_PHASE}")
    if args.repeats < 1 and not args.baselines:
        parser.error("--repeats 0 measures nothing without --baselines")
    bench = SparseSearchBenchmark()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.build_dir or Path(tmp) / "sparse-search" / bench.spec.version
        build_s, init_at = bench_build(bench=bench, out=out)
        score_times = bench_score(bench=bench, out=out, repeats=args.repeats, phases=phases)
        small_times, masked_times = bench_small_vs_masked(bench=bench, out=out, repeats=args.repeats)
        baseline_lines = bench_baselines(bench=bench, out=out, phases=phases) if args.baselines else []
    ratios = [m / s for s, m in zip(small_times, masked_times, strict=True)]
    config = bench.config
    print(f"hardware: {hardware_fingerprint()}")
    print(
        f"protocol: {config.epochs} epochs, batch {config.batch_size}, {config.torch_threads} torch thread(s)"
    )
    print(f"{'measurement':58s} {'median':>10s}  [min .. max]")
    if build_s != build_s:
        print(f"{'build (default config, seed 0)':58s} reused")
    else:
        print(f"{'build (default config, seed 0), both tracks':58s} {build_s:8.3f} s")
        print(f"{'  of which digits (data + 405 reference nets)':58s} {init_at:8.3f} s")
        print(f"{'  of which digits-init (init + 405 reference nets)':58s} {build_s - init_at:8.3f} s")
    if args.repeats > 0:
        for phase, times in score_times.items():
            print(f"{'score one submission, ' + phase:58s} {_spread(times)}")
        print(f"{'train one 90%-sparse net as smaller layers':58s} {_spread(small_times)}")
        print(f"{'train one 90%-sparse net as masked parent':58s} {_spread(masked_times)}")
        print(
            f"{'speed-up masked / smaller (per interleaved pair)':58s} "
            f"{statistics.median(ratios):8.2f} x  [{min(ratios):.2f} .. {max(ratios):.2f}]"
        )
    for line in baseline_lines:
        print(line)


if __name__ == "__main__":
    main()
