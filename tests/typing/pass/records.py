"""Records built by hand, changed with attrs.evolve, and user-defined activations."""

from __future__ import annotations

import attrs
import numpy as np

from fnmlp import (
    ACTIVATIONS,
    Activation,
    Grads,
    Layer,
    Loss,
    Params,
    forward,
    init,
    linear,
    mean_squared_error,
    relu,
)
from fnmlp.aliases import Activations, Bias, Deltas, F, Outputs, Weights

W1: Weights[np.float64] = np.ones((3, 2))
b1: Bias[np.float64] = np.zeros((3, 1))
W2: Weights[np.float64] = np.ones((1, 3))
b2: Bias[np.float64] = np.zeros((1, 1))

first: Layer[np.float64] = Layer(W1, b1, relu)
params: Params[np.float64] = Params((first, Layer(W2, b2, linear)))
widened: Layer[np.float64] = attrs.evolve(first, activation=ACTIVATIONS["tanh"])
grads: Grads[np.float64] = Grads(dW=(W1, W2), db=(b1, b2))


def softplus(Z: Activations[F]) -> Activations[F]:
    A: Activations[F] = np.logaddexp(0.0, Z)
    return A


def softplus_vjp(Z: Activations[F], A: Activations[F], dA: Deltas[F]) -> Deltas[F]:
    E: Activations[F] = np.exp(-Z)
    E += 1
    dZ: Deltas[F] = dA / E
    return dZ


# A user-defined activation: generic over the float dtype, like the built-in ones.
smooth = Activation("softplus", softplus, softplus_vjp)
custom: Params[np.float32] = init([2, 2, 1], hidden=smooth, seed=0, dtype=np.float32)
custom_out: Outputs[np.float32] = forward(custom, np.ones((2, 3), dtype=np.float32))[0]

kind: Loss = mean_squared_error
sizes: tuple[int, ...] = params.dims
name: str = params.layers[0].activation.name

assert sizes == (2, 3, 1) and name == "relu"
assert widened.activation.name == "tanh" and first.activation is relu
assert not params.layers[0].W.flags.writeable
assert forward(params, np.ones((2, 4)))[0].shape == (1, 4)
assert grads.dW[1].shape == (1, 3) and kind.name == "mean_squared_error"
assert custom_out.dtype == np.float32 and (custom_out > 0).all()
assert str(custom) == "Params([2, 2, 1], softplus -> sigmoid, float32)"
