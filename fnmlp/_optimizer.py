"""The optimiser's records and how a rule runs, for ``Optimizer.step`` and ``train`` alike.

:class:`Optimizer` (an ``init``/``step`` pair around an elementwise
:class:`Update` rule) and :class:`Transform` (a stateless function of the
gradient) are re-exported by :mod:`fnmlp.optimisers` and
:mod:`fnmlp.transforms`; the rest is the machinery both the step and the
training loop share: :func:`apply_rule` runs a rule and :func:`check_rule`
checks what it gave back, :func:`check_state` and :func:`state_matches` check a
state against its optimiser, :func:`with_moments` and :func:`owned` make the
next state's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp._checks import check_grads, check_params
from fnmlp._validate import all_finite
from fnmlp.aliases import F, Matrix
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError
from fnmlp.records import Grads, Params, lock, params_of
from fnmlp.schedules import Schedule
from fnmlp.steps import check_step

__all__ = [
    "GradientFunction",
    "Optimizer",
    "Transform",
    "Update",
    "apply_rule",
    "check_rule",
    "check_state",
    "owned",
    "state_matches",
    "with_moments",
]

S = TypeVar("S")


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
        >>> from fnmlp import SgdState
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
        >>> from fnmlp import init, momentum
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
            NonFiniteError: if the step overflows a parameter or a moment of the
                state (Adam's squared gradients beyond the dtype's range).

        Examples:
            >>> import numpy as np
            >>> from fnmlp import Layer, Params, Grads, linear, sgd
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
        for name, moment in zip(self.moments, news):
            if not all_finite(moment):
                raise NonFiniteError(
                    f"optimizer: expected a step that keeps the state finite, got {self.name}, "
                    f"whose {name} overflowed (gradients up to {float(np.abs(grads.g).max()):.3g}): scale "
                    f"the inputs and targets"
                )
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
    return lock(new), tuple(map(lock, news)) if news else ()


def check_rule(
    optimizer: Optimizer[Any], p: Matrix[Any], g: Matrix[Any], new: object, moments: object
) -> None:
    """Raise unless an update rule gave ``p`` back as an array of its shape and dtype, with its moments.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import sgd
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
        >>> from fnmlp import init, momentum
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
        >>> from fnmlp import adam, init
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


class GradientFunction(Protocol):
    """A transform's function: the network's gradient ``g`` (read-only, ``(1, N)``) -> a new one."""

    def __call__(self, g: Matrix[F], /) -> Matrix[F]: ...


@attrs.frozen(eq=False)
class Transform:
    """A stateless transform of the gradient, applied before an optimiser's rule by :func:`~fnmlp.chain`.

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
