"""The digits data split: public train/validation arrays and the hidden, shuffled test split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.npzio import npz_read, npz_write
from evaluator.benchmarks.sparse_search.train import SplitData

PUBLIC_DATA = "data.npz"
HIDDEN_TEST = "test.npz"
#: Images in scikit-learn's bundled digits data set.
DIGITS_IMAGES = 1797


def digits_split(
    *, config: SearchConfig, seed: int, test_rng: np.random.Generator
) -> tuple[SplitData, tuple[np.ndarray, np.ndarray]]:
    """Shuffle sklearn digits with default_rng([seed, 7]): test, validation, then train (pixels / 16).

    The public seed fixes which images are public (train, validation); the test images' order is a
    permutation drawn from `test_rng`, which the build derives from the deployment secret."""
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    if config.n_in != x.shape[1] or config.n_out != int(y.max()) + 1:
        raise ValueError(f"config expects {config.n_in} inputs / {config.n_out} classes, digits differs")
    if len(y) != DIGITS_IMAGES:
        raise ValueError(f"scikit-learn's digits has {len(y)} images, expected {DIGITS_IMAGES}")
    if config.n_test + config.n_val >= len(y):
        raise ValueError(f"n_test + n_val = {config.n_test + config.n_val} leaves no training examples")
    order = np.random.default_rng([seed, 7]).permutation(len(y))
    test_idx = test_rng.permutation(order[: config.n_test])
    val_idx = order[config.n_test : config.n_test + config.n_val]
    train_idx = np.sort(order[config.n_test + config.n_val :])
    data = SplitData(x_train=x[train_idx], y_train=y[train_idx], x_val=x[val_idx], y_val=y[val_idx])
    return data, (x[test_idx], y[test_idx])


def public_data_write(*, public_dir: Path, data: SplitData) -> None:
    """Write the public train/validation arrays to public_dir/data.npz."""
    arrays = {"x_train": data.x_train, "y_train": data.y_train, "x_val": data.x_val, "y_val": data.y_val}
    npz_write(path=public_dir / PUBLIC_DATA, arrays=arrays)


def public_data_read(*, public_dir: Path) -> SplitData:
    """Read the public train/validation arrays written by public_data_write."""
    arrays = npz_read(path=public_dir / PUBLIC_DATA)
    return SplitData(
        x_train=arrays["x_train"], y_train=arrays["y_train"], x_val=arrays["x_val"], y_val=arrays["y_val"]
    )


def hidden_test_write(*, hidden_dir: Path, test: tuple[np.ndarray, np.ndarray]) -> None:
    """Write the hidden test split (in its hidden order) to hidden_dir/test.npz."""
    npz_write(path=hidden_dir / HIDDEN_TEST, arrays={"x_test": test[0], "y_test": test[1]})


def hidden_test_read(*, hidden_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the hidden test split."""
    arrays = npz_read(path=hidden_dir / HIDDEN_TEST)
    return arrays["x_test"], arrays["y_test"]
