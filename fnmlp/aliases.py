"""Shape-annotated array aliases: rank and dtype for mypy, dimension names for people.

``Matrix[F]`` is a two-dimensional numpy array whose dtype is ``F``, one of
``numpy.float32`` and ``numpy.float64``. mypy checks the rank and the dtype;
it cannot check sizes, so each role alias names its dimensions (``"n_l m"``)
and fnmlp's records and entry points check the sizes at run time.

``F`` is a *constrained* type variable (``float64`` when not written): mypy checks every generic function
once with ``float32`` and once with ``float64``, which lets numpy's stubs
keep the dtype through ``@``, ``+`` and ufuncs. A float32 network therefore
stays ``float32`` in the types as it does at run time.

Examples:
    >>> import numpy as np
    >>> from fnmlp.aliases import Weights
    >>> W: Weights[np.float64] = np.zeros((3, 2))
    >>> W.shape
    (3, 2)
"""

from __future__ import annotations

from typing import Annotated, TypeAlias

import numpy as np
from typing_extensions import TypeVar

__all__ = [
    "Activations",
    "Bias",
    "Deltas",
    "F",
    "Floating",
    "Inputs",
    "Matrix",
    "Outputs",
    "Targets",
    "Weights",
]

F = TypeVar("F", np.float32, np.float64, default=np.float64)
"""The float dtype a network computes in: ``numpy.float32`` or ``numpy.float64``.

It defaults to ``numpy.float64``, fnmlp's default, so ``params: Params = init(...)``
means ``Params[np.float64]``."""

Floating: TypeAlias = np.float32 | np.float64
"""Either float dtype, where a value need not be tied to ``F``."""

Matrix: TypeAlias = np.ndarray[tuple[int, int], np.dtype[F]]
"""A rank-2 array of dtype ``F``."""

Inputs: TypeAlias = Annotated[Matrix[F], "n_x m"]
"""``X`` or ``A[0]``: one column per example."""

Targets: TypeAlias = Annotated[Matrix[F], "n_y m"]
"""``Y``: one column per example."""

Outputs: TypeAlias = Annotated[Matrix[F], "n_y m"]
"""``Yhat = A[L]``, the network's output."""

Weights: TypeAlias = Annotated[Matrix[F], "n_l n_prev"]
"""``W[l]`` and ``dW[l]``."""

Bias: TypeAlias = Annotated[Matrix[F], "n_l 1"]
"""``b[l]`` and ``db[l]``: a column."""

Activations: TypeAlias = Annotated[Matrix[F], "n_l m"]
"""``Z[l]`` and ``A[l]``."""

Deltas: TypeAlias = Annotated[Matrix[F], "n_l m"]
"""``dZ[l]`` and ``dA[l]``: gradients of the loss with respect to a layer's values."""
