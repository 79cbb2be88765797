"""``validation_fraction``: a seeded, stratified hold-out of the training data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import (
    EarlyStopping,
    HyperparameterError,
    ShapeError,
    adam,
    binary_cross_entropy,
    categorical_cross_entropy,
    init,
    linear,
    mean_squared_error,
    one_hot,
    sgd,
    softmax,
)
from fnmlp.training import split_indices

Array = np.ndarray[Any, Any]


@pytest.mark.parametrize(
    ("counts", "fraction", "shares"),
    [
        # n = 10 of 100: 90/10 gives 9 and 1
        ((90, 10), 0.1, (9, 1)),
        # n = 3 of 10: quotas 1.5, 0.9, 0.6 -> floors 1, 0, 0; the two left over go to
        # the largest remainders, 0.9 then 0.6
        ((5, 3, 2), 0.3, (1, 1, 1)),
        # n = 2 of 8: quotas 1.0, 0.5, 0.5 -> 1, 0, 0; one left, a tie: the lower class
        ((4, 2, 2), 0.25, (1, 1, 0)),
        # a class absent from the data holds nothing out
        ((6, 0, 4), 0.5, (3, 0, 2)),
    ],
)
def test_the_hold_out_is_stratified_by_largest_remainders(
    counts: tuple[int, ...], fraction: float, shares: tuple[int, ...]
) -> None:
    classes = np.repeat(np.arange(len(counts)), counts)
    shuffled = np.random.default_rng(5).permutation(classes)
    kept, held = split_indices(shuffled.size, fraction, seed=3, classes=shuffled)
    assert tuple(np.bincount(shuffled[held], minlength=len(counts))) == shares
    assert sorted([*kept, *held]) == list(range(shuffled.size))
    assert list(held) == sorted(held) and list(kept) == sorted(kept)


def test_the_hold_out_depends_only_on_seed_m_and_classes() -> None:
    classes = np.random.default_rng(0).integers(0, 3, size=50)
    a = split_indices(50, 0.2, seed=7, classes=classes)
    b = split_indices(50, 0.2, seed=7, classes=classes.copy())
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    other_seed = split_indices(50, 0.2, seed=8, classes=classes)
    assert not np.array_equal(a[1], other_seed[1])
    plain = split_indices(50, 0.2, seed=7)
    assert plain[1].size == 10 and not np.array_equal(plain[1], a[1])


def test_the_held_out_size_is_rounded_and_leaves_both_parts_non_empty() -> None:
    assert split_indices(10, 0.01, seed=0)[1].size == 1
    assert split_indices(10, 0.99, seed=0)[1].size == 9
    assert split_indices(10, 0.25, seed=0)[1].size == round(2.5) == 2
    with pytest.raises(ShapeError, match=r"^validation_fraction: expected at least 2 examples"):
        split_indices(1, 0.5, seed=0)


def three_classes(m: int = 90) -> tuple[Array, Array]:
    rng = np.random.default_rng(0)
    y = rng.choice(3, size=m, p=[0.6, 0.3, 0.1])
    return rng.normal(size=(2, m)) + y, one_hot(y, classes=3)


def test_train_holds_out_what_split_indices_says_as_validation_data() -> None:
    X, Y = three_classes()
    kept, held = split_indices(X.shape[1], 0.2, seed=4, classes=Y.argmax(axis=0))
    kw: dict[str, Any] = {
        "loss": categorical_cross_entropy,
        "optimizer": adam(0.01),
        "epochs": 12,
        "batch_size": 16,
        "seed": 4,
        "log_every": 3,
    }
    start = init([2, 5, 3], output=softmax, seed=0)
    split = fnmlp.train(start, X, Y, validation_fraction=0.2, **kw)
    by_hand = fnmlp.train(
        start, X[:, kept], Y[:, kept], validation=(X[:, held], Y[:, held]), **kw
    )
    np.testing.assert_array_equal(split.params.theta, by_hand.params.theta)
    assert split.history == by_hand.history or (
        split.history.validation_loss == by_hand.history.validation_loss
        and split.history.train_loss == by_hand.history.train_loss
    )
    # the held-out examples are the stratified share of each class
    counts = np.bincount(Y.argmax(axis=0), minlength=3)
    held_counts = np.bincount(Y[:, held].argmax(axis=0), minlength=3)
    assert np.all(np.abs(held_counts - 0.2 * counts) < 1)


def test_regression_hold_out_is_a_plain_seeded_shuffle() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 40))
    Y = X[:1] - X[1:]
    _, held = split_indices(40, 0.25, seed=0)
    kw: dict[str, Any] = {"loss": mean_squared_error, "optimizer": sgd(0.1), "epochs": 4}
    start = init([2, 3, 1], output=linear, seed=0)
    split = fnmlp.train(start, X, Y, validation_fraction=0.25, **kw)
    kept = np.setdiff1d(np.arange(40), held)
    by_hand = fnmlp.train(start, X[:, kept], Y[:, kept], validation=(X[:, held], Y[:, held]), **kw)
    np.testing.assert_array_equal(split.params.theta, by_hand.params.theta)


def test_early_stopping_in_three_lines() -> None:
    X, Y = fnmlp.datasets.moons(200, noise=0.3, seed=0)
    stopping = EarlyStopping(patience=5)
    run = fnmlp.train(
        init([2, 64, 64, 1], seed=0),
        X,
        Y,
        loss=binary_cross_entropy,
        optimizer=adam(0.05),
        epochs=400,
        batch_size=16,
        validation_fraction=0.2,
        early_stopping=stopping,
    )
    assert run.state.stopped and run.state.epoch < 400
    assert run.history.validation_loss[-1] == run.history.validation_loss[-1]  # measured


def test_a_resumed_run_holds_out_the_same_examples() -> None:
    X, Y = three_classes()
    kw: dict[str, Any] = {
        "loss": categorical_cross_entropy,
        "optimizer": adam(0.01),
        "batch_size": 16,
        "validation_fraction": 0.1,
        "seed": 2,
        "log_every": 2,
    }
    start = init([2, 5, 3], output=softmax, seed=0)
    once = fnmlp.train(start, X, Y, epochs=8, **kw)
    half = fnmlp.train(start, X, Y, epochs=4, **kw)
    more = fnmlp.train(half.state, X, Y, epochs=4, **kw)
    np.testing.assert_array_equal(once.params.theta, more.params.theta)
    assert once.history.validation_loss == more.history.validation_loss


@pytest.mark.parametrize("bad", [0, 0.0, 1, 1.0, 1.5, -0.1, float("nan"), "0.1", True])
def test_bad_fractions_are_refused(bad: Any) -> None:
    X, Y = three_classes()
    with pytest.raises(HyperparameterError, match=r"^validation_fraction: expected"):
        fnmlp.train(
            init([2, 3], output=softmax, seed=0),
            X,
            Y,
            loss=categorical_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            validation_fraction=bad,
        )


def test_validation_fraction_and_validation_together_are_refused() -> None:
    X, Y = three_classes()
    with pytest.raises(
        HyperparameterError, match=r"^validation_fraction: expected validation=None"
    ):
        fnmlp.train(
            init([2, 3], output=softmax, seed=0),
            X,
            Y,
            loss=categorical_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            validation=(X, Y),
            validation_fraction=0.1,
        )


def test_early_stopping_without_validation_names_both_ways() -> None:
    X, Y = three_classes()
    with pytest.raises(HyperparameterError, match=r"validation_fraction=0\.1\)$"):
        fnmlp.train(
            init([2, 3], output=softmax, seed=0),
            X,
            Y,
            loss=categorical_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            early_stopping=EarlyStopping(),
        )
