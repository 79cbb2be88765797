"""Where each layer's block sits in a packed ``(1, N)`` array, and the one helper that locks arrays.

:class:`Structure` and :func:`lock` are public through :mod:`fnmlp.records`.

Examples:
    >>> import numpy as np
    >>> Structure.of((2, 3, 1), np.dtype(np.float64)).size
    13
"""

from __future__ import annotations

import functools
import itertools
from typing import Any, Generic

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp.aliases import Bias, F, Matrix, Weights

__all__ = ["Span", "Structure", "lock"]

Span = tuple[int, int, tuple[int, int]]


def lock(array: Any) -> Any:
    """``array`` made read-only for good: a read-only view of the read-only array.

    A view whose bases are all read-only cannot be made writable again
    (``flags.writeable = True`` raises); every array a record holds is one.
    When ``array`` is itself a view (a rule of a user's own may return one),
    the array that owns its memory is made read-only too, so that nothing
    can write through it: ``lock`` takes arrays fnmlp made or copied, whose
    owner nobody else holds. The owner, reached through ``.base``, can still
    be made writable: that is deliberate circumvention, like
    ``object.__setattr__`` on a frozen record, and nothing fnmlp promises
    survives it.

    Examples:
        >>> a = lock(np.zeros((1, 1)))
        >>> a.flags.writeable = True
        Traceback (most recent call last):
        ...
        ValueError: cannot set WRITEABLE flag to True of this array
        >>> scratch = np.zeros((2, 2))
        >>> row = lock(scratch[:1])
        >>> row.flags.writeable, scratch.flags.writeable
        (False, False)
    """
    array.setflags(write=False)
    view = array.view()
    owner = view.base  # NumPy points a view's base at the array that owns the memory
    if owner is not array:  # ``array`` is a view: lock what owns its memory as well
        if not isinstance(owner, np.ndarray) or owner.base is not None:
            return lock(np.array(array, copy=True))  # memory from elsewhere: a copy of our own
        owner.setflags(write=False)
    return view


@attrs.frozen(eq=False)
class Structure(Generic[F]):
    """Where each layer's block ``[W.T; b.T]`` sits in a ``(1, N)`` packed array.

    One per architecture and dtype (``Structure.of`` returns the same record
    for the same ``dims`` and ``dtype``), shared by the :class:`Params`,
    :class:`Grads` and optimiser moments of that network.

    Attributes:
        dims: ``(n_x, n_1, ..., n_L)``.
        dtype: the float dtype.
        spans: each block's ``(start, stop, (n_{l-1} + 1, n_l))``.
        size: ``N``, the number of parameters.
        weights: a read-only ``(1, N)`` boolean mask, ``True`` at the weights'
            entries (L2 and AdamW's decay leave the biases alone).
        units: ``sum(2 n_l + 1)`` over the layers: the numbers one example's
            pass keeps (each layer's ``Z`` and ``[A; 1]``), for memory estimates.

    Examples:
        >>> s = Structure.of((2, 3, 1), np.dtype(np.float64))
        >>> s.spans, s.size
        (((0, 9, (3, 3)), (9, 13, (4, 1))), 13)
        >>> Structure.of((2, 3, 1), np.dtype(np.float64)) is s
        True
    """

    dims: tuple[int, ...]
    dtype: np.dtype[F]
    spans: tuple[Span, ...]
    size: int
    weights: npt.NDArray[np.bool_]
    units: int = 0

    @staticmethod
    @functools.lru_cache(maxsize=256)
    def of(dims: tuple[int, ...], dtype: np.dtype[Any]) -> Structure[Any]:
        """The structure of a network with layer sizes ``dims`` in ``dtype``."""
        shapes: list[tuple[int, int]] = [(n_prev + 1, n) for n_prev, n in itertools.pairwise(dims)]
        starts = (0, *itertools.accumulate(k * n for k, n in shapes))
        weights = np.ones((1, starts[-1]), dtype=bool)
        for (k, n), start in zip(shapes, starts):
            weights[0, start : start + k * n].reshape(k, n)[-1] = False
        return Structure(
            tuple(dims),
            np.dtype(dtype),
            tuple(zip(starts, starts[1:], shapes)),
            starts[-1],
            lock(weights),
            sum(2 * n + 1 for n in dims[1:]),
        )

    def blocks(self, flat: Matrix[F]) -> list[Matrix[F]]:
        """Views of ``flat``'s blocks ``[W.T; b.T]``, one per layer."""
        row = flat[0]
        return [row[start:stop].reshape(shape) for start, stop, shape in self.spans]

    def split(self, flat: Matrix[F]) -> tuple[tuple[Weights[F], ...], tuple[Bias[F], ...]]:
        """Read-only views ``(Ws, bs)`` of each layer's ``W`` and ``b`` in the read-only ``flat``."""
        blocks = self.blocks(flat)
        return tuple(q[:-1].T for q in blocks), tuple(q[-1:].T for q in blocks)

    def join(self, Ws: tuple[Matrix[Any], ...], bs: tuple[Matrix[Any], ...]) -> Matrix[F]:
        """A new locked ``(1, N)`` array packing the per-layer ``Ws`` and ``bs``."""
        flat: Matrix[F] = np.empty((1, self.size), self.dtype)
        for block, W, b in zip(self.blocks(flat), Ws, bs):
            block[:-1] = W.T
            block[-1:] = b.T
        locked: Matrix[F] = lock(flat)
        return locked
