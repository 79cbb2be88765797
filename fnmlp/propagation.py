"""``forward``, ``backward``, ``update`` and ``gradient``: the stages of learning, as pure functions.

Forward: ``Z[l] = W[l] @ A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``, ``A[0] = X``.

Backward, the ``1/m`` folded into the output delta:
``dZ[L] = (A[L] - Y) / m`` for sigmoid + binary cross-entropy and softmax +
categorical cross-entropy, ``dZ[L] = g'(Z[L]) * dJ/dA[L]`` otherwise;
``dW[l] = dZ[l] @ A[l-1].T``; ``db[l] = dZ[l].sum(axis=1, keepdims=True)``;
``dZ[l-1] = g'(Z[l-1]) * (W[l].T @ dZ[l])``. The gradient of the input
``A[0]`` is not computed: nothing needs it.

Each function checks what is new to it (raw arrays, and that a ``Cache`` or
``Grads`` fits the ``Params``) and runs the kernels of :mod:`fnmlp._kernels`,
the same ones :func:`fnmlp.train` folds over.

Examples:
    >>> import numpy as np
    >>> from fnmlp import backward, binary_cross_entropy, forward, init, loss, update
    >>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    >>> Y = np.array([[0, 1, 1, 0]])
    >>> params = init([2, 3, 1], seed=5)
    >>> Yhat, cache = forward(params, X)
    >>> grads = backward(params, cache, Y, binary_cross_entropy)
    >>> new = update(params, grads, learning_rate=1.0)
    >>> loss(forward(new, X)[0], Y, binary_cross_entropy) < loss(Yhat, Y, binary_cross_entropy)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp import _kernels

# Re-exports: the argument checks live in fnmlp._checks; the stages below use them and
# these names stay importable from fnmlp.propagation for the public modules that use them.
from fnmlp._checks import check_dropout as check_dropout
from fnmlp._checks import check_grads as check_grads
from fnmlp._checks import check_inputs as check_inputs
from fnmlp._checks import check_output_for as check_output_for
from fnmlp._checks import check_params as check_params
from fnmlp._checks import check_pass_fits as check_pass_fits
from fnmlp._checks import check_targets_for as check_targets_for
from fnmlp._checks import check_weights as check_weights
from fnmlp._checks import generator as generator
from fnmlp._checks import inputs_with_ones as inputs_with_ones
from fnmlp._validate import all_finite, first_nonfinite, positive_int
from fnmlp.aliases import Activations, F, Matrix, Outputs, Targets
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError
from fnmlp.losses import Loss
from fnmlp.records import Cache, Grads, Params, cache_of, grads_of, lock

# Re-exports: update and the gradients' arithmetic live in fnmlp.steps.
from fnmlp.steps import add_grads as add_grads
from fnmlp.steps import check_step as check_step
from fnmlp.steps import descend as descend
from fnmlp.steps import scale_grads as scale_grads
from fnmlp.steps import update as update

__all__ = [
    "add_grads",
    "backward",
    "forward",
    "gradient",
    "outputs",
    "scale_grads",
    "update",
    "value_and_gradient",
]


# ----------------------------------------------------------------------------- stages


def _overflow(kind: str, l: int, what: str) -> NonFiniteError:
    noun = "pre-activations" if kind == "Z" else "activations"
    return NonFiniteError(
        f"{kind}[{l}] (layer {l}): expected finite {noun}, got {what}; "
        f"the inputs or weights are too large: scale X"
    )


def _checked_forward(
    params: Params[F],
    X1: Matrix[F],
    *,
    pre_activations: bool,
    masks: tuple[Matrix[F] | None, ...] = (),
) -> tuple[list[Activations[F]], list[Matrix[F]], Outputs[F], Outputs[F]]:
    """The forward kernel, raising ``NonFiniteError`` for the first layer whose values overflow.

    A saturating unit may overflow its ``Z`` and still give the right, finite
    ``A`` (``sigmoid(inf) = 1``); only with ``pre_activations`` (a caller
    that hands the ``Z[l]`` on) must every ``Z`` be finite too.
    """
    Zs: list[Activations[F]]
    inputs: list[Matrix[F]]
    with np.errstate(all="ignore"):
        Zs, inputs, Z, A = _kernels.forward(params.blocks, params.activations, X1, masks=masks)
    # A non-finite A[l] makes Z[l+1] non-finite: with every Z finite, only A[L] is left.
    watched: list[Any] = [*Zs, Z, A] if pre_activations else [*inputs[1:], A]
    if all(map(all_finite, watched)):
        return Zs, inputs, Z, A
    # the slow path, to name the first layer that overflowed
    As: list[Any] = [x[:-1] for x in inputs[1:]] + [A]
    hidden: list[Any] = list(Zs)
    bad = first_nonfinite(As)
    bad_Z = first_nonfinite([*hidden, Z]) if pre_activations else None
    if bad_Z is not None and (bad is None or bad_Z[0] < bad[0]):
        raise _overflow("Z", bad_Z[0] + 1, bad_Z[1])
    if bad is not None:
        raise _overflow("A", bad[0] + 1, bad[1])
    return Zs, inputs, Z, A


def outputs(params: Params[F], X: npt.ArrayLike, name: str = "X") -> Outputs[F]:
    """``A[L]``, the network's output on ``X``, keeping no other layer's values.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, linear
        >>> layer = Layer(np.full((1, 1), 1e300), np.zeros((1, 1)), linear)
        >>> outputs(Params((layer,)), np.full((1, 1), 1e10))
        Traceback (most recent call last):
        ...
        fnmlp.errors.NonFiniteError: A[1] (layer 1): expected finite activations, got inf at index (0, 0); the inputs or weights are too large: scale X
    """
    X1 = inputs_with_ones(params, X, name)
    *_, A = _checked_forward(params, X1, pre_activations=False)
    return A


# ----------------------------------------------------------------------------- stages


def forward(
    params: Params[F],
    X: npt.ArrayLike,
    *,
    dropout: float | Sequence[float] | None = None,
    rng: np.random.Generator | int | None = None,
) -> tuple[Outputs[F], Cache[F]]:
    """Run the network on ``X`` and keep every ``Z[l]`` and ``A[l]``.

    Without ``dropout`` this is inference. With it, a training pass with
    inverted dropout: each hidden unit's output is zeroed with probability
    ``rate`` and the others scaled by ``1 / (1 - rate)`` (the rate rounded
    to a multiple of ``2**-16``, so that each mask entry's expected value
    is exactly 1), the masks drawn from ``rng`` and kept in the cache for
    :func:`backward`.

    Args:
        params: the network.
        X: inputs of shape ``(n_x, m)``, one column per example (ints and
            nested lists are converted to the network's dtype).
        dropout: one rate in ``[0, 1)`` for every hidden layer, or one per
            hidden layer.
        rng: the masks' random source (a ``numpy.random.Generator`` or a
            seed); required with a non-zero ``dropout``.

    Returns:
        ``(Yhat, cache)``: the output ``A[L]`` of shape ``(n_y, m)`` and the
        :class:`~fnmlp.Cache` of the pass, all read-only.

    Raises:
        ShapeError: if ``X`` is not ``(n_x, m)`` (rows-as-examples is named),
            or the pass would not fit in memory (:func:`check_pass_fits`).
        DTypeError, NonFiniteError: for non-numeric or non-finite ``X``.
        NonFiniteError: if a ``Z[l]`` or ``A[l]`` overflows (named with its layer).

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init
        >>> np.set_printoptions(precision=4)
        >>> params = init([2, 3, 1], seed=0)
        >>> Yhat, cache = forward(params, [[0, 1], [1, 0]])
        >>> print(Yhat)
        [[0.4684 0.6523]]
        >>> print(len(cache.Z), cache.Z[1].shape)
        3 (3, 2)
        >>> _, dropped = forward(init([2, 4, 1], seed=0), np.ones((2, 3)), dropout=0.5, rng=1)
        >>> print(dropped.masks[0])
        [[2. 0. 2.]
         [2. 2. 2.]
         [2. 2. 0.]
         [0. 2. 0.]]
    """
    check_pass_fits(params, X)
    try:
        X1 = inputs_with_ones(params, X)
        masks: tuple[Any, ...] = ()
        rates = check_dropout(params, dropout)
        if rates:
            if rng is None:
                raise HyperparameterError(
                    "rng: expected a numpy.random.Generator or a seed for the dropout masks, got None"
                )
            drawn = _kernels.dropout_masks(
                generator(rng), rates, params.dims, X1.shape[1], params.dtype
            )
            masks = tuple(None if mask is None else lock(mask) for mask in drawn)
        Zs, inputs, Z, A = _checked_forward(params, X1, pre_activations=True, masks=masks)
    except MemoryError:  # where this machine's memory is not known to check_pass_fits
        raise ShapeError(
            f"X: expected a number of examples whose forward pass fits in memory, got "
            f"m = {np.shape(X)[-1]} examples through layers {list(params.dims)}, which does not"
        ) from None
    hidden: list[Any] = list(Zs)
    cache: Cache[F] = cache_of(
        tuple(map(lock, (*hidden, Z))), tuple(map(lock, inputs)), lock(A), masks
    )
    return cache.A[-1], cache


def _scale(
    params: Params[F], m: int, total: int | None, sample_weight: npt.ArrayLike | None
) -> Any:
    """The factor replacing the mean's ``1/m``: ``None``, ``1/total`` or weights over their sum.

    Over their sum, the weights are normalised first (their sum cannot
    overflow); over ``total`` they are taken as given, ``total`` counting
    the same units.
    """
    weights = check_weights(sample_weight, m, params.dtype, normalise=total is None)
    if total is not None:
        total = positive_int(total, "total")
        if weights is None and total < m:
            raise HyperparameterError(
                f"total: expected at least the {m} examples given (the size of the whole "
                f"batch they belong to), got {total}"
            )
    if weights is None:
        return total  # an int: the mean's m exchanged for total
    denominator = weights.sum() if total is None else total
    return weights / np.asarray(denominator, params.dtype)


def _gradient(
    params: Params[F],
    Zs: Sequence[Activations[F]],
    inputs: Sequence[Matrix[F]],
    Z: Outputs[F],
    A: Outputs[F],
    Y: Targets[F],
    kind: Loss,
    scale: Any,
    masks: Sequence[Matrix[F] | None] = (),
) -> Grads[F]:
    """The checked :class:`Grads` of one kept forward pass."""
    structure = params.structure
    g: Matrix[F] = np.empty((1, structure.size), structure.dtype)
    with np.errstate(all="ignore"):
        dZ = _kernels.output_delta(kind, params.activations[-1], Z, A, Y, scale)
        blocks = structure.blocks(g)
        _kernels.backward(params.blocks, params.activations, Zs, inputs, dZ, blocks, masks=masks)
    if not all_finite(g):
        grads = grads_of(g, structure)
        bad = first_nonfinite([x for pair in zip(grads.dW, grads.db) for x in pair])
        i, field = (bad[0] // 2, "dW" if bad[0] % 2 == 0 else "db") if bad else (0, "dW")
        raise NonFiniteError(
            f"{field}[{i}] (layer {i + 1}): expected a finite gradient, got "
            f"{bad[1] if bad else 'nan'}; the inputs, targets or weights are too large: scale them"
        )
    return grads_of(lock(g), structure)


def backward(
    params: Params[F],
    cache: Cache[F],
    Y: npt.ArrayLike,
    kind: Loss,
    *,
    total: int | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> Grads[F]:
    """The gradient of ``kind``'s loss at ``cache``'s forward pass, for every parameter.

    Args:
        params: the network that produced ``cache``.
        cache: the :class:`~fnmlp.Cache` of ``forward(params, X)``.
        Y: targets of shape ``(n_y, m)``.
        kind: the :class:`~fnmlp.Loss` to differentiate.
        total: the size of the whole batch these ``m`` examples are a shard
            of: the output delta carries ``1/total`` instead of ``1/m``, so
            the shards' gradients add up (:func:`add_grads`) to the batch's.
        sample_weight: optional ``(m,)`` non-negative weights: the loss is then
            the weighted mean ``sum_j w_j J_j / sum_j w_j`` (over ``total``
            instead of ``sum_j w_j`` when given). Only their ratios count:
            any finite scale works (they are normalised before they are
            summed). Weights that are all zero are refused, the weighted
            mean of nothing (``train`` instead gives a mini-batch whose
            weights are all zero a zero gradient).

    Returns:
        :class:`~fnmlp.Grads` with ``dW[l-1]`` and ``db[l-1]`` for layer ``l``.

    Raises:
        ShapeError: if ``cache`` does not match ``params`` or ``Y`` is mis-shaped.
        DTypeError: if ``cache`` is of another dtype or ``kind`` is not a Loss.
        HyperparameterError: for a cross-entropy after an output layer that
            does not give probabilities (see :func:`check_output_for`), or
            for ``sample_weight`` with a negative weight or all zeros.
        LabelError: if ``Y`` is outside ``kind``'s range.
        NonFiniteError: if a gradient overflows.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import binary_cross_entropy, init, mean_squared_error
        >>> np.set_printoptions(precision=4)
        >>> params = init([2, 2, 1], seed=0)
        >>> X, Y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 0.0]])
        >>> _, cache = forward(params, X)
        >>> print(backward(params, cache, Y, binary_cross_entropy).db[1])
        [[0.0382]]
        >>> print(backward(params, cache, Y, mean_squared_error).db[1])
        [[0.0166]]
    """
    check_params(params)
    if not isinstance(cache, Cache):
        raise DTypeError(f"cache: expected an fnmlp Cache, got {type(cache).__name__}")
    dims = params.dims
    if len(cache.A) != len(dims) or any(a.shape[0] != n for a, n in zip(cache.A, dims)):
        got = [(a.shape[0], str(a.dtype)) for a in cache.A]
        raise ShapeError(
            f"cache: expected the values of a forward pass through {list(dims)} in "
            f"{params.dtype}, got layers (units, dtype) {got}"
        )
    if cache.A[0].dtype != params.dtype:  # the Cache's arrays share one dtype
        raise DTypeError(
            f"cache: expected the values of a forward pass in {params.dtype} like params, "
            f"got {cache.A[0].dtype}"
        )
    if not isinstance(kind, Loss):
        raise DTypeError(f"kind: expected an fnmlp Loss, got {type(kind).__name__}")
    check_output_for(params, kind, "kind")
    m = cache.A[0].shape[1]
    targets = check_targets_for(params, Y, m, kind, copy=False)  # read only during this call
    scale = _scale(params, m, total, sample_weight)
    return _gradient(
        params,
        cache.Z[1:-1],
        cache.inputs,
        cache.Z[-1],
        cache.A[-1],
        targets,
        kind,
        scale,
        cache.masks,
    )


def value_and_gradient(
    params: Params[F],
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    kind: Loss,
    *,
    total: int | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> tuple[float, Grads[F]]:
    """The loss of ``params`` on ``(X, Y)`` and its gradient, without keeping a :class:`Cache`.

    The loss is measured as training measures it (from the logits where the
    output and loss fuse). With ``total``, both the loss and the gradient are
    sums over this shard divided by ``total``, so the shards of a batch add up
    to the batch's mean; ``sample_weight`` as in :func:`backward`.

    Args:
        params: the network.
        X: inputs ``(n_x, m)``.
        Y: targets ``(n_y, m)``.
        kind: the :class:`~fnmlp.Loss`.
        total: the size of the whole batch ``X`` is a shard of.
        sample_weight: optional per-example weights, shape ``(m,)``, as in
            :func:`backward` (all zeros are refused).

    Returns:
        ``(loss, grads)``.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import add_grads, init, mean_squared_error
        >>> params = init([2, 3, 1], seed=0)
        >>> X, Y = np.arange(8.0).reshape(2, 4) / 8, np.ones((1, 4))
        >>> J, whole = value_and_gradient(params, X, Y, mean_squared_error)
        >>> J1, left = value_and_gradient(params, X[:, :1], Y[:, :1], mean_squared_error, total=4)
        >>> J2, right = value_and_gradient(params, X[:, 1:], Y[:, 1:], mean_squared_error, total=4)
        >>> bool(np.isclose(J, J1 + J2)), bool(np.allclose(whole.g, add_grads(left, right).g))
        (True, True)
    """
    check_params(params)
    if not isinstance(kind, Loss):
        raise DTypeError(f"kind: expected an fnmlp Loss, got {type(kind).__name__}")
    check_output_for(params, kind, "kind")
    X1 = inputs_with_ones(params, X)
    m = X1.shape[1]
    targets = check_targets_for(params, Y, m, kind, copy=False)
    scale = _scale(params, m, total, sample_weight)
    Zs, inputs, Z, A = _checked_forward(params, X1, pre_activations=False)
    with np.errstate(all="ignore"):
        J = _kernels.value(kind, params.activations[-1], Z, A, targets, scale)
    if not np.isfinite(J):
        raise NonFiniteError(
            f"Y: expected targets and outputs whose {kind.name} is finite, got {J}; "
            f"scale the targets or the inputs"
        )
    return J, _gradient(params, Zs, inputs, Z, A, targets, kind, scale)


def gradient(
    params: Params[F],
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    kind: Loss,
    *,
    total: int | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> Grads[F]:
    """The gradient of ``kind``'s loss of ``params`` on ``(X, Y)``: :func:`value_and_gradient`'s.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import binary_cross_entropy, init
        >>> params = init([2, 3, 1], seed=0)
        >>> X, Y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 0.0]])
        >>> _, cache = forward(params, X)
        >>> bool(np.array_equal(gradient(params, X, Y, binary_cross_entropy).g,
        ...                      backward(params, cache, Y, binary_cross_entropy).g))
        True
    """
    return value_and_gradient(params, X, Y, kind, total=total, sample_weight=sample_weight)[1]
