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

import math
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs
import numpy as np

from fnmlp.aliases import Bias, F, Matrix, Weights
from fnmlp.checks import _is_real, freeze, positive_float
from fnmlp.errors import DTypeError, HyperparameterError, ShapeError
from fnmlp.propagation import (
    _check_params,
    _descend,
    _layer,
    _step_layers,
    check_grads,
    check_step,
)
from fnmlp.records import Grads, Layer, Params, _build, lock, locked
from fnmlp.schedules import Schedule

__all__ = [
    "AdamState",
    "MomentumState",
    "Optimizer",
    "RMSPropState",
    "SgdState",
    "adam",
    "adamw",
    "momentum",
    "rmsprop",
    "sgd",
]

S = TypeVar("S")
LearningRate = float | Schedule
Arrays = tuple[Matrix[Any], ...]


def _owned(value: Sequence[Matrix[Any]]) -> Arrays:
    """A state's arrays as a tuple the state owns: writable arrays are copied and locked.

    The arrays an optimiser step makes are already read-only and pass through;
    arrays a caller supplies (``attrs.evolve(state, mean_W=...)``) are copied,
    so the state never shares memory the caller can still write.

    Examples:
        >>> import numpy as np
        >>> mine = np.zeros((1, 2))
        >>> owned = _owned([mine])
        >>> owned[0] is mine, owned[0].flags.writeable, mine.flags.writeable
        (False, False, True)
    """
    if not isinstance(value, (tuple, list)):
        raise DTypeError(
            f"state arrays: expected a tuple of numpy arrays, got {type(value).__name__}"
        )
    return tuple(
        lock(np.array(a, copy=True)) if not isinstance(a, np.ndarray) or a.flags.writeable else a
        for a in value
    )


class Kernel(Protocol[S]):
    """The unchecked update: layers and gradients in, new layers and state out."""

    def __call__(
        self,
        layers: tuple[Layer[F], ...],
        dWs: Sequence[Weights[F]],
        dbs: Sequence[Bias[F]],
        state: S,
        /,
    ) -> tuple[tuple[Layer[F], ...], S]: ...


@attrs.frozen(eq=False)
class Optimizer(Generic[S]):
    """An optimiser: ``init`` makes its state, ``step`` applies one update.

    Attributes:
        name: a readable description with the hyperparameters.
        init: ``params -> state``, the state before the first step.
        apply: the unchecked kernel ``step`` runs after its checks (what
            :func:`fnmlp.train` calls in its loop).
        joint: ``True`` if ``apply`` treats every entry of every parameter
            alike and alone (and its state's ``*_W``/``*_b`` arrays follow the
            weights/biases) and keeps none of the gradient arrays it is given,
            so that :func:`fnmlp.train` may run it on all weights joined into
            one array and all biases into another (the gradients in buffers it
            reuses): the same numbers, with one call per operation instead of
            one per layer. Set
            by ``momentum``, ``rmsprop``, ``adam`` and ``adamw``; ``sgd``'s two
            operations per array cost less than joining them.

    Examples:
        >>> from fnmlp import init
        >>> opt = momentum(0.1, beta=0.9)
        >>> print(opt)
        momentum(learning_rate=0.1, beta=0.9, nesterov=False)
        >>> state = opt.init(init([2, 3, 1], seed=0))
        >>> print(state.beta, [v.shape for v in state.velocity_W])
        0.9 [(3, 2), (1, 3)]
    """

    name: str
    init: Callable[[Params[Any]], S]
    apply: Kernel[S]
    joint: bool = False

    def step(self, params: Params[F], grads: Grads[F], state: S) -> tuple[Params[F], S]:
        """One update of ``params`` by ``grads``; returns the new params and state.

        Raises:
            ShapeError: if ``grads`` or ``state`` belong to another architecture.
            DTypeError: if ``state`` is another kind of optimiser's, or ``grads``
                or ``state`` hold arrays of another dtype than ``params``.
            HyperparameterError: if ``state`` carries other hyperparameters (it
                was made by another optimiser of the same kind).

        Examples:
            >>> import numpy as np
            >>> from fnmlp import Layer, Params, Grads, linear
            >>> params = Params((Layer(np.ones((1, 1)), np.zeros((1, 1)), linear),))
            >>> grads = Grads(dW=(np.ones((1, 1)),), db=(np.ones((1, 1)),))
            >>> opt = sgd(0.5)
            >>> new, state = opt.step(params, grads, opt.init(params))
            >>> print(new.layers[0].W, params.layers[0].W)
            [[0.5]] [[1.]]
        """
        _check_params(params)
        check_grads(params, grads)
        _check_state(params, state, self.init(params))
        with np.errstate(all="ignore"):
            layers, new_state = self.apply(params.layers, grads.dW, grads.db, state)
        check_step(layers, "optimizer", self)
        new: Params[F] = locked(_build(Params, layers=layers))
        return new, new_state

    def __repr__(self) -> str:
        return self.name


def _same(value: object, wanted: object) -> bool:
    if isinstance(value, Schedule) and isinstance(wanted, Schedule):
        return value is wanted or value.name == wanted.name
    return type(value) is type(wanted) and value == wanted


def _check_state(params: Params[Any], state: object, expected: object) -> None:
    """Raise unless ``state`` is like ``expected`` (a fresh ``init``): same kind, shapes, settings.

    A state made by another optimiser (another method, or the same method with
    other hyperparameters) or for another architecture is refused, so that a
    resumed run never silently mixes two optimisers.

    Examples:
        >>> from fnmlp import init
        >>> params = init([2, 1], seed=0)
        >>> _check_state(params, adam(0.1).init(params), adam(0.01).init(params))
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: state.learning_rate: expected 0.01 like the optimiser's, got 0.1: the state was made by another optimiser (to change a setting mid-run, pass attrs.evolve(state, learning_rate=...) to an optimiser made with it)
    """
    kind = type(expected)
    if type(state) is not kind or not attrs.has(kind):
        raise DTypeError(
            f"state: expected the {kind.__name__} of this optimiser, got {type(state).__name__}"
        )
    for field in attrs.fields(kind):
        value, wanted = getattr(state, field.name), getattr(expected, field.name)
        if field.name == "count":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise HyperparameterError(
                    f"state.count: expected a non-negative int, got {value!r}"
                )
        elif isinstance(wanted, tuple):
            shapes = [w.shape for w in wanted]
            if not (
                isinstance(value, tuple)
                and all(isinstance(a, np.ndarray) for a in value)
                and [a.shape for a in value] == shapes
            ):
                got = (
                    [getattr(a, "shape", type(a).__name__) for a in value]
                    if isinstance(value, tuple)
                    else type(value).__name__
                )
                raise ShapeError(
                    f"state.{field.name}: expected arrays of shapes {shapes} in "
                    f"{params.dtype} like params, got {got}"
                )
            if any(a.dtype != params.dtype for a in value):
                raise DTypeError(
                    f"state.{field.name}: expected arrays in {params.dtype} like params, "
                    f"got {[str(a.dtype) for a in value]}"
                )
        elif not _same(value, wanted):
            raise HyperparameterError(
                f"state.{field.name}: expected {wanted!r} like the optimiser's, got {value!r}: "
                f"the state was made by another optimiser (to change a setting mid-run, pass "
                f"attrs.evolve(state, {field.name}=...) to an optimiser made with it)"
            )


def _rate(learning_rate: object, name: str = "learning_rate") -> LearningRate:
    if isinstance(learning_rate, Schedule):
        return learning_rate
    return positive_float(learning_rate, name)


def _fraction(value: object, name: str) -> float:
    number = positive_float(value, name, allow_zero=True)
    if number >= 1:
        raise HyperparameterError(f"{name}: expected a number in [0, 1), got {value!r}")
    return number


def _lr(learning_rate: LearningRate, count: int) -> float:
    if not isinstance(learning_rate, Schedule):
        return learning_rate
    rate: object = learning_rate(count)  # a user's schedule may return anything
    number = math.nan
    if _is_real(rate):  # any real number type (int, float, numpy.float32, ...), not a bool
        try:
            number = float(rate)  # type: ignore[arg-type]
        except OverflowError:  # an int too large for a float
            number = math.inf
    if not 0 <= number < math.inf:
        raise HyperparameterError(
            f"learning_rate: expected the schedule {learning_rate.name} to give a non-negative "
            f"finite number, got {rate!r} at step {count}"
        )
    return number


def _scaled_step(
    p: Matrix[F], g: Matrix[F], square: Matrix[F], rate: float, eps: float
) -> Matrix[F]:
    """``p - rate * g / (sqrt(square) + eps)`` as a new read-only array.

    One scratch array holds the step; ``rate`` and ``eps`` are Python floats,
    so a float32 network computes in float32.
    """
    step: Matrix[F] = np.sqrt(square)
    step += eps
    np.divide(g, step, out=step)
    step *= rate
    new: Matrix[F] = p - step
    new.setflags(write=False)
    return new


def _average(old: Matrix[F], new: Matrix[F], keep: float) -> Matrix[F]:
    """``keep * old + (1 - keep) * new`` as a new read-only array."""
    out: Matrix[F] = new * (1 - keep)
    out += old * keep
    out.setflags(write=False)
    return out


def _average_square(old: Matrix[F], g: Matrix[F], keep: float) -> Matrix[F]:
    """``keep * old + (1 - keep) * g^2`` as a new read-only array."""
    out: Matrix[F] = g * g
    out *= 1 - keep
    out += old * keep
    out.setflags(write=False)
    return out


def _velocity(old: Matrix[F], g: Matrix[F], beta: float) -> Matrix[F]:
    """``beta * old + g`` as a new read-only array."""
    out: Matrix[F] = old * beta
    out += g
    out.setflags(write=False)
    return out


def _zeros(params: Params[Any]) -> tuple[Arrays, Arrays]:
    zW = tuple(freeze(np.zeros_like(layer.W)) for layer in params.layers)
    zb = tuple(freeze(np.zeros_like(layer.b)) for layer in params.layers)
    return zW, zb


def _layers(
    layers: tuple[Layer[F], ...], Ws: Sequence[Weights[F]], bs: Sequence[Bias[F]]
) -> tuple[Layer[F], ...]:
    """New layers of the read-only ``Ws`` and ``bs``, with ``layers``' activations."""
    return tuple([_layer(W, b, layer.activation) for layer, W, b in zip(layers, Ws, bs)])


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

    def init(params: Params[Any]) -> SgdState:
        return SgdState(lr)

    def apply(
        layers: tuple[Layer[F], ...],
        dWs: Sequence[Weights[F]],
        dbs: Sequence[Bias[F]],
        state: SgdState,
    ) -> tuple[tuple[Layer[F], ...], SgdState]:
        rate = _lr(lr, state.count)
        return _step_layers(layers, dWs, dbs, rate), SgdState(lr, state.count + 1)

    return Optimizer(f"sgd(learning_rate={lr})", init, apply)


# ----------------------------------------------------------------------------- momentum


@attrs.frozen(eq=False)
class MomentumState:
    """The state of :func:`momentum`: hyperparameters, steps taken and velocities.

    Examples:
        >>> from fnmlp import init
        >>> state = momentum(0.1).init(init([2, 1], seed=0))
        >>> print(state.count, state.velocity_W[0])
        0 [[0. 0.]]
    """

    learning_rate: LearningRate
    beta: float
    nesterov: bool
    count: int
    velocity_W: Arrays = attrs.field(converter=_owned)
    velocity_b: Arrays = attrs.field(converter=_owned)


def momentum(
    learning_rate: LearningRate, beta: float = 0.9, nesterov: bool = False
) -> Optimizer[MomentumState]:
    """Heavy-ball momentum: ``v = beta v + g``, ``p -= lr v`` (or ``lr (g + beta v)``).

    The form of torch's SGD with momentum and optax's ``sgd(momentum=...)``.

    Args:
        learning_rate: a positive finite float or a :class:`~fnmlp.Schedule`.
        beta: the momentum, in ``[0, 1)``.
        nesterov: use Nesterov's look-ahead update.

    Raises:
        HyperparameterError: for a bad learning rate or ``beta``.

    Examples:
        >>> momentum(0.1, beta=1.0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: beta: expected a number in [0, 1), got 1.0
    """
    lr = _rate(learning_rate)
    b = _fraction(beta, "beta")
    if not isinstance(nesterov, bool):
        raise HyperparameterError(f"nesterov: expected a bool, got {nesterov!r}")

    def init(params: Params[Any]) -> MomentumState:
        return MomentumState(lr, b, nesterov, 0, *_zeros(params))

    def apply(
        layers: tuple[Layer[F], ...],
        dWs: Sequence[Weights[F]],
        dbs: Sequence[Bias[F]],
        state: MomentumState,
    ) -> tuple[tuple[Layer[F], ...], MomentumState]:
        rate = _lr(lr, state.count)
        old_vW: Sequence[Weights[F]] = state.velocity_W
        old_vb: Sequence[Bias[F]] = state.velocity_b
        vW: list[Weights[F]] = [_velocity(v, g, b) for v, g in zip(old_vW, dWs)]
        vb: list[Bias[F]] = [_velocity(v, g, b) for v, g in zip(old_vb, dbs)]
        stepW, stepb = vW, vb
        if nesterov:
            stepW = [g + b * v for g, v in zip(dWs, vW)]
            stepb = [g + b * v for g, v in zip(dbs, vb)]
        Ws = [_descend(layer.W, v, rate) for layer, v in zip(layers, stepW)]
        bs = [_descend(layer.b, v, rate) for layer, v in zip(layers, stepb)]
        new = MomentumState(lr, b, nesterov, state.count + 1, tuple(vW), tuple(vb))
        return _layers(layers, Ws, bs), new

    settings = f"learning_rate={lr}, beta={b}, nesterov={nesterov}"
    return Optimizer(f"momentum({settings})", init, apply, joint=True)


# ----------------------------------------------------------------------------- rmsprop


@attrs.frozen(eq=False)
class RMSPropState:
    """The state of :func:`rmsprop`: hyperparameters, steps taken and mean squares.

    Examples:
        >>> from fnmlp import init
        >>> state = rmsprop(0.01).init(init([2, 1], seed=0))
        >>> print(state.rho, state.eps, state.square_b[0])
        0.9 1e-08 [[0.]]
    """

    learning_rate: LearningRate
    rho: float
    eps: float
    count: int
    square_W: Arrays = attrs.field(converter=_owned)
    square_b: Arrays = attrs.field(converter=_owned)


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

    def init(params: Params[Any]) -> RMSPropState:
        return RMSPropState(lr, r, e, 0, *_zeros(params))

    def apply(
        layers: tuple[Layer[F], ...],
        dWs: Sequence[Weights[F]],
        dbs: Sequence[Bias[F]],
        state: RMSPropState,
    ) -> tuple[tuple[Layer[F], ...], RMSPropState]:
        rate = _lr(lr, state.count)
        old_sW: Sequence[Weights[F]] = state.square_W
        old_sb: Sequence[Bias[F]] = state.square_b
        sW: list[Weights[F]] = [_average_square(s, g, r) for s, g in zip(old_sW, dWs)]
        sb: list[Bias[F]] = [_average_square(s, g, r) for s, g in zip(old_sb, dbs)]
        Ws = [_scaled_step(layer.W, g, s, rate, e) for layer, g, s in zip(layers, dWs, sW)]
        bs = [_scaled_step(layer.b, g, s, rate, e) for layer, g, s in zip(layers, dbs, sb)]
        new = RMSPropState(lr, r, e, state.count + 1, tuple(sW), tuple(sb))
        return _layers(layers, Ws, bs), new

    return Optimizer(f"rmsprop(learning_rate={lr}, rho={r}, eps={e})", init, apply, joint=True)


# ----------------------------------------------------------------------------- adam


@attrs.frozen(eq=False)
class AdamState:
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
    mean_W: Arrays = attrs.field(converter=_owned)
    mean_b: Arrays = attrs.field(converter=_owned)
    square_W: Arrays = attrs.field(converter=_owned)
    square_b: Arrays = attrs.field(converter=_owned)


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

    def init(params: Params[Any]) -> AdamState:
        zW, zb = _zeros(params)
        return AdamState(lr, b1, b2, e, wd, 0, zW, zb, zW, zb)

    def apply(
        layers: tuple[Layer[F], ...],
        dWs: Sequence[Weights[F]],
        dbs: Sequence[Bias[F]],
        state: AdamState,
    ) -> tuple[tuple[Layer[F], ...], AdamState]:
        rate = _lr(lr, state.count)
        t = state.count + 1
        c1, c2 = 1 - b1**t, 1 - b2**t
        old_mW: Sequence[Weights[F]] = state.mean_W
        old_mb: Sequence[Bias[F]] = state.mean_b
        old_vW: Sequence[Weights[F]] = state.square_W
        old_vb: Sequence[Bias[F]] = state.square_b
        mW: list[Weights[F]] = [_average(m, g, b1) for m, g in zip(old_mW, dWs)]
        mb: list[Bias[F]] = [_average(m, g, b1) for m, g in zip(old_mb, dbs)]
        vW: list[Weights[F]] = [_average_square(v, g, b2) for v, g in zip(old_vW, dWs)]
        vb: list[Bias[F]] = [_average_square(v, g, b2) for v, g in zip(old_vb, dbs)]
        # Bias correction folded into the step size and eps (exact algebra):
        # (m / c1) / (sqrt(v / c2) + e) = (sqrt(c2) / c1) * m / (sqrt(v) + e sqrt(c2)).
        # math.sqrt keeps them Python floats: numpy scalars would upcast float32.
        rate_t = rate * math.sqrt(c2) / c1
        eps_t = e * math.sqrt(c2)
        decay = rate * wd
        Ws = [
            _scaled_step(layer.W * (1 - decay) if decay else layer.W, m, v, rate_t, eps_t)
            for layer, m, v in zip(layers, mW, vW)
        ]
        bs = [_scaled_step(layer.b, m, v, rate_t, eps_t) for layer, m, v in zip(layers, mb, vb)]
        new = AdamState(lr, b1, b2, e, wd, t, tuple(mW), tuple(mb), tuple(vW), tuple(vb))
        return _layers(layers, Ws, bs), new

    name = "adamw" if wd else "adam"
    settings = f"learning_rate={lr}, beta1={b1}, beta2={b2}, eps={e}"
    described = f"{name}({settings}{f', weight_decay={wd}' if wd else ''})"
    return Optimizer(described, init, apply, joint=True)


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
