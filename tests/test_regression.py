"""Regression end to end: ``predict`` gives values, ``r2_score`` and ``mse`` score them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.metrics import r2_score as sk_r2

import fnmlp
from fnmlp import (
    ACTIVATIONS,
    Layer,
    Params,
    ShapeError,
    adam,
    init,
    linear,
    mean_squared_error,
    mse,
    predict,
    r2_score,
    sigmoid,
    softmax,
)
from fnmlp.datasets import standardise

Array = np.ndarray[Any, Any]


@pytest.mark.parametrize("name", ["linear", "relu", "tanh", "leaky_relu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_of_a_non_probability_output_is_its_values(name: str, dtype: Any) -> None:
    params = init([3, 5, 2], output=ACTIVATIONS[name], seed=0, dtype=dtype)
    X = np.random.default_rng(0).normal(size=(3, 7)).astype(dtype)
    got = predict(params, X)
    Yhat, _ = fnmlp.forward(params, X)
    assert got.dtype == dtype and got.shape == (2, 7) and not got.flags.writeable
    np.testing.assert_array_equal(got, Yhat)
    assert not np.isin(got, [0.0, 1.0]).all()  # values, not thresholded labels


def test_predict_still_classifies_probability_outputs() -> None:
    X = np.array([[-2.0, -0.1, 0.1, 2.0]])
    binary = Params((Layer(np.array([[1.0]]), np.zeros((1, 1)), sigmoid),))
    assert predict(binary, X).tolist() == [[0, 0, 1, 1]]
    three = Params((Layer(np.array([[1.0], [0.0], [-1.0]]), np.array([[0.0], [1.0], [0.0]]), softmax),))
    assert predict(three, X).tolist() == [[2, 1, 1, 0]]


def random_regression(seed: int, n_y: int, m: int = 40) -> tuple[Params[np.float64], Array, Array]:
    rng = np.random.default_rng(seed)
    params = init([4, 6, n_y], output=linear, seed=seed)
    X = rng.normal(size=(4, m))
    Y = rng.normal(size=(n_y, m))
    return params, X, Y


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n_y", [1, 3])
def test_metrics_are_scikit_learns(seed: int, n_y: int) -> None:
    params, X, Y = random_regression(seed, n_y)
    Yhat, _ = fnmlp.forward(params, X)
    assert r2_score(params, X, Y) == pytest.approx(sk_r2(Y.T, Yhat.T), rel=1e-12)
    by_hand = sum((a - b) ** 2 for a, b in zip(Yhat.ravel(), Y.ravel())) / Y.size
    assert mse(params, X, Y) == pytest.approx(by_hand, rel=1e-12)
    # the metric is the loss at the outputs
    assert mse(params, X, Y) == pytest.approx(fnmlp.loss(Yhat, Y, mean_squared_error), rel=1e-12)


def test_r2_of_a_constant_target_row_follows_scikit_learn() -> None:
    line = Params((Layer(np.zeros((1, 1)), np.full((1, 1), 2.0), linear),))
    X = [[0.0, 1.0, 2.0]]
    assert r2_score(line, X, [[2.0, 2.0, 2.0]]) == sk_r2([2.0] * 3, [2.0] * 3) == 1.0
    assert r2_score(line, X, [[3.0, 3.0, 3.0]]) == sk_r2([3.0] * 3, [2.0] * 3) == 0.0


def test_metrics_refuse_mis_shaped_targets() -> None:
    params, X, Y = random_regression(0, 2)
    with pytest.raises(ShapeError, match=r"^Y: expected shape \(2, 40\).*pass Y\.T$"):
        r2_score(params, X, Y.T)
    with pytest.raises(ShapeError, match=r"^Y: expected shape \(2, 40\)"):
        mse(params, X, Y[:1])


def test_standardised_targets_round_trip_to_their_units() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(2, 200))
    Y = 1000.0 + 250.0 * (X[:1] - 2 * X[1:] ** 2) + rng.normal(scale=5.0, size=(1, 200))
    scale_X, scale_Y = standardise(X), standardise(Y)
    result = fnmlp.train(
        init([2, 16, 1], output=linear, seed=0),
        scale_X.apply(X),
        scale_Y.apply(Y),
        loss=mean_squared_error,
        optimizer=adam(0.01),
        epochs=300,
    )
    predicted = scale_Y.inverse(predict(result.params, scale_X.apply(X)))
    assert predicted.shape == Y.shape and abs(float(predicted.mean() - Y.mean())) < 5
    # R^2 is the same in either unit; the mean squared error scales by scale^2
    in_units = float(sk_r2(Y.ravel(), predicted.ravel()))
    assert in_units == pytest.approx(r2_score(result.params, scale_X.apply(X), scale_Y.apply(Y)))
    assert in_units > 0.95
    scaled_mse = mse(result.params, scale_X.apply(X), scale_Y.apply(Y))
    unit_mse = float(np.mean((predicted - Y) ** 2))
    assert unit_mse == pytest.approx(scaled_mse * float(scale_Y.scale[0, 0]) ** 2, rel=1e-9)
