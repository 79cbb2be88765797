"""The members of a run file: a :class:`~fnmlp.TrainState` written and read back checked.

A run is stored as its architecture, its flat parameters (current, best and
checkpointed), counters, plateau, log, optimiser states and fingerprint;
:mod:`fnmlp.serialisation` puts the run's magic and version in front and
checks them before :func:`read_run` runs.
"""

from __future__ import annotations

import itertools
import math
import pathlib
import zipfile
from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp._npz import (
    float_member,
    floats,
    int_member,
    read_flag,
    read_member,
    scalar_float,
    scalar_int,
    scalar_str,
)
from fnmlp._optfiles import (
    WHAT_TO_DO,
    opt_keys,
    opt_members,
    read_opt_state,
    read_schedule,
    schedule_kind,
)
from fnmlp._paramfiles import META, architecture, layer_count, params_members
from fnmlp.errors import SerialisationError
from fnmlp.losses import LOSSES
from fnmlp.records import Layer, Params
from fnmlp.runs import Fingerprint, Log, Plateau, TrainState


def log_arrays(log: Log) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The log, oldest entry first, as ``(epochs (k,), values (k, 4))``."""
    entries = []
    node = log
    while node is not None:
        entries.append(node[0])
        node = node[1]
    entries.reverse()
    epochs = np.array([e[0] for e in entries], dtype=np.int64).reshape(len(entries))
    values = np.array([e[1:] for e in entries], dtype=np.float64).reshape(len(entries), 4)
    return epochs, values


def run_members(state: TrainState[Any]) -> dict[str, npt.NDArray[Any]]:
    params = state.params
    members = params_members(params, "state.params")
    for l in range(1, len(params.dims)):
        del members[f"W{l}"], members[f"b{l}"]
    # which optional parts the file holds, said up front: a zip directory cut short
    # at a part's edge would otherwise pass for a run without it
    members["has_checkpoint"] = np.array(int(state.checkpoint is not None), dtype=np.int64)
    members["has_fingerprint"] = np.array(int(state.fingerprint is not None), dtype=np.int64)
    members["theta"] = params.theta
    members["best_theta"] = state.best_params.theta
    members["epoch"] = int_member(state.epoch, "state.epoch")
    members["best_epoch"] = int_member(state.best_epoch, "state.best_epoch")
    members["best_loss"] = float_member(state.best_loss, "state.best_loss")
    members["stopped"] = np.array(int(state.stopped), dtype=np.int64)
    plateau = state.plateau
    members["plateau"] = np.array([plateau.scale, plateau.best, plateau.since], dtype=np.float64)
    log_epochs, log_values = log_arrays(state.log)
    members["log_entries"] = np.array(log_epochs.shape[0], dtype=np.int64)
    members["log_epochs"] = log_epochs
    members["log_values"] = log_values
    members.update(opt_members("opt_", state.opt_state, params, "state.opt_state"))
    if state.checkpoint is not None:
        at, checkpoint_params, checkpoint_state = state.checkpoint
        members["checkpoint_epoch"] = int_member(at, "state.checkpoint[0]")
        members["checkpoint_theta"] = checkpoint_params.theta
        members.update(
            opt_members("checkpoint_opt_", checkpoint_state, params, "state.checkpoint[2]")
        )
    fingerprint = state.fingerprint
    if fingerprint is not None:
        loss = fingerprint.loss
        if LOSSES.get(loss.name) != loss:
            raise SerialisationError(
                f"state.fingerprint.loss: expected a built-in loss ({', '.join(LOSSES)}) that "
                f"load can find by name, got a Loss of your own named {loss.name!r}: "
                f"{WHAT_TO_DO}"
            )
        members["fingerprint_loss"] = np.array(loss.name)
        members["fingerprint_l2"] = float_member(fingerprint.l2, "state.fingerprint.l2")
        members["fingerprint_batch_size"] = int_member(
            fingerprint.batch_size or 0, "state.fingerprint.batch_size"
        )
        members["fingerprint_seed"] = int_member(fingerprint.seed, "state.fingerprint.seed")
        kind, values = "", list[float]()  # a constant rate: an empty name, no arguments
        if fingerprint.schedule is not None:
            kind, values = schedule_kind(fingerprint.schedule, "state.fingerprint.schedule")
        members["fingerprint_schedule"] = np.array(kind, dtype="<U32")
        members["fingerprint_schedule_args"] = np.array(values, dtype=np.float64)
        hidden = len(params.dims) - 2  # one rate per hidden layer, zeros for no dropout
        rates = fingerprint.dropout or (0.0,) * hidden
        if len(rates) != hidden:
            raise SerialisationError(
                f"state.fingerprint.dropout: expected one rate per hidden layer ({hidden}), "
                f"got {len(rates)}"
            )
        members["fingerprint_dropout"] = np.array(rates, dtype=np.float64).reshape(hidden)
    return members


def read_run(target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str]) -> TrainState[Any]:
    L = layer_count(target, archive, keys)
    expected = {
        *META,
        *("has_checkpoint", "has_fingerprint"),
        *("theta", "best_theta", "epoch", "best_epoch", "best_loss", "stopped", "plateau"),
        *("log_entries", "log_epochs", "log_values"),
    }
    missing = sorted(expected - keys)
    if missing:
        raise SerialisationError(
            f"{target}: expected the keys of a {L}-layer run, got missing {missing}"
        )
    has_checkpoint = read_flag(target, archive, "has_checkpoint")
    has_fingerprint = read_flag(target, archive, "has_fingerprint")
    expected |= opt_keys(target, archive, keys, "opt_")
    if has_checkpoint:
        expected |= {"checkpoint_epoch", "checkpoint_theta"}
        expected |= opt_keys(target, archive, keys, "checkpoint_opt_")
    if has_fingerprint:
        expected |= {
            f"fingerprint_{k}"
            for k in ("loss", "l2", "batch_size", "seed", "schedule", "schedule_args", "dropout")
        }
    missing, extra = sorted(expected - keys), sorted(keys - expected)
    if missing or extra:
        raise SerialisationError(
            f"{target}: expected exactly the keys of a {L}-layer run, got missing {missing} "
            f"and extra {extra}"
        )
    dims, dtype, activations = architecture(target, archive, L)
    size = sum((n_prev + 1) * n for n_prev, n in itertools.pairwise(dims))

    def network(key: str) -> Params[Any]:
        theta = floats(target, archive, key, (1, size), dtype, key)
        layers, start = [], 0
        for n_prev, n, activation in zip(dims, dims[1:], activations):
            block = theta[0, start : start + (n_prev + 1) * n].reshape(n_prev + 1, n)
            layers.append(Layer(block[:-1].T, block[-1:].T, activation))
            start += (n_prev + 1) * n
        return Params(tuple(layers))

    def opt_state(prefix: str) -> object:
        return read_opt_state(target, archive, keys, prefix, (1, size), dtype)

    params = network("theta")
    best_params = network("best_theta")
    stopped = read_flag(target, archive, "stopped")
    checkpoint = None
    if has_checkpoint:
        checkpoint = (
            scalar_int(target, archive, "checkpoint_epoch"),
            network("checkpoint_theta"),
            opt_state("checkpoint_opt_"),
        )
    fingerprint = None
    if has_fingerprint:
        loss_name = scalar_str(target, archive, "fingerprint_loss", "a loss name")
        if loss_name not in LOSSES:
            raise SerialisationError(
                f"{target}: fingerprint_loss: expected one of {sorted(LOSSES)}, got {loss_name!r}"
            )
        batch_size = scalar_int(target, archive, "fingerprint_batch_size")
        fingerprint = Fingerprint(
            LOSSES[loss_name],
            scalar_float(target, archive, "fingerprint_l2"),
            batch_size or None,
            scalar_int(target, archive, "fingerprint_seed"),
            read_schedule(target, archive, keys, "fingerprint_"),
            read_dropout(target, archive, L - 1),
        )
    return TrainState(
        params,
        opt_state("opt_"),
        scalar_int(target, archive, "epoch"),
        best_params,
        scalar_int(target, archive, "best_epoch"),
        scalar_float(target, archive, "best_loss", allow_inf=True),
        bool(stopped),
        read_log(target, archive),
        checkpoint,
        fingerprint,
        read_plateau(target, archive),
    )


def read_plateau(target: pathlib.Path, archive: zipfile.ZipFile) -> Plateau:
    scale, best, since = read_member(target, archive, "plateau", "f", (3,), "a plateau").tolist()
    # since is an epoch count: finite, whole and in an int64 (the epochs save writes)
    whole = math.isfinite(since) and 0 <= since < 2**63 and since == int(since)
    if not (0 <= scale <= 1 and not math.isnan(best) and whole):
        raise SerialisationError(
            f"{target}: plateau: expected [scale in [0, 1], best loss, since >= 0], got "
            f"{[scale, best, since]}"
        )
    return Plateau(float(scale), float(best), int(since))


def read_dropout(target: pathlib.Path, archive: zipfile.ZipFile, hidden: int) -> tuple[float, ...]:
    rates = read_member(target, archive, "fingerprint_dropout", "f", (hidden,), "dropout rates")
    if not ((rates >= 0) & (rates < 1)).all():
        raise SerialisationError(
            f"{target}: fingerprint_dropout: expected rates in [0, 1), got {rates.tolist()}"
        )
    return tuple(float(r) for r in rates) if rates.any() else ()


def read_log(target: pathlib.Path, archive: zipfile.ZipFile) -> Log:
    k = scalar_int(target, archive, "log_entries")
    epochs = read_member(target, archive, "log_epochs", "iu", (k,), "int epochs")
    values = read_member(target, archive, "log_values", "f", (k, 4), "float64 log values")
    if values.dtype != np.float64:
        raise SerialisationError(
            f"{target}: log_values: expected a float64 array, got dtype {values.dtype}"
        )
    if k and ((epochs[1:] <= epochs[:-1]).any() or epochs[0] < 0):
        raise SerialisationError(
            f"{target}: log_epochs: expected increasing non-negative epochs, got "
            f"{epochs.tolist()!r:.80}"
        )
    if np.isinf(values).any():
        raise SerialisationError(
            f"{target}: log_values: expected finite numbers (NaN where not tracked), got infinity"
        )
    log: Log = None
    for epoch, (loss, accuracy, val_loss, val_accuracy) in zip(epochs.tolist(), values.tolist()):
        entry = (int(epoch), float(loss), float(accuracy), float(val_loss), float(val_accuracy))
        log = (entry, log)
    return log
