"""Every argument of :func:`fnmlp.train` and :func:`fnmlp.scan` checked once, into the loop's setup.

:func:`prepare` turns the user's arguments into the read-only
:class:`fnmlp._loop.Setup` the epochs fold over and the
:class:`~fnmlp.TrainState` they start from (a fresh one, or a resumed run
checked against its fingerprint), raising a clear fnmlp error naming the
argument before any epoch runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp import _kernels, _loop, _measure
from fnmlp._checks import (
    check_dropout,
    check_inputs,
    check_output_for,
    check_pass_fits,
    check_targets_for,
    check_weights,
)
from fnmlp._data import hold_out, label_targets, with_class_weights
from fnmlp._validate import positive_float, positive_int
from fnmlp.aliases import F
from fnmlp.errors import DTypeError, HyperparameterError
from fnmlp.losses import Loss
from fnmlp.optimisers import Optimizer, check_state
from fnmlp.records import Params
from fnmlp.runs import EarlyStopping, Fingerprint, Plateau, ReduceLROnPlateau, TrainState
from fnmlp.schedules import Schedule

__all__ = ["prepare", "schedule_of"]


def schedule_of(optimizer: Optimizer[Any]) -> Schedule | None:
    """The learning-rate schedule a built-in optimiser was made with, else ``None``."""
    rate = dict(optimizer.settings or ()).get("learning_rate")
    return rate if isinstance(rate, Schedule) else None


def prepare(
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
    dropout: float | Sequence[float] | None = None,
    reduce_lr_on_plateau: ReduceLROnPlateau | None = None,
    class_weight: object = None,
    validation_fraction: float | None = None,
    copy: bool = True,
) -> tuple[_loop.Setup[F], TrainState[F], range]:
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
    plateau: object = reduce_lr_on_plateau
    if plateau is not None and not isinstance(plateau, ReduceLROnPlateau):
        raise DTypeError(
            f"reduce_lr_on_plateau: expected a ReduceLROnPlateau or None, got "
            f"{type(plateau).__name__}"
        )
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise DTypeError(
            f"early_stopping: expected an EarlyStopping or None, got {type(early_stopping).__name__}"
        )
    check_pass_fits(params, X, batch_size=size if size is not None else 2**63)
    rates = check_dropout(params, dropout)
    Y, encoder = label_targets(params, Y, "Y")
    data = check_inputs(params, X, copy=copy)
    m = data.shape[1]
    targets = check_targets_for(params, Y, m, loss, copy=copy)
    weights = check_weights(sample_weight, m, params.dtype)
    if class_weight is not None:
        weights = with_class_weights(params, loss, targets, weights, class_weight, encoder)
    held_back = None
    if validation_fraction is not None:
        data, targets, weights, held_back = hold_out(
            params, loss, data, targets, weights, validation_fraction, validation, seed_
        )
        m = data.shape[1]
    if weights is not None:
        _kernels.value(
            loss,
            params.activations[-1],
            targets[:, :1],
            targets[:, :1],
            targets[:, :1],
            weights[:, :1],
        )  # a loss without a per-example form says so
    held_out = held_back
    if validation is not None:
        pair: object = validation  # checked at run time: callers may send anything
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise DTypeError(
                f"validation: expected a pair (X_val, Y_val), got {type(validation).__name__}"
            )
        X_val = check_inputs(params, validation[0], "validation X", copy=copy)
        Y_val, _ = label_targets(params, validation[1], "validation Y", encoder, fresh=False)
        held_out = (
            X_val,
            check_targets_for(params, Y_val, X_val.shape[1], loss, "validation Y", copy=copy),
        )
    if early_stopping is not None and held_out is None:
        raise HyperparameterError(
            "early_stopping: expected validation data to monitor, got validation=None "
            "(pass validation=(X_val, Y_val) or validation_fraction=0.1)"
        )
    fingerprint = Fingerprint(loss, penalty, size, seed_, schedule_of(optimizer), rates)
    if isinstance(start, TrainState):
        check_state(params, start.opt_state, optimizer)
        if start.fingerprint is not None:
            start.fingerprint.check(fingerprint)
        # a resumed run goes on (even after early stopping) from this very state
        checkpoint = (start.epoch, start.params, start.opt_state)
        state = attrs.evolve(start, stopped=False, checkpoint=checkpoint, fingerprint=fingerprint)
        if start.log is not None and math.isnan(start.log[0][3]) != (held_out is None):
            # validation data given or dropped: the best and the plateau were judged by the
            # other loss, so they start again from here
            state = attrs.evolve(
                state,
                best_params=start.params,
                best_epoch=start.epoch,
                best_loss=math.inf,
                plateau=Plateau(start.plateau.scale, math.inf, start.epoch),
            )
    else:
        state = TrainState(
            params,
            optimizer.init(params),
            0,
            params,
            0,
            float("inf"),
            False,
            fingerprint=fingerprint,
        )
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
                None if weights is None else _measure.shares(weights),
            ),
        )
    setup: _loop.Setup[F] = _loop.Setup(
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
        whole,
        running_loss,
        first_step=state.opt_state.count,
        dropout=rates,
        plateau=reduce_lr_on_plateau,
    )
    if state.log is None and running_loss:
        # nothing to measure before the first batch: the history starts at the first log
        state = attrs.evolve(state, checkpoint=(first, state.params, state.opt_state))
        if early_stopping is not None:  # the starting network may be the best one
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                state = _loop.judge(setup, state, None, logged=False)
    elif state.log is None:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            state = _loop.judge(setup, state, None, logged=True)
    return setup, state, range(first, first + n_epochs)
