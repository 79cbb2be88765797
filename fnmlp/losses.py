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

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp._validate import as_data, check_finite, number
from fnmlp.activations import ACTIVATIONS, Activation
from fnmlp.aliases import Deltas, F, Matrix, Outputs, Targets
from fnmlp.errors import DTypeError, LabelError, NonFiniteError, ShapeError

__all__ = [
    "LOSSES",
    "Loss",
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "check_distributions",
    "check_targets",
    "check_unit_range",
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


class PerExample(Protocol):
    """``(Yhat, Y) -> J_j``: each example's loss, a ``(1, m)`` array (their mean is the loss)."""

    def __call__(self, Yhat: Outputs[F], Y: Targets[F], /) -> Matrix[F]: ...


class TargetCheck(Protocol):
    """``(Y, name) -> None``: raise an fnmlp error naming ``name`` if ``Y`` is not valid targets."""

    def __call__(self, Y: Targets[F], name: str, /) -> None: ...


def _finite_targets(Y: Targets[F], name: str) -> None:
    check_finite(Y, name)


def _activation(value: object) -> Activation | None:
    """``fuses_with`` as an Activation: a built-in's name is accepted for the built-in."""
    if value is None or isinstance(value, Activation):
        return value
    if isinstance(value, str) and value in ACTIVATIONS:
        return ACTIVATIONS[value]
    raise DTypeError(f"fuses_with: expected an fnmlp Activation or None, got {value!r:.60}")


@attrs.frozen
class Loss:
    """A loss function with its gradient, and what fnmlp needs to know of it.

    Two losses are equal when every field is (the functions by identity), so
    a pickled built-in, or a user's record made of a built-in's functions,
    behaves exactly as the built-in: the same fused delta, the same target check.

    Attributes:
        name: the name fnmlp prints (``"binary_cross_entropy"``, ...).
        value: ``(Yhat, Y) -> J`` from probabilities or predictions.
        gradient: ``(Yhat, Y) -> dJ/dYhat``, the ``1/m`` folded in.
        fuses_with: the output :class:`~fnmlp.Activation` whose pairing with
            this loss has the delta ``dZ[L] = (A[L] - Y) / m``, or ``None``
            (a built-in's name is accepted for it).
        from_logits: ``(Z[L], Y) -> J`` computed stably from the output
            layer's pre-activations, used when ``fuses_with`` applies.
        targets: a short description of the targets the loss accepts.
        check: ``(Y, name) -> None``, raising an fnmlp error for targets the
            loss does not accept; by default, any finite targets.
        per_example: ``(Yhat, Y) -> J_j``, each example's loss as a ``(1, m)``
            array, for weighted means (``sample_weight``); ``None`` if unknown.
        per_example_logits: the same from the logits, where ``fuses_with`` applies.
        probabilities: whether the loss needs outputs in ``(0, 1)`` (the
            cross-entropies take their logarithm).

    Examples:
        >>> import numpy as np
        >>> Yhat = np.array([[0.5, 1.0]])
        >>> Y = np.array([[1.0, 1.0]])
        >>> print(mean_squared_error.value(Yhat, Y))
        0.125
        >>> print(mean_squared_error.gradient(Yhat, Y))
        [[-0.5  0. ]]
        >>> print(mean_squared_error, binary_cross_entropy.fuses_with)
        Loss(mean_squared_error) Activation(sigmoid)
    """

    name: str
    value: LossValue
    gradient: LossGradient
    fuses_with: Activation | None = attrs.field(converter=_activation)
    from_logits: LossValue | None
    targets: str
    check: TargetCheck = attrs.field(default=_finite_targets, kw_only=True)
    per_example: PerExample | None = attrs.field(default=None, kw_only=True)
    per_example_logits: PerExample | None = attrs.field(default=None, kw_only=True)
    probabilities: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        name: object = self.name
        if not isinstance(name, str) or not name:
            raise DTypeError(f"name: expected a non-empty str, got {name!r:.60}")
        for field in ("value", "gradient", "check"):
            if not callable(getattr(self, field)):
                raise DTypeError(f"{field}: expected a function, got {getattr(self, field)!r:.60}")
        for field in ("from_logits", "per_example", "per_example_logits"):
            value = getattr(self, field)
            if value is not None and not callable(value):
                raise DTypeError(f"{field}: expected a function or None, got {value!r:.60}")
        if not isinstance(self.targets, str):
            raise DTypeError(f"targets: expected a str, got {self.targets!r:.60}")
        if not isinstance(self.probabilities, bool):
            raise DTypeError(
                f"probabilities: expected True or False, got {self.probabilities!r:.60}"
            )

    def __str__(self) -> str:
        return f"Loss({self.name})"

    __repr__ = __str__

    def __copy__(self) -> Loss:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Loss:
        return self

    def __reduce__(self) -> tuple[object, ...]:
        if LOSSES.get(self.name) is self:  # a built-in unpickles as itself
            return (_builtin, (self.name,))
        rebuild = functools.partial(
            Loss,
            check=self.check,
            per_example=self.per_example,
            per_example_logits=self.per_example_logits,
            probabilities=self.probabilities,
        )
        fields = (self.name, self.value, self.gradient, self.fuses_with, self.from_logits)
        return (rebuild, (*fields, self.targets))


def _builtin(name: str) -> Loss:
    return LOSSES[name]


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


def _bce_columns(Yhat: Outputs[F], Y: Targets[F]) -> Matrix[F]:
    P = _clip(Yhat)
    J: Matrix[F] = -np.sum(Y * np.log(P) + (1 - Y) * np.log1p(-P), axis=0, keepdims=True)
    return J


def _bce_logit_columns(Z: Outputs[F], Y: Targets[F]) -> Matrix[F]:
    J: Matrix[F] = np.sum(np.logaddexp(0, Z) - Y * Z, axis=0, keepdims=True)
    return J


def _mse_columns(Yhat: Outputs[F], Y: Targets[F]) -> Matrix[F]:
    R = Yhat - Y
    J: Matrix[F] = np.sum(R * R, axis=0, keepdims=True) / R.shape[0]
    return J


def _cce_columns(Yhat: Outputs[F], Y: Targets[F]) -> Matrix[F]:
    J: Matrix[F] = -np.sum(Y * np.log(_clip(Yhat)), axis=0, keepdims=True)
    return J


def _cce_logit_columns(Z: Outputs[F], Y: Targets[F]) -> Matrix[F]:
    top = Z.max(axis=0, keepdims=True)
    log_norm = np.log(np.exp(Z - top).sum(axis=0, keepdims=True)) + top
    J: Matrix[F] = np.sum(Y * (log_norm - Z), axis=0, keepdims=True)
    return J


def check_unit_range(Y: Matrix[F], name: str, expects: str) -> None:
    """Raise ``LabelError`` naming the first entry of ``Y`` outside ``[0, 1]`` (``NonFiniteError`` for NaN)."""
    if np.minimum.reduce(Y, None) >= 0 and np.maximum.reduce(Y, None) <= 1:
        return  # two reductions: a third of the cost of the test entry by entry
    bad = (Y < 0) | (Y > 1)
    if not bad.any():  # only NaN fails both comparisons
        check_finite(Y, name)
    where = tuple(int(i) for i in np.argwhere(bad)[0])
    raise LabelError(f"{name}: {expects}, got {Y[where]} at index {where}")


def check_distributions(Y: Matrix[F], name: str, expects: str) -> None:
    """Raise ``LabelError`` unless every column of ``Y`` is non-negative and sums to 1."""
    check_unit_range(Y, name, expects)
    sums = Y.sum(axis=0)
    # float64 targets are often float32 data upcast (sums then off by ~1e-7).
    off = np.abs(sums - 1) > (1e-4 if Y.dtype == np.float32 else 1e-6)
    if off.any():
        column = int(np.argmax(off))
        raise LabelError(
            f"{name}: {expects}, got column {column} summing to "
            f"{float(sums[column]):.6g} (use fnmlp.one_hot for class labels)"
        )


def _bce_targets(Y: Targets[F], name: str) -> None:
    check_unit_range(Y, name, "binary_cross_entropy expects values in [0, 1]")


def _cce_targets(Y: Targets[F], name: str) -> None:
    check_distributions(
        Y,
        name,
        "categorical_cross_entropy expects columns that are distributions "
        "(non-negative, summing to 1), e.g. one-hot",
    )


binary_cross_entropy = Loss(
    "binary_cross_entropy",
    _bce,
    _bce_gradient,
    "sigmoid",
    _bce_logits,
    "values in [0, 1]",
    check=_bce_targets,
    per_example=_bce_columns,
    per_example_logits=_bce_logit_columns,
    probabilities=True,
)
"""``-(1/m) sum[Y log Yhat + (1 - Y) log(1 - Yhat)]``; fuses with sigmoid."""

mean_squared_error = Loss(
    "mean_squared_error",
    _mse,
    _mse_gradient,
    None,
    None,
    "finite values",
    per_example=_mse_columns,
)
"""The mean over all entries of ``(Yhat - Y)^2``."""

categorical_cross_entropy = Loss(
    "categorical_cross_entropy",
    _cce,
    _cce_gradient,
    "softmax",
    _cce_logits,
    "columns that are distributions (non-negative, summing to 1), e.g. one-hot",
    check=_cce_targets,
    per_example=_cce_columns,
    per_example_logits=_cce_logit_columns,
    probabilities=True,
)
"""``-(1/m) sum Y log Yhat``; fuses with softmax."""

LOSSES: Mapping[str, Loss] = MappingProxyType(
    {k.name: k for k in (binary_cross_entropy, mean_squared_error, categorical_cross_entropy)}
)
"""Every built-in loss by name."""


def check_targets(Y: Targets[F], kind: Loss, name: str = "Y") -> None:
    """Raise an fnmlp error if ``Y`` lies outside what ``kind`` accepts: ``kind.check(Y, name)``.

    Binary cross-entropy needs values in ``[0, 1]``; categorical cross-entropy
    needs columns that are distributions (non-negative, summing to 1). Mean
    squared error, and a user's own :class:`Loss` by default, take any finite
    targets.

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
    kind.check(Y, name)


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
    outside = (P < 0) | (P > 1) if kind.probabilities else None
    if outside is not None and outside.any():
        where = tuple(int(i) for i in np.argwhere(outside)[0])
        raise LabelError(
            f"Yhat: {kind.name} expects probabilities in [0, 1], got {P[where]} at index {where}"
        )
    with np.errstate(over="ignore"):
        value = number(kind.value(P, T), f"{kind.name}'s value")
    if not np.isfinite(value):
        raise NonFiniteError(
            f"Yhat: expected predictions whose {kind.name} fits in float64, got values up to "
            f"{float(np.abs(P).max()):.4g} (targets up to {float(np.abs(T).max()):.4g}): "
            f"the loss overflows"
        )
    return value


def fuses(kind: Loss, activation: object) -> bool:
    """Whether ``kind`` after ``activation`` has the fused delta ``dZ[L] = (A[L] - Y) / m``.

    True when ``activation`` equals ``kind.fuses_with`` (sigmoid for binary
    cross-entropy, softmax for categorical cross-entropy): field by field, so
    a custom activation that only borrows a built-in's name gets the general
    chain rule, and a user's own loss made like a built-in gets the fused delta.

    Examples:
        >>> from fnmlp import sigmoid, softmax
        >>> fuses(binary_cross_entropy, sigmoid), fuses(binary_cross_entropy, softmax)
        (True, False)
    """
    partner = kind.fuses_with
    return partner is not None and (partner is activation or partner == activation)
