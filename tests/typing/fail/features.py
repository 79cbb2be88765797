"""Wrong uses of the training features: every statement below must fail to type-check.

Each line ends in ``# type: ignore[<code>]``; mypy runs with
``warn_unused_ignores``, so a line that stops failing breaks the type tests.
"""

from __future__ import annotations

import numpy as np

import fnmlp
from fnmlp import (
    AdamState,
    Optimizer,
    SgdState,
    binary_cross_entropy,
    chain,
    clip_by_global_norm,
    init,
    sgd,
)

params = init([2, 1], seed=0)
X, Y = np.zeros((2, 4)), np.zeros((1, 4))

# a chain's state is its optimiser's
wrong_state: Optimizer[SgdState] = chain(clip_by_global_norm(1.0), fnmlp.adam(0.1))  # type: ignore[arg-type]
right_state: Optimizer[AdamState] = chain(clip_by_global_norm(1.0), sgd(0.1))  # type: ignore[arg-type]
# clip bounds are numbers
clip_by_global_norm("1.0")  # type: ignore[arg-type]
# class weights are a mapping or "balanced"
fnmlp.train(params, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1, class_weight="auto")  # type: ignore[arg-type]
fnmlp.train(params, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1, class_weight=[1.0, 2.0])  # type: ignore[arg-type]
# the metrics give floats
score: str = fnmlp.r2_score(params, X, Y)  # type: ignore[assignment]
