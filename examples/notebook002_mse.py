"""Notebook 002: a ``[3, 4, 1]`` ReLU/sigmoid network trained with mean squared error.

Four examples of three binary features, ``N(0, 0.5)`` weights and biases, plain
gradient descent with learning rate 0.3 for 100 epochs, the loss printed each
epoch. The loss is the mean over all entries of ``(Yhat - Y)^2``.

The notebook's hand-written backward pass mixed a sum and a mean: its ``dW``
summed over the examples while its ``db`` averaged them, so its weights moved
``m = 4`` times faster than the gradient of its loss says. fnmlp's gradients
are those of the loss it reports (checked here against a finite difference);
with them the loss falls steadily every epoch, if less steeply than the
notebook's over-sized weight steps made it fall.

Run it with ``python examples/notebook002_mse.py``.
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np

import fnmlp
from fnmlp.aliases import Deltas, Inputs, Targets, Weights

DIMS = (3, 4, 1)
SIGMA = 0.5
LEARNING_RATE = 0.3
EPOCHS = 100
SEED = 0


def notebook_gradients(
    params: fnmlp.Params[np.float64], X: Inputs[np.float64], Y: Targets[np.float64]
) -> tuple[Weights[np.float64], Deltas[np.float64]]:
    """``dW[2]`` and ``db[2]`` as the notebook computed them (``dW`` summed, ``db`` averaged)."""
    Yhat, cache = fnmlp.forward(params, X)
    da2: Deltas[np.float64] = 2 * Yhat - 2 * Y  # no 1/m: the derivative of a sum
    dz2: Deltas[np.float64] = da2 * Yhat * (1 - Yhat)
    dW2: Weights[np.float64] = dz2 @ cache.A[1].T  # sums over the m examples
    db2: Deltas[np.float64] = dz2.mean(axis=1, keepdims=True)  # averages over them
    return dW2, db2


def main(argv: list[str] | None = None) -> int:
    """Train as the notebook did and print the loss each epoch; 0 when it fell every epoch."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="no effect: the notebook's 100 epochs take milliseconds",
    )
    parser.parse_args(argv)

    # Four examples as columns: X is (3, 4), Y is (1, 4).
    X: Inputs[np.float64] = np.array([[0.0, 0, 1], [1, 1, 0], [1, 0, 0], [0, 1, 1]]).T
    Y: Targets[np.float64] = np.array([[0.0, 1, 1, 0]])
    m = X.shape[1]

    # ReLU hidden layer, sigmoid output; weights AND biases drawn from N(0, 0.5).
    params = fnmlp.init(
        DIMS, hidden=fnmlp.relu, output=fnmlp.sigmoid, scheme="normal", sigma=SIGMA, seed=SEED
    )
    print(f"{params}, N(0, {SIGMA}) init (seed {SEED}), X {X.shape}, Y {Y.shape}")

    # The gradients of the mean squared error, fnmlp's and the notebook's, against a
    # central difference of the loss in a weight and the bias of layer 2 (the weight
    # from the most active hidden unit: a unit that is 0 for every example has dW = 0).
    _, cache = fnmlp.forward(params, X)
    grads = fnmlp.backward(params, cache, Y, fnmlp.mean_squared_error)
    old_dW2, old_db2 = notebook_gradients(params, X, Y)
    j = int(np.argmax(np.abs(grads.dW[1][0])))
    eps = 1e-6
    layer = params.layers[1]

    def moved_loss(dW: float, db: float) -> float:
        shift: Weights[np.float64] = np.zeros_like(layer.W)
        shift[0, j] = dW
        W: Weights[np.float64] = layer.W + shift
        b: Deltas[np.float64] = layer.b + db
        moved = fnmlp.Params((params.layers[0], fnmlp.Layer(W, b, layer.activation)))
        return fnmlp.loss(fnmlp.forward(moved, X)[0], Y, fnmlp.mean_squared_error)

    num_dW = (moved_loss(eps, 0) - moved_loss(-eps, 0)) / (2 * eps)
    num_db = (moved_loss(0, eps) - moved_loss(0, -eps)) / (2 * eps)
    print("Gradients of the loss at the start (layer 2), against central differences:")
    print(
        f"  dW[2][0, {j}]: numerical {num_dW:+.6f}  fnmlp {grads.dW[1][0, j]:+.6f}  notebook {old_dW2[0, j]:+.6f}"
    )
    print(
        f"  db[2][0, 0]: numerical {num_db:+.6f}  fnmlp {grads.db[1][0, 0]:+.6f}  notebook {old_db2[0, 0]:+.6f}"
    )
    ratio_W = float(old_dW2[0, j] / num_dW)
    ratio_b = float(old_db2[0, 0] / num_db)
    print(f"  the notebook's dW is {ratio_W:.2f} x the gradient (m = {m}), its db {ratio_b:.2f} x")
    grads_ok = abs(grads.dW[1][0, j] - num_dW) < 1e-8 and abs(grads.db[1][0, 0] - num_db) < 1e-8

    # Train: full-batch gradient descent, the loss recorded after every epoch.
    result = fnmlp.train(
        params,
        X,
        Y,
        loss=fnmlp.mean_squared_error,
        optimizer=fnmlp.sgd(LEARNING_RATE),
        epochs=EPOCHS,
        log_every=1,
        running_loss=False,
    )
    losses = result.history.train_loss
    print(f"\nMean squared error after each of {EPOCHS} epochs (learning rate {LEARNING_RATE}):")
    for epoch, value in zip(result.history.epochs, losses):
        print(f"  epoch {epoch:>3}  {value:.6f}")
    falling = all(later < earlier for earlier, later in itertools.pairwise(losses))
    Yhat_final, _ = fnmlp.forward(result.params, X)
    print(f"\noutputs {np.round(Yhat_final, 3).tolist()}, targets {Y.tolist()}")
    print(f"predicted {fnmlp.predict(result.params, X).tolist()}")
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}, falling every epoch: {falling}")
    return 0 if falling and grads_ok else 1


if __name__ == "__main__":
    sys.exit(main())
