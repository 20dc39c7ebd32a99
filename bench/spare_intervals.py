"""Measure the SpaRe bootstrap intervals against the gaps between the baselines, per phase and split.

Usage: .venv/bin/python bench/spare_intervals.py [--scenes-per-phase 4] [--phases track1-dev,...] [--out DIR]
Builds the dataset (default size unless told; a fixed secret, so the figures are reproducible), scores every
baseline on each phase and prints, per phase, split and metric: each baseline's mean [95% interval], the
median interval width, the smallest gap between two baselines adjacent in the ranking, how many adjacent
pairs have disjoint intervals, how many the leaderboard's paired interval separates (leaderboard/services/
paired.py: the per-item differences of the two baselines resampled over the same scenes and views; its
median width beside it), and the scenes per split the widest per-entry interval suggests for a width below
the smallest gap (width ~ 1/sqrt(scenes): an estimate, not a measurement). Figures go to docs/perf/spare.md.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluator.benchmarks.spare import SpareBenchmark, SpareConfig  # noqa: E402
from evaluator.benchmarks.spare.config import PHASES  # noqa: E402
from evaluator.hidden import SECRET_MIN_BYTES, BuildSeeds, HiddenKey  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
import django  # noqa: E402

django.setup()  # the paired rule is the leaderboard's (a service module: no database is touched)
from leaderboard.services.paired import paired_difference  # noqa: E402

METRICS = ("psnr_m", "ssim_m", "lpips_m", "psnr", "ssim", "lpips")
SECRET = b"spare-intervals-bench".ljust(SECRET_MIN_BYTES, b".")


def scores_collect(*, bench: SpareBenchmark, out: Path, work: Path, phases: list[str]) -> dict:
    """{(phase, split): {baseline: metrics, with "__items__" the per-item results as stored}} for every
    baseline and phase."""
    scores: dict = {}
    for phase in phases:
        for baseline in bench.baselines():
            if phase not in baseline.phases:
                continue
            payload = baseline.make_payload(out / "public", phase, work / baseline.name / phase)
            report = bench.score(payload, out / "hidden")
            for split, score in report.splits.items():
                items = [{"item": i.item, "group": i.group, "values": dict(i.values)} for i in score.items]
                scores.setdefault((phase, split), {})[baseline.name] = dict(score.metrics, __items__=items)
                scores[(phase, split)].setdefault("__scenes__", len({i.group for i in score.items}))
    return scores


def metric_line(*, key: str, by_baseline: dict, scenes: int) -> tuple[str, dict[str, int]]:
    """One table row (the baselines in ranking order with intervals, widths, gaps, the paired steps and the
    scene estimate) and its counts of adjacent pairs: disjoint, paired-separated, all."""
    rows = [(name, m[key], m[f"{key}_lo"], m[f"{key}_hi"]) for name, m in by_baseline.items()]
    higher = not key.startswith("lpips")
    rows = sorted((r for r in rows if r[1] is not None), key=lambda r: r[1], reverse=higher)
    widths = [hi - lo for _, _, lo, hi in rows]
    pairs = list(zip(rows, rows[1:], strict=False))
    gaps = [abs(a[1] - b[1]) for a, b in pairs]
    disjoint = sum(1 for a, b in pairs if a[2] > b[3] or b[2] > a[3])
    paired = [
        paired_difference(
            items_a=by_baseline[a[0]]["__items__"], items_b=by_baseline[b[0]]["__items__"], metric=key,
            published_a=a[1], published_b=b[1], other_submission_id=0,
        )
        for a, b in pairs
    ]
    found = [p for p in paired if p is not None]
    separated = sum(1 for p in found if p.separated)
    paired_width = statistics.median(p.high - p.low for p in found) if found else float("nan")
    shown = "; ".join(f"{name} {v:.3f} [{lo:.3f}, {hi:.3f}]" for name, v, lo, hi in rows)
    steps = "; ".join(
        f"{a[0]}-{b[0]} {p.difference:+.3f} [{p.low:+.3f}, {p.high:+.3f}]{' *' if p.separated else ''}"
        for (a, b), p in zip(pairs, paired, strict=True) if p is not None
    )
    need = math.ceil(scenes * (max(widths) / min(gaps)) ** 2) if gaps and min(gaps) > 0 else "-"
    line = (
        f"| {key:<7} | {statistics.median(widths):7.3f} | {max(widths):7.3f} | {min(gaps):7.3f} |"
        f" {disjoint}/{len(pairs)} | {separated}/{len(pairs)} ({len(found)} paired) | {paired_width:7.3f} |"
        f" {need} | {shown} | paired: {steps}"
    )
    return line, {"disjoint": disjoint, "separated": separated, "pairs": len(pairs)}


def main() -> None:
    """Build, score every baseline on the chosen phases, print the interval table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes-per-phase", type=int, default=SpareConfig().scenes_per_phase)
    parser.add_argument("--phases", default=",".join(p for p, _, _ in PHASES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="build here and keep it; reused if present")
    args = parser.parse_args()
    config = replace(SpareConfig(), scenes_per_phase=args.scenes_per_phase, workers=args.workers)
    bench = SpareBenchmark(config)
    work = Path(tempfile.mkdtemp(prefix="spare-intervals-"))
    out = args.out or work / "data"
    try:
        start = time.perf_counter()
        if not (out / "hidden").is_dir():
            bench.build(out, seeds=BuildSeeds(public=0, hidden=HiddenKey(secret=SECRET)))
        built = time.perf_counter() - start
        start = time.perf_counter()
        scores = scores_collect(bench=bench, out=out, work=work, phases=args.phases.split(","))
        scored = time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{config.scenes_per_phase} scenes per phase, {config.test_views} test views per scene;"
          f" build {built:.0f} s, scoring {scored:.0f} s")
    totals: dict[str, dict[str, int]] = {}
    for (phase, split), by_baseline in sorted(scores.items()):
        scenes = by_baseline.pop("__scenes__")
        print(f"\n{phase} {split} ({scenes} scenes)")
        print(
            "| metric  | med. w. | max w.  | min gap | disjoint | paired separated | med. paired w. |"
            " scenes needed | baselines (ranked) | paired steps (* separated)"
        )
        for key in METRICS:
            line, counts = metric_line(key=key, by_baseline=by_baseline, scenes=scenes)
            print(line)
            for name in (key, "all"):
                total = totals.setdefault(name, dict.fromkeys(counts, 0))
                for count, value in counts.items():
                    total[count] += value
    print("\nAdjacent baseline pairs, all phases and splits: disjoint per-entry intervals, paired separated")
    for name, total in totals.items():
        pairs = total["pairs"]
        print(f"| {name:<7} | disjoint {total['disjoint']}/{pairs} | paired {total['separated']}/{pairs}")


if __name__ == "__main__":
    main()
