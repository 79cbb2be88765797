"""Class weights for the cross-entropies: per-example weights, against hand-computed weighted losses."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import (
    HyperparameterError,
    LabelError,
    binary_cross_entropy,
    categorical_cross_entropy,
    class_sample_weight,
    init,
    one_hot,
    sgd,
    softmax,
    tanh,
)

Array = np.ndarray[Any, Any]
compute_sample_weight: Any = importlib.import_module(
    "sklearn.utils.class_weight"
).compute_sample_weight


def imbalanced(m: int = 60, k: int = 3, seed: int = 0) -> tuple[Array, Array, Array]:
    """Inputs, class indices drawn 70/20/10 (for k = 3), and their one-hot columns."""
    rng = np.random.default_rng(seed)
    p = np.array([0.7, 0.2, 0.1]) if k == 3 else np.array([0.85, 0.15])
    y = rng.choice(k, size=m, p=p)
    X = rng.normal(size=(2, m)) + y
    return X, y, one_hot(y, classes=k)


@pytest.mark.parametrize("seed", range(3))
def test_balanced_is_scikit_learns(seed: int) -> None:
    _, y, Y = imbalanced(seed=seed)
    np.testing.assert_allclose(
        class_sample_weight(Y, "balanced"), compute_sample_weight("balanced", y), rtol=1e-15
    )
    _, y2, _ = imbalanced(k=2, seed=seed)
    row = y2.reshape(1, -1).astype(np.float64)
    np.testing.assert_allclose(
        class_sample_weight(row, "balanced"), compute_sample_weight("balanced", y2), rtol=1e-15
    )


def test_a_dict_weighs_the_named_classes_and_leaves_the_others_at_one() -> None:
    _, y, Y = imbalanced()
    got = class_sample_weight(Y, {0: 0.5, 2: 4.0})
    np.testing.assert_array_equal(got, [{0: 0.5, 1: 1.0, 2: 4.0}[c] for c in y])
    np.testing.assert_allclose(got, compute_sample_weight({0: 0.5, 1: 1.0, 2: 4.0}, y))


def test_class_labels_are_not_taken_for_binary_targets() -> None:
    # a row of class indices is not a row of 0/1 targets: 2 would be read as class 1
    for Y in ([[0, 1, 2, 2]], [[-1, 1]]):
        with pytest.raises(LabelError, match=r"^Y: expected targets in \[0, 1\] .* got"):
            class_sample_weight(Y, "balanced")


@pytest.mark.parametrize(
    ("class_weight", "error", "message"),
    [
        ({0: -1.0}, HyperparameterError, r"^class_weight\[0\]: expected a non-negative"),
        ({0: float("nan")}, HyperparameterError, r"^class_weight\[0\]: expected a non-negative"),
        ({3: 1.0}, LabelError, r"^class_weight: expected class indices in \[0, 3\) \(one-hot rows\), got 3"),
        ({-1: 1.0}, LabelError, r"^class_weight: expected class indices in \[0, 3\)"),
        ({"a": 1.0}, LabelError, r"^class_weight: expected class indices .* as keys, got 'a'"),
        ({True: 1.0}, LabelError, r"^class_weight: expected class indices .* as keys, got True"),
        ("balance", HyperparameterError, r"^class_weight: expected 'balanced' or a dict"),
        ([1.0, 2.0], HyperparameterError, r"^class_weight: expected 'balanced' or a dict"),
    ],
)
def test_bad_class_weights_are_refused(
    class_weight: Any, error: type[Exception], message: str
) -> None:
    X, _, Y = imbalanced()
    with pytest.raises(error, match=message):
        class_sample_weight(Y, class_weight)
    with pytest.raises(error, match=message):
        fnmlp.train(
            init([2, 3], output=softmax, seed=0),
            X,
            Y,
            loss=categorical_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            class_weight=class_weight,
        )


def weighted_cross_entropy(theta: Array, params: Any, X: Array, y: Array, w: Array) -> float:
    """``sum_i w_i * -log p_i(y_i) / sum_i w_i`` for the network with parameters ``theta``, by hand."""
    W1, b1, W2, b2 = unpack(theta, params)
    A1 = np.tanh(W1 @ X + b1)
    Z2 = W2 @ A1 + b2
    Z2 = Z2 - Z2.max(axis=0)
    log_p = Z2 - np.log(np.exp(Z2).sum(axis=0))
    return float(-(w * log_p[y, np.arange(y.size)]).sum() / w.sum())


def unpack(theta: Array, params: Any) -> list[Array]:
    """Each layer's ``W`` and ``b`` from a packed ``theta`` (blocks ``[W.T; b.T]``)."""
    out = []
    for start, stop, shape in params.structure.spans:
        block = theta[start:stop].reshape(shape)
        out += [block[:-1].T, block[-1:].T]
    return out


@pytest.mark.parametrize("class_weight", ["balanced", {0: 0.2, 2: 5.0}])
def test_class_weighted_gradient_is_the_central_difference_of_the_weighted_loss(
    class_weight: Any,
) -> None:
    X, y, Y = imbalanced(m=30)
    params = init([2, 4, 3], hidden=tanh, output=softmax, seed=1)
    w = class_sample_weight(Y, class_weight)
    value, grads = fnmlp.value_and_gradient(
        params, X, Y, categorical_cross_entropy, sample_weight=w
    )
    theta = params.theta[0].copy()
    assert value == pytest.approx(weighted_cross_entropy(theta, params, X, y, w), rel=1e-12)
    eps = 1e-6
    numerical = np.empty_like(theta)
    for i in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[i] += eps
        down[i] -= eps
        numerical[i] = (
            weighted_cross_entropy(up, params, X, y, w)
            - weighted_cross_entropy(down, params, X, y, w)
        ) / (2 * eps)
    np.testing.assert_allclose(grads.g[0], numerical, rtol=1e-6, atol=1e-9)
    # and the weights change the gradient: the unweighted one differs
    plain = fnmlp.gradient(params, X, Y, categorical_cross_entropy)
    assert not np.allclose(plain.g, grads.g, rtol=1e-3)


def test_one_class_weighted_step_is_gradient_descent_on_the_weighted_loss() -> None:
    X, y, Y = imbalanced(m=30)
    params = init([2, 4, 3], hidden=tanh, output=softmax, seed=1)
    run = fnmlp.train(
        params,
        X,
        Y,
        loss=categorical_cross_entropy,
        optimizer=sgd(0.5),
        epochs=1,
        class_weight="balanced",
    )
    counts = np.bincount(y, minlength=3)
    w = (y.size / (3 * counts))[y]  # "balanced" by hand
    theta = params.theta[0]
    eps = 1e-6
    numerical = np.array(
        [
            (
                weighted_cross_entropy(theta + eps * e, params, X, y, w)
                - weighted_cross_entropy(theta - eps * e, params, X, y, w)
            )
            / (2 * eps)
            for e in np.eye(theta.size)
        ]
    )
    np.testing.assert_allclose(run.params.theta[0], theta - 0.5 * numerical, rtol=0, atol=1e-8)


def test_class_and_sample_weights_multiply() -> None:
    X, _, Y = imbalanced()
    s = np.random.default_rng(1).uniform(0.5, 2.0, size=Y.shape[1])
    kw: dict[str, Any] = {
        "loss": categorical_cross_entropy,
        "optimizer": sgd(0.3),
        "epochs": 5,
        "batch_size": 16,
    }
    start = init([2, 4, 3], output=softmax, seed=0)
    both = fnmlp.train(start, X, Y, class_weight={1: 3.0}, sample_weight=s, **kw)
    product = np.where(Y[1] == 1, 3.0, 1.0) * s
    by_hand = fnmlp.train(start, X, Y, sample_weight=product, **kw)
    np.testing.assert_array_equal(both.params.theta, by_hand.params.theta)


def test_binary_classes_are_the_zeros_and_ones_of_y() -> None:
    X, y, _ = imbalanced(k=2)
    row = y.reshape(1, -1).astype(np.float64)
    kw: dict[str, Any] = {"loss": binary_cross_entropy, "optimizer": sgd(0.3), "epochs": 3}
    start = init([2, 3, 1], seed=0)
    weighted = fnmlp.train(start, X, row, class_weight={1: 6.0}, **kw)
    by_hand = fnmlp.train(start, X, row, sample_weight=np.where(y == 1, 6.0, 1.0), **kw)
    np.testing.assert_array_equal(weighted.params.theta, by_hand.params.theta)


def test_label_keys_when_y_holds_labels() -> None:
    X, y, Y = imbalanced()
    names = np.array(["ant", "bee", "cat"])[y]
    kw: dict[str, Any] = {"loss": categorical_cross_entropy, "optimizer": sgd(0.3), "epochs": 3}
    start = init([2, 3], output=softmax, seed=0)
    by_label = fnmlp.train(start, X, names, class_weight={"cat": 4.0}, **kw)
    by_index = fnmlp.train(start, X, Y, class_weight={2: 4.0}, **kw)
    np.testing.assert_array_equal(by_label.params.theta, by_index.params.theta)
    with pytest.raises(LabelError, match=r"^class_weight: expected classes among \('ant'"):
        fnmlp.train(start, X, names, class_weight={"dog": 4.0}, **kw)


def test_class_weights_need_one_class_per_example() -> None:
    X, _, _ = imbalanced()
    with pytest.raises(HyperparameterError, match=r"^class_weight: expected a cross-entropy"):
        fnmlp.train(
            init([2, 1], output=fnmlp.linear, seed=0),
            X,
            X[:1],
            loss=fnmlp.mean_squared_error,
            optimizer=sgd(0.1),
            epochs=1,
            class_weight="balanced",
        )
    with pytest.raises(HyperparameterError, match=r"^class_weight: expected a cross-entropy"):
        fnmlp.train(
            init([2, 2], seed=0),
            X,
            (X > 0).astype(float),
            loss=binary_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            class_weight="balanced",
        )
    X2, _, Y2 = imbalanced()
    with pytest.raises(HyperparameterError, match=r"^class_weight: expected weights with a positive"):
        fnmlp.train(
            init([2, 3], output=softmax, seed=0),
            X2,
            Y2,
            loss=categorical_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            class_weight={0: 0.0, 1: 0.0, 2: 0.0},
        )


def test_balanced_weights_lift_balanced_accuracy_on_imbalanced_blobs() -> None:
    rng = np.random.default_rng(0)
    y = (rng.uniform(size=400) < 0.05).astype(np.int64)
    X = rng.normal(size=(2, 400)) + 1.5 * y
    row = y.reshape(1, -1).astype(np.float64)

    def balanced_accuracy(params: Any) -> float:
        predicted = fnmlp.predict(params, X)[0]
        return float(np.mean([np.mean(predicted[y == c] == c) for c in (0, 1)]))

    kw: dict[str, Any] = {"loss": binary_cross_entropy, "optimizer": fnmlp.adam(0.01), "epochs": 200}
    plain = fnmlp.train(init([2, 8, 1], seed=0), X, row, **kw)
    weighted = fnmlp.train(init([2, 8, 1], seed=0), X, row, class_weight="balanced", **kw)
    assert balanced_accuracy(weighted.params) > balanced_accuracy(plain.params) + 0.1
