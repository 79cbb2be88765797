"""``gradient_check``: :func:`fnmlp.backward` against central differences, layer by layer.

Every entry of every ``W[l]`` and ``b[l]`` is probed: the loss is evaluated
with that one entry moved by ``+epsilon`` and by ``-epsilon``, and
``(J(+) - J(-)) / (2 epsilon)`` is compared with the backward pass. The deltas
``dZ[l] = dJ/dZ[l]`` are probed the same way, entry by entry of each ``Z[l]``.
Each array is summarised by the relative error
``||num - ana|| / (||num|| + ||ana||)`` (0 when both are 0) and the largest
absolute difference.

ReLU and leaky ReLU have a kink at ``z = 0`` where they have no derivative.
Backward uses a convention there (``relu'(0) = 0``, ``leaky_relu'(0) = 0.01``),
while a central difference whose probe moves a pre-activation across or onto
0 sees the average of the slopes on either side. The check counts such probes
in every array and says so in its report, with the error over the other
probes alongside, instead of just printing a distance. That is why notebook
000's check of ``dZ[1]`` disagrees: with ``x = 0`` and zero biases,
``Z[1]`` is exactly 0 in that column.

The check always computes in float64: float32 params are cast up (float32's
rounding would drown a central difference), so it checks the maths of the
backward pass, not float32 rounding.

The report's records (:class:`~fnmlp.GradientCheck`, :class:`~fnmlp.LayerCheck`,
:class:`~fnmlp.ArrayCheck`) are in :mod:`fnmlp.gradreport`, re-exported here.

Examples:
    >>> import numpy as np
    >>> from fnmlp import binary_cross_entropy, gradient_check, init, tanh
    >>> X = np.random.default_rng(0).normal(size=(3, 5))
    >>> Y = np.array([[0, 1, 1, 0, 1]])
    >>> report = gradient_check(init([3, 4, 1], hidden=tanh, seed=0), X, Y,
    ...                         binary_cross_entropy)
    >>> print(report.ok, report.worst_error < 1e-8, report.kinks)
    True True 0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp._checks import check_inputs, check_output_for, check_targets_for
from fnmlp._probes import (
    Float64,
    Mask,
    backward_deltas,
    in_float64,
    probe_deltas,
    probe_parameters,
)
from fnmlp._validate import first_nonfinite, positive_float
from fnmlp.aliases import Deltas
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError
from fnmlp.gradreport import ArrayCheck, GradientCheck, LayerCheck
from fnmlp.losses import Loss
from fnmlp.propagation import backward, forward
from fnmlp.records import Grads, Params, lock

__all__ = ["ArrayCheck", "GradientCheck", "LayerCheck", "gradient_check"]

DEFAULT_EPSILON = 1e-6
DEFAULT_TOLERANCE = 1e-6


# ----------------------------------------------------------------------------- helpers


def _relative_error(num: npt.NDArray[np.float64], ana: npt.NDArray[np.float64]) -> float:
    # Both scaled by the largest entry first: the norms of gradients beyond
    # 1e154 would overflow (and those of denormals underflow) in float64.
    top = max(float(np.max(np.abs(num), initial=0.0)), float(np.max(np.abs(ana), initial=0.0)))
    if top == 0:
        return 0.0
    n, a = num / top, ana / top
    return float(np.linalg.norm(n - a)) / (float(np.linalg.norm(n)) + float(np.linalg.norm(a)))


def _compare(name: str, num: Float64, ana: Float64, kinks: Mask) -> ArrayCheck:
    clean = ~kinks
    return ArrayCheck(
        name,
        _relative_error(num, ana),
        float(np.max(np.abs(num - ana))),
        probes=num.size,
        kinks=int(kinks.sum()),
        error_away_from_kinks=_relative_error(num[clean], ana[clean]),
    )


# ----------------------------------------------------------------------------- public


def gradient_check(
    params: Params[Any],
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    kind: Loss,
    *,
    epsilon: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    deltas: bool = True,
    dropout: float | Sequence[float] | None = None,
    rng: np.random.Generator | int | None = None,
) -> GradientCheck:
    """Compare :func:`fnmlp.backward` with central differences over every parameter.

    Each entry ``p`` of every ``W[l]`` and ``b[l]`` is moved to ``p + epsilon``
    and to ``p - epsilon`` in a copy of the network (``params`` is not
    touched) and ``(J(+) - J(-)) / (2 epsilon)`` is compared with the
    backward pass's ``dW[l]``, ``db[l]``. With ``deltas`` the same is done for
    every entry of every ``Z[l]`` against the backward pass's ``dZ[l]``, as
    notebook 000 checks its deltas. The loss is the one training reports
    (from the logits where the output and loss fuse).

    The check costs two forward passes per parameter, so it is meant for
    small networks and a handful of examples. It always computes in float64;
    float32 ``params`` are cast up.

    A relative error means little for an array whose gradient is as small as
    the rounding noise of a central difference, about ``1e-16 * |J| / epsilon``
    per probe (``1e-10`` for the default ``epsilon`` and a loss near 1): a
    saturated sigmoid or tanh, inputs near 0 or a chain of leaky slopes can
    make a correct array fail. Its ``max_difference`` then shows that the
    disagreement is at that level.

    Args:
        params: the network.
        X: inputs of shape ``(n_x, m)``.
        Y: targets of shape ``(n_y, m)``, in ``kind``'s range.
        kind: the :class:`~fnmlp.Loss` to differentiate.
        epsilon: the probe size; ``1e-6`` by default.
        tolerance: the largest relative error the report's ``ok`` accepts.
        deltas: also check ``dZ[l]`` for every layer (a probe of ``Z[l][i, j]``
            runs only example ``j`` forward: every fnmlp loss is a mean over examples).
        dropout: dropout rates, as :func:`fnmlp.forward` takes them: the masks
            are drawn once from ``rng`` and held fixed for every probe, so the
            check covers the gradient of a dropout step.
        rng: the masks' random source, with ``dropout``.

    Returns:
        A :class:`GradientCheck` report: per layer, the relative error and
        largest difference of ``W``, ``b`` (and ``dZ``), and how many probes
        crossed a ReLU kink, with a note saying what that means.

    Raises:
        DTypeError: if ``params`` is not :class:`~fnmlp.Params` or ``kind`` not a Loss.
        ShapeError, NonFiniteError, LabelError: for bad ``X`` or ``Y``.
        HyperparameterError: for an ``epsilon`` or ``tolerance`` that is not
            positive and finite, a ``deltas`` that is not a bool, or a
            cross-entropy after an output layer that does not give
            probabilities (as :func:`fnmlp.train` refuses it).
        NonFiniteError: if the network overflows: the forward pass, a gradient
            of the backward pass, the loss at a probe, or a central difference
            is not finite (the message names which, and where). The numbers
            would mean nothing.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import categorical_cross_entropy, init, one_hot, softmax, tanh
        >>> rng = np.random.default_rng(1)
        >>> params = init([4, 5, 3], activations=[tanh, softmax], seed=rng)
        >>> X, Y = rng.normal(size=(4, 6)), one_hot([0, 2, 1, 1, 0, 2], classes=3)
        >>> report = gradient_check(params, X, Y, categorical_cross_entropy)
        >>> print(report.ok, report.worst_error < 1e-8)
        True True
        >>> print([(entry.layer, entry.W.probes, entry.b.probes) for entry in report.layers])
        [(1, 20, 5), (2, 15, 3)]
        >>> gradient_check(params, X, Y, categorical_cross_entropy, epsilon=0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: epsilon: expected a positive finite number, got 0
        >>> gradient_check(params, X * 1e200, Y, categorical_cross_entropy)
        Traceback (most recent call last):
        ...
        fnmlp.errors.NonFiniteError: numerical gradient at Z[1][0, 0]: expected a probe that moves the entry, got none: ...
    """
    if not isinstance(params, Params):
        raise DTypeError(f"params: expected fnmlp Params, got {type(params).__name__}")
    if not isinstance(kind, Loss):
        raise DTypeError(f"kind: expected an fnmlp Loss, got {type(kind).__name__}")
    check_output_for(params, kind, "kind")
    eps = DEFAULT_EPSILON if epsilon is None else positive_float(epsilon, "epsilon")
    tol = positive_float(tolerance, "tolerance")
    if not isinstance(deltas, (bool, np.bool_)):
        raise HyperparameterError(f"deltas: expected a bool, got {deltas!r}")
    net = in_float64(params)
    data = check_inputs(net, X)
    targets = check_targets_for(net, Y, data.shape[1], kind)
    _, cache = forward(net, data, dropout=dropout, rng=rng)  # the masks stay fixed
    analytic = backward(net, cache, targets, kind)
    # The probes run unchecked kernels; every number they give is checked as it comes.
    with np.errstate(all="ignore"):
        dWs, dbs, kinks_W, kinks_b = probe_parameters(net, cache, targets, kind, eps)
        numerical: Grads[np.float64] = Grads(dW=tuple(dWs), db=tuple(dbs))
        analytic_dZ: tuple[Deltas[np.float64], ...] = ()
        numerical_dZ: tuple[Deltas[np.float64], ...] = ()
        kinks_dZ: list[Mask] = []
        if deltas:
            exact = backward_deltas(net, cache, targets, kind)
            bad = first_nonfinite(exact)
            if bad is not None:
                l = bad[0] + 1
                raise NonFiniteError(
                    f"dZ[{l}] (layer {l}): expected a finite delta from the backward pass, got "
                    f"{bad[1]}; the inputs or weights are too large: scale X"
                )
            analytic_dZ = tuple(lock(dZ) for dZ in exact)
            probed, kinks_dZ = probe_deltas(net, cache.Z, targets, kind, eps, cache.masks)
            numerical_dZ = tuple(probed)
        entries = []
        for k, layer in enumerate(net.layers):
            l = k + 1
            dZ = (
                _compare(f"dZ[{l}]", numerical_dZ[k], analytic_dZ[k], kinks_dZ[k])
                if deltas
                else None
            )
            entries.append(
                LayerCheck(
                    l,
                    layer.activation.name,
                    _compare(f"W[{l}]", dWs[k], analytic.dW[k], kinks_W[k]),
                    _compare(f"b[{l}]", dbs[k], analytic.db[k], kinks_b[k]),
                    dZ,
                )
            )
    return GradientCheck(
        tuple(entries),
        repr(params),
        data.shape[1],
        eps,
        tol,
        analytic,
        numerical,
        analytic_dZ,
        numerical_dZ,
    )
