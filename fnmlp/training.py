"""``train``: a fold of one pure epoch step over ``range(epochs)``; ``scan``: every state.

``train(params, X, Y, ...)`` is ``functools.reduce(step, range(epochs), state)``
and ``scan`` is ``itertools.accumulate`` of the same ``step``: a lazy
generator of every :class:`TrainState`, for progress bars, plots or stopping
by hand, with nothing mutated.

Each epoch runs full-batch gradient descent (``batch_size=None``) or shuffled
mini-batches; the shuffle of epoch ``e`` comes from a generator seeded with
``(seed, e)``, so a run resumed from its returned state is bit-identical to
one uninterrupted run. Every ``log_every`` epochs the loss (and accuracy, for
the cross-entropies) on the whole training set, and on validation data when
given, is recorded in an immutable :class:`History`.

Examples:
    >>> import numpy as np
    >>> from fnmlp import binary_cross_entropy, init, sgd, tanh, train
    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    >>> Y = np.array([[0, 1, 1, 0]])
    >>> result = train(init([2, 4, 1], hidden=tanh, seed=0), X, Y,
    ...                loss=binary_cross_entropy, optimizer=sgd(1.0), epochs=2000,
    ...                log_every=500)
    >>> print(result.history.epochs)
    (0, 500, 1000, 1500, 2000)
    >>> print(result.history.train_loss[-1] < 0.01, result.history.train_accuracy[-1])
    True 1.0
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Sequence
from typing import Any, Generic, NamedTuple, NoReturn

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp.activations import Activation, softmax
from fnmlp.aliases import F, Inputs, Matrix, Targets
from fnmlp.checks import all_finite, positive_float, positive_int
from fnmlp.errors import DivergenceError, DTypeError, HyperparameterError
from fnmlp.losses import Loss, binary_cross_entropy, categorical_cross_entropy, fuses
from fnmlp.metrics import _accuracy
from fnmlp.optimisers import Optimizer, _check_state
from fnmlp.packed import Buffers, Layout, Plan, descend, with_ones
from fnmlp.propagation import (
    _forward,
    _outputs,
    check_inputs,
    check_output_for,
    check_targets_for,
)
from fnmlp.records import Layer, Params, locked
from fnmlp.runs import EarlyStopping, Entry, Log, TrainResult, TrainState

__all__ = ["scan", "train"]

NAN = float("nan")


@attrs.frozen
class _Setup(Generic[F]):
    """The checked, fixed inputs of one training run, and its scratch arrays.

    ``buffers`` serve batches of ``batch_size`` examples and ``rest`` the
    shorter last batch of an epoch, if there is one. ``whole`` is the one
    batch of full-batch descent, ``([X; 1], Y, buffers)``. ``running``: the
    history's training numbers are the logged epoch's batch means.
    """

    X: Inputs[F]
    Y: Targets[F]
    validation: tuple[Inputs[F], Targets[F]] | None
    loss: Loss
    optimizer: Optimizer[Any]
    batch_size: int | None
    seed: int
    log_every: int
    l2: float
    early_stopping: EarlyStopping | None
    last_epoch: int
    plan: Plan[F]
    buffers: Buffers[F]
    rest: Buffers[F] | None
    whole: tuple[tuple[Matrix[F], Targets[F], Buffers[F]]] | None
    running: bool = False
    replaying: bool = False
    check_every: int = 1

    @property
    def batch(self) -> int:
        """Examples per step: ``batch_size``, or the whole training set (full batch)."""
        m = self.X.shape[1]
        return m if self.batch_size is None else min(self.batch_size, m)


class _Carry(NamedTuple):
    """What the fold carries from epoch to epoch: the packed parameters and moments.

    ``state`` is the :class:`TrainState` as of the latest log (or the start),
    whose history, best params and checkpoint the epochs since then share.
    """

    epoch: int
    theta: Matrix[Any]
    moments: tuple[Matrix[Any], ...]
    steps: int
    state: TrainState[Any]


def _carry(setup: _Setup[F], state: TrainState[F]) -> _Carry:
    """``state`` packed, to step from."""
    layout, optimizer = setup.plan.layout, setup.optimizer
    return _Carry(
        state.epoch,
        layout.pack(state.params),
        layout.pack_state(optimizer, state.opt_state),
        state.opt_state.count,
        state,
    )


def _state(setup: _Setup[F], carry: _Carry) -> TrainState[F]:
    """The :class:`TrainState` of ``carry``, its params and moments unpacked."""
    state: TrainState[F] = carry.state
    if state.epoch == carry.epoch:
        return state
    layout = setup.plan.layout
    return TrainState(
        layout.params(carry.theta),
        layout.state(setup.optimizer, state.opt_state, carry.moments, carry.steps),
        carry.epoch,
        state.best_params,
        state.best_epoch,
        state.best_loss,
        state.stopped,
        state.log,
        state.checkpoint,
    )


EVALUATION_COLUMNS = 2048
"""The history measures a data set in slices of ``max(batch_size, 2048)`` examples."""


def _network_loss(
    setup: _Setup[F],
    layers: tuple[Layer[F], ...],
    X: Inputs[F],
    Y: Targets[F],
    *,
    penalised: bool = True,
) -> tuple[float, float]:
    """Loss (with the L2 penalty when ``penalised``) and accuracy of ``layers`` on ``(X, Y)``.

    A forward pass keeps only the output layer's values, and data wider than
    ``max(batch_size, EVALUATION_COLUMNS)`` examples are measured slice by
    slice (a mean of the slices' losses weighted by their sizes), so that a
    log needs no more memory than training does. Full-batch training measures
    the whole set at once, as the step sees it.
    """
    m = X.shape[1]
    size = max(m if setup.batch_size is None else setup.batch_size, EVALUATION_COLUMNS)
    output = layers[-1].activation
    if m <= size:
        Z, A = _outputs(layers, X)
        value, accuracy, _ = _measure(setup, output, Z, A, Y)
        return value + (_penalty(setup, layers) if penalised else 0.0), accuracy
    parts = []
    for start in range(0, m, size):
        Z, A = _outputs(layers, X[:, start : start + size])
        parts.append(_measure(setup, output, Z, A, Y[:, start : start + size]))
    return _combined(setup, layers, parts, penalised=penalised)


def _combined(
    setup: _Setup[F],
    layers: tuple[Layer[F], ...],
    parts: Sequence[tuple[float, float, int]],
    *,
    penalised: bool = True,
) -> tuple[float, float]:
    """Loss and accuracy of a set measured in parts ``(loss, accuracy, examples)``.

    The loss is the mean of the parts' losses weighted by their sizes (plus
    the penalty when ``penalised``); the accuracy counts the correct entries.
    """
    total = correct = 0.0
    m = 0
    # accuracy is over examples (arg-max) or over every entry (thresholded outputs)
    output = layers[-1].activation
    per_example = 1 if output is softmax else layers[-1].W.shape[0]
    for value, accuracy, n in parts:
        total += value * n
        # a count of correct entries, exact after rounding
        correct += accuracy if np.isnan(accuracy) else round(accuracy * n * per_example)
        m += n
    value = total / m + (_penalty(setup, layers) if penalised else 0.0)
    return value, correct / (m * per_example)


def _penalty(setup: _Setup[F], layers: tuple[Layer[F], ...]) -> float:
    """``l2 / (2m) * sum ||W||^2`` with m the training set's size, as in the gradient."""
    if not setup.l2:
        return 0.0
    squares = sum(float(np.sum(layer.W * layer.W)) for layer in layers)
    return setup.l2 / (2 * setup.X.shape[1]) * squares


def _measure(
    setup: _Setup[F], output: Activation, Z: Matrix[F], A: Matrix[F], Y: Targets[F]
) -> tuple[float, float, int]:
    """Loss (without the penalty), accuracy and size of one forward pass's output ``(Z, A)``."""
    kind = setup.loss
    if kind.from_logits is not None and fuses(kind, output):
        value = kind.from_logits(Z, Y)
    else:
        value = kind.value(A, Y)
    if kind is binary_cross_entropy or kind is categorical_cross_entropy:
        return value, _accuracy(A, Y, output is softmax), Y.shape[1]
    return value, NAN, Y.shape[1]


def _problem(setup: _Setup[F], layers: tuple[Layer[F], ...]) -> tuple[int, str] | None:
    """``(layer, what)`` if ``layers`` have diverged, else ``None``.

    Diverged means a parameter, the training loss or the validation loss is
    not finite. The layer is the lowest one holding a non-finite parameter,
    else the lowest whose ``Z`` or ``A`` is not finite on the data, else the
    output layer (whose finite outputs gave a loss that overflowed).
    """
    data = [("training", setup.X, setup.Y)]
    if setup.validation is not None:
        X_val, Y_val = setup.validation
        data.append(("validation", X_val, Y_val))
    with np.errstate(all="ignore"):
        for i, layer in enumerate(layers):
            if not (all_finite(layer.W) and all_finite(layer.b)):
                return i + 1, f"layer {i + 1} has non-finite parameters"
        for name, X, Y in data:
            Zs, As = _forward(layers, X)
            value, _, _ = _measure(setup, layers[-1].activation, Zs[-1], As[-1], Y)
            if name == "training":
                value += _penalty(setup, layers)
            if np.isfinite(value):
                continue
            for l in range(1, len(layers) + 1):
                if not (all_finite(Zs[l]) and all_finite(As[l])):
                    return l, f"the {name} loss is {value}: layer {l}'s values Z, A are not finite"
            L = len(layers)
            top = float(np.abs(Zs[L]).max())
            return L, f"the {name} loss is {value}: layer {L}'s |Z| reaches {top:.3g}"
    return None


def _diverge(
    setup: _Setup[F], state: TrainState[F], epoch: int, layers: tuple[Layer[F], ...]
) -> NoReturn:
    """Raise ``DivergenceError`` naming the first epoch whose params or losses are not finite.

    Parameters are checked after every epoch and losses at every log, so a
    divergence is noticed at ``epoch`` (with ``layers``), perhaps later than it
    began. Training is pure: re-running it epoch by epoch from ``state``'s
    checkpoint (the latest log) reproduces the same states and finds the first.
    """
    found: tuple[int, tuple[int, str] | None] = (epoch, _problem(setup, layers))
    if state.checkpoint is not None and state.checkpoint[0] <= epoch:
        first, params, opt_state = state.checkpoint
        quiet: _Setup[F] = attrs.evolve(setup, replaying=True)
        start = TrainState(params, opt_state, first, params, first, float("inf"), False)
        replay = _carry(setup, start)
        problem = _problem(setup, params.layers)
        while problem is None and replay.epoch < epoch:
            replay = _step(quiet, replay, replay.epoch)
            problem = _problem(setup, setup.plan.layout.params(replay.theta).layers)
        if problem is not None:
            found = (replay.epoch, problem)
    first, problem = found
    layer, what = problem if problem is not None else (None, "a value is not finite")
    advice = "try a smaller learning rate, or scale the inputs"
    message = (
        f"training diverged in epoch {first}: {what} ({advice})"
        if first
        else f"training cannot start: at epoch 0 {what} ({advice})"
    )
    raise DivergenceError(message, epoch=first, layer=layer)


def _batches(setup: _Setup[F], epoch: int) -> Sequence[tuple[Matrix[F], Targets[F], Buffers[F]]]:
    """The epoch's ``([X; 1], Y, buffers)`` batches: the whole set, or one shuffled gather in views."""
    if setup.whole is not None:
        return setup.whole
    m, size = setup.X.shape[1], setup.batch
    order = np.random.default_rng((setup.seed, epoch)).permutation(m)
    # One gather per epoch (np.take, a third of the time of X[:, order] on wide
    # data; mode="clip" skips a copy, the indices being valid), then the
    # batches are column views. The gather is freed with the batches, before
    # the epoch's log measures the data.
    X1: Matrix[F] = np.empty((setup.X.shape[0] + 1, m), setup.X.dtype)
    X1[-1] = 1
    np.take(setup.X, order, axis=1, out=X1[:-1], mode="clip")
    Y: Targets[F] = np.take(setup.Y, order, axis=1)
    rest = setup.rest if setup.rest is not None else setup.buffers
    return [
        (
            X1[:, start : start + size],
            Y[:, start : start + size],
            setup.buffers if start + size <= m else rest,
        )
        for start in range(0, m, size)
    ]


def _steps_between_checks(setup: _Setup[F]) -> int:
    """Epochs between parameter checks in :func:`train`: about one per 16 optimiser steps.

    A check of the packed parameters costs about as much as an operation of a
    tiny network's step; a divergence found late is still pinned to its first
    epoch by the replay.
    """
    return max(1, 16 // -(-setup.X.shape[1] // setup.batch))


def _locked(state: TrainState[F]) -> TrainState[F]:
    """``state`` with its params handed out as locked views, for a caller to keep."""
    return attrs.evolve(state, params=locked(state.params))


def _log(
    setup: _Setup[F],
    state: TrainState[F],
    parts: Sequence[tuple[float, float, int]] | None = None,
) -> TrainState[F]:
    """Record the current params' losses, update the best, decide early stopping.

    The training numbers are measured on the whole training set, or combined
    from the epoch's batches' ``parts`` (``running_loss``) when given.
    """
    layers = state.params.layers
    if parts is None:
        train_loss, train_acc = _network_loss(setup, layers, setup.X, setup.Y)
    else:
        train_loss, train_acc = _combined(setup, layers, parts)
    val_loss = val_acc = NAN
    if setup.validation is not None:
        val_loss, val_acc = _network_loss(setup, layers, *setup.validation, penalised=False)
    if not (np.isfinite(train_loss) and (setup.validation is None or np.isfinite(val_loss))):
        _diverge(setup, state, state.epoch, layers)
    monitored = val_loss if setup.validation is not None else train_loss
    stopping = setup.early_stopping
    delta = stopping.min_delta if stopping else 0.0
    improved = monitored < state.best_loss - delta
    best = (
        (state.params, state.epoch, monitored)
        if improved
        else (state.best_params, state.best_epoch, state.best_loss)
    )
    stopped = bool(stopping and state.epoch - best[1] >= stopping.patience)
    entry: Entry = (state.epoch, train_loss, train_acc, val_loss, val_acc)
    return TrainState(  # every field, as attrs.evolve would, at a third of its cost
        state.params,
        state.opt_state,
        state.epoch,
        *best,
        stopped,
        (entry, state.log),
        (state.epoch, state.params, state.opt_state),
    )


def _step(setup: _Setup[F], carry: _Carry, epoch: int) -> _Carry:
    """One epoch: the carry after ``epoch`` epochs -> the carry after ``epoch + 1``.

    Run it under ``np.errstate(over="ignore", invalid="ignore", divide="ignore")``
    (``train`` holds one for the whole fold, ``scan`` one per epoch), so that a
    diverging run reaches the check instead of warning. Parameters are checked
    every ``setup.check_every`` epochs and at the last; losses at every log.
    """
    if carry.state.stopped:
        return carry
    done = epoch + 1
    last = done == setup.last_epoch
    logged = last or done % setup.log_every == 0
    observe = None
    if logged and setup.running and not setup.replaying:
        observe = functools.partial(_measure, setup, setup.plan.layout.activations[-1])
    theta, moments, count, parts = descend(
        setup.plan, carry.theta, carry.moments, carry.steps, _batches(setup, epoch), observe
    )
    new = _Carry(done, theta, moments, count, carry.state)
    if setup.replaying:  # re-running to locate a divergence: no checks, no logs
        return new
    if (last or done % setup.check_every == 0) and not all_finite(theta):
        _diverge(setup, carry.state, done, setup.plan.layout.params(theta).layers)
    if logged:
        new = new._replace(state=_log(setup, _state(setup, new), parts if observe else None))
    return new


def _quiet_step(setup: _Setup[F], carry: _Carry, epoch: int) -> _Carry:
    """:func:`_step` under its own ``np.errstate``, for callers that yield between epochs."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _step(setup, carry, epoch)


def _prepare(
    start: Params[F] | TrainState[F],
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    *,
    loss: Loss,
    optimizer: Optimizer[Any],
    epochs: int,
    batch_size: int | None,
    seed: int,
    validation: tuple[npt.ArrayLike, npt.ArrayLike] | None,
    log_every: int | None,
    l2: float,
    early_stopping: EarlyStopping | None,
    running_loss: bool,
    copy: bool = True,
) -> tuple[_Setup[F], TrainState[F], range]:
    """Check every argument once; ``copy=False`` reads the data in place (for ``train``)."""
    if isinstance(start, TrainState):
        params = start.params
    elif isinstance(start, Params):
        params = start
    else:
        raise DTypeError(
            f"params: expected fnmlp Params or a TrainState, got {type(start).__name__}"
        )
    if not isinstance(loss, Loss):
        raise DTypeError(f"loss: expected an fnmlp Loss, got {type(loss).__name__}")
    check_output_for(params, loss)
    if not isinstance(optimizer, Optimizer):
        raise DTypeError(f"optimizer: expected an fnmlp Optimizer, got {type(optimizer).__name__}")
    n_epochs = positive_int(epochs, "epochs")
    size = None if batch_size is None else positive_int(batch_size, "batch_size")
    every = None if log_every is None else positive_int(log_every, "log_every")
    seed_ = positive_int(seed, "seed", allow_zero=True)
    penalty = positive_float(l2, "l2", allow_zero=True)
    if not isinstance(running_loss, bool):
        raise HyperparameterError(f"running_loss: expected True or False, got {running_loss!r}")
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise DTypeError(
            f"early_stopping: expected an EarlyStopping or None, got {type(early_stopping).__name__}"
        )
    data = check_inputs(params, X, copy=copy)
    targets = check_targets_for(params, Y, data.shape[1], loss, copy=copy)
    held_out = None
    if validation is not None:
        pair: object = validation  # checked at run time: callers may send anything
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise DTypeError(
                f"validation: expected a pair (X_val, Y_val), got {type(validation).__name__}"
            )
        X_val = check_inputs(params, validation[0], "validation X", copy=copy)
        held_out = (
            X_val,
            check_targets_for(
                params, validation[1], X_val.shape[1], loss, "validation Y", copy=copy
            ),
        )
    if early_stopping is not None and held_out is None:
        raise HyperparameterError(
            "early_stopping: expected validation data to monitor, got validation=None"
        )
    if isinstance(start, TrainState):
        _check_state(params, start.opt_state, optimizer.init(params))
        # a resumed run goes on (even after early stopping) from this very state
        checkpoint = (start.epoch, start.params, start.opt_state)
        state = attrs.evolve(start, stopped=False, checkpoint=checkpoint)
    else:
        state = TrainState(params, optimizer.init(params), 0, params, 0, float("inf"), False)
    first = state.epoch
    every = every if every is not None else max(1, n_epochs // 100)
    layout = Layout.of(params)
    m = data.shape[1]
    batch = m if size is None else min(size, m)
    buffers = Buffers.of(layout, batch)
    setup: _Setup[F] = _Setup(
        data,
        targets,
        held_out,
        loss,
        optimizer,
        size,
        seed_,
        every,
        penalty,
        early_stopping,
        first + n_epochs,
        Plan.of(layout, loss, optimizer, penalty, m),
        buffers,
        Buffers.of(layout, m % batch, buffers.grads) if m % batch else None,
        ((with_ones(data), targets, buffers),) if batch == m else None,
        running_loss,
    )
    if state.log is None and running_loss:
        # nothing to measure before the first batch: the history starts at the first log
        state = attrs.evolve(state, checkpoint=(first, state.params, state.opt_state))
    elif state.log is None:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            state = _log(setup, state)
    return setup, state, range(first, first + n_epochs)


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
    running_loss: bool = False,
) -> Iterator[TrainState[F]]:
    """Lazily yield the starting state and the state after every epoch.

    ``itertools.accumulate(range(epochs), step, initial=state)``: the same
    states :func:`train` folds over. Arguments are checked when this is called,
    before the first state is yielded. It stops early (fewer states) when
    early stopping ends the run.

    Args:
        As :func:`train`.

    Yields:
        :class:`TrainState` records, ``epochs + 1`` of them unless stopped early.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init, sgd, binary_cross_entropy
        >>> states = scan(init([2, 2, 1], seed=1, scheme="random"),
        ...               [[0, 0, 1, 1], [0, 1, 0, 1]], [[0, 0, 0, 1]],
        ...               loss=binary_cross_entropy, optimizer=sgd(1.0), epochs=1000)
        >>> for state in states:
        ...     if state.latest.train_accuracy == 1.0:
        ...         break
        >>> print(state.epoch)
        40
    """
    setup, state, epochs_range = _prepare(
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
    )

    def states() -> Iterator[TrainState[F]]:
        for carry in itertools.accumulate(
            epochs_range, functools.partial(_quiet_step, setup), initial=_carry(setup, state)
        ):
            state_ = _state(setup, carry)
            yield _locked(state_)
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
    running_loss: bool = False,
    progress: bool = False,
) -> TrainResult[F]:
    """Train ``params`` on ``(X, Y)``: ``functools.reduce(step, range(epochs), state)``.

    Args:
        params: the starting network, or a :class:`TrainState` from an earlier
            run to resume (its epoch count, optimiser state and history go on).
        X: inputs of shape ``(n_x, m)``.
        Y: targets of shape ``(n_y, m)``.
        loss: the :class:`~fnmlp.Loss` to minimise.
        optimizer: an :class:`~fnmlp.Optimizer` such as ``sgd(0.1)`` or ``adam(1e-3)``.
        epochs: how many (more) epochs to run.
        batch_size: ``None`` for full batch, else the mini-batch size.
        seed: seeds the shuffle of epoch ``e`` as ``(seed, e)``.
        validation: optional ``(X_val, Y_val)`` measured at each log.
        log_every: record the history every this many epochs, and at the start
            and the end; by default ``epochs // 100`` (at least 1), so about
            a hundred entries. Each entry costs a forward pass over the data
            (over the validation data only, with ``running_loss``).
            Counted from epoch 0 across resumed runs, so a resumed run's history
            equals an uninterrupted one's when ``log_every`` is the same and
            divides each part's epochs (else each part's end adds an entry).
        l2: L2 penalty ``l2 / (2m) * sum ||W||^2`` (weights only, ``m`` the
            training set's size, also with mini-batches), in the gradient and in
            the recorded training loss; not in the validation loss.
        early_stopping: stop when the validation loss stalls; needs ``validation``.
        running_loss: record the training loss and accuracy of a logged epoch
            as the mean over its mini-batches, each measured by the forward
            pass its step makes anyway (what scikit-learn's ``loss_curve_``
            and Keras report), instead of a forward pass over the whole
            training set after the epoch. It costs nothing; the numbers lag
            the params by up to an epoch, and the history has no entry at the
            start. Validation data are still measured exactly.
        progress: show a tqdm progress bar with the latest loss (needs the
            ``progress`` extra: ``pip install 'fnmlp[progress]'``).

    Returns:
        :class:`TrainResult`: final params (the best ones under early stopping),
        history, and the state to resume from.

    Raises:
        ShapeError, DTypeError, NonFiniteError, LabelError: for bad data.
        HyperparameterError: for non-positive epochs, batch sizes, intervals, ...
        DivergenceError: when a loss or parameter becomes non-finite, naming
            the first epoch whose parameters or losses are not finite (however
            rarely it logs) and the layer.

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

        The running loss of each logged epoch's batches, as scikit-learn reports it:

        >>> run = train(init([2, 2, 1], seed=1), X, Y, loss=binary_cross_entropy,
        ...             optimizer=sgd(1.0), epochs=100, batch_size=2, log_every=25,
        ...             running_loss=True)
        >>> run.history.epochs
        (25, 50, 75, 100)
    """
    setup, state, epochs_range = _prepare(
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
        copy=False,  # nothing outlives this call or runs inside it to change the data
    )
    if not isinstance(progress, bool):
        raise HyperparameterError(f"progress: expected True or False, got {progress!r}")
    bar_class = _tqdm() if progress else None
    start = _carry(setup, state)
    if progress:
        step = functools.partial(_quiet_step, setup)
        carry = _with_progress(bar_class, step, start, epochs_range)
    else:
        # One errstate for the whole fold (it costs as much as a tiny step), and
        # parameter checks spaced out the same way; neither changes a result.
        fast: _Setup[F] = attrs.evolve(setup, check_every=_steps_between_checks(setup))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            carry = functools.reduce(functools.partial(_step, fast), epochs_range, start)
    final = _locked(_state(setup, carry))
    chosen = locked(final.best_params) if setup.early_stopping is not None else final.params
    return TrainResult(chosen, final.history, final)


def _tqdm() -> Any:
    """The ``tqdm`` progress bar class, or an ``ImportError`` saying how to install it."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError(
            "progress=True needs tqdm: pip install 'fnmlp[progress]' (or pip install tqdm)"
        ) from None
    return tqdm


def _with_progress(bar_class: Any, step: Any, carry: _Carry, epochs_range: range) -> _Carry:
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
