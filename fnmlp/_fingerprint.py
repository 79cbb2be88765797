"""What makes a run the same run: the :class:`Fingerprint` a resumed run is checked against.

:class:`Fingerprint` records the settings a run cannot change and still be
itself (loss, penalty, batch size, seed, dropout, schedule);
:func:`same_schedule` tells whether two learning-rate schedules are one.
Both are re-exported by :mod:`fnmlp.runs`, where they are documented.
"""

from __future__ import annotations

import functools

import attrs

from fnmlp._validate import positive_float, positive_int
from fnmlp.errors import DTypeError, HyperparameterError
from fnmlp.losses import Loss
from fnmlp.schedules import Schedule

__all__ = ["Fingerprint", "same_schedule", "shown"]


def shown(value: object) -> str:
    """``value``'s type and repr for an error message, at most 120 characters."""
    try:
        shown = repr(value)
    except Exception:  # a repr that fails is not shown
        shown = "(unprintable)"
    return f"{type(value).__name__} {shown}"[:120]


def same_function(a: object, b: object) -> bool:
    """Whether two schedule functions are one: the same object, equal partials, or one closure.

    Partials (every built-in schedule) are the same when their function is
    and their arguments are equal; plain functions when they share their
    code, globals, defaults and the contents of their closures (a ``def``
    run twice with the same values).
    """
    if a is b:
        return True
    if isinstance(a, functools.partial) and isinstance(b, functools.partial):
        return (
            same_function(a.func, b.func)
            and type(a.args) is type(b.args)
            and len(a.args) == len(b.args)
            and all(same_value(x, y) for x, y in zip(a.args, b.args))
            and a.keywords.keys() == b.keywords.keys()
            and all(same_value(a.keywords[k], b.keywords[k]) for k in a.keywords)
        )
    code_a, code_b = getattr(a, "__code__", None), getattr(b, "__code__", None)
    if code_a is None or code_a is not code_b:
        return False
    cells_a = getattr(a, "__closure__", None) or ()
    cells_b = getattr(b, "__closure__", None) or ()
    return (
        getattr(a, "__globals__", None) is getattr(b, "__globals__", None)
        and same_values(getattr(a, "__defaults__", None), getattr(b, "__defaults__", None))
        and same_values(getattr(a, "__kwdefaults__", None), getattr(b, "__kwdefaults__", None))
        and len(cells_a) == len(cells_b)
        and all(same_value(x.cell_contents, y.cell_contents) for x, y in zip(cells_a, cells_b))
    )


def same_value(a: object, b: object) -> bool:
    """``a is b``, or numbers, strings and bools of one type that are equal."""
    if a is b:
        return True
    plain = (int, float, str, bool, type(None))
    return type(a) is type(b) and isinstance(a, plain) and a == b


def same_values(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a is b


def same_schedule(a: Schedule, b: Schedule) -> bool:
    """Whether two schedules are one: the same name and the same function (see :class:`Fingerprint`).

    Examples:
        >>> from fnmlp import Schedule, cosine_decay
        >>> same_schedule(cosine_decay(0.1, steps=10), cosine_decay(0.1, steps=10))
        True
        >>> same_schedule(Schedule("mine", lambda t: 0.1), Schedule("mine", lambda t: 0.2))
        False
    """
    return a is b or (a.name == b.name and same_function(a.fn, b.fn))


@attrs.frozen(eq=False)
class Fingerprint:
    """What a run needs to stay the same run: recorded in a :class:`TrainState`, checked on resuming.

    :func:`fnmlp.train` and :func:`fnmlp.scan` record it in every state they
    make, and refuse to resume a state whose fingerprint differs from the
    settings they are given (a ``HyperparameterError`` that names the setting):
    a run that went on with another loss, penalty, batch size, shuffle seed or
    dropout would silently be another run. To start a new run from a state's network,
    pass ``state.params`` instead of the state. The data may change (that is
    how streaming and ``partial_fit`` work), and so may the learning rate, by
    an optimiser made with the new rate given ``attrs.evolve(state.opt_state,
    learning_rate=...)`` (:func:`fnmlp.optimisers.check_state` governs the
    optimiser).

    Attributes:
        loss: the :class:`~fnmlp.Loss` (compared field by field, its functions
            by identity, so a pickled built-in is the built-in).
        l2: the L2 penalty.
        batch_size: the mini-batch size, ``None`` for full batch.
        seed: the shuffle's seed.
        schedule: the optimiser's learning-rate :class:`~fnmlp.Schedule`, or
            ``None`` (a constant rate, or an optimiser of a user's own). A
            schedule of the same name must be the same function: the same
            object, a partial of the same function with equal arguments (the
            built-in schedules), or a function of the same code and closure.
        dropout: the hidden layers' dropout rates, ``()`` for none.

    Raises:
        DTypeError: for a ``loss`` that is not a Loss or a ``schedule`` that is
            neither a Schedule nor ``None``.
        HyperparameterError: for a negative or non-finite ``l2``, a
            ``batch_size`` that is not a positive int (or ``None``) or a
            negative ``seed``.

    Examples:
        >>> from fnmlp import binary_cross_entropy, mean_squared_error
        >>> run = Fingerprint(binary_cross_entropy, 0.0, 32, 0)
        >>> run.check(Fingerprint(binary_cross_entropy, 0.0, 32, 0))
        >>> run.check(Fingerprint(mean_squared_error, 0.0, 32, 0))
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: loss: expected binary_cross_entropy, the loss of the run being resumed (its TrainState.fingerprint), got mean_squared_error; a resumed run keeps its loss, l2, batch_size, seed, dropout and schedule: to start a new run from its network, call train(state.params, ...) instead
    """

    loss: Loss
    l2: float
    batch_size: int | None
    seed: int
    schedule: Schedule | None = None
    dropout: tuple[float, ...] = ()

    def __attrs_post_init__(self) -> None:
        loss: object = self.loss  # checked at run time: callers may send anything
        if not isinstance(loss, Loss):
            raise DTypeError(f"loss: expected an fnmlp Loss, got {shown(loss)}")
        # kept as plain float and ints, as train records them, so that they compare by value
        object.__setattr__(self, "l2", positive_float(self.l2, "l2", allow_zero=True))
        if self.batch_size is not None:
            object.__setattr__(self, "batch_size", positive_int(self.batch_size, "batch_size"))
        object.__setattr__(self, "seed", positive_int(self.seed, "seed", allow_zero=True))
        schedule: object = self.schedule
        if schedule is not None and not isinstance(schedule, Schedule):
            raise DTypeError(f"schedule: expected a Schedule or None, got {shown(schedule)}")
        rates: object = self.dropout
        if not isinstance(rates, tuple):
            raise DTypeError(f"dropout: expected a tuple of rates, got {shown(rates)}")
        object.__setattr__(
            self,
            "dropout",
            tuple(positive_float(r, f"dropout[{i}]", allow_zero=True) for i, r in enumerate(rates)),
        )

    def check(self, given: Fingerprint) -> None:
        """Raise ``HyperparameterError`` naming the first setting in which ``given`` differs.

        ``self`` is the run's, ``given`` the settings of the call resuming it.
        """
        resume = (
            "; a resumed run keeps its loss, l2, batch_size, seed, dropout and schedule: to start a new "
            "run from its network, call train(state.params, ...) instead"
        )
        of_run = "the run being resumed (its TrainState.fingerprint)"
        if self.loss != given.loss:
            got = given.loss.name
            if got == self.loss.name:
                got = f"another Loss named {got} (other functions or fields)"
            raise HyperparameterError(
                f"loss: expected {self.loss.name}, the loss of {of_run}, got {got}{resume}"
            )
        for name in ("l2", "batch_size", "seed", "dropout"):
            mine, theirs = getattr(self, name), getattr(given, name)
            if type(mine) is not type(theirs) or mine != theirs:
                raise HyperparameterError(
                    f"{name}: expected {mine!r}, the {name} of {of_run}, got {theirs!r}{resume}"
                )
        a, b = self.schedule, given.schedule
        if a is not None and b is not None and a.name == b.name and not same_schedule(a, b):
            raise HyperparameterError(
                f"optimizer: expected the learning-rate schedule {a.name!r} of {of_run}, got "
                f"another function under the same name{resume} (or pass the very Schedule "
                f"the run was made with)"
            )
