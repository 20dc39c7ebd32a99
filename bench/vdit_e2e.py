"""Score the vdit-e2e baselines on a phase and split the job's time (sampling, attention, estimator, metrics).

Usage: .venv/bin/python bench/vdit_e2e.py [--phase dev] [--names "Dense" "PSA wan2.1-1.3b" ...] [--threads N]
       [--steps S] [--videos V] [--repeats R]
--threads: the job's torch threads (default: the scorer's, SCORING_THREADS = 1).
Prints a markdown table per submission with the figures the leaderboard publishes (PSNR with its 95%
interval, both SSIMs, LPIPS, density, attention error, attention and end-to-end speedups, estimator share),
then the job's wall time and where it went: Sparse-vDiT's search on the calibration videos (searched
baselines; before the sampling, in no speedup), the dense and the method's sampling of every video (their
attention and estimator inside), the harness's per-call measuring (dense reference, density), the video
metrics, and the extra timed rounds (the first video sampled again both ways until R pairs are timed:
the later videos' pairs count as timed pairs, the first video's is the warm-up).
The hidden phases' seeds (test, test-long) come from a throwaway secret (the figures do not depend on which
seeds). test-long samples 32-frame videos (8,192 tokens) on the job's CPU threads, as a GPU worker's job does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.vdit_e2e import VditE2eBenchmark  # noqa: E402
from evaluator.benchmarks.vdit_e2e.run import REPEATS, SCORING_THREADS  # noqa: E402
from evaluator.benchmarks.vdit_e2e.search import SEARCH_SECONDS  # noqa: E402
from evaluator.hidden import throwaway_seeds  # noqa: E402

SPLIT = (
    (SEARCH_SECONDS, "search"),
    ("dense sampling", "dense sampling"),
    ("method sampling", "method sampling"),
    ("method attention (in method sampling)", "method attention"),
    ("estimator (in method sampling)", "estimator"),
    ("per-call measuring (dense reference, density)", "measuring"),
    ("video metrics", "metrics"),
    ("timed rounds", "timed rounds"),
)


def _fmt(value: float | None, spec: str) -> str:
    """A value or n/a."""
    return "n/a" if value is None else format(value, spec)


def _row(name: str, bench: VditE2eBenchmark, payload, hidden: Path) -> str:
    """One table row: run and report the payload, and split its wall time."""
    start = time.perf_counter()
    run = bench.run(payload, hidden)
    report = bench.report(run)
    wall = time.perf_counter() - start
    m = report.splits["private"].metrics
    split = " | ".join(f"{run.seconds.get(key, 0.0):.1f}" for key, _ in SPLIT)
    return (
        f"| {name} | {m['psnr']:.2f} [{m['psnr_lo']:.2f}, {m['psnr_hi']:.2f}] | {m['ssim']:.3f} "
        f"| {m['ssim_svg']:.3f} | {_fmt(m['lpips'], '.4f')} | {m['density']:.3f} | {m['rel_l2']:.3f} "
        f"| {m['speedup']:.2f} | {m['e2e_speedup']:.2f} | {_fmt(m['estimator_share'], '.3f')} "
        f"| {wall:.0f} | {split} |"
    )


def main() -> None:
    """Parse the options, build the data, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", default="dev")
    parser.add_argument("--names", nargs="+", default=None, help="baseline names (default: all)")
    parser.add_argument("--threads", type=int, default=SCORING_THREADS, help="the job's torch threads")
    parser.add_argument("--steps", type=int, default=None, help="sampling steps (default: the phase's)")
    parser.add_argument("--videos", type=int, default=None, help="videos (default: the phase's)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed pairs after the warm-up")
    args = parser.parse_args()
    bench = VditE2eBenchmark(steps=args.steps, video_count=args.videos, repeats=args.repeats,
                             threads=args.threads)  # fmt: skip
    out = Path(tempfile.mkdtemp(prefix="vdit-e2e-bench-"))
    bench.build(out, seeds=throwaway_seeds())
    print(f"phase {args.phase}, the job's torch threads {args.threads}")
    heads = " | ".join(f"{label} s" for _, label in SPLIT)
    print(
        "| submission | PSNR [95%] | SSIM | SSIM (SVG) | LPIPS | density | attention error "
        f"| attention speedup | end-to-end speedup | estimator share | wall s | {heads} |"
    )
    print("|---" * (11 + len(SPLIT)) + "|")
    for baseline in bench.baselines():
        if args.names is not None and baseline.name not in args.names:
            continue
        payload = baseline.make_payload(out / "public", args.phase, out / "work")
        print(_row(baseline.name, bench, payload, out / "hidden"), flush=True)


if __name__ == "__main__":
    main()
