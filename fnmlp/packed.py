"""The packed layout :func:`fnmlp.train` steps in: every parameter of the network in one array.

Layer ``l``'s weights and bias sit side by side as one block ``[W | b]`` of
shape ``(n_l, n_{l-1} + 1)``, the blocks one after another in a ``(1, N)``
array, and each layer's input carries a last row of ones. Then
``Z = [W | b] @ [A; 1]`` and ``[dW | db] = dZ @ [A; 1].T`` are one matrix
product each, and one call of the optimiser's rule updates the whole network:
the maths of :mod:`fnmlp.propagation`, in fewer numpy calls, which is what a
small network's step costs.

The layer inputs ``[A; 1]`` live in buffers that one training run allocates
and rewrites every step; what leaves the run (params, optimiser states) is
unpacked into new read-only arrays.

Examples:
    >>> import numpy as np
    >>> from fnmlp import init
    >>> params = init([2, 3, 1], seed=0)
    >>> layout = Layout.of(params)
    >>> layout.shapes, layout.starts
    (((3, 3), (1, 4)), (0, 9, 13))
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
from collections.abc import Sequence
from typing import Any, Generic

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp.activations import Activation, Into, writer
from fnmlp.aliases import Activations, F, Inputs, Matrix, Targets
from fnmlp.losses import Loss, fuses
from fnmlp.optimisers import Optimizer, with_moments
from fnmlp.propagation import _layer, _params
from fnmlp.records import Params

__all__ = ["Buffers", "Layout", "Plan", "descend", "with_ones"]


@attrs.frozen(eq=False)
class Layout(Generic[F]):
    """Where each layer's ``[W | b]`` block sits in the packed ``(1, N)`` array.

    Attributes:
        activations: each layer's activation.
        shapes: each block's shape ``(n_l, n_{l-1} + 1)``.
        starts: the ``L + 1`` offsets of the blocks, the last one ``N``.
        dtype: the network's dtype.
        weights: a read-only ``(1, N)`` boolean array, ``True`` at the weights'
            entries (for L2 and AdamW's decay, which leave biases alone).
    """

    activations: tuple[Activation, ...]
    shapes: tuple[tuple[int, int], ...]
    starts: tuple[int, ...]
    dtype: np.dtype[F]
    weights: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, params: Params[F]) -> Layout[F]:
        """The layout of ``params``' architecture and dtype."""
        shapes: tuple[tuple[int, int], ...] = tuple(
            (layer.W.shape[0], layer.W.shape[1] + 1) for layer in params.layers
        )
        starts = (0, *itertools.accumulate(n * k for n, k in shapes))
        weights = np.ones((1, starts[-1]), dtype=bool)
        for (n, k), start in zip(shapes, starts):
            weights[0, start : start + n * k].reshape(n, k)[:, -1] = False
        weights.setflags(write=False)
        dtype: np.dtype[F] = params.layers[0].W.dtype
        return cls(
            tuple(layer.activation for layer in params.layers), shapes, starts, dtype, weights
        )

    def blocks(self, flat: Matrix[F]) -> list[Matrix[F]]:
        """Views of ``flat``'s blocks ``[W | b]``, one per layer."""
        row = flat[0]
        return [
            row[start:stop].reshape(shape)
            for start, stop, shape in zip(self.starts, self.starts[1:], self.shapes)
        ]

    def join(self, Ws: Sequence[Matrix[F]], bs: Sequence[Matrix[F]]) -> Matrix[F]:
        """A new read-only packed array of the per-layer ``Ws`` and ``bs``."""
        flat: Matrix[F] = np.empty((1, self.starts[-1]), self.dtype)
        for block, W, b in zip(self.blocks(flat), Ws, bs):
            block[:, :-1] = W
            block[:, -1:] = b
        flat.setflags(write=False)
        return flat

    def split(self, flat: Matrix[F]) -> tuple[list[Matrix[F]], list[Matrix[F]]]:
        """New contiguous read-only copies of each layer's ``W`` and ``b`` in ``flat``."""
        Ws: list[Matrix[F]] = []
        bs: list[Matrix[F]] = []
        for block in self.blocks(flat):
            W: Matrix[F] = np.ascontiguousarray(block[:, :-1])
            b: Matrix[F] = block[:, -1:].copy()
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
        grad_blocks: its blocks ``[dW | db]``.
        size: ``size`` as a 0-d array of the network's dtype (the ``m`` that
            divides the output delta).
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
        for n, _ in layout.shapes[:-1]:
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


def descend(
    plan: Plan[F],
    theta: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    batches: Sequence[tuple[Matrix[F], Targets[F], Buffers[F]]],
) -> tuple[Matrix[F], tuple[Matrix[F], ...], int]:
    """The optimiser's steps over ``batches`` of ``([X; 1], Y, buffers)``, from ``theta``.

    Each step is a forward pass into the buffers, the backward pass into the
    packed gradient (plus ``plan.decay * theta``, L2's gradient), and one call
    of the optimiser's rule. Returns the new ``(theta, moments, count)``.
    """
    layout, kind, decay, fused = plan.layout, plan.kind, plan.decay, plan.fused
    writers, derivatives, hidden = plan.writers, plan.derivatives, plan.hidden
    last = layout.activations[-1]
    update, weights = plan.optimizer.update, layout.weights
    for X1, Y, buffers in batches:
        blocks = layout.blocks(theta)
        inputs, values = buffers.inputs, buffers.values
        Zs: list[Activations[F]] = []
        A = X1
        for block, write, into, value in zip(blocks, writers, inputs, values):
            Z: Activations[F] = block.dot(A)
            write(Z, value)
            Zs.append(Z)
            A = into
        Z = blocks[-1].dot(A)
        out: Activations[F] = last.fn(Z)
        if fused:
            dZ: Matrix[F] = out - Y
            dZ /= buffers.size
        else:
            dZ = last.derivative(Z, out, kind.gradient(out, Y))
        grad_blocks = buffers.grad_blocks
        dZ.dot(A.T, grad_blocks[-1])
        for l in hidden:
            dA: Matrix[F] = blocks[l + 1][:, :-1].T.dot(dZ)
            dZ = derivatives[l](Zs[l], values[l], dA)
            dZ.dot((inputs[l - 1] if l else X1).T, grad_blocks[l])
        grads = buffers.grads
        if decay is not None:
            grads += theta * decay
        theta, moments = update(theta, grads, moments, count, weights)
        count += 1
    return theta, moments, count
