"""Wrong uses of the gradient algebra: every statement below must fail to type-check.

Each line ends in ``# type: ignore[<code>]``; mypy runs with
``warn_unused_ignores``, so a line that stops failing breaks the type tests.
"""

from __future__ import annotations

import numpy as np

from fnmlp import (
    Grads,
    Params,
    add_grads,
    binary_cross_entropy,
    gradient,
    init,
    scale_grads,
    value_and_gradient,
)
from fnmlp.aliases import Inputs, Targets

params: Params[np.float64] = init([2, 3, 1], seed=0)
small: Params[np.float32] = init([2, 3, 1], seed=0, dtype=np.float32)
X: Inputs[np.float64] = np.zeros((2, 4))
Y: Targets[np.float64] = np.zeros((1, 4))
grads: Grads[np.float64] = gradient(params, X, Y, binary_cross_entropy)
grads32: Grads[np.float32] = Grads.zeros(small)

# gradients of two dtypes added
add_grads(grads, grads32)  # type: ignore[misc]
# Params where Grads go
add_grads(grads, params)  # type: ignore[arg-type]
scale_grads(params, 2.0)  # type: ignore[arg-type]
# a string factor, a string total
scale_grads(grads, "2")  # type: ignore[arg-type]
gradient(params, X, Y, binary_cross_entropy, total="4")  # type: ignore[arg-type]
# value_and_gradient's pair taken for its Grads
wrong: Grads[np.float64] = value_and_gradient(params, X, Y, binary_cross_entropy)  # type: ignore[assignment]
# a float64 gradient kept as float32
narrowed: Grads[np.float32] = gradient(params, X, Y, binary_cross_entropy)  # type: ignore[arg-type]
# the zero of a Grads, not of Params
Grads.zeros(grads)  # type: ignore[arg-type]
