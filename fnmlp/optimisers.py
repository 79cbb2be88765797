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
import math
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp import _threads
from fnmlp._validate import is_real, positive_float
from fnmlp.aliases import F, Matrix
from fnmlp.errors import DTypeError, HyperparameterError, ShapeError
from fnmlp.propagation import check_grads, check_params, check_step, descend
from fnmlp.records import Grads, Params, lock, params_of
from fnmlp.schedules import Schedule

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

S = TypeVar("S")
LearningRate = float | Schedule


def owned(value: object) -> Matrix[Any]:
    """A moment as an array its state owns for good: a locked copy, unless it already is locked.

    The arrays an optimiser step makes are locked views and pass through;
    an array a caller supplies (``attrs.evolve(state, mean=...)``) is copied,
    so the state never shares memory the caller can still write.

    Examples:
        >>> import numpy as np
        >>> mine = np.zeros((1, 2))
        >>> owned = owned(mine)
        >>> owned is mine, owned.flags.writeable, mine.flags.writeable
        (False, False, True)
    """
    if not isinstance(value, np.ndarray):
        raise DTypeError(f"state moment: expected a numpy array, got {type(value).__name__}")
    owner = value.base
    if value.flags.writeable or not (
        isinstance(owner, np.ndarray) and owner.base is None and not owner.flags.writeable
    ):
        # a caller's array, or a read-only view of memory that is still writable
        copied: Matrix[Any] = lock(np.array(value, copy=True))
        return copied
    return value


class Update(Protocol):
    """An optimiser's rule: ``(p, g, moments, count, decayed) -> (p, moments)``.

    ``p`` is the network's parameter array (``Params.theta``, shape
    ``(1, N)``), ``g`` its gradient (``Grads.g``), ``moments`` the state's
    arrays (one per name in :attr:`Optimizer.moments`, each of ``p``'s shape)
    and ``count`` the steps taken before this one. ``decayed`` says which
    entries are weights (a ``(1, N)`` boolean array, ``True`` at the weights;
    or ``True``/``False`` for a whole array), for a rule that treats biases
    apart. The rule returns new arrays and writes into none of its
    arguments, which are read-only (a rule that tries is refused with a
    ``HyperparameterError``); it may keep them, or views of them, since
    nothing fnmlp hands to a rule is ever written again.

    Examples:
        >>> import numpy as np
        >>> def halve(p, g, moments, count, decayed):
        ...     return p - 0.5 * g, ()
        >>> halving = Optimizer("halve", lambda params: SgdState(0.5), halve)
        >>> new, _ = halving.update(np.ones((1, 2)), np.ones((1, 2)), (), 0, True)
        >>> print(new)
        [[0.5 0.5]]
    """

    def __call__(
        self,
        p: Matrix[F],
        g: Matrix[F],
        moments: tuple[Matrix[F], ...],
        count: int,
        decayed: bool | npt.NDArray[np.bool_],
        /,
    ) -> tuple[Matrix[F], tuple[Matrix[F], ...]]: ...


def _names(value: object) -> tuple[str, ...]:
    if not (isinstance(value, tuple) and all(isinstance(n, str) and n for n in value)):
        raise DTypeError(f"moments: expected a tuple of field names, got {value!r:.60}")
    return value


@attrs.frozen(eq=False)
class Optimizer(Generic[S]):
    """An optimiser: ``init`` makes its state, ``step`` applies one update.

    Attributes:
        name: a readable description with the hyperparameters.
        init: ``params -> state``, the state before the first step: a frozen
            attrs record with a ``count`` of steps taken and, for each name in
            ``moments``, a field holding one ``(1, N)`` array shaped like
            ``params.theta``.
        update: the elementwise rule (an :class:`Update`) that ``step``
            applies to all of the network's parameters at once, after its
            checks, and that :func:`fnmlp.train` applies once per mini-batch.
        moments: the names of the state's moment fields, in the order
            ``update`` takes them.
        settings: the hyperparameters a state must carry to be this
            optimiser's, as ``(field, value)`` pairs, and ``state_type`` the
            state's class; with either ``None``, a state is compared with a
            fresh ``init(params)`` instead (at the cost of making one).
        state_type: the class of ``init``'s states.

    Examples:
        >>> from fnmlp import init
        >>> opt = momentum(0.1, beta=0.9)
        >>> print(opt, opt.moments)
        momentum(learning_rate=0.1, beta=0.9, nesterov=False) ('velocity',)
        >>> state = opt.init(init([2, 3, 1], seed=0))
        >>> print(state.beta, state.velocity.shape)
        0.9 (1, 13)
    """

    name: str
    init: Callable[[Params[Any]], S]
    update: Update
    moments: tuple[str, ...] = attrs.field(default=(), converter=_names)
    settings: tuple[tuple[str, object], ...] | None = attrs.field(default=None, kw_only=True)
    state_type: type[Any] | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise DTypeError(f"name: expected a str, got {self.name!r:.60}")
        for field in ("init", "update"):
            if not callable(getattr(self, field)):
                raise DTypeError(f"{field}: expected a function, got {getattr(self, field)!r:.60}")
        settings: object = self.settings
        if settings is not None and not (
            isinstance(settings, tuple)
            and all(
                isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)
                for pair in settings
            )
        ):
            raise DTypeError(
                f"settings: expected None or a tuple of (field, value) pairs, got {settings!r:.60}"
            )
        kind: object = self.state_type
        if kind is not None and not isinstance(kind, type):
            raise DTypeError(f"state_type: expected None or a class, got {kind!r:.60}")

    def step(self, params: Params[F], grads: Grads[F], state: S) -> tuple[Params[F], S]:
        """One update of ``params`` by ``grads``; returns the new params and state.

        Raises:
            ShapeError: if ``grads`` or ``state`` belong to another architecture.
            DTypeError: if ``state`` is another kind of optimiser's, or ``grads``
                or ``state`` hold arrays of another dtype than ``params``.
            HyperparameterError: if ``state`` carries other hyperparameters (it
                was made by another optimiser of the same kind), or the rule
                writes into its arguments.
            NonFiniteError: if the step overflows a parameter.

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
        check_params(params)
        check_grads(params, grads)
        check_state(params, state, self)
        count: int = getattr(state, "count")  # noqa: B009 (S is any state record)
        moments = tuple(owned(getattr(state, name)) for name in self.moments)
        with np.errstate(all="ignore"):
            theta, news = apply_rule(
                self, params.theta, grads.g, moments, count, params.structure.weights, check=True
            )
        new = params_of(theta, params.structure, params.activations)
        check_step(new, "optimizer", self)
        return new, with_moments(state, count + 1, self.moments, news)

    def __repr__(self) -> str:
        return self.name


def apply_rule(
    optimizer: Optimizer[Any],
    theta: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    weights: npt.NDArray[np.bool_],
    *,
    check: bool,
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    """``optimizer``'s rule on read-only arguments; the new parameters and moments, locked.

    The one place a rule runs, for :meth:`Optimizer.step` and :func:`fnmlp.train`
    alike; with ``check``, what it returns is checked (:func:`check_rule`).
    """
    try:
        new, news = optimizer.update(theta, g, moments, count, weights)
    except ValueError as error:
        if "read-only" not in str(error):
            raise
        raise HyperparameterError(
            f"optimizer: expected {optimizer.name}'s update to return new arrays and write into "
            f"none of its arguments, got one that writes into them ({error})"
        ) from None
    if check:
        check_rule(optimizer, theta, g, new, news)
    return lock(new), tuple(map(lock, news))


def check_rule(
    optimizer: Optimizer[Any], p: Matrix[Any], g: Matrix[Any], new: object, moments: object
) -> None:
    """Raise unless an update rule gave ``p`` back as an array of its shape and dtype, with its moments.

    Examples:
        >>> import numpy as np
        >>> def halve(p, g, moments, count, decayed):
        ...     return (p / 2).T, ()
        >>> halving = Optimizer("halve", sgd(0.1).init, halve)
        >>> check_rule(halving, np.ones((2, 1)), np.ones((2, 1)), np.ones((1, 2)), ())
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: optimizer: expected halve's update to return an array of shape (2, 1) float64 like the parameters, got (1, 2) float64
    """
    count = len(optimizer.moments)
    moments_fit = (
        isinstance(moments, tuple)
        and len(moments) == count
        and all(
            isinstance(m, np.ndarray) and m.shape == p.shape and m.dtype == p.dtype for m in moments
        )
    )
    fits = isinstance(new, np.ndarray) and new.shape == p.shape and new.dtype == p.dtype
    if fits and moments_fit:
        return
    got = f"{new.shape} {new.dtype}" if isinstance(new, np.ndarray) else f"a {type(new).__name__}"
    wanted = f"an array of shape {p.shape} {p.dtype} like the parameters"
    if not isinstance(new, np.ndarray) or new.shape != p.shape:
        raise ShapeError(
            f"optimizer: expected {optimizer.name}'s update to return {wanted}, got {got}"
        )
    if new.dtype != p.dtype:
        raise DTypeError(
            f"optimizer: expected {optimizer.name}'s update to return {wanted}, got {got}"
        )
    raise ShapeError(
        f"optimizer: expected {optimizer.name}'s update to return {count} moment(s) of "
        f"shape {p.shape} {p.dtype}, one per name in {optimizer.moments}, got {moments!r:.80}"
    )


def with_moments(state: S, count: int, names: Sequence[str], moments: Sequence[Matrix[Any]]) -> S:
    """``state`` with ``count`` and each moment ``names[i]`` set to ``moments[i]`` (trusted).

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init
        >>> opt = momentum(0.1)
        >>> state = opt.init(init([1, 1], seed=0))
        >>> new = with_moments(state, 3, opt.moments, [lock(np.ones((1, 2)))])
        >>> print(new.count, new.velocity, state.count)
        3 [[1. 1.]] 0
    """
    kind: Any = type(state)
    new: S = object.__new__(kind)
    for field in attrs.fields(kind):
        object.__setattr__(new, field.name, getattr(state, field.name))
    object.__setattr__(new, "count", count)
    for name, moment in zip(names, moments):
        object.__setattr__(new, name, moment)
    return new


def state_matches(params: Params[Any], state: object, optimizer: Optimizer[Any]) -> bool:
    """Whether a built-in optimiser's ``state`` fits ``params`` and carries its very settings."""
    count = getattr(state, "count", None)
    if type(count) is not int or count < 0 or optimizer.settings is None:
        return False
    for name in optimizer.moments:
        moment = getattr(state, name)
        if not (
            isinstance(moment, np.ndarray)
            and moment.shape == params.theta.shape
            and moment.dtype == params.dtype
        ):
            return False
    return all(getattr(state, name) is value for name, value in optimizer.settings) or all(
        _same(getattr(state, name), value) for name, value in optimizer.settings
    )


def _same(value: object, wanted: object) -> bool:
    if isinstance(value, Schedule) and isinstance(wanted, Schedule):
        return value is wanted or value.name == wanted.name
    return type(value) is type(wanted) and value == wanted


def check_state(params: Params[Any], state: object, optimizer: Optimizer[Any]) -> None:
    """Raise unless ``state`` is ``optimizer``'s for ``params``: same kind, shapes, settings.

    A state made by another optimiser (another method, or the same method with
    other hyperparameters) or for another architecture is refused, so that a
    resumed run never silently mixes two optimisers.

    Examples:
        >>> from fnmlp import init
        >>> params = init([2, 1], seed=0)
        >>> check_state(params, adam(0.1).init(params), adam(0.01))
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: state.learning_rate: expected 0.01 like the optimiser's, got 0.1: the state was made by another optimiser (to change a setting mid-run, pass attrs.evolve(state, learning_rate=...) to an optimiser made with it)
    """
    if optimizer.settings is None or optimizer.state_type is None:
        expected = optimizer.init(params)
        kind: type[Any] = type(expected)
        settings = (
            [
                (f.name, getattr(expected, f.name))
                for f in attrs.fields(kind)
                if f.name != "count" and f.name not in optimizer.moments
            ]
            if attrs.has(kind)
            else []
        )
    else:
        kind, settings = optimizer.state_type, list(optimizer.settings)
        if type(state) is kind and state_matches(params, state, optimizer):
            return  # the common case, in a few comparisons
    if type(state) is not kind or not attrs.has(kind):
        raise DTypeError(
            f"state: expected the {kind.__name__} of this optimiser, got {type(state).__name__}"
        )
    count = getattr(state, "count", None)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise HyperparameterError(f"state.count: expected a non-negative int, got {count!r}")
    for name in optimizer.moments:
        value = getattr(state, name)
        if not isinstance(value, np.ndarray) or value.shape != params.theta.shape:
            got = getattr(value, "shape", type(value).__name__)
            raise ShapeError(
                f"state.{name}: expected an array of shape {params.theta.shape} in "
                f"{params.dtype} like params.theta, got {got}"
            )
        if value.dtype != params.dtype:
            raise DTypeError(
                f"state.{name}: expected an array in {params.dtype} like params, got {value.dtype}"
            )
    for name, wanted in settings:
        value = getattr(state, name)
        if not _same(value, wanted):
            raise HyperparameterError(
                f"state.{name}: expected {wanted!r} like the optimiser's, got {value!r}: "
                f"the state was made by another optimiser (to change a setting mid-run, pass "
                f"attrs.evolve(state, {name}=...) to an optimiser made with it)"
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
    if is_real(rate):  # any real number type (int, float, numpy.float32, ...), not a bool
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


@functools.lru_cache(maxsize=256)
def _constant_rate(learning_rate: float, dtype: np.dtype[Any]) -> Any:
    with np.errstate(over="ignore"):  # 1e300 is inf in float32, as NumPy casts it
        rate = np.array(learning_rate, dtype)
    rate.setflags(write=False)
    return rate


def _step_size(learning_rate: LearningRate, count: int, dtype: np.dtype[Any]) -> Any:
    """The learning rate at step ``count`` as an operand for ``dtype``.

    A constant rate is a cached 0-d array of the parameters' dtype: the same
    number NumPy would cast a Python float to, without the cast on every call
    (a third of the cost of an operation on a small array).

    Examples:
        >>> _step_size(0.5, 7, np.dtype(np.float32)).dtype
        dtype('float32')
    """
    if isinstance(learning_rate, Schedule):
        return _lr(learning_rate, count)
    return _constant_rate(learning_rate, dtype)


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
    return new


def _average_square(old: Matrix[F], g: Matrix[F], keep: float) -> Matrix[F]:
    """``keep * old + (1 - keep) * g^2`` as a new read-only array."""
    out: Matrix[F] = g * g
    out *= 1 - keep
    out += old * keep
    return out


def _velocity(old: Matrix[F], g: Matrix[F], beta: float) -> Matrix[F]:
    """``beta * old + g`` as a new read-only array."""
    out: Matrix[F] = old * beta
    out += g
    return out


class _Rebuilt:
    """Unpickling rebuilds a state through its constructor, so its moments are locked again."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        kind: Any = type(self)
        return (kind, tuple(getattr(self, f.name) for f in attrs.fields(kind)))


def _zeros(params: Params[Any]) -> Matrix[Any]:
    """A locked ``(1, N)`` array of zeros shaped like ``params.theta``: a fresh moment."""
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
    return SgdState(learning_rate)


def _sgd_update(
    learning_rate: LearningRate,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    return descend(p, g, _step_size(learning_rate, count, p.dtype)), ()


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


def _momentum_update(
    learning_rate: LearningRate,
    beta: float,
    nesterov: bool,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    (old,) = moments
    v = _velocity(old, g, beta)
    step: Matrix[F] = g + beta * v if nesterov else v
    return descend(p, step, _step_size(learning_rate, count, p.dtype)), (v,)


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


def _rmsprop_update(
    learning_rate: LearningRate,
    rho: float,
    eps: float,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    (old,) = moments
    square = _average_square(old, g, rho)
    return _scaled_step(p, g, square, _lr(learning_rate, count), eps), (square,)


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


def _adam_update(
    learning_rate: LearningRate,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    rate = _lr(learning_rate, count)
    t = count + 1
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    old_mean, old_square = moments
    # Bias correction folded into the step size and eps (exact algebra):
    # (m / c1) / (sqrt(v / c2) + e) = (sqrt(c2) / c1) * m / (sqrt(v) + e sqrt(c2)).
    # math.sqrt keeps them Python floats: numpy scalars would upcast float32.
    rate_t = rate * math.sqrt(c2) / c1
    eps_t = eps * math.sqrt(c2)
    decay = rate * weight_decay
    start = p
    if decay and decayed is True:
        start = p * (1 - decay)
    elif decay and decayed is not False:
        # the packed parameters: the weights' entries scaled as above, the biases' kept
        kind = p.dtype.type
        start = p * np.where(decayed, kind(1 - decay), kind(1))
    # Three new arrays, the moments and the parameters, and no other temporary
    # (benchmarks: digits, fnmlp train, Adam at half the passes' allocations),
    # written block by block on several cores when they are large.
    mean: Matrix[F] = np.empty_like(g)
    square: Matrix[F] = np.empty_like(g)
    new: Matrix[F] = np.empty_like(g)
    args = (beta1, beta2, rate_t, eps_t)
    _threads.rows(_adam_into, g, old_mean, old_square, start, mean, square, new, *args, axis=1)
    return new, (mean, square)


def _adam_into(
    g: Matrix[F],
    old_mean: Matrix[F],
    old_square: Matrix[F],
    start: Matrix[F],
    mean: Matrix[F],
    square: Matrix[F],
    new: Matrix[F],
    beta1: float,
    beta2: float,
    rate_t: float,
    eps_t: float,
) -> None:
    """Adam's step into ``mean``, ``square`` and ``new``, the step worked out in ``new``."""
    # outputs passed by position: NumPy parses them faster than ``out=``
    np.multiply(g, 1 - beta1, mean)
    np.multiply(old_mean, beta1, new)
    np.add(mean, new, mean)
    np.multiply(g, g, square)
    np.multiply(square, 1 - beta2, square)
    np.multiply(old_square, beta2, new)
    np.add(square, new, square)
    np.sqrt(square, new)
    np.add(new, eps_t, new)
    np.divide(mean, new, new)
    np.multiply(new, rate_t, new)
    np.subtract(start, new, new)


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


# ----------------------------------------------------------------------------- chain and clipping


class GradientFunction(Protocol):
    """A transform's function: the network's gradient ``g`` (read-only, ``(1, N)``) -> a new one."""

    def __call__(self, g: Matrix[F], /) -> Matrix[F]: ...


@attrs.frozen(eq=False)
class Transform:
    """A stateless transform of the gradient, applied before an optimiser's rule by :func:`chain`.

    ``apply`` takes the whole network's gradient, the read-only ``(1, N)``
    array ``Grads.g``, and returns a gradient of its shape and dtype: a new
    array, or ``g`` itself when it leaves it as it is. It keeps no state, so
    a chain's state is its optimiser's.

    Attributes:
        name: a readable description with the settings.
        apply: the function of the gradient.

    Examples:
        >>> import numpy as np
        >>> halve = Transform("halve", lambda g: g / 2)
        >>> print(halve.apply(np.array([[2.0, -4.0]])))
        [[ 1. -2.]]
    """

    name: str
    apply: GradientFunction

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise DTypeError(f"name: expected a str, got {self.name!r:.60}")
        if not callable(self.apply):
            raise DTypeError(f"apply: expected a function, got {self.apply!r:.60}")

    def __repr__(self) -> str:
        return self.name


def global_norm(g: Matrix[Any]) -> float:
    """The Euclidean norm of the whole gradient, ``sqrt(sum g^2)``, as a Python float.

    One ``np.vdot`` in ``g``'s own dtype; only if that overflows (entries
    beyond about ``1.8e19`` in float32, ``1.3e154`` in float64) is it taken
    again on ``g`` divided by its largest magnitude, so that a float32
    network neither overflows nor pays for a float64 copy.

    Examples:
        >>> import numpy as np
        >>> global_norm(np.array([[3.0, 4.0]]))
        5.0
        >>> print(f"{global_norm(np.array([[3e20, 4e20]], np.float32)):.4g}")
        5e+20
    """
    with np.errstate(over="ignore", invalid="ignore"):
        square = float(np.vdot(g, g))
        if math.isfinite(square):
            return math.sqrt(square)
        top = float(np.max(np.abs(g)))
        if not math.isfinite(top) or top == 0:
            return top
        scaled = g / g.dtype.type(top)
        return top * math.sqrt(float(np.vdot(scaled, scaled)))


def _clip_norm(max_norm: float, g: Matrix[F]) -> Matrix[F]:
    norm = global_norm(g)
    if norm <= max_norm:  # also a NaN norm: the step's checks report a non-finite gradient
        return g
    clipped: Matrix[F] = g * (max_norm / norm)  # a Python float keeps float32 float32
    return clipped


def clip_by_global_norm(max_norm: float) -> Transform:
    """Scale the gradient down to a global norm of at most ``max_norm``: optax's name.

    ``g * max_norm / max(||g||, max_norm)``, where ``||g||`` is the norm of
    every entry of every layer's ``dW`` and ``db`` together (Keras's
    ``global_clipnorm``, torch's ``clip_grad_norm_``). The direction is kept.
    Use it in :func:`chain`.

    Args:
        max_norm: a positive finite number.

    Raises:
        HyperparameterError: if ``max_norm`` is not positive and finite.

    Examples:
        >>> import numpy as np
        >>> clip = clip_by_global_norm(1.0)
        >>> print(clip, clip.apply(np.array([[3.0, 4.0]])))
        clip_by_global_norm(max_norm=1.0) [[0.6 0.8]]
        >>> clip_by_global_norm(0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: max_norm: expected a positive finite number, got 0
    """
    bound = positive_float(max_norm, "max_norm")
    return Transform(f"clip_by_global_norm(max_norm={bound})", functools.partial(_clip_norm, bound))


@functools.lru_cache(maxsize=256)
def _bounds(max_value: float, dtype: np.dtype[Any]) -> tuple[Any, Any]:
    with np.errstate(over="ignore"):  # 1e300 is inf in float32: no clipping, as it should be
        high = np.array(max_value, dtype)
    low = -high
    high.setflags(write=False)
    low.setflags(write=False)
    return low, high


def _clip_value(max_value: float, g: Matrix[F]) -> Matrix[F]:
    low, high = _bounds(max_value, g.dtype)
    clipped: Matrix[F] = np.clip(g, low, high)
    return clipped


def clip_by_value(max_value: float) -> Transform:
    """Clip every entry of the gradient to ``[-max_value, max_value]``.

    Keras's ``clipvalue``, torch's ``clip_grad_value_``, optax's ``clip``.
    Use it in :func:`chain`.

    Args:
        max_value: a positive finite number.

    Raises:
        HyperparameterError: if ``max_value`` is not positive and finite.

    Examples:
        >>> import numpy as np
        >>> print(clip_by_value(0.5).apply(np.array([[3.0, -0.25, -4.0]])))
        [[ 0.5  -0.25 -0.5 ]]
        >>> clip_by_value(-1.0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: max_value: expected a positive finite number, got -1.0
    """
    bound = positive_float(max_value, "max_value")
    return Transform(f"clip_by_value(max_value={bound})", functools.partial(_clip_value, bound))


def _transformed(transform: Transform, g: Matrix[F]) -> Matrix[F]:
    """``transform`` applied to the read-only ``g``: a read-only array of its shape and dtype."""
    try:
        new: object = transform.apply(g)
    except ValueError as error:
        if "read-only" not in str(error):
            raise
        raise HyperparameterError(
            f"optimizer: expected the transform {transform.name} to return a new array and "
            f"write into none of its arguments, got one that writes into them ({error})"
        ) from None
    if new is g:
        return g
    if not isinstance(new, np.ndarray) or new.shape != g.shape or new.dtype != g.dtype:
        got = f"{new.shape} {new.dtype}" if isinstance(new, np.ndarray) else type(new).__name__
        raise (ShapeError if getattr(new, "shape", None) != g.shape else DTypeError)(
            f"optimizer: expected the transform {transform.name} to return an array of shape "
            f"{g.shape} {g.dtype} like the gradient, got {got}"
        )
    locked: Matrix[F] = lock(new)
    return locked


def _chain_update(
    transforms: tuple[Transform, ...],
    update: Update,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    for transform in transforms:
        g = _transformed(transform, g)
    return update(p, g, moments, count, decayed)


def chain(*parts: Transform | Optimizer[S]) -> Optimizer[S]:
    """An optimiser that applies ``transforms`` to the gradient, in order, then ``optimizer``'s rule.

    ``chain(t1, ..., tk, optimizer)``, after optax's ``chain``: each step's
    gradient ``g`` (the whole network's, L2's term included) becomes
    ``tk(...t1(g))`` before the optimiser's rule sees it, in
    :meth:`Optimizer.step` and :func:`fnmlp.train` alike (both run the
    chained rule through :func:`apply_rule`). The transforms keep no state,
    so the chain's state is the optimiser's own, checked as fast as its
    (same type, settings and shapes): a run can be resumed with clipping
    added, removed or changed, as with ``l2``. The chain pickles when its
    parts do (the built-ins do).

    Args:
        *parts: zero or more :class:`Transform` values such as
            :func:`clip_by_global_norm`, then one :class:`Optimizer`.

    Returns:
        An :class:`Optimizer` with the optimiser's state type, moments and
        settings, named after its parts.

    Raises:
        DTypeError: unless the parts are transforms followed by one optimiser.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Grads, Layer, Params, linear
        >>> params = Params((Layer(np.zeros((1, 1)), np.zeros((1, 1)), linear),))
        >>> grads = Grads(dW=(np.array([[30.0]]),), db=(np.array([[40.0]]),))
        >>> opt = chain(clip_by_global_norm(1.0), sgd(0.1))
        >>> print(opt)
        chain(clip_by_global_norm(max_norm=1.0), sgd(learning_rate=0.1))
        >>> new, state = opt.step(params, grads, opt.init(params))
        >>> print(new.theta, state)
        [[-0.06 -0.08]] SgdState(learning_rate=0.1, count=1)
        >>> chain(sgd(0.1), clip_by_value(1.0))
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: chain: expected transforms then one Optimizer last, got a Transform last
    """
    if not parts or not isinstance(parts[-1], Optimizer):
        last = f"a {type(parts[-1]).__name__} last" if parts else "nothing"
        raise DTypeError(f"chain: expected transforms then one Optimizer last, got {last}")
    optimizer: Optimizer[S] = parts[-1]
    transforms: list[Transform] = []
    for i, transform in enumerate(parts[:-1]):
        if isinstance(transform, Transform):
            transforms.append(transform)
        else:
            raise DTypeError(
                f"chain: expected a Transform such as clip_by_global_norm(1.0) at position {i}, "
                f"got {type(transform).__name__} (the Optimizer comes last, and only one)"
            )
    if not transforms:
        return optimizer
    names = ", ".join([*(t.name for t in transforms), optimizer.name])
    return Optimizer(
        f"chain({names})",
        optimizer.init,
        functools.partial(_chain_update, tuple(transforms), optimizer.update),
        optimizer.moments,
        settings=optimizer.settings,
        state_type=optimizer.state_type,
    )
