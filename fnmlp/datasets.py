"""Small seeded data sets in fnmlp's layout: one column per example.

Every generator returns ``(X, Y)`` with ``X`` of shape ``(n_x, m)`` and ``Y``
of shape ``(n_y, m)``: float64 by default, float32 when asked with ``dtype``,
fresh and read-only. Randomness comes only from the keyword-only ``seed`` (an
``int`` or a ``numpy.random.Generator``, which is then advanced), so the same
seed gives bit-identical arrays. :func:`split` and :func:`standardise` (from
:mod:`fnmlp.preprocessing`, re-exported here) prepare such data for training.

Examples:
    >>> from fnmlp.datasets import moons, split, standardise
    >>> X, Y = moons(100, seed=0)
    >>> X_train, Y_train, X_test, Y_test = split(X, Y, seed=0)
    >>> scaler = standardise(X_train)
    >>> X_train, X_test = scaler.apply(X_train), scaler.apply(X_test)
    >>> X_train.shape, Y_train.shape, X_test.shape, Y_test.shape
    ((2, 80), (1, 80), (2, 20), (1, 20))
"""

from __future__ import annotations

from typing import Any, TypeAlias, overload

import numpy as np

from fnmlp._datachecks import DType, check_number, generator_of, is_int
from fnmlp._validate import freeze
from fnmlp.aliases import F, Inputs, Targets
from fnmlp.errors import DTypeError, HyperparameterError
from fnmlp.preprocessing import Standardiser, split, standardise

__all__ = [
    "Dataset",
    "Standardiser",
    "circles",
    "height_weight",
    "logic_gate",
    "moons",
    "spirals",
    "split",
    "standardise",
]

Dataset: TypeAlias = tuple[Inputs[F], Targets[F]]
"""``(X, Y)``: inputs ``(n_x, m)`` and targets ``(n_y, m)``, one column per example."""

# The generators are overloaded on ``dtype``; mypy reports the two overloads as
# overlapping because a class could in principle inherit from both float types.

_TWO_INPUTS = [[0, 0, 1, 1], [0, 1, 0, 1]]
_GATES: dict[str, tuple[list[list[int]], list[int]]] = {
    "and": (_TWO_INPUTS, [0, 0, 0, 1]),
    "nand": (_TWO_INPUTS, [1, 1, 1, 0]),
    "nor": (_TWO_INPUTS, [1, 0, 0, 0]),
    "not": ([[0, 1]], [1, 0]),
    "or": (_TWO_INPUTS, [0, 1, 1, 1]),
    "xor": (_TWO_INPUTS, [0, 1, 1, 0]),
}
_HEIGHT_WEIGHT = [
    [150, 254, 312, 120, 154, 212, 216, 145, 184, 130],
    [70, 73, 68, 60, 61, 65, 67, 67, 64, 69],
]
_HEIGHT_WEIGHT_LABELS = [0, 1, 1, 0, 0, 1, 1, 0, 1, 0]


# -- checks at the boundary ------------------------------------------------------------


def _check_dtype(dtype: DType) -> DType:
    given: object = dtype  # checked at run time: callers may send anything
    if not isinstance(given, (type, np.dtype)) or given not in (np.float32, np.float64):
        raise DTypeError(f"dtype: expected numpy.float32 or numpy.float64, got {dtype!r}")
    return dtype


def _check_count(name: str, value: int, minimum: int = 1) -> int:
    if is_int(value) and value >= minimum:
        return int(value)
    expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    raise HyperparameterError(f"{name}: expected {expected}, got {value!r}")


def _dataset(
    X: Any, Y: Any, dtype: DType, order: Any = slice(None), noise: float = 0.0
) -> Dataset[Any]:
    """Reorder the columns of ``X`` and ``Y``, cast them to ``dtype`` and freeze them."""
    with np.errstate(all="ignore"):
        X_out: Inputs[Any] = np.array(X, dtype=dtype)[:, order]
    if not np.isfinite(X_out).all():
        raise HyperparameterError(
            f"noise: expected a noise scale that keeps X finite in {np.dtype(dtype)}, got {noise!r}"
        )
    Y_out: Targets[Any] = np.array(Y, dtype=dtype)[:, order]
    return freeze(X_out), freeze(Y_out)


# -- fixed tables ----------------------------------------------------------------------


@overload
def logic_gate(  # type: ignore[overload-overlap]
    name: str, *, dtype: type[np.float64] = ...
) -> Dataset[np.float64]: ...
@overload
def logic_gate(name: str, *, dtype: type[np.float32]) -> Dataset[np.float32]: ...
def logic_gate(name: str, *, dtype: DType = np.float64) -> Dataset[Any]:
    """The truth table of a logic gate, as in notebook 000.

    Args:
        name: one of ``"and"``, ``"nand"``, ``"nor"``, ``"not"``, ``"or"``, ``"xor"``.
        dtype: ``numpy.float64`` (default) or ``numpy.float32``.

    Returns:
        ``(X, Y)``: for ``"not"``, ``X`` ``(1, 2)`` is ``[[0, 1]]``; for the
        others ``X`` ``(2, 4)`` has the columns 00, 01, 10, 11 in that order.
        ``Y`` ``(1, m)`` holds the gate's outputs.

    Raises:
        HyperparameterError: ``name`` is not a known gate.
        DTypeError: ``dtype`` is not ``numpy.float32`` or ``numpy.float64``.

    Examples:
        >>> X, Y = logic_gate("xor")
        >>> print(X)
        [[0. 0. 1. 1.]
         [0. 1. 0. 1.]]
        >>> print(Y)
        [[0. 1. 1. 0.]]
        >>> logic_gate("not", dtype=np.float32)[1].dtype
        dtype('float32')
    """
    given: object = name  # checked at run time: callers may send anything
    if not isinstance(given, str) or given not in tuple(_GATES):
        raise HyperparameterError(f"name: expected one of {', '.join(_GATES)}, got {name!r}")
    inputs, outputs = _GATES[name]
    return _dataset(inputs, [outputs], _check_dtype(dtype))


@overload
def height_weight(  # type: ignore[overload-overlap]
    *, dtype: type[np.float64] = ...
) -> Dataset[np.float64]: ...
@overload
def height_weight(*, dtype: type[np.float32]) -> Dataset[np.float32]: ...
def height_weight(*, dtype: DType = np.float64) -> Dataset[Any]:
    """The 10-example table of notebook 001: two unscaled features and a binary label.

    The features span 60 to 312, which saturates sigmoid units: pass ``X``
    through :func:`standardise` before training.

    Args:
        dtype: ``numpy.float64`` (default) or ``numpy.float32``.

    Returns:
        ``(X, Y)`` with ``X`` of shape ``(2, 10)`` and ``Y`` of shape ``(1, 10)``.

    Raises:
        DTypeError: ``dtype`` is not ``numpy.float32`` or ``numpy.float64``.

    Examples:
        >>> X, Y = height_weight()
        >>> print(X[:, :3])
        [[150. 254. 312.]
         [ 70.  73.  68.]]
        >>> print(Y)
        [[0. 1. 1. 0. 0. 1. 1. 0. 1. 0.]]
    """
    return _dataset(_HEIGHT_WEIGHT, [_HEIGHT_WEIGHT_LABELS], _check_dtype(dtype))


# -- random generators -----------------------------------------------------------------


def _check_noise(noise: float) -> float:
    return check_number("noise", noise, "a finite number >= 0", lambda x: x >= 0)


@overload
def circles(  # type: ignore[overload-overlap]
    m: int = ...,
    *,
    noise: float = ...,
    factor: float = ...,
    seed: int | np.random.Generator = ...,
    dtype: type[np.float64] = ...,
) -> Dataset[np.float64]: ...
@overload
def circles(
    m: int = ...,
    *,
    noise: float = ...,
    factor: float = ...,
    seed: int | np.random.Generator = ...,
    dtype: type[np.float32],
) -> Dataset[np.float32]: ...
def circles(
    m: int = 200,
    *,
    noise: float = 0.1,
    factor: float = 0.5,
    seed: int | np.random.Generator = 0,
    dtype: DType = np.float64,
) -> Dataset[Any]:
    """Two concentric circles with Gaussian noise, like sklearn's ``make_circles``.

    Args:
        m: the number of examples; ``m // 2`` lie on the outer circle (label 0)
            and the rest on the inner one (label 1).
        noise: the standard deviation of the Gaussian noise added to ``X``.
        factor: the inner circle's radius relative to the outer one, in ``[0, 1)``.
        seed: an ``int`` or a ``numpy.random.Generator`` (which is advanced).
        dtype: ``numpy.float64`` (default) or ``numpy.float32``.

    Returns:
        ``(X, Y)`` with ``X`` of shape ``(2, m)`` and ``Y`` of shape ``(1, m)``
        holding 0 or 1; the examples are shuffled.

    Raises:
        HyperparameterError: ``m``, ``noise``, ``factor`` or ``seed`` is out of range.
        DTypeError: ``dtype`` is not ``numpy.float32`` or ``numpy.float64``.

    Examples:
        >>> X, Y = circles(8, noise=0.0, seed=0)
        >>> X.shape, Y.shape
        ((2, 8), (1, 8))
        >>> print(np.hypot(X[0], X[1]).round(4))
        [1.  0.5 0.5 0.5 1.  1.  1.  0.5]
        >>> print(Y)
        [[0. 1. 1. 1. 0. 0. 0. 1.]]
    """
    m, noise, dtype = _check_count("m", m), _check_noise(noise), _check_dtype(dtype)
    factor = check_number("factor", factor, "a number in [0, 1)", lambda x: 0 <= x < 1)
    rng = generator_of(seed)
    m_out = m // 2
    angles = np.concatenate(
        [np.linspace(0, 2 * np.pi, n, endpoint=False) for n in (m_out, m - m_out)]
    )
    radii = np.where(np.arange(m) < m_out, 1.0, factor)
    X = radii * np.stack([np.cos(angles), np.sin(angles)]) + rng.normal(scale=noise, size=(2, m))
    return _dataset(X, [np.arange(m) >= m_out], dtype, rng.permutation(m), noise)


@overload
def moons(  # type: ignore[overload-overlap]
    m: int = ...,
    *,
    noise: float = ...,
    seed: int | np.random.Generator = ...,
    dtype: type[np.float64] = ...,
) -> Dataset[np.float64]: ...
@overload
def moons(
    m: int = ...,
    *,
    noise: float = ...,
    seed: int | np.random.Generator = ...,
    dtype: type[np.float32],
) -> Dataset[np.float32]: ...
def moons(
    m: int = 200,
    *,
    noise: float = 0.1,
    seed: int | np.random.Generator = 0,
    dtype: DType = np.float64,
) -> Dataset[Any]:
    """Two interleaving half circles with Gaussian noise, like sklearn's ``make_moons``.

    Args:
        m: the number of examples; ``m // 2`` lie on the upper moon (label 0)
            and the rest on the lower one (label 1).
        noise: the standard deviation of the Gaussian noise added to ``X``.
        seed: an ``int`` or a ``numpy.random.Generator`` (which is advanced).
        dtype: ``numpy.float64`` (default) or ``numpy.float32``.

    Returns:
        ``(X, Y)`` with ``X`` of shape ``(2, m)`` and ``Y`` of shape ``(1, m)``
        holding 0 or 1; the examples are shuffled.

    Raises:
        HyperparameterError: ``m``, ``noise`` or ``seed`` is out of range.
        DTypeError: ``dtype`` is not ``numpy.float32`` or ``numpy.float64``.

    Examples:
        >>> X, Y = moons(6, noise=0.0, seed=0)
        >>> print(X.round(4))
        [[ 2.   1.  -1.   0.   0.   1. ]
         [ 0.5 -0.5  0.   1.   0.5  0. ]]
        >>> print(Y)
        [[1. 1. 0. 0. 1. 0.]]
        >>> moons(seed=1)[0].dtype, moons(seed=1, dtype=np.float32)[0].dtype
        (dtype('float64'), dtype('float32'))
    """
    m, noise, dtype = _check_count("m", m), _check_noise(noise), _check_dtype(dtype)
    rng = generator_of(seed)
    m_out = m // 2
    outer, inner = np.linspace(0, np.pi, m_out), np.linspace(0, np.pi, m - m_out)
    X = np.stack(
        [
            np.concatenate([np.cos(outer), 1 - np.cos(inner)]),
            np.concatenate([np.sin(outer), 0.5 - np.sin(inner)]),
        ]
    )
    X = X + rng.normal(scale=noise, size=(2, m))
    return _dataset(X, [np.arange(m) >= m_out], dtype, rng.permutation(m), noise)


@overload
def spirals(  # type: ignore[overload-overlap]
    m: int = ...,
    *,
    classes: int = ...,
    noise: float = ...,
    seed: int | np.random.Generator = ...,
    dtype: type[np.float64] = ...,
) -> Dataset[np.float64]: ...
@overload
def spirals(
    m: int = ...,
    *,
    classes: int = ...,
    noise: float = ...,
    seed: int | np.random.Generator = ...,
    dtype: type[np.float32],
) -> Dataset[np.float32]: ...
def spirals(
    m: int = 300,
    *,
    classes: int = 3,
    noise: float = 0.2,
    seed: int | np.random.Generator = 0,
    dtype: DType = np.float64,
) -> Dataset[Any]:
    """Interleaved spiral arms, one per class: the classic CS231n data set.

    Class ``k`` has radii evenly spaced in ``[0, 1]`` and angles evenly spaced
    in ``[4k, 4k + 4]`` plus Gaussian noise; a point is ``(r sin t, r cos t)``.

    Args:
        m: the number of examples, shared out as evenly as possible among the
            classes (the first ``m % classes`` classes get one more).
        classes: the number of classes (spiral arms), at least 2.
        noise: the standard deviation of the Gaussian noise added to the angles.
        seed: an ``int`` or a ``numpy.random.Generator`` (which is advanced).
        dtype: ``numpy.float64`` (default) or ``numpy.float32``.

    Returns:
        ``(X, Y)`` with ``X`` of shape ``(2, m)`` and one-hot ``Y`` of shape
        ``(classes, m)``; the examples are shuffled.

    Raises:
        HyperparameterError: ``m``, ``classes``, ``noise`` or ``seed`` is out of range.
        DTypeError: ``dtype`` is not ``numpy.float32`` or ``numpy.float64``.

    Examples:
        >>> X, Y = spirals(7, classes=3, seed=0)
        >>> X.shape, Y.shape
        ((2, 7), (3, 7))
        >>> print(Y)
        [[0. 1. 1. 1. 0. 0. 0.]
         [1. 0. 0. 0. 1. 0. 0.]
         [0. 0. 0. 0. 0. 1. 1.]]
        >>> print(Y.sum(axis=1))
        [3. 2. 2.]
    """
    m, noise, dtype = _check_count("m", m), _check_noise(noise), _check_dtype(dtype)
    classes = _check_count("classes", classes, minimum=2)
    rng = generator_of(seed)
    sizes = [m // classes + (k < m % classes) for k in range(classes)]
    labels = np.repeat(np.arange(classes), sizes)
    ranks = np.concatenate([np.linspace(0, 1, n) for n in sizes])
    angles = 4 * (labels + ranks) + rng.normal(scale=noise, size=m)
    with np.errstate(invalid="ignore"):  # sin(inf) is NaN, reported by _dataset
        X = ranks * np.stack([np.sin(angles), np.cos(angles)])
    return _dataset(X, np.eye(classes)[:, labels], dtype, rng.permutation(m), noise)
