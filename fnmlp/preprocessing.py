"""Preparing data for training: a shuffled train/test split, and standardised inputs.

:func:`split` shuffles the examples (columns) and splits them in two;
:func:`standardise` fits a :class:`Standardiser` to the training inputs, to
apply to them and to the test inputs alike (and to read a regression's
outputs back in their units with ``inverse``).

Examples:
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0, 2.0, 3.0, 4.0], [10.0, 10.0, 20.0, 20.0, 30.0]])
    >>> X_train, Y_train, X_test, Y_test = split(X, X[:1] % 2, seed=0)
    >>> X_train.shape, X_test.shape
    ((2, 4), (2, 1))
    >>> scaler = standardise(X_train)
    >>> print(np.abs(scaler.apply(X_train).mean(axis=1)) < 1e-12)
    [ True  True]
"""

from __future__ import annotations

from typing import Any, Generic, overload

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp._datachecks import DType, check_number, generator_of
from fnmlp._validate import freeze
from fnmlp.aliases import Bias, F, Inputs, Targets
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError

__all__ = ["Standardiser", "split", "standardise"]


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


def _float_dtype(A: np.ndarray[Any, Any]) -> DType:
    return np.float32 if A.dtype == np.float32 else np.float64


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
    fraction = check_number(
        "test_fraction", test_fraction, "a number in (0, 1)", lambda x: 0 < x < 1
    )
    order = generator_of(seed).permutation(m)
    m_test = min(max(round(fraction * m), 1), m - 1)
    test, train = order[:m_test], order[m_test:]
    X_train: Inputs[Any] = X_[:, train]
    Y_train: Targets[Any] = Y_[:, train]
    X_test: Inputs[Any] = X_[:, test]
    Y_test: Targets[Any] = Y_[:, test]
    return freeze(X_train), freeze(Y_train), freeze(X_test), freeze(Y_test)


def _readonly_copy(a: Bias[F]) -> Bias[F]:
    try:
        return freeze(np.array(a, copy=True))
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
        return freeze(out)

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
        return freeze(out)


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

