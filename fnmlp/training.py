"""``train``: a fold of one pure epoch step over ``range(epochs)``; ``scan``: every state.

``train(params, X, Y, ...)`` is ``functools.reduce(step, range(epochs), state)``
and ``scan`` is ``itertools.accumulate`` of the same ``step``: a lazy
generator of every :class:`TrainState`, for progress bars, plots or stopping
by hand, with nothing mutated.

Each epoch runs full-batch gradient descent (``batch_size=None``) or shuffled
mini-batches; the shuffle of epoch ``e`` comes from a generator seeded with
``(seed, e)``, so a run resumed from its returned state is bit-identical to
one uninterrupted run (:func:`batches` gives an epoch's batches, for a loop
of the stages by hand). Every ``log_every`` epochs the training loss (and
accuracy, for the cross-entropies) is recorded in an immutable
:class:`History`: by default the mean over that epoch's batches, which the
steps compute anyway; with ``running_loss=False``, a pass over the whole
training set. Validation data, when given, are measured exactly.

Training takes what Keras's ``fit`` and scikit-learn's estimators take:
``sample_weight``, ``class_weight`` (per class, or ``"balanced"``),
``validation_fraction`` (a seeded, stratified hold-out, :func:`split_indices`),
and targets given as labels of any kind (encoded by :class:`~fnmlp.Labels`).

Examples:
    >>> import numpy as np
    >>> from fnmlp import binary_cross_entropy, init, sgd, tanh, train
    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    >>> Y = np.array([[0, 1, 1, 0]])
    >>> result = train(init([2, 4, 1], hidden=tanh, seed=0), X, Y,
    ...                loss=binary_cross_entropy, optimizer=sgd(1.0), epochs=2000,
    ...                log_every=500)
    >>> print(result.history.epochs)
    (500, 1000, 1500, 2000)
    >>> print(result.history.train_loss[-1] < 0.01, result.history.train_accuracy[-1])
    True 1.0
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp import _loop
from fnmlp._data import batches as batches  # re-exported: documented here
from fnmlp._data import split_indices as split_indices  # re-exported: documented here
from fnmlp._setup import prepare
from fnmlp.aliases import F
from fnmlp.errors import HyperparameterError, TrainingInterrupted
from fnmlp.losses import Loss
from fnmlp.optimisers import Optimizer
from fnmlp.records import Params
from fnmlp.runs import EarlyStopping, Log, ReduceLROnPlateau, TrainResult, TrainState

__all__ = ["ClassWeight", "batches", "scan", "split_indices", "train"]

ClassWeight = Mapping[Any, float] | Literal["balanced"]
"""``{class: weight}`` (a class index, or a label when ``Y`` holds labels) or ``"balanced"``."""


def scan(
    params: Params[F] | TrainState[F],
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    *,
    loss: Loss,
    optimizer: Optimizer[Any],
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
    validation: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    log_every: int | None = None,
    l2: float = 0.0,
    early_stopping: EarlyStopping | None = None,
    running_loss: bool = True,
    sample_weight: npt.ArrayLike | None = None,
    dropout: float | Sequence[float] | None = None,
    reduce_lr_on_plateau: ReduceLROnPlateau | None = None,
    class_weight: ClassWeight | None = None,
    validation_fraction: float | None = None,
) -> Iterator[TrainState[F]]:
    """Lazily yield the starting state and the state after every epoch.

    ``itertools.accumulate(range(epochs), step, initial=state)``: the same
    states :func:`train` folds over. Arguments are checked when this is called,
    before the first state is yielded. It stops early (fewer states) when
    early stopping ends the run. Nothing a yielded state holds is written by
    a later step. A resumed state's settings are checked as :func:`train`
    checks them.

    Ctrl-C during a ``for state in scan(...)`` loop raises a plain
    ``KeyboardInterrupt``: the loop already holds the last state it was
    given, and ``train(state, ...)`` or ``scan(state, ...)`` resumes from it.

    Args:
        As :func:`train`.

    Yields:
        :class:`TrainState` records, ``epochs + 1`` of them unless stopped early.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init, sgd, binary_cross_entropy
        >>> states = scan(init([2, 2, 1], seed=1, scheme="random"),
        ...               [[0, 0, 1, 1], [0, 1, 0, 1]], [[0, 0, 0, 1]],
        ...               loss=binary_cross_entropy, optimizer=sgd(1.0), epochs=1000,
        ...               log_every=1)
        >>> for state in states:
        ...     if state.latest is not None and state.latest.train_accuracy == 1.0:
        ...         break
        >>> print(state.epoch)
        38
    """
    setup, state, epochs_range = prepare(
        params,
        X,
        Y,
        loss=loss,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        log_every=log_every,
        l2=l2,
        early_stopping=early_stopping,
        running_loss=running_loss,
        sample_weight=sample_weight,
        dropout=dropout,
        reduce_lr_on_plateau=reduce_lr_on_plateau,
        class_weight=class_weight,
        validation_fraction=validation_fraction,
    )

    def states() -> Iterator[TrainState[F]]:
        for carry in itertools.accumulate(
            epochs_range,
            functools.partial(_loop.quiet_step, setup),
            initial=_loop.carry(setup, state),
        ):
            state_ = _loop.state(setup, carry)
            yield state_
            if state_.stopped:
                return

    return states()


def train(
    params: Params[F] | TrainState[F],
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    *,
    loss: Loss,
    optimizer: Optimizer[Any],
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
    validation: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    log_every: int | None = None,
    l2: float = 0.0,
    early_stopping: EarlyStopping | None = None,
    running_loss: bool = True,
    sample_weight: npt.ArrayLike | None = None,
    dropout: float | Sequence[float] | None = None,
    reduce_lr_on_plateau: ReduceLROnPlateau | None = None,
    class_weight: ClassWeight | None = None,
    validation_fraction: float | None = None,
    progress: bool = False,
) -> TrainResult[F]:
    """Train ``params`` on ``(X, Y)``: ``functools.reduce(step, range(epochs), state)``.

    Args:
        params: the starting network, or a :class:`TrainState` from an earlier
            run to resume (its epoch count, optimiser state and history go on).
        X: inputs of shape ``(n_x, m)``.
        Y: targets of shape ``(n_y, m)``; or, for a softmax output of ``k``
            units (one sigmoid unit), ``m`` labels that are strings or other
            objects, of ``k`` (two) classes, encoded by ``fnmlp.labels_of(Y)``:
            classes in sorted order, the second one class 1 of a sigmoid.
            Integer class indices are not labels: pass ``fnmlp.one_hot(Y, k)``.
        loss: the :class:`~fnmlp.Loss` to minimise.
        optimizer: an :class:`~fnmlp.Optimizer` such as ``sgd(0.1)`` or ``adam(1e-3)``.
        epochs: how many (more) epochs to run.
        batch_size: ``None`` for full batch, else the mini-batch size.
        seed: seeds the shuffle of epoch ``e`` as ``(seed, e)``.
        validation: optional ``(X_val, Y_val)``, measured exactly at each log
            (and every epoch under early stopping).
        log_every: record the history every this many epochs, and at the end;
            by default ``epochs // 100`` (at least 1), so about a hundred
            entries. Counted from epoch 0 across resumed runs, so a resumed
            run's history equals an uninterrupted one's when ``log_every`` is
            the same and divides each part's epochs.
        l2: L2 penalty ``l2 / (2m) * sum ||W||^2`` (weights only, ``m`` the
            training set's size, also with mini-batches), in the gradient and in
            the recorded training loss; not in the validation loss.
        early_stopping: stop when the validation loss stalls; needs
            ``validation`` or ``validation_fraction``, then measured every epoch.
        running_loss: ``True`` (the default, free) records the training loss
            and accuracy of a logged epoch as the mean over its mini-batches,
            each measured by the forward pass its step makes anyway (what
            scikit-learn's ``loss_curve_`` and Keras report): the numbers lag
            the params by up to an epoch, and the history has no entry at the
            start. ``False`` measures the whole training set after each logged
            epoch instead, and at the start: exact, at the cost of a forward
            pass over the data per entry.
        sample_weight: optional ``(m,)`` non-negative per-example weights,
            not all zero: each step minimises its batch's weighted mean loss.
            A mini-batch whose weights are all zero has nothing to learn
            from: its gradient is zero (the optimiser still takes its step,
            with ``g = 0`` plus any L2 term). The history's training loss is
            the weighted mean over the epoch (running: each batch's weighted
            mean weighed by its sum of weights); its accuracy is not
            weighted. Only the weights' ratios count: any finite scale works.
        class_weight: for a cross-entropy with a softmax output or one
            sigmoid unit, ``{class: weight}`` (class indices: the one-hot
            row, or 0/1 of a sigmoid's targets; labels when ``Y`` holds
            labels; classes not named weigh 1) or ``"balanced"``
            (``m / (n_classes * count[c])``, as scikit-learn's): each
            example's weight is its class's, times its ``sample_weight``.
            The training loss is weighted, the validation loss is not.
        validation_fraction: hold this share of ``(X, Y)``, in ``(0, 1)``,
            out of training and measure it as ``validation``, for early
            stopping in one argument. Stratified by class for a softmax output
            or one sigmoid unit with a cross-entropy, and seeded by ``seed``:
            the examples held out depend only on ``seed``, ``m`` and the
            classes (:func:`split_indices`), so a resumed run holds out the
            same ones. Not with ``validation``.
        reduce_lr_on_plateau: a :class:`ReduceLROnPlateau`: scale the
            optimiser's steps down by its ``factor`` when the monitored loss
            (validation, else training) stalls for its ``patience`` epochs,
            judged after every epoch; the scale is kept in
            ``TrainState.plateau``, so a resumed run goes on with it.
        dropout: inverted dropout while training: one rate in ``[0, 1)`` for
            every hidden layer, or one per hidden layer. Each batch's masks
            come from a generator seeded by ``(seed, epoch, 1)``, so runs stay
            bit-identical and resumable; the history's validation numbers
            and ``forward``/``predict`` afterwards use no dropout.
        progress: show a tqdm progress bar with the latest loss (needs the
            ``progress`` extra: ``pip install 'fnmlp[progress]'``).

    Returns:
        :class:`TrainResult`: final params (the best ones under early stopping),
        history, and the state to resume from.

    Raises:
        ShapeError, DTypeError, NonFiniteError, LabelError: for bad data;
            ``ShapeError`` also for data or a batch size whose training would
            not fit in memory (:func:`fnmlp._checks.check_pass_fits`).
        HyperparameterError: for non-positive epochs, batch sizes, intervals, ...
        DivergenceError: when a loss or parameter becomes non-finite, naming
            the first epoch whose parameters or losses are not finite (however
            rarely it logs) and the layer.
        TrainingInterrupted: on Ctrl-C (any ``KeyboardInterrupt`` while it
            trains), a ``KeyboardInterrupt`` whose ``state`` is the run after
            the last completed epoch: ``train(error.state, ...)`` with the
            same arguments and the remaining epochs finishes it
            bit-identically.

    Resuming from a :class:`TrainState` continues the same run, so the
    settings that make it that run must not change: the loss, ``l2``,
    ``batch_size``, ``seed``, ``dropout`` and the learning-rate schedule, recorded in
    ``state.fingerprint`` (a :class:`~fnmlp.runs.Fingerprint`) and checked
    here (``HyperparameterError`` naming the setting); pass ``state.params``
    to start a new run from its network instead. The data may change between
    calls (streaming, ``partial_fit``), and so may ``epochs``, ``log_every``,
    validation and early stopping.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init, sgd, binary_cross_entropy
        >>> X, Y = [[0, 0, 1, 1], [0, 1, 0, 1]], [[0, 1, 1, 1]]
        >>> first = train(init([2, 2, 1], seed=1), X, Y, loss=binary_cross_entropy,
        ...               optimizer=sgd(1.0), epochs=50, batch_size=2)
        >>> more = train(first.state, X, Y, loss=binary_cross_entropy,
        ...              optimizer=sgd(1.0), epochs=50, batch_size=2)
        >>> once = train(init([2, 2, 1], seed=1), X, Y, loss=binary_cross_entropy,
        ...              optimizer=sgd(1.0), epochs=100, batch_size=2)
        >>> all(np.array_equal(a.W, b.W) for a, b in zip(more.params.layers, once.params.layers))
        True

        The running loss of each logged epoch's batches, as scikit-learn
        reports it, or with ``running_loss=False`` the exact loss, from the start:

        >>> run = train(init([2, 2, 1], seed=1), X, Y, loss=binary_cross_entropy,
        ...             optimizer=sgd(1.0), epochs=100, batch_size=2, log_every=25)
        >>> run.history.epochs
        (25, 50, 75, 100)
        >>> exact = train(init([2, 2, 1], seed=1), X, Y, loss=binary_cross_entropy,
        ...               optimizer=sgd(1.0), epochs=100, batch_size=2, log_every=25,
        ...               running_loss=False)
        >>> exact.history.epochs
        (0, 25, 50, 75, 100)

        Early stopping on a tenth of the data held out, and labels as strings:

        >>> import fnmlp
        >>> from fnmlp import adam, categorical_cross_entropy, softmax, EarlyStopping
        >>> from fnmlp.datasets import spirals
        >>> X3, Y3 = spirals(300, classes=3, seed=0)
        >>> names = np.array(["red", "green", "blue"])[fnmlp.labels(Y3)]
        >>> run = train(init([2, 32, 3], output=softmax, seed=0), X3, names,
        ...             loss=categorical_cross_entropy, optimizer=adam(0.01), epochs=500,
        ...             validation_fraction=0.1, early_stopping=EarlyStopping(patience=20),
        ...             class_weight="balanced")
        >>> print(fnmlp.labels_of(names).decode(fnmlp.predict(run.params, X3[:, :4])), names[:4])
        ['red' 'green' 'blue' 'green'] ['red' 'green' 'blue' 'green']
    """
    setup, state, epochs_range = prepare(
        params,
        X,
        Y,
        loss=loss,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        log_every=log_every,
        l2=l2,
        early_stopping=early_stopping,
        running_loss=running_loss,
        sample_weight=sample_weight,
        dropout=dropout,
        reduce_lr_on_plateau=reduce_lr_on_plateau,
        class_weight=class_weight,
        validation_fraction=validation_fraction,
        copy=False,  # nothing outlives this call or runs inside it to change the data
    )
    if not isinstance(progress, bool):
        raise HyperparameterError(f"progress: expected True or False, got {progress!r}")
    bar_class = _tqdm() if progress else None
    start = _loop.carry(setup, state)
    try:
        if progress:
            step = functools.partial(_loop.quiet_step, setup)
            carry = _with_progress(bar_class, step, start, epochs_range)
        else:
            # One errstate for the whole fold (it costs as much as a tiny step), and
            # parameter checks spaced out the same way; neither changes a result.
            every = max(1, 16 // -(-setup.X.shape[1] // setup.batch))
            fast: _loop.Setup[F] = attrs.evolve(setup, check_every=every)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                carry = functools.reduce(functools.partial(_loop.step, fast), epochs_range, start)
    except KeyboardInterrupt as interrupt:  # Ctrl-C: keep the epochs completed
        stopped: _loop.Carry | None = _completed(interrupt, start)
    else:
        stopped = None
    if stopped is not None:
        kept = _loop.state(setup, stopped)
        raise TrainingInterrupted(
            f"training interrupted in epoch {kept.epoch + 1}: error.state holds the run after "
            f"epoch {kept.epoch}; train(error.state, ...) with the same arguments and the "
            f"remaining epochs goes on as if it had not been interrupted",
            state=kept,
        )
    final = _loop.state(setup, carry)
    chosen = final.best_params if setup.early_stopping is not None else final.params
    return TrainResult(chosen, final.history, final)


_STEP = _loop.step.__code__


def _completed(interrupt: KeyboardInterrupt, start: _loop.Carry) -> _loop.Carry:
    """The carry after the last epoch completed before ``interrupt``: the interrupted step's input.

    The outermost frame of :func:`fnmlp._loop.step` in the traceback is the
    fold's step that was under way, and its ``carry`` argument the epoch
    before it, whole (a carry is never changed, only replaced). Reading it
    there costs the fold nothing per step. Without such a frame (an interrupt
    before the first step), the run is at its start.
    """
    frame = interrupt.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code is _STEP:
            carry: _loop.Carry = frame.tb_frame.f_locals["carry"]
            return carry
        frame = frame.tb_next
    return start


def _tqdm() -> Any:
    """The ``tqdm`` progress bar class, or an ``ImportError`` saying how to install it."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError(
            "progress=True needs tqdm: pip install 'fnmlp[progress]' (or pip install tqdm)"
        ) from None
    return tqdm


def _with_progress(
    bar_class: Any, step: Any, carry: _loop.Carry, epochs_range: range
) -> _loop.Carry:
    bar = bar_class(epochs_range, desc="training", unit="epoch")
    last: Log = None
    try:
        for epoch in itertools.chain([None], bar):
            if epoch is not None:
                carry = step(carry, epoch)
            state = carry.state
            if state.log is not last and state.log is not None:
                last = state.log
                _, loss, _, val_loss, _ = state.log[0]
                shown = {"loss": f"{loss:.4g}"}
                if not np.isnan(val_loss):
                    shown["val_loss"] = f"{val_loss:.4g}"
                bar.set_postfix(shown)
            if state.stopped:
                break
    finally:
        bar.close()
    return carry
