"""``train``: a fold of one pure epoch step over ``range(epochs)``; ``scan``: every state.

``train(params, X, Y, ...)`` is ``functools.reduce(step, range(epochs), state)``
and ``scan`` is ``itertools.accumulate`` of the same ``step``: a lazy
generator of every :class:`TrainState`, for progress bars, plots or stopping
by hand, with nothing mutated.

Each epoch runs full-batch gradient descent (``batch_size=None``) or shuffled
mini-batches; the shuffle of epoch ``e`` comes from a generator seeded with
``(seed, e)``, so a run resumed from its returned state is bit-identical to
one uninterrupted run. Every ``log_every`` epochs the training loss (and
accuracy, for the cross-entropies) is recorded in an immutable
:class:`History`: by default the mean over that epoch's batches, which the
steps compute anyway; with ``running_loss=False``, a pass over the whole
training set. Validation data, when given, are measured exactly.

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
from collections.abc import Iterator, Sequence
from typing import Any, Generic, NamedTuple, NoReturn

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp import _kernels
from fnmlp._validate import all_finite, positive_float, positive_int
from fnmlp.activations import Activation
from fnmlp.aliases import F, Inputs, Matrix, Targets
from fnmlp.errors import DivergenceError, DTypeError, HyperparameterError
from fnmlp.losses import Loss
from fnmlp.optimisers import Optimizer, apply_rule, check_state, with_moments
from fnmlp.propagation import (
    check_inputs,
    check_output_for,
    check_targets_for,
    check_weights,
)
from fnmlp.records import Params, Structure, params_of
from fnmlp.runs import EarlyStopping, Log, TrainResult, TrainState

__all__ = ["scan", "train"]

NAN = float("nan")

Batch = tuple[Matrix[Any], Matrix[Any], Any, tuple[Matrix[Any], ...]]
"""One step's ``([X; 1], Y, scale, buffers)``: ``scale`` replaces the mean's ``1/m``
(``None`` without sample weights), ``buffers`` hold the hidden layers' ``[A; 1]``."""


@attrs.frozen
class _Setup(Generic[F]):
    """The checked, fixed inputs of one training run, and its scratch arrays.

    ``buffers`` (each hidden layer's ``[A; 1]`` for a batch of ``batch``
    examples) and ``rest`` (for the shorter last batch) are rewritten every
    step; they never leave the kernels, so nothing a step hands out is
    written again. ``whole`` is the one batch of full-batch descent.
    """

    X: Inputs[F]
    Y: Targets[F]
    weights: Matrix[F] | None
    validation: tuple[Inputs[F], Targets[F]] | None
    loss: Loss
    optimizer: Optimizer[Any]
    batch_size: int | None
    seed: int
    log_every: int
    l2: float
    early_stopping: EarlyStopping | None
    last_epoch: int
    structure: Structure[F]
    activations: tuple[Activation, ...]
    decay: Matrix[F] | None
    buffers: tuple[Matrix[F], ...]
    rest: tuple[Matrix[F], ...]
    whole: tuple[Batch, ...] | None
    running: bool = True
    replaying: bool = False
    check_every: int = 1
    first_step: int = 0

    @property
    def batch(self) -> int:
        """Examples per step: ``batch_size``, or the whole training set (full batch)."""
        m = self.X.shape[1]
        return m if self.batch_size is None else min(self.batch_size, m)


class _Carry(NamedTuple):
    """What the fold carries from epoch to epoch: the parameters and the optimiser's moments.

    ``state`` is the :class:`TrainState` as of the latest judged epoch (or the
    start), whose history, best params and checkpoint the epochs since share.
    """

    epoch: int
    theta: Matrix[Any]
    moments: tuple[Matrix[Any], ...]
    steps: int
    state: TrainState[Any]


def _carry(setup: _Setup[F], state: TrainState[F]) -> _Carry:
    """``state``, to step from."""
    moments = tuple(getattr(state.opt_state, name) for name in setup.optimizer.moments)
    return _Carry(state.epoch, state.params.theta, moments, state.opt_state.count, state)


def _params(setup: _Setup[F], theta: Matrix[F]) -> Params[F]:
    return params_of(theta, setup.structure, setup.activations)


def _state(setup: _Setup[F], carry: _Carry) -> TrainState[F]:
    """The :class:`TrainState` of ``carry`` (records around its arrays, no copies)."""
    state: TrainState[F] = carry.state
    if state.epoch == carry.epoch:
        return state
    opt_state = with_moments(state.opt_state, carry.steps, setup.optimizer.moments, carry.moments)
    return TrainState(
        _params(setup, carry.theta),
        opt_state,
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


def _measure(
    setup: _Setup[F], Z: Matrix[F], A: Matrix[F], Y: Targets[F], scale: Any = None
) -> tuple[float, float, float]:
    """Loss (without the penalty), accuracy and weight of one pass's output ``(Z, A)``."""
    kind, output = setup.loss, setup.activations[-1]
    value = _kernels.value(kind, output, Z, A, Y, scale)
    weight = float(Y.shape[1])
    accuracy = _kernels.accuracy_of(A, Y, not output.elementwise) if kind.probabilities else NAN
    return value, accuracy, weight


def _network_loss(
    setup: _Setup[F],
    theta: Matrix[F],
    X: Inputs[F],
    Y: Targets[F],
    *,
    penalised: bool = True,
) -> tuple[float, float]:
    """Loss (with the L2 penalty when ``penalised``) and accuracy of ``theta`` on ``(X, Y)``.

    Measured slice by slice of ``max(batch_size, EVALUATION_COLUMNS)``
    examples (a mean of the slices' losses weighted by their sizes), so that
    a log needs no more memory than training does.
    """
    m = X.shape[1]
    size = max(m if setup.batch_size is None else setup.batch_size, EVALUATION_COLUMNS)
    blocks = setup.structure.blocks(theta)
    parts = []
    for start in range(0, m, size):
        X1 = _kernels.with_ones(X[:, start : start + size])
        X1[:-1] = X[:, start : start + size]
        *_, Z, A = _kernels.forward(blocks, setup.activations, X1, keep=False)
        parts.append(_measure(setup, Z, A, Y[:, start : start + size]))
    return _combined(setup, theta, parts, penalised=penalised)


def _combined(
    setup: _Setup[F],
    theta: Matrix[F],
    parts: Sequence[tuple[float, float, float]],
    *,
    penalised: bool = True,
) -> tuple[float, float]:
    """Loss and accuracy of a set measured in parts ``(loss, accuracy, examples)``.

    The loss is the mean of the parts' losses weighted by their sizes (plus
    the penalty when ``penalised``); the accuracy counts the correct entries.
    """
    total = correct = 0.0
    m = 0.0
    # accuracy is over examples (arg-max) or over every entry (thresholded outputs)
    per_example = 1 if not setup.activations[-1].elementwise else setup.structure.dims[-1]
    for value, accuracy, n in parts:
        total += value * n
        # a count of correct entries, exact after rounding
        correct += accuracy if np.isnan(accuracy) else round(accuracy * n * per_example)
        m += n
    value = total / m + (_penalty(setup, theta) if penalised else 0.0)
    return value, correct / (m * per_example)


def _penalty(setup: _Setup[F], theta: Matrix[F]) -> float:
    """``l2 / (2m) * sum ||W||^2`` with m the training set's size, as in the gradient."""
    if not setup.l2:
        return 0.0
    weights = theta[setup.structure.weights]
    return setup.l2 / (2 * setup.X.shape[1]) * float(weights.dot(weights))


def _problem(setup: _Setup[F], theta: Matrix[F]) -> tuple[int, str] | None:
    """``(layer, what)`` if ``theta`` has diverged, else ``None``.

    Diverged means a parameter, the training loss or the validation loss is
    not finite. The layer is the lowest one holding a non-finite parameter,
    else the lowest whose ``Z`` or ``A`` is not finite on the data, else the
    output layer (whose finite outputs gave a loss that overflowed).
    """
    data = [("training", setup.X, setup.Y)]
    if setup.validation is not None:
        X_val, Y_val = setup.validation
        data.append(("validation", X_val, Y_val))
    blocks = setup.structure.blocks(theta)
    with np.errstate(all="ignore"):
        for i, block in enumerate(blocks):
            if not all_finite(block):
                return i + 1, f"layer {i + 1} has non-finite parameters"
        L = len(blocks)
        for name, X, Y in data:
            X1 = _kernels.with_ones(X)
            X1[:-1] = X
            Zs, inputs, Z, A = _kernels.forward(blocks, setup.activations, X1)
            value, _, _ = _measure(setup, Z, A, Y)
            if name == "training":
                value += _penalty(setup, theta)
            if np.isfinite(value):
                continue
            values = [(Zl, x[:-1]) for Zl, x in zip(Zs, inputs[1:])] + [(Z, A)]
            for l, (Zl, Al) in enumerate(values, 1):
                if not (all_finite(Zl) and all_finite(Al)):
                    return l, f"the {name} loss is {value}: layer {l}'s values Z, A are not finite"
            if name == "training" and setup.l2 and np.isfinite(value - _penalty(setup, theta)):
                return L, f"the training loss's L2 penalty is {_penalty(setup, theta)}"
            top = float(np.abs(Z).max())
            return L, f"the {name} loss is {value}: layer {L}'s |Z| reaches {top:.3g}"
    return None


def _diverge(setup: _Setup[F], state: TrainState[F], epoch: int, theta: Matrix[F]) -> NoReturn:
    """Raise ``DivergenceError`` naming the first epoch whose params or losses are not finite.

    Parameters are checked every few epochs and losses when measured, so a
    divergence is noticed at ``epoch`` (with ``theta``), perhaps later than it
    began. Training is pure: re-running it epoch by epoch from ``state``'s
    checkpoint reproduces the same states and finds the first.
    """
    found: tuple[int, tuple[int, str] | None] = (epoch, _problem(setup, theta))
    if state.checkpoint is not None and state.checkpoint[0] <= epoch:
        first, params, opt_state = state.checkpoint
        quiet: _Setup[F] = attrs.evolve(setup, replaying=True)
        start = TrainState(params, opt_state, first, params, first, float("inf"), False)
        replay = _carry(setup, start)
        problem = _problem(setup, params.theta)
        while problem is None and replay.epoch < epoch:
            replay = _step(quiet, replay, replay.epoch)
            problem = _problem(setup, replay.theta)
        if problem is not None:
            found = (replay.epoch, problem)
    first, problem = found
    layer, what = problem if problem is not None else (None, "a value is not finite")
    advice = "try a smaller learning rate, or scale the inputs"
    with np.errstate(all="ignore"):
        baseline = setup.loss.value(np.zeros_like(setup.Y), setup.Y)
    if not np.isfinite(baseline):  # the targets alone overflow the loss
        top = float(np.abs(setup.Y).max())
        advice = f"the targets reach {top:.4g}, too large for {setup.loss.name}: scale Y"
    message = (
        f"training diverged in epoch {first}: {what} ({advice})"
        if first
        else f"training cannot start: at epoch 0 {what} ({advice})"
    )
    raise DivergenceError(message, epoch=first, layer=layer)


def _scale(setup: _Setup[F], weights: Matrix[F] | None) -> Any:
    """A batch's weights over their sum (what replaces the mean's ``1/m``), or ``None``."""
    if weights is None:
        return None
    return weights / weights.sum()


def _batches(setup: _Setup[F], epoch: int) -> Sequence[Batch]:
    """The epoch's batches: the whole set, or one shuffled gather in column views."""
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
    W = None if setup.weights is None else np.take(setup.weights, order, axis=1)
    return [
        (
            X1[:, start : start + size],
            Y[:, start : start + size],
            None if W is None else _scale(setup, W[:, start : start + size]),
            setup.buffers if start + size <= m else setup.rest,
        )
        for start in range(0, m, size)
    ]


def _descend(
    setup: _Setup[F], carry: _Carry, batches: Sequence[Batch], observe: bool
) -> tuple[_Carry, list[tuple[float, float, float]]]:
    """The optimiser's steps over ``batches``: the kernels, then one call of the rule each.

    Each step is the forward kernel, the output delta and the backward kernel
    into a new packed gradient (plus ``decay * theta``, L2's gradient), made
    read-only and handed to the optimiser's rule. Returns the new carry and,
    when ``observe``, each batch's ``(loss, accuracy, size)`` before its step.
    """
    structure, activations, kind = setup.structure, setup.activations, setup.loss
    optimizer, mask, decay = setup.optimizer, structure.weights, setup.decay
    output, size = activations[-1], structure.size
    theta, moments, count = carry.theta, carry.moments, carry.steps
    observed: list[tuple[float, float, float]] = []
    for X1, Y, scale, buffers in batches:
        blocks = structure.blocks(theta)
        Zs, inputs, Z, A = _kernels.forward(blocks, activations, X1, buffers=buffers)
        if observe:
            observed.append(_measure(setup, Z, A, Y, scale))
        dZ = _kernels.output_delta(kind, output, Z, A, Y, scale)
        g: Matrix[F] = np.empty((1, size), structure.dtype)
        _kernels.backward(blocks, activations, Zs, inputs, dZ, structure.blocks(g))
        del Zs, inputs, Z, A, dZ  # freed before the rule allocates the new parameters
        if decay is not None:
            g += theta * decay
        g.setflags(write=False)
        check = count == setup.first_step  # a rule of the user's own may give back anything
        theta, moments = apply_rule(optimizer, theta, g, moments, count, mask, check=check)
        count += 1
    return carry._replace(theta=theta, moments=moments, steps=count), observed


def _judge(
    setup: _Setup[F],
    state: TrainState[F],
    parts: Sequence[tuple[float, float, float]] | None,
    *,
    logged: bool,
) -> TrainState[F]:
    """Measure ``state``, update the best, decide early stopping, and record a log entry if ``logged``.

    The training numbers are measured on the whole training set, or combined
    from the epoch's batches' ``parts`` (the running loss) when given; they
    are measured only for a log. Validation data are measured exactly.
    """
    theta = state.params.theta
    train_loss = train_acc = NAN
    if logged:
        if parts is None:
            train_loss, train_acc = _network_loss(setup, theta, setup.X, setup.Y)
        else:
            train_loss, train_acc = _combined(setup, theta, parts)
    val_loss = val_acc = NAN
    if setup.validation is not None:
        val_loss, val_acc = _network_loss(setup, theta, *setup.validation, penalised=False)
    if (logged and not np.isfinite(train_loss)) or (
        setup.validation is not None and not np.isfinite(val_loss)
    ):
        _diverge(setup, state, state.epoch, theta)
    monitored = val_loss if setup.validation is not None else train_loss
    stopping = setup.early_stopping
    delta = stopping.min_delta if stopping else 0.0
    improved = bool(monitored < state.best_loss - delta)
    best = (
        (state.params, state.epoch, monitored)
        if improved
        else (state.best_params, state.best_epoch, state.best_loss)
    )
    stopped = bool(stopping and state.epoch - best[1] >= stopping.patience)
    log = state.log
    if logged:
        log = ((state.epoch, train_loss, train_acc, val_loss, val_acc), state.log)
    return TrainState(  # every field, as attrs.evolve would, at a third of its cost
        state.params,
        state.opt_state,
        state.epoch,
        *best,
        stopped,
        log,
        (state.epoch, state.params, state.opt_state),
    )


def _step(setup: _Setup[F], carry: _Carry, epoch: int) -> _Carry:
    """One epoch: the carry after ``epoch`` epochs -> the carry after ``epoch + 1``.

    Run it under ``np.errstate(over="ignore", invalid="ignore", divide="ignore")``
    (``train`` holds one for the whole fold, ``scan`` one per epoch), so that a
    diverging run reaches the check instead of warning. Parameters are checked
    every ``setup.check_every`` epochs and at the last; losses when measured:
    at every log, and every epoch under early stopping.
    """
    if carry.state.stopped:
        return carry
    done = epoch + 1
    last = done == setup.last_epoch
    logged = last or done % setup.log_every == 0
    observe = logged and setup.running and not setup.replaying
    new, parts = _descend(setup, carry, _batches(setup, epoch), observe)
    new = new._replace(epoch=done)
    if setup.replaying:  # re-running to locate a divergence: no checks, no logs
        return new
    if (last or done % setup.check_every == 0) and not all_finite(new.theta):
        _diverge(setup, carry.state, done, new.theta)
    if logged or setup.early_stopping is not None:
        judged = _judge(setup, _state(setup, new), parts if observe else None, logged=logged)
        new = new._replace(state=judged)
    return new


def _quiet_step(setup: _Setup[F], carry: _Carry, epoch: int) -> _Carry:
    """:func:`_step` under its own ``np.errstate``, for callers that yield between epochs."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _step(setup, carry, epoch)


def _hidden_buffers(structure: Structure[F], size: int) -> tuple[Matrix[F], ...]:
    """Each hidden layer's ``[A; 1]`` for batches of ``size`` examples, the last row ones."""
    buffers = []
    for n in structure.dims[1:-1]:
        buffer: Matrix[F] = np.empty((n + 1, size), structure.dtype)
        buffer[-1] = 1
        buffers.append(buffer)
    return tuple(buffers)


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
    sample_weight: npt.ArrayLike | None,
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
    m = data.shape[1]
    targets = check_targets_for(params, Y, m, loss, copy=copy)
    weights = check_weights(sample_weight, m, params.dtype)
    if weights is not None:
        _kernels.value(
            loss,
            params.activations[-1],
            targets[:, :1],
            targets[:, :1],
            targets[:, :1],
            weights[:, :1],
        )  # a loss without a per-example form says so
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
        check_state(params, start.opt_state, optimizer)
        # a resumed run goes on (even after early stopping) from this very state
        checkpoint = (start.epoch, start.params, start.opt_state)
        state = attrs.evolve(start, stopped=False, checkpoint=checkpoint)
    else:
        state = TrainState(params, optimizer.init(params), 0, params, 0, float("inf"), False)
    first = state.epoch
    every = every if every is not None else max(1, n_epochs // 100)
    structure = params.structure
    batch = m if size is None else min(size, m)
    decay = None
    if penalty:
        number = structure.dtype.type
        decay = np.where(structure.weights, number(penalty / m), number(0))
    whole = None
    if batch == m:
        X1 = _kernels.with_ones(data)
        X1[:-1] = data
        whole = (
            (
                X1,
                targets,
                None if weights is None else weights / weights.sum(),
                _hidden_buffers(structure, m),
            ),
        )
    setup: _Setup[F] = _Setup(
        data,
        targets,
        weights,
        held_out,
        loss,
        optimizer,
        size,
        seed_,
        every,
        penalty,
        early_stopping,
        first + n_epochs,
        structure,
        params.activations,
        decay,
        _hidden_buffers(structure, batch),
        _hidden_buffers(structure, m % batch) if m % batch else (),
        whole,
        running_loss,
        first_step=state.opt_state.count,
    )
    if state.log is None and running_loss:
        # nothing to measure before the first batch: the history starts at the first log
        state = attrs.evolve(state, checkpoint=(first, state.params, state.opt_state))
        if early_stopping is not None:  # the starting network may be the best one
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                state = _judge(setup, state, None, logged=False)
    elif state.log is None:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            state = _judge(setup, state, None, logged=True)
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
    running_loss: bool = True,
    sample_weight: npt.ArrayLike | None = None,
) -> Iterator[TrainState[F]]:
    """Lazily yield the starting state and the state after every epoch.

    ``itertools.accumulate(range(epochs), step, initial=state)``: the same
    states :func:`train` folds over. Arguments are checked when this is called,
    before the first state is yielded. It stops early (fewer states) when
    early stopping ends the run. Nothing a yielded state holds is written by
    a later step.

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
        sample_weight=sample_weight,
    )

    def states() -> Iterator[TrainState[F]]:
        for carry in itertools.accumulate(
            epochs_range, functools.partial(_quiet_step, setup), initial=_carry(setup, state)
        ):
            state_ = _state(setup, carry)
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
            ``validation``, which is then measured every epoch.
        running_loss: ``True`` (the default, free) records the training loss
            and accuracy of a logged epoch as the mean over its mini-batches,
            each measured by the forward pass its step makes anyway (what
            scikit-learn's ``loss_curve_`` and Keras report): the numbers lag
            the params by up to an epoch, and the history has no entry at the
            start. ``False`` measures the whole training set after each logged
            epoch instead, and at the start: exact, at the cost of a forward
            pass over the data per entry.
        sample_weight: optional ``(m,)`` non-negative per-example weights:
            each step minimises its batch's weighted mean loss.
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
        sample_weight=sample_weight,
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
        every = max(1, 16 // -(-setup.X.shape[1] // setup.batch))
        fast: _Setup[F] = attrs.evolve(setup, check_every=every)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            carry = functools.reduce(functools.partial(_step, fast), epochs_range, start)
    final = _state(setup, carry)
    chosen = final.best_params if setup.early_stopping is not None else final.params
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
