"""What the training loop measures: losses and accuracies of a pass, and where a run diverged.

The running loss combines the batches' outputs (:func:`measure`,
:func:`measure_side_by_side`, :func:`combined`, and :func:`weighed` under
sample weights); an exact log measures the whole set slice by slice
(:func:`network_loss`); :func:`problem` finds the layer a divergence shows
in. All read a :class:`fnmlp._loop.Setup`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from fnmlp import _kernels
from fnmlp._validate import all_finite
from fnmlp.aliases import F, Inputs, Matrix, Targets

if TYPE_CHECKING:
    from fnmlp._loop import Setup

__all__ = [
    "EVALUATION_COLUMNS",
    "NAN",
    "Weighted",
    "combined",
    "measure",
    "measure_side_by_side",
    "network_loss",
    "penalty",
    "problem",
    "shares",
    "weighed",
]

NAN = float("nan")


class Weighted(list[tuple[Matrix[Any], Matrix[Any], Any]]):
    """An epoch's weighted batches ``([X; 1], Y, scale)``, and ``weights``: each one's raw weights.

    A batch's running loss is its weighted mean; weighed by the sums of
    ``weights`` (:meth:`sums`, taken only for an epoch that is measured),
    these give the epoch's weighted mean (:func:`weighed`).
    """

    weights: Sequence[Matrix[Any]] = ()

    def sums(self) -> list[float]:
        """Each batch's sum of weights."""
        return [float(W.sum()) for W in self.weights]


EVALUATION_COLUMNS = 2048
"""The history measures a data set in slices of ``max(batch_size, 2048)`` examples."""


def measure(
    setup: Setup[F], Z: Matrix[F], A: Matrix[F], Y: Targets[F], scale: Any = None
) -> tuple[float, float, float]:
    """Loss (without the penalty), accuracy and weight of one pass's output ``(Z, A)``."""
    kind, output = setup.loss, setup.activations[-1]
    value = _kernels.value(kind, output, Z, A, Y, scale)
    weight = float(Y.shape[1])
    accuracy = _kernels.accuracy_of(A, Y, not output.elementwise) if kind.probabilities else NAN
    return value, accuracy, weight


def measure_side_by_side(
    setup: Setup[F], outputs: Sequence[tuple[Matrix[F], Matrix[F], Targets[F]]]
) -> tuple[float, float, float]:
    """:func:`measure` of several batches' outputs ``(Z, A, Y)`` put side by side."""
    if len(outputs) == 1:
        return measure(setup, *outputs[0])
    return measure(setup, *(np.concatenate(arrays, axis=1) for arrays in zip(*outputs)))


def shares(weights: Matrix[F]) -> Matrix[F]:
    """``weights`` over their sum (what replaces a mean's ``1/m``); zeros if they sum to 0.

    Weights that are all zero leave nothing to learn from: the weighted mean
    over them is 0 (a zero loss and gradient), not ``0/0``.
    """
    total = weights.sum()
    if not total > 0:
        return weights
    share: Matrix[F] = weights / total
    return share


def network_loss(
    setup: Setup[F],
    theta: Matrix[F],
    X: Inputs[F],
    Y: Targets[F],
    weights: Matrix[F] | None = None,
    *,
    penalised: bool = True,
) -> tuple[float, float]:
    """Loss (with the L2 penalty when ``penalised``) and accuracy of ``theta`` on ``(X, Y)``.

    Measured slice by slice of ``max(batch_size, EVALUATION_COLUMNS)``
    examples (a mean of the slices' losses weighted by their sizes), so that
    a log needs no more memory than training does. With ``weights`` (a
    ``(1, m)`` row) the loss is the weighted mean: each slice's weighted mean
    weighed by its sum of weights (:func:`weighed`).
    """
    m = X.shape[1]
    size = max(m if setup.batch_size is None else setup.batch_size, EVALUATION_COLUMNS)
    blocks = setup.structure.blocks(theta)
    parts = []
    sums = []
    for start in range(0, m, size):
        X1 = _kernels.with_ones(X[:, start : start + size])
        X1[:-1] = X[:, start : start + size]
        *_, Z, A = _kernels.forward(blocks, setup.activations, X1, keep=False)
        if weights is None:
            parts.append(measure(setup, Z, A, Y[:, start : start + size]))
        else:
            W = weights[:, start : start + size]
            parts.append(measure(setup, Z, A, Y[:, start : start + size], shares(W)))
            sums.append(float(W.sum()))
    if weights is not None:
        parts = [weighed(setup, theta, parts, sums)]
    return combined(setup, theta, parts, penalised=penalised)


def weighed(
    setup: Setup[F],
    theta: Matrix[F],
    parts: Sequence[tuple[float, float, float]],
    sums: Sequence[float],
) -> tuple[float, float, float]:
    """One part ``(loss, accuracy, examples)`` of weighted parts whose weights sum to ``sums``.

    Each part's loss is a weighted mean over its examples, so their mean
    weighted by ``sums`` is the weighted mean over all their examples (a part
    of weight 0 counts for nothing, whatever its loss). The accuracy is not
    weighted: the share of the examples (or entries) right, as in
    :func:`combined`.
    """
    if len(parts) == 1:
        return parts[0]
    weight = math.fsum(sums)
    loss = math.fsum(part[0] * s for part, s in zip(parts, sums) if s > 0)
    _, accuracy = combined(setup, theta, parts, penalised=False)
    return loss / weight if weight > 0 else 0.0, accuracy, math.fsum(n for *_, n in parts)


def combined(
    setup: Setup[F],
    theta: Matrix[F],
    parts: Sequence[tuple[float, float, float]],
    *,
    penalised: bool = True,
) -> tuple[float, float]:
    """Loss and accuracy of a set measured in parts ``(loss, accuracy, examples)``.

    The loss is the mean of the parts' losses weighted by their sizes (plus
    the penalty when ``penalised``); the accuracy counts the correct entries.
    One part is taken as it is.
    """
    extra = penalty(setup, theta) if penalised else 0.0
    if len(parts) == 1:
        return parts[0][0] + extra, parts[0][1]
    total = correct = 0.0
    m = 0.0
    # accuracy is over examples (arg-max) or over every entry (thresholded outputs)
    per_example = 1 if not setup.activations[-1].elementwise else setup.structure.dims[-1]
    for value, accuracy, n in parts:
        total += value * n
        # a count of correct entries, exact after rounding
        correct += accuracy if np.isnan(accuracy) else round(accuracy * n * per_example)
        m += n
    return total / m + extra, correct / (m * per_example)


def penalty(setup: Setup[F], theta: Matrix[F]) -> float:
    """``l2 / (2m) * sum ||W||^2`` with m the training set's size, as in the gradient."""
    if not setup.l2:
        return 0.0
    weights = theta[setup.structure.weights]
    return setup.l2 / (2 * setup.X.shape[1]) * float(weights.dot(weights))


def problem(
    setup: Setup[F], theta: Matrix[F], moments: Sequence[Matrix[F]] = ()
) -> tuple[int, str] | None:
    """``(layer, what)`` if ``theta`` (with the optimiser's ``moments``) has diverged, else ``None``.

    Diverged means a parameter, a moment, the training loss or the validation
    loss is not finite. The layer is the lowest one holding a non-finite
    parameter, else the lowest holding a non-finite moment, else the lowest
    whose ``Z`` or ``A`` is not finite on the data, else the output layer
    (whose finite outputs gave a loss that overflowed).
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
        for name, moment in zip(setup.optimizer.moments, moments):
            for i, block in enumerate(setup.structure.blocks(moment)):
                if not all_finite(block):
                    return i + 1, (
                        f"the optimizer's {name} is not finite in layer {i + 1}, its gradients "
                        f"overflowing it"
                    )
        L = len(blocks)
        for name, X, Y in data:
            X1 = _kernels.with_ones(X)
            X1[:-1] = X
            Zs, inputs, Z, A = _kernels.forward(blocks, setup.activations, X1)
            value, _, _ = measure(setup, Z, A, Y)
            raw = value
            if name == "training":
                value += penalty(setup, theta)
            if np.isfinite(value):
                continue
            values = [(Zl, x[:-1]) for Zl, x in zip(Zs, inputs[1:])] + [(Z, A)]
            for l, (Zl, Al) in enumerate(values, 1):
                if not (all_finite(Zl) and all_finite(Al)):
                    return l, f"the {name} loss is {value}: layer {l}'s values Z, A are not finite"
            if name == "training" and setup.l2 and np.isfinite(raw):
                return L, f"the training loss's L2 penalty is {penalty(setup, theta)}"
            top = float(np.abs(Z).max())
            return L, f"the {name} loss is {value}: layer {L}'s |Z| reaches {top:.3g}"
    return None
