"""Is random search below random masks by design or by a defect? Its selection rule against the final score.

Usage: .venv/bin/python bench/sparse_search_selection.py [--candidates 100] [--build-dir DIR]
Builds the default benchmark (or reuses --build-dir), then per level draws `candidates` uniformly random
masks and records for each (a) the random-search criterion: validation accuracy after search_epochs epochs
from the search seed's initialisation, exactly as the baseline computes it, and (b) the score: mean test
accuracy after the full protocol on the build's hidden seeds. Prints per level the Spearman correlation of
(a) with (b), the layer split the criterion prefers, and the expected score of "best of search_candidates
by (a)" minus the candidates' mean (over 5,000 random subsets), then the same for diff_vs_random (mean over
levels) with its 2.5-97.5% range, and the baseline's own diff on this build.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from evaluator.benchmarks.sparse_search import SparseSearchBenchmark
from evaluator.benchmarks.sparse_search.baselines import random_masks_submission, random_search_submission
from evaluator.benchmarks.sparse_search.config import SearchConfig, level_key
from evaluator.benchmarks.sparse_search.data import hidden_test_read, public_data_read
from evaluator.benchmarks.sparse_search.masks import mask_random
from evaluator.benchmarks.sparse_search.metrics import diff_bootstrap_interval, diff_vs_random
from evaluator.benchmarks.sparse_search.runs import mask_run, reference_read
from evaluator.benchmarks.sparse_search.train import (
    SplitData,
    params_slice,
    parent_init,
    stack_train,
    torch_deterministic,
)
from evaluator.hidden import throwaway_seeds

#: Pseudo-builds whose bootstrap interval is computed (each costs one diff_bootstrap_interval call).
COVERAGE_BUILDS = 400


def criterion(*, config: SearchConfig, data: SplitData, mask: np.ndarray) -> float:
    """Random search's selection value of `mask`: val accuracy after search_epochs from the search seed."""
    parent = parent_init(config=config, seed=config.search_seed)
    result = stack_train(
        config=config,
        data=data,
        inits=[params_slice(params=parent, mask=mask)],
        seeds=[config.search_seed],
        epochs=config.search_epochs,
    )
    return float(result.val_curves[0, -1])


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties)."""

    def ranks(x: np.ndarray) -> np.ndarray:
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x), dtype=float)
        for value in np.unique(x):
            tie = x == value
            r[tie] = r[tie].mean()
        return r

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def best_of_gain(*, crit: np.ndarray, score: np.ndarray, pick: int, reps: int, rng) -> np.ndarray:
    """Per replicate: score of the first-best-by-criterion of `pick` random candidates minus the mean."""
    gains = np.empty(reps)
    for r in range(reps):
        subset = rng.choice(len(crit), size=pick, replace=False)
        best = subset[int(np.argmax(crit[subset]))]
        gains[r] = score[best] - score.mean()
    return gains


def pool_measure(
    *,
    config: SearchConfig,
    data: SplitData,
    test,
    chosen: dict,
    pool_seeds: list[int],
    pool_masks: int,
    builds: int,
) -> None:
    """Train `chosen` masks and `pool_masks` random masks per level on `pool_seeds`; print the diff of the
    chosen masks over the whole pool and its spread over pseudo-builds (n_hidden_seeds seeds and
    n_random_masks reference masks drawn from the pools without replacement)."""
    rng = np.random.default_rng(77)
    with torch_deterministic(threads=config.torch_threads):
        own = {
            name: np.stack(
                [
                    mask_run(config=config, data=data, test=test, mask=m[lv], seeds=pool_seeds).test_accuracy
                    for lv in config.levels
                ]
            )
            for name, m in chosen.items()
        }  # (levels, seeds)
        ref = np.stack(
            [
                np.stack(
                    [
                        mask_run(
                            config=config,
                            data=data,
                            test=test,
                            mask=mask_random(config=config, level=lv, rng=rng),
                            seeds=pool_seeds,
                        ).test_accuracy
                        for _ in range(pool_masks)
                    ]
                )
                for lv in config.levels
            ]
        )  # (levels, masks, seeds)
    draw = np.random.default_rng(1)
    print(
        f"pool: {len(pool_seeds)} seeds, {pool_masks} random masks per level; {builds} pseudo-builds of "
        f"{config.n_hidden_seeds} seeds and {config.n_random_masks} reference masks"
    )
    for name, acc in own.items():
        per_level = acc.mean(axis=1) - ref.mean(axis=(1, 2))
        diffs, covered = np.empty(builds), 0
        for b in range(builds):
            s = draw.choice(len(pool_seeds), size=config.n_hidden_seeds, replace=False)
            m = draw.choice(pool_masks, size=config.n_random_masks, replace=False)
            sub, rand = acc[:, s], ref[:, m][:, :, s]
            diffs[b] = diff_vs_random(accuracy=sub, random_accuracy=rand)
            if b < COVERAGE_BUILDS:
                low, high = diff_bootstrap_interval(
                    accuracy=sub, random_accuracy=rand, reps=config.bootstrap_reps
                )
                covered += low <= per_level.mean() <= high
        lo, hi = np.quantile(diffs, [0.025, 0.975])
        levels = " ".join(f"{d:+.4f}" for d in per_level)
        coverage = covered / min(builds, COVERAGE_BUILDS)
        print(
            f"{name}: pool diff {per_level.mean():+.4f} (levels {levels}); pseudo-builds 2.5-97.5% "
            f"[{lo:+.4f} .. {hi:+.4f}], P(diff <= -0.0152) {np.mean(diffs <= -0.0152):.3f}; "
            f"the 95% interval holds the pool diff in {coverage:.0%} of {min(builds, COVERAGE_BUILDS)} builds"
        )


def main() -> None:
    """Measure and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100)
    parser.add_argument("--reps", type=int, default=5000)
    parser.add_argument("--pool-seeds", type=int, default=20)
    parser.add_argument("--pool-masks", type=int, default=40)
    parser.add_argument("--skip-selection", action="store_true", help="only the pool measurement")
    parser.add_argument("--build-dir", type=Path, default=None)
    args = parser.parse_args()
    bench = SparseSearchBenchmark()
    config = bench.config
    with tempfile.TemporaryDirectory() as tmp:
        out = args.build_dir or Path(tmp) / "sparse-search"
        started = time.perf_counter()
        if not (out / "hidden" / "manifest.json").is_file():
            bench.build(out, seeds=throwaway_seeds(public=0))
        print(f"build: {time.perf_counter() - started:.1f} s")
        data = public_data_read(public_dir=out / "public")
        test = hidden_test_read(hidden_dir=out / "hidden")
        with torch_deterministic(threads=config.torch_threads):
            chosen = {
                "Random search": random_search_submission(config=config, public_dir=out / "public").masks,
                "Random masks": random_masks_submission(config=config, seed=config.search_seed).masks,
            }
        for name, masks in chosen.items():
            splits = ", ".join(
                f"{level_key(lv)}: {int(m[0].sum())}+{int(m[1].sum())}" for lv, m in masks.items()
            )
            print(f"{name} masks (layer 1 + layer 2 nodes): {splits}")
        if not args.skip_selection:
            selection_measure(
                config=config,
                data=data,
                test=test,
                out=out,
                chosen=chosen["Random search"],
                candidates=args.candidates,
                reps=args.reps,
            )
        started = time.perf_counter()
        pool_measure(
            config=config,
            data=data,
            test=test,
            chosen=chosen,
            pool_seeds=list(range(1000, 1000 + args.pool_seeds)),
            pool_masks=args.pool_masks,
            builds=args.reps,
        )
        print(f"pool measurement: {time.perf_counter() - started:.1f} s")


def selection_measure(
    *, config: SearchConfig, data: SplitData, test, out: Path, chosen: dict, candidates: int, reps: int
) -> None:
    """Per level: the selection criterion against the final score over `candidates` random masks."""
    seeds, ref = reference_read(hidden_dir=out / "hidden", config=config)
    rng = np.random.default_rng(2024)
    started = time.perf_counter()
    with torch_deterministic(threads=config.torch_threads):
        baseline = [
            mask_run(config=config, data=data, test=test, mask=chosen[lv], seeds=seeds)
            for lv in config.levels
        ]
        table = []
        for level in config.levels:
            crit, score, split = [], [], []
            for _ in range(candidates):
                mask = mask_random(config=config, level=level, rng=rng)
                crit.append(criterion(config=config, data=data, mask=mask))
                run = mask_run(config=config, data=data, test=test, mask=mask, seeds=seeds)
                score.append(float(run.test_accuracy.mean()))
                split.append(int(mask[0].sum()))
            table.append((level, np.array(crit), np.array(score), np.array(split)))
    print(f"selection measurement: {time.perf_counter() - started:.1f} s, {candidates} candidates per level")
    pick = config.search_candidates
    print(
        f"{'level':>6s} {'rho(crit,score)':>16s} {'rho(crit,k1)':>13s} {'rho(k1,score)':>14s} "
        f"{'E[best-of-' + str(pick) + ' - mean]':>22s} {'2.5%..97.5%':>18s} {'baseline diff':>14s}"
    )
    total = np.zeros(reps)
    rng = np.random.default_rng(0)
    for lv, (level, crit, score, split) in enumerate(table):
        gains = best_of_gain(crit=crit, score=score, pick=pick, reps=reps, rng=rng)
        total += gains / len(table)
        lo, hi = np.quantile(gains, [0.025, 0.975])
        base = float(baseline[lv].test_accuracy.mean() - ref.random_accuracy[lv].mean())
        print(
            f"{level_key(level):>6s} {spearman(crit, score):16.3f} {spearman(crit, split):13.3f} "
            f"{spearman(split, score):14.3f} {gains.mean():+22.4f} [{lo:+.4f} .. {hi:+.4f}] {base:+14.4f}"
        )
    lo, hi = np.quantile(total, [0.025, 0.975])
    base_total = float(np.mean([b.test_accuracy.mean() for b in baseline]) - ref.random_accuracy.mean())
    print(
        f"diff_vs_random of best-of-{pick} searches: mean {total.mean():+.4f}, "
        f"2.5-97.5% [{lo:+.4f} .. {hi:+.4f}], P(<0) {np.mean(total < 0):.2f}; "
        f"the baseline's own diff on this build {base_total:+.4f}"
    )


if __name__ == "__main__":
    main()
