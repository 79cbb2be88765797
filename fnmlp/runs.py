"""The records of a training run: where it is, what it recorded and what it returns.

:class:`TrainState` is what :func:`fnmlp.train` carries from epoch to epoch
and what a run resumes from; :class:`History` and :class:`LogEntry` are what it
recorded; :class:`TrainResult` is what it returns; :class:`EarlyStopping` says
when it stops.

Examples:
    >>> import numpy as np
    >>> from fnmlp import binary_cross_entropy, init, sgd, train
    >>> result = train(init([1, 1], seed=0), [[0.0, 1.0]], [[1, 0]],
    ...                loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=4, log_every=2)
    >>> result.history.epochs, result.state.epoch
    ((2, 4), 4)
"""

from __future__ import annotations

import functools
import math
from typing import Any, Generic

import attrs
import numpy as np

from fnmlp._validate import positive_float, positive_int
from fnmlp.aliases import F
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError
from fnmlp.losses import Loss
from fnmlp.records import Params
from fnmlp.schedules import Schedule

__all__ = [
    "EarlyStopping",
    "Entry",
    "Fingerprint",
    "History",
    "Log",
    "LogEntry",
    "TrainResult",
    "TrainState",
    "same_schedule",
]

# A history grows by consing onto a linked list of tuples, (newest, rest), so an
# epoch step adds an entry in O(1) without copying what came before.
Log = tuple["Entry", "Log"] | None
Entry = tuple[int, float, float, float, float]  # epoch, train loss/acc, val loss/acc


@attrs.frozen(eq=False)
class History:
    """What training recorded, oldest first, one entry per logged epoch.

    Attributes:
        epochs: how many epochs had been completed at each entry (0 is the
            starting network).
        train_loss: by default, the mean of the logged epoch's mini-batch
            losses, each taken before its step (plus the L2 penalty at the
            log); with ``running_loss=False``, the loss on the whole training
            set (L2 penalty included).
        train_accuracy: accuracy on the training set (by default over the
            logged epoch's batches); empty for mean squared error.
        validation_loss: the loss on the validation data (without the L2
            penalty, which belongs to the training objective); empty without it.
        validation_accuracy: accuracy on the validation data; empty when either
            is not tracked.
        best_epoch: the entry's epoch with the lowest validation loss (or
            training loss, without validation data); under early stopping, the
            last that improved on the best before it by more than ``min_delta``.

    Raises:
        DTypeError: if a column is not a tuple or ``best_epoch`` not an int.
        ShapeError: if ``train_loss`` is not one entry per epoch, or another
            column is neither empty nor one entry per epoch.
        HyperparameterError: if ``best_epoch`` is negative.

    Examples:
        >>> history = History((0, 10), (0.7, 0.2), (0.5, 0.9), (), (), 10)
        >>> print(history.final_loss, history.best_epoch)
        0.2 10
        >>> History((0, 10), (0.7,), (), (), (), 10)
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: train_loss: expected one entry per epoch (2), got 1
    """

    epochs: tuple[int, ...]
    train_loss: tuple[float, ...]
    train_accuracy: tuple[float, ...]
    validation_loss: tuple[float, ...]
    validation_accuracy: tuple[float, ...]
    best_epoch: int

    def __attrs_post_init__(self) -> None:
        # Lengths only, never the entries: built whenever a run's history is read.
        columns = {
            "epochs": self.epochs,
            "train_loss": self.train_loss,
            "train_accuracy": self.train_accuracy,
            "validation_loss": self.validation_loss,
            "validation_accuracy": self.validation_accuracy,
        }
        for name, column in columns.items():
            given: object = column  # checked at run time: callers may send anything
            if not isinstance(given, tuple):
                raise DTypeError(f"{name}: expected a tuple, got {_shown(given)}")
        n = len(self.epochs)
        if len(self.train_loss) != n:
            raise ShapeError(
                f"train_loss: expected one entry per epoch ({n}), got {len(self.train_loss)}"
            )
        for name in ("train_accuracy", "validation_loss", "validation_accuracy"):
            if len(columns[name]) not in (0, n):
                raise ShapeError(
                    f"{name}: expected no entries or one per epoch ({n}), got {len(columns[name])}"
                )
        _count(self.best_epoch, "best_epoch")

    @property
    def final_loss(self) -> float:
        """The last training loss recorded.

        Examples:
            >>> History((0,), (0.5,), (), (), (), 0).final_loss
            0.5
        """
        return self.train_loss[-1]


@attrs.frozen(eq=False)
class EarlyStopping:
    """Stop when the validation loss has not improved by ``min_delta`` for ``patience`` epochs.

    Under early stopping, validation is measured after every epoch, so the
    epoch a run stops at does not depend on ``log_every`` or ``epochs``.
    Training returns the best params.

    Attributes:
        patience: epochs without improvement before stopping (positive).
        min_delta: the smallest decrease that counts as improvement (>= 0).

    Examples:
        >>> EarlyStopping(patience=0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: patience: expected a positive int, got 0
    """

    patience: int = attrs.field(default=10)
    min_delta: float = attrs.field(default=0.0)

    def __attrs_post_init__(self) -> None:
        positive_int(self.patience, "patience")
        positive_float(self.min_delta, "min_delta", allow_zero=True)


def _same_function(a: object, b: object) -> bool:
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
            _same_function(a.func, b.func)
            and type(a.args) is type(b.args)
            and len(a.args) == len(b.args)
            and all(_same_value(x, y) for x, y in zip(a.args, b.args))
            and a.keywords.keys() == b.keywords.keys()
            and all(_same_value(a.keywords[k], b.keywords[k]) for k in a.keywords)
        )
    code_a, code_b = getattr(a, "__code__", None), getattr(b, "__code__", None)
    if code_a is None or code_a is not code_b:
        return False
    cells_a = getattr(a, "__closure__", None) or ()
    cells_b = getattr(b, "__closure__", None) or ()
    return (
        getattr(a, "__globals__", None) is getattr(b, "__globals__", None)
        and _same_values(getattr(a, "__defaults__", None), getattr(b, "__defaults__", None))
        and _same_values(getattr(a, "__kwdefaults__", None), getattr(b, "__kwdefaults__", None))
        and len(cells_a) == len(cells_b)
        and all(_same_value(x.cell_contents, y.cell_contents) for x, y in zip(cells_a, cells_b))
    )


def _same_value(a: object, b: object) -> bool:
    """``a is b``, or numbers, strings and bools of one type that are equal."""
    if a is b:
        return True
    plain = (int, float, str, bool, type(None))
    return type(a) is type(b) and isinstance(a, plain) and a == b


def _same_values(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
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
    return a is b or (a.name == b.name and _same_function(a.fn, b.fn))


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
            raise DTypeError(f"loss: expected an fnmlp Loss, got {_shown(loss)}")
        # kept as plain float and ints, as train records them, so that they compare by value
        object.__setattr__(self, "l2", positive_float(self.l2, "l2", allow_zero=True))
        if self.batch_size is not None:
            object.__setattr__(self, "batch_size", positive_int(self.batch_size, "batch_size"))
        object.__setattr__(self, "seed", positive_int(self.seed, "seed", allow_zero=True))
        schedule: object = self.schedule
        if schedule is not None and not isinstance(schedule, Schedule):
            raise DTypeError(f"schedule: expected a Schedule or None, got {_shown(schedule)}")
        rates: object = self.dropout
        if not isinstance(rates, tuple):
            raise DTypeError(f"dropout: expected a tuple of rates, got {_shown(rates)}")
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


@attrs.frozen(eq=False)
class TrainState(Generic[F]):
    """Everything training carries from one epoch to the next; resume from it.

    Attributes:
        params: the network after ``epoch`` epochs.
        opt_state: the optimiser's state after ``epoch`` epochs.
        epoch: epochs completed.
        best_params: the params with the best monitored loss so far.
        best_epoch: the epoch at which ``best_params`` were recorded.
        best_loss: their monitored loss (validation loss when given).
        stopped: ``True`` once early stopping has ended the run. A run resumed
            from a stopped state trains on, and stops again after its next
            epoch unless the monitored loss has improved on ``best_loss``.
        checkpoint: ``(epoch, params, opt_state)`` at the latest measured
            epoch (a log, or every epoch under early stopping; at the start
            when nothing was measured yet); a
            divergence is replayed from it to name the first epoch that failed.
        fingerprint: the settings that make the run this run (a
            :class:`Fingerprint`: loss, l2, batch size, seed, schedule), which
            :func:`fnmlp.train` checks when resuming; ``None`` (the default)
            for a state that records none, which resumes with any settings.

    Raises:
        DTypeError: if ``params`` or ``best_params`` is not ``Params``, the two
            differ in dtype, ``epoch`` or ``best_epoch`` is not an int,
            ``best_loss`` not a real number, ``stopped`` not a bool, ``log``
            not ``None`` or a log, ``checkpoint`` not ``None`` or a triple
            ``(int, Params, state)``, or ``fingerprint`` not a
            :class:`Fingerprint` or ``None``.
        ShapeError: if ``best_params`` or the checkpoint's params have other
            layer sizes or activations than ``params``.
        HyperparameterError: if ``epoch`` is negative, ``best_epoch`` or the
            checkpoint's epoch lies outside ``[0, epoch]``.
        NonFiniteError: if ``best_loss`` is NaN (``inf``, the loss before any
            log, is allowed).

    Examples:
        >>> import attrs
        >>> import numpy as np
        >>> from fnmlp import init, scan, sgd, binary_cross_entropy
        >>> states = scan(init([1, 1], seed=0), [[0.0, 1.0]], [[1, 0]],
        ...               loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=3)
        >>> [state.epoch for state in states]
        [0, 1, 2, 3]
        >>> params = init([1, 1], seed=0)
        >>> state = TrainState(params, sgd(0.1).init(params), 0, params, 0, float("inf"), False)
        >>> attrs.evolve(state, epoch=-5)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: epoch: expected a non-negative int, got -5
    """

    params: Params[F]
    opt_state: Any
    epoch: int
    best_params: Params[F]
    best_epoch: int
    best_loss: float
    stopped: bool
    log: Log = attrs.field(default=None, repr=False)
    checkpoint: tuple[int, Params[F], Any] | None = attrs.field(default=None, repr=False)
    fingerprint: Fingerprint | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        # Built at every log of every run: type tests and the architecture's
        # sizes, dtype and activation names only, never a pass over the arrays.
        params: object = self.params  # checked at run time: callers may send anything
        best: object = self.best_params
        if not isinstance(params, Params):
            raise DTypeError(f"params: expected fnmlp Params, got {_shown(params)}")
        if not isinstance(best, Params):
            raise DTypeError(f"best_params: expected fnmlp Params, got {_shown(best)}")
        if best is not params:
            _check_same_architecture(params, best)
        epoch = _count(self.epoch, "epoch")
        best_epoch = _count(self.best_epoch, "best_epoch")
        if best_epoch > epoch:
            raise HyperparameterError(
                f"best_epoch: expected an int in [0, epoch] = [0, {epoch}], got {best_epoch}"
            )
        loss: object = self.best_loss
        if not isinstance(loss, (int, float, np.integer, np.floating)) or isinstance(loss, bool):
            raise DTypeError(
                f"best_loss: expected a float (inf before any log), got {_shown(loss)}"
            )
        if isinstance(loss, (float, np.floating)) and math.isnan(loss):
            raise NonFiniteError("best_loss: expected a float or inf, got nan")
        stopped: object = self.stopped
        if not isinstance(stopped, bool):
            raise DTypeError(f"stopped: expected a bool, got {_shown(stopped)}")
        log: object = self.log  # the newest entry only: a log is built one entry at a time
        if log is not None and not (
            isinstance(log, tuple)
            and len(log) == 2
            and isinstance(log[0], tuple)
            and len(log[0]) == 5
            and (log[1] is None or isinstance(log[1], tuple))
        ):
            raise DTypeError(
                f"log: expected None or a log ((epoch, train loss, train accuracy, validation "
                f"loss, validation accuracy), older log), got {_shown(log)}"
            )
        checkpoint: object = self.checkpoint
        if checkpoint is not None:
            if not (
                isinstance(checkpoint, tuple)
                and len(checkpoint) == 3
                and isinstance(checkpoint[1], Params)
            ):
                raise DTypeError(
                    f"checkpoint: expected None or (epoch, params, opt_state), got "
                    f"{_shown(checkpoint)}"
                )
            at = _count(checkpoint[0], "checkpoint[0]")
            if at > epoch:
                raise HyperparameterError(
                    f"checkpoint[0]: expected an epoch in [0, epoch] = [0, {epoch}], got {at}"
                )
            if checkpoint[1] is not params:
                _check_same_architecture(params, checkpoint[1], "checkpoint[1]")
        fingerprint: object = self.fingerprint
        if fingerprint is not None and not isinstance(fingerprint, Fingerprint):
            raise DTypeError(
                f"fingerprint: expected a Fingerprint or None, got {_shown(fingerprint)}"
            )

    @property
    def latest(self) -> LogEntry | None:
        """The newest history entry, in constant time (``None`` before any).

        Reading :attr:`history` walks every entry; a loop over :func:`scan`
        that looks at each epoch's numbers should read this instead.

        Examples:
            >>> import numpy as np
            >>> from fnmlp import init, scan, sgd, binary_cross_entropy
            >>> *_, last = scan(init([1, 1], seed=0), [[0.0, 1.0]], [[1, 0]],
            ...                 loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=2,
            ...                 log_every=1)
            >>> entry = last.latest
            >>> print(entry.epoch, round(entry.train_loss, 4), entry.train_accuracy, entry.validation_loss)
            2 0.7322 0.0 None
        """
        if self.log is None:
            return None
        epoch, train_loss, train_acc, val_loss, val_acc = self.log[0]

        def known(value: float) -> float | None:
            return None if np.isnan(value) else float(value)

        return LogEntry(
            int(epoch), float(train_loss), known(train_acc), known(val_loss), known(val_acc)
        )

    @property
    def history(self) -> History:
        """The :class:`History` recorded so far, oldest first (built in time linear in its length).

        Examples:
            >>> import numpy as np
            >>> from fnmlp import init, scan, sgd, mean_squared_error
            >>> *_, last = scan(init([1, 1], seed=0), [[0.0, 1.0]], [[1, 0]],
            ...                 loss=mean_squared_error, optimizer=sgd(0.1), epochs=2)
            >>> last.history.epochs, last.history.train_accuracy
            ((1, 2), ())
        """
        entries: list[Entry] = []
        node = self.log
        while node is not None:
            entries.append(node[0])
            node = node[1]
        entries.reverse()
        columns = list(zip(*entries)) if entries else [()] * 5

        def kept(column: tuple[Any, ...]) -> tuple[float, ...]:
            return () if any(np.isnan(v) for v in column) else tuple(float(v) for v in column)

        return History(
            tuple(int(e) for e in columns[0]),
            tuple(float(v) for v in columns[1]),
            kept(columns[2]),
            kept(columns[3]),
            kept(columns[4]),
            self.best_epoch,
        )


def _shown(value: object) -> str:
    try:
        shown = repr(value)
    except Exception:  # a repr that fails is not shown
        shown = "(unprintable)"
    return f"{type(value).__name__} {shown}"[:120]


def _count(value: object, name: str) -> int:
    """``value`` as a non-negative int: an epoch count."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise DTypeError(f"{name}: expected a non-negative int, got {_shown(value)}")
    if value < 0:
        raise HyperparameterError(f"{name}: expected a non-negative int, got {value}")
    return int(value)


def _check_same_architecture(
    params: Params[Any], best: Params[Any], name: str = "best_params"
) -> None:
    """``best`` must be a network ``params`` could have been: same sizes, activations, dtype."""
    if best.dtype != params.dtype:
        raise DTypeError(
            f"{name}: expected dtype {params.dtype} like params {params!r}, got {best!r}"
        )
    same_names = len(best.activations) == len(params.activations) and all(
        a.name == b.name for a, b in zip(params.activations, best.activations)
    )
    if best.dims != params.dims or not same_names:
        raise ShapeError(
            f"{name}: expected the layer sizes and activations of params {params!r}, got {best!r}"
        )


@attrs.frozen
class LogEntry:
    """One history entry: the numbers recorded after ``epoch`` epochs.

    Attributes:
        epoch: epochs completed when it was recorded.
        train_loss: the training loss (L2 penalty included): the mean over the
            epoch's batches, or over the whole set with ``running_loss=False``.
        train_accuracy: accuracy on the training set, or ``None`` when not tracked.
        validation_loss: the validation loss, or ``None`` without validation data.
        validation_accuracy: the validation accuracy, or ``None``.

    Examples:
        >>> LogEntry(10, 0.25, 0.9, None, None).train_accuracy
        0.9
    """

    epoch: int
    train_loss: float
    train_accuracy: float | None
    validation_loss: float | None
    validation_accuracy: float | None


@attrs.frozen(eq=False)
class TrainResult(Generic[F]):
    """What :func:`fnmlp.train` returns.

    Attributes:
        params: the trained network (the best one seen, under early stopping).
        history: the recorded losses and accuracies.
        state: the final :class:`TrainState`; pass it to :func:`fnmlp.train` to resume.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init, sgd, mean_squared_error, linear, train
        >>> result = train(init([1, 1], output=linear, seed=0), [[0.0, 1.0]], [[1, 3]],
        ...                loss=mean_squared_error, optimizer=sgd(0.1), epochs=300)
        >>> print(np.round(result.params.layers[0].W, 3), result.state.epoch)
        [[2.]] 300
    """

    params: Params[F]
    history: History
    state: TrainState[F]
