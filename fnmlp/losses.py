"""Losses: each one value of the :class:`Loss` record, value and gradient together.

Conventions (``m`` examples, one per column):

- binary cross-entropy: ``-(1/m) sum[Y log Yhat + (1 - Y) log(1 - Yhat)]``
- mean squared error: the mean over all ``n_y * m`` entries of ``(Yhat - Y)^2``
- categorical cross-entropy: ``-(1/m) sum Y log Yhat``

``Loss.gradient`` is ``dJ/dYhat`` with the ``1/m`` folded in. When the output
activation is the one a loss pairs with (sigmoid for binary cross-entropy,
softmax for categorical cross-entropy), training computes the value from the
logits ``Z[L]`` and uses the fused delta ``dZ[L] = (A[L] - Y) / m``, which
stays finite on saturated units.

Examples:
    >>> import numpy as np
    >>> from fnmlp import binary_cross_entropy, loss
    >>> Yhat = np.array([[0.9, 0.2]])
    >>> Y = np.array([[1.0, 0.0]])
    >>> print(round(loss(Yhat, Y, binary_cross_entropy), 4))
    0.1643
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp.activations import ACTIVATIONS
from fnmlp.aliases import Deltas, F, Matrix, Outputs, Targets
from fnmlp.checks import as_data, check_finite
from fnmlp.errors import DTypeError, LabelError, NonFiniteError, ShapeError

__all__ = [
    "LOSSES",
    "Loss",
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "check_targets",
    "fuses",
    "loss",
    "mean_squared_error",
]


class LossValue(Protocol):
    """``(Yhat, Y) -> J``: a loss's value, a Python float."""

    def __call__(self, Yhat: Outputs[F], Y: Targets[F], /) -> float: ...


class LossGradient(Protocol):
    """``(Yhat, Y) -> dJ/dYhat``, of the shape and dtype of ``Yhat``."""

    def __call__(self, Yhat: Outputs[F], Y: Targets[F], /) -> Deltas[F]: ...


@attrs.frozen(eq=False)
class Loss:
    """A loss function with its gradient, and the activation it fuses with.

    Attributes:
        name: the name fnmlp prints (``"binary_cross_entropy"``, ...).
        value: ``(Yhat, Y) -> J`` from probabilities or predictions.
        gradient: ``(Yhat, Y) -> dJ/dYhat``, the ``1/m`` folded in.
        fuses_with: the name of the output activation whose pairing with this
            loss has the delta ``dZ[L] = (A[L] - Y) / m``, or ``None``.
        from_logits: ``(Z[L], Y) -> J`` computed stably from the output
            layer's pre-activations, used when ``fuses_with`` applies.
        targets: a short description of the targets the loss accepts.

    Examples:
        >>> import numpy as np
        >>> Yhat = np.array([[0.5, 1.0]])
        >>> Y = np.array([[1.0, 1.0]])
        >>> print(mean_squared_error.value(Yhat, Y))
        0.125
        >>> print(mean_squared_error.gradient(Yhat, Y))
        [[-0.5  0. ]]
        >>> print(mean_squared_error)
        Loss(mean_squared_error)
    """

    name: str
    value: LossValue
    gradient: LossGradient
    fuses_with: str | None
    from_logits: LossValue | None
    targets: str

    def __str__(self) -> str:
        return f"Loss({self.name})"

    __repr__ = __str__


def _clip(P: Matrix[F]) -> Matrix[F]:
    """Probabilities kept inside ``[tiny, 1 - eps]`` so that logs stay finite."""
    info = np.finfo(P.dtype)
    clipped: Matrix[F] = np.clip(P, info.tiny, 1 - info.epsneg)
    return clipped


def _bce(Yhat: Outputs[F], Y: Targets[F]) -> float:
    P = _clip(Yhat)
    total = np.sum(Y * np.log(P) + (1 - Y) * np.log1p(-P))
    return -float(total) / Y.shape[1]


def _bce_gradient(Yhat: Outputs[F], Y: Targets[F]) -> Deltas[F]:
    P = _clip(Yhat)
    dA: Deltas[F] = (P - Y) / (P * (1 - P))
    dA /= Y.shape[1]
    return dA


def _bce_logits(Z: Outputs[F], Y: Targets[F]) -> float:
    # -[y log s(z) + (1-y) log(1-s(z))] = log(1 + e^z) - y z
    total = np.sum(np.logaddexp(0, Z) - Y * Z)
    return float(total) / Y.shape[1]


def _mse(Yhat: Outputs[F], Y: Targets[F]) -> float:
    R = Yhat - Y
    return float(np.sum(R * R)) / R.size


def _mse_gradient(Yhat: Outputs[F], Y: Targets[F]) -> Deltas[F]:
    dA: Deltas[F] = Yhat - Y
    dA *= 2 / dA.size
    return dA


def _cce(Yhat: Outputs[F], Y: Targets[F]) -> float:
    total = np.sum(Y * np.log(_clip(Yhat)))
    return -float(total) / Y.shape[1]


def _cce_gradient(Yhat: Outputs[F], Y: Targets[F]) -> Deltas[F]:
    dA: Deltas[F] = -Y / _clip(Yhat)
    dA /= Y.shape[1]
    return dA


def _cce_logits(Z: Outputs[F], Y: Targets[F]) -> float:
    # -sum y log softmax(z) = sum y (logsumexp(z) - z), per column.
    top = Z.max(axis=0, keepdims=True)
    log_norm = np.log(np.exp(Z - top).sum(axis=0, keepdims=True)) + top
    total = np.sum(Y * (log_norm - Z))
    return float(total) / Y.shape[1]


binary_cross_entropy = Loss(
    "binary_cross_entropy", _bce, _bce_gradient, "sigmoid", _bce_logits, "values in [0, 1]"
)
"""``-(1/m) sum[Y log Yhat + (1 - Y) log(1 - Yhat)]``; fuses with sigmoid."""

mean_squared_error = Loss("mean_squared_error", _mse, _mse_gradient, None, None, "finite values")
"""The mean over all entries of ``(Yhat - Y)^2``."""

categorical_cross_entropy = Loss(
    "categorical_cross_entropy",
    _cce,
    _cce_gradient,
    "softmax",
    _cce_logits,
    "columns that are distributions (non-negative, summing to 1), e.g. one-hot",
)
"""``-(1/m) sum Y log Yhat``; fuses with softmax."""

LOSSES: Mapping[str, Loss] = MappingProxyType(
    {k.name: k for k in (binary_cross_entropy, mean_squared_error, categorical_cross_entropy)}
)
"""Every built-in loss by name."""

_PROBABILITY_LOSSES = (binary_cross_entropy, categorical_cross_entropy)


def _check_unit_range(Y: Matrix[F], name: str, expects: str) -> None:
    """Raise ``LabelError`` naming the first entry of ``Y`` outside ``[0, 1]``."""
    if np.minimum.reduce(Y, None) >= 0 and np.maximum.reduce(Y, None) <= 1:
        return  # two reductions: a third of the cost of the test entry by entry
    bad = (Y < 0) | (Y > 1)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise LabelError(f"{name}: {expects}, got {Y[where]} at index {where}")


def _check_distributions(Y: Matrix[F], name: str, expects: str) -> None:
    """Raise ``LabelError`` unless every column of ``Y`` is non-negative and sums to 1."""
    _check_unit_range(Y, name, expects)
    sums = Y.sum(axis=0)
    # float64 targets are often float32 data upcast (sums then off by ~1e-7).
    off = np.abs(sums - 1) > (1e-4 if Y.dtype == np.float32 else 1e-6)
    if off.any():
        column = int(np.argmax(off))
        raise LabelError(
            f"{name}: {expects}, got column {column} summing to "
            f"{float(sums[column]):.6g} (use fnmlp.one_hot for class labels)"
        )


def check_targets(Y: Targets[F], kind: Loss, name: str = "Y") -> None:
    """Raise ``LabelError`` if ``Y`` lies outside what ``kind`` accepts.

    Binary cross-entropy needs values in ``[0, 1]``; categorical cross-entropy
    needs columns that are distributions (non-negative, summing to 1). Any
    other loss (mean squared error, a user's own :class:`Loss`) takes any
    finite targets.

    Examples:
        >>> import numpy as np
        >>> check_targets(np.array([[0.0, 2.0]]), binary_cross_entropy)
        Traceback (most recent call last):
        ...
        fnmlp.errors.LabelError: Y: binary_cross_entropy expects values in [0, 1], got 2.0 at index (0, 1)
        >>> check_targets(np.array([[-3.0, 2.0]]), mean_squared_error)
        >>> check_targets(np.array([[np.inf]]), mean_squared_error)
        Traceback (most recent call last):
        ...
        fnmlp.errors.NonFiniteError: Y: expected finite values, got inf at index (0, 0)
    """
    if kind is binary_cross_entropy:
        _check_unit_range(Y, name, f"{kind.name} expects {kind.targets}")
    elif kind is categorical_cross_entropy:
        _check_distributions(Y, name, f"{kind.name} expects {kind.targets}")
    else:
        check_finite(Y, name)


def loss(Yhat: npt.ArrayLike, Y: npt.ArrayLike, kind: Loss) -> float:
    """The loss ``J(Yhat, Y)``, a float, after checking both arrays.

    Args:
        Yhat: predictions of shape ``(n_y, m)`` (probabilities for the
            cross-entropies; computed with clipping to stay finite).
        Y: targets of the same shape.
        kind: the :class:`Loss`.

    Returns:
        The mean loss over the ``m`` examples (over every entry for MSE).

    Raises:
        ShapeError, DTypeError, NonFiniteError: for malformed arrays.
        LabelError: for targets outside the loss's range, or predictions outside
            ``[0, 1]`` for a cross-entropy.

    Examples:
        >>> import numpy as np
        >>> Y = np.array([[1.0, 0.0]])
        >>> print(loss(np.array([[0.5, 0.5]]), Y, binary_cross_entropy) == np.log(2))
        True
        >>> print(loss([[0.5, 0.5]], [[1, 0], [0, 1]], mean_squared_error))
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: Y: expected shape (1, 2) like Yhat, got (2, 2)
    """
    if not isinstance(kind, Loss):
        raise DTypeError(f"kind: expected an fnmlp Loss, got {type(kind).__name__}")
    P = as_data(Yhat, "Yhat", np.float64)
    T = as_data(Y, "Y", P.dtype)
    if T.shape != P.shape:
        raise ShapeError(f"Y: expected shape {P.shape} like Yhat, got {T.shape}")
    check_targets(T, kind)
    outside = (P < 0) | (P > 1) if kind in _PROBABILITY_LOSSES else None
    if outside is not None and outside.any():
        where = tuple(int(i) for i in np.argwhere(outside)[0])
        raise LabelError(
            f"Yhat: {kind.name} expects probabilities in [0, 1], got {P[where]} at index {where}"
        )
    with np.errstate(over="ignore"):
        value = kind.value(P, T)
    if not np.isfinite(value):
        raise NonFiniteError(
            f"Yhat: expected predictions whose {kind.name} fits in float64, got values up to "
            f"{float(np.abs(P).max()):.4g} (targets up to {float(np.abs(T).max()):.4g}): "
            f"the loss overflows"
        )
    return value


def fuses(kind: Loss, activation: object) -> bool:
    """Whether ``kind`` after ``activation`` has the fused delta ``dZ[L] = (A[L] - Y) / m``.

    Only the built-in pairs do (sigmoid with binary cross-entropy, softmax with
    categorical cross-entropy): the check is by identity, so a custom activation
    that borrows a built-in's name gets the general chain rule.

    Examples:
        >>> from fnmlp import sigmoid, softmax
        >>> fuses(binary_cross_entropy, sigmoid), fuses(binary_cross_entropy, softmax)
        (True, False)
    """
    return kind.fuses_with is not None and ACTIVATIONS.get(kind.fuses_with) is activation
