"""Baseline entries: the dense parent, one random mask per level, and random search on the public splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.data import public_data_read
from evaluator.benchmarks.sparse_search.init_track import init_read
from evaluator.benchmarks.sparse_search.masks import mask_random
from evaluator.benchmarks.sparse_search.submission import Submission, submission_write
from evaluator.benchmarks.sparse_search.train import Params, params_slice, parent_init, stack_train
from evaluator.contract import Payload


def random_masks_submission(*, config: SearchConfig, seed: int) -> Submission:
    """One uniformly random mask per level drawn from default_rng([seed, 3])."""
    rng = np.random.default_rng([seed, 3])
    return Submission(
        masks={level: mask_random(config=config, level=level, rng=rng) for level in config.levels}
    )


def random_search_submission(
    *, config: SearchConfig, public_dir: Path, parent: Params | None = None
) -> Submission:
    """Per level, search_candidates random masks trained search_epochs epochs; keep the best by val accuracy.

    Candidates come from default_rng([search_seed, 5]) and are trained on the public training split with
    training seed search_seed (not a hidden seed) from `parent`, by default the initialisation of
    search_seed (digits) and the published initialisation on digits-init; ties go to the earlier candidate.
    """
    data = public_data_read(public_dir=public_dir)
    rng = np.random.default_rng([config.search_seed, 5])
    if parent is None:
        parent = parent_init(config=config, seed=config.search_seed)
    chosen = {}
    for level in config.levels:
        best_mask, best_acc = None, -1.0
        for _ in range(config.search_candidates):
            mask = mask_random(config=config, level=level, rng=rng)
            result = stack_train(
                config=config,
                data=data,
                inits=[params_slice(params=parent, mask=mask)],
                seeds=[config.search_seed],
                epochs=config.search_epochs,
            )
            acc = float(result.val_curves[0, -1])
            if acc > best_acc:
                best_mask, best_acc = mask, acc
        chosen[level] = best_mask
    return Submission(masks=chosen)


def dense_payload(*, config: SearchConfig, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """Write the dense-parent entry ({"dense_parent": true}) and return its payload."""
    path = submission_write(
        config=config, path=work_dir / "dense_parent.json", submission=Submission(masks={}, dense_parent=True)
    )
    return Payload(phase=phase, public_dir=public_dir, file=path)


def random_masks_payload(*, config: SearchConfig, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """Write one random mask per level (seed search_seed) as NPZ and return its payload."""
    submission = random_masks_submission(config=config, seed=config.search_seed)
    path = submission_write(config=config, path=work_dir / "random_masks.npz", submission=submission)
    return Payload(phase=phase, public_dir=public_dir, file=path)


def random_search_payload(*, config: SearchConfig, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """Run random search on the public splits, write the chosen masks as NPZ and return its payload."""
    submission = random_search_submission(config=config, public_dir=public_dir)
    path = submission_write(config=config, path=work_dir / "random_search.npz", submission=submission)
    return Payload(phase=phase, public_dir=public_dir, file=path)


def random_search_init_payload(
    *, config: SearchConfig, public_dir: Path, phase: str, work_dir: Path
) -> Payload:
    """Random search from the published initialisation (init/parent_init.npz), written as NPZ."""
    parent = init_read(public_dir=public_dir, config=config)
    submission = random_search_submission(config=config, public_dir=public_dir, parent=parent)
    path = submission_write(config=config, path=work_dir / "random_search_init.npz", submission=submission)
    return Payload(phase=phase, public_dir=public_dir, file=path)
