"""Measure the SpaRe benchmark: default dataset build time and baseline submission scoring time.

Usage: .venv/bin/python bench/spare_build.py [--workers 2] [--phase track1-dev] [--out DIR]
Prints a table; figures go to docs/perf/spare.md with the machine and load at the time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.spare import SpareBenchmark, SpareConfig  # noqa: E402
from evaluator.hardware import hardware_fingerprint  # noqa: E402
from evaluator.hidden import throwaway_seeds  # noqa: E402


def _rss_mib() -> float:
    """Peak resident memory of this process (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _tree_size(root: Path) -> tuple[int, int]:
    """(file count, bytes) under a folder."""
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    """Build the default dataset once, then score every baseline on one phase."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phase", default="track1-dev")
    parser.add_argument("--out", type=Path, default=None, help="build here and keep it (default: a temp dir)")
    args = parser.parse_args()
    bench = SpareBenchmark(replace(SpareConfig(), workers=args.workers))
    work = Path(tempfile.mkdtemp(prefix="spare-bench-"))
    out = args.out or work / "spare" / "1.0"
    rows = []
    try:
        load = os.getloadavg()[0]
        cpu0 = _cpu_s()
        start = time.perf_counter()
        bench.build(out, seeds=throwaway_seeds(public=0))
        build_s = time.perf_counter() - start
        build_cpu = _cpu_s() - cpu0
        files, size = _tree_size(out)
        cfg = bench.config
        rows.append(
            (
                f"build default dataset ({cfg.total_scenes} scenes, {cfg.width}x{cfg.height}, "
                f"{args.workers} workers)",
                f"{build_s:.1f} s wall, {build_cpu:.1f} s CPU",
                f"{files} files, {size / 2**20:.1f} MiB; load average before {load:.2f}",
            )
        )
        for baseline in bench.baselines():
            start = time.perf_counter()
            payload = baseline.make_payload(out / "public", args.phase, work / "submissions")
            make_s = time.perf_counter() - start
            start = time.perf_counter()
            problems = bench.validate(payload)
            validate_s = time.perf_counter() - start
            start = time.perf_counter()
            report = bench.score(payload, out / "hidden")
            score_s = time.perf_counter() - start
            images = sum(len(s.items) for s in report.splits.values())
            metrics = report.splits["public"].metrics
            rows.append(
                (
                    f"baseline {baseline.name} on {args.phase} ({images} images)",
                    f"make {make_s:.2f} s, validate {validate_s:.2f} s, score {score_s:.1f} s",
                    f"{score_s / images:.2f} s/image; public PSNR-M {metrics['psnr_m']:.2f}, "
                    f"LPIPS-M {metrics['lpips_m']:.3f}; problems {len(problems)}",
                )
            )
        plain = SpareBenchmark(bench.config, scores_fn=lambda pred, target, *, mask: {"psnr": 0.0})
        start = time.perf_counter()
        plain.score(payload, out / "hidden")
        rows.append(
            (
                f"scoring overhead without the metrics on {args.phase}",
                f"{time.perf_counter() - start:.2f} s",
                "validate + stream: PNG decode of submission and hidden render, mask read",
            )
        )
        rows.append(("peak RSS of this process", f"{_rss_mib():.0f} MiB", "build workers not included"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    hw = hardware_fingerprint()
    print(f"machine: {hw['cpu']}, {hw['cores']} cores, torch threads {hw.get('threads', '?')}")
    print(f"| {'measure':<62} | {'time':<44} | notes")
    print(f"|{'-' * 64}|{'-' * 46}|------")
    for name, value, note in rows:
        print(f"| {name:<62} | {value:<44} | {note}")


if __name__ == "__main__":
    main()
