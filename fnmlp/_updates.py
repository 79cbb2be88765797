"""The elementwise kernels of the built-in optimisers and gradient transforms.

The update rules of :func:`~fnmlp.sgd`, :func:`~fnmlp.momentum`,
:func:`~fnmlp.rmsprop`, :func:`~fnmlp.adam` and :func:`~fnmlp.adamw` (with
the learning rate at a step), the clipping transforms' functions and the
chained rule of :func:`~fnmlp.chain`. Each is a module-level function that its constructor
binds with ``functools.partial``, so an optimiser pickles.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp import _threads
from fnmlp._optimizer import Transform, Update
from fnmlp._validate import is_real
from fnmlp.aliases import F, Matrix
from fnmlp.errors import DTypeError, HyperparameterError, ShapeError
from fnmlp.records import lock
from fnmlp.schedules import Schedule
from fnmlp.steps import descend

__all__ = [
    "LearningRate",
    "adam_update",
    "chain_update",
    "clip_norm",
    "clip_value",
    "global_norm",
    "momentum_update",
    "rmsprop_update",
    "sgd_update",
]

LearningRate = float | Schedule


def _lr(learning_rate: LearningRate, count: int) -> float:
    if not isinstance(learning_rate, Schedule):
        return learning_rate
    rate: object = learning_rate(count)  # a user's schedule may return anything
    number = math.nan
    if is_real(rate):  # any real number type (int, float, numpy.float32, ...), not a bool
        try:
            number = float(rate)  # type: ignore[arg-type]
        except OverflowError:  # an int too large for a float
            number = math.inf
    if not 0 <= number < math.inf:
        raise HyperparameterError(
            f"learning_rate: expected the schedule {learning_rate.name} to give a non-negative "
            f"finite number, got {rate!r} at step {count}"
        )
    return number


@functools.lru_cache(maxsize=256)
def _constant_rate(learning_rate: float, dtype: np.dtype[Any]) -> Any:
    with np.errstate(over="ignore"):  # 1e300 is inf in float32, as NumPy casts it
        rate = np.array(learning_rate, dtype)
    rate.setflags(write=False)
    return rate


def _step_size(learning_rate: LearningRate, count: int, dtype: np.dtype[Any]) -> Any:
    """The learning rate at step ``count`` as an operand for ``dtype``.

    A constant rate is a cached 0-d array of the parameters' dtype: the same
    number NumPy would cast a Python float to, without the cast on every call
    (a third of the cost of an operation on a small array).

    Examples:
        >>> _step_size(0.5, 7, np.dtype(np.float32)).dtype
        dtype('float32')
    """
    if isinstance(learning_rate, Schedule):
        return _lr(learning_rate, count)
    return _constant_rate(learning_rate, dtype)


def _scaled_step(
    p: Matrix[F], g: Matrix[F], square: Matrix[F], rate: float, eps: float
) -> Matrix[F]:
    """``p - rate * g / (sqrt(square) + eps)`` as a new read-only array.

    One scratch array holds the step; ``rate`` and ``eps`` are Python floats,
    so a float32 network computes in float32.
    """
    step: Matrix[F] = np.sqrt(square)
    step += eps
    np.divide(g, step, out=step)
    step *= rate
    new: Matrix[F] = p - step
    return new


def _average_square(old: Matrix[F], g: Matrix[F], keep: float) -> Matrix[F]:
    """``keep * old + (1 - keep) * g^2`` as a new read-only array."""
    out: Matrix[F] = g * g
    out *= 1 - keep
    out += old * keep
    return out


def _velocity(old: Matrix[F], g: Matrix[F], beta: float) -> Matrix[F]:
    """``beta * old + g`` as a new read-only array."""
    out: Matrix[F] = old * beta
    out += g
    return out


def sgd_update(
    learning_rate: LearningRate,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    return descend(p, g, _step_size(learning_rate, count, p.dtype)), ()


def momentum_update(
    learning_rate: LearningRate,
    beta: float,
    nesterov: bool,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    (old,) = moments
    v = _velocity(old, g, beta)
    step: Matrix[F] = g + beta * v if nesterov else v
    return descend(p, step, _step_size(learning_rate, count, p.dtype)), (v,)


def rmsprop_update(
    learning_rate: LearningRate,
    rho: float,
    eps: float,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    (old,) = moments
    square = _average_square(old, g, rho)
    return _scaled_step(p, g, square, _lr(learning_rate, count), eps), (square,)


def adam_update(
    learning_rate: LearningRate,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    rate = _lr(learning_rate, count)
    t = count + 1
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    old_mean, old_square = moments
    # Bias correction folded into the step size and eps (exact algebra):
    # (m / c1) / (sqrt(v / c2) + e) = (sqrt(c2) / c1) * m / (sqrt(v) + e sqrt(c2)).
    # math.sqrt keeps them Python floats: numpy scalars would upcast float32.
    rate_t = rate * math.sqrt(c2) / c1
    eps_t = eps * math.sqrt(c2)
    decay = rate * weight_decay
    start = p
    if decay and decayed is True:
        start = p * (1 - decay)
    elif decay and decayed is not False:
        # the packed parameters: the weights' entries scaled as above, the biases' kept
        kind = p.dtype.type
        start = p * np.where(decayed, kind(1 - decay), kind(1))
    # Three new arrays, the moments and the parameters, and no other temporary
    # (benchmarks: digits, fnmlp train, Adam at half the passes' allocations),
    # written block by block on several cores when they are large.
    args = (beta1, beta2, rate_t, eps_t)
    if g.size < _threads.THRESHOLD:  # (rows' own test, made here to save its calls)
        return _adam_into(g, old_mean, old_square, start, None, None, None, *args)
    mean: Matrix[F] = np.empty_like(g)
    square: Matrix[F] = np.empty_like(g)
    new: Matrix[F] = np.empty_like(g)
    _threads.rows(_adam_into, g, old_mean, old_square, start, mean, square, new, *args, axis=1)
    return new, (mean, square)


def _adam_into(
    g: Matrix[F],
    old_mean: Matrix[F],
    old_square: Matrix[F],
    start: Matrix[F],
    mean: Matrix[F] | None,
    square: Matrix[F] | None,
    new: Matrix[F] | None,
    beta1: float,
    beta2: float,
    rate_t: float,
    eps_t: float,
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    """Adam's step: ``(new, (mean, square))``, into the arrays given or into new ones (``None``).

    The step is worked out in ``new``: no other temporary.
    """
    # outputs passed by position: NumPy parses them faster than ``out=``
    mean = np.multiply(g, 1 - beta1, mean)
    new = np.multiply(old_mean, beta1, new)
    np.add(mean, new, mean)
    square = np.multiply(g, g, square)
    np.multiply(square, 1 - beta2, square)
    np.multiply(old_square, beta2, new)
    np.add(square, new, square)
    np.sqrt(square, new)
    np.add(new, eps_t, new)
    np.divide(mean, new, new)
    np.multiply(new, rate_t, new)
    np.subtract(start, new, new)
    return new, (mean, square)


def global_norm(g: Matrix[Any]) -> float:
    """The Euclidean norm of the whole gradient, ``sqrt(sum g^2)``, as a Python float.

    One ``np.vdot`` in ``g``'s own dtype; only if that overflows (entries
    beyond about ``1.8e19`` in float32, ``1.3e154`` in float64) is it taken
    again on ``g`` divided by its largest magnitude, so that a float32
    network neither overflows nor pays for a float64 copy.

    Examples:
        >>> import numpy as np
        >>> global_norm(np.array([[3.0, 4.0]]))
        5.0
        >>> print(f"{global_norm(np.array([[3e20, 4e20]], np.float32)):.4g}")
        5e+20
    """
    with np.errstate(over="ignore", invalid="ignore"):
        square = float(np.vdot(g, g))
        if math.isfinite(square):
            return math.sqrt(square)
        top = float(np.max(np.abs(g)))
        if not math.isfinite(top) or top == 0:
            return top
        scaled = g / g.dtype.type(top)
        return top * math.sqrt(float(np.vdot(scaled, scaled)))


def clip_norm(max_norm: float, g: Matrix[F]) -> Matrix[F]:
    norm = global_norm(g)
    if norm <= max_norm:  # also a NaN norm: the step's checks report a non-finite gradient
        return g
    clipped: Matrix[F] = g * (max_norm / norm)  # a Python float keeps float32 float32
    return clipped


@functools.lru_cache(maxsize=256)
def _bounds(max_value: float, dtype: np.dtype[Any]) -> tuple[Any, Any]:
    with np.errstate(over="ignore"):  # 1e300 is inf in float32: no clipping, as it should be
        high = np.array(max_value, dtype)
    low = -high
    high.setflags(write=False)
    low.setflags(write=False)
    return low, high


def clip_value(max_value: float, g: Matrix[F]) -> Matrix[F]:
    low, high = _bounds(max_value, g.dtype)
    clipped: Matrix[F] = np.clip(g, low, high)
    return clipped


def _transformed(transform: Transform, g: Matrix[F]) -> Matrix[F]:
    """``transform`` applied to the read-only ``g``: a read-only array of its shape and dtype."""
    try:
        new: object = transform.apply(g)
    except ValueError as error:
        if "read-only" not in str(error):
            raise
        raise HyperparameterError(
            f"optimizer: expected the transform {transform.name} to return a new array and "
            f"write into none of its arguments, got one that writes into them ({error})"
        ) from None
    if new is g:
        return g
    if not isinstance(new, np.ndarray) or new.shape != g.shape or new.dtype != g.dtype:
        got = f"{new.shape} {new.dtype}" if isinstance(new, np.ndarray) else type(new).__name__
        raise (ShapeError if getattr(new, "shape", None) != g.shape else DTypeError)(
            f"optimizer: expected the transform {transform.name} to return an array of shape "
            f"{g.shape} {g.dtype} like the gradient, got {got}"
        )
    locked: Matrix[F] = lock(new)
    return locked


def chain_update(
    transforms: tuple[Transform, ...],
    update: Update,
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    for transform in transforms:
        g = _transformed(transform, g)
    return update(p, g, moments, count, decayed)
