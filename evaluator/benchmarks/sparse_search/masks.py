"""Node masks: kept counts per layer, random masks of an exact sparsity, weight density of a mask."""

from __future__ import annotations

import numpy as np

from evaluator.benchmarks.sparse_search.config import SearchConfig


def mask_kept(*, mask: np.ndarray) -> tuple[int, int]:
    """Hidden nodes kept in each of the two hidden layers of a (2, hidden) boolean mask."""
    return int(mask[0].sum()), int(mask[1].sum())


def mask_weight_density(*, config: SearchConfig, mask: np.ndarray) -> float:
    """Weight density (weights of the sub-network / weights of the parent, no biases) of `mask`."""
    return config.weight_density(kept=mask_kept(mask=mask))


def mask_random(*, config: SearchConfig, level: float, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random mask at `level`: kept_total nodes drawn over both layers, each layer non-empty.

    Draws a uniform subset of the 2 x hidden nodes and redraws while a layer would be empty, i.e. the
    uniform distribution over all valid configurations of that exact node sparsity.
    """
    width = config.hidden[0]
    if config.hidden[1] != width:
        raise ValueError(f"random masks need equal hidden layers, got {config.hidden}")
    kept = config.kept_total(level=level)
    while True:
        chosen = rng.choice(2 * width, size=kept, replace=False)
        mask = np.zeros(2 * width, dtype=bool)
        mask[chosen] = True
        mask = mask.reshape(2, width)
        if mask[0].any() and mask[1].any():
            return mask


def mask_random_split(*, config: SearchConfig, kept: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A uniformly random mask keeping exactly kept[0] nodes of hidden layer 1 and kept[1] of layer 2.

    Each layer's kept nodes are a uniform subset of its nodes (layer 1 drawn first), so the layer split
    is fixed and only the choice of nodes within each layer is random.
    """
    width = config.hidden[0]
    if config.hidden[1] != width:
        raise ValueError(f"random masks need equal hidden layers, got {config.hidden}")
    if len(kept) != 2 or any(not 1 <= k <= width for k in kept):
        raise ValueError(f"kept must be two node counts in 1..{width}, got {kept}")
    mask = np.zeros((2, width), dtype=bool)
    for layer, count in enumerate(kept):
        mask[layer, rng.choice(width, size=count, replace=False)] = True
    return mask


def mask_dense(*, config: SearchConfig) -> np.ndarray:
    """The all-ones mask of the parent network."""
    return np.ones((2, config.hidden[0]), dtype=bool)
