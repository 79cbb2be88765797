"""The records of a training run: where it is, what it recorded and what it returns.

:class:`TrainState` is what :func:`fnmlp.train` carries from epoch to epoch
and what a run resumes from; :class:`History` and :class:`LogEntry` are what it
recorded; :class:`TrainResult` is what it returns. What says when it stops
(:class:`~fnmlp.EarlyStopping`) or slows down (:class:`~fnmlp.ReduceLROnPlateau`)
is in :mod:`fnmlp.callbacks`.

Examples:
    >>> import numpy as np
    >>> from fnmlp import binary_cross_entropy, init, sgd, train
    >>> result = train(init([1, 1], seed=0), [[0.0, 1.0]], [[1, 0]],
    ...                loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=4, log_every=2)
    >>> result.history.epochs, result.state.epoch
    ((2, 4), 4)
"""

from __future__ import annotations

import math
from typing import Any, Generic

import attrs
import numpy as np

# Re-exports: Fingerprint and same_schedule live in fnmlp._fingerprint, imported from here.
from fnmlp._fingerprint import Fingerprint as Fingerprint
from fnmlp._fingerprint import same_schedule as same_schedule
from fnmlp._fingerprint import shown
from fnmlp.aliases import F
from fnmlp.callbacks import EarlyStopping, Plateau, ReduceLROnPlateau
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError
from fnmlp.records import Params

__all__ = [
    "EarlyStopping",
    "Entry",
    "Fingerprint",
    "History",
    "Log",
    "LogEntry",
    "Plateau",
    "ReduceLROnPlateau",
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
            penalty, which belongs to the training objective); empty without it,
            and NaN at the entries made without it when a resumed run was given
            it or left it out (``validation_accuracy`` likewise).
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
                raise DTypeError(f"{name}: expected a tuple, got {shown(given)}")
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
        plateau: where :class:`ReduceLROnPlateau` is (the scale of the steps).

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
    plateau: Plateau = attrs.field(factory=Plateau, repr=False)

    def __attrs_post_init__(self) -> None:
        # Built at every log of every run: type tests and the architecture's
        # sizes, dtype and activation names only, never a pass over the arrays.
        params: object = self.params  # checked at run time: callers may send anything
        best: object = self.best_params
        if not isinstance(params, Params):
            raise DTypeError(f"params: expected fnmlp Params, got {shown(params)}")
        if not isinstance(best, Params):
            raise DTypeError(f"best_params: expected fnmlp Params, got {shown(best)}")
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
            raise DTypeError(f"best_loss: expected a float (inf before any log), got {shown(loss)}")
        if isinstance(loss, (float, np.floating)) and math.isnan(loss):
            raise NonFiniteError("best_loss: expected a float or inf, got nan")
        stopped: object = self.stopped
        if not isinstance(stopped, bool):
            raise DTypeError(f"stopped: expected a bool, got {shown(stopped)}")
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
                f"loss, validation accuracy), older log), got {shown(log)}"
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
                    f"{shown(checkpoint)}"
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
                f"fingerprint: expected a Fingerprint or None, got {shown(fingerprint)}"
            )
        plateau: object = self.plateau
        if not isinstance(plateau, Plateau):
            raise DTypeError(f"plateau: expected a Plateau, got {shown(plateau)}")

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
            # a column never measured is empty; one measured from a resume on is NaN before
            return () if all(np.isnan(v) for v in column) else tuple(float(v) for v in column)

        return History(
            tuple(int(e) for e in columns[0]),
            tuple(float(v) for v in columns[1]),
            kept(columns[2]),
            kept(columns[3]),
            kept(columns[4]),
            self.best_epoch,
        )


_STATE_FIELDS = tuple(field.name for field in attrs.fields(TrainState))


def state_of(*values: Any) -> TrainState[Any]:
    """The trusted :class:`TrainState` of every field's value, in order, that training computed.

    No checks (the training loop builds one at every log from records it
    made); a user's values go through ``TrainState(...)``, which checks them.

    Examples:
        >>> from fnmlp import init, sgd
        >>> params = init([1, 1], seed=0)
        >>> start = TrainState(params, sgd(0.1).init(params), 0, params, 0, float("inf"), False)
        >>> state = state_of(*attrs.astuple(start, recurse=False))
        >>> state.epoch, state.params is params, state.plateau == start.plateau
        (0, True, True)
    """
    state: TrainState[Any] = object.__new__(TrainState)
    for name, value in zip(_STATE_FIELDS, values, strict=True):
        object.__setattr__(state, name, value)
    return state


def _count(value: object, name: str) -> int:
    """``value`` as a non-negative int: an epoch count."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise DTypeError(f"{name}: expected a non-negative int, got {shown(value)}")
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
