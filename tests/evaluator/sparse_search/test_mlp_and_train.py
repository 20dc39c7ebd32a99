"""Specs of the hand-written MLP stack and the protocol training loop against torch autograd references."""

from __future__ import annotations

import numpy as np
import torch

from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.mlp import MlpStack
from evaluator.benchmarks.sparse_search.train import (
    SplitData,
    epoch_orders,
    params_slice,
    parent_init,
    stack_train,
)

SMALL = SearchConfig(levels=(0.5,), hidden=(12, 12), n_in=6, n_out=4, epochs=2, batch_size=5)


def _random_params(rng: np.random.Generator, shapes, dtype=torch.float64):
    return [torch.tensor(rng.normal(size=s), dtype=dtype) for s in shapes]


def _shapes(stack: int, n_in: int, k1: int, k2: int, n_out: int):
    return [
        (stack, n_in, k1),
        (stack, 1, k1),
        (stack, k1, k2),
        (stack, 1, k2),
        (stack, k2, n_out),
        (stack, 1, n_out),
    ]


def test_mlp_stack_training_matches_torch_autograd_and_adam_in_float64():
    rng = np.random.default_rng(1)
    init = _random_params(rng, _shapes(3, 6, 7, 5, 4))
    x = torch.tensor(rng.normal(size=(4, 3, 8, 6)))  # 4 steps, 3 networks, batch 8
    y = torch.tensor(rng.integers(0, 4, size=(4, 3, 8)))
    stack = MlpStack(params=[p.clone() for p in init])
    ref = [p.clone().requires_grad_() for p in init]
    optimiser = torch.optim.Adam(ref, lr=0.01, betas=(0.9, 0.99), eps=1e-8)
    for step in range(4):
        onehot = torch.nn.functional.one_hot(y[step], 4).to(torch.float64)
        stack.backward(x=x[step], onehot=onehot)
        stack.adam_step(lr=0.01, betas=(0.9, 0.99), eps=1e-8)
        w1, b1, w2, b2, w3, b3 = ref
        logits = torch.relu(torch.relu(x[step] @ w1 + b1) @ w2 + b2) @ w3 + b3
        losses = [torch.nn.functional.cross_entropy(logits[i], y[step, i]) for i in range(3)]
        optimiser.zero_grad()
        sum(losses).backward()
        optimiser.step()
    for mine, theirs in zip(stack.params, ref, strict=True):
        np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_mlp_stack_smaller_layers_match_the_masked_parent_in_float64():
    rng = np.random.default_rng(2)
    parent = _random_params(rng, _shapes(1, 6, 10, 9, 4))
    keep1, keep2 = np.array([0, 3, 4, 8]), np.array([1, 2, 7])
    m1, m2 = torch.zeros(1, 1, 10, dtype=torch.float64), torch.zeros(1, 1, 9, dtype=torch.float64)
    m1[..., keep1], m2[..., keep2] = 1.0, 1.0
    masked = MlpStack(params=[p.clone() for p in parent], node_masks=(m1, m2))
    w1, b1, w2, b2, w3, b3 = parent
    small = MlpStack(
        params=[
            w1[:, :, keep1],
            b1[:, :, keep1],
            w2[:, keep1][:, :, keep2],
            b2[:, :, keep2],
            w3[:, keep2],
            b3.clone(),
        ]
    )
    for _ in range(5):
        x = torch.tensor(rng.normal(size=(1, 8, 6)))
        onehot = torch.nn.functional.one_hot(torch.tensor(rng.integers(0, 4, size=(1, 8))), 4).double()
        for net in (masked, small):
            net.backward(x=x, onehot=onehot)
            net.adam_step(lr=0.05, betas=(0.9, 0.999), eps=1e-8)
    x = torch.tensor(rng.normal(size=(1, 16, 6)))
    np.testing.assert_allclose(
        masked.forward(x)[0].numpy(), small.forward(x)[0].numpy(), rtol=1e-10, atol=1e-12
    )
    mw1 = masked.params[0].numpy()
    np.testing.assert_allclose(mw1[:, :, keep1], small.params[0].numpy(), rtol=0, atol=1e-12)


def test_parent_init_is_uniform_in_fan_in_bounds_and_reproducible():
    params = parent_init(config=SearchConfig(), seed=7)
    again = parent_init(config=SearchConfig(), seed=7)
    assert [p.shape for p in params] == [(64, 256), (256,), (256, 256), (256,), (256, 10), (10,)]
    for p, q, fan_in in zip(params, again, (64, 64, 256, 256, 256, 256), strict=True):
        assert p.dtype == np.float32 and np.array_equal(p, q)
        assert np.abs(p).max() <= 1.0 / np.sqrt(fan_in)
    assert not np.array_equal(params[0], parent_init(config=SearchConfig(), seed=8)[0])


def test_params_slice_keeps_rows_and_columns_of_kept_nodes():
    params = parent_init(config=SMALL, seed=0)
    mask = np.zeros((2, 12), dtype=bool)
    mask[0, [1, 5]] = True
    mask[1, [0, 2, 11]] = True
    w1, b1, w2, b2, w3, b3 = params_slice(params=params, mask=mask)
    assert w1.shape == (6, 2) and w2.shape == (2, 3) and w3.shape == (3, 4)
    assert w2[1, 2] == params[2][5, 11] and b1[1] == params[1][5] and w3[2, 0] == params[4][11, 0]
    assert np.array_equal(b3, params[5])


def test_epoch_orders_are_permutations_fixed_by_the_seed():
    orders = epoch_orders(seed=3, n_train=10, epochs=4)
    assert orders.shape == (4, 10)
    assert all(sorted(row) == list(range(10)) for row in orders)
    assert np.array_equal(orders, epoch_orders(seed=3, n_train=10, epochs=4))


def _toy_data(rng: np.random.Generator) -> SplitData:
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + 2 * (x[:, 1] > 0).astype(np.int64)
    return SplitData(x_train=x[:30], y_train=y[:30], x_val=x[30:], y_val=y[30:])


def test_stack_train_is_deterministic_and_networks_in_a_stack_are_independent():
    data = _toy_data(np.random.default_rng(4))
    mask = np.ones((2, 12), dtype=bool)
    inits = [params_slice(params=parent_init(config=SMALL, seed=s), mask=mask) for s in (1, 2)]
    both = stack_train(config=SMALL, data=data, inits=inits, seeds=[1, 2], test=(data.x_val, data.y_val))
    again = stack_train(config=SMALL, data=data, inits=inits, seeds=[1, 2], test=(data.x_val, data.y_val))
    alone = stack_train(config=SMALL, data=data, inits=inits[1:], seeds=[2], test=(data.x_val, data.y_val))
    assert both.val_curves.shape == (2, SMALL.epochs)
    assert np.array_equal(both.val_curves, again.val_curves)
    assert np.array_equal(both.test_accuracy, again.test_accuracy)
    assert np.array_equal(both.val_curves[1], alone.val_curves[0])


def test_stack_train_rejects_a_batch_size_that_does_not_divide_the_training_set():
    data = _toy_data(np.random.default_rng(5))
    config = SearchConfig(levels=(0.5,), hidden=(12, 12), n_in=6, n_out=4, epochs=1, batch_size=7)
    init = [parent_init(config=config, seed=0)]
    try:
        stack_train(config=config, data=data, inits=init, seeds=[0])
    except ValueError as exc:
        assert "batch_size 7" in str(exc)
    else:
        raise AssertionError("expected ValueError")
