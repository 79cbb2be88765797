"""Learning-rate schedules: pure functions of the step count, accepted by every optimiser."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pytest

import fnmlp
from fnmlp import (
    Layer,
    Optimizer,
    Params,
    Schedule,
    constant,
    cosine_decay,
    exponential_decay,
    linear,
    step_decay,
)


def test_constant() -> None:
    schedule = constant(0.05)
    assert [schedule(t) for t in (0, 1, 10, 10**9)] == [0.05] * 4


def test_step_decay() -> None:
    schedule = step_decay(0.8, every=3, factor=0.5)
    assert [schedule(t) for t in range(8)] == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2]
    assert step_decay(1.0, every=1)(2) == pytest.approx(0.01)  # default factor 0.1


def test_exponential_decay() -> None:
    schedule = exponential_decay(2.0, rate=0.9)
    for t in (0, 1, 5, 50):
        assert schedule(t) == pytest.approx(2.0 * 0.9**t, rel=1e-15)
    assert exponential_decay(0.3, rate=1.0)(1000) == 0.3


def test_cosine_decay() -> None:
    schedule = cosine_decay(1.0, steps=100, final=0.1)
    for t in (0, 25, 50, 75, 100):
        expected = 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t / 100))
        assert schedule(t) == pytest.approx(expected, rel=1e-15)
    assert schedule(0) == 1.0
    assert schedule(50) == pytest.approx(0.55)
    assert schedule(100) == pytest.approx(0.1) and schedule(10**6) == pytest.approx(0.1)
    rates = [schedule(t) for t in range(101)]
    assert all(a > b for a, b in itertools.pairwise(rates))  # strictly decreasing to the floor
    assert cosine_decay(1.0, steps=10)(10) == pytest.approx(0.0, abs=1e-16)


def test_schedules_are_pure() -> None:
    schedule = cosine_decay(0.5, steps=7)
    first = [schedule(t) for t in range(10)]
    assert [schedule(t) for t in reversed(range(10))][::-1] == first
    assert isinstance(schedule, Schedule)
    assert "cosine_decay" in repr(schedule)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: constant(0), "learning_rate"),
        (lambda: constant(float("nan")), "learning_rate"),
        (lambda: step_decay(-1.0, every=2), "learning_rate"),
        (lambda: step_decay(0.1, every=0), "every"),
        (lambda: step_decay(0.1, every=2.5), "every"),  # type: ignore[arg-type]
        (lambda: step_decay(0.1, every=2, factor=0), "factor"),
        (lambda: step_decay(0.1, every=2, factor=2.0), "factor"),
        (lambda: step_decay(0.1, every=2, factor=1.0001), "factor"),
        (lambda: exponential_decay(0.1, rate=0), "rate"),
        (lambda: exponential_decay(0.1, rate=1.5), "rate"),
        (lambda: cosine_decay(float("inf"), steps=10), "learning_rate"),
        (lambda: cosine_decay(0.1, steps=0), "steps"),
        (lambda: cosine_decay(0.1, steps=10, final=-0.1), "final"),
        (lambda: cosine_decay(0.1, steps=10, final=0.2), "final"),
    ],
)
def test_bad_settings_fail_when_made(make: Callable[[], object], name: str) -> None:
    with pytest.raises(fnmlp.HyperparameterError, match=rf"^{name}: expected"):
        make()


def one_unit() -> Params[np.float64]:
    return Params((Layer(np.array([[1.0]]), np.array([[0.0]]), linear),))


UNIT = fnmlp.Grads(dW=(np.array([[1.0]]),), db=(np.array([[0.0]]),))

OPTIMISERS: list[Callable[[Any], Optimizer[Any]]] = [
    fnmlp.sgd,
    fnmlp.momentum,
    lambda lr: fnmlp.momentum(lr, nesterov=True),
    fnmlp.rmsprop,
    fnmlp.adam,
    lambda lr: fnmlp.adamw(lr, weight_decay=0.1),
]


@pytest.mark.parametrize("make", OPTIMISERS)
def test_every_optimiser_accepts_a_schedule(make: Callable[[Any], Optimizer[Any]]) -> None:
    """A schedule's rates, step by step, move parameters as those constant rates would."""
    schedule = step_decay(0.1, every=2, factor=0.5)
    scheduled = make(schedule)
    params, state = one_unit(), scheduled.init(one_unit())
    moves = []
    for _ in range(6):
        new, state = scheduled.step(params, UNIT, state)
        moves.append(float(params.layers[0].W[0, 0] - new.layers[0].W[0, 0]))
        params = new
    assert state.count == 6 and state.learning_rate is schedule
    # the same run with the rate changed by hand at each step (moments carried over)
    plain = [make(schedule(t)) for t in range(6)]
    params, state = one_unit(), plain[0].init(one_unit())
    expected = []
    for t, opt in enumerate(plain):
        new, state = opt.step(params, UNIT, attrs.evolve(state, learning_rate=schedule(t)))
        expected.append(float(params.layers[0].W[0, 0] - new.layers[0].W[0, 0]))
        params = new
    assert moves == expected
    assert moves[2] < moves[1] and moves[4] < moves[3]  # the halvings show in the steps


def test_sgd_steps_are_the_schedule() -> None:
    rates = [0.4 * 0.5**t for t in range(5)]
    opt = fnmlp.sgd(exponential_decay(0.4, rate=0.5))
    params, state = one_unit(), opt.init(one_unit())
    for rate in rates:
        new, state = opt.step(params, UNIT, state)
        assert float(params.layers[0].W[0, 0] - new.layers[0].W[0, 0]) == pytest.approx(rate)
        params = new


def test_a_schedule_changes_steps_through_training() -> None:
    """In ``train`` the count advances once per optimiser step, i.e. once per mini-batch."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 10))
    Y = X[:1] - X[1:]
    start = fnmlp.init([2, 1], output=linear, seed=0)
    schedule = step_decay(0.1, every=4, factor=0.1)
    result = fnmlp.train(
        start,
        X,
        Y,
        loss=fnmlp.mean_squared_error,
        optimizer=fnmlp.sgd(schedule),
        epochs=2,
        batch_size=4,
    )
    assert result.state.opt_state.count == 6  # batches of 4, 4 and 2 in each of 2 epochs
    # by hand: the documented shuffle, one sgd step per batch at the schedule's rate
    params, t = start, 0
    for epoch in range(2):
        order = np.random.default_rng((0, epoch)).permutation(10)
        for first in range(0, 10, 4):
            cols = order[first : first + 4]
            _, cache = fnmlp.forward(params, X[:, cols])
            grads = fnmlp.backward(params, cache, Y[:, cols], fnmlp.mean_squared_error)
            params = fnmlp.update(params, grads, schedule(t))
            t += 1
    np.testing.assert_allclose(result.params.layers[0].W, params.layers[0].W, rtol=1e-14)
    constant_run = fnmlp.train(
        start, X, Y, loss=fnmlp.mean_squared_error, optimizer=fnmlp.sgd(0.1), epochs=2, batch_size=4
    )
    assert not np.allclose(constant_run.params.layers[0].W, result.params.layers[0].W)


def test_a_schedule_that_gives_a_bad_rate_is_refused_at_the_step() -> None:
    falling = Schedule("falling", lambda step: 0.1 - 0.1 * step)
    opt = fnmlp.sgd(falling)
    params, state = one_unit(), opt.init(one_unit())
    params, state = opt.step(params, UNIT, state)  # 0.1
    params, state = opt.step(params, UNIT, state)  # 0.0: allowed (cosine_decay ends there)
    with pytest.raises(
        fnmlp.HyperparameterError, match=r"^learning_rate: .*falling.* got -0\.1.* step 2"
    ):
        opt.step(params, UNIT, state)
    nan = fnmlp.adam(Schedule("nan", lambda step: float("nan")))
    with pytest.raises(fnmlp.HyperparameterError, match=r"^learning_rate: .*got nan at step 0"):
        nan.step(one_unit(), UNIT, nan.init(one_unit()))


def test_decays_never_raise_the_learning_rate() -> None:
    with pytest.raises(fnmlp.HyperparameterError, match=r"^factor: expected a number in \(0, 1\]"):
        step_decay(0.1, every=2, factor=2.0)
    with pytest.raises(fnmlp.HyperparameterError, match=r"^rate: expected a number in \(0, 1\]"):
        exponential_decay(0.1, rate=1.5)
    with pytest.raises(
        fnmlp.HyperparameterError,
        match=r"^final: expected a number in \[0, learning_rate\] = \[0, 0\.1\].* got 0\.5",
    ):
        cosine_decay(0.1, steps=10, final=0.5)
    # the edges: no decay at all, and a cosine that ends where it starts
    assert [step_decay(0.1, every=1, factor=1.0)(t) for t in range(3)] == [0.1] * 3
    assert [cosine_decay(0.1, steps=4, final=0.1)(t) for t in range(6)] == [0.1] * 6


@pytest.mark.parametrize(
    "value",
    [np.float32(0.25), np.float64(0.25), np.int64(1), 0, np.float16(0.5)],
    ids=lambda v: type(v).__name__,
)
def test_a_schedule_may_give_any_real_number_type(value: Any) -> None:
    opt = fnmlp.sgd(Schedule("numpy", lambda step: value))
    new, state = opt.step(one_unit(), UNIT, opt.init(one_unit()))
    assert new.layers[0].W[0, 0] == 1.0 - float(value)
    assert state.count == 1


@pytest.mark.parametrize(
    "value",
    [True, "0.1", None, np.float32(np.inf), np.float64(-0.5), 10**400, complex(0.1, 0)],
    ids=lambda v: type(v).__name__,
)
def test_a_schedule_that_gives_no_usable_number_is_refused(value: Any) -> None:
    opt = fnmlp.sgd(Schedule("odd", lambda step: value))
    with pytest.raises(
        fnmlp.HyperparameterError, match=r"^learning_rate: expected the schedule odd"
    ):
        opt.step(one_unit(), UNIT, opt.init(one_unit()))


@pytest.mark.parametrize(
    ("name", "fn", "message"),
    [
        ("x", 3, r"^fn: expected a callable step -> learning rate, got int 3$"),
        ("x", None, r"^fn: expected a callable step -> learning rate, got NoneType None$"),
        ("x", 0.1, r"^fn: expected a callable step -> learning rate, got float 0\.1$"),
        (3, lambda step: 0.1, r"^name: expected a str, got int 3$"),
        (None, lambda step: 0.1, r"^name: expected a str, got NoneType None$"),
    ],
)
def test_a_schedule_is_checked_when_made(name: Any, fn: Any, message: str) -> None:
    with pytest.raises(fnmlp.DTypeError, match=message):
        Schedule(name, fn)
    with pytest.raises(fnmlp.DTypeError, match=message):
        attrs.evolve(Schedule("ok", lambda step: 0.1), name=name, fn=fn)


def test_a_schedule_accepts_any_callable() -> None:
    class Halving:
        def __call__(self, step: int) -> float:
            return 0.5**step

    assert Schedule("halving", Halving())(2) == 0.25
    assert Schedule("abs", abs)(-3) == 3


def test_invscaling() -> None:
    # scikit-learn's invscaling: learning_rate / (t + 1) ** power_t, from step 0
    schedule = fnmlp.invscaling(0.1, power_t=0.5)
    assert schedule(0) == 0.1
    assert [schedule(t) for t in (3, 8, 99)] == [0.1 / 2, 0.1 / 3, 0.1 / 10]
    assert fnmlp.invscaling(0.2, power_t=0.25)(15) == 0.2 / 2
