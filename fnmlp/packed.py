"""The packed layout :func:`fnmlp.train` steps in: every parameter of the network in one array.

Layer ``l``'s weights and bias are stored transposed, one above the other,
as one block ``Q = [W.T; b.T]`` of shape ``(n_{l-1} + 1, n_l)``, the blocks
one after another in a ``(1, N)`` array, and each layer's input carries a
last row of ones. Then ``Z = Q.T @ [A; 1]`` and ``dQ = [A; 1] @ dZ.T`` are
one matrix product each, ``W.T @ dZ`` reads the contiguous rows ``Q[:-1]``,
and one call of the optimiser's rule updates the whole network: the maths of
:mod:`fnmlp.propagation`, in fewer numpy calls (what a small network's step
costs) and with every product on contiguous arrays (what a large one's
costs).

The layer inputs ``[A; 1]`` live in buffers that one training run allocates
and rewrites every step; what leaves the run (params, optimiser states) is
unpacked into new read-only arrays.

Examples:
    >>> import numpy as np
    >>> from fnmlp import init
    >>> params = init([2, 3, 1], seed=0)
    >>> layout = Layout.of(params)
    >>> layout.shapes, layout.starts
    (((3, 3), (4, 1)), (0, 9, 13))
    >>> theta = layout.pack(params)
    >>> theta.shape
    (1, 13)
    >>> back = layout.params(theta)
    >>> all(np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
    ...     for a, b in zip(back.layers, params.layers))
    True
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp.activations import Activation, Into, writer
from fnmlp.aliases import Activations, F, Inputs, Matrix, Targets
from fnmlp.losses import Loss, fuses
from fnmlp.optimisers import Optimizer, check_rule, with_moments
from fnmlp.propagation import _layer, _params
from fnmlp.records import Params

__all__ = ["Buffers", "Layout", "Plan", "descend", "gradient", "with_ones"]

T = TypeVar("T")


@attrs.frozen(eq=False)
class Layout(Generic[F]):
    """Where each layer's block ``[W.T; b.T]`` sits in the packed ``(1, N)`` array.

    Attributes:
        activations: each layer's activation.
        shapes: each block's shape ``(n_{l-1} + 1, n_l)``.
        starts: the ``L + 1`` offsets of the blocks, the last one ``N``.
        dtype: the network's dtype.
        weights: a read-only ``(1, N)`` boolean array, ``True`` at the weights'
            entries (for L2 and AdamW's decay, which leave biases alone).
        spans: each block's ``(start, stop, shape)``.
    """

    activations: tuple[Activation, ...]
    shapes: tuple[tuple[int, int], ...]
    starts: tuple[int, ...]
    dtype: np.dtype[F]
    weights: npt.NDArray[np.bool_]
    spans: tuple[tuple[int, int, tuple[int, int]], ...]

    @classmethod
    def of(cls, params: Params[F]) -> Layout[F]:
        """The layout of ``params``' architecture and dtype."""
        shapes: tuple[tuple[int, int], ...] = tuple(
            (layer.W.shape[1] + 1, layer.W.shape[0]) for layer in params.layers
        )
        starts = (0, *itertools.accumulate(n * k for n, k in shapes))
        weights = np.ones((1, starts[-1]), dtype=bool)
        for (k, n), start in zip(shapes, starts):
            weights[0, start : start + k * n].reshape(k, n)[-1] = False
        weights.setflags(write=False)
        dtype: np.dtype[F] = params.layers[0].W.dtype
        return cls(
            tuple(layer.activation for layer in params.layers),
            shapes,
            starts,
            dtype,
            weights,
            tuple(zip(starts, starts[1:], shapes)),
        )

    def blocks(self, flat: Matrix[F]) -> list[Matrix[F]]:
        """Views of ``flat``'s blocks ``[W.T; b.T]``, one per layer."""
        row = flat[0]
        return [row[start:stop].reshape(shape) for start, stop, shape in self.spans]

    def join(self, Ws: Sequence[Matrix[F]], bs: Sequence[Matrix[F]]) -> Matrix[F]:
        """A new read-only packed array of the per-layer ``Ws`` and ``bs``."""
        flat: Matrix[F] = np.empty((1, self.starts[-1]), self.dtype)
        for block, W, b in zip(self.blocks(flat), Ws, bs):
            block[:-1] = W.T
            block[-1:] = b.T
        flat.setflags(write=False)
        return flat

    def split(self, flat: Matrix[F]) -> tuple[list[Matrix[F]], list[Matrix[F]]]:
        """New contiguous read-only copies of each layer's ``W`` and ``b`` in ``flat``."""
        Ws: list[Matrix[F]] = []
        bs: list[Matrix[F]] = []
        for block in self.blocks(flat):
            W: Matrix[F] = np.ascontiguousarray(block[:-1].T)
            b: Matrix[F] = np.ascontiguousarray(block[-1:].T)
            W.setflags(write=False)
            b.setflags(write=False)
            Ws.append(W)
            bs.append(b)
        return Ws, bs

    def pack(self, params: Params[F]) -> Matrix[F]:
        """``params`` packed."""
        return self.join([layer.W for layer in params.layers], [layer.b for layer in params.layers])

    def params(self, flat: Matrix[F]) -> Params[F]:
        """The :class:`~fnmlp.Params` packed in ``flat``, in new read-only arrays."""
        Ws, bs = self.split(flat)
        return _params(tuple(map(_layer, Ws, bs, self.activations)))

    def pack_state(self, optimizer: Optimizer[Any], state: Any) -> tuple[Matrix[F], ...]:
        """``state``'s moments packed, in the order of ``optimizer.moments``."""
        return tuple(
            self.join(getattr(state, f"{name}_W"), getattr(state, f"{name}_b"))
            for name in optimizer.moments
        )

    def state(
        self, optimizer: Optimizer[Any], state: Any, moments: Sequence[Matrix[F]], count: int
    ) -> Any:
        """``state`` (for its settings) with ``count`` and the packed ``moments`` unpacked."""
        parts = [self.split(flat) for flat in moments]
        per_layer_W = [tuple(Ws[l] for Ws, _ in parts) for l in range(len(self.shapes))]
        per_layer_b = [tuple(bs[l] for _, bs in parts) for l in range(len(self.shapes))]
        return with_moments(state, count, optimizer.moments, per_layer_W, per_layer_b)


@attrs.frozen(eq=False)
class Buffers(Generic[F]):
    """One run's scratch arrays for batches of ``size`` examples.

    Attributes:
        inputs: each hidden layer's ``[A; 1]``, shape ``(n_l + 1, size)``, the
            last row ones; the activations are written into the other rows.
        values: each hidden layer's ``A``, a view of ``inputs`` without the ones.
        grads: the packed gradient ``(1, N)``, rewritten every step.
        grad_blocks: its blocks ``[dW.T; db.T]``.
        size: ``size`` as a 0-d array of the network's dtype (the ``m`` that
            divides the output delta).

    Examples:
        >>> from fnmlp import init
        >>> buffers = Buffers.of(Layout.of(init([2, 3, 1], seed=0)), size=4)
        >>> print(buffers.inputs[0].shape, buffers.inputs[0][-1], buffers.grads.shape)
        (4, 4) [1. 1. 1. 1.] (1, 13)
    """

    inputs: tuple[Matrix[F], ...]
    values: tuple[Activations[F], ...]
    grads: Matrix[F]
    grad_blocks: tuple[Matrix[F], ...]
    size: Any

    @classmethod
    def of(cls, layout: Layout[F], size: int, grads: Matrix[F] | None = None) -> Buffers[F]:
        """New buffers for batches of ``size`` examples (sharing ``grads`` if given)."""
        inputs: list[Matrix[F]] = []
        for _, n in layout.shapes[:-1]:
            buffer: Matrix[F] = np.empty((n + 1, size), layout.dtype)
            buffer[-1] = 1
            inputs.append(buffer)
        if grads is None:
            grads = np.empty((1, layout.starts[-1]), layout.dtype)
        return cls(
            tuple(inputs),
            tuple(buffer[:-1] for buffer in inputs),
            grads,
            tuple(layout.blocks(grads)),
            np.array(size, layout.dtype),
        )


def with_ones(X: Inputs[F]) -> Matrix[F]:
    """``[X; 1]``: a new array of ``X`` with a last row of ones.

    Examples:
        >>> print(with_ones(np.array([[2.0, 3.0]])))
        [[2. 3.]
         [1. 1.]]
    """
    out: Matrix[F] = np.empty((X.shape[0] + 1, X.shape[1]), X.dtype)
    out[:-1] = X
    out[-1] = 1
    return out


@attrs.frozen(eq=False)
class Plan(Generic[F]):
    """What one training run's steps need, worked out once.

    Attributes:
        layout: the packed layout.
        kind: the loss.
        optimizer: the optimiser, whose ``update`` steps the packed parameters.
        decay: L2's gradient factor, ``l2 / m`` at the weights' entries and 0 at
            the biases', or ``None`` without L2.
        fused: whether the output delta is the fused ``(A - Y) / m``.
        writers: each hidden layer's activation, writing into a buffer.
        derivatives: each hidden layer's activation derivative.
        hidden: the hidden layers' indices, last first (the backward order).

    Examples:
        >>> from fnmlp import adamw, binary_cross_entropy, init
        >>> layout = Layout.of(init([2, 3, 1], seed=0))
        >>> plan = Plan.of(layout, binary_cross_entropy, adamw(0.1), l2=0.5, m=10)
        >>> print(plan.fused, plan.hidden, plan.decay[0, 6:10])
        True (0,) [0.   0.   0.   0.05]
    """

    layout: Layout[F]
    kind: Loss
    optimizer: Optimizer[Any]
    decay: Matrix[F] | None
    fused: bool
    writers: tuple[Into, ...]
    derivatives: tuple[Any, ...]
    hidden: tuple[int, ...]

    @classmethod
    def of(
        cls, layout: Layout[F], kind: Loss, optimizer: Optimizer[Any], l2: float, m: int
    ) -> Plan[F]:
        """The plan for ``layout`` trained on ``m`` examples with ``kind``, ``optimizer`` and ``l2``."""
        decay = None
        if l2:
            number = layout.dtype.type
            decay = np.where(layout.weights, number(l2 / m), number(0))
        hidden = layout.activations[:-1]
        return cls(
            layout,
            kind,
            optimizer,
            decay,
            fuses(kind, layout.activations[-1]),
            tuple(writer(activation) for activation in hidden),
            tuple(activation.derivative for activation in hidden),
            tuple(range(len(hidden) - 1, -1, -1)),
        )


def gradient(
    plan: Plan[F], theta: Matrix[F], X1: Matrix[F], Y: Targets[F], buffers: Buffers[F]
) -> tuple[Activations[F], Activations[F]]:
    """Write the gradient at ``theta`` on the batch ``([X; 1], Y)`` into ``buffers.grads``.

    Returns the output layer's ``(Z, A)``. Every other array of the pass is
    dropped as soon as it is used, and all of them on return, before the
    optimiser's step allocates the new parameters.

    Examples:
        >>> from fnmlp import backward, binary_cross_entropy, forward, init, sgd
        >>> params = init([2, 3, 1], seed=0)
        >>> X, Y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 0.0]])
        >>> layout = Layout.of(params)
        >>> plan = Plan.of(layout, binary_cross_entropy, sgd(0.1), l2=0.0, m=2)
        >>> buffers = Buffers.of(layout, 2)
        >>> _ = gradient(plan, layout.pack(params), with_ones(X), Y, buffers)
        >>> grads = backward(params, forward(params, X)[1], Y, binary_cross_entropy)
        >>> bool(np.allclose(buffers.grads, layout.join(grads.dW, grads.db)))
        True
    """
    layout = plan.layout
    blocks = layout.blocks(theta)
    inputs, values = buffers.inputs, buffers.values
    Zs: list[Activations[F]] = []
    A = X1
    for block, write, into, value in zip(blocks, plan.writers, inputs, values):
        Z: Activations[F] = block.T.dot(A)
        write(Z, value)
        Zs.append(Z)
        A = into
    Z = blocks[-1].T.dot(A)
    last = layout.activations[-1]
    out: Activations[F] = last.fn(Z)
    if plan.fused:
        dZ: Matrix[F] = out - Y
        dZ /= buffers.size
    else:
        dZ = last.derivative(Z, out, plan.kind.gradient(out, Y))
    grad_blocks, derivatives = buffers.grad_blocks, plan.derivatives
    A.dot(dZ.T, grad_blocks[-1])
    for l in plan.hidden:  # last first, so Zs.pop() is Z[l]
        dA: Matrix[F] = blocks[l + 1][:-1].dot(dZ)
        dZ = derivatives[l](Zs.pop(), values[l], dA)
        (inputs[l - 1] if l else X1).dot(dZ.T, grad_blocks[l])
    if plan.decay is not None:
        grads = buffers.grads
        grads += theta * plan.decay
    return Z, out


def descend(
    plan: Plan[F],
    theta: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    batches: Sequence[tuple[Matrix[F], Targets[F], Buffers[F]]],
    observe: Callable[[Activations[F], Activations[F], Targets[F]], T] | None = None,
) -> tuple[Matrix[F], tuple[Matrix[F], ...], int, list[T]]:
    """The optimiser's steps over ``batches`` of ``([X; 1], Y, buffers)``, from ``theta``.

    Each step is :func:`gradient` (a forward pass into the buffers, the
    backward pass into the packed gradient, plus ``plan.decay * theta``, L2's
    gradient) and one call of the optimiser's rule. Returns the new
    ``(theta, moments, count)`` and what ``observe(Z, A, Y)`` made of each
    batch's output layer before its step, if given (an empty list if not).

    Examples:
        >>> from fnmlp import backward, binary_cross_entropy, forward, init, sgd, update
        >>> params = init([2, 3, 1], seed=0)
        >>> X, Y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 0.0]])
        >>> layout = Layout.of(params)
        >>> plan = Plan.of(layout, binary_cross_entropy, sgd(0.1), l2=0.0, m=2)
        >>> batches = [(with_ones(X), Y, Buffers.of(layout, 2))]
        >>> theta, moments, count, _ = descend(plan, layout.pack(params), (), 0, batches)
        >>> grads = backward(params, forward(params, X)[1], Y, binary_cross_entropy)
        >>> bool(np.allclose(theta, layout.pack(update(params, grads, 0.1)))), count
        (True, 1)
    """
    observed: list[T] = []
    update, weights = plan.optimizer.update, plan.layout.weights
    for X1, Y, buffers in batches:
        Z, A = gradient(plan, theta, X1, Y, buffers)
        if observe is not None:
            observed.append(observe(Z, A, Y))
        new, moments = update(theta, buffers.grads, moments, count, weights)
        if not count:  # the first step: a rule of the user's own may give back anything
            check_rule(plan.optimizer, theta, buffers.grads, new, moments)
        theta = new
        count += 1
    return theta, moments, count, observed
