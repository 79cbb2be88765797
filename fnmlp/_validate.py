"""Validation at the public boundary: turn what users send into arrays, or say why not.

Every public entry point calls these once; the per-step hot path does not.
Each failure raises an fnmlp error naming the argument, the expectation and
what was given.

Examples:
    >>> import numpy as np
    >>> from fnmlp._validate import as_data
    >>> print(as_data([[0, 1]], "X", np.float64))
    [[0. 1.]]
    >>> as_data(np.zeros(3), "X", np.float64)
    Traceback (most recent call last):
    ...
    fnmlp.errors.ShapeError: X: expected a 2-D array of shape (n_features, m), one column per example, got a 1-D array of shape (3,); use X.reshape(1, -1) for one feature or X.reshape(-1, 1) for one example
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp.activations import ACTIVATIONS, Activation
from fnmlp.aliases import Matrix
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError

__all__ = [
    "all_finite",
    "as_data",
    "check_activation",
    "check_dtype",
    "check_finite",
    "describe",
    "first_nonfinite",
    "freeze",
    "frozen_copy",
    "is_real",
    "number",
    "positive_float",
    "positive_int",
]

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def check_dtype(dtype: Any, name: str = "dtype") -> np.dtype[Any]:
    """Return ``numpy.float32`` or ``numpy.float64`` as a dtype, or raise ``DTypeError``.

    Examples:
        >>> print(check_dtype(np.float32))
        float32
    """
    for float_dtype in FLOATS if dtype is not None else ():
        try:
            if np.dtype(dtype) == float_dtype:
                return float_dtype
        except (TypeError, ValueError):
            break
    raise DTypeError(f"{name}: expected numpy.float32 or numpy.float64, got {dtype!r}")


def check_activation(value: object, name: str = "activation") -> Activation:
    """Return ``value`` if it is an :class:`~fnmlp.Activation`, else raise ``DTypeError``.

    The message lists the built-in activations, and names the one meant when
    ``value`` is its name as a string.

    Examples:
        >>> check_activation("relu", "hidden")
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: hidden: expected an fnmlp Activation (fnmlp.relu, fnmlp.sigmoid, fnmlp.tanh, fnmlp.leaky_relu, fnmlp.linear, fnmlp.softmax), got str 'relu'; pass fnmlp.relu
        >>> check_activation("gelu", "output")
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: output: expected an fnmlp Activation (fnmlp.relu, fnmlp.sigmoid, fnmlp.tanh, fnmlp.leaky_relu, fnmlp.linear, fnmlp.softmax), got str 'gelu', which is not one of them
    """
    if isinstance(value, Activation):
        return value
    valid = ", ".join(f"fnmlp.{known}" for known in ACTIVATIONS)
    hint = ""
    if isinstance(value, str):
        hint = f"; pass fnmlp.{value}" if value in ACTIVATIONS else ", which is not one of them"
    raise DTypeError(f"{name}: expected an fnmlp Activation ({valid}), got {describe(value)}{hint}")


def describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.ndim}-D {value.dtype} array of shape {value.shape}"
    try:
        shown = repr(value)
    except Exception:  # a repr that fails (or an int too long to print) is not shown
        shown = "(unprintable)"
    return f"{type(value).__name__} {shown}"[:120]


def as_data(
    value: npt.ArrayLike, name: str, dtype: np.dtype[Any] | type[Any], *, copy: bool = True
) -> Matrix[Any]:
    """Convert ``value`` to a fresh 2-D array of ``dtype``, checking type, rank and finiteness.

    Integers and booleans are not accepted as floats silently only when they
    cannot be numbers: ints (as the notebooks pass them) are converted; booleans,
    strings, objects and complex numbers are rejected.

    Args:
        value: an array or nested list of shape ``(rows, m)``.
        name: the argument's name, for error messages.
        dtype: the float dtype to convert to.
        copy: ``False`` to return a read-only view of ``value`` when it already
            is an array of ``dtype`` (for a caller that reads it only until it
            returns, and keeps nothing of it).

    Returns:
        A new, writable array of shape ``(rows, m)`` and dtype ``dtype`` (or the
        read-only view).

    Raises:
        DTypeError: for booleans, strings, objects or complex numbers.
        ShapeError: for arrays that are not 2-D or have no examples.
        NonFiniteError: for NaN or infinity.

    Examples:
        >>> as_data([["a"]], "Y", np.float64)
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: Y: expected real numbers (int or float), got an array of dtype <U1
    """
    try:
        raw = np.asarray(value)
    except (ValueError, TypeError) as error:
        why = "rows of different lengths" if "inhomogeneous" in str(error) else str(error)
        raise ShapeError(
            f"{name}: expected a 2-D array of numbers, got {describe(value)} ({why})"
        ) from None
    kind = raw.dtype.kind
    if kind not in "iuf":
        what = {"b": "booleans", "c": "complex numbers", "O": "Python objects"}.get(
            kind, f"an array of dtype {raw.dtype}"
        )
        if raw.ndim == 0 and not isinstance(value, np.ndarray):
            what = describe(value)
        raise DTypeError(f"{name}: expected real numbers (int or float), got {what}")
    if raw.ndim != 2:
        hint = ""
        if raw.ndim == 1:
            hint = (
                f"; use {name}.reshape(1, -1) for one feature or "
                f"{name}.reshape(-1, 1) for one example"
            )
        raise ShapeError(
            f"{name}: expected a 2-D array of shape (n_features, m), one column per example, "
            f"got a {raw.ndim}-D array of shape {raw.shape}{hint}"
        )
    if raw.shape[0] == 0 or raw.shape[1] == 0:
        raise ShapeError(
            f"{name}: expected at least one row and one example, got shape {raw.shape}"
        )
    if kind == "f":
        check_finite(raw, name)
    if not copy and raw.dtype == dtype:
        view: Matrix[Any] = raw.view()
        view.setflags(write=False)
        return view
    narrowed = kind == "f" and raw.dtype.itemsize > np.dtype(dtype).itemsize
    if not narrowed:
        out: Matrix[Any] = np.array(raw, dtype=dtype, copy=True)
        return out
    with np.errstate(over="ignore"):
        out = np.array(raw, dtype=dtype, copy=True)
    if not all_finite(out):  # float64 beyond float32's range
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise NonFiniteError(
            f"{name}: expected values within the range of {out.dtype} "
            f"(|x| <= {np.finfo(out.dtype).max:.4g}), got {raw[where]} at index {where}; "
            f"scale the data"
        )
    return out


def number(value: Any, name: str) -> float:
    """``value`` if it is a number (what a ``Loss`` of a user's own returns may not be), as it is.

    Examples:
        >>> number(np.zeros((1, 2)), "squares's value")
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: squares's value: expected a number, got a 2-D float64 array of shape (1, 2)
    """
    if np.ndim(value) != 0 or isinstance(value, (str, bytes)):
        raise DTypeError(f"{name}: expected a number, got {describe(value)}")
    result: float = value
    return result


def all_finite(array: npt.NDArray[Any]) -> bool:
    """Whether every entry of the float ``array`` is finite (neither NaN nor infinite).

    The sum of squares (one BLAS call, which never warns) is finite exactly
    when every entry is, unless it overflows; only then are the entries
    tested one by one. Twice as fast as ``np.isfinite(array).all()`` on small
    arrays, and without an ``errstate``.

    Examples:
        >>> all_finite(np.array([[1e200, 2.0]])), all_finite(np.array([[1.0, np.nan]]))
        (True, False)
    """
    return math.isfinite(np.vdot(array, array)) or bool(np.isfinite(array).all())


def first_nonfinite(arrays: Sequence[npt.NDArray[Any]]) -> tuple[int, str] | None:
    """``(position, "value at index")`` of the first array holding NaN or inf, else ``None``.

    Examples:
        >>> first_nonfinite([np.zeros((1, 1)), np.array([[1.0, np.inf]])])
        (1, 'inf at index (0, 1)')
    """
    for position, array in enumerate(arrays):
        if not all_finite(array):
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            return position, f"{array[where]} at index {where}"
    return None


def check_finite(array: npt.NDArray[Any], name: str) -> None:
    """Raise ``NonFiniteError`` naming where ``array`` first holds NaN or infinity.

    Examples:
        >>> check_finite(np.array([[1.0, np.nan]]), "X")
        Traceback (most recent call last):
        ...
        fnmlp.errors.NonFiniteError: X: expected finite values, got nan at index (0, 1)
    """
    if not all_finite(array):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise NonFiniteError(f"{name}: expected finite values, got {array[where]} at index {where}")


def freeze(array: Matrix[Any]) -> Matrix[Any]:
    """Mark ``array`` read-only and return it (for arrays fnmlp itself just made).

    Examples:
        >>> a = freeze(np.zeros((1, 1)))
        >>> a.flags.writeable
        False
    """
    array.setflags(write=False)  # half the cost of setting array.flags.writeable
    return array


def is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def positive_float(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float that is positive (or zero if allowed).

    Examples:
        >>> positive_float(0.5, "learning_rate")
        0.5
        >>> positive_float(-1, "learning_rate")
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: learning_rate: expected a positive finite number, got -1
    """
    if type(value) is float and 0 < value < math.inf:  # the common case, at once
        return value
    bound = "non-negative" if allow_zero else "positive"
    if not is_real(value):
        raise HyperparameterError(
            f"{name}: expected a {bound} finite number, got {describe(value)}"
        )
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise HyperparameterError(
            f"{name}: expected a {bound} finite number, got an int too large for a float"
        ) from None
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise HyperparameterError(f"{name}: expected a {bound} finite number, got {value!r}")
    return number


def positive_int(value: object, name: str, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an int that is positive (or zero if allowed); bools are refused.

    Examples:
        >>> positive_int(3, "epochs")
        3
        >>> positive_int(2.5, "epochs")
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: epochs: expected a positive int, got float 2.5
    """
    bound = "non-negative" if allow_zero else "positive"
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise HyperparameterError(f"{name}: expected a {bound} int, got {describe(value)}")
    number = int(value)
    if number < 0 or (number == 0 and not allow_zero):
        raise HyperparameterError(f"{name}: expected a {bound} int, got {number}")
    return number


def frozen_copy(name: str, value: Any) -> Any:
    """A C-contiguous copy of ``value`` as float32/float64, or an fnmlp error naming ``name``."""
    if isinstance(value, list):  # nested lists of numbers are accepted where an array is
        try:
            value = np.asarray(value)
        except ValueError:
            raise ShapeError(
                f"{name}: expected a rectangular nested list, got a ragged one"
            ) from None
    if not isinstance(value, np.ndarray):
        raise DTypeError(f"{name}: expected a numpy array, got {type(value).__name__}")
    if value.dtype not in FLOATS:
        if value.dtype.kind not in "iu":
            raise DTypeError(
                f"{name}: expected a float32 or float64 array, got dtype {value.dtype}"
            )
        value = value.astype(np.float64)
    return np.array(value, copy=True, order="C")
