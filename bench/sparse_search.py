"""Speed of the sparse-search benchmark: build time, scoring one submission, smaller layers vs masked parent.

Usage: .venv/bin/python bench/sparse_search.py [--repeats 5] [--build-dir DIR]
Prints a table: default build time, time to score one submission (4 levels x 5 hidden seeds, plus the
same-split reference of 4 levels x 10 masks x 5 seeds since protocol sparse-search-3; median and spread
over repeats), and the training time of one 90%-sparse network trained as physically smaller layers
against the masked parent (same protocol, interleaved, warm-up first), with the ratio.
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


def bench_build(*, bench: SparseSearchBenchmark, out: Path) -> float:
    """Build the default benchmark into `out` (unless already built) and return the seconds it took."""
    if (out / "hidden" / "manifest.json").is_file():
        return float("nan")
    start = time.perf_counter()
    bench.build(out, seeds=throwaway_seeds(public=0))
    return time.perf_counter() - start


def bench_score(*, bench: SparseSearchBenchmark, out: Path, repeats: int) -> list[float]:
    """Seconds to validate and score the public sample submission, `repeats` times."""
    payload = Payload(
        phase="digits", public_dir=out / "public", file=out / "public" / "sample_submission.npz"
    )
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        if bench.validate(payload):
            raise RuntimeError("the sample submission does not validate")
        bench.score(payload, out / "hidden")
        times.append(time.perf_counter() - start)
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


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--build-dir", type=Path, default=None, help="reuse or keep a default build here")
    args = parser.parse_args()
    bench = SparseSearchBenchmark()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.build_dir or Path(tmp) / "sparse-search" / bench.spec.version
        build_s = bench_build(bench=bench, out=out)
        score_times = bench_score(bench=bench, out=out, repeats=args.repeats)
        small_times, masked_times = bench_small_vs_masked(bench=bench, out=out, repeats=args.repeats)
    ratios = [m / s for s, m in zip(small_times, masked_times, strict=True)]
    config = bench.config
    print(f"hardware: {hardware_fingerprint()}")
    print(
        f"protocol: {config.epochs} epochs, batch {config.batch_size}, {config.torch_threads} torch thread(s)"
    )
    print(f"{'measurement':58s} {'median':>10s}  [min .. max]")
    build_text = "reused" if build_s != build_s else f"{build_s:8.3f} s"
    print(f"{'build (default config, seed 0)':58s} {build_text}")
    print(f"{'score one submission (4 x 5 nets + same-split ref 4 x 10 x 5)':58s} {_spread(score_times)}")
    print(f"{'train one 90%-sparse net as smaller layers':58s} {_spread(small_times)}")
    print(f"{'train one 90%-sparse net as masked parent':58s} {_spread(masked_times)}")
    print(
        f"{'speed-up masked / smaller (per interleaved pair)':58s} "
        f"{statistics.median(ratios):8.2f} x  [{min(ratios):.2f} .. {max(ratios):.2f}]"
    )


if __name__ == "__main__":
    main()
