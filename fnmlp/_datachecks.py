"""The checks the data-set generators, their preparation and the labels share: seeds, numbers, kinds."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from fnmlp.errors import HyperparameterError, LabelError

__all__ = ["DType", "check_number", "check_one_kind", "generator_of", "is_int"]

DType: TypeAlias = type[np.float32] | type[np.float64]


def is_int(value: object) -> bool:
    """Whether ``value`` is an int (Python's or numpy's), not a bool.

    Examples:
        >>> is_int(3), is_int(np.int8(3)), is_int(True), is_int(3.0)
        (True, True, False, False)
    """
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_number(name: str, value: object, expected: str, ok: Callable[[float], bool]) -> float:
    """``value`` as a float if it is a finite real number that ``ok`` accepts, else an error.

    Examples:
        >>> check_number("noise", -1, "a finite number >= 0", lambda x: x >= 0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: noise: expected a finite number >= 0, got -1
    """
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and ok(number):
            return number
    raise HyperparameterError(f"{name}: expected {expected}, got {value!r}")


def generator_of(seed: int | np.random.Generator) -> np.random.Generator:
    """The generator a seed names: a new one for a non-negative int, a ``Generator`` as it is.

    Examples:
        >>> print(generator_of(0).integers(10), generator_of(0).integers(10))
        8 8
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if is_int(seed) and seed >= 0:
        return np.random.default_rng(seed)
    raise HyperparameterError(
        f"seed: expected a non-negative int or numpy.random.Generator, got {seed!r}"
    )


def check_one_kind(values: object, raw: npt.NDArray[Any], name: str) -> None:
    """Raise ``LabelError`` if the list ``values`` (``raw`` as NumPy read it) mixes strings with others.

    NumPy turns a list of strings and numbers into strings, where ``1`` and
    ``"1"`` would become one class and ``1`` come back as ``"1"``; an object
    array of the same labels is refused as not sorting together, and so is
    the list.

    Examples:
        >>> check_one_kind(["a", 1], np.asarray(["a", 1]), "y")
        Traceback (most recent call last):
        ...
        fnmlp.errors.LabelError: y: expected labels of one kind that sort (numbers, or strings), got str labels mixed with int ones
    """
    if raw.dtype.kind not in "US" or not isinstance(values, (list, tuple)):
        return
    row = values[0] if len(values) == 1 and isinstance(values[0], (list, tuple)) else values
    text = str if raw.dtype.kind == "U" else bytes
    kinds = sorted({type(label).__name__ for label in row if not isinstance(label, text)})
    if kinds:
        raise LabelError(
            f"{name}: expected labels of one kind that sort (numbers, or strings), got "
            f"{text.__name__} labels mixed with {', '.join(kinds)} ones"
        )
