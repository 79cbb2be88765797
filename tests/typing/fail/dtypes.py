"""Mixing float32 and float64: every statement below must fail to type-check.

``F`` is a constrained type variable, so a network's dtype is part of its
type: float32 params, caches, grads and arrays do not mix with float64 ones.
Each line ends in ``# type: ignore[<code>]``; mypy runs with
``warn_unused_ignores``, so a line that stops failing breaks the type tests.
"""

from __future__ import annotations

import numpy as np

from fnmlp import (
    Cache,
    Grads,
    Params,
    backward,
    batches,
    binary_cross_entropy,
    forward,
    init,
    sgd,
    train,
    update,
)
from fnmlp.aliases import Inputs, Matrix, Outputs, Targets

X: Inputs[np.float64] = np.zeros((2, 4))
X32: Inputs[np.float32] = np.zeros((2, 4), dtype=np.float32)
Y: Targets[np.float64] = np.zeros((1, 4))
params: Params[np.float64] = init([2, 1], seed=0)
params32: Params[np.float32] = init([2, 1], seed=0, dtype=np.float32)
cache: Cache[np.float64] = forward(params, X)[1]
cache32: Cache[np.float32] = forward(params32, X32)[1]
grads: Grads[np.float64] = backward(params, cache, Y, binary_cross_entropy)
grads32: Grads[np.float32] = backward(params32, cache32, Y, binary_cross_entropy)

# init's dtype decides the network's type (float64 by default)
wrong_default: Params[np.float32] = init([2, 1])  # type: ignore[assignment]
wrong_dtype: Params[np.float64] = init([2, 1], dtype=np.float32)  # type: ignore[assignment]
# a float32 network's outputs, gradients and trained params are float32
wrong_output: Outputs[np.float64] = forward(params32, X)[0]  # type: ignore[assignment]
wrong_matrix: Matrix[np.float32] = grads.dW[0]  # type: ignore[assignment]
result = train(params32, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1)
wrong_trained: Params[np.float64] = result.params  # type: ignore[assignment]
# float64 grads or caches for a float32 network, and the reverse
update(params32, grads, 0.1)  # type: ignore[misc]
update(params, grads32, 0.1)  # type: ignore[misc]
backward(params32, cache, Y, binary_cross_entropy)  # type: ignore[misc]
sgd(0.1).step(params32, grads, sgd(0.1).init(params32))  # type: ignore[misc]

# A bare Params means Params[float64]: a float32 network is not one.
bare: Params = init([2, 1], seed=0, dtype=np.float32)  # type: ignore[assignment]

# train's batches keep the inputs' dtype: float32 batches are not float64 ones.
X_batch: Inputs[np.float64] = batches(X32, Y, batch_size=2)[0][0]  # type: ignore[assignment]
batches(X, Y, batch_size="2")  # type: ignore[call-overload]
