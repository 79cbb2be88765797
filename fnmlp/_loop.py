"""The training loop's step, shared by :func:`fnmlp.train`, :func:`fnmlp.scan` and :mod:`fnmlp.dask`.

One epoch is :func:`step`: the epoch's batches (:func:`batches`), the
optimiser's steps over them (:func:`descend`: the kernels of
:mod:`fnmlp._kernels`, then the optimiser's rule), and, at a log or under
early stopping, the measurements (:func:`judge`). The fold carries a
:class:`Carry` (the parameters and moments as arrays) and builds records
only where something leaves it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, NamedTuple, NoReturn

import attrs
import numpy as np

from fnmlp import _kernels
from fnmlp._data import shuffled
from fnmlp._measure import (
    EVALUATION_COLUMNS,
    NAN,
    Weighted,
    combined,
    measure,
    measure_side_by_side,
    network_loss,
    problem,
    shares,
    weighed,
)
from fnmlp._validate import all_finite
from fnmlp.activations import Activation
from fnmlp.aliases import F, Inputs, Matrix, Outputs, Targets
from fnmlp.errors import DivergenceError
from fnmlp.losses import Loss, fuses
from fnmlp.optimisers import Optimizer, apply_rule, owned, with_moments
from fnmlp.records import Params, Structure, lock, params_of
from fnmlp.runs import EarlyStopping, ReduceLROnPlateau, TrainState, state_of

__all__ = [
    "Batch",
    "Carry",
    "Descent",
    "Setup",
    "advance",
    "batch_gradient",
    "batches",
    "carry",
    "descend",
    "diverge",
    "dropout_rng",
    "judge",
    "quiet_step",
    "state",
    "step",
]

Batch = tuple[Matrix[Any], Matrix[Any], Any]
"""One step's ``([X; 1], Y, scale)``: ``scale`` replaces the mean's ``1/m``
(``None`` without sample weights)."""


Descent = Callable[
    ["Setup[Any]", "Carry", int, bool], tuple["Carry", list[tuple[float, float, float]]]
]
"""How an epoch's steps are taken, when not over :func:`batches` of ``Setup.X``:
``(setup, carry, epoch, observe) -> (carry, parts)`` as :func:`descend`, whose
steps it takes through :func:`batch_gradient` and :func:`advance` (or
:func:`descend` over batches of its own): the data may live elsewhere
(out of core, on a cluster) but the maths is the same."""


@attrs.frozen
class Setup(Generic[F]):
    """The checked, fixed inputs of one training run.

    ``whole`` is the one batch of full-batch descent.
    ``descent``, when given, takes each epoch's steps instead of
    :func:`descend` over :func:`batches` (see :data:`Descent`); ``X`` and
    ``Y`` are then a sample of the data that a divergence is diagnosed on.
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
    whole: tuple[Batch, ...] | None
    running: bool = True
    replaying: bool = False
    check_every: int = 1
    first_step: int = 0
    dropout: tuple[float, ...] = ()
    plateau: ReduceLROnPlateau | None = None
    descent: Descent | None = None

    @property
    def batch(self) -> int:
        """Examples per step: ``batch_size``, or the whole training set (full batch)."""
        m = self.X.shape[1]
        return m if self.batch_size is None else min(self.batch_size, m)


class Carry(NamedTuple):
    """What the fold carries from epoch to epoch: the parameters and the optimiser's moments.

    ``state`` is the :class:`TrainState` as of the latest judged epoch (or the
    start), whose history, best params and checkpoint the epochs since share.
    """

    epoch: int
    theta: Matrix[Any]
    moments: tuple[Matrix[Any], ...]
    steps: int
    state: TrainState[Any]


def carry(setup: Setup[F], state: TrainState[F]) -> Carry:
    """``state``, to step from."""
    # a user's state may hold arrays it can still write: the rule gets locked copies
    moments = tuple(owned(getattr(state.opt_state, name)) for name in setup.optimizer.moments)
    return Carry(state.epoch, state.params.theta, moments, state.opt_state.count, state)


def params(setup: Setup[F], theta: Matrix[F]) -> Params[F]:
    return params_of(theta, setup.structure, setup.activations)


def state(setup: Setup[F], carry: Carry) -> TrainState[F]:
    """The :class:`TrainState` of ``carry`` (records around its arrays, no copies)."""
    state: TrainState[F] = carry.state
    if state.epoch == carry.epoch:
        return state
    opt_state = with_moments(state.opt_state, carry.steps, setup.optimizer.moments, carry.moments)
    return state_of(
        params(setup, carry.theta),
        opt_state,
        carry.epoch,
        state.best_params,
        state.best_epoch,
        state.best_loss,
        state.stopped,
        state.log,
        state.checkpoint,
        state.fingerprint,
        state.plateau,
    )


def diverge(
    setup: Setup[F],
    state: TrainState[F],
    epoch: int,
    theta: Matrix[F],
    moments: tuple[Matrix[F], ...] = (),
) -> NoReturn:
    """Raise ``DivergenceError`` naming the first epoch whose params, moments or losses are not finite.

    Parameters and the optimiser's moments are checked every few epochs and
    losses when measured, so a divergence is noticed at ``epoch`` (with
    ``theta`` and ``moments``), perhaps later than it began. Training is
    pure: re-running it epoch by epoch from ``state``'s checkpoint
    reproduces the same states and finds the first.
    """
    found: tuple[int, tuple[int, str] | None] = (epoch, problem(setup, theta, moments))
    if state.checkpoint is not None and state.checkpoint[0] <= epoch:
        first, params, opt_state = state.checkpoint
        quiet: Setup[F] = attrs.evolve(setup, replaying=True)
        start = TrainState(params, opt_state, first, params, first, float("inf"), False)
        replay = carry(setup, start)
        bad = problem(setup, replay.theta, replay.moments)
        while bad is None and replay.epoch < epoch:
            replay = step(quiet, replay, replay.epoch)
            bad = problem(setup, replay.theta, replay.moments)
        if bad is not None:
            found = (replay.epoch, bad)
    first, where = found
    layer, what = where if where is not None else (None, "a value is not finite")
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


def batches(setup: Setup[F], epoch: int, *key: int) -> Sequence[Batch]:
    """The epoch's batches: the whole set, or one shuffled gather in column views.

    The shuffle is seeded with ``(setup.seed, epoch, *key)``: a caller that
    shuffles several parts of the data in one epoch tells them apart by ``key``.
    """
    if setup.whole is not None:
        return setup.whole
    batches = shuffled(setup.X, setup.Y, setup.weights, setup.batch, (setup.seed, epoch, *key))
    if setup.weights is None:
        return batches
    weighted = Weighted([(X1, Y, shares(W)) for X1, Y, W in batches if W is not None])
    weighted.weights = [W for *_, W in batches if W is not None]
    return weighted


def dropout_rng(setup: Setup[Any], epoch: int) -> np.random.Generator | None:
    """The generator of epoch ``epoch``'s dropout masks, seeded by ``(seed, epoch, 1)``, or ``None``.

    Like the shuffle's ``(seed, epoch)``, it makes an epoch's masks depend on
    nothing but the run's seed and the epoch, so a resumed run is bit-identical.
    """
    return np.random.default_rng((setup.seed, epoch, 1)) if setup.dropout else None


def batch_gradient(
    setup: Setup[F],
    theta: Matrix[F],
    batch: Batch,
    masks: Sequence[Matrix[F] | None] = (),
    fused: bool | None = None,
) -> tuple[Matrix[F], Outputs[F], Outputs[F]]:
    """The packed gradient of ``batch``'s loss at ``theta``, and the output layer's ``(Z, A)``.

    The forward kernel, the output delta and the backward kernel: a new
    writable ``(1, N)`` gradient (without L2's ``decay * theta``, which
    :func:`advance` adds), and ``Z[L]``, ``A[L]`` for a caller that measures
    the batch (:func:`measure`). With the batch's scale an int ``total`` (a
    shard of a batch of ``total`` examples) the shards' gradients add up to
    the batch's. ``masks`` are the batch's dropout masks (none by default),
    ``fused`` whether the loss and output fuse (worked out when ``None``).
    Only ``setup``'s network description (``structure``, ``activations``,
    ``loss``) is read.
    """
    structure, activations = setup.structure, setup.activations
    X1, Y, scale = batch
    blocks = structure.blocks(theta)
    Zs, inputs, Z, A = _kernels.forward(blocks, activations, X1, masks=masks)
    dZ = _kernels.output_delta(setup.loss, activations[-1], Z, A, Y, scale, fused)
    g: Matrix[F] = np.empty((1, structure.size), structure.dtype)
    _kernels.backward(blocks, activations, Zs, inputs, dZ, structure.blocks(g), masks=masks)
    return g, Z, A


def advance(
    setup: Setup[F],
    theta: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    g: Matrix[F],
    scale: float = 1.0,
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    """One optimiser step by the gradient ``g``: the new parameters and moments, locked.

    ``g`` is a new writable array the caller hands over (as from
    :func:`batch_gradient`); L2's ``decay * theta`` is added to it in place,
    then it is made read-only and given to the optimiser's rule, with
    ``count`` the steps taken before this one. A ``scale`` other than 1 (a
    plateau's reduction) multiplies the step the rule took: for the built-in
    rules, their learning rate.
    """
    if setup.decay is not None:
        g += theta * setup.decay
    g.setflags(write=False)
    check = count == setup.first_step  # a rule of the user's own may give back anything
    weights = setup.structure.weights
    new, moments = apply_rule(setup.optimizer, theta, g, moments, count, weights, check=check)
    if scale != 1.0:
        scaled: Matrix[F] = new - theta
        scaled *= scale
        scaled += theta
        new = lock(scaled)
    return new, moments


def descend(
    setup: Setup[F],
    carry: Carry,
    batches: Iterable[Batch],
    observe: bool,
    rng: np.random.Generator | None = None,
) -> tuple[Carry, list[tuple[float, float, float]]]:
    """The optimiser's steps over ``batches``: :func:`batch_gradient`, then :func:`advance`, each.

    Each step is the forward kernel, the output delta and the backward kernel
    into a new packed gradient (plus ``decay * theta``, L2's gradient), made
    read-only and handed to the optimiser's rule. With dropout, each batch's
    masks are drawn from ``rng`` in turn. Returns the new carry and, when
    ``observe``, each batch's ``(loss, accuracy, size)`` before its step.
    """
    theta, moments, count = carry.theta, carry.moments, carry.steps
    step_scale = carry.state.plateau.scale  # 1 until a plateau's reduction
    observed: list[tuple[float, float, float]] = []
    weighted: list[tuple[float, float, float]] = []  # the weighted batches' parts
    structure, kind, output = setup.structure, setup.loss, setup.activations[-1]
    # The running loss of unweighted batches is measured on their outputs side
    # by side, every EVALUATION_COLUMNS examples and at the end (benchmarks:
    # digits, fnmlp train, default: 0.66x -> 0.58x the notebook loop, the loss
    # and accuracy's calls made once an epoch; the sweep's digits points: the
    # peak memory of a whole epoch's outputs, 1.2-1.9x the notebook loop's).
    outputs: list[tuple[Matrix[F], Matrix[F], Targets[F]]] = []
    pending = 0
    dims, rates, fused = structure.dims, setup.dropout, fuses(kind, output)
    masks: Sequence[Matrix[F] | None] = ()
    for batch in batches:
        if rng is not None:
            masks = _kernels.dropout_masks(rng, rates, dims, batch[0].shape[1], structure.dtype)
        g, Z, A = batch_gradient(setup, theta, batch, masks, fused)
        if observe and batch[2] is None:
            outputs.append((Z, A, batch[1]))
            pending += Z.shape[1]
            if pending >= EVALUATION_COLUMNS:
                observed.append(measure_side_by_side(setup, outputs))
                outputs, pending = [], 0
        elif observe:
            weighted.append(measure(setup, Z, A, batch[1], batch[2]))
        del Z, A  # freed (unless kept to measure) before the rule allocates the new parameters
        theta, moments = advance(setup, theta, moments, count, g, step_scale)
        count += 1
    if outputs:
        observed.append(measure_side_by_side(setup, outputs))
    if weighted:
        # each batch's weighted mean weighed by its sum of weights (a caller's own, by its size)
        sums = batches.sums() if isinstance(batches, Weighted) else [p[2] for p in weighted]
        observed.append(weighed(setup, theta, weighted, sums[: len(weighted)]))
    return Carry(carry.epoch, theta, moments, count, carry.state), observed


def judge(
    setup: Setup[F],
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
    # the plateau watches the training loss every epoch when there are no validation data
    measured = logged or (setup.plateau is not None and setup.validation is None)
    if measured:
        if parts is None:
            train_loss, train_acc = network_loss(setup, theta, setup.X, setup.Y, setup.weights)
        else:
            train_loss, train_acc = combined(setup, theta, parts)
    val_loss = val_acc = NAN
    if setup.validation is not None:
        val_loss, val_acc = network_loss(setup, theta, *setup.validation, penalised=False)
    if (measured and not np.isfinite(train_loss)) or (
        setup.validation is not None and not np.isfinite(val_loss)
    ):
        diverge(setup, state, state.epoch, theta)
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
    plateau = state.plateau
    if setup.plateau is not None and state.epoch > 0:
        plateau = setup.plateau.judge(plateau, monitored, state.epoch)
    return state_of(  # every field, as attrs.evolve would, unchecked: the loop made them
        state.params,
        state.opt_state,
        state.epoch,
        *best,
        stopped,
        log,
        (state.epoch, state.params, state.opt_state),
        state.fingerprint,
        plateau,
    )


def step(setup: Setup[F], carry: Carry, epoch: int) -> Carry:
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
    judged = logged or setup.early_stopping is not None or setup.plateau is not None
    observe = (logged or setup.plateau is not None) and setup.running and not setup.replaying
    if setup.descent is None:
        rng = dropout_rng(setup, epoch) if setup.dropout else None
        new, parts = descend(setup, carry, batches(setup, epoch), observe, rng)
    else:
        new, parts = setup.descent(setup, carry, epoch, observe)
    new = Carry(done, new.theta, new.moments, new.steps, new.state)
    if setup.replaying:  # re-running to locate a divergence: no checks, no logs
        return new
    # checked at every judged epoch too: a log moves the checkpoint a divergence is replayed from
    if (last or judged or done % setup.check_every == 0) and not (
        all_finite(new.theta) and all(map(all_finite, new.moments))
    ):
        diverge(setup, carry.state, done, new.theta, new.moments)
    if judged:
        measured = judge(setup, state(setup, new), parts if observe else None, logged=logged)
        new = new._replace(state=measured)
    return new


def quiet_step(setup: Setup[F], carry: Carry, epoch: int) -> Carry:
    """:func:`step` under its own ``np.errstate``, for callers that yield between epochs."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return step(setup, carry, epoch)
