"""Ctrl-C in the middle of ``train``: the run so far comes back in ``TrainingInterrupted``.

The interrupt is raised from inside the run at a chosen optimiser step (by a
learning-rate schedule or a rule of the test's own), as a Ctrl-C would arrive:
once, and never again when the run is resumed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import fnmlp
from fnmlp import (
    EarlyStopping,
    Optimizer,
    Schedule,
    TrainingInterrupted,
    TrainResult,
    TrainState,
    adam,
    binary_cross_entropy,
    init,
    momentum,
    sgd,
    train,
)
from fnmlp.datasets import moons

X, Y = moons(60, noise=0.2, seed=0)
X_VAL, Y_VAL = moons(30, noise=0.2, seed=1)


def ctrl_c_at(step: int, rate: float) -> Schedule:
    """A constant rate whose schedule raises ``KeyboardInterrupt`` once, at optimiser step ``step``."""
    pressed: list[int] = []

    def schedule(t: int) -> float:
        if t == step and not pressed:
            pressed.append(t)
            raise KeyboardInterrupt
        return rate

    return Schedule(f"constant {rate}", schedule)


def interrupted(start: Any, **kwargs: Any) -> TrainState[Any]:
    with pytest.raises(TrainingInterrupted) as caught:
        train(start, X, Y, **kwargs)
    state = caught.value.state
    assert isinstance(state, TrainState)
    return state


def same_run(a: TrainResult[Any], b: TrainResult[Any]) -> None:
    """Bit-identical results: params, optimiser moments and count, history, best, stop."""
    assert np.array_equal(a.params.theta, b.params.theta)
    sa, sb = a.state, b.state
    assert np.array_equal(sa.params.theta, sb.params.theta)
    assert sa.opt_state.count == sb.opt_state.count
    for name in ("velocity", "mean", "square"):
        if hasattr(sa.opt_state, name):
            assert np.array_equal(getattr(sa.opt_state, name), getattr(sb.opt_state, name))
    assert (sa.epoch, sa.best_epoch, sa.stopped) == (sb.epoch, sb.best_epoch, sb.stopped)
    assert sa.best_loss == sb.best_loss
    assert np.array_equal(sa.best_params.theta, sb.best_params.theta)
    ha, hb = a.history, b.history
    assert ha.epochs == hb.epochs
    assert ha.train_loss == hb.train_loss and ha.train_accuracy == hb.train_accuracy
    assert ha.validation_loss == hb.validation_loss
    assert ha.validation_accuracy == hb.validation_accuracy


@pytest.mark.parametrize("progress", [False, True])
@pytest.mark.parametrize(
    ("make", "batch_size", "step", "done"),
    [
        (sgd, 8, 37, 4),  # 8 steps an epoch: step 37 is in epoch 5, after 4 completed
        (lambda lr: momentum(lr, beta=0.9), 16, 9, 2),  # 4 steps an epoch
        (adam, None, 12, 12),  # full batch: one step an epoch
    ],
)
def test_an_interrupted_run_resumes_bit_identically(
    make: Callable[[Any], Optimizer[Any]],
    batch_size: int | None,
    step: int,
    done: int,
    progress: bool,
) -> None:
    rate = 0.05
    settings: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "batch_size": batch_size,
        "log_every": 2,
        "seed": 3,
    }
    start = init([2, 5, 1], seed=0)
    schedule = ctrl_c_at(step, rate)
    state = interrupted(start, optimizer=make(schedule), epochs=20, progress=progress, **settings)
    assert state.epoch == done
    per_epoch = 1 if batch_size is None else -(-60 // batch_size)
    assert state.opt_state.count == done * per_epoch
    assert state.latest is not None and state.latest.epoch == done - done % 2
    resumed = train(state, X, Y, optimizer=make(schedule), epochs=20 - done, **settings)
    once = train(start, X, Y, optimizer=make(ctrl_c_at(-1, rate)), epochs=20, **settings)
    same_run(resumed, once)


def test_an_interrupted_run_under_early_stopping_resumes_bit_identically() -> None:
    settings: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "batch_size": 10,
        "log_every": 3,
        "validation": (X_VAL, Y_VAL),
        "early_stopping": EarlyStopping(patience=5),
    }
    start = init([2, 8, 1], seed=2)
    schedule = ctrl_c_at(6 * 15 + 2, 0.5)
    state = interrupted(start, optimizer=sgd(schedule), epochs=40, **settings)
    assert state.epoch == 15 and not state.stopped
    assert state.best_epoch <= 15 and np.isfinite(state.best_loss)
    resumed = train(state, X, Y, optimizer=sgd(schedule), epochs=25, **settings)
    once = train(start, X, Y, optimizer=sgd(ctrl_c_at(-1, 0.5)), epochs=40, **settings)
    same_run(resumed, once)


def test_a_rule_of_ones_own_is_interrupted_alike() -> None:
    pressed: list[int] = []

    def rule(
        p: npt.NDArray[Any],
        g: npt.NDArray[Any],
        moments: tuple[npt.NDArray[Any], ...],
        count: int,
        decayed: Any,
    ) -> tuple[npt.NDArray[Any], tuple[npt.NDArray[Any], ...]]:
        if count == 25 and not pressed:
            pressed.append(count)
            raise KeyboardInterrupt
        return p - 0.1 * g, ()

    halving: Optimizer[Any] = Optimizer("mine", sgd(0.1).init, rule)
    start = init([2, 3, 1], seed=0)
    kwargs: dict[str, Any] = {"loss": binary_cross_entropy, "optimizer": halving, "batch_size": 20}
    state = interrupted(start, epochs=30, **kwargs)
    assert (state.epoch, state.opt_state.count) == (8, 24)
    resumed = train(state, X, Y, epochs=22, **kwargs)
    once = train(start, X, Y, epochs=30, **kwargs)
    assert np.array_equal(resumed.params.theta, once.params.theta)


def test_an_interrupt_in_the_first_epoch_gives_the_start() -> None:
    start = init([2, 3, 1], seed=0)
    state = interrupted(
        start, loss=binary_cross_entropy, optimizer=sgd(ctrl_c_at(0, 0.1)), epochs=5
    )
    assert state.epoch == 0 and state.opt_state.count == 0
    assert np.array_equal(state.params.theta, start.theta)


def test_the_error_is_a_keyboard_interrupt_that_says_what_to_do() -> None:
    with pytest.raises(TrainingInterrupted) as caught:
        train(
            init([2, 3, 1], seed=0),
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=sgd(ctrl_c_at(7, 0.1)),
            epochs=5,
            batch_size=20,
        )
    error = caught.value
    assert issubclass(TrainingInterrupted, KeyboardInterrupt)
    assert not issubclass(TrainingInterrupted, Exception)
    assert not isinstance(error, fnmlp.FnmlpError)
    assert str(error).startswith("training interrupted in epoch 3: error.state holds the run")
    assert "train(error.state, ...)" in str(error)
    assert error.__context__ is None  # the interrupted frames (and the data) are let go
    assert error.state.epoch == 2
    assert fnmlp.errors.TrainingInterrupted is TrainingInterrupted


def test_a_state_scan_yielded_before_an_interrupt_resumes_the_run() -> None:
    settings: dict[str, Any] = {"loss": binary_cross_entropy, "batch_size": 12, "log_every": 1}
    start = init([2, 4, 1], seed=0)
    schedule = ctrl_c_at(5 * 7 + 1, 0.2)
    kept: list[TrainState[Any]] = []
    with pytest.raises(KeyboardInterrupt) as caught:
        for state in fnmlp.scan(start, X, Y, optimizer=sgd(schedule), epochs=10, **settings):
            kept.append(state)
    assert not isinstance(caught.value, TrainingInterrupted)
    last = kept[-1]
    assert last.epoch == 7
    resumed = train(last, X, Y, optimizer=sgd(schedule), epochs=3, **settings)
    once = train(start, X, Y, optimizer=sgd(ctrl_c_at(-1, 0.2)), epochs=10, **settings)
    same_run(resumed, once)
