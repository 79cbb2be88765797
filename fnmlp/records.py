"""The records that flow through the pipeline: ``Layer``, ``Params``, ``Cache``, ``Grads``.

All are frozen attrs classes whose arrays are read-only. Arrays given to a
record's constructor are copied once (the caller's array stays writable and
unshared) and checked; arrays fnmlp computes are only marked read-only. Change
a record with ``attrs.evolve``, which builds a new, checked one.

Examples:
    >>> import numpy as np
    >>> from fnmlp import Layer, Params, relu, sigmoid
    >>> W1, b1 = np.ones((3, 2)), np.zeros((3, 1))
    >>> W2, b2 = np.ones((1, 3)), np.zeros((1, 1))
    >>> params = Params((Layer(W1, b1, relu), Layer(W2, b2, sigmoid)))
    >>> print(params)
    Params([2, 3, 1], relu -> sigmoid, float64)
    >>> params.layers[0].W[0, 0] = 5.0
    Traceback (most recent call last):
    ...
    ValueError: assignment destination is read-only
"""

from __future__ import annotations

from typing import Any, Generic

import attrs
import numpy as np

from fnmlp.activations import Activation
from fnmlp.aliases import Activations, Bias, F, Weights
from fnmlp.checks import FLOATS, check_activation, check_finite
from fnmlp.errors import DTypeError, ShapeError

__all__ = ["Cache", "Grads", "Immutable", "Layer", "Params", "lock", "locked"]


def _frozen_copy(name: str, value: Any) -> Any:
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
    return lock(np.array(value, copy=True, order="C"))


def lock(array: Any) -> Any:
    """``array`` made read-only for good: a read-only view of a read-only array.

    Clearing ``writeable`` on an array that owns its memory can be undone;
    on a view whose base is read-only it cannot.

    Examples:
        >>> a = lock(np.zeros((1, 1)))
        >>> a.flags.writeable = True
        Traceback (most recent call last):
        ...
        ValueError: cannot set WRITEABLE flag to True of this array
    """
    array.setflags(write=False)
    view = array.view()
    view.setflags(write=False)
    return view


def locked(params: Params[F]) -> Params[F]:
    """``params`` with every array handed out as a :func:`lock`-ed view (no copy).

    Arrays fnmlp computes in its loops are only marked read-only, which is
    cheap; the public functions lock what they return.

    Examples:
        >>> from fnmlp import init
        >>> params = locked(init([2, 1], seed=0))
        >>> params.layers[0].b.flags.writeable = True
        Traceback (most recent call last):
        ...
        ValueError: cannot set WRITEABLE flag to True of this array
    """
    layers = tuple(
        _build(Layer, W=lock(layer.W), b=lock(layer.b), activation=layer.activation)
        for layer in params.layers
    )
    result: Params[F] = _build(Params, layers=layers)
    return result


def _relock(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return lock(np.array(value, copy=True))
    if isinstance(value, tuple):
        return tuple(_relock(v) for v in value)
    return value


def _rebuild(cls: type[Any], fields: dict[str, Any]) -> Any:
    return _build(cls, **{key: _relock(value) for key, value in fields.items()})


class Immutable:
    """Copying an immutable record gives the record itself; unpickling re-locks its arrays.

    Examples:
        >>> import copy, pickle
        >>> from fnmlp import init
        >>> params = init([2, 1], seed=0)
        >>> copy.deepcopy(params) is params
        True
        >>> pickle.loads(pickle.dumps(params)).layers[0].W.flags.writeable
        False
    """

    __slots__ = ()

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        kind: Any = type(self)  # every subclass is an attrs class
        fields = {f.name: getattr(self, f.name) for f in attrs.fields(kind)}
        return (_rebuild, (type(self), fields))


def _arrays(name: str, value: Any) -> tuple[Any, ...]:
    """A tuple or list of arrays as a tuple of read-only copies, or ``DTypeError``."""
    if not isinstance(value, (tuple, list)):
        raise DTypeError(
            f"{name}: expected a tuple of numpy arrays, one per layer, got {type(value).__name__}"
        )
    return tuple(_frozen_copy(f"{name}[{i}]", a) for i, a in enumerate(value))


def _build(cls: type[Any], **fields: Any) -> Any:
    """Make a record from arrays fnmlp computed, skipping copies and checks."""
    record = object.__new__(cls)
    for key, value in fields.items():
        object.__setattr__(record, key, value)
    return record


@attrs.frozen(eq=False)
class Layer(Immutable, Generic[F]):
    """One layer: ``Z = W @ A_prev + b``, ``A = activation(Z)``.

    Attributes:
        W: weights of shape ``(n_l, n_prev)``.
        b: bias of shape ``(n_l, 1)``.
        activation: the layer's :class:`~fnmlp.Activation`.

    Raises:
        ShapeError: if ``W`` is not 2-D or ``b`` is not ``(n_l, 1)``.
        DTypeError: if an array is not float32/float64 (ints are converted to
            float64) or the two differ.
        NonFiniteError: if an array holds NaN or infinity.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import relu
        >>> Layer(np.ones((3, 2)), np.zeros(3), relu)
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: b: expected shape (3, 1) to match W of shape (3, 2), got (3,)
    """

    W: Weights[F]
    b: Bias[F]
    activation: Activation

    def __attrs_post_init__(self) -> None:
        W = _frozen_copy("W", self.W)
        b = _frozen_copy("b", self.b)
        if W.ndim != 2 or 0 in W.shape:
            raise ShapeError(
                f"W: expected a non-empty 2-D array (n_l, n_prev), got shape {W.shape}"
            )
        if b.shape != (W.shape[0], 1):
            raise ShapeError(
                f"b: expected shape {(W.shape[0], 1)} to match W of shape {W.shape}, got {b.shape}"
            )
        if W.dtype != b.dtype:
            raise DTypeError(f"b: expected dtype {W.dtype} to match W, got {b.dtype}")
        check_activation(self.activation)
        check_finite(W, "W")
        check_finite(b, "b")
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "b", b)

    def __repr__(self) -> str:
        return f"Layer(W{self.W.shape}, b{self.b.shape}, {self.activation.name}, {self.W.dtype})"


@attrs.frozen(eq=False)
class Params(Immutable, Generic[F]):
    """A network: its layers in order, the ``l``-th (1-based) at ``layers[l - 1]``.

    Attributes:
        layers: the layers; ``W[l]`` must have as many columns as ``W[l-1]``
            has rows, and every array one dtype.

    Raises:
        ShapeError: if there are no layers or they do not chain, naming the layer.
        DTypeError: if a layer is not a :class:`Layer` or dtypes are mixed.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import relu, sigmoid
        >>> Params((Layer(np.ones((3, 2)), np.zeros((3, 1)), relu),
        ...         Layer(np.ones((1, 4)), np.zeros((1, 1)), sigmoid)))
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: layers[1].W (layer 2): expected 3 columns to chain with layer 1's 3 units, got shape (1, 4)
    """

    layers: tuple[Layer[F], ...]

    def __attrs_post_init__(self) -> None:
        if isinstance(self.layers, list):
            object.__setattr__(self, "layers", tuple(self.layers))
        if not isinstance(self.layers, tuple):
            raise DTypeError(f"layers: expected a tuple of Layer, got {type(self.layers).__name__}")
        if not self.layers:
            raise ShapeError("layers: expected at least one Layer, got none")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise DTypeError(f"layers[{i}]: expected a Layer, got {type(layer).__name__}")
            if layer.W.dtype != self.layers[0].W.dtype:
                raise DTypeError(
                    f"layers[{i}].W (layer {i + 1}): expected dtype {self.layers[0].W.dtype} "
                    f"like layer 1, got {layer.W.dtype}"
                )
            if i and layer.W.shape[1] != self.layers[i - 1].W.shape[0]:
                units = self.layers[i - 1].W.shape[0]
                raise ShapeError(
                    f"layers[{i}].W (layer {i + 1}): expected {units} columns to chain with "
                    f"layer {i}'s {units} units, got shape {layer.W.shape}"
                )

    @property
    def dims(self) -> tuple[int, ...]:
        """``(n_x, n_1, ..., n_L)``, the layer sizes.

        Examples:
            >>> from fnmlp import init
            >>> init([2, 3, 1]).dims
            (2, 3, 1)
        """
        return (self.layers[0].W.shape[1], *(layer.W.shape[0] for layer in self.layers))

    @property
    def dtype(self) -> np.dtype[F]:
        """The dtype of every array in the network.

        Examples:
            >>> import numpy as np
            >>> from fnmlp import init
            >>> print(init([2, 1], dtype=np.float32).dtype)
            float32
        """
        return self.layers[0].W.dtype

    def __repr__(self) -> str:
        names = " -> ".join(layer.activation.name for layer in self.layers)
        return f"Params({list(self.dims)}, {names}, {self.dtype})"


@attrs.frozen(eq=False)
class Cache(Immutable, Generic[F]):
    """Every value of one forward pass, indexed as in the maths.

    ``A[l]`` and ``Z[l]`` for ``l = 0..L``; ``A[0]`` is the input ``X`` and so
    is ``Z[0]`` (the input layer has no pre-activation), so that ``Z[l]`` and
    ``A[l]`` are layer ``l``'s values and ``A[L]`` is ``Yhat``.

    Attributes:
        Z: pre-activations ``Z[l] = W[l] @ A[l-1] + b[l]``, each ``(n_l, m)``.
        A: activations ``A[l] = g[l](Z[l])``, each ``(n_l, m)``.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import forward, init
        >>> Yhat, cache = forward(init([2, 3, 1], seed=0), np.zeros((2, 5)))
        >>> [a.shape for a in cache.A]
        [(2, 5), (3, 5), (1, 5)]
        >>> cache.A[-1] is Yhat
        True
    """

    Z: tuple[Activations[F], ...]
    A: tuple[Activations[F], ...]

    def __attrs_post_init__(self) -> None:
        Zs, As = _arrays("Z", self.Z), _arrays("A", self.A)
        if len(Zs) != len(As) or len(As) < 2:
            raise ShapeError(
                f"Z, A: expected equal lengths L + 1 >= 2, got {len(Zs)} and {len(As)}"
            )
        m = As[0].shape[1] if As[0].ndim == 2 else -1
        for l, (Z, A) in enumerate(zip(Zs, As)):
            if A.ndim != 2 or Z.shape != A.shape or A.shape[1] != m or 0 in A.shape:
                raise ShapeError(
                    f"Z[{l}], A[{l}]: expected two non-empty (n_{l}, m) arrays with m = {m} "
                    f"like A[0], got {Z.shape} and {A.shape}"
                )
            if Z.dtype != As[0].dtype or A.dtype != As[0].dtype:
                raise DTypeError(
                    f"Z[{l}], A[{l}]: expected dtype {As[0].dtype} like A[0], got {Z.dtype} "
                    f"and {A.dtype}"
                )
            check_finite(Z, f"Z[{l}]")
            check_finite(A, f"A[{l}]")
        object.__setattr__(self, "Z", Zs)
        object.__setattr__(self, "A", As)


@attrs.frozen(eq=False)
class Grads(Immutable, Generic[F]):
    """The gradient of a loss with respect to every parameter.

    ``dW[l - 1]`` and ``db[l - 1]`` belong to layer ``l`` (1-based), matching
    ``Params.layers[l - 1]``.

    Attributes:
        dW: one ``(n_l, n_prev)`` array per layer.
        db: one ``(n_l, 1)`` array per layer.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import backward, binary_cross_entropy, forward, init
        >>> params = init([2, 3, 1], seed=0)
        >>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 0.0]])
        >>> _, cache = forward(params, X)
        >>> grads = backward(params, cache, Y, binary_cross_entropy)
        >>> [g.shape for g in grads.dW], [g.shape for g in grads.db]
        ([(3, 2), (1, 3)], [(3, 1), (1, 1)])
    """

    dW: tuple[Weights[F], ...]
    db: tuple[Bias[F], ...]

    def __attrs_post_init__(self) -> None:
        dWs, dbs = _arrays("dW", self.dW), _arrays("db", self.db)
        if len(dWs) != len(dbs) or not dWs:
            raise ShapeError(
                f"dW, db: expected one array each per layer, got {len(dWs)} and {len(dbs)}"
            )
        for i, (dW, db) in enumerate(zip(dWs, dbs)):
            if dW.ndim != 2 or 0 in dW.shape:
                raise ShapeError(
                    f"dW[{i}] (layer {i + 1}): expected a non-empty 2-D array (n_l, n_prev), "
                    f"got shape {dW.shape}"
                )
            if db.shape != (dW.shape[0], 1):
                raise ShapeError(
                    f"db[{i}] (layer {i + 1}): expected shape {(dW.shape[0], 1)} to match dW of "
                    f"shape {dW.shape}, got {db.shape}"
                )
            if db.dtype != dW.dtype or dW.dtype != dWs[0].dtype:
                raise DTypeError(
                    f"dW[{i}], db[{i}] (layer {i + 1}): expected dtype {dWs[0].dtype} like dW[0], "
                    f"got {dW.dtype} and {db.dtype}"
                )
            check_finite(dW, f"dW[{i}]")
            check_finite(db, f"db[{i}]")
        object.__setattr__(self, "dW", dWs)
        object.__setattr__(self, "db", dbs)
