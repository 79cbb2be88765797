"""A float32 network stays float32 in the types, as it does at run time."""

from __future__ import annotations

import numpy as np

from fnmlp import (
    AdamState,
    Cache,
    Grads,
    Params,
    TrainResult,
    adam,
    backward,
    batches,
    categorical_cross_entropy,
    forward,
    init,
    one_hot,
    softmax,
    tanh,
    train,
    update,
)
from fnmlp.aliases import Bias, Inputs, Outputs, Weights

X: Inputs[np.float32] = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 2.0]], dtype=np.float32)
Y = one_hot([0, 1, 1], classes=2)

params: Params[np.float32] = init([2, 4, 2], hidden=tanh, output=softmax, seed=1, dtype=np.float32)
Yhat: Outputs[np.float32]
cache: Cache[np.float32]
Yhat, cache = forward(params, X)
grads: Grads[np.float32] = backward(params, cache, Y, categorical_cross_entropy)
stepped: Params[np.float32] = update(params, grads, 0.1)
dW: Weights[np.float32] = grads.dW[0]
db: Bias[np.float32] = grads.db[0]

opt = adam(0.01)
state: AdamState = opt.init(params)
after: Params[np.float32]
after, state = opt.step(params, grads, state)

result: TrainResult[np.float32] = train(
    params, X, Y, loss=categorical_cross_entropy, optimizer=opt, epochs=5
)
W: Weights[np.float32] = result.params.layers[1].W
resumed: TrainResult[np.float32] = train(
    result.state, X, Y, loss=categorical_cross_entropy, optimizer=opt, epochs=5
)

# train's batches of an epoch, in the inputs' dtype
X_batch, Y_batch = batches(X, Y, batch_size=2, seed=0, epoch=1)[0]
batch_out: Outputs[np.float32] = forward(params, X_batch)[0]

for array in (Yhat, X_batch, Y_batch, batch_out, *cache.Z, *cache.A, dW, db, W, state.mean, state.square):
    assert array.dtype == np.float32
assert stepped.dtype == after.dtype == resumed.params.dtype == np.float32
assert resumed.state.epoch == 10
