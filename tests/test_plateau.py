"""Learning rate on plateau: the scale of the steps drops when the monitored loss stalls.

The rule is checked against a hand trace; ``train`` against a hand loop that
scales each step by the scale the trace gives; resuming and saving against
one uninterrupted run.
"""

from __future__ import annotations

import pathlib
from typing import Any

import attrs
import numpy as np
import pytest

import fnmlp
from fnmlp import (
    HyperparameterError,
    Plateau,
    ReduceLROnPlateau,
    TrainState,
    adam,
    backward,
    binary_cross_entropy,
    forward,
    init,
    linear,
    load,
    mean_squared_error,
    save,
    sgd,
    train,
)
from fnmlp.datasets import moons

Array = np.ndarray[Any, Any]


def test_the_rule_against_a_hand_trace() -> None:
    rule = ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.01, min_scale=0.2)
    losses = [1.0, 0.9, 0.895, 0.89, 0.95, 0.85, 0.86, 0.87, 0.88, 0.9, 0.91, 0.92]
    # epoch:   1    2    3      4     5     6     7     8     9    10    11    12
    # improves at 1, 2, 6 (0.895 and 0.89 are within min_delta of 0.9); reduces at
    # 4 (2 epochs after 2), 8 (2 after 6), 10, 12 (floored at min_scale)
    want = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]
    state = Plateau()
    scales = []
    for epoch, loss in enumerate(losses, 1):
        state = rule.judge(state, loss, epoch)
        scales.append(state.scale)
    assert scales == want
    assert state.best == 0.85


def regression() -> tuple[fnmlp.Params[Any], Array, Array]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 40))
    Y = X[:1] - 2 * X[1:] + 0.5 * rng.normal(size=(1, 40))  # noise: the loss stalls
    return init([2, 8, 1], output=linear, seed=0), X, Y


def test_train_scales_every_step_by_the_scale_a_hand_trace_gives() -> None:
    params, X, Y = regression()
    rule = ReduceLROnPlateau(factor=0.5, patience=3, min_delta=1e-3)
    result = train(
        params,
        X,
        Y,
        loss=mean_squared_error,
        optimizer=sgd(0.2),
        epochs=60,
        reduce_lr_on_plateau=rule,
        running_loss=False,
    )
    # by hand: full-batch descent whose step is scaled, the plateau judged on the exact loss
    by_hand, plateau = params, Plateau()
    for epoch in range(1, 61):
        _, cache = forward(by_hand, X)
        grads = backward(by_hand, cache, Y, mean_squared_error)
        stepped = fnmlp.update(by_hand, grads, 0.2)
        theta = by_hand.theta + plateau.scale * (stepped.theta - by_hand.theta)
        if plateau.scale == 1.0:
            theta = stepped.theta
        by_hand = fnmlp.Params(tuple(
            fnmlp.Layer(W, b, layer.activation)
            for W, b, layer in zip(*by_hand.structure.split(theta), by_hand.layers)
        ))  # fmt: skip
        loss = fnmlp.loss(forward(by_hand, X)[0], Y, mean_squared_error)
        plateau = rule.judge(plateau, loss, epoch)
    assert result.state.plateau.scale == plateau.scale < 1.0
    np.testing.assert_allclose(result.params.theta, by_hand.theta, rtol=1e-12, atol=1e-14)


def test_the_plateau_watches_the_validation_loss_when_there_is_one() -> None:
    params, X, Y = regression()
    # validation targets nothing can fit: the validation loss stalls at once
    noise = np.random.default_rng(1).normal(size=(1, 40)) * 10
    result = train(
        params,
        X,
        Y,
        loss=mean_squared_error,
        optimizer=sgd(0.05),
        epochs=30,
        validation=(X, noise),
        reduce_lr_on_plateau=ReduceLROnPlateau(factor=0.5, patience=2),
    )
    without = train(
        params,
        X,
        Y,
        loss=mean_squared_error,
        optimizer=sgd(0.05),
        epochs=30,
        reduce_lr_on_plateau=ReduceLROnPlateau(factor=0.5, patience=2),
    )
    assert result.state.plateau.scale < without.state.plateau.scale


@pytest.mark.parametrize("optimizer", [sgd(0.05), adam(0.05)])
def test_a_resumed_and_a_saved_run_go_on_with_the_scale(
    optimizer: fnmlp.Optimizer[Any], tmp_path: pathlib.Path
) -> None:
    params, X, Y = regression()
    settings: dict[str, Any] = {
        "loss": mean_squared_error,
        "optimizer": optimizer,
        "batch_size": 8,
        "reduce_lr_on_plateau": ReduceLROnPlateau(factor=0.5, patience=2),
    }
    first = train(params, X, Y, epochs=25, **settings)
    assert first.state.plateau.scale < 1.0
    resumed = train(first.state, X, Y, epochs=15, **settings)
    loaded: TrainState[Any] = load(save(first.state, tmp_path / "run"), kind=TrainState)
    assert loaded.plateau == first.state.plateau
    from_file = train(loaded, X, Y, epochs=15, **settings)
    once = train(params, X, Y, epochs=40, **settings)
    assert np.array_equal(resumed.params.theta, once.params.theta)
    assert np.array_equal(from_file.params.theta, once.params.theta)
    assert resumed.state.plateau == once.state.plateau


def test_without_a_plateau_the_scale_stays_one() -> None:
    X = np.array([[0.0, 1.0]])
    result = train(init([1, 1], seed=0), X, [[0.0, 1.0]], loss=binary_cross_entropy,
                   optimizer=sgd(0.1), epochs=5)  # fmt: skip
    assert result.state.plateau == Plateau()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"factor": 0.0}, r"^factor: expected a positive finite number, got 0.0"),
        ({"factor": 1.0}, r"^factor: expected a number in \(0, 1\), got 1.0"),
        ({"patience": 0}, r"^patience: expected a positive int, got 0"),
        ({"min_delta": -1.0}, r"^min_delta: expected a non-negative finite number"),
        ({"min_scale": 1.0}, r"^min_scale: expected a number in \[0, 1\), got 1.0"),
    ],
)
def test_bad_settings_are_named(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(HyperparameterError, match=message):
        ReduceLROnPlateau(**arguments)


def test_train_refuses_what_is_not_a_plateau_rule() -> None:
    X = np.array([[0.0, 1.0]])
    with pytest.raises(fnmlp.DTypeError, match=r"^reduce_lr_on_plateau: expected a "):
        train(init([1, 1], seed=0), X, [[0.0, 1.0]], loss=binary_cross_entropy,
              optimizer=sgd(0.1), epochs=1, reduce_lr_on_plateau=0.5)  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(HyperparameterError, match=r"^scale: expected a float in \[0, 1\]"):
        Plateau(scale=2.0)


def test_the_starting_network_is_not_judged() -> None:
    params, X, Y = regression()
    rule = ReduceLROnPlateau(factor=0.5, patience=1, min_delta=10.0)  # no epoch does better
    states = list(
        fnmlp.scan(
            params,
            X,
            Y,
            loss=mean_squared_error,
            optimizer=sgd(0.01),
            epochs=3,
            reduce_lr_on_plateau=rule,
            running_loss=False,
        )
    )
    # epoch 1 improves on nothing yet (best = inf); epochs 2 and 3 do not: each halves
    assert states[0].plateau.best == np.inf and states[0].plateau.since == 0
    assert [s.plateau.scale for s in states] == [1.0, 1.0, 0.5, 0.25]
    first = fnmlp.loss(forward(states[1].params, X)[0], Y, mean_squared_error)
    assert states[3].plateau.best == first


def test_numpy_numbers_are_kept_as_python_ones() -> None:
    # a float32 factor made the scale a float32, refused at the first reduction
    numbers: tuple[Any, ...] = (  # as a numpy pipeline hands them on
        np.float32(0.5), np.int64(1), np.float32(0.0), np.float32(0.1), np.int64(3),
        np.float32(0.001),
    )  # fmt: skip
    half, one, zero, tenth, three, small = numbers
    rule = ReduceLROnPlateau(factor=half, patience=one, min_delta=zero, min_scale=tenth)
    assert all(type(v) in (float, int) for v in attrs.astuple(rule))
    X, Y = moons(60, noise=0.3, seed=0)
    run = fnmlp.train(
        fnmlp.init([2, 4, 1], seed=0), X, Y, loss=fnmlp.binary_cross_entropy,
        optimizer=fnmlp.sgd(5.0), epochs=30, batch_size=16, reduce_lr_on_plateau=rule,
    )  # fmt: skip
    assert run.state.plateau.scale < 1
    stopping = fnmlp.EarlyStopping(patience=three, min_delta=small)
    assert type(stopping.patience) is int and type(stopping.min_delta) is float
