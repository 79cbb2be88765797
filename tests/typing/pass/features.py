"""The training features type-check with their documented types, and run."""

from __future__ import annotations

import numpy as np

import fnmlp
from fnmlp import (
    AdamState,
    Labels,
    Optimizer,
    Params,
    SgdState,
    TrainResult,
    Transform,
    adam,
    categorical_cross_entropy,
    chain,
    clip_by_global_norm,
    clip_by_value,
    init,
    sgd,
    softmax,
)

# a chain keeps its optimiser's state type
clip: Transform = clip_by_global_norm(1.0)
clipped: Optimizer[AdamState] = chain(clip, clip_by_value(0.5), adam(1e-3))
plain: Optimizer[SgdState] = chain(sgd(0.1))

# labels of any kind
names = np.array(["b", "a", "c", "a"])
encoder: Labels = fnmlp.labels_of(names)
Y = encoder.encode(names)
back: np.ndarray = encoder.decode(Y)
weights = fnmlp.class_sample_weight(Y, "balanced")

X = np.zeros((2, 4))
params: Params[np.float64] = init([2, 3], output=softmax, seed=0)
result: TrainResult[np.float64] = fnmlp.train(
    params,
    X,
    names,
    loss=categorical_cross_entropy,
    optimizer=clipped,
    epochs=2,
    class_weight={"a": 2.0},
    validation_fraction=0.5,
)
score: float = fnmlp.r2_score(params, X, Y)
error: float = fnmlp.mse(params, X, Y)
assert back.tolist() == names.tolist() and weights.shape == (4,)
