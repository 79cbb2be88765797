"""Wrong uses of the records: every statement below must fail to type-check.

Each line ends in ``# type: ignore[<code>]``; mypy runs with
``warn_unused_ignores``, so a line that stops failing breaks the type tests.
"""

from __future__ import annotations

import numpy as np

from fnmlp import Activation, Grads, Layer, Params, init, relu
from fnmlp.aliases import Activations, Bias, Deltas, Weights

W: Weights[np.float64] = np.ones((3, 2))
b: Bias[np.float64] = np.zeros((3, 1))
W32: Weights[np.float32] = np.ones((3, 2), dtype=np.float32)
layer: Layer[np.float64] = Layer(W, b, relu)
params: Params[np.float64] = init([2, 3], seed=0)
grads: Grads[np.float64] = Grads(dW=(W,), db=(b,))


def only_float64(Z: Activations[np.float64]) -> Activations[np.float64]:
    return Z


def only_float64_vjp(
    Z: Activations[np.float64], A: Activations[np.float64], dA: Deltas[np.float64]
) -> Deltas[np.float64]:
    return dA


# records are frozen (attrs' mypy plugin): change them with attrs.evolve
params.layers = ()  # type: ignore[misc]
layer.W = W  # type: ignore[misc]
layer.activation = relu  # type: ignore[misc]
grads.dW = (W,)  # type: ignore[misc]
params.dims = (2, 3)  # type: ignore[misc]
# an activation's name where the Activation goes
Layer(W, b, "relu")  # type: ignore[arg-type]
# float32 weights with a float64 bias
Layer(W32, b, relu)  # type: ignore[type-var]
# lists or a bare Layer where a tuple of layers or arrays goes
Params([layer])  # type: ignore[arg-type]
Params(layer)  # type: ignore[arg-type]
Grads(dW=[W], db=[b])  # type: ignore[arg-type]
# the rank is in the type: a vector is not a matrix
bad_rank: Weights[np.float64] = np.zeros(3)  # type: ignore[assignment]
# an activation must work for float32 and float64 networks alike (generic in F)
Activation("only_float64", only_float64, only_float64_vjp)  # type: ignore[arg-type]
