"""The initialised track (phase digits-init): its published parent initialisation and its hidden build."""

from __future__ import annotations

import hashlib
from concurrent.futures import Executor
from pathlib import Path

import numpy as np

from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.npzio import json_write, npz_read, npz_write
from evaluator.benchmarks.sparse_search.protocol_init import init_protocol_json, init_protocol_text
from evaluator.benchmarks.sparse_search.runs import (
    Reference,
    hidden_seeds_draw,
    manifest_read,
    reference_build,
    reference_read,
    reference_write,
)
from evaluator.benchmarks.sparse_search.train import Params, SplitData, parent_init
from evaluator.contract import ProgressFn, no_progress
from evaluator.hidden import HiddenKey

#: Folder of the track's files, under public/ (bundle) and under hidden/ (seeds, reference, manifest).
INIT_DIR = "init"
PARENT_INIT = "parent_init.npz"
#: Array names of parent_init.npz, in the order of Params (W of shape (fan_in, fan_out), b of (fan_out,)).
PARAM_NAMES = ("w1", "b1", "w2", "b2", "w3", "b3")


def init_seed_public(*, seed: int) -> int:
    """The published initialisation seed of a build: drawn from numpy default_rng([public seed, 13]).

    Public on purpose (anyone may recompute it); no hidden item is drawn from it."""
    return int(np.random.default_rng([seed, 13]).integers(2**31 - 1))


def param_shapes(*, config: SearchConfig) -> tuple[tuple[int, ...], ...]:
    """Shapes of the parent's parameters in PARAM_NAMES order."""
    sizes = (config.n_in, *config.hidden, config.n_out)
    shapes: list[tuple[int, ...]] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        shapes += [(fan_in, fan_out), (fan_out,)]
    return tuple(shapes)


def init_write(*, public_dir: Path, params: Params) -> Path:
    """Write the published parent initialisation to public_dir/init/parent_init.npz; return its path."""
    path = public_dir / INIT_DIR / PARENT_INIT
    npz_write(path=path, arrays=dict(zip(PARAM_NAMES, params, strict=True)))
    return path


def init_read(*, public_dir: Path, config: SearchConfig) -> Params:
    """Read parent_init.npz (no pickle); ValueError names the file and the array that is wrong."""
    path = Path(public_dir) / INIT_DIR / PARENT_INIT
    if not path.is_file():
        raise ValueError(f"{INIT_DIR}/{PARENT_INIT} is missing from {public_dir}")
    arrays = npz_read(path=path)
    if set(arrays) != set(PARAM_NAMES):
        raise ValueError(f"{INIT_DIR}/{PARENT_INIT}: arrays {sorted(arrays)}, expected {list(PARAM_NAMES)}")
    for name, shape in zip(PARAM_NAMES, param_shapes(config=config), strict=True):
        if arrays[name].shape != shape or arrays[name].dtype != np.float32:
            raise ValueError(
                f"{INIT_DIR}/{PARENT_INIT}: {name} is {arrays[name].dtype} {arrays[name].shape}, "
                f"expected float32 {shape}"
            )
    return tuple(arrays[name] for name in PARAM_NAMES)


def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def init_build(
    *,
    out_dir: Path,
    config: SearchConfig,
    public_seed: int,
    hidden: HiddenKey,
    data: SplitData,
    test: tuple[np.ndarray, np.ndarray],
    progress: ProgressFn = no_progress,
    pool: Executor | None = None,
) -> None:
    """Write public/init (weights, README, protocol.json) and hidden/init (data-order seeds, reference).

    The initialisation follows the public seed; the data orders and the reference's random masks follow
    `hidden` (labels of their own, so the digits phase's hidden items are not reused). `pool` as in
    runs.masks_run."""
    public_dir, hidden_dir = Path(out_dir) / "public", Path(out_dir) / "hidden" / INIT_DIR
    init_seed = init_seed_public(seed=public_seed)
    params = parent_init(config=config, seed=init_seed)
    path = init_write(public_dir=public_dir, params=params)
    json_write(
        path=public_dir / INIT_DIR / "protocol.json",
        value=init_protocol_json(config=config, init_seed=init_seed),
    )
    readme = init_protocol_text(config=config, init_seed=init_seed)
    (public_dir / INIT_DIR / "README.md").write_text(readme, encoding="utf-8")
    order_seeds = hidden_seeds_draw(rng=hidden.rng("init-data-orders"), count=config.n_hidden_seeds)
    ref = reference_build(
        config=config,
        data=data,
        test=test,
        mask_rng=hidden.rng("init-reference-masks"),
        seeds=order_seeds,
        progress=progress,
        parent=params,
        pool=pool,
    )
    reference_write(
        hidden_dir=hidden_dir,
        config=config,
        public_seed=public_seed,
        key_id=hidden.key_id,
        seeds=order_seeds,
        ref=ref,
        extra={"init_seed": init_seed, "parent_init_sha256": _sha256(path)},
    )


def init_reference_read(
    *, hidden_dir: Path, public_dir: Path, config: SearchConfig
) -> tuple[list[int], Reference, Params]:
    """The track's hidden data-order seeds, its reference and the published init the scorer trains from.

    The init is read from the public bundle's parent_init.npz, which must be the very file of the build
    (its SHA-256 is in the hidden manifest): ValueError otherwise."""
    track_dir = Path(hidden_dir) / INIT_DIR
    if not (track_dir / "manifest.json").is_file():
        raise ValueError(f"no initialised-track data in {hidden_dir}; rebuild the benchmark")
    seeds, ref = reference_read(hidden_dir=track_dir, config=config)
    expected = manifest_read(hidden_dir=track_dir).get("parent_init_sha256")
    path = Path(public_dir) / INIT_DIR / PARENT_INIT
    if not path.is_file() or _sha256(path) != expected:
        raise ValueError(f"{INIT_DIR}/{PARENT_INIT} in {public_dir} is not the file this build published")
    return seeds, ref, init_read(public_dir=public_dir, config=config)
