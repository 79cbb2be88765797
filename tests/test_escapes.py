"""Bad input that used to escape as the wrong error: each now gets the fnmlp error that names it.

Huge finite regression targets are named as the cause (not the learning
rate); a pass too large for this machine is a ``ShapeError`` before anything
is allocated (the policy of ``fnmlp.initialisers.check_fits``); a softmax
output with binary cross-entropy is refused with the fix.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pytest

import fnmlp
from fnmlp import (
    DivergenceError,
    HyperparameterError,
    ShapeError,
    binary_cross_entropy,
    categorical_cross_entropy,
    forward,
    init,
    linear,
    mean_squared_error,
    sgd,
    sigmoid,
    softmax,
    train,
)
from fnmlp._checks import check_output_for, check_pass_fits
from fnmlp.initialisers import check_fits

# ----------------------------------------------------------------------------- huge targets


@pytest.mark.parametrize(
    ("targets", "dtype", "shown"),
    [
        ([[1e200, -1e200]], np.float64, "1e+200"),
        ([[3.0, 1e160]], np.float64, "1e+160"),
        ([[1e30, 0.5]], np.float32, "1e+30"),
    ],
)
@pytest.mark.parametrize("batch_size", [None, 1])
def test_huge_finite_targets_are_named_not_the_learning_rate(
    targets: list[list[float]], dtype: type[Any], shown: str, batch_size: int | None
) -> None:
    params = init([1, 1], output=linear, seed=0, dtype=dtype)
    with pytest.raises(DivergenceError) as caught:
        train(
            params,
            np.array([[0.0, 1.0]], dtype),
            np.array(targets, dtype),
            loss=mean_squared_error,
            optimizer=sgd(0.1),
            epochs=3,
            batch_size=batch_size,
        )
    message = str(caught.value)
    assert f"the targets reach {shown}, too large for mean_squared_error: scale Y" in message
    assert "learning rate" not in message


def test_a_learning_rate_that_diverges_is_still_blamed_on_the_learning_rate() -> None:
    with pytest.raises(DivergenceError, match="try a smaller learning rate, or scale the inputs"):
        train(
            init([1, 1], output=linear, seed=0),
            [[1.0, 2.0]],
            [[1.0, 2.0]],
            loss=mean_squared_error,
            optimizer=sgd(1e150),
            epochs=20,
        )


# ----------------------------------------------------------------------------- memory


def test_forward_on_a_pass_too_large_for_memory_is_a_shape_error_before_allocating() -> None:
    wide = init([1, 100_000, 1], seed=0)  # 300k parameters; a million examples need 1.6 TB
    X = np.zeros((1, 1_000_000))
    with pytest.raises(ShapeError) as caught:
        forward(wide, X)
    message = str(caught.value)
    assert message.startswith(
        "X: expected a number of examples whose forward pass fits in memory, got m = 1000000 "
        "examples through layers [1, 100000, 1], needing about"
    )
    assert "more than half of this machine's" in message


def test_a_huge_m_is_refused_without_reading_or_copying_the_data() -> None:
    many = np.broadcast_to(np.zeros((2, 1)), (2, 10**13))  # 160 TB seen, 16 bytes held
    params = init([2, 3, 1], seed=0)
    with pytest.raises(ShapeError, match=r"^X: expected a number of examples whose forward pass"):
        forward(params, many)
    Y = np.broadcast_to(np.zeros((1, 1)), (1, 10**13))
    for batch_size in (None, 32):
        with pytest.raises(
            ShapeError, match=r"^X: expected data and a batch size whose training fits in memory"
        ):
            train(
                params,
                many,
                Y,
                loss=binary_cross_entropy,
                optimizer=sgd(0.1),
                epochs=1,
                batch_size=batch_size,
            )


def test_train_refuses_full_batch_that_does_not_fit_and_names_the_batch() -> None:
    wide = init([1, 100_000, 1], seed=0)
    X, Y = np.zeros((1, 1_000_000)), np.zeros((1, 1_000_000))
    with pytest.raises(ShapeError) as caught:
        train(wide, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1)
    assert "got m = 1000000 examples in batches of 1000000 through layers [1, 100000, 1]" in str(
        caught.value
    )


def test_the_estimate_follows_the_policy_of_check_fits() -> None:
    params = init([3, 4, 2], seed=0)
    X = np.zeros((3, 10))
    check_pass_fits(params, X)  # small: passes
    check_pass_fits(params, X.tolist())  # not an array: nothing to estimate
    per_example = 3 + 4 + (2 * 4 + 1) + (2 * 2 + 1)  # X, [X; 1], each Z and [A; 1]
    check_fits(per_example * 10 * 8, "X", "", "")  # the same bytes pass the same policy


# ----------------------------------------------------------------------------- softmax pairs


def test_softmax_with_binary_cross_entropy_is_refused_with_the_fix() -> None:
    params = init([2, 3], output=softmax, seed=0)
    X, Y = np.zeros((2, 4)), np.eye(3)[:, [0, 1, 2, 0]]
    expected = (
        r"^loss: binary_cross_entropy scores each output as an independent probability \(it "
        r"pairs with sigmoid\), got a softmax output layer, whose outputs share one distribution "
        r"per example: use a sigmoid output for independent labels, or categorical_cross_entropy "
        r"with softmax for one class per example$"
    )
    with pytest.raises(HyperparameterError, match=expected):
        train(params, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1)
    _, cache = forward(params, X)
    with pytest.raises(HyperparameterError, match=r"^kind: binary_cross_entropy scores each"):
        fnmlp.backward(params, cache, Y, binary_cross_entropy)
    # the pairs that are meant go on
    train(params, X, Y, loss=categorical_cross_entropy, optimizer=sgd(0.1), epochs=1)
    train(params, X, Y, loss=mean_squared_error, optimizer=sgd(0.1), epochs=1)
    independent = init([2, 3], output=sigmoid, seed=0)
    train(independent, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1)


def test_the_pairing_is_told_by_fields_not_identity() -> None:
    my_softmax = attrs.evolve(softmax, name="my_softmax")
    my_bce = attrs.evolve(binary_cross_entropy, name="my_bce")
    with pytest.raises(HyperparameterError, match=r"^loss: my_bce scores each output"):
        check_output_for(init([2, 3], output=my_softmax, seed=0), my_bce)
    # a loss that pairs with a non-elementwise activation, or with none, is left alone
    check_output_for(init([2, 3], output=my_softmax, seed=0), categorical_cross_entropy)
    unpaired = attrs.evolve(my_bce, fuses_with=None, from_logits=None, per_example_logits=None)
    check_output_for(init([2, 3], output=my_softmax, seed=0), unpaired)
