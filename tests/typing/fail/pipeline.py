"""Wrong uses of the pipeline: every statement below must fail to type-check.

Each line ends in ``# type: ignore[<code>]``; mypy runs with
``warn_unused_ignores``, so a line that stops failing breaks the type tests.
"""

from __future__ import annotations

import numpy as np

from fnmlp import (
    AdamState,
    Cache,
    Grads,
    Optimizer,
    Params,
    SgdState,
    adam,
    backward,
    binary_cross_entropy,
    forward,
    init,
    loss,
    relu,
    sgd,
    sigmoid,
    train,
    update,
)
from fnmlp.aliases import Inputs, Targets

X: Inputs[np.float64] = np.zeros((2, 4))
Y: Targets[np.float64] = np.zeros((1, 4))
params: Params[np.float64] = init([2, 3, 1], seed=0)
cache: Cache[np.float64] = forward(params, X)[1]
grads: Grads[np.float64] = backward(params, cache, Y, binary_cross_entropy)
opt: Optimizer[SgdState] = sgd(0.1)
adam_state: AdamState = adam(0.1).init(params)

# Params and Grads swapped
update(grads, params, 0.1)  # type: ignore[arg-type]
# an array where the Cache goes
backward(params, X, Y, binary_cross_entropy)  # type: ignore[arg-type]
# a Cache where the Params go
forward(cache, X)  # type: ignore[arg-type]
# an Activation where a Loss goes
backward(params, cache, Y, sigmoid)  # type: ignore[arg-type]
loss(X, Y, relu)  # type: ignore[arg-type]
train(params, X, Y, loss=sigmoid, optimizer=opt, epochs=10)  # type: ignore[arg-type]
# a Loss where an Activation goes
init([2, 1], output=binary_cross_entropy)  # type: ignore[call-overload]
# learning rates and epochs that are not numbers
sgd("0.1")  # type: ignore[arg-type]
update(params, grads, "0.1")  # type: ignore[arg-type]
update(params, grads, None)  # type: ignore[arg-type]
train(params, X, Y, loss=binary_cross_entropy, optimizer=opt, epochs="10")  # type: ignore[arg-type]
# hyperparameters are keyword-only, and only the real ones exist
train(params, X, Y, binary_cross_entropy, opt, 10)  # type: ignore[call-arg]
train(params, X, Y, loss=binary_cross_entropy, optimizer=opt, epochs=1, lr=0.1)  # type: ignore[call-arg]
# another optimiser's state, or none
opt.step(params, grads, adam_state)  # type: ignore[arg-type]
opt.step(params, grads)  # type: ignore[call-arg]
forward(params)  # type: ignore[call-arg]


# an update rule must take and return arrays, not floats
def float_rule(p: float, g: float, moments: tuple[()], count: int, decayed: bool) -> float:
    return p - g


Optimizer("bad", sgd(0.1).init, float_rule)  # type: ignore[arg-type]
# init's options are checked
init([2, 1], scheme="glorot")  # type: ignore[call-overload]
init([2, 1], seed=1.5)  # type: ignore[call-overload]
init([2, 1], dtype=np.float16)  # type: ignore[arg-type]
