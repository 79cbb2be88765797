"""The argument checks of the stages: params, inputs, targets, weights, dropout and grads.

What :mod:`fnmlp.propagation`, :mod:`fnmlp.training`, :mod:`fnmlp.metrics`,
:mod:`fnmlp.optimisers` and :mod:`fnmlp.gradcheck` share to turn a user's
arguments into checked, read-only arrays, or into a clear fnmlp error naming
the argument, before any kernel runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp import _kernels
from fnmlp._validate import as_data, describe, freeze, positive_float
from fnmlp.aliases import F, Inputs, Matrix, Targets
from fnmlp.errors import DTypeError, HyperparameterError, ShapeError
from fnmlp.initialisers import check_fits
from fnmlp.losses import Loss
from fnmlp.records import Grads, Params

__all__ = [
    "check_dropout",
    "check_grads",
    "check_inputs",
    "check_output_for",
    "check_params",
    "check_pass_fits",
    "check_targets_for",
    "check_weights",
    "generator",
    "inputs_with_ones",
    "normalised",
]


def check_params(params: object, name: str = "params") -> None:
    """Raise ``DTypeError`` unless ``params`` is fnmlp :class:`~fnmlp.Params`.

    Examples:
        >>> check_params([1, 2])
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: params: expected fnmlp Params, got list
    """
    if not isinstance(params, Params):
        raise DTypeError(f"{name}: expected fnmlp Params, got {type(params).__name__}")


def _check_rows(params: Params[Any], data: Matrix[Any], name: str) -> None:
    n_x = params.dims[0]
    if data.shape[0] != n_x:
        hint = f"; the examples look like rows: pass {name}.T" if data.shape[1] == n_x else ""
        raise ShapeError(
            f"{name}: expected shape ({n_x}, m) with one column per example, got {data.shape}{hint}"
        )


def check_inputs(
    params: Params[F], X: npt.ArrayLike, name: str = "X", *, copy: bool = True
) -> Inputs[F]:
    """``X`` as an array of ``params``' dtype with ``n_x`` rows, or a clear error.

    A read-only copy, or with ``copy=False`` a read-only view of an ``X`` that
    already has the dtype (for a caller that keeps nothing of it).

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init
        >>> check_inputs(init([3, 1], seed=0), np.zeros((5, 3)))
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: X: expected shape (3, m) with one column per example, got (5, 3); the examples look like rows: pass X.T
    """
    check_params(params)
    data: Inputs[F] = as_data(X, name, params.dtype, copy=copy)
    _check_rows(params, data, name)
    return freeze(data)


def inputs_with_ones(params: Params[F], X: npt.ArrayLike, name: str = "X") -> Matrix[F]:
    """``[X; 1]``: a new ``(n_x + 1, m)`` array of ``X``, checked as :func:`check_inputs`, and ones.

    Examples:
        >>> from fnmlp import init
        >>> print(inputs_with_ones(init([1, 1], seed=0), [[2, 3]]))
        [[2. 3.]
         [1. 1.]]
    """
    check_params(params)
    data = as_data(X, name, params.dtype, copy=False)
    _check_rows(params, data, name)
    X1 = _kernels.with_ones(data)  # C-ordered whatever X's order: the same bits as train's
    X1[:-1] = data
    return X1


def check_targets_for(
    params: Params[F], Y: npt.ArrayLike, m: int, kind: Loss, name: str = "Y", *, copy: bool = True
) -> Targets[F]:
    """``Y`` as an array of shape ``(n_y, m)`` in ``params``' dtype, in ``kind``'s range.

    A read-only copy, or with ``copy=False`` a read-only view as in :func:`check_inputs`.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import binary_cross_entropy, init
        >>> check_targets_for(init([3, 1], seed=0), np.zeros((4, 1)), 4, binary_cross_entropy)
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: Y: expected shape (1, 4) (n_y outputs, m examples), got (4, 1); the examples look like rows: pass Y.T
    """
    if not isinstance(kind, Loss):
        raise DTypeError(f"kind: expected an fnmlp Loss, got {type(kind).__name__}")
    data: Targets[F] = as_data(Y, name, params.dtype, copy=copy)
    n_y = params.dims[-1]
    if data.shape != (n_y, m):
        hint = f"; the examples look like rows: pass {name}.T" if data.shape == (m, n_y) else ""
        if n_y > 1 and data.shape == (1, m):
            hint = f"; for class labels pass fnmlp.one_hot({name}, {n_y})"
        raise ShapeError(
            f"{name}: expected shape {(n_y, m)} (n_y outputs, m examples), got {data.shape}{hint}"
        )
    kind.check(data, name)
    return freeze(data)


def check_weights(
    sample_weight: npt.ArrayLike | None,
    m: int,
    dtype: np.dtype[Any],
    name: str = "sample_weight",
    *,
    normalise: bool = True,
) -> Matrix[Any] | None:
    """Per-example weights as a read-only ``(1, m)`` array of ``dtype``, or ``None`` for none.

    Weighted means are scale-invariant, so unless ``normalise`` is false the
    weights are multiplied by the power of two that brings the largest into
    ``[1, 2)``: their sum cannot overflow (``1e37`` weights in float32 would),
    and each weight's ratio to any other, and so every weighted mean, is the
    same to the bit (a power of two scales exactly, short of subnormals).

    Raises:
        ShapeError: unless there is one weight per example.
        HyperparameterError: for a negative weight or weights summing to 0.

    Examples:
        >>> import numpy as np
        >>> print(check_weights([1, 3], 2, np.dtype(np.float64)))
        [[0.5 1.5]]
        >>> print(check_weights([1e37, 3e37], 2, np.dtype(np.float32)))
        [[0.47019774 1.4105933 ]]
        >>> print(check_weights([1, 3], 2, np.dtype(np.float64), normalise=False))
        [[1. 3.]]
        >>> check_weights([1, -1], 2, np.dtype(np.float64))
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: sample_weight: expected non-negative weights, got -1.0 at example 1
    """
    if sample_weight is None:
        return None
    raw = np.asarray(sample_weight)
    if raw.ndim == 2 and raw.shape[0] == 1:
        raw = raw[0]
    if raw.ndim != 1 or raw.shape[0] != m:
        raise ShapeError(
            f"{name}: expected one weight per example, shape ({m},), got shape {raw.shape}"
        )
    weights = as_data(raw.reshape(1, m), name, dtype)
    if np.minimum.reduce(weights, None) < 0:
        j = int(np.argmin(weights))
        raise HyperparameterError(
            f"{name}: expected non-negative weights, got {weights[0, j]} at example {j}"
        )
    # the largest, not the sum, which may overflow: the weights are non-negative
    if not np.maximum.reduce(weights, None) > 0:
        raise HyperparameterError(f"{name}: expected weights with a positive sum, got all zeros")
    return freeze(normalised(weights) if normalise else weights)


def normalised(weights: Matrix[F]) -> Matrix[F]:
    """``weights`` times the power of two that brings the largest into ``[1, 2)`` (exact).

    Examples:
        >>> import numpy as np
        >>> print(normalised(np.array([[0.0, 3.0, 12.0]])))
        [[0.    0.375 1.5  ]]
    """
    _, exponent = np.frexp(np.maximum.reduce(weights, None))
    if exponent == 1:  # the largest already in [1, 2)
        return weights
    scaled: Matrix[F] = np.ldexp(weights, 1 - exponent)
    return scaled


def check_dropout(params: Params[Any], dropout: object, name: str = "dropout") -> tuple[float, ...]:
    """Dropout rates as one float in ``[0, 1)`` per hidden layer (empty when every rate is 0).

    ``dropout`` is one rate for every hidden layer, or a sequence of one rate
    per hidden layer (the output layer is never dropped).

    Examples:
        >>> from fnmlp import init
        >>> check_dropout(init([2, 4, 4, 1]), 0.25)
        (0.25, 0.25)
        >>> check_dropout(init([2, 4, 1]), [1.0])
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: dropout[0]: expected a rate in [0, 1), got 1.0
    """
    hidden = len(params.dims) - 2
    if dropout is None:
        return ()
    if isinstance(dropout, (list, tuple)):
        if len(dropout) != hidden:
            raise ShapeError(
                f"{name}: expected one rate per hidden layer ({hidden}), got {len(dropout)}"
            )
        rates: list[object] = list(dropout)
        names = [f"{name}[{i}]" for i in range(hidden)]
    else:
        rates, names = [dropout] * hidden, [name] * hidden
    checked = []
    for rate, label in zip(rates, names):
        number = positive_float(rate, label, allow_zero=True)
        if number >= 1:
            raise HyperparameterError(f"{label}: expected a rate in [0, 1), got {rate!r}")
        checked.append(number)
    return tuple(checked) if any(checked) else ()


def generator(rng: object, name: str = "rng") -> np.random.Generator:
    """``rng`` as a ``numpy.random.Generator``: a Generator itself, or a seed for one.

    Examples:
        >>> generator("a")
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: rng: expected a numpy.random.Generator or an int seed, got str 'a'
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise DTypeError(
        f"{name}: expected a numpy.random.Generator or an int seed, got {describe(rng)}"
    )


def check_output_for(params: Params[Any], kind: Loss, name: str = "loss") -> None:
    """Raise ``HyperparameterError`` for an output layer that ``kind`` cannot train.

    The cross-entropies take the logarithm of the output, so they need a
    layer whose outputs are probabilities (sigmoid, softmax): not ``relu``,
    ``leaky_relu``, ``tanh`` or ``linear``. A softmax of one unit is always 1
    and never learns. A loss that pairs with an elementwise activation
    (binary cross-entropy, whose ``fuses_with`` is sigmoid) scores each
    output as a probability of its own, which a non-elementwise output
    (softmax, ``Activation.elementwise`` False) is not: that pairing is
    refused too. Told apart by the records' fields, so a user's own loss or
    activation is judged alike.

    Examples:
        >>> from fnmlp import binary_cross_entropy, init, linear
        >>> check_output_for(init([2, 1], output=linear), binary_cross_entropy)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: loss: binary_cross_entropy expects probabilities from a sigmoid or softmax output layer, got a linear output layer (use mean_squared_error for outputs outside (0, 1))
        >>> from fnmlp import softmax
        >>> check_output_for(init([2, 3], output=softmax), binary_cross_entropy)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: loss: binary_cross_entropy scores each output as an independent probability (it pairs with sigmoid), got a softmax output layer, whose outputs share one distribution per example: use a sigmoid output for independent labels, or categorical_cross_entropy with softmax for one class per example
    """
    output = params.activations[-1]
    if kind.probabilities and not output.probability:
        raise HyperparameterError(
            f"{name}: {kind.name} expects probabilities from a sigmoid or softmax output layer, "
            f"got a {output.name} output layer (use mean_squared_error for outputs outside (0, 1))"
        )
    if not output.elementwise and params.dims[-1] == 1:
        raise HyperparameterError(
            f"{name}: expected an output layer that can learn, got a {output.name} of one unit, "
            f"which is always 1 (use sigmoid for one output, or one softmax unit per class)"
        )
    pairs = kind.fuses_with
    if not output.elementwise and pairs is not None and pairs.elementwise:
        raise HyperparameterError(
            f"{name}: {kind.name} scores each output as an independent probability (it pairs "
            f"with {pairs.name}), got a {output.name} output layer, whose outputs share one "
            f"distribution per example: use a sigmoid output for independent labels, or "
            f"categorical_cross_entropy with {output.name} for one class per example"
        )


def check_pass_fits(
    params: Params[Any], X: object, name: str = "X", *, batch_size: int | None = None
) -> None:
    """Raise ``ShapeError`` before a pass over ``X`` that this machine cannot hold.

    The policy of :func:`fnmlp.initialisers.check_fits` (at most half the
    physical memory at once), for the bytes a call will allocate, estimated
    from the layer sizes and the ``m`` examples of an ``X`` that is an array
    (nothing is read or copied first; a nested list already holds more than
    its array will). :func:`forward` keeps, for all ``m`` examples, a copy of
    ``X``, ``[X; 1]`` and every layer's ``Z`` and ``[A; 1]``.
    :func:`fnmlp.train` (``batch_size`` given, or ``m`` for full batch) keeps
    the data and an epoch's shuffled copy of it for all ``m`` examples, and
    every layer's values for one batch of ``batch_size`` at a time.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init
        >>> many = np.broadcast_to(np.zeros((2, 1)), (2, 10**13))  # no memory of its own
        >>> check_pass_fits(init([2, 3, 1], seed=0), many)
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: X: expected a number of examples whose forward pass fits in memory, got m = 10000000000000 examples through layers [2, 3, 1], needing about ...
    """
    check_params(params)
    if not (isinstance(X, np.ndarray) and X.ndim == 2):
        return
    n_x, m = X.shape
    dims, itemsize = params.dims, params.dtype.itemsize
    values = params.structure.units  # each layer's Z and [A; 1] (or A) per example
    n_y = dims[-1]
    batch = m if batch_size is None else min(batch_size, m)
    if batch_size is None:
        need = m * (n_x + (dims[0] + 1) + values) * itemsize
    else:
        need = (m * (2 * (dims[0] + 1) + 3 * n_y) + batch * (values + n_y)) * itemsize
    if need < 1 << 28:  # a quarter of a GiB fits on any machine fnmlp runs on
        return
    if batch_size is None:
        what = "a number of examples whose forward pass fits in memory"
        got = f"m = {m} examples through layers {list(dims)}"
    else:
        what = "data and a batch size whose training fits in memory"
        got = f"m = {m} examples in batches of {batch} through layers {list(dims)}"
    check_fits(need, name, what, got)


def check_grads(params: Params[F], grads: object, name: str = "grads") -> None:
    """Raise unless ``grads`` are :class:`~fnmlp.Grads` of ``params``' architecture and dtype.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init
        >>> check_grads(init([2, 4, 1], seed=0), Grads.zeros(init([2, 3, 1], seed=0)))
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: grads.dW[0] (layer 1): expected shape (4, 2) float64 like params, got (3, 2) float64
        >>> check_grads(init([2, 1], dtype=np.float32), Grads.zeros(init([2, 1])))
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: grads.dW[0] (layer 1): expected dtype float32 like params, got float64
    """
    if not isinstance(grads, Grads):
        raise DTypeError(f"{name}: expected fnmlp Grads, got {type(grads).__name__}")
    if grads.structure is params.structure:
        return
    layers = len(params.dims) - 1
    if len(grads.structure.dims) - 1 != layers:
        raise ShapeError(
            f"{name}: expected gradients for {layers} layers, got {len(grads.structure.dims) - 1}"
        )
    mine, theirs = params.structure.split(params.theta), grads.structure.split(grads.g)
    for i in range(layers):
        for field, k in (("dW", 0), ("db", 1)):
            g, p = theirs[k][i], mine[k][i]
            if g.shape != p.shape:
                raise ShapeError(
                    f"{name}.{field}[{i}] (layer {i + 1}): expected shape {p.shape} {p.dtype} "
                    f"like params, got {g.shape} {g.dtype}"
                )
    raise DTypeError(
        f"{name}.dW[0] (layer 1): expected dtype {params.dtype} like params, "
        f"got {grads.structure.dtype}"
    )
