"""The whole float64 pipeline, every value annotated with the type fnmlp promises."""

from __future__ import annotations

import numpy as np

import fnmlp
from fnmlp import (
    Cache,
    Grads,
    Optimizer,
    Params,
    SgdState,
    TrainResult,
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
from fnmlp.aliases import Inputs, Matrix, Outputs, Targets

X: Inputs[np.float64] = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
Y: Targets[np.float64] = np.array([[0.0, 1.0, 1.0, 1.0]])

params: Params[np.float64] = init([2, 3, 1], hidden=relu, output=sigmoid, seed=0)
Yhat: Outputs[np.float64]
cache: Cache[np.float64]
Yhat, cache = forward(params, X)
J: float = loss(Yhat, Y, binary_cross_entropy)
grads: Grads[np.float64] = backward(params, cache, Y, binary_cross_entropy)
stepped: Params[np.float64] = update(params, grads, learning_rate=0.5)

opt: Optimizer[SgdState] = sgd(0.5)
state: SgdState = opt.init(params)
moved: tuple[Params[np.float64], SgdState] = opt.step(params, grads, state)

result: TrainResult[np.float64] = train(
    params, X, Y, loss=binary_cross_entropy, optimizer=opt, epochs=20, log_every=10
)
trained: Params[np.float64] = result.params
first_W: Matrix[np.float64] = trained.layers[0].W
losses: tuple[float, ...] = result.history.train_loss
predictions = fnmlp.predict(trained, X)
share: float = fnmlp.accuracy(trained, X, Y)

# Inputs may be nested lists of ints, as the notebooks write them.
from_lists: tuple[Outputs[np.float64], Cache[np.float64]] = forward(params, [[0, 1], [1, 0]])

assert Yhat.shape == (1, 4) and len(cache.A) == 3
assert 0.0 < J < 10.0
assert [dW.shape for dW in grads.dW] == [(3, 2), (1, 3)]
assert stepped.dims == params.dims == (2, 3, 1)
assert moved[1].count == 1
assert first_W.dtype == np.float64 and len(losses) == 2  # running means: epochs 1 and 2
assert predictions.shape == (1, 4) and 0.0 <= share <= 1.0
assert from_lists[0].shape == (1, 2)
