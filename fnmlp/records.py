"""The records that flow through the pipeline: ``Layer``, ``Params``, ``Cache``, ``Grads``.

All are frozen attrs classes whose arrays are read-only. A network is stored
as one read-only ``(1, N)`` parameter array, :attr:`Params.theta`, in the
*packed layout*: layer ``l``'s weights and bias, transposed, as one block
``[W.T; b.T]`` of shape ``(n_{l-1} + 1, n_l)``, the blocks one after another.
Each layer's ``W`` and ``b`` are read-only views into it. :class:`Grads` uses
the same layout (``grads.g``), so an optimiser is one elementwise call over
the whole network.

Records built from user values (``Layer(W, b, relu)``, ``attrs.evolve``,
unpickling) copy and check them; the records fnmlp computes are built through
one trusted constructor per record and checked no further.

Examples:
    >>> import numpy as np
    >>> from fnmlp import Layer, Params, relu, sigmoid
    >>> W1, b1 = np.ones((3, 2)), np.zeros((3, 1))
    >>> W2, b2 = np.ones((1, 3)), np.zeros((1, 1))
    >>> params = Params((Layer(W1, b1, relu), Layer(W2, b2, sigmoid)))
    >>> print(params, params.theta.shape)
    Params([2, 3, 1], relu -> sigmoid, float64) (1, 13)
    >>> params.layers[0].W[0, 0] = 5.0
    Traceback (most recent call last):
    ...
    ValueError: assignment destination is read-only
"""

from __future__ import annotations

from typing import Any, Generic

import attrs
import numpy as np

from fnmlp._structure import Structure as Structure
from fnmlp._structure import lock as lock
from fnmlp._validate import check_activation, check_finite, frozen_copy
from fnmlp.activations import Activation
from fnmlp.aliases import Activations, Bias, F, Matrix, Weights
from fnmlp.errors import DTypeError, ShapeError

__all__ = ["Cache", "Grads", "Layer", "Params", "Structure", "lock"]


class _Record:
    """Copying a record gives the record itself; pickling rebuilds it through its checked constructor."""

    __slots__ = ()

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        kind: Any = type(self)
        fields = [getattr(self, f.name) for f in attrs.fields(kind) if f.init]
        return (kind, tuple(fields))


def _new(cls: type[Any], **fields: Any) -> Any:
    """The trusted constructor: a record of values fnmlp computed, without copies or checks."""
    record = object.__new__(cls)
    for key, value in fields.items():
        object.__setattr__(record, key, value)
    return record


_make = object.__new__
_set = object.__setattr__


@attrs.frozen(eq=False)
class Layer(_Record, Generic[F]):
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
        W = frozen_copy("W", self.W)
        b = frozen_copy("b", self.b)
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
        structure: Structure[F] = Structure.of((W.shape[1], W.shape[0]), W.dtype)
        (Wv,), (bv,) = structure.split(structure.join((W,), (b,)))
        object.__setattr__(self, "W", Wv)
        object.__setattr__(self, "b", bv)

    def __repr__(self) -> str:
        return f"Layer(W{self.W.shape}, b{self.b.shape}, {self.activation.name}, {self.W.dtype})"


@attrs.frozen(eq=False, repr=False)
class Params(_Record, Generic[F]):
    """A network: its layers in order, the ``l``-th (1-based) at ``layers[l - 1]``.

    Stored as one read-only ``(1, N)`` array, :attr:`theta`, in the packed
    layout; ``layers[l].W`` and ``layers[l].b`` are views into it. Building a
    ``Params`` from layers packs a copy of them.

    Attributes:
        layers: the layers; ``W[l]`` must have as many columns as ``W[l-1]``
            has rows, and every array one dtype.
        theta: every parameter, per-layer blocks ``[W.T; b.T]``, shape ``(1, N)``.
        structure: the :class:`Structure` of ``theta``.
        activations: each layer's activation.
        blocks: read-only views of ``theta``'s blocks ``[W.T; b.T]``, one per layer.

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
    theta: Matrix[F] = attrs.field(init=False)
    structure: Structure[F] = attrs.field(init=False)
    activations: tuple[Activation, ...] = attrs.field(init=False)
    blocks: tuple[Matrix[F], ...] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        layers: Any = self.layers
        if isinstance(layers, list):
            layers = tuple(layers)
        if not isinstance(layers, tuple):
            raise DTypeError(f"layers: expected a tuple of Layer, got {type(layers).__name__}")
        if not layers:
            raise ShapeError("layers: expected at least one Layer, got none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise DTypeError(f"layers[{i}]: expected a Layer, got {type(layer).__name__}")
            if layer.W.dtype != layers[0].W.dtype:
                raise DTypeError(
                    f"layers[{i}].W (layer {i + 1}): expected dtype {layers[0].W.dtype} "
                    f"like layer 1, got {layer.W.dtype}"
                )
            if i and layer.W.shape[1] != layers[i - 1].W.shape[0]:
                units = layers[i - 1].W.shape[0]
                raise ShapeError(
                    f"layers[{i}].W (layer {i + 1}): expected {units} columns to chain with "
                    f"layer {i}'s {units} units, got shape {layer.W.shape}"
                )
        dims = (layers[0].W.shape[1], *(layer.W.shape[0] for layer in layers))
        structure: Structure[F] = Structure.of(dims, layers[0].W.dtype)
        theta = structure.join(tuple(x.W for x in layers), tuple(x.b for x in layers))
        object.__setattr__(self, "theta", theta)
        object.__setattr__(self, "structure", structure)
        object.__setattr__(self, "activations", tuple(x.activation for x in layers))
        object.__delattr__(self, "layers")  # views of theta, made when first read

    def __getattr__(self, name: str) -> Any:
        # Called only for an unset slot: ``layers`` or ``blocks`` of a record built from ``theta``.
        if name == "blocks":
            blocks = tuple(self.structure.blocks(self.theta))
            object.__setattr__(self, "blocks", blocks)
            return blocks
        if name != "layers":
            raise AttributeError(name)
        Ws, bs = self.structure.split(self.theta)
        layers = tuple(
            _new(Layer, W=W, b=b, activation=a) for W, b, a in zip(Ws, bs, self.activations)
        )
        object.__setattr__(self, "layers", layers)
        return layers

    @property
    def dims(self) -> tuple[int, ...]:
        """``(n_x, n_1, ..., n_L)``, the layer sizes.

        Examples:
            >>> from fnmlp import init
            >>> init([2, 3, 1]).dims
            (2, 3, 1)
        """
        return self.structure.dims

    @property
    def dtype(self) -> np.dtype[F]:
        """The dtype of every array in the network.

        Examples:
            >>> import numpy as np
            >>> from fnmlp import init
            >>> print(init([2, 1], dtype=np.float32).dtype)
            float32
        """
        return self.structure.dtype

    def __repr__(self) -> str:
        names = " -> ".join(a.name for a in self.activations)
        return f"Params({list(self.dims)}, {names}, {self.dtype})"


def params_of(
    theta: Matrix[F], structure: Structure[F], activations: tuple[Activation, ...]
) -> Params[F]:
    """The trusted :class:`Params` of a locked ``theta`` fnmlp computed (no copy, no check)."""
    params: Params[F] = _make(Params)
    _set(params, "theta", theta)
    _set(params, "structure", structure)
    _set(params, "activations", activations)
    return params


def _arrays(name: str, value: Any) -> tuple[Any, ...]:
    """A tuple or list of arrays as a tuple of checked copies, or ``DTypeError``."""
    if not isinstance(value, (tuple, list)):
        raise DTypeError(
            f"{name}: expected a tuple of numpy arrays, one per layer, got {type(value).__name__}"
        )
    return tuple(frozen_copy(f"{name}[{i}]", a) for i, a in enumerate(value))


@attrs.frozen(eq=False)
class Cache(_Record, Generic[F]):
    """Every value of one forward pass, indexed as in the maths.

    ``A[l]`` and ``Z[l]`` for ``l = 0..L``; ``A[0]`` is the input ``X`` and so
    is ``Z[0]`` (the input layer has no pre-activation), so that ``Z[l]`` and
    ``A[l]`` are layer ``l``'s values and ``A[L]`` is ``Yhat``.

    Attributes:
        Z: pre-activations ``Z[l] = W[l] @ A[l-1] + b[l]``, each ``(n_l, m)``.
        A: activations ``A[l] = g[l](Z[l])``, each ``(n_l, m)``.
        inputs: each layer's input with a row of ones, ``[A[l-1]; 1]``, for
            ``l = 1..L``, of which ``A[0..L-1]`` are views.
        masks: the hidden layers' dropout masks (``None`` for a layer without
            dropout; empty without any), so that ``A[l]`` is ``g(Z[l]) * mask``.

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
    inputs: tuple[Matrix[F], ...] = attrs.field(init=False, repr=False)
    masks: tuple[Matrix[F] | None, ...] = attrs.field(init=False, default=(), repr=False)

    def __attrs_post_init__(self) -> None:
        Zs: tuple[Any, ...] = _arrays("Z", self.Z)
        As: tuple[Any, ...] = _arrays("A", self.A)
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
        inputs = []
        for A in As[:-1]:
            augmented = np.empty((A.shape[0] + 1, m), A.dtype)
            augmented[:-1] = A
            augmented[-1] = 1
            inputs.append(lock(augmented))
        views: tuple[Any, ...] = tuple(x[:-1] for x in inputs)
        object.__setattr__(self, "Z", (views[0], *map(lock, Zs[1:])))
        object.__setattr__(self, "A", (*views, lock(As[-1])))
        object.__setattr__(self, "inputs", tuple(inputs))


def cache_of(
    Zs: tuple[Activations[F], ...],
    inputs: tuple[Matrix[F], ...],
    output: Activations[F],
    masks: tuple[Matrix[F] | None, ...] = (),
) -> Cache[F]:
    """The trusted :class:`Cache` of locked arrays fnmlp computed: ``Z[1..L]``, ``[A; 1]``s, ``A[L]``."""
    X = inputs[0][:-1]
    cache: Cache[F] = _new(
        Cache,
        Z=(X, *Zs),
        A=(X, *(x[:-1] for x in inputs[1:]), output),
        inputs=inputs,
        masks=masks,
    )
    return cache


@attrs.frozen(eq=False, repr=False)
class Grads(_Record, Generic[F]):
    """The gradient of a loss with respect to every parameter.

    ``dW[l - 1]`` and ``db[l - 1]`` belong to layer ``l`` (1-based), matching
    ``Params.layers[l - 1]``. Stored like :class:`Params`, as one read-only
    ``(1, N)`` array :attr:`g` in the packed layout, of which ``dW`` and ``db``
    are views.

    Attributes:
        dW: one ``(n_l, n_prev)`` array per layer.
        db: one ``(n_l, 1)`` array per layer.
        g: every entry, per-layer blocks ``[dW.T; db.T]``, shape ``(1, N)``.
        structure: the :class:`Structure` of ``g``.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import backward, binary_cross_entropy, forward, init
        >>> params = init([2, 3, 1], seed=0)
        >>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 0.0]])
        >>> _, cache = forward(params, X)
        >>> grads = backward(params, cache, Y, binary_cross_entropy)
        >>> [g.shape for g in grads.dW], [g.shape for g in grads.db], grads.g.shape
        ([(3, 2), (1, 3)], [(3, 1), (1, 1)], (1, 13))
    """

    dW: tuple[Weights[F], ...]
    db: tuple[Bias[F], ...]
    g: Matrix[F] = attrs.field(init=False)
    structure: Structure[F] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        dWs: tuple[Any, ...] = _arrays("dW", self.dW)
        dbs: tuple[Any, ...] = _arrays("db", self.db)
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
            if i and dW.shape[1] != dWs[i - 1].shape[0]:
                raise ShapeError(
                    f"dW[{i}] (layer {i + 1}): expected {dWs[i - 1].shape[0]} columns to chain "
                    f"with dW[{i - 1}], got shape {dW.shape}"
                )
            check_finite(dW, f"dW[{i}]")
            check_finite(db, f"db[{i}]")
        dims = (dWs[0].shape[1], *(dW.shape[0] for dW in dWs))
        structure: Structure[F] = Structure.of(dims, dWs[0].dtype)
        object.__setattr__(self, "g", structure.join(dWs, dbs))
        object.__setattr__(self, "structure", structure)
        object.__delattr__(self, "dW")
        object.__delattr__(self, "db")

    def __getattr__(self, name: str) -> Any:
        # Called only for unset slots: ``dW`` and ``db`` of a record built from ``g``.
        if name not in ("dW", "db"):
            raise AttributeError(name)
        dWs, dbs = self.structure.split(self.g)
        object.__setattr__(self, "dW", dWs)
        object.__setattr__(self, "db", dbs)
        return dWs if name == "dW" else dbs

    @classmethod
    def zeros(cls, params: Params[F]) -> Grads[F]:
        """The zero gradient of ``params``' architecture: the identity of :func:`fnmlp.add_grads`.

        Examples:
            >>> from fnmlp import init
            >>> print(Grads.zeros(init([1, 1], seed=0)).db)
            (array([[0.]]),)
        """
        if not isinstance(params, Params):
            raise DTypeError(f"params: expected fnmlp Params, got {type(params).__name__}")
        structure = params.structure
        return grads_of(lock(np.zeros((1, structure.size), structure.dtype)), structure)

    def __repr__(self) -> str:
        return f"Grads({list(self.structure.dims)}, {self.structure.dtype})"


def grads_of(g: Matrix[F], structure: Structure[F]) -> Grads[F]:
    """The trusted :class:`Grads` of a locked ``g`` fnmlp computed (no copy, no check)."""
    grads: Grads[F] = _make(Grads)
    _set(grads, "g", g)
    _set(grads, "structure", structure)
    return grads
