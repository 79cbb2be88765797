"""Small seeded data sets in fnmlp's layout: one column per example.

Every generator returns ``(X, Y)`` with ``X`` of shape ``(n_x, m)`` and ``Y``
of shape ``(n_y, m)``: float64 by default, float32 when asked with ``dtype``,
fresh and read-only. Randomness comes only from the keyword-only ``seed`` (an
``int`` or a ``numpy.random.Generator``, which is then advanced), so the same
seed gives bit-identical arrays. :func:`split` and :func:`standardise` prepare
such data for training.

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

import math
from collections.abc import Callable
from typing import Any, Generic, TypeAlias, TypeVar, overload

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp.aliases import Bias, F, Inputs, Targets
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError

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

_DType: TypeAlias = type[np.float32] | type[np.float64]
# The generators are overloaded on ``dtype``; mypy reports the two overloads as
# overlapping because a class could in principle inherit from both float types.
_Array = TypeVar("_Array", bound=np.ndarray[Any, Any])

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


def _readonly(a: _Array) -> _Array:
    a.flags.writeable = False
    return a


def _check_dtype(dtype: _DType) -> _DType:
    given: object = dtype  # checked at run time: callers may send anything
    if not isinstance(given, (type, np.dtype)) or given not in (np.float32, np.float64):
        raise DTypeError(f"dtype: expected numpy.float32 or numpy.float64, got {dtype!r}")
    return dtype


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_count(name: str, value: int, minimum: int = 1) -> int:
    if _is_int(value) and value >= minimum:
        return int(value)
    expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    raise HyperparameterError(f"{name}: expected {expected}, got {value!r}")


def _check_number(name: str, value: object, expected: str, ok: Callable[[float], bool]) -> float:
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and ok(number):
            return number
    raise HyperparameterError(f"{name}: expected {expected}, got {value!r}")


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if _is_int(seed) and seed >= 0:
        return np.random.default_rng(seed)
    raise HyperparameterError(
        f"seed: expected a non-negative int or numpy.random.Generator, got {seed!r}"
    )


def _matrix(name: str, A: object) -> np.ndarray[Any, Any]:
    """``A`` as a checked 2-D real array: an array as it is, nested lists converted."""
    if isinstance(A, np.ndarray):
        array = A
    elif isinstance(A, (list, tuple)):
        try:
            array = np.asarray(A)
        except (ValueError, TypeError):  # ragged rows
            raise ShapeError(
                f"{name}: expected a non-empty 2-D array (n, m) or nested lists of numbers, "
                f"got {type(A).__name__} with rows of different lengths"
            ) from None
        if array.dtype.kind not in "biuf":
            raise DTypeError(
                f"{name}: expected nested lists of real numbers, got a {type(A).__name__} "
                f"holding {array.dtype.name} values"
            )
    else:
        raise DTypeError(
            f"{name}: expected a numpy array or nested lists of numbers, got {type(A).__name__}"
        )
    if array.dtype.kind not in "biuf":
        raise DTypeError(f"{name}: expected a real numeric array, got dtype {array.dtype}")
    if array.ndim != 2 or array.size == 0:
        raise ShapeError(f"{name}: expected a non-empty 2-D array (n, m), got shape {array.shape}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int(array.size - np.isfinite(array).sum())
        raise NonFiniteError(f"{name}: expected finite values, got {bad} NaN or inf")
    return array


def _float_dtype(A: np.ndarray[Any, Any]) -> _DType:
    return np.float32 if A.dtype == np.float32 else np.float64


def _dataset(
    X: Any, Y: Any, dtype: _DType, order: Any = slice(None), noise: float = 0.0
) -> Dataset[Any]:
    """Reorder the columns of ``X`` and ``Y``, cast them to ``dtype`` and freeze them."""
    with np.errstate(all="ignore"):
        X_out: Inputs[Any] = np.array(X, dtype=dtype)[:, order]
    if not np.isfinite(X_out).all():
        raise HyperparameterError(
            f"noise: expected a noise scale that keeps X finite in {np.dtype(dtype)}, got {noise!r}"
        )
    Y_out: Targets[Any] = np.array(Y, dtype=dtype)[:, order]
    return _readonly(X_out), _readonly(Y_out)


# -- fixed tables ----------------------------------------------------------------------


@overload
def logic_gate(  # type: ignore[overload-overlap]
    name: str, *, dtype: type[np.float64] = ...
) -> Dataset[np.float64]: ...
@overload
def logic_gate(name: str, *, dtype: type[np.float32]) -> Dataset[np.float32]: ...
def logic_gate(name: str, *, dtype: _DType = np.float64) -> Dataset[Any]:
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
def height_weight(*, dtype: _DType = np.float64) -> Dataset[Any]:
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
    return _check_number("noise", noise, "a finite number >= 0", lambda x: x >= 0)


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
    dtype: _DType = np.float64,
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
    factor = _check_number("factor", factor, "a number in [0, 1)", lambda x: 0 <= x < 1)
    rng = _rng(seed)
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
    dtype: _DType = np.float64,
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
    rng = _rng(seed)
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
    dtype: _DType = np.float64,
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
    rng = _rng(seed)
    sizes = [m // classes + (k < m % classes) for k in range(classes)]
    labels = np.repeat(np.arange(classes), sizes)
    ranks = np.concatenate([np.linspace(0, 1, n) for n in sizes])
    angles = 4 * (labels + ranks) + rng.normal(scale=noise, size=m)
    with np.errstate(invalid="ignore"):  # sin(inf) is NaN, reported by _dataset
        X = ranks * np.stack([np.sin(angles), np.cos(angles)])
    return _dataset(X, np.eye(classes)[:, labels], dtype, rng.permutation(m), noise)


# -- preparing data --------------------------------------------------------------------


@overload
def split(
    X: Inputs[F],
    Y: Targets[F],
    *,
    test_fraction: float = 0.2,
    seed: int | np.random.Generator = 0,
) -> tuple[Inputs[F], Targets[F], Inputs[F], Targets[F]]: ...
@overload
def split(
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    *,
    test_fraction: float = 0.2,
    seed: int | np.random.Generator = 0,
) -> tuple[Inputs[Any], Targets[Any], Inputs[Any], Targets[Any]]: ...
def split(
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    *,
    test_fraction: float = 0.2,
    seed: int | np.random.Generator = 0,
) -> tuple[Inputs[Any], Targets[Any], Inputs[Any], Targets[Any]]:
    """Shuffle the examples (columns) and split them into a training and a test set.

    The test set gets ``round(test_fraction * m)`` examples, but at least one
    and at most ``m - 1``, so that neither part is empty.

    Args:
        X: inputs ``(n_x, m)``, one column per example, ``m >= 2``: an array
            or nested lists (converted as ``numpy.asarray`` does).
        Y: targets ``(n_y, m)``, one column per example, likewise.
        test_fraction: the share of examples in the test set, in ``(0, 1)``.
        seed: an ``int`` or a ``numpy.random.Generator`` (which is advanced).

    Returns:
        ``(X_train, Y_train, X_test, Y_test)``: fresh read-only arrays of the
        dtype of ``X`` and ``Y``, with ``m - m_test`` and ``m_test`` columns.

    Raises:
        ShapeError: ``X`` or ``Y`` is not a non-empty 2-D array (or has ragged
            rows), their numbers of columns differ, or there are fewer than 2 examples.
        DTypeError: ``X`` or ``Y`` is neither a real numeric array nor nested
            lists of real numbers.
        NonFiniteError: ``X`` or ``Y`` holds NaN or inf.
        HyperparameterError: ``test_fraction`` or ``seed`` is out of range.

    Examples:
        >>> X = np.arange(10.0).reshape(1, 10)
        >>> X_train, Y_train, X_test, Y_test = split(X, X % 2, test_fraction=0.3, seed=0)
        >>> print(X_train, X_test)
        [[7. 3. 5. 9. 0. 8. 1.]] [[4. 6. 2.]]
        >>> print(Y_train, Y_test)
        [[1. 1. 1. 1. 0. 0. 1.]] [[0. 0. 0.]]
        >>> print(split([[1, 2, 3], [4, 5, 6]], [[0, 1, 0]], seed=0)[2])
        [[3]
         [6]]
    """
    X_ = _matrix("X", X)
    Y_ = _matrix("Y", Y)
    m = X_.shape[1]
    if Y_.shape[1] != m:
        raise ShapeError(f"Y: expected {m} columns like X {X_.shape}, got shape {Y_.shape}")
    if m < 2:
        raise ShapeError(
            f"X: expected at least 2 examples (columns) to split, got shape {X_.shape}"
        )
    fraction = _check_number(
        "test_fraction", test_fraction, "a number in (0, 1)", lambda x: 0 < x < 1
    )
    order = _rng(seed).permutation(m)
    m_test = min(max(round(fraction * m), 1), m - 1)
    test, train = order[:m_test], order[m_test:]
    X_train: Inputs[Any] = X_[:, train]
    Y_train: Targets[Any] = Y_[:, train]
    X_test: Inputs[Any] = X_[:, test]
    Y_test: Targets[Any] = Y_[:, test]
    return _readonly(X_train), _readonly(Y_train), _readonly(X_test), _readonly(Y_test)


def _readonly_copy(a: Bias[F]) -> Bias[F]:
    try:
        return _readonly(np.array(a, copy=True))
    except (ValueError, TypeError):
        raise ShapeError(
            f"mean, scale: expected arrays of shape (n_x, 1), got {type(a).__name__} {a!r:.80}"
        ) from None


@attrs.frozen(eq=False)
class Standardiser(Generic[F]):
    """Per-feature statistics that map each input row to zero mean and unit variance.

    Fit one on the training inputs with :func:`standardise`, then ``apply`` it
    to the training and the test inputs alike; ``inverse`` undoes it (to read
    a network trained on standardised regression targets in their units).
    ``fnmlp.save`` writes one to an ``.npz`` file and
    ``fnmlp.load(path, kind=Standardiser)`` reads it back. The arrays are
    copied on construction and read-only.

    Attributes:
        mean: ``(n_x, 1)``, the mean of each feature.
        scale: ``(n_x, 1)``, the standard deviation of each feature, or 1 where
            that is 0 (a constant feature); finite and positive.

    Examples:
        >>> s = Standardiser(mean=np.array([[1.0], [2.0]]), scale=np.array([[2.0], [1.0]]))
        >>> print(s.apply(np.array([[1.0, 3.0], [0.0, 2.0]])))
        [[ 0.  1.]
         [-2.  0.]]
        >>> Standardiser(mean=np.zeros((2, 1)), scale=np.zeros((2, 1)))
        Traceback (most recent call last):
        fnmlp.errors.HyperparameterError: scale: expected finite positive values, got [0. 0.]
    """

    mean: Bias[F] = attrs.field(converter=_readonly_copy)
    scale: Bias[F] = attrs.field(converter=_readonly_copy)

    @mean.validator
    def _check_mean(self, attribute: attrs.Attribute[Bias[F]], mean: Bias[F]) -> None:
        if mean.dtype not in (np.float32, np.float64):
            raise DTypeError(f"mean: expected dtype float32 or float64, got {mean.dtype}")
        if mean.ndim != 2 or mean.shape[1] != 1 or mean.shape[0] == 0:
            raise ShapeError(f"mean: expected shape (n_x, 1), got {mean.shape}")
        if not np.isfinite(mean).all():
            raise NonFiniteError(f"mean: expected finite values, got {mean.ravel()}")

    @scale.validator
    def _check_scale(self, attribute: attrs.Attribute[Bias[F]], scale: Bias[F]) -> None:
        mean = self.mean
        if scale.dtype != mean.dtype:
            raise DTypeError(f"scale: expected dtype {mean.dtype} like mean, got {scale.dtype}")
        if scale.shape != mean.shape:
            raise ShapeError(f"scale: expected shape {mean.shape} like mean, got {scale.shape}")
        if not (np.isfinite(scale) & (scale > 0)).all():
            raise HyperparameterError(
                f"scale: expected finite positive values, got {scale.ravel()}"
            )

    def apply(self, X: npt.ArrayLike) -> Inputs[F]:
        """Standardise ``X`` with these statistics: ``(X - mean) / scale``.

        Args:
            X: inputs ``(n_x, m)``, training or test data: an array or nested lists.

        Returns:
            A fresh read-only ``(n_x, m)`` array in the dtype of ``mean``.

        Raises:
            ShapeError: ``X`` is not 2-D or does not have ``n_x`` rows.
            DTypeError: ``X`` is neither a real numeric array nor nested lists of
                real numbers.
            NonFiniteError: ``X`` holds NaN or inf.

        Examples:
            >>> s = standardise(np.array([[0.0, 2.0, 4.0]]))
            >>> print(s.apply(np.array([[2.0, 6.0]])).round(4))
            [[0.     2.4495]]
            >>> print(s.apply([[2, 6]]).round(4))
            [[0.     2.4495]]
        """
        data = _matrix("X", X)
        if data.shape[0] != self.mean.shape[0]:
            raise ShapeError(
                f"X: expected {self.mean.shape[0]} rows (n_x, m), got shape {data.shape}"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            out: Inputs[F] = (data.astype(self.mean.dtype) - self.mean) / self.scale
        if not np.isfinite(out).all():
            raise NonFiniteError(
                f"X: expected values whose standardised form is finite in {out.dtype}, got "
                f"values up to {float(np.abs(data).max()):.4g} for a scale as small as "
                f"{float(self.scale.min()):.4g}"
            )
        return _readonly(out)

    def inverse(self, X: npt.ArrayLike) -> Inputs[F]:
        """Undo :meth:`apply`: ``X * scale + mean``, back in the original units.

        Fit a standardiser on regression targets ``Y`` to train on
        ``apply(Y)``; ``inverse`` then turns the network's outputs back into
        the units of ``Y``. ``inverse(apply(X))`` equals ``X`` up to rounding.

        Args:
            X: standardised values ``(n, m)``, ``n`` the number of rows the
                statistics were fitted on: an array or nested lists.

        Returns:
            A fresh read-only ``(n, m)`` array in the dtype of ``mean``.

        Raises:
            ShapeError: ``X`` is not 2-D or does not have ``n`` rows.
            DTypeError: ``X`` is neither a real numeric array nor nested lists of
                real numbers.
            NonFiniteError: ``X`` holds NaN or inf, or values whose original
                form overflows the dtype.

        Examples:
            >>> Y = np.array([[150.0, 250.0, 200.0]])  # regression targets, one row
            >>> s = standardise(Y)
            >>> print(s.apply(Y).round(4))
            [[-1.2247  1.2247  0.    ]]
            >>> print(s.inverse([[0.0, 1.0, -2.0]]).round(2))
            [[200.   240.82 118.35]]
            >>> print(np.allclose(s.inverse(s.apply(Y)), Y))
            True
        """
        data = _matrix("X", X)
        if data.shape[0] != self.mean.shape[0]:
            raise ShapeError(
                f"X: expected {self.mean.shape[0]} rows (n, m), got shape {data.shape}"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            out: Inputs[F] = data.astype(self.mean.dtype) * self.scale + self.mean
        if not np.isfinite(out).all():
            raise NonFiniteError(
                f"X: expected values whose original form is finite in {out.dtype}, got "
                f"values up to {float(np.abs(data).max()):.4g} for a scale as large as "
                f"{float(self.scale.max()):.4g}"
            )
        return _readonly(out)


@overload
def standardise(X: Inputs[F]) -> Standardiser[F]: ...
@overload
def standardise(X: npt.ArrayLike) -> Standardiser[Any]: ...
def standardise(X: npt.ArrayLike) -> Standardiser[Any]:
    """Fit a :class:`Standardiser` on the inputs ``X``: each row's mean and standard deviation.

    A constant feature gets its value as mean and scale 1, so that it maps to
    exactly 0 rather than to NaN or inf. Integer inputs (and nested lists)
    give float64 statistics.

    Args:
        X: inputs ``(n_x, m)``, one column per example (usually the training
            set): an array or nested lists.

    Returns:
        The fitted :class:`Standardiser`, its statistics in the dtype of ``X``.

    Raises:
        ShapeError: ``X`` is not a non-empty 2-D array (or has ragged rows).
        DTypeError: ``X`` is neither a real numeric array nor nested lists of
            real numbers.
        NonFiniteError: ``X`` holds NaN or inf.

    Examples:
        >>> X = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
        >>> s = standardise(X)
        >>> print(s.mean.ravel(), s.scale.ravel().round(4))
        [2. 5.] [0.8165 1.    ]
        >>> print(s.apply(X).round(4))
        [[-1.2247  0.      1.2247]
         [ 0.      0.      0.    ]]
    """
    data = _matrix("X", X)
    A: Inputs[Any] = data.astype(_float_dtype(data))
    constant = (A[:, :1] == A).all(axis=1, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore"):
        std, average = A.std(axis=1, keepdims=True), A.mean(axis=1, keepdims=True)
    if not (np.isfinite(std).all() and np.isfinite(average).all()):
        # Values near the float maximum: compute on rows scaled into [-1, 1].
        peak = np.abs(A).max(axis=1, keepdims=True)
        peak = np.where(peak > 0, peak, 1)
        U = A / peak
        std, average = peak * U.std(axis=1, keepdims=True), peak * U.mean(axis=1, keepdims=True)
    mean: Bias[Any] = np.where(constant, A[:, :1], average)
    scale: Bias[Any] = np.where(constant | (std == 0), 1, std)
    return Standardiser(mean=mean, scale=scale)
