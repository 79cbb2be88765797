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
from collections.abc import Iterator
from typing import Any, Generic

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp.aliases import F, Inputs, Matrix, Targets
from fnmlp.checks import positive_float, positive_int
from fnmlp.errors import DivergenceError, DTypeError, HyperparameterError
from fnmlp.losses import Loss, binary_cross_entropy, categorical_cross_entropy
from fnmlp.metrics import _accuracy
from fnmlp.optimisers import Optimizer, _check_state
from fnmlp.propagation import _backward, _forward, check_inputs, check_targets_for
from fnmlp.records import Layer, Params, _build

__all__ = ["EarlyStopping", "History", "TrainResult", "TrainState", "scan", "train"]

# A history grows by consing onto a linked list of tuples, (newest, rest), so an
# epoch step adds an entry in O(1) without copying what came before.
Log = tuple["Entry", "Log"] | None
Entry = tuple[int, float, float, float, float]  # epoch, train loss/acc, val loss/acc
NAN = float("nan")


@attrs.frozen(eq=False)
class History:
    """What training recorded, oldest first, one entry per logged epoch.

    Attributes:
        epochs: how many epochs had been completed at each entry (0 is the
            starting network).
        train_loss: the loss on the whole training set (L2 penalty included).
        train_accuracy: accuracy on the training set; empty for mean squared error.
        validation_loss: the loss on the validation data; empty without it.
        validation_accuracy: accuracy on the validation data; empty when either
            is not tracked.
        best_epoch: the entry's epoch with the lowest validation loss (or
            training loss, without validation data).

    Examples:
        >>> history = History((0, 10), (0.7, 0.2), (0.5, 0.9), (), (), 10)
        >>> print(history.final_loss, history.best_epoch)
        0.2 10
    """

    epochs: tuple[int, ...]
    train_loss: tuple[float, ...]
    train_accuracy: tuple[float, ...]
    validation_loss: tuple[float, ...]
    validation_accuracy: tuple[float, ...]
    best_epoch: int

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

    Validation is measured every ``log_every`` epochs, so patience is counted
    in epochs but checked at those points. Training returns the best params.

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
        stopped: ``True`` once early stopping has ended the run.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init, scan, sgd, binary_cross_entropy
        >>> states = scan(init([1, 1], seed=0), [[0.0, 1.0]], [[1, 0]],
        ...               loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=3)
        >>> [state.epoch for state in states]
        [0, 1, 2, 3]
    """

    params: Params[F]
    opt_state: Any
    epoch: int
    best_params: Params[F]
    best_epoch: int
    best_loss: float
    stopped: bool
    log: Log = attrs.field(default=None, repr=False)

    @property
    def history(self) -> History:
        """The :class:`History` recorded so far, oldest first.

        Examples:
            >>> import numpy as np
            >>> from fnmlp import init, scan, sgd, mean_squared_error
            >>> *_, last = scan(init([1, 1], seed=0), [[0.0, 1.0]], [[1, 0]],
            ...                 loss=mean_squared_error, optimizer=sgd(0.1), epochs=2)
            >>> last.history.epochs, last.history.train_accuracy
            ((0, 1, 2), ())
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


@attrs.frozen(eq=False)
class TrainResult(Generic[F]):
    """What :func:`train` returns.

    Attributes:
        params: the trained network (the best one seen, under early stopping).
        history: the recorded losses and accuracies.
        state: the final :class:`TrainState`; pass it to :func:`train` to resume.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init, sgd, mean_squared_error, linear
        >>> result = train(init([1, 1], output=linear, seed=0), [[0.0, 1.0]], [[1, 3]],
        ...                loss=mean_squared_error, optimizer=sgd(0.1), epochs=300)
        >>> print(np.round(result.params.layers[0].W, 3), result.state.epoch)
        [[2.]] 300
    """

    params: Params[F]
    history: History
    state: TrainState[F]


@attrs.frozen
class _Setup(Generic[F]):
    """The checked, fixed inputs of one training run."""

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


def _network_loss(
    setup: _Setup[F], layers: tuple[Layer[F], ...], X: Inputs[F], Y: Targets[F]
) -> tuple[float, float]:
    """Loss (with the L2 penalty) and accuracy of ``layers`` on ``(X, Y)``."""
    Zs, As = _forward(layers, X)
    return _measure(setup, layers, Zs[-1], As[-1], Y)


def _measure(
    setup: _Setup[F], layers: tuple[Layer[F], ...], Z: Matrix[F], A: Matrix[F], Y: Targets[F]
) -> tuple[float, float]:
    kind = setup.loss
    output = layers[-1].activation
    if kind.from_logits is not None and kind.fuses_with == output.name:
        value = kind.from_logits(Z, Y)
    else:
        value = kind.value(A, Y)
    if setup.l2:
        value += (
            setup.l2 / (2 * Y.shape[1]) * sum(float(np.sum(layer.W * layer.W)) for layer in layers)
        )
    if kind is binary_cross_entropy or kind is categorical_cross_entropy:
        return value, _accuracy(A, Y, output.name == "softmax")
    return value, NAN


def _diverged(epoch: int, layers: tuple[Layer[Any], ...], loss: float | None) -> None:
    """Raise ``DivergenceError`` if a parameter or the loss is not finite."""
    for i, layer in enumerate(layers):
        # A sum is finite exactly when every entry is (or the entries are so
        # large that the sum overflows, which is divergence too), and cheap.
        with np.errstate(over="ignore", invalid="ignore"):
            finite = np.isfinite(layer.W.sum()) and np.isfinite(layer.b.sum())
        if not finite:
            raise DivergenceError(
                f"training diverged in epoch {epoch}: layer {i + 1} has non-finite parameters "
                f"(try a smaller learning rate, or scale the inputs)",
                epoch=epoch,
                layer=i + 1,
            )
    if loss is not None and not np.isfinite(loss):
        raise DivergenceError(
            f"training diverged by epoch {epoch}: the loss is {loss} "
            f"(try a smaller learning rate, or scale the inputs)",
            epoch=epoch,
        )


def _batches(setup: _Setup[F], epoch: int) -> Iterator[tuple[Inputs[F], Targets[F]]]:
    m = setup.X.shape[1]
    if setup.batch_size is None or setup.batch_size >= m:
        yield setup.X, setup.Y
        return
    order = np.random.default_rng((setup.seed, epoch)).permutation(m)
    X, Y = setup.X[:, order], setup.Y[:, order]  # one gather per epoch; batches are views
    for start in range(0, m, setup.batch_size):
        yield X[:, start : start + setup.batch_size], Y[:, start : start + setup.batch_size]


def _log(setup: _Setup[F], state: TrainState[F]) -> TrainState[F]:
    """Record the current params' losses, update the best, decide early stopping."""
    layers = state.params.layers
    train_loss, train_acc = _network_loss(setup, layers, setup.X, setup.Y)
    val_loss = val_acc = NAN
    if setup.validation is not None:
        val_loss, val_acc = _network_loss(setup, layers, *setup.validation)
    _diverged(state.epoch, layers, val_loss if setup.validation is not None else train_loss)
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
    return attrs.evolve(
        state,
        best_params=best[0],
        best_epoch=best[1],
        best_loss=best[2],
        stopped=stopped,
        log=(entry, state.log),
    )


def _step(setup: _Setup[F], state: TrainState[F], epoch: int) -> TrainState[F]:
    """One epoch: ``state`` after ``epoch`` epochs -> ``state`` after ``epoch + 1``."""
    if state.stopped:
        return state
    layers, opt_state = state.params.layers, state.opt_state
    apply = setup.optimizer.apply
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for X, Y in _batches(setup, epoch):
            Zs, As = _forward(layers, X)
            dWs, dbs = _backward(layers, Zs, As, Y, setup.loss)
            if setup.l2:
                dWs = [dW + (setup.l2 / Y.shape[1]) * layer.W for dW, layer in zip(dWs, layers)]
            layers, opt_state = apply(layers, dWs, dbs, opt_state)
        _diverged(epoch + 1, layers, None)
        params: Params[F] = _build(Params, layers=layers)
        state = attrs.evolve(state, params=params, opt_state=opt_state, epoch=epoch + 1)
        if (epoch + 1) % setup.log_every == 0 or epoch + 1 == setup.last_epoch:
            state = _log(setup, state)
    return state


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
) -> tuple[_Setup[F], TrainState[F], range]:
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
    if not isinstance(optimizer, Optimizer):
        raise DTypeError(f"optimizer: expected an fnmlp Optimizer, got {type(optimizer).__name__}")
    n_epochs = positive_int(epochs, "epochs")
    size = None if batch_size is None else positive_int(batch_size, "batch_size")
    every = None if log_every is None else positive_int(log_every, "log_every")
    seed_ = positive_int(seed, "seed", allow_zero=True)
    penalty = positive_float(l2, "l2", allow_zero=True)
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise DTypeError(
            f"early_stopping: expected an EarlyStopping or None, got {type(early_stopping).__name__}"
        )
    data = check_inputs(params, X)
    targets = check_targets_for(params, Y, data.shape[1], loss)
    held_out = None
    if validation is not None:
        pair: object = validation  # checked at run time: callers may send anything
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise DTypeError(
                f"validation: expected a pair (X_val, Y_val), got {type(validation).__name__}"
            )
        X_val = check_inputs(params, validation[0], "validation X")
        held_out = (
            X_val,
            check_targets_for(params, validation[1], X_val.shape[1], loss, "validation Y"),
        )
    if early_stopping is not None and held_out is None:
        raise HyperparameterError(
            "early_stopping: expected validation data to monitor, got validation=None"
        )
    if isinstance(start, TrainState):
        _check_state(params, start.opt_state, type(optimizer.init(params)))
        state = start
    else:
        state = TrainState(params, optimizer.init(params), 0, params, 0, float("inf"), False)
    first = state.epoch
    every = every if every is not None else max(1, n_epochs // 100)
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
    )
    if state.log is None:
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
        ...     if state.history.train_accuracy[-1] == 1.0:
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
    )

    def states() -> Iterator[TrainState[F]]:
        for state_ in itertools.accumulate(
            epochs_range, functools.partial(_step, setup), initial=state
        ):
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
            a hundred entries. Each entry costs a forward pass over the data.
        l2: L2 penalty ``l2 / (2m) * sum ||W||^2`` (weights only), in the
            gradient and in the recorded loss.
        early_stopping: stop when the validation loss stalls; needs ``validation``.
        progress: show a tqdm progress bar with the latest loss (needs the
            ``progress`` extra: ``pip install 'fnmlp[progress]'``).

    Returns:
        :class:`TrainResult`: final params (the best ones under early stopping),
        history, and the state to resume from.

    Raises:
        ShapeError, DTypeError, NonFiniteError, LabelError: for bad data.
        HyperparameterError: for non-positive epochs, batch sizes, intervals, ...
        DivergenceError: when a loss or parameter becomes non-finite, naming
            the epoch and the layer.

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
    )
    step = functools.partial(_step, setup)
    if progress:
        final = _with_progress(step, state, epochs_range)
    else:
        final = functools.reduce(step, epochs_range, state)
    chosen = final.best_params if setup.early_stopping is not None else final.params
    return TrainResult(chosen, final.history, final)


def _with_progress(step: Any, state: TrainState[F], epochs_range: range) -> TrainState[F]:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "progress=True needs tqdm: pip install 'fnmlp[progress]' (or pip install tqdm)"
        ) from None
    bar = tqdm(epochs_range, desc="training", unit="epoch")
    last = state.log
    for epoch in bar:
        state = step(state, epoch)
        if state.log is not last and state.log is not None:
            last = state.log
            _, loss, _, val_loss, _ = state.log[0]
            shown = {"loss": f"{loss:.4g}"}
            if not np.isnan(val_loss):
                shown["val_loss"] = f"{val_loss:.4g}"
            bar.set_postfix(shown)
        if state.stopped:
            break
    bar.close()
    return state
