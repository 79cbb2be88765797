"""The dtype variable defaults to float64: bare ``Params``, ``Grads`` and ``Cache`` need no argument.

Under ``mypy --strict`` a generic class without its type argument is an error
unless the type variable has a default; fnmlp's ``F`` defaults to
``numpy.float64``, fnmlp's default dtype.
"""

from __future__ import annotations

import numpy as np

import fnmlp
from fnmlp import Cache, Grads, Params

X = np.array([[0.0, 1.0], [1.0, 0.0]])
Y = np.array([[1.0, 0.0]])

params: Params = fnmlp.init([2, 3, 1], seed=0)
Yhat, cache = fnmlp.forward(params, X)
kept: Cache = cache
grads: Grads = fnmlp.backward(params, kept, Y, fnmlp.binary_cross_entropy)
same: Params[np.float64] = fnmlp.update(params, grads, learning_rate=0.1)
both: tuple[float, Grads] = fnmlp.value_and_gradient(params, X, Y, fnmlp.binary_cross_entropy)
summed: Grads = fnmlp.add_grads(grads, both[1])

assert same.dtype == np.float64 and summed.g.shape == params.theta.shape
