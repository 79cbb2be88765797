"""Records that really are frozen: no array reachable from a record can be made writable.

Every array reachable by attribute from what fnmlp hands out (``TrainResult``,
``TrainState`` with its best params, checkpoint and optimiser state, the
optimiser states, ``Params``, ``Layer``, ``Grads``, ``Cache``) must refuse
``a.flags.writeable = True``, whether fnmlp computed it or copied it from a
user's arrays, writable ones or read-only views of writable memory. Only the
owner reached through ``.base`` may be opened again: deliberate circumvention
(see :func:`fnmlp.records.lock`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnmlp
from fnmlp import (
    AdamState,
    Cache,
    EarlyStopping,
    Grads,
    Layer,
    MomentumState,
    Optimizer,
    Params,
    RMSPropState,
    TrainState,
    adam,
    adamw,
    backward,
    binary_cross_entropy,
    cosine_decay,
    forward,
    gradient,
    init,
    load,
    mean_squared_error,
    momentum,
    relu,
    rmsprop,
    save,
    scan,
    sgd,
    sigmoid,
    train,
    update,
)
from fnmlp.records import lock


def arrays(
    value: object, path: str = "value", seen: set[int] | None = None
) -> Iterator[tuple[str, npt.NDArray[Any]]]:
    """Every array reachable from ``value`` by attribute, tuple or list item, with its path."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        yield path, value
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from arrays(item, f"{path}[{i}]", seen)
    elif attrs.has(type(value)):
        kind: Any = type(value)
        for field in attrs.fields(kind):
            yield from arrays(getattr(value, field.name), f"{path}.{field.name}", seen)


def assert_frozen(value: object, *, at_least: int = 1) -> None:
    found = list(arrays(value))
    assert len(found) >= at_least
    for path, array in found:
        assert not array.flags.writeable, path
        with pytest.raises(ValueError, match="cannot set WRITEABLE flag"):
            array.flags.writeable = True
        assert not array.flags.writeable, path


def writable_view(shape: tuple[int, ...], fill: float = 0.5) -> npt.NDArray[Any]:
    """A read-only view of memory that its owner can still write."""
    owner = np.full((shape[0] + 1, *shape[1:]), fill)
    view = owner[: shape[0]]
    view.flags.writeable = False
    return view


X = np.array([[0.0, 0.0, 1.0, 1.0, 0.5, 0.2], [0.0, 1.0, 0.0, 1.0, 0.3, 0.9]])
Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]])
OPTIMISERS = [
    sgd(0.1),
    momentum(0.1, nesterov=True),
    rmsprop(0.01),
    adam(cosine_decay(0.01, steps=20)),
    adamw(0.01, weight_decay=0.1),
]


def views_of_scratch(
    p: npt.NDArray[Any],
    g: npt.NDArray[Any],
    moments: tuple[npt.NDArray[Any], ...],
    count: int,
    decayed: Any,
) -> tuple[npt.NDArray[Any], tuple[npt.NDArray[Any], ...]]:
    """A rule of a user's own that returns views into writable scratch arrays."""
    scratch = np.empty((2, p.shape[1]), p.dtype)
    scratch[0] = p - 0.1 * g
    scratch[1] = g
    return scratch[:1], (scratch[1:],)


@attrs.frozen
class LastState:
    count: int
    last: npt.NDArray[Any]


VIEWS: Optimizer[LastState] = Optimizer(
    "views", lambda params: LastState(0, np.zeros_like(params.theta)), views_of_scratch, ("last",)
)


@settings(max_examples=25)
@given(
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=2),
    dtype=st.sampled_from([np.float32, np.float64]),
    which=st.integers(0, len(OPTIMISERS)),
    batch_size=st.sampled_from([None, 1, 2, 4]),
    epochs=st.integers(1, 4),
    stopping=st.booleans(),
    running=st.booleans(),
)
def test_nothing_training_hands_out_can_be_made_writable(
    hidden: list[int],
    dtype: type[Any],
    which: int,
    batch_size: int | None,
    epochs: int,
    stopping: bool,
    running: bool,
) -> None:
    params = init([2, *hidden, 1], seed=0, dtype=dtype)
    optimizer = VIEWS if which == len(OPTIMISERS) else OPTIMISERS[which]
    kwargs: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": optimizer,
        "batch_size": batch_size,
        "log_every": 2,
        "running_loss": running,
    }
    if stopping:
        kwargs |= {"validation": (X, Y), "early_stopping": EarlyStopping(patience=2)}
    result = train(params, X, Y, epochs=epochs, **kwargs)
    assert_frozen(result, at_least=4)
    assert result.state.checkpoint is not None
    assert_frozen(result.state.checkpoint)
    assert_frozen(result.state.opt_state, at_least=0 if which == 0 else 1)  # sgd keeps none
    for state in scan(result.state, X, Y, epochs=2, **kwargs):
        assert_frozen(state)
    assert_frozen(params)


@pytest.mark.parametrize("optimizer", [*OPTIMISERS, VIEWS], ids=lambda opt: opt.name[:12])
def test_nothing_a_stage_or_an_optimiser_step_hands_out_can_be_made_writable(
    optimizer: Optimizer[Any],
) -> None:
    params = init([2, 3, 1], seed=0)
    Yhat, cache = forward(params, X)
    assert_frozen(cache, at_least=6)
    assert_frozen(Yhat)
    grads = backward(params, cache, Y, binary_cross_entropy)
    assert_frozen(grads, at_least=5)
    assert_frozen(gradient(params, X, Y, binary_cross_entropy))
    assert_frozen(update(params, grads, learning_rate=0.1))
    state = optimizer.init(params)
    for _ in range(3):
        params, state = optimizer.step(params, grads, state)
        assert_frozen(params)
        assert_frozen(state, at_least=0 if optimizer is OPTIMISERS[0] else 1)


def test_records_built_from_a_users_arrays_hold_their_own_locked_copies() -> None:
    W, b = writable_view((3, 2)), np.zeros((3, 1))
    layer = Layer(W, b, relu)
    assert_frozen(layer)
    params = Params((layer, Layer(writable_view((1, 3)), writable_view((1, 1)), sigmoid)))
    assert_frozen(params, at_least=5)
    assert_frozen(Grads(dW=(writable_view((3, 2)), np.ones((1, 3))), db=(np.ones((3, 1)), b[:1])))
    assert_frozen(Cache(Z=(X, writable_view((1, 6))), A=(writable_view((2, 6)), np.ones((1, 6)))))
    theta = params.theta.shape
    states: list[Any] = [
        MomentumState(0.1, 0.9, False, 0, writable_view(theta)),
        MomentumState(0.1, 0.9, False, 0, np.zeros(theta)),
        RMSPropState(0.1, 0.9, 1e-8, 0, writable_view(theta)),
        AdamState(0.1, 0.9, 0.999, 1e-8, 0.0, 0, writable_view(theta), np.ones(theta)),
    ]
    for opt_state in states:
        assert_frozen(opt_state)
        evolved = attrs.evolve(opt_state, count=1)
        assert_frozen(evolved)
        state: TrainState[Any] = TrainState(
            params, opt_state, 1, params, 0, 0.5, False, checkpoint=(0, params, opt_state)
        )
        assert_frozen(state, at_least=6)
    # what training makes from such a state is locked as well
    run = train(
        TrainState(params, states[0], 0, params, 0, np.inf, False),
        X,
        Y,
        loss=mean_squared_error,
        optimizer=momentum(0.1),
        epochs=2,
    )
    assert_frozen(run)


def test_interrupted_and_loaded_runs_are_frozen_too() -> None:
    pressed: list[int] = []

    def rate(step: int) -> float:
        if step == 5 and not pressed:
            pressed.append(step)
            raise KeyboardInterrupt
        return 0.1

    with pytest.raises(fnmlp.TrainingInterrupted) as caught:
        train(
            init([2, 3, 1], seed=0),
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=momentum(fnmlp.Schedule("ctrl-c", rate)),
            epochs=5,
            batch_size=2,
        )
    assert_frozen(caught.value.state, at_least=3)
    state = train(
        init([2, 3, 1], seed=0), X, Y, loss=binary_cross_entropy, optimizer=adam(0.1), epochs=3
    ).state
    with tempfile.TemporaryDirectory() as folder:
        loaded = load(save(state, os.path.join(folder, "run")), kind=TrainState)
    assert_frozen(loaded, at_least=8)


def test_lock_freezes_the_owner_of_a_view_and_copies_foreign_memory() -> None:
    scratch = np.zeros((3, 3))
    locked = lock(scratch[1:, ::2])
    assert not scratch.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        scratch[0, 0] = 1.0
    buffer = bytearray(8 * 4)
    foreign = lock(np.frombuffer(buffer).reshape(2, 2))
    buffer[:8] = b"\x00" * 7 + b"\x40"  # writing the foreign memory leaves the locked copy alone
    assert foreign[0, 0] == 0.0
    for array in (locked, foreign):
        with pytest.raises(ValueError, match="cannot set WRITEABLE flag"):
            array.flags.writeable = True
    # the owner, reached through .base, is the deliberate way around, as the docstring says
    assert "circumvention" in (lock.__doc__ or "")


# ----------------------------------------------------------------------------- fields checked


def _mse(**changes: Any) -> Any:
    fields = {
        "name": "mine",
        "value": mean_squared_error.value,
        "gradient": mean_squared_error.gradient,
        "fuses_with": None,
        "from_logits": None,
        "targets": "any",
        **changes,
    }
    return fnmlp.Loss(**fields)


def _relu(**changes: Any) -> Any:
    fields = {"name": "mine", "fn": relu.fn, "derivative": relu.derivative, **changes}
    return fnmlp.Activation(**fields)


def _optimizer(**changes: Any) -> Any:
    base = sgd(0.1)
    fields = {"name": "mine", "init": base.init, "update": base.update, **changes}
    return Optimizer(**fields)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: _optimizer(name=3), r"^name: expected a str, got 3$"),
        (lambda: _optimizer(init=3), r"^init: expected a function, got 3$"),
        (lambda: _optimizer(update="sgd"), r"^update: expected a function, got 'sgd'$"),
        (lambda: _optimizer(moments=("",)), r"^moments: expected a tuple of field names"),
        (lambda: _optimizer(moments="velocity"), r"^moments: expected a tuple of field names"),
        (lambda: _optimizer(settings=3), r"^settings: expected None or a tuple of \(field, value"),
        (lambda: _optimizer(settings=((1, 2),)), r"^settings: expected None or a tuple"),
        (lambda: _optimizer(state_type=3), r"^state_type: expected None or a class, got 3$"),
        (lambda: _relu(name=3), r"^name: expected a non-empty str, got 3$"),
        (lambda: _relu(name=""), r"^name: expected a non-empty str, got ''$"),
        (lambda: _relu(fn=3), r"^fn: expected a function of arrays, got 3$"),
        (lambda: _relu(derivative=None), r"^derivative: expected a function of arrays, got None$"),
        (lambda: _relu(elementwise=1), r"^elementwise: expected True or False, got 1$"),
        (lambda: _relu(into=3), r"^into: expected a function \(Z, out\) or None, got 3$"),
        (lambda: _relu(probability="yes"), r"^probability: expected True or False, got 'yes'$"),
        (lambda: _relu(kinked=None), r"^kinked: expected True or False, got None$"),
        (lambda: _mse(name=3), r"^name: expected a non-empty str, got 3$"),
        (lambda: _mse(value=3), r"^value: expected a function, got 3$"),
        (lambda: _mse(gradient=3), r"^gradient: expected a function, got 3$"),
        (lambda: _mse(check=3), r"^check: expected a function, got 3$"),
        (lambda: _mse(fuses_with=3), r"^fuses_with: expected an fnmlp Activation or None, got 3$"),
        (lambda: _mse(fuses_with="swish"), r"^fuses_with: expected an fnmlp Activation or None"),
        (lambda: _mse(from_logits=3), r"^from_logits: expected a function or None, got 3$"),
        (lambda: _mse(per_example=3), r"^per_example: expected a function or None, got 3$"),
        (lambda: _mse(targets=3), r"^targets: expected a str, got 3$"),
        (lambda: _mse(probabilities=1), r"^probabilities: expected True or False, got 1$"),
    ],
)
def test_optimizer_activation_and_loss_fields_are_checked_when_built(
    build: Any, message: str
) -> None:
    with pytest.raises(fnmlp.DTypeError, match=message):
        build()


def test_valid_fields_build_and_a_builtin_name_stands_for_the_builtin() -> None:
    assert _optimizer(settings=(("learning_rate", 0.1),), state_type=fnmlp.SgdState).name == "mine"
    assert _relu(elementwise=True, probability=False).name == "mine"
    assert _mse(fuses_with="sigmoid").fuses_with is sigmoid
