"""Optimisers as pure ``(init, step)`` pairs over frozen ``*State`` records, as in optax.

``opt.init(params) -> state`` and ``opt.step(params, grads, state) -> (params, state)``.
States carry their hyperparameters as readable fields, a step ``count``, and
one read-only array per parameter where the method keeps one.

=============  =====================================================================
``sgd``        ``p -= lr * g``
``momentum``   ``v = beta v + g``; ``p -= lr * v`` (Nesterov: ``p -= lr (g + beta v)``)
``rmsprop``    ``s = rho s + (1 - rho) g^2``; ``p -= lr g / (sqrt(s) + eps)``
``adam``       Kingma & Ba with bias correction, ``eps`` outside the square root
``adamw``      Adam plus decoupled weight decay ``p -= lr * weight_decay * p`` on ``W``
=============  =====================================================================

``learning_rate`` is a float or a :class:`~fnmlp.Schedule` of the step count.
``step`` refuses a state made by another optimiser (another method, other
settings, or another architecture), so a resumed run never silently mixes two;
to change a setting mid-run, make the optimiser with the new setting and pass
it ``attrs.evolve(state, learning_rate=...)``.

Examples:
    >>> import numpy as np
    >>> from fnmlp import Layer, Params, Grads, adam, linear
    >>> params = Params((Layer(np.ones((1, 1)), np.zeros((1, 1)), linear),))
    >>> grads = Grads(dW=(np.full((1, 1), 4.0),), db=(np.ones((1, 1)),))
    >>> opt = adam(0.1)
    >>> state = opt.init(params)
    >>> params, state = opt.step(params, grads, state)
    >>> print(params.layers[0].W, state.count)
    [[0.9]] 1
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
import numpy as np

from fnmlp._checks import check_params
from fnmlp._optimizer import (
    GradientFunction,
    Optimizer,
    Transform,
    Update,
    apply_rule,
    check_rule,
    check_state,
    owned,
    state_matches,
    with_moments,
)
from fnmlp._updates import LearningRate

# The rules live with the other kernels; bound here under the names they had when they were
# defined in this module, which pickles made then still name (so do the three below).
from fnmlp._updates import adam_update as _adam_update
from fnmlp._updates import chain_update as _chain_update  # noqa: F401
from fnmlp._updates import clip_norm as _clip_norm  # noqa: F401
from fnmlp._updates import clip_value as _clip_value  # noqa: F401
from fnmlp._updates import momentum_update as _momentum_update
from fnmlp._updates import rmsprop_update as _rmsprop_update
from fnmlp._updates import sgd_update as _sgd_update
from fnmlp._validate import positive_float
from fnmlp.aliases import Matrix
from fnmlp.errors import HyperparameterError
from fnmlp.records import Params, lock
from fnmlp.schedules import Schedule
from fnmlp.transforms import chain, clip_by_global_norm, clip_by_value, global_norm

__all__ = [
    "AdamState",
    "GradientFunction",
    "MomentumState",
    "Optimizer",
    "RMSPropState",
    "SgdState",
    "Transform",
    "Update",
    "adam",
    "adamw",
    "apply_rule",
    "chain",
    "check_rule",
    "check_state",
    "clip_by_global_norm",
    "clip_by_value",
    "global_norm",
    "momentum",
    "owned",
    "rmsprop",
    "sgd",
    "state_matches",
    "with_moments",
]


def _rate(learning_rate: object, name: str = "learning_rate") -> LearningRate:
    if isinstance(learning_rate, Schedule):
        return learning_rate
    return positive_float(learning_rate, name)


def _fraction(value: object, name: str) -> float:
    number = positive_float(value, name, allow_zero=True)
    if number >= 1:
        raise HyperparameterError(f"{name}: expected a number in [0, 1), got {value!r}")
    return number


class _Rebuilt:
    """Unpickling rebuilds a state through its constructor, so its moments are locked again."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        kind: Any = type(self)
        return (kind, tuple(getattr(self, f.name) for f in attrs.fields(kind)))


def _zeros(params: Params[Any]) -> Matrix[Any]:
    """A locked ``(1, N)`` array of zeros shaped like ``params.theta``: a fresh moment."""
    check_params(params)
    zeros: Matrix[Any] = lock(np.zeros_like(params.theta))
    return zeros


# ----------------------------------------------------------------------------- sgd


@attrs.frozen(eq=False)
class SgdState:
    """The state of :func:`sgd`: its learning rate and the steps taken.

    Examples:
        >>> from fnmlp import init
        >>> sgd(0.1).init(init([1, 1], seed=0))
        SgdState(learning_rate=0.1, count=0)
    """

    learning_rate: LearningRate
    count: int = 0


def _sgd_init(learning_rate: LearningRate, params: Params[Any]) -> SgdState:
    check_params(params)
    return SgdState(learning_rate)


def sgd(learning_rate: LearningRate) -> Optimizer[SgdState]:
    """Plain (stochastic) gradient descent: ``p -= learning_rate * g``.

    Args:
        learning_rate: a positive finite float or a :class:`~fnmlp.Schedule`.

    Raises:
        HyperparameterError: if ``learning_rate`` is not positive and finite.

    Examples:
        >>> sgd(0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: learning_rate: expected a positive finite number, got 0
    """
    lr = _rate(learning_rate)
    return Optimizer(
        f"sgd(learning_rate={lr})",
        functools.partial(_sgd_init, lr),
        functools.partial(_sgd_update, lr),
        settings=(("learning_rate", lr),),
        state_type=SgdState,
    )


# ----------------------------------------------------------------------------- momentum


@attrs.frozen(eq=False)
class MomentumState(_Rebuilt):
    """The state of :func:`momentum`: hyperparameters, steps taken and velocities.

    Examples:
        >>> from fnmlp import init
        >>> state = momentum(0.1).init(init([2, 1], seed=0))
        >>> print(state.count, state.velocity)
        0 [[0. 0. 0.]]
    """

    learning_rate: LearningRate
    beta: float
    nesterov: bool
    count: int
    velocity: Matrix[Any] = attrs.field(converter=owned)


def _momentum_init(
    learning_rate: LearningRate, beta: float, nesterov: bool, params: Params[Any]
) -> MomentumState:
    return MomentumState(learning_rate, beta, nesterov, 0, _zeros(params))


def momentum(
    learning_rate: LearningRate, beta: float = 0.9, nesterov: bool = False
) -> Optimizer[MomentumState]:
    """Heavy-ball momentum: ``v = beta v + g``, ``p -= lr v`` (or ``lr (g + beta v)``).

    The form of torch's SGD with momentum and optax's ``sgd(momentum=...)``.

    Args:
        learning_rate: a positive finite float or a :class:`~fnmlp.Schedule`.
        beta: the momentum, in ``[0, 1]`` (1 keeps the whole velocity, as
            scikit-learn's ``momentum=1`` and torch's SGD allow).
        nesterov: use Nesterov's look-ahead update.

    Raises:
        HyperparameterError: for a bad learning rate or ``beta``.

    Examples:
        >>> momentum(0.1, beta=1.5)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: beta: expected a number in [0, 1], got 1.5
    """
    lr = _rate(learning_rate)
    b = positive_float(beta, "beta", allow_zero=True)
    if b > 1:
        raise HyperparameterError(f"beta: expected a number in [0, 1], got {beta!r}")
    if not isinstance(nesterov, bool):
        raise HyperparameterError(f"nesterov: expected a bool, got {nesterov!r}")
    settings = f"learning_rate={lr}, beta={b}, nesterov={nesterov}"
    return Optimizer(
        f"momentum({settings})",
        functools.partial(_momentum_init, lr, b, nesterov),
        functools.partial(_momentum_update, lr, b, nesterov),
        ("velocity",),
        settings=(("learning_rate", lr), ("beta", b), ("nesterov", nesterov)),
        state_type=MomentumState,
    )


# ----------------------------------------------------------------------------- rmsprop


@attrs.frozen(eq=False)
class RMSPropState(_Rebuilt):
    """The state of :func:`rmsprop`: hyperparameters, steps taken and mean squares.

    Examples:
        >>> from fnmlp import init
        >>> state = rmsprop(0.01).init(init([2, 1], seed=0))
        >>> print(state.rho, state.eps, state.square)
        0.9 1e-08 [[0. 0. 0.]]
    """

    learning_rate: LearningRate
    rho: float
    eps: float
    count: int
    square: Matrix[Any] = attrs.field(converter=owned)


def _rmsprop_init(
    learning_rate: LearningRate, rho: float, eps: float, params: Params[Any]
) -> RMSPropState:
    return RMSPropState(learning_rate, rho, eps, 0, _zeros(params))


def rmsprop(
    learning_rate: LearningRate, rho: float = 0.9, eps: float = 1e-8
) -> Optimizer[RMSPropState]:
    """RMSProp: ``s = rho s + (1 - rho) g^2``, ``p -= lr g / (sqrt(s) + eps)``.

    Args:
        learning_rate: a positive finite float or a :class:`~fnmlp.Schedule`.
        rho: the decay of the mean square, in ``[0, 1)``.
        eps: a positive constant added to the root (so that a zero gradient
            gives a zero step, not 0 / 0).

    Raises:
        HyperparameterError: for a bad learning rate, ``rho`` or ``eps``.

    Examples:
        >>> rmsprop(0.01, eps=-1.0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: eps: expected a positive finite number, got -1.0
    """
    lr = _rate(learning_rate)
    r = _fraction(rho, "rho")
    e = positive_float(eps, "eps")

    settings = f"learning_rate={lr}, rho={r}, eps={e}"
    return Optimizer(
        f"rmsprop({settings})",
        functools.partial(_rmsprop_init, lr, r, e),
        functools.partial(_rmsprop_update, lr, r, e),
        ("square",),
        settings=(("learning_rate", lr), ("rho", r), ("eps", e)),
        state_type=RMSPropState,
    )


# ----------------------------------------------------------------------------- adam


@attrs.frozen(eq=False)
class AdamState(_Rebuilt):
    """The state of :func:`adam` and :func:`adamw`: hyperparameters, steps and moments.

    Examples:
        >>> from fnmlp import init
        >>> state = adamw(1e-3, weight_decay=0.01).init(init([2, 1], seed=0))
        >>> print(state.beta1, state.beta2, state.weight_decay, state.count)
        0.9 0.999 0.01 0
    """

    learning_rate: LearningRate
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    count: int
    mean: Matrix[Any] = attrs.field(converter=owned)
    square: Matrix[Any] = attrs.field(converter=owned)


def _adam_init(
    learning_rate: LearningRate,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    params: Params[Any],
) -> AdamState:
    zeros = _zeros(params)
    return AdamState(learning_rate, beta1, beta2, eps, weight_decay, 0, zeros, zeros)


def adamw(
    learning_rate: LearningRate,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.01,
) -> Optimizer[AdamState]:
    """Adam with decoupled weight decay (Loshchilov & Hutter) on the weights ``W``.

    ``W -= lr * (mhat / (sqrt(vhat) + eps) + weight_decay * W)``, the decay
    taken from ``W`` before the step, as ``torch.optim.AdamW``; biases get
    plain Adam (not decayed, unlike torch's default of decaying every
    parameter it is given). ``weight_decay=0`` is Adam.

    Args:
        learning_rate: a positive finite float or a :class:`~fnmlp.Schedule`.
        beta1: decay of the first moment, in ``[0, 1)``.
        beta2: decay of the second moment, in ``[0, 1)``.
        eps: a positive constant added outside the square root.
        weight_decay: a non-negative decoupled decay rate.

    Raises:
        HyperparameterError: for any hyperparameter out of range.

    Examples:
        >>> print(adamw(1e-3, weight_decay=0.1))
        adamw(learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.1)
    """
    lr = _rate(learning_rate)
    b1 = _fraction(beta1, "beta1")
    b2 = _fraction(beta2, "beta2")
    e = positive_float(eps, "eps")
    wd = positive_float(weight_decay, "weight_decay", allow_zero=True)

    name = "adamw" if wd else "adam"
    settings = f"learning_rate={lr}, beta1={b1}, beta2={b2}, eps={e}"
    described = f"{name}({settings}{f', weight_decay={wd}' if wd else ''})"
    hyperparameters = (
        ("learning_rate", lr),
        ("beta1", b1),
        ("beta2", b2),
        ("eps", e),
        ("weight_decay", wd),
    )
    return Optimizer(
        described,
        functools.partial(_adam_init, lr, b1, b2, e, wd),
        functools.partial(_adam_update, lr, b1, b2, e, wd),
        ("mean", "square"),
        settings=hyperparameters,
        state_type=AdamState,
    )


def adam(
    learning_rate: LearningRate, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
) -> Optimizer[AdamState]:
    """Adam (Kingma & Ba): bias-corrected moments, ``eps`` outside the root, as torch.

    ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g^2``,
    ``p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)``.

    Args:
        learning_rate: a positive finite float or a :class:`~fnmlp.Schedule`.
        beta1: decay of the first moment, in ``[0, 1)``.
        beta2: decay of the second moment, in ``[0, 1)``.
        eps: a positive constant added outside the square root.

    Raises:
        HyperparameterError: for any hyperparameter out of range.

    Examples:
        >>> print(adam(1e-3))
        adam(learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-08)
        >>> adam(1e-3, beta2=1.5)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: beta2: expected a number in [0, 1), got 1.5
    """
    return adamw(learning_rate, beta1, beta2, eps, weight_decay=0.0)

