"""Scoring a parsed submission of either track: train its masks and the same-split reference, then score."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from evaluator.benchmarks.sparse_search.config import PROTOCOL_VERSION, SearchConfig, level_key
from evaluator.benchmarks.sparse_search.masks import mask_dense, mask_kept
from evaluator.benchmarks.sparse_search.runs import Reference, masks_run, same_split_run
from evaluator.benchmarks.sparse_search.scoring import split_score
from evaluator.benchmarks.sparse_search.submission import Submission
from evaluator.benchmarks.sparse_search.train import Params, SplitData, torch_deterministic
from evaluator.contract import ProgressFn, ScoreReport, no_progress
from evaluator.hardware import hardware_fingerprint


def submission_report(
    *,
    config: SearchConfig,
    submission: Submission,
    data: SplitData,
    test: tuple[np.ndarray, np.ndarray],
    seeds: Sequence[int],
    ref: Reference,
    progress: ProgressFn = no_progress,
    parent: Params | None = None,
    log: list[str] | None = None,
) -> ScoreReport:
    """Train the submission's networks on every hidden seed and compare them with the reference.

    `parent` None: each seed re-initialises the parent (digits phase). `parent` given: every network,
    the same-split reference's included, starts from it and the seeds only set the data orders."""
    log = list(log or [])
    started = time.perf_counter()
    with torch_deterministic(threads=config.torch_threads):
        if submission.dense_parent:
            masks = [mask_dense(config=config)]
            labels = ["dense parent"]
        else:
            masks = [submission.masks[level] for level in config.levels]
            labels = [f"level {level_key(level)}" for level in config.levels]
        share = 1.0 if submission.dense_parent else 1.0 / (1 + config.n_split_masks)
        runs = masks_run(
            config=config,
            data=data,
            test=test,
            masks=masks,
            seeds=seeds,
            progress=lambda fraction, stage: progress(share * fraction, stage),
            labels=labels,
            log=log,
            parent=parent,
        )
        log.append(f"trained {len(masks) * len(seeds)} networks in {time.perf_counter() - started:.2f} s")
        same_split = None
        if not submission.dense_parent:
            same_split = same_split_run(
                config=config,
                data=data,
                test=test,
                masks=masks,
                seeds=seeds,
                progress=progress,
                start=share,
                parent=parent,
            )
            log.append(
                f"same-split reference: {config.n_split_masks} masks x {len(seeds)} seeds per level, "
                f"{time.perf_counter() - started:.2f} s in all"
            )
    if submission.dense_parent:
        runs, masks = runs * len(config.levels), masks * len(config.levels)
    kept = [mask_kept(mask=m) for m in masks]
    splits = {}
    for split, count in (("public", config.n_public_seeds), ("private", len(seeds))):
        splits[split] = split_score(
            config=config,
            runs=runs,
            kept=kept,
            ref=ref,
            seed_index=np.arange(count),
            dense_parent=submission.dense_parent,
            same_split=same_split,
        )
    progress(1.0, "scored")
    hardware = {**hardware_fingerprint(), "train_threads": str(config.torch_threads)}
    return ScoreReport(splits=splits, protocol_version=PROTOCOL_VERSION, hardware=hardware, log=tuple(log))
