"""Activations: each one value of the :class:`Activation` record, function and derivative.

An activation maps ``Z[l]`` to ``A[l] = g(Z[l])`` element by element (softmax
column by column). Its derivative is stored as a vector-Jacobian product:
given ``Z``, ``A`` and the upstream gradient ``dA``, it returns
``dZ = dA * g'(Z)`` (softmax: ``A * (dA - sum(dA * A))`` per column), so that
every activation, softmax included, can be chained with any loss.

All of them are numerically stable: no overflow warning for ``|z|`` up to
``1e4`` (and beyond) in float32 or float64, and the dtype of ``Z`` is kept.

Examples:
    >>> import numpy as np
    >>> from fnmlp import relu, sigmoid
    >>> Z = np.array([[-1.0, 0.0, 2.0]])
    >>> print(relu.fn(Z), sigmoid.fn(Z).round(4))
    [[0. 0. 2.]] [[0.2689 0.5    0.8808]]
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

import attrs
import numpy as np

from fnmlp.aliases import Activations, Deltas, F
from fnmlp.errors import DTypeError

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "leaky_relu",
    "linear",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

LEAKY_SLOPE = 0.01


class ActivationFn(Protocol):
    """``g``: maps ``Z`` of shape ``(n_l, m)`` to ``A`` of the same shape and dtype."""

    def __call__(self, Z: Activations[F], /) -> Activations[F]: ...


class Into(Protocol):
    """``(Z, out)``: write ``g(Z)`` into ``out``."""

    def __call__(self, Z: Activations[F], out: Activations[F], /) -> None: ...


class ActivationVJP(Protocol):
    """``(Z, A, dA) -> dZ``: the derivative of ``g`` applied to an upstream gradient."""

    def __call__(self, Z: Activations[F], A: Activations[F], dA: Deltas[F], /) -> Deltas[F]: ...


class VJPInto(Protocol):
    """``(Z, A, dA)``: overwrite ``dA`` with ``dZ``, the derivative of ``g`` applied to it."""

    def __call__(self, Z: Activations[F], A: Activations[F], dA: Deltas[F], /) -> None: ...


@attrs.frozen
class Activation:
    """An activation function together with its derivative, and what fnmlp needs to know of it.

    Two activations are equal when every field is (the functions by identity),
    so a pickled built-in, or a record a user rebuilt from a built-in's
    functions, behaves exactly as the built-in.

    Attributes:
        name: the name fnmlp saves and prints (``"relu"``, ``"softmax"``, ...).
        fn: ``g``, mapping ``Z`` of shape ``(n_l, m)`` to ``A = g(Z)``.
        derivative: ``(Z, A, dA) -> dZ``, the vector-Jacobian product of ``g``:
            ``dZ = dA * g'(Z)`` for element-wise activations.
        elementwise: ``False`` for softmax, whose Jacobian couples a column.
        into: ``(Z, out)``, writing ``fn(Z)`` into ``out`` (the same numbers,
            without a temporary), or ``None`` to copy ``fn(Z)`` there.
        derivative_into: ``(Z, A, dA)``, overwriting ``dA`` with
            ``derivative(Z, A, dA)`` (the same numbers, without a temporary;
            the backward kernel passes a ``dA`` it made for the purpose), or
            ``None`` to call ``derivative``.
        probability: whether every output lies in ``(0, 1)`` (sigmoid,
            softmax), as the cross-entropies need.
        kinked: whether the derivative jumps at ``z = 0`` (ReLU, leaky ReLU),
            where a central difference sees the average slope.

    Examples:
        >>> import numpy as np
        >>> Z = np.array([[-2.0, 3.0]])
        >>> A = tanh.fn(Z)
        >>> dZ = tanh.derivative(Z, A, np.ones_like(Z))
        >>> print(np.allclose(dZ, 1 - np.tanh(Z) ** 2))
        True
        >>> print(relu, relu.kinked, sigmoid.probability)
        Activation(relu) True True
    """

    name: str
    fn: ActivationFn
    derivative: ActivationVJP
    elementwise: bool = True
    into: Into | None = attrs.field(default=None, kw_only=True)
    derivative_into: VJPInto | None = attrs.field(default=None, kw_only=True)
    probability: bool = attrs.field(default=False, kw_only=True)
    kinked: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        name: object = self.name
        if not isinstance(name, str) or not name:
            raise DTypeError(f"name: expected a non-empty str, got {name!r:.60}")
        for field in ("fn", "derivative"):
            if not callable(getattr(self, field)):
                raise DTypeError(
                    f"{field}: expected a function of arrays, got {getattr(self, field)!r:.60}"
                )
        if self.into is not None and not callable(self.into):
            raise DTypeError(f"into: expected a function (Z, out) or None, got {self.into!r:.60}")
        if self.derivative_into is not None and not callable(self.derivative_into):
            raise DTypeError(
                f"derivative_into: expected a function (Z, A, dA) or None, got "
                f"{self.derivative_into!r:.60}"
            )
        for field in ("elementwise", "probability", "kinked"):
            if not isinstance(getattr(self, field), bool):
                raise DTypeError(
                    f"{field}: expected True or False, got {getattr(self, field)!r:.60}"
                )

    def __str__(self) -> str:
        return f"Activation({self.name})"

    __repr__ = __str__

    def __copy__(self) -> Activation:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Activation:
        return self

    def __reduce__(self) -> tuple[object, ...]:
        # A built-in activation unpickles as itself.
        if ACTIVATIONS.get(self.name) is self:
            return (_builtin, (self.name,))
        rebuild = functools.partial(
            Activation,
            into=self.into,
            derivative_into=self.derivative_into,
            probability=self.probability,
            kinked=self.kinked,
        )
        return (rebuild, (self.name, self.fn, self.derivative, self.elementwise))


def _builtin(name: str) -> Activation:
    return ACTIVATIONS[name]


def _constant(float32: float, float64: float) -> dict[np.dtype[Any], Any]:
    """A read-only 0-d array for each float dtype, to look up by the operand's dtype.

    A ufunc given a 0-d array of the operand's own dtype skips the conversion
    of a Python scalar, a third of the cost of an operation on a small array;
    the result is the same, as NumPy casts the scalar to that dtype anyway.
    """
    constants: dict[np.dtype[Any], Any] = {}
    for dtype, value in ((np.dtype(np.float32), float32), (np.dtype(np.float64), float64)):
        constant = np.array(value, dtype=dtype)
        constant.setflags(write=False)
        constants[dtype] = constant
    return constants


_ZERO = _constant(0.0, 0.0)
_ONE = _constant(1.0, 1.0)


def _relu(Z: Activations[F]) -> Activations[F]:
    A: Activations[F] = np.maximum(Z, _ZERO.get(Z.dtype, 0.0))
    return A


def _relu_into(Z: Activations[F], out: Activations[F]) -> None:
    np.maximum(Z, _ZERO.get(Z.dtype, 0.0), out=out)


def _relu_vjp(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> Deltas[F]:
    dZ: Deltas[F] = dA.copy()
    _relu_vjp_into(Z, A, dZ)
    return dZ


_BYTE_MASK_FROM = 1024
"""Elements from which ReLU's derivative multiplies by a one-byte mask, not by sign(A)."""


def _relu_vjp_into(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> None:
    # ReLU'(0) = 0, as in notebook 000: only strictly positive units pass gradient;
    # A = max(Z, 0) is positive exactly where Z is. In place, by a one-byte mask of
    # Z > 0: half the time of multiplying by sign(A) on the wide net's 1024 x 512
    # layers (a float temporary, twice the traffic), 0.8x on digits' 128 x 32; but a
    # float-by-bool multiply costs 0.7 µs more to dispatch: on the tiny net's 3 x 4,
    # 1.4 µs against 0.6 (timeit), 1.5 µs of a 17 µs training step.
    if dA.size < _BYTE_MASK_FROM:
        np.multiply(dA, np.sign(A), dA)
    else:
        np.multiply(dA, np.greater(Z, _ZERO.get(Z.dtype, 0.0)), dA)


# e^-z overflows below z = -88.7 (float32) or -709.8 (float64); z is floored just
# above log(tiny) there, so sigmoid bottoms out at the smallest normal float.
_FLOOR = _constant(-87.0, -708.0)


def _sigmoid(Z: Activations[F]) -> Activations[F]:
    A: Activations[F] = np.maximum(Z, _FLOOR.get(Z.dtype, -87.0))
    _sigmoid_of_floored(A)
    return A


def _sigmoid_into(Z: Activations[F], out: Activations[F]) -> None:
    np.maximum(Z, _FLOOR.get(Z.dtype, -87.0), out=out)
    _sigmoid_of_floored(out)


def _sigmoid_of_floored(A: Activations[F]) -> None:
    # 1 / (1 + e^-z) in place, accurate to a few ulps in both tails (the form
    # (1 + tanh(z/2)) / 2 loses relative accuracy where sigmoid is small).
    np.negative(A, A)
    np.exp(A, A)
    np.add(A, _ONE.get(A.dtype, 1.0), A)
    np.reciprocal(A, A)


def _sigmoid_vjp(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> Deltas[F]:
    dZ: Deltas[F] = dA * A
    dZ *= 1 - A
    return dZ


def _sigmoid_vjp_into(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> None:
    dA *= A
    dA *= 1 - A


def _tanh(Z: Activations[F]) -> Activations[F]:
    A: Activations[F] = np.tanh(Z)
    return A


def _tanh_into(Z: Activations[F], out: Activations[F]) -> None:
    np.tanh(Z, out=out)


def _tanh_vjp(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> Deltas[F]:
    dZ: Deltas[F] = dA.copy()
    _tanh_vjp_into(Z, A, dZ)
    return dZ


def _tanh_vjp_into(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> None:
    slope = A * A
    np.subtract(_ONE.get(A.dtype, 1.0), slope, out=slope)
    dA *= slope


def _leaky_relu(Z: Activations[F]) -> Activations[F]:
    A: Activations[F] = np.maximum(Z, Z * LEAKY_SLOPE)
    return A


def _leaky_relu_vjp(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> Deltas[F]:
    dZ: Deltas[F] = np.where(Z > 0, dA, dA * LEAKY_SLOPE)
    return dZ


def _linear(Z: Activations[F]) -> Activations[F]:
    return Z


def _linear_vjp(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> Deltas[F]:
    return dA


def _softmax(Z: Activations[F]) -> Activations[F]:
    E: Activations[F] = Z - np.maximum.reduce(Z, axis=0, keepdims=True)
    np.exp(E, out=E)
    E /= np.add.reduce(E, axis=0, keepdims=True)
    return E


def _softmax_vjp(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> Deltas[F]:
    dZ: Deltas[F] = A * (dA - (dA * A).sum(axis=0, keepdims=True))
    return dZ


relu = Activation(
    "relu", _relu, _relu_vjp, into=_relu_into, derivative_into=_relu_vjp_into, kinked=True
)
"""``max(0, z)``; derivative 1 where ``z > 0``, else 0 (so ReLU'(0) = 0)."""

sigmoid = Activation(
    "sigmoid",
    _sigmoid,
    _sigmoid_vjp,
    into=_sigmoid_into,
    derivative_into=_sigmoid_vjp_into,
    probability=True,
)
"""``1 / (1 + e^-z)``, with ``z`` floored where ``e^-z`` would overflow; derivative ``a(1 - a)``."""

tanh = Activation("tanh", _tanh, _tanh_vjp, into=_tanh_into, derivative_into=_tanh_vjp_into)
"""``tanh(z)``; derivative ``1 - a^2``."""

leaky_relu = Activation("leaky_relu", _leaky_relu, _leaky_relu_vjp, kinked=True)
"""``max(0.01 z, z)``; derivative 1 where ``z > 0``, else 0.01."""

linear = Activation("linear", _linear, _linear_vjp)
"""The identity, for regression outputs; derivative 1."""

softmax = Activation("softmax", _softmax, _softmax_vjp, elementwise=False, probability=True)
"""``e^z / sum(e^z)`` per column (shifted by the column max); its derivative is
the Jacobian-vector product, so it chains with any loss."""

ACTIVATIONS: Mapping[str, Activation] = MappingProxyType(
    {a.name: a for a in (relu, sigmoid, tanh, leaky_relu, linear, softmax)}
)
"""Every built-in activation by name, as ``save`` writes and ``load`` reads them."""
