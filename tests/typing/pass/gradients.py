"""Gradient algebra keeps the network's dtype: shards, totals, weights, sums and scalings."""

from __future__ import annotations

import numpy as np

from fnmlp import (
    Grads,
    Params,
    add_grads,
    backward,
    binary_cross_entropy,
    forward,
    gradient,
    init,
    scale_grads,
    sgd,
    value_and_gradient,
)
from fnmlp.aliases import Inputs, Targets

params: Params[np.float32] = init([2, 3, 1], seed=0, dtype=np.float32)
X: Inputs[np.float32] = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=np.float32)
Y: Targets[np.float32] = np.array([[0, 1, 1, 0]], dtype=np.float32)

left: tuple[float, Grads[np.float32]] = value_and_gradient(
    params, X[:, :2], Y[:, :2], binary_cross_entropy, total=4
)
right: Grads[np.float32] = gradient(params, X[:, 2:], Y[:, 2:], binary_cross_entropy, total=4)
whole: Grads[np.float32] = add_grads(left[1], right, Grads.zeros(params))
halved: Grads[np.float32] = scale_grads(whole, 0.5)
weighted: Grads[np.float32] = backward(
    params, forward(params, X)[1], Y, binary_cross_entropy, sample_weight=[1, 2, 0, 1]
)
stepped: Params[np.float32] = sgd(0.1).step(params, halved, sgd(0.1).init(params))[0]

assert whole.g.dtype == np.float32 and halved.g.dtype == np.float32
assert np.allclose(whole.g, gradient(params, X, Y, binary_cross_entropy).g, atol=1e-6)
assert weighted.g.shape == params.theta.shape and stepped.dtype == np.float32
