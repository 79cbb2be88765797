"""A user's own optimiser: a typed elementwise rule that ``train`` runs packed."""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp import Optimizer, Params, TrainResult, Update, binary_cross_entropy, init, train
from fnmlp.aliases import F, Inputs, Matrix, Targets


@attrs.frozen
class SignState:
    count: int = 0


def sign_update(
    p: Matrix[F],
    g: Matrix[F],
    moments: tuple[Matrix[F], ...],
    count: int,
    decayed: bool | npt.NDArray[np.bool_],
) -> tuple[Matrix[F], tuple[Matrix[F], ...]]:
    step: Matrix[F] = np.sign(g)
    step *= 0.01
    new: Matrix[F] = p - step
    new.setflags(write=False)
    return new, ()


def fresh(params: Params[np.float64]) -> SignState:
    return SignState()


rule: Update = sign_update
sign_sgd: Optimizer[SignState] = Optimizer("sign_sgd", fresh, rule)

X: Inputs[np.float64] = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
Y: Targets[np.float64] = np.array([[0.0, 1.0, 1.0, 1.0]])
result: TrainResult[np.float64] = train(
    init([2, 3, 1], seed=0), X, Y, loss=binary_cross_entropy, optimizer=sign_sgd, epochs=30
)
state: SignState = result.state.opt_state

assert state.count == 30
assert result.history.train_loss[-1] < result.history.train_loss[0]
