"""Notebook 001: the 10-example height/weight table with a ``[2, 3, 3, 1]`` sigmoid network.

Every array's shape is stated (and checked) at every stage, with one column per
example: ``X`` is ``(n_x, m) = (2, 10)``, ``W[l]`` is ``(n_l, n_{l-1})``,
``b[l]`` is ``(n_l, 1)``, ``Z[l]`` and ``A[l]`` are ``(n_l, m)``, and the
gradients ``dW[l]``, ``db[l]`` have the shapes of ``W[l]``, ``b[l]``.

Two of the notebook's bugs are shown rather than repeated: it fed the raw
features (60 to 312) to sigmoid units, which saturates them so that every
example gets the same output, and it computed ``db`` from ``dW`` instead of
``dZ`` -- which its shape assertions could not catch, since both sums have the
shape of ``b``. A finite difference does catch it.

Run it with ``python examples/notebook001_height_weight.py`` (``--quick``
trains for fewer epochs).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import fnmlp
from fnmlp.aliases import Bias, Deltas, Matrix
from fnmlp.datasets import height_weight, standardise

DIMS = (2, 3, 3, 1)  # n[0] = 2 features, two hidden layers of 3 units, 1 output
SEED = 0
LEARNING_RATE = 1.0
EPOCHS = 1000


def stated(name: str, array: Matrix[np.float64], expected: tuple[int, int]) -> bool:
    """Print ``name``'s shape next to the expected one; True when they agree."""
    ok = array.shape == expected
    print(f"  {name:<6} {array.shape!s:<9} expected {expected!s:<9} {'ok' if ok else 'WRONG'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    """Walk through one forward and backward pass, then train; 0 when the table is learned."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="train for 300 epochs, not 1000")
    args = parser.parse_args(argv)
    epochs = 300 if args.quick else EPOCHS
    n, L = DIMS, len(DIMS) - 1
    shapes_ok: list[bool] = []

    # 1. The data: the notebook's table, one COLUMN per person (it built rows and transposed).
    X_raw, Y = height_weight()
    m = X_raw.shape[1]
    print(f"Data: {m} examples, {n[0]} features (first columns {X_raw[:, :3].tolist()})")
    shapes_ok += [stated("X", X_raw, (n[0], m)), stated("Y", Y, (n[L], m))]

    # 2. The network: N(0, 1) weights and biases as in the notebook (scheme="standard"),
    #    sigmoid in every layer.
    params = fnmlp.init(
        DIMS, hidden=fnmlp.sigmoid, output=fnmlp.sigmoid, scheme="standard", seed=SEED
    )
    print(f"\nNetwork {params}:")
    for l, layer in enumerate(params.layers, start=1):
        shapes_ok.append(stated(f"W[{l}]", layer.W, (n[l], n[l - 1])))
        shapes_ok.append(stated(f"b[{l}]", layer.b, (n[l], 1)))

    # 3. Why scale: on the raw inputs Z[1] = W[1] @ X + b[1] is in the hundreds, the
    #    first layer's sigmoids sit at 0 or 1 whatever the person, and the output is
    #    the same for everyone (the notebook printed 0.90827825 ten times).
    Yhat_raw, cache_raw = fnmlp.forward(params, X_raw)
    saturated = float(np.mean(np.minimum(cache_raw.A[1], 1 - cache_raw.A[1]) < 1e-6))
    print("\nRaw inputs (60 to 312) into sigmoids:")
    print(
        f"  |Z[1]| up to {float(np.abs(cache_raw.Z[1]).max()):.0f}; {saturated:.0%} of A[1] within 1e-6 of 0 or 1"
    )
    print(f"  outputs {np.array2string(Yhat_raw[0], precision=5)}")
    print(f"  spread of the outputs across examples: {float(np.ptp(Yhat_raw)):.1e}")

    # Standardise each feature with statistics fitted on the training inputs; the same
    # Standardiser maps any new example the same way.
    scaler = standardise(X_raw)
    X = scaler.apply(X_raw)
    print("\nStandardised: (X - mean) / scale with")
    print(
        f"  mean  {scaler.mean.ravel().round(2).tolist()}, scale {scaler.scale.ravel().round(2).tolist()}"
    )
    shapes_ok.append(stated("X", X, (n[0], m)))

    # 4. Forward: Z[l] = W[l] @ A[l-1] + b[l], A[l] = sigmoid(Z[l]); the Cache keeps them all.
    Yhat, cache = fnmlp.forward(params, X)
    print("\nForward pass (A[0] = X):")
    for l in range(1, L + 1):
        shapes_ok.append(stated(f"Z[{l}]", cache.Z[l], (n[l], m)))
        shapes_ok.append(stated(f"A[{l}]", cache.A[l], (n[l], m)))
    cost = fnmlp.loss(Yhat, Y, fnmlp.binary_cross_entropy)
    print(f"  outputs now differ: {np.array2string(Yhat[0], precision=3)}")
    print(f"  binary cross-entropy: {cost:.4f}")

    # 5. Backward: dZ[L] = (A[L] - Y) / m, dW[l] = dZ[l] @ A[l-1].T,
    #    db[l] = dZ[l] summed over the examples, dZ[l-1] = (W[l].T @ dZ[l]) * A(1 - A).
    grads = fnmlp.backward(params, cache, Y, fnmlp.binary_cross_entropy)
    print("\nBackward pass:")
    for l in range(1, L + 1):
        shapes_ok.append(stated(f"dW[{l}]", grads.dW[l - 1], (n[l], n[l - 1])))
        shapes_ok.append(stated(f"db[{l}]", grads.db[l - 1], (n[l], 1)))

    # The notebook's db = sum(dW, axis=1) has the same (n_l, 1) shape, so shape checks
    # pass; compare both with a central difference of the loss in b[2] instead.
    dZ3: Deltas[np.float64] = (cache.A[3] - Y) / m
    dZ2 = fnmlp.sigmoid.derivative(cache.Z[2], cache.A[2], params.layers[2].W.T @ dZ3)
    notebook_db2: Bias[np.float64] = (dZ2 @ cache.A[1].T).sum(axis=1, keepdims=True)
    numerical_db2: Bias[np.float64] = np.zeros((n[2], 1))
    eps = 1e-6
    for i in range(n[2]):
        shift: Bias[np.float64] = np.zeros((n[2], 1))
        shift[i, 0] = eps
        costs = []
        for sign in (1.0, -1.0):
            layer2 = params.layers[1]
            b2: Bias[np.float64] = layer2.b + sign * shift
            moved = fnmlp.Params(
                (params.layers[0], fnmlp.Layer(layer2.W, b2, layer2.activation), params.layers[2])
            )
            costs.append(fnmlp.loss(fnmlp.forward(moved, X)[0], Y, fnmlp.binary_cross_entropy))
        numerical_db2[i, 0] = (costs[0] - costs[1]) / (2 * eps)
    fnmlp_error = float(np.max(np.abs(grads.db[1] - numerical_db2)))
    notebook_error = float(np.max(np.abs(notebook_db2 - numerical_db2)))
    print("  db[2] against a central difference of the loss:")
    print(
        f"    fnmlp (sum of dZ[2]):          {grads.db[1].ravel().round(6).tolist()}  error {fnmlp_error:.1e}"
    )
    print(
        f"    notebook (sum of dW[2]):       {notebook_db2.ravel().round(6).tolist()}  error {notebook_error:.1e}"
    )
    print(f"    numerical:                     {numerical_db2.ravel().round(6).tolist()}")

    # 6. Train: full-batch gradient descent, the loss logged every epochs / 10 epochs.
    result = fnmlp.train(
        params,
        X,
        Y,
        loss=fnmlp.binary_cross_entropy,
        optimizer=fnmlp.sgd(LEARNING_RATE),
        epochs=epochs,
        log_every=epochs // 10,
        running_loss=False,
    )
    print(f"\nTraining: {epochs} epochs of gradient descent, learning rate {LEARNING_RATE}")
    for epoch, value, acc in zip(
        result.history.epochs, result.history.train_loss, result.history.train_accuracy
    ):
        print(f"  epoch {epoch:>5}  loss {value:.5f}  accuracy {acc:.1f}")
    predicted = fnmlp.predict(result.params, X)
    accuracy = fnmlp.accuracy(result.params, X, Y)
    print(f"  predicted {predicted.ravel().tolist()}")
    print(f"  labels    {Y.astype(np.int64).ravel().tolist()}")
    print(f"  accuracy {accuracy}")

    # A new person goes through the same standardisation before the network sees them.
    new_people: Matrix[np.float64] = np.array([[130.0, 260.0], [62.0, 71.0]])
    new_labels = fnmlp.predict(result.params, scaler.apply(new_people))
    print(f"  new examples {new_people.T.tolist()} -> predicted {new_labels.ravel().tolist()}")

    print(f"\nall shapes as stated: {all(shapes_ok)}; learned the table: {accuracy == 1.0}")
    return 0 if all(shapes_ok) and accuracy == 1.0 and fnmlp_error < 1e-8 else 1


if __name__ == "__main__":
    sys.exit(main())
