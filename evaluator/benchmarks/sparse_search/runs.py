"""Training a whole submission (every level, every hidden seed) and the hidden reference distributions."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evaluator.benchmarks.sparse_search.config import PROTOCOL_VERSION, SearchConfig, level_key
from evaluator.benchmarks.sparse_search.masks import mask_dense, mask_random, mask_random_split
from evaluator.benchmarks.sparse_search.metrics import convergence_epoch
from evaluator.benchmarks.sparse_search.npzio import json_write, npz_read, npz_write
from evaluator.benchmarks.sparse_search.train import (
    Params,
    SplitData,
    params_slice,
    parent_init,
    stack_train,
)
from evaluator.contract import ProgressFn, no_progress

REFERENCE = "reference.npz"
SEEDS = "seeds.json"
MANIFEST = "manifest.json"
#: Progress is reported every this many epochs within a network stack (and when a stack finishes).
PROGRESS_EPOCHS = 10


@dataclass(frozen=True)
class MaskRun:
    """One mask trained on every hidden seed: test accuracy, convergence epoch and last val accuracy."""

    test_accuracy: np.ndarray  # (seeds,)
    convergence: np.ndarray  # (seeds,) 1-based epochs
    final_val_accuracy: np.ndarray  # (seeds,)


@dataclass(frozen=True)
class Reference:
    """Hidden reference: dense parent per seed and n_random_masks random masks per level per seed."""

    dense_accuracy: np.ndarray  # (seeds,)
    random_accuracy: np.ndarray  # (levels, masks, seeds)
    random_masks: np.ndarray  # (levels, masks, 2, hidden) bool


def hidden_seeds_draw(*, rng: np.random.Generator, count: int) -> list[int]:
    """The hidden training seeds of a build: `count` distinct integers in [0, 2**31 - 1) drawn from `rng`."""
    return [int(s) for s in rng.choice(2**31 - 1, size=count, replace=False)]


def _parent(*, config: SearchConfig, seed: int, parent: Params | None) -> Params:
    """The parent a network of `seed` starts from: `parent` when given, else the seed's own init."""
    return parent_init(config=config, seed=seed) if parent is None else parent


def mask_run(
    *,
    config: SearchConfig,
    data: SplitData,
    test: tuple[np.ndarray, np.ndarray],
    mask: np.ndarray,
    seeds: Sequence[int],
    on_epoch: Callable[[int], None] | None = None,
    parent: Params | None = None,
) -> MaskRun:
    """Train the sub-network of `mask` once per seed and test it.

    Each network starts from its seed's own parent init, sliced to the mask, or from `parent` (the one
    published initialisation) when given; the seed then only sets the data order.
    """
    inits = [params_slice(params=_parent(config=config, seed=s, parent=parent), mask=mask) for s in seeds]
    result = stack_train(config=config, data=data, inits=inits, seeds=seeds, test=test, on_epoch=on_epoch)
    fraction = config.convergence_fraction
    convergence = np.array([convergence_epoch(curve=c, fraction=fraction) for c in result.val_curves])
    return MaskRun(
        test_accuracy=result.test_accuracy,
        convergence=convergence.astype(np.float64),
        final_val_accuracy=result.val_curves[:, -1],
    )


def _mask_run_timed(job: dict[str, Any]) -> tuple[MaskRun, float]:
    """mask_run(**job) and its duration in seconds (a pool's unit of work)."""
    start = time.perf_counter()
    return mask_run(**job), time.perf_counter() - start


def masks_run(
    *,
    config: SearchConfig,
    data: SplitData,
    test: tuple[np.ndarray, np.ndarray],
    masks: Sequence[np.ndarray],
    seeds: Sequence[int],
    progress: ProgressFn = no_progress,
    labels: Sequence[str],
    log: list[str] | None = None,
    parent: Params | None = None,
    pool: Executor | None = None,
) -> list[MaskRun]:
    """Train several masks on every seed; progress every `PROGRESS_EPOCHS` epochs and after every stack.

    Each mask is one stack of len(seeds) networks trained together, so "networks done" advances by
    len(seeds) when a stack finishes. `parent` as in mask_run. With a `pool` (pool.stack_pool) the stacks
    train in its processes, each exactly as here, and progress comes as each stack finishes, in order.
    """
    runs, total, networks = [], len(masks), len(masks) * len(seeds)

    def report(index: int, label: str, epochs: int) -> None:
        """Progress of stack `index` after `epochs` epochs (its networks count as trained after the last)."""
        done = (index + 1) * len(seeds) if epochs == config.epochs else index * len(seeds)
        progress(
            (index + epochs / config.epochs) / total,
            f"{label}: epoch {epochs}/{config.epochs}; {done}/{networks} networks trained",
        )

    def finished(label: str, mask: np.ndarray, seconds: float) -> None:
        """Log a stack that took `seconds`."""
        if log is not None:
            kept = f"{int(mask[0].sum())}+{int(mask[1].sum())}"
            log.append(f"{label}: trained {len(seeds)} networks (kept {kept}) in {seconds:.2f} s")

    if pool is not None:
        jobs = [
            dict(config=config, data=data, test=test, mask=mask, seeds=list(seeds), parent=parent)
            for mask in masks
        ]
        for index, (run, seconds) in enumerate(pool.map(_mask_run_timed, jobs)):
            runs.append(run)
            report(index, labels[index], config.epochs)
            finished(labels[index], masks[index], seconds)
        return runs
    for index, (mask, label) in enumerate(zip(masks, labels, strict=True)):

        def on_epoch(epoch: int, index: int = index, label: str = label) -> None:
            """Report progress of stack `index` after `epoch` (0-based) when due."""
            if epoch + 1 == config.epochs or (epoch + 1) % PROGRESS_EPOCHS == 0:
                report(index, label, epoch + 1)

        start = time.perf_counter()
        runs.append(
            mask_run(
                config=config, data=data, test=test, mask=mask, seeds=seeds, on_epoch=on_epoch, parent=parent
            )
        )
        finished(label, mask, time.perf_counter() - start)
    return runs


def reference_build(
    *,
    config: SearchConfig,
    data: SplitData,
    test: tuple[np.ndarray, np.ndarray],
    mask_rng: np.random.Generator,
    seeds: Sequence[int],
    progress: ProgressFn = no_progress,
    parent: Params | None = None,
    pool: Executor | None = None,
) -> Reference:
    """Train the dense parent and n_random_masks random masks per level (drawn from mask_rng) on `seeds`.

    `parent` as in mask_run: the initialised track trains every reference network from the published init.
    `pool` as in masks_run (the same reference with or without it).
    """
    rng = mask_rng
    random_masks = np.stack(
        [
            np.stack([mask_random(config=config, level=level, rng=rng) for _ in range(config.n_random_masks)])
            for level in config.levels
        ]
    )
    masks = [mask_dense(config=config), *random_masks.reshape(-1, 2, config.hidden[0])]
    labels = ["dense parent"] + [
        f"reference level {level_key(level)} mask {m + 1}"
        for level in config.levels
        for m in range(config.n_random_masks)
    ]
    runs = masks_run(
        config=config,
        data=data,
        test=test,
        masks=masks,
        seeds=seeds,
        progress=progress,
        labels=labels,
        parent=parent,
        pool=pool,
    )
    accuracy = np.stack([run.test_accuracy for run in runs[1:]])
    return Reference(
        dense_accuracy=runs[0].test_accuracy,
        random_accuracy=accuracy.reshape(len(config.levels), config.n_random_masks, len(seeds)),
        random_masks=random_masks,
    )


def split_reference_masks(*, config: SearchConfig, kept: tuple[int, int], seeds: Sequence[int]) -> np.ndarray:
    """The n_split_masks masks of the same-split reference for a layer split `kept`: (masks, 2, hidden).

    Drawn with mask_random_split from numpy default_rng([*seeds, 11, k1, k2]): the hidden seeds keep them
    secret, and one split always gets the same masks on one build (a re-score reproduces its numbers).
    """
    rng = np.random.default_rng([*(int(s) for s in seeds), 11, *kept])
    masks = [mask_random_split(config=config, kept=kept, rng=rng) for _ in range(config.n_split_masks)]
    return np.stack(masks)


def split_reference_run(
    *,
    config: SearchConfig,
    data: SplitData,
    test: tuple[np.ndarray, np.ndarray],
    kept: tuple[int, int],
    seeds: Sequence[int],
    on_epoch: Callable[[int], None] | None = None,
    parent: Params | None = None,
) -> np.ndarray:
    """Test accuracy (masks, seeds) of the same-split reference masks of `kept`, trained on every seed.

    The masks share one shape, so all masks x seeds networks train as one stack (each network exactly as
    mask_run would train it alone: the seed's parent init, or `parent`, sliced to the mask, the seed's
    data order).
    """
    masks = split_reference_masks(config=config, kept=kept, seeds=seeds)
    parents = [_parent(config=config, seed=s, parent=parent) for s in seeds]
    inits = [params_slice(params=start, mask=mask) for mask in masks for start in parents]
    result = stack_train(
        config=config,
        data=data,
        inits=inits,
        seeds=[s for _ in masks for s in seeds],
        test=test,
        on_epoch=on_epoch,
    )
    return result.test_accuracy.reshape(len(masks), len(seeds))


def same_split_run(
    *,
    config: SearchConfig,
    data: SplitData,
    test: tuple[np.ndarray, np.ndarray],
    masks: Sequence[np.ndarray],
    seeds: Sequence[int],
    progress: ProgressFn = no_progress,
    start: float = 0.0,
    parent: Params | None = None,
) -> np.ndarray:
    """Same-split reference accuracy (levels, n_split_masks, seeds) for a submission's masks (one per level).

    Progress runs from `start` to 1 over the levels, every PROGRESS_EPOCHS epochs and at each level's end.
    `parent` as in mask_run.
    """
    out, total = [], len(masks) * config.n_split_masks * len(seeds)
    for index, mask in enumerate(masks):
        kept = (int(mask[0].sum()), int(mask[1].sum()))

        def on_epoch(epoch: int, index: int = index, kept: tuple[int, int] = kept) -> None:
            """Report progress of level `index` after `epoch` (0-based) when due."""
            last = epoch + 1 == config.epochs
            if last or (epoch + 1) % PROGRESS_EPOCHS == 0:
                done = (index + last) * config.n_split_masks * len(seeds)
                progress(
                    start + (1.0 - start) * (index + (epoch + 1) / config.epochs) / len(masks),
                    f"same-split reference ({kept[0]}+{kept[1]} nodes): epoch {epoch + 1}/{config.epochs}; "
                    f"{done}/{total} reference networks done",
                )

        out.append(
            split_reference_run(
                config=config, data=data, test=test, kept=kept, seeds=seeds, on_epoch=on_epoch, parent=parent
            )
        )
    return np.stack(out)


def reference_write(
    *,
    hidden_dir: Path,
    config: SearchConfig,
    public_seed: int,
    key_id: str,
    seeds: Sequence[int],
    ref: Reference,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Write the hidden seeds, the reference distributions and a manifest of the build (plus `extra`)."""
    json_write(
        path=hidden_dir / SEEDS,
        value={"hidden_seeds": list(seeds), "public_split_seeds": config.n_public_seeds},
    )
    npz_write(
        path=hidden_dir / REFERENCE,
        arrays={
            "dense_accuracy": ref.dense_accuracy,
            "random_accuracy": ref.random_accuracy,
            "random_masks": ref.random_masks,
            "levels": np.array(config.levels),
        },
    )
    json_write(
        path=hidden_dir / MANIFEST,
        value={
            "protocol_version": PROTOCOL_VERSION,
            "public_seed": public_seed,
            "secret_id": key_id,
            "config": config.as_dict(),
            **(extra or {}),
        },
    )


def manifest_read(*, hidden_dir: Path) -> dict[str, Any]:
    """The manifest reference_write wrote into `hidden_dir`."""
    return json.loads((hidden_dir / MANIFEST).read_text(encoding="utf-8"))


def reference_read(*, hidden_dir: Path, config: SearchConfig) -> tuple[list[int], Reference]:
    """Read the hidden seeds and reference; ValueError when they were built with another configuration."""
    manifest = manifest_read(hidden_dir=hidden_dir)
    if manifest.get("config") != json.loads(json.dumps(config.as_dict())):
        raise ValueError(f"hidden data in {hidden_dir} was built with another configuration; rebuild it")
    seeds = json.loads((hidden_dir / SEEDS).read_text(encoding="utf-8"))["hidden_seeds"]
    arrays = npz_read(path=hidden_dir / REFERENCE)
    ref = Reference(
        dense_accuracy=arrays["dense_accuracy"],
        random_accuracy=arrays["random_accuracy"],
        random_masks=arrays["random_masks"],
    )
    return [int(s) for s in seeds], ref
