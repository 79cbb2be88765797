"""``update`` and the arithmetic of gradients: ``add_grads`` and ``scale_grads``.

A step of plain gradient descent on the packed parameters is one call,
``theta - learning_rate * g`` (:func:`descend`), shared with SGD's rule and
``train``; its large passes are split over the cores.

Examples:
    >>> import numpy as np
    >>> from fnmlp import backward, binary_cross_entropy, forward, init, sigmoid
    >>> X, Y = np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])
    >>> params = init([1, 1], output=sigmoid, seed=0)
    >>> grads = add_grads(*(backward(params, forward(params, X)[1], Y, binary_cross_entropy),) * 2)
    >>> twice = update(params, scale_grads(grads, 0.5), learning_rate=0.1)
    >>> once = update(params, backward(params, forward(params, X)[1], Y, binary_cross_entropy), 0.1)
    >>> bool(np.array_equal(twice.theta, once.theta))
    True
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from fnmlp import _threads
from fnmlp._checks import check_grads, check_params
from fnmlp._validate import all_finite, first_nonfinite, positive_float
from fnmlp.aliases import F, Matrix
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError
from fnmlp.records import Grads, Params, grads_of, lock, params_of

__all__ = ["add_grads", "check_step", "descend", "scale_grads", "update"]


def add_grads(*grads: Grads[F]) -> Grads[F]:
    """The sum of gradients of one architecture, added in a fixed pairwise order.

    ``add_grads(a, b, c, d)`` is ``(a + b) + (c + d)``, whatever the machine,
    so shards summed in the same order give bit-identical results.

    Raises:
        ShapeError, DTypeError: for gradients of different architectures or dtypes.
        HyperparameterError: when given none.
        NonFiniteError: if the sum overflows the dtype.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init
        >>> params = init([1, 1], seed=0)
        >>> one = Grads(dW=(np.ones((1, 1)),), db=(np.ones((1, 1)),))
        >>> print(add_grads(one, one, one).g, add_grads(Grads.zeros(params), one).g)
        [[3. 3.]] [[1. 1.]]
    """
    if not grads:
        raise HyperparameterError("grads: expected at least one Grads, got none")
    first = grads[0]
    if not isinstance(first, Grads):
        raise DTypeError(f"grads[0]: expected fnmlp Grads, got {type(first).__name__}")
    reference: Params[F] = params_of(first.g, first.structure, ())
    for i, other in enumerate(grads[1:], 1):
        check_grads(reference, other, f"grads[{i}]")
    total = pairwise_sum([g.g for g in grads])
    if total is first.g:
        return first
    if not all_finite(total):
        raise NonFiniteError(
            f"grads: expected gradients whose sum is finite, got {len(grads)} whose sum "
            f"overflows {total.dtype} (up to {max(float(np.abs(g.g).max()) for g in grads):.3g} "
            f"each): scale them first (scale_grads)"
        )
    return grads_of(lock(total), first.structure)


def pairwise_sum(arrays: Sequence[Matrix[F]]) -> Matrix[F]:
    """``(a + b) + (c + d)`` of ``arrays`` (the first itself when alone), without checks or warnings.

    The order of :func:`add_grads`; a training loop adds its shards' packed
    gradients with it and checks the parameters they lead to.

    Examples:
        >>> print(pairwise_sum([np.ones((1, 2)), np.ones((1, 2)), np.ones((1, 2))]))
        [[3. 3.]]
    """
    level = list(arrays)
    with np.errstate(all="ignore"):
        while len(level) > 1:
            pairs = [np.add(level[k], level[k + 1]) for k in range(0, len(level) - 1, 2)]
            level = pairs + ([level[-1]] if len(level) % 2 else [])
    return level[0]


def scale_grads(grads: Grads[F], factor: float) -> Grads[F]:
    """``factor * grads``, a new :class:`~fnmlp.Grads`.

    Examples:
        >>> import numpy as np
        >>> one = Grads(dW=(np.ones((1, 1)),), db=(np.ones((1, 1)),))
        >>> print(scale_grads(one, 0.5).g)
        [[0.5 0.5]]
    """
    if not isinstance(grads, Grads):
        raise DTypeError(f"grads: expected fnmlp Grads, got {type(grads).__name__}")
    if isinstance(factor, bool) or not isinstance(factor, (int, float, np.floating)):
        raise HyperparameterError(f"factor: expected a real number, got {factor!r:.60}")
    if not np.isfinite(factor):
        raise HyperparameterError(f"factor: expected a finite number, got {factor!r}")
    with np.errstate(all="ignore"):  # an overflow is refused below, not warned about
        g: Matrix[F] = grads.g * np.asarray(factor, grads.structure.dtype)
    if not all_finite(g):
        raise NonFiniteError(
            f"factor: expected a factor that keeps the gradient finite, got {factor!r}"
        )
    return grads_of(lock(g), grads.structure)


@functools.cache
def _rate(learning_rate: float, dtype: np.dtype[Any]) -> Any:
    rate = np.asarray(learning_rate, dtype)
    rate.setflags(write=False)
    return rate


def descend(theta: Matrix[F], g: Matrix[F], rate: Any) -> Matrix[F]:
    """``theta - rate * g`` as a new array (``rate`` a float or a 0-d array of the dtype)."""
    if g.size < _threads.THRESHOLD:  # (rows' own test, made here to save two calls)
        return _descend_into(theta, g, None, rate)
    new: Matrix[F] = np.empty_like(g)
    _threads.rows(_descend_into, theta, g, new, rate, axis=1)
    return new


def _descend_into(theta: Matrix[F], g: Matrix[F], out: Matrix[F] | None, rate: Any) -> Matrix[F]:
    """``theta - rate * g`` into ``out``, or into a new array when ``out`` is ``None``."""
    step: Matrix[F] = np.multiply(g, rate, out)
    np.subtract(theta, step, step)
    return step


def check_step(params: Params[Any], name: str, value: object) -> None:
    """Raise ``NonFiniteError`` if an update made a parameter NaN or inf, naming the layer.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, linear
        >>> finite = Params((Layer(np.ones((1, 1)), np.zeros((1, 1)), linear),))
        >>> print(check_step(finite, "learning_rate", 0.1))
        None
    """
    if all_finite(params.theta):
        return
    bad = first_nonfinite([p for layer in params.layers for p in (layer.W, layer.b)])
    i, field = (bad[0] // 2, "W" if bad[0] % 2 == 0 else "b") if bad else (0, "W")
    raise NonFiniteError(
        f"{name}: expected a step that keeps the parameters finite, got {value!r}, which "
        f"made layer {i + 1}'s {field} hold {bad[1] if bad else 'nan'}; use a smaller step"
    )


def update(params: Params[F], grads: Grads[F], learning_rate: float) -> Params[F]:
    """One step of plain gradient descent: ``W - learning_rate * dW``, ``b - learning_rate * db``.

    Args:
        params: the network.
        grads: gradients of the same architecture.
        learning_rate: a positive finite step size.

    Returns:
        New :class:`~fnmlp.Params`; ``params`` is unchanged.

    Raises:
        ShapeError: if ``grads`` belongs to another architecture.
        DTypeError: if ``grads`` is of another dtype.
        HyperparameterError: for a learning rate that is not positive and finite.
        NonFiniteError: if the step overflows a parameter.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, linear
        >>> params = Params((Layer(np.ones((1, 1)), np.zeros((1, 1)), linear),))
        >>> grads = Grads(dW=(np.full((1, 1), 2.0),), db=(np.ones((1, 1)),))
        >>> new = update(params, grads, learning_rate=0.5)
        >>> print(new.layers[0].W, new.layers[0].b, params.layers[0].W)
        [[0.]] [[-0.5]] [[1.]]
    """
    check_params(params)
    check_grads(params, grads)
    lr = positive_float(learning_rate, "learning_rate")
    with np.errstate(all="ignore"):
        theta = descend(params.theta, grads.g, _rate(lr, params.dtype))
    new = params_of(lock(theta), params.structure, params.activations)
    check_step(new, "learning_rate", lr)
    return new
