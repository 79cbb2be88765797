"""``forward``, ``backward`` and ``update``: one step of gradient descent, as pure functions.

Forward: ``Z[l] = W[l] @ A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``, ``A[0] = X``.

Backward, the ``1/m`` folded into the output delta:
``dZ[L] = (A[L] - Y) / m`` for sigmoid + binary cross-entropy and softmax +
categorical cross-entropy, ``dZ[L] = g'(Z[L]) * dJ/dA[L]`` otherwise;
``dW[l] = dZ[l] @ A[l-1].T``; ``db[l] = dZ[l].sum(axis=1, keepdims=True)``;
``dZ[l-1] = g'(Z[l-1]) * (W[l].T @ dZ[l])``. The gradient of the input
``A[0]`` is not computed: nothing needs it.

The public functions check their arguments once; the ``_``-prefixed kernels
work on plain tuples of arrays. :func:`fnmlp.train` runs the same maths in
the packed layout of :mod:`fnmlp.packed`.

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

from fnmlp.activations import Activation, leaky_relu, linear, relu, tanh
from fnmlp.aliases import (
    Activations,
    Bias,
    Deltas,
    F,
    Inputs,
    Matrix,
    Outputs,
    Targets,
    Weights,
)
from fnmlp.checks import all_finite, as_data, freeze, positive_float
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError
from fnmlp.losses import Loss, check_targets, fuses
from fnmlp.records import Cache, Grads, Layer, Params, _build, lock

__all__ = [
    "backward",
    "check_inputs",
    "check_output_for",
    "check_targets_for",
    "checked_forward",
    "forward",
    "update",
]


# ----------------------------------------------------------------------------- kernels
#
# The kernels behind the public functions (``train`` steps in the packed
# layout of :mod:`fnmlp.packed`): no checks, no records beyond the layers,
# and as few numpy calls as the maths allows. ``a.dot(b)``
# costs half of ``a @ b`` on small arrays (no ufunc dispatch) and the same
# BLAS call on large ones; a bias gradient is a product with a column of ones,
# one BLAS call like ``dW``. Every array a kernel writes into with ``out=`` or
# an in-place operator is one it has just allocated itself.


def _layer(W: Weights[F], b: Bias[F], activation: Activation) -> Layer[F]:
    """A :class:`Layer` of arrays fnmlp computed and froze, without copies or checks."""
    layer: Layer[F] = object.__new__(Layer)
    object.__setattr__(layer, "W", W)
    object.__setattr__(layer, "b", b)
    object.__setattr__(layer, "activation", activation)
    return layer


def _params(layers: tuple[Layer[F], ...]) -> Params[F]:
    """:class:`Params` of layers fnmlp built, without checks."""
    params: Params[F] = object.__new__(Params)
    object.__setattr__(params, "layers", layers)
    return params


def _descend(p: Matrix[F], g: Matrix[F], rate: Any) -> Matrix[F]:
    """``p - rate * g`` as a new read-only array; ``rate`` a float or :func:`_scalar`."""
    new: Matrix[F] = g * rate
    np.subtract(p, new, new)
    new.setflags(write=False)
    return new


def _scalar(value: float, dtype: np.dtype[Any]) -> Any:
    """``value`` as a 0-d array of ``dtype``: a cheaper operand than a Python float.

    NumPy casts a Python float to the array's dtype; a 0-d array of that very
    dtype gives the same result without the conversion on every call (and,
    being of the network's dtype, never upcasts float32).
    """
    return np.array(value, dtype)


def _ones(m: int, dtype: np.dtype[F]) -> Matrix[F]:
    """A column of ``m`` ones: ``dZ.dot(_ones(m))`` sums the rows of ``dZ``."""
    ones: Matrix[F] = np.empty((m, 1), dtype)
    ones.fill(1.0)
    return ones


def _forward(
    layers: Sequence[Layer[F]], X: Inputs[F]
) -> tuple[list[Activations[F]], list[Activations[F]]]:
    """``(Z, A)`` lists of length ``L + 1`` with ``Z[0] = A[0] = X``."""
    Zs = [X]
    As = [X]
    A = X
    for layer in layers:
        Z: Activations[F] = layer.W.dot(A)
        Z += layer.b
        A = layer.activation.fn(Z)
        Zs.append(Z)
        As.append(A)
    return Zs, As


def _outputs(layers: Sequence[Layer[F]], X: Inputs[F]) -> tuple[Outputs[F], Outputs[F]]:
    """``(Z[L], A[L])``: a forward pass that drops each layer's values once used."""
    Z = A = X
    for layer in layers:
        Z = layer.W.dot(A)
        Z += layer.b
        A = layer.activation.fn(Z)
    return Z, A


def _output_delta(
    layer: Layer[F], Z: Activations[F], A: Outputs[F], Y: Targets[F], kind: Loss
) -> Matrix[F]:
    """``dZ[L]``: fused ``(A - Y) / m`` where the pair allows, the chain rule otherwise."""
    if fuses(kind, layer.activation):
        dZ: Matrix[F] = A - Y
        dZ /= float(Y.shape[1])
        return dZ
    return layer.activation.derivative(Z, A, kind.gradient(A, Y))


def _deltas(
    layers: Sequence[Layer[F]],
    Zs: Sequence[Activations[F]],
    As: Sequence[Activations[F]],
    Y: Targets[F],
    kind: Loss,
) -> list[Deltas[F]]:
    """``[dZ[1], ..., dZ[L]]``, the loss's gradient with respect to every ``Z[l]``."""
    L = len(layers)
    dZ = _output_delta(layers[-1], Zs[L], As[L], Y, kind)
    dZs = [dZ]
    for l in range(L, 1, -1):
        dA: Deltas[F] = layers[l - 1].W.T.dot(dZ)
        dZ = layers[l - 2].activation.derivative(Zs[l - 1], As[l - 1], dA)
        dZs.append(dZ)
    dZs.reverse()
    return dZs


def _backward(
    layers: Sequence[Layer[F]],
    Zs: Sequence[Activations[F]],
    As: Sequence[Activations[F]],
    Y: Targets[F],
    kind: Loss,
) -> tuple[list[Weights[F]], list[Bias[F]]]:
    """``(dW, db)`` lists in layer order, from one forward pass's values.

    Each ``dZ[l]`` is dropped as soon as ``dZ[l-1]`` is made, so at most two
    are alive at once; the input gradient ``dA[0]`` is never computed.
    """
    L = len(layers)
    ones = _ones(Y.shape[1], Y.dtype)
    dWs: list[Weights[F]] = []
    dbs: list[Bias[F]] = []
    dZ = _output_delta(layers[-1], Zs[L], As[L], Y, kind)
    for l in range(L, 0, -1):
        dW: Weights[F] = dZ.dot(As[l - 1].T)
        db: Bias[F] = dZ.dot(ones)
        dWs.append(dW)
        dbs.append(db)
        if l > 1:
            dA: Deltas[F] = layers[l - 1].W.T.dot(dZ)
            dZ = layers[l - 2].activation.derivative(Zs[l - 1], As[l - 1], dA)
    dWs.reverse()
    dbs.reverse()
    return dWs, dbs


def _step_layers(
    layers: Sequence[Layer[F]],
    dWs: Sequence[Weights[F]],
    dbs: Sequence[Bias[F]],
    learning_rate: float,
) -> tuple[Layer[F], ...]:
    """``W - lr * dW`` and ``b - lr * db`` for every layer, as new layers of locked arrays."""
    rate = _scalar(learning_rate, layers[0].W.dtype)
    subtract = np.subtract
    out: list[Layer[F]] = []
    for layer, dW, db in zip(layers, dWs, dbs):  # _descend, inlined
        W: Weights[F] = dW * rate
        subtract(layer.W, W, W)
        b: Bias[F] = db * rate
        subtract(layer.b, b, b)
        out.append(_layer(lock(W), lock(b), layer.activation))
    return tuple(out)


# ----------------------------------------------------------------------------- checks


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
    if not isinstance(params, Params):
        raise DTypeError(f"params: expected fnmlp Params, got {type(params).__name__}")
    data: Inputs[F] = as_data(X, name, params.dtype, copy=copy)
    n_x = params.layers[0].W.shape[1]
    if data.shape[0] != n_x:
        hint = "; the examples look like rows: pass X.T" if data.shape[1] == n_x else ""
        hint = hint.replace("X", name)
        raise ShapeError(
            f"{name}: expected shape ({n_x}, m) with one column per example, got {data.shape}{hint}"
        )
    return freeze(data)


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
    n_y = params.layers[-1].W.shape[0]
    if data.shape != (n_y, m):
        hint = f"; the examples look like rows: pass {name}.T" if data.shape == (m, n_y) else ""
        raise ShapeError(
            f"{name}: expected shape {(n_y, m)} (n_y outputs, m examples), got {data.shape}{hint}"
        )
    check_targets(data, kind, name)
    return freeze(data)


def _check_params(params: object, name: str = "params") -> None:
    if not isinstance(params, Params):
        raise DTypeError(f"{name}: expected fnmlp Params, got {type(params).__name__}")


def _first_nonfinite(arrays: Sequence[npt.NDArray[Any]]) -> tuple[int, str] | None:
    """``(position, "value at index")`` of the first array holding NaN or inf, else ``None``."""
    for position, array in enumerate(arrays):
        if not all_finite(array):
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            return position, f"{array[where]} at index {where}"
    return None


def checked_forward(
    layers: tuple[Layer[F], ...], X: Inputs[F], *, pre_activations: bool = False
) -> tuple[list[Activations[F]], list[Activations[F]]]:
    """The forward kernel on checked inputs, raising ``NonFiniteError`` if an ``A[l]`` overflows.

    A saturating unit may overflow its pre-activation ``Z[l]`` and still have
    the right, finite ``A[l]`` (``sigmoid(inf) = 1``); an ``A[l]`` that is NaN or
    inf is not a result, so it is reported with the layer, never returned.
    With ``pre_activations`` every ``Z[l]`` must be finite too (for a caller
    that hands the ``Z[l]`` on, as :func:`forward`'s cache does); the first
    layer holding a non-finite value is named, by its ``A[l]`` when both overflow.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, linear, sigmoid
        >>> layer = Layer(np.full((1, 1), 1e300), np.zeros((1, 1)), linear)
        >>> checked_forward((layer,), np.full((1, 1), 1e10))
        Traceback (most recent call last):
        ...
        fnmlp.errors.NonFiniteError: A[1] (layer 1): expected finite activations, got inf at index (0, 0); the inputs or weights are too large: scale X
        >>> saturated = Layer(np.full((1, 1), 1e300), np.zeros((1, 1)), sigmoid)
        >>> _, As = checked_forward((saturated,), np.full((1, 1), 1e10))
        >>> print(As[1])
        [[1.]]
        >>> checked_forward((saturated,), np.full((1, 1), 1e10), pre_activations=True)
        Traceback (most recent call last):
        ...
        fnmlp.errors.NonFiniteError: Z[1] (layer 1): expected finite pre-activations, got inf at index (0, 0); the inputs or weights are too large: scale X
    """
    with np.errstate(all="ignore"):
        Zs, As = _forward(layers, X)
    bad = _first_nonfinite(As[1:])
    bad_Z = _first_nonfinite(Zs[1:]) if pre_activations else None
    if bad_Z is not None and (bad is None or bad_Z[0] < bad[0]):
        l, what = bad_Z[0] + 1, bad_Z[1]
        raise NonFiniteError(
            f"Z[{l}] (layer {l}): expected finite pre-activations, got {what}; "
            f"the inputs or weights are too large: scale X"
        )
    if bad is not None:
        l, what = bad[0] + 1, bad[1]
        raise NonFiniteError(
            f"A[{l}] (layer {l}): expected finite activations, got {what}; "
            f"the inputs or weights are too large: scale X"
        )
    return Zs, As


def check_output_for(params: Params[Any], kind: Loss, name: str = "loss") -> None:
    """Raise ``HyperparameterError`` if a cross-entropy follows an output that is not a probability.

    Binary and categorical cross-entropy take the logarithm of the output, so
    they need outputs in ``(0, 1)``: a sigmoid or softmax output layer, not
    ``relu``, ``leaky_relu``, ``tanh`` or ``linear``.

    Examples:
        >>> from fnmlp import binary_cross_entropy, init, linear
        >>> check_output_for(init([2, 1], output=linear), binary_cross_entropy)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: loss: binary_cross_entropy expects probabilities from a sigmoid or softmax output layer, got a linear output layer (use mean_squared_error for outputs outside (0, 1))
    """
    output = params.layers[-1].activation
    if kind.fuses_with is not None and output in (relu, leaky_relu, tanh, linear):
        raise HyperparameterError(
            f"{name}: {kind.name} expects probabilities from a sigmoid or softmax output layer, "
            f"got a {output.name} output layer (use mean_squared_error for outputs outside (0, 1))"
        )


# ----------------------------------------------------------------------------- public


def forward(params: Params[F], X: npt.ArrayLike) -> tuple[Outputs[F], Cache[F]]:
    """Run the network on ``X`` and keep every ``Z[l]`` and ``A[l]``.

    Args:
        params: the network.
        X: inputs of shape ``(n_x, m)``, one column per example (ints and
            nested lists are converted to the network's dtype).

    Returns:
        ``(Yhat, cache)``: the output ``A[L]`` of shape ``(n_y, m)`` and the
        :class:`~fnmlp.Cache` of the pass, all read-only.

    Raises:
        ShapeError: if ``X`` is not ``(n_x, m)`` (rows-as-examples is named).
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
    """
    data = check_inputs(params, X)
    Zs: list[Activations[F]]
    As: list[Activations[F]]
    Zs, As = checked_forward(params.layers, data, pre_activations=True)
    X_locked = lock(data)  # Z[0] and A[0] are the one input array
    Z_locked = (X_locked, *map(lock, Zs[1:]))
    A_locked = (X_locked, *map(lock, As[1:]))
    cache: Cache[F] = _build(Cache, Z=Z_locked, A=A_locked)
    Yhat: Outputs[F] = A_locked[-1]
    return Yhat, cache


def backward(params: Params[F], cache: Cache[F], Y: npt.ArrayLike, kind: Loss) -> Grads[F]:
    """The gradient of ``kind``'s loss at ``cache``'s forward pass, for every parameter.

    Args:
        params: the network that produced ``cache``.
        cache: the :class:`~fnmlp.Cache` of ``forward(params, X)``.
        Y: targets of shape ``(n_y, m)``.
        kind: the :class:`~fnmlp.Loss` to differentiate.

    Returns:
        :class:`~fnmlp.Grads` with ``dW[l-1]`` and ``db[l-1]`` for layer ``l``.

    Raises:
        ShapeError: if ``cache`` does not match ``params`` or ``Y`` is mis-shaped.
        DTypeError: if ``cache`` is of another dtype or ``kind`` is not a Loss.
        HyperparameterError: for a cross-entropy after an output layer that
            does not give probabilities (see :func:`check_output_for`).
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
    _check_params(params)
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
    targets = check_targets_for(params, Y, m, kind)
    with np.errstate(all="ignore"):
        dWs, dbs = _backward(params.layers, cache.Z, cache.A, targets, kind)
    bad = _first_nonfinite([g for pair in zip(dWs, dbs) for g in pair])
    if bad is not None:
        i, field = bad[0] // 2, "dW" if bad[0] % 2 == 0 else "db"
        raise NonFiniteError(
            f"{field}[{i}] (layer {i + 1}): expected a finite gradient, got {bad[1]}; "
            f"the inputs, targets or weights are too large: scale them"
        )
    grads: Grads[F] = _build(Grads, dW=tuple(lock(g) for g in dWs), db=tuple(lock(g) for g in dbs))
    return grads


def check_grads(params: Params[F], grads: Grads[Any], name: str = "grads") -> None:
    """Raise ``ShapeError`` unless ``grads`` has ``params``' architecture, ``DTypeError`` its dtype.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import init
        >>> big, small = init([2, 4, 1], seed=0), init([2, 3, 1], seed=0)
        >>> _, cache = forward(small, np.zeros((2, 1)))
        >>> from fnmlp import binary_cross_entropy
        >>> check_grads(big, backward(small, cache, [[1]], binary_cross_entropy))
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: grads.dW[0] (layer 1): expected shape (4, 2) float64 like params, got (3, 2) float64
        >>> check_grads(init([2, 3, 1], seed=0, dtype=np.float32),
        ...             backward(small, cache, [[1]], binary_cross_entropy))
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: grads.dW[0] (layer 1): expected dtype float32 like params, got float64
    """
    if not isinstance(grads, Grads):
        raise DTypeError(f"{name}: expected fnmlp Grads, got {type(grads).__name__}")
    if len(grads.dW) != len(params.layers):
        raise ShapeError(
            f"{name}: expected gradients for {len(params.layers)} layers, got {len(grads.dW)}"
        )
    for i, (layer, dW, db) in enumerate(zip(params.layers, grads.dW, grads.db)):
        for field, g, p in (("dW", dW, layer.W), ("db", db, layer.b)):
            if g.shape != p.shape:
                raise ShapeError(
                    f"{name}.{field}[{i}] (layer {i + 1}): expected shape {p.shape} {p.dtype} "
                    f"like params, got {g.shape} {g.dtype}"
                )
            if g.dtype != p.dtype:
                raise DTypeError(
                    f"{name}.{field}[{i}] (layer {i + 1}): expected dtype {p.dtype} like "
                    f"params, got {g.dtype}"
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

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, linear
        >>> params = Params((Layer(np.ones((1, 1)), np.zeros((1, 1)), linear),))
        >>> grads = Grads(dW=(np.full((1, 1), 2.0),), db=(np.ones((1, 1)),))
        >>> new = update(params, grads, learning_rate=0.5)
        >>> print(new.layers[0].W, new.layers[0].b, params.layers[0].W)
        [[0.]] [[-0.5]] [[1.]]
    """
    _check_params(params)
    check_grads(params, grads)
    lr = positive_float(learning_rate, "learning_rate")
    with np.errstate(all="ignore"):
        layers = _step_layers(params.layers, grads.dW, grads.db, lr)
    check_step(layers, "learning_rate", lr)
    new: Params[F] = _build(Params, layers=layers)
    return new


def check_step(layers: tuple[Layer[Any], ...], name: str, value: object) -> None:
    """Raise ``NonFiniteError`` if an update made a parameter NaN or inf.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import linear
        >>> finite = _layer(np.ones((1, 1)), np.zeros((1, 1)), linear)
        >>> print(check_step((finite,), "learning_rate", 0.1))
        None
        >>> overflowed = _layer(np.ones((1, 1)), np.full((1, 1), np.inf), linear)
        >>> check_step((finite, overflowed), "learning_rate", 1e308)
        Traceback (most recent call last):
        ...
        fnmlp.errors.NonFiniteError: learning_rate: expected a step that keeps the parameters finite, got 1e+308, which made layer 2's b hold inf at index (0, 0); use a smaller step
    """
    bad = _first_nonfinite([p for layer in layers for p in (layer.W, layer.b)])
    if bad is not None:
        i, field = bad[0] // 2, "W" if bad[0] % 2 == 0 else "b"
        raise NonFiniteError(
            f"{name}: expected a step that keeps the parameters finite, got {value!r}, which "
            f"made layer {i + 1}'s {field} hold {bad[1]}; use a smaller step"
        )
