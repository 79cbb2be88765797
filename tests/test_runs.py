"""Tests of fnmlp.runs: a TrainState is checked when it is built, cheaply, field by field."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pytest

import fnmlp
from fnmlp import (
    EarlyStopping,
    History,
    TrainState,
    binary_cross_entropy,
    init,
    linear,
    scan,
    sgd,
    tanh,
    train,
)

PARAMS = init([2, 3, 1], seed=0)
OTHER = init([2, 3, 1], seed=1)
NOTHING: Any = None  # values of the wrong type, past the type checker
THREE: Any = "3"


def state(**changes: Any) -> TrainState[Any]:
    start: TrainState[Any] = TrainState(PARAMS, sgd(0.1).init(PARAMS), 3, OTHER, 2, 0.25, False)
    return attrs.evolve(start, **changes)


def test_a_valid_state_is_built_and_keeps_its_fields() -> None:
    built = state()
    assert built.params is PARAMS and built.best_params is OTHER
    assert (built.epoch, built.best_epoch, built.best_loss, built.stopped) == (3, 2, 0.25, False)
    assert state(best_loss=float("inf"), best_epoch=0, epoch=0).best_loss == float("inf")
    assert state(epoch=np.int64(4), best_epoch=np.int32(4)).epoch == 4
    assert state(best_loss=np.float32(0.5), stopped=True).stopped is True
    assert state(best_loss=1).best_loss == 1  # an int is a real number
    assert state(best_loss=10**400).best_loss == 10**400  # beyond float: no OverflowError
    assert state(best_params=PARAMS).best_params is PARAMS


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"epoch": -5}, fnmlp.HyperparameterError, r"^epoch: expected a non-negative int, got -5$"),
        ({"epoch": "3"}, fnmlp.DTypeError, r"^epoch: expected a non-negative int, got str '3'$"),
        ({"epoch": 3.0}, fnmlp.DTypeError, r"^epoch: expected a non-negative int, got float 3\.0$"),
        ({"epoch": True}, fnmlp.DTypeError, r"^epoch: expected a non-negative int, got bool True$"),
        ({"best_epoch": -1}, fnmlp.HyperparameterError, r"^best_epoch: expected a non-negative"),
        ({"best_epoch": None}, fnmlp.DTypeError, r"^best_epoch: expected a non-negative int, got"),
        (
            {"best_epoch": 4},
            fnmlp.HyperparameterError,
            r"^best_epoch: expected an int in \[0, epoch\] = \[0, 3\], got 4$",
        ),
        ({"params": None}, fnmlp.DTypeError, r"^params: expected fnmlp Params, got NoneType None$"),
        ({"params": PARAMS.layers}, fnmlp.DTypeError, r"^params: expected fnmlp Params, got tuple"),
        (
            {"best_params": "best"},
            fnmlp.DTypeError,
            r"^best_params: expected fnmlp Params, got str",
        ),
        (
            {"best_params": init([2, 4, 1], seed=0)},
            fnmlp.ShapeError,
            r"^best_params: expected the layer sizes and activations of params "
            r"Params\(\[2, 3, 1\], relu -> sigmoid, float64\), got "
            r"Params\(\[2, 4, 1\], relu -> sigmoid, float64\)$",
        ),
        (
            {"best_params": init([2, 3, 1], hidden=tanh, seed=0)},
            fnmlp.ShapeError,
            r"got Params\(\[2, 3, 1\], tanh -> sigmoid, float64\)$",
        ),
        (
            {"best_params": init([2, 3, 1], output=linear, seed=0)},
            fnmlp.ShapeError,
            r"got Params\(\[2, 3, 1\], relu -> linear, float64\)$",
        ),
        (
            {"best_params": init([2, 3, 3, 1], seed=0)},
            fnmlp.ShapeError,
            r"got Params\(\[2, 3, 3, 1\], relu -> relu -> sigmoid, float64\)$",
        ),
        (
            {"best_params": init([2, 3, 1], seed=0, dtype=np.float32)},
            fnmlp.DTypeError,
            r"^best_params: expected dtype float64 like params .*, got "
            r"Params\(\[2, 3, 1\], relu -> sigmoid, float32\)$",
        ),
        ({"best_loss": float("nan")}, fnmlp.NonFiniteError, r"^best_loss: expected a float or inf"),
        (
            {"best_loss": "0.5"},
            fnmlp.DTypeError,
            r"^best_loss: expected a float .*, got str '0\.5'$",
        ),
        ({"best_loss": None}, fnmlp.DTypeError, r"^best_loss: expected a float"),
        ({"best_loss": False}, fnmlp.DTypeError, r"^best_loss: expected a float"),
        ({"stopped": 0}, fnmlp.DTypeError, r"^stopped: expected a bool, got int 0$"),
        ({"stopped": "no"}, fnmlp.DTypeError, r"^stopped: expected a bool, got str 'no'$"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else "",
)
def test_a_bad_field_is_an_fnmlp_error_naming_it(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        state(**changes)


def test_the_reported_escapes_are_closed() -> None:
    *_, last = scan(PARAMS, [[0.0, 1.0], [1.0, 0.0]], [[1, 0]], loss=binary_cross_entropy,
                    optimizer=sgd(0.1), epochs=3, log_every=1)  # fmt: skip
    # a negative epoch used to give a history (0, 1, 2, -4) on the next run
    with pytest.raises(fnmlp.HyperparameterError, match=r"^epoch:"):
        attrs.evolve(last, epoch=-5)
    with pytest.raises(fnmlp.DTypeError, match=r"^epoch:"):
        attrs.evolve(last, epoch=THREE)
    with pytest.raises(fnmlp.DTypeError, match=r"^params:"):
        attrs.evolve(last, params=NOTHING)
    with pytest.raises(fnmlp.ShapeError, match=r"^best_params:"):
        attrs.evolve(last, best_params=init([2, 5, 1], seed=0))


def test_states_built_by_training_pass_their_own_checks() -> None:
    X, Y = [[0.0, 1.0, 0.5, 0.2], [1.0, 0.0, 0.5, 0.9]], [[1, 0, 1, 0]]
    result = train(PARAMS, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.5), epochs=30,
                   log_every=2, validation=(X, Y), early_stopping=EarlyStopping(patience=2))  # fmt: skip
    final = result.state
    assert final.best_epoch <= final.epoch
    resumed = train(final, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.5), epochs=4)
    assert resumed.state.epoch == final.epoch + 4


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        (((0, 10), (0.7,), (), (), (), 10), fnmlp.ShapeError, r"^train_loss: .* \(2\), got 1$"),
        (
            ((0, 10), (0.7, 0.2), (0.5,), (), (), 10),
            fnmlp.ShapeError,
            r"^train_accuracy: expected no entries or one per epoch \(2\), got 1$",
        ),
        (((0,), (0.7,), (), (0.1, 0.2), (), 0), fnmlp.ShapeError, r"^validation_loss: "),
        (((0,), (0.7,), (), (), (0.1, 0.2), 0), fnmlp.ShapeError, r"^validation_accuracy: "),
        (([0], (0.7,), (), (), (), 0), fnmlp.DTypeError, r"^epochs: expected a tuple, got list"),
        (((0,), (0.7,), (), (), (), -1), fnmlp.HyperparameterError, r"^best_epoch: "),
        (((0,), (0.7,), (), (), (), "0"), fnmlp.DTypeError, r"^best_epoch: "),
    ],
)
def test_a_history_whose_columns_do_not_line_up_is_refused(
    fields: tuple[Any, ...], error: type[Exception], message: str
) -> None:
    # learning_curves would otherwise fail inside matplotlib
    with pytest.raises(error, match=message):
        History(*fields)


def test_histories_recorded_by_training_line_up() -> None:
    X, Y = [[0.0, 1.0], [1.0, 0.0]], [[1, 0]]
    for validation in (None, (X, Y)):
        result = train(PARAMS, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.5), epochs=6,
                       log_every=2, validation=validation)  # fmt: skip
        history = result.history
        assert len(history.train_loss) == len(history.epochs) == 3  # epochs 2, 4 and 6
        assert len(history.validation_loss) == (0 if validation is None else 3)
