"""``fnmlp.batches``: train's batches of an epoch, for a loop of the stages by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import (
    Optimizer,
    adam,
    backward,
    batches,
    binary_cross_entropy,
    categorical_cross_entropy,
    forward,
    init,
    momentum,
    sgd,
    softmax,
    train,
)
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError

Array = np.ndarray[Any, np.dtype[Any]]


def data(m: int, n_x: int = 3, n_y: int = 1, seed: int = 0) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    labels = rng.integers(0, max(n_y, 2), m)
    Y = (labels[None] == 1).astype(float) if n_y == 1 else np.eye(n_y)[:, labels]
    return X, Y


@pytest.mark.parametrize(("m", "size"), [(10, 3), (10, 5), (7, 2), (6, 6), (5, 1)])
def test_the_columns_of_the_seeded_permutation_in_order(m: int, size: int) -> None:
    X, Y = data(m)
    for seed, epoch in [(0, 0), (3, 5), (11, 1)]:
        got = batches(X, Y, batch_size=size, seed=seed, epoch=epoch)
        order = np.random.default_rng((seed, epoch)).permutation(m)
        expected = [order[start : start + size] for start in range(0, m, size)]
        if size >= m:  # full batch: the data in order
            expected = [np.arange(m)]
        assert len(got) == len(expected)
        for (Xb, Yb), columns in zip(got, expected):
            assert np.array_equal(Xb, X[:, columns]) and np.array_equal(Yb, Y[:, columns])
            assert Xb.dtype == np.float64 and Yb.dtype == np.float64


def test_full_batch_is_the_data_in_order_every_epoch() -> None:
    X, Y = data(8)
    for epoch in range(3):
        ((Xb, Yb),) = batches(X, Y, batch_size=None, epoch=epoch)
        assert np.array_equal(Xb, X) and np.array_equal(Yb, Y)
    ((Xb, _),) = batches(X, Y, batch_size=100)
    assert np.array_equal(Xb, X)


def test_batches_are_read_only_and_the_callers_arrays_are_left_alone() -> None:
    X, Y = data(9)
    X_before, Y_before = X.copy(), Y.copy()
    for size in (None, 4):
        for Xb, Yb in batches(X, Y, batch_size=size, seed=1):
            with pytest.raises(ValueError, match="read-only"):
                Xb[0, 0] = 1.0
            with pytest.raises(ValueError, match="read-only"):
                Yb[0, 0] = 1.0
    assert X.flags.writeable and Y.flags.writeable
    X[0, 0] += 1.0  # still the caller's to write
    assert np.array_equal(Y, Y_before) and not np.array_equal(X, X_before)


def test_dtypes_float32_kept_ints_become_float64() -> None:
    X, Y = data(6)
    X32, Y64 = X.astype(np.float32), Y
    Xb, Yb = batches(X32, Y64, batch_size=4)[0]
    assert Xb.dtype == np.float32 and Yb.dtype == np.float32
    X64, Y64 = batches([[1, 2, 3]], [[0, 1, 1]], batch_size=2)[0]
    assert X64.dtype == np.float64 and Y64.dtype == np.float64


@pytest.mark.parametrize("size", [4, 5, 32])
@pytest.mark.parametrize(
    "optimizer",
    [sgd(0.5), momentum(0.1), adam(0.01)],
    ids=lambda o: o.name,
)
def test_a_hand_loop_over_them_takes_trains_steps_bit_for_bit(
    optimizer: Optimizer[Any], size: int
) -> None:
    X, Y = data(13, n_x=4, n_y=3, seed=2)
    params = init([4, 5, 3], output=softmax, seed=3)
    epochs, seed = 4, 9
    run = train(
        params,
        X,
        Y,
        loss=categorical_cross_entropy,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=size,
        seed=seed,
    )
    state = optimizer.init(params)
    for epoch in range(epochs):
        for Xb, Yb in batches(X, Y, batch_size=size, seed=seed, epoch=epoch):
            _, cache = forward(params, Xb)
            grads = backward(params, cache, Yb, categorical_cross_entropy)
            params, state = optimizer.step(params, grads, state)
    assert np.array_equal(params.theta, run.params.theta)
    assert state.count == run.state.opt_state.count


def test_full_batch_hand_loop_equals_train() -> None:
    X, Y = data(6, n_x=2)
    params = init([2, 3, 1], seed=1)
    run = train(params, X, Y, loss=binary_cross_entropy, optimizer=sgd(1.0), epochs=5)
    for epoch in range(5):
        for Xb, Yb in batches(X, Y, batch_size=None, epoch=epoch):
            grads = backward(params, forward(params, Xb)[1], Yb, binary_cross_entropy)
            params = fnmlp.update(params, grads, 1.0)
    assert np.array_equal(params.theta, run.params.theta)


def test_bad_arguments_get_named_errors() -> None:
    X, Y = data(5)
    with pytest.raises(ShapeError, match=r"Y: expected 5 columns .* got shape \(1, 4\)"):
        batches(X, Y[:, :4], batch_size=2)
    with pytest.raises(ShapeError, match=r"pass Y\.T"):
        batches(X, Y.T, batch_size=2)
    with pytest.raises(ShapeError, match="X: expected a 2-D array"):
        batches(X[0], Y, batch_size=2)
    with pytest.raises(HyperparameterError, match="batch_size"):
        batches(X, Y, batch_size=0)
    with pytest.raises(HyperparameterError, match="seed"):
        batches(X, Y, batch_size=2, seed=-1)
    with pytest.raises(HyperparameterError, match="epoch"):
        batches(X, Y, batch_size=2, epoch=1.5)  # type: ignore[call-overload]
    with pytest.raises(DTypeError, match="Y: expected real numbers"):
        batches(X, [["a"] * 5], batch_size=2)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(NonFiniteError, match="X"):
        batches(bad, Y, batch_size=2)
