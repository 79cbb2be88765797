"""The probes of :func:`fnmlp.gradient_check`: central differences of the loss, entry by entry.

Each entry of every ``W[l]``, ``b[l]`` (:func:`probe_parameters`) and
``Z[l]`` (:func:`probe_deltas`) is moved by ``+epsilon`` and ``-epsilon``,
the layers after it are run forward by the kernels of :mod:`fnmlp._kernels`,
and ``(J(+) - J(-)) / (x(+) - x(-))`` is taken, with a note of every probe
that moved a ReLU's pre-activation across its kink. Every number a probe
gives is checked as it comes (:func:`quotient`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from fnmlp import _kernels
from fnmlp.activations import Activation
from fnmlp.aliases import Activations, Deltas, Matrix, Targets
from fnmlp.errors import NonFiniteError
from fnmlp.losses import Loss
from fnmlp.records import Cache, Layer, Params, lock

__all__ = [
    "Float64",
    "Mask",
    "backward_deltas",
    "crosses_kink",
    "entry_name",
    "in_float64",
    "probe_deltas",
    "probe_parameters",
    "quotient",
    "run_layers",
]

Float64 = Matrix[np.float64]
Mask = np.ndarray[tuple[int, int], np.dtype[np.bool_]]


def crosses_kink(
    plus: Sequence[Activations[np.float64]],
    minus: Sequence[Activations[np.float64]],
    kinked: Sequence[bool],
) -> bool:
    """Whether a watched pre-activation moved across or onto 0 between the two probes."""
    for Zp, Zm, watched in zip(plus, minus, kinked):
        if watched:
            moved = Zp != Zm
            low: Float64 = np.minimum(Zp, Zm)
            high: Float64 = np.maximum(Zp, Zm)
            if np.any(moved & (low <= 0) & (high >= 0)):
                return True
    return False


def entry_name(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{', '.join(str(i) for i in index)}]"


def quotient(
    name: str,
    index: tuple[int, ...],
    J_plus: float,
    J_minus: float,
    x_plus: float,
    x_minus: float,
    m: int = 1,
) -> float:
    """``(J(+) - J(-)) / (x(+) - x(-)) / m``, or ``NonFiniteError`` saying what overflowed.

    ``name[index]`` is the probed entry, e.g. ``W[1][0, 2]`` or ``Z[2][0, 5]``.
    """
    where = entry_name(name, index)
    for J, sign in ((J_plus, "+"), (J_minus, "-")):
        if not math.isfinite(J):
            raise NonFiniteError(
                f"loss at the probe {where} {sign} epsilon: expected a finite loss, got {J}; "
                f"the inputs or weights are too large for a gradient check: scale X"
            )
    step = x_plus - x_minus
    if step == 0:
        raise NonFiniteError(
            f"numerical gradient at {where}: expected a probe that moves the entry, got none: "
            f"{(x_plus + x_minus) / 2:.4g} does not change by epsilon in float64; "
            f"scale X or use a larger epsilon"
        )
    value = (J_plus - J_minus) / step / m
    if not math.isfinite(value):
        raise NonFiniteError(
            f"numerical gradient at {where}: expected a finite central difference, got {value}; "
            f"the inputs or weights are too large for a gradient check: scale X"
        )
    return float(value)


def run_layers(
    blocks: Sequence[Float64],
    activations: Sequence[Activation],
    A1: Float64,
    Y: Targets[np.float64],
    kind: Loss,
    masks: Sequence[Float64 | None] = (),
) -> tuple[float, list[Activations[np.float64]]]:
    """The loss of the layers ``blocks`` applied to ``A1 = [A; 1]``, and their pre-activations."""
    Zs, _, Z, A = _kernels.forward(blocks, activations, A1, masks=masks)
    return _kernels.value(kind, activations[-1], Z, A, Y), [*Zs, Z]


def probe_parameters(
    net: Params[np.float64],
    cache: Cache[np.float64],
    Y: Targets[np.float64],
    kind: Loss,
    eps: float,
) -> tuple[list[Float64], list[Float64], list[Mask], list[Mask]]:
    """Central differences of the loss in every entry of every ``W[l]`` and ``b[l]``.

    One loop over ``theta``, a block at a time: entry ``(i, j)`` of ``W[l]``
    is ``Q[l][j, i]`` and entry ``i`` of ``b[l]`` is ``Q[l][-1, i]``.
    """
    blocks = net.structure.blocks(net.theta)
    activations = net.activations
    kinked = [a.kinked for a in activations]
    dWs: list[Float64] = []
    dbs: list[Float64] = []
    kinks_W: list[Mask] = []
    kinks_b: list[Mask] = []
    for k, original in enumerate(blocks):
        # Only layers k, k+1, ... see the probe, so the forward pass starts at [A[k]; 1].
        work: Float64 = original.copy()
        gradient: Float64 = np.zeros_like(original)
        crossed: Mask = np.zeros(original.shape, dtype=np.bool_)
        for index in np.ndindex(*original.shape):
            results = []
            for sign in (1.0, -1.0):
                work[index] = original[index] + sign * eps
                J, Zs = run_layers(
                    [work, *blocks[k + 1 :]],
                    activations[k:],
                    cache.inputs[k],
                    Y,
                    kind,
                    cache.masks[k:],
                )
                results.append((work[index], J, Zs))
            work[index] = original[index]
            (x_plus, J_plus, Z_plus), (x_minus, J_minus, Z_minus) = results
            row, unit = index
            field, where = ("b", (unit, 0)) if row == original.shape[0] - 1 else ("W", (unit, row))
            # Divide by the step actually taken (x + eps is rounded).
            gradient[index] = quotient(
                f"{field}[{k + 1}]", where, J_plus, J_minus, float(x_plus), float(x_minus)
            )
            crossed[index] = crosses_kink(Z_plus, Z_minus, kinked[k:])
        dWs.append(lock(gradient[:-1].T))
        dbs.append(lock(gradient[-1:].T))
        kinks_W.append(crossed[:-1].T)
        kinks_b.append(crossed[-1:].T)
    return dWs, dbs, kinks_W, kinks_b


def probe_deltas(
    net: Params[np.float64],
    Zs: Sequence[Activations[np.float64]],
    Y: Targets[np.float64],
    kind: Loss,
    eps: float,
    masks: Sequence[Float64 | None] = (),
) -> tuple[list[Float64], list[Mask]]:
    """Central differences of the loss in every entry of every ``Z[l]``.

    Every fnmlp loss is a mean over the ``m`` examples (columns), and a probe
    of ``Z[l][i, j]`` changes column ``j`` only, so each probe runs that one
    column forward and divides its change by ``m``.
    """
    blocks = net.structure.blocks(net.theta)
    activations = net.activations
    m = Y.shape[1]
    kinked = [a.kinked for a in activations]
    dZs: list[Float64] = []
    kinks: list[Mask] = []
    for k, activation in enumerate(activations):
        Z: Activations[np.float64] = Zs[k + 1]
        gradient: Float64 = np.zeros_like(Z)
        crossed: Mask = np.zeros(Z.shape, dtype=np.bool_)
        for i, j in np.ndindex(*Z.shape):
            y: Targets[np.float64] = Y[:, j : j + 1]
            results = []
            for sign in (1.0, -1.0):
                column: Activations[np.float64] = Z[:, j : j + 1].copy()
                column[i, 0] += sign * eps
                A: Activations[np.float64] = activation.fn(column)
                if k + 1 < len(blocks):
                    A1 = _kernels.with_ones(A)
                    A1[:-1] = A
                    # this example's column of every later dropout mask
                    kept = [None if x is None else x[:, j : j + 1] for x in masks[k:]]
                    if kept and kept[0] is not None:
                        A1[:-1] *= kept[0]
                    J, later = run_layers(
                        blocks[k + 1 :], activations[k + 1 :], A1, y, kind, kept[1:]
                    )
                else:
                    J, later = _kernels.value(kind, activation, column, A, y), []
                results.append((column[i, 0], J, [column, *later]))
            (z_plus, J_plus, Z_plus), (z_minus, J_minus, Z_minus) = results
            gradient[i, j] = quotient(
                f"Z[{k + 1}]", (i, j), J_plus, J_minus, float(z_plus), float(z_minus), m
            )
            crossed[i, j] = crosses_kink(Z_plus, Z_minus, kinked[k:])
        dZs.append(lock(gradient))
        kinks.append(crossed)
    return dZs, kinks


def backward_deltas(
    net: Params[np.float64], cache: Cache[np.float64], Y: Targets[np.float64], kind: Loss
) -> list[Deltas[np.float64]]:
    """``[dZ[1], ..., dZ[L]]`` from the backward kernel, the one ``backward`` runs."""
    structure = net.structure
    scratch: Float64 = np.empty((1, structure.size))
    deltas: list[Deltas[np.float64]] = []
    dZ = _kernels.output_delta(kind, net.activations[-1], cache.Z[-1], cache.A[-1], Y)
    blocks = structure.blocks(net.theta)
    _kernels.backward(
        blocks,
        net.activations,
        cache.Z[1:-1],
        cache.inputs,
        dZ,
        structure.blocks(scratch),
        deltas,
        cache.masks,
    )
    deltas.reverse()
    return deltas


def in_float64(params: Params[Any]) -> Params[np.float64]:
    if params.dtype == np.float64:
        same: Params[np.float64] = params
        return same
    return Params(
        tuple(
            Layer(layer.W.astype(np.float64), layer.b.astype(np.float64), layer.activation)
            for layer in params.layers
        )
    )
