"""Learning-rate schedules: pure functions of the step count that any optimiser accepts.

A :class:`Schedule` maps the number of optimiser steps taken so far (0 for
the first step) to a learning rate. Every optimiser takes either a float or a
schedule as its ``learning_rate``.

Examples:
    >>> from fnmlp import cosine_decay, step_decay
    >>> schedule = step_decay(0.1, every=10, factor=0.5)
    >>> [schedule(t) for t in (0, 9, 10, 25)]
    [0.1, 0.1, 0.05, 0.025]
    >>> print(round(cosine_decay(1.0, steps=100)(50), 6))
    0.5
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import attrs

from fnmlp._validate import positive_float, positive_int
from fnmlp.errors import DTypeError, HyperparameterError

__all__ = [
    "Schedule",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "invscaling",
    "step_decay",
]


@attrs.frozen(eq=False)
class Schedule:
    """A learning rate as a function of the step count.

    Attributes:
        name: a readable description, with the schedule's settings.
        fn: ``step -> learning rate``; ``step`` counts optimiser steps from 0.

    Raises:
        DTypeError: if ``name`` is not a str or ``fn`` is not callable.

    Examples:
        >>> schedule = Schedule("halving", lambda step: 1.0 / 2**step)
        >>> schedule(3)
        0.125
        >>> Schedule("constant", 0.1)
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: fn: expected a callable step -> learning rate, got float 0.1
    """

    name: str
    fn: Callable[[int], float]

    def __attrs_post_init__(self) -> None:
        name: object = self.name  # checked at run time: callers may send anything
        if not isinstance(name, str):
            raise DTypeError(f"name: expected a str, got {type(name).__name__} {name!r:.80}")
        if not callable(self.fn):
            fn: object = self.fn
            raise DTypeError(
                f"fn: expected a callable step -> learning rate, got {type(fn).__name__} {fn!r:.80}"
            )

    def __call__(self, step: int) -> float:
        return self.fn(step)

    def __repr__(self) -> str:
        return f"Schedule({self.name})"


def constant(learning_rate: float) -> Schedule:
    """The same learning rate at every step.

    Examples:
        >>> constant(0.01)(1000)
        0.01
    """
    lr = positive_float(learning_rate, "learning_rate")
    return Schedule(f"constant {lr}", functools.partial(_constant, lr))


def _constant(learning_rate: float, step: int) -> float:
    return learning_rate


def _step_decay(learning_rate: float, factor: float, every: int, step: int) -> float:
    return learning_rate * factor ** (step // every)


def _exponential_decay(learning_rate: float, rate: float, step: int) -> float:
    return learning_rate * rate**step


def _invscaling(learning_rate: float, power_t: float, step: int) -> float:
    scale: float = (step + 1) ** power_t
    return learning_rate / scale


def _cosine_decay(learning_rate: float, final: float, steps: int, step: int) -> float:
    progress = min(step, steps) / steps
    return final + (learning_rate - final) * 0.5 * (1 + math.cos(math.pi * progress))


def _decay_factor(value: object, name: str) -> float:
    """``value`` as a float in ``(0, 1]``: a schedule decays, it never grows."""
    number = positive_float(value, name)
    if number > 1:
        raise HyperparameterError(
            f"{name}: expected a number in (0, 1] (a decay, which never raises the "
            f"learning rate), got {value!r}"
        )
    return number


def step_decay(learning_rate: float, *, every: int, factor: float = 0.1) -> Schedule:
    """``learning_rate * factor ** (step // every)``, for ``0 < factor <= 1``.

    Raises:
        HyperparameterError: for a ``learning_rate`` that is not positive and
            finite, an ``every`` that is not a positive int, or a ``factor``
            outside ``(0, 1]``.

    Examples:
        >>> step_decay(1.0, every=2, factor=0.5)(5)
        0.25
        >>> step_decay(1.0, every=2, factor=2.0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: factor: expected a number in (0, 1] (a decay, which never raises the learning rate), got 2.0
    """
    lr = positive_float(learning_rate, "learning_rate")
    period = positive_int(every, "every")
    decay = _decay_factor(factor, "factor")
    return Schedule(
        f"step_decay {lr} x {decay} every {period}",
        functools.partial(_step_decay, lr, decay, period),
    )


def exponential_decay(learning_rate: float, *, rate: float) -> Schedule:
    """``learning_rate * rate ** step``, for ``0 < rate <= 1``.

    Raises:
        HyperparameterError: for a ``learning_rate`` that is not positive and
            finite, or a ``rate`` outside ``(0, 1]``.

    Examples:
        >>> print(round(exponential_decay(1.0, rate=0.9)(2), 6))
        0.81
    """
    lr = positive_float(learning_rate, "learning_rate")
    decay = _decay_factor(rate, "rate")
    return Schedule(
        f"exponential_decay {lr} x {decay}", functools.partial(_exponential_decay, lr, decay)
    )


def invscaling(learning_rate: float, *, power_t: float = 0.5) -> Schedule:
    """``learning_rate / (step + 1) ** power_t``: inverse scaling, for ``power_t >= 0``.

    scikit-learn's ``learning_rate="invscaling"`` evaluates this rate at ``t``
    = the number of training examples seen so far, once per epoch (the first
    epoch at ``t = 0``); :class:`fnmlp.sklearn.MLPClassifier` does the same.
    Given to an optimiser, ``step`` is the optimiser's step count.

    Raises:
        HyperparameterError: for a ``learning_rate`` that is not positive and
            finite, or a ``power_t`` that is negative or not finite.

    Examples:
        >>> schedule = invscaling(0.1, power_t=0.5)
        >>> [round(schedule(t), 6) for t in (0, 3, 99)]
        [0.1, 0.05, 0.01]
        >>> invscaling(0.1, power_t=-1.0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: power_t: expected a non-negative finite number, got -1.0
    """
    lr = positive_float(learning_rate, "learning_rate")
    power = positive_float(power_t, "power_t", allow_zero=True)
    return Schedule(
        f"invscaling {lr} / (step + 1) ** {power}", functools.partial(_invscaling, lr, power)
    )


def cosine_decay(learning_rate: float, *, steps: int, final: float = 0.0) -> Schedule:
    """Half a cosine from ``learning_rate`` down to ``final`` over ``steps``, then ``final``.

    Raises:
        HyperparameterError: for a ``learning_rate`` that is not positive and
            finite, a ``steps`` that is not a positive int, or a ``final`` that
            is negative or above ``learning_rate``.

    Examples:
        >>> schedule = cosine_decay(1.0, steps=10, final=0.1)
        >>> print(schedule(0), round(schedule(10), 6), round(schedule(99), 6))
        1.0 0.1 0.1
        >>> cosine_decay(0.1, steps=10, final=0.5)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: final: expected a number in [0, learning_rate] = [0, 0.1] (a decay, which never raises the learning rate), got 0.5
    """
    lr = positive_float(learning_rate, "learning_rate")
    horizon = positive_int(steps, "steps")
    floor = positive_float(final, "final", allow_zero=True)
    if floor > lr:
        raise HyperparameterError(
            f"final: expected a number in [0, learning_rate] = [0, {lr}] (a decay, which "
            f"never raises the learning rate), got {final!r}"
        )
    return Schedule(
        f"cosine_decay {lr} -> {floor} over {horizon}",
        functools.partial(_cosine_decay, lr, floor, horizon),
    )
