"""Training of node-sparse sub-networks as physically smaller dense layers, several seeds in one stack."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.mlp import MlpStack

#: Parameters of one MLP in [in, out] layout: (W1, b1, W2, b2, W3, b3).
Params = tuple[np.ndarray, ...]


@dataclass(frozen=True)
class SplitData:
    """Float32 inputs and int64 labels of the train and validation splits."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


@dataclass(frozen=True)
class StackResult:
    """Outcome of training a stack of networks: per-network val curves and test accuracies."""

    val_curves: np.ndarray  # (networks, epochs) validation accuracy after each epoch
    test_accuracy: np.ndarray | None  # (networks,) or None when no test split was given


def parent_init(*, config: SearchConfig, seed: int) -> Params:
    """Parent weights of `seed`: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from numpy default_rng([seed, 0])."""
    rng = np.random.default_rng([seed, 0])
    sizes = (config.n_in, *config.hidden, config.n_out)
    params: list[np.ndarray] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, size=(fan_out,)).astype(np.float32))
    return tuple(params)


def params_slice(*, params: Params, mask: np.ndarray) -> Params:
    """Restrict parent parameters to the kept hidden nodes of `mask` (2 x hidden, bool)."""
    keep1, keep2 = np.flatnonzero(mask[0]), np.flatnonzero(mask[1])
    w1, b1, w2, b2, w3, b3 = params
    return (w1[:, keep1], b1[keep1], w2[np.ix_(keep1, keep2)], b2[keep2], w3[keep2, :], b3.copy())


def epoch_orders(*, seed: int, n_train: int, epochs: int) -> np.ndarray:
    """Training-example order of every epoch for `seed`: permutations from numpy default_rng([seed, 1])."""
    rng = np.random.default_rng([seed, 1])
    return np.stack([rng.permutation(n_train) for _ in range(epochs)])


@contextlib.contextmanager
def torch_deterministic(*, threads: int) -> Iterator[None]:
    """Run with a fixed torch thread count and deterministic algorithms, restoring both afterwards."""
    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(old_det)
        torch.set_num_threads(old_threads)


def stack_train(
    *,
    config: SearchConfig,
    data: SplitData,
    inits: Sequence[Params],
    seeds: Sequence[int],
    epochs: int | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    node_masks: np.ndarray | None = None,
    on_epoch: Callable[[int], None] | None = None,
) -> StackResult:
    """Train networks of one shape together (batched matmuls, independent Adam states) per the protocol.

    Network i starts from inits[i] and visits the training examples in the order of seeds[i]; the loss
    is the sum over networks of each network's mean cross-entropy, so every network gets exactly its own
    gradient. `node_masks` ([S, 2, hidden] 0/1) trains masked full networks instead (measurement only).
    Returns validation accuracy after every epoch and, when `test` is given, final test accuracy.
    """
    if len(inits) != len(seeds) or not inits:
        raise ValueError(f"need one seed per initial network, got {len(inits)} inits and {len(seeds)} seeds")
    n_epochs = config.epochs if epochs is None else epochs
    n_train, batch = data.x_train.shape[0], config.batch_size
    if n_train % batch:
        raise ValueError(f"batch_size {batch} must divide the {n_train} training examples")
    params = [torch.from_numpy(np.stack([p[i].reshape(-1, p[i].shape[-1]) for p in inits])) for i in range(6)]
    masks = None
    if node_masks is not None:
        as_tensor = torch.from_numpy(np.asarray(node_masks, dtype=np.float32))
        masks = (as_tensor[:, 0:1, :].contiguous(), as_tensor[:, 1:2, :].contiguous())
    stack = MlpStack(params=params, node_masks=masks)
    orders = np.stack([epoch_orders(seed=s, n_train=n_train, epochs=n_epochs) for s in seeds])
    orders = torch.from_numpy(orders)
    x_train = torch.from_numpy(data.x_train)
    onehot = F.one_hot(torch.from_numpy(data.y_train), config.n_out).to(x_train.dtype)
    x_val, y_val = torch.from_numpy(data.x_val)[None], torch.from_numpy(data.y_val)[None]
    curves = np.zeros((len(inits), n_epochs))
    with torch.no_grad():
        for epoch in range(n_epochs):
            for start in range(0, n_train, batch):
                idx = orders[:, epoch, start : start + batch]
                stack.backward(x=x_train[idx], onehot=onehot[idx])
                stack.adam_step(lr=config.learning_rate, betas=config.adam_betas, eps=config.adam_eps)
            curves[:, epoch] = stack.accuracy(x=x_val, y=y_val).numpy()
            if on_epoch is not None:
                on_epoch(epoch)
        test_acc = None
        if test is not None:
            x_test, y_test = torch.from_numpy(test[0])[None], torch.from_numpy(test[1])[None]
            test_acc = stack.accuracy(x=x_test, y=y_test).numpy()
    return StackResult(val_curves=curves, test_accuracy=test_acc)
