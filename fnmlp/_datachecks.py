"""The checks the data-set generators and their preparation share: seeds and numbers."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeAlias

import numpy as np

from fnmlp.errors import HyperparameterError

__all__ = ["DType", "check_number", "generator_of", "is_int"]

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

