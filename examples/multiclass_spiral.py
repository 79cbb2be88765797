"""Three interleaved spirals: a softmax output trained with categorical cross-entropy.

The targets are one-hot columns ``Y`` of shape ``(classes, m)``; the output layer
is softmax, and with categorical cross-entropy the output delta is
``dZ[L] = (A[L] - Y) / m``, as for sigmoid with binary cross-entropy. ``predict``
returns each column's arg-max class.

A softmax regression (no hidden layer) draws straight boundaries between the
classes and cannot follow the arms; two ReLU layers can. With matplotlib
installed the decision regions are saved as a PNG in ``--out``.

Run it with ``python examples/multiclass_spiral.py`` (``--quick`` for fewer epochs).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TypeAlias

import numpy as np

import fnmlp
from fnmlp.aliases import Inputs, Targets
from fnmlp.datasets import spirals, split

CLASSES = 3
EXAMPLES = 600
DIMS = (2, 64, 64, CLASSES)
LEARNING_RATE = 0.01
EPOCHS = 500
SEED = 0


Counts: TypeAlias = np.ndarray[tuple[int, int], np.dtype[np.int64]]


def confusion(
    params: fnmlp.Params[np.float64], X: Inputs[np.float64], Y: Targets[np.float64]
) -> Counts:
    """Counts of (true class, predicted class) pairs."""
    counts: Counts = np.zeros((CLASSES, CLASSES), dtype=np.int64)
    np.add.at(counts, (fnmlp.labels(Y), fnmlp.predict(params, X)[0]), 1)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Train a softmax regression and a two-hidden-layer net; 0 when the net beats 0.9 on test."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="train for 60 epochs, not 500")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "output", help="where to write the PNG"
    )
    args = parser.parse_args(argv)
    epochs = 60 if args.quick else EPOCHS

    # Data: X is (2, m), Y is one-hot (3, m). A quarter is held out for testing.
    X, Y = spirals(EXAMPLES, classes=CLASSES, noise=0.2, seed=SEED)
    X_train, Y_train, X_test, Y_test = split(X, Y, test_fraction=0.25, seed=SEED)
    print(
        f"spirals: X_train {X_train.shape}, Y_train {Y_train.shape} (one-hot), X_test {X_test.shape}"
    )
    print(f"  examples per class (train): {Y_train.sum(axis=1).astype(np.int64).tolist()}")

    def fit(dims: tuple[int, ...]) -> fnmlp.TrainResult[np.float64]:
        # He initialisation for the ReLU layers, softmax on top; Adam on the full batch.
        params = fnmlp.init(dims, hidden=fnmlp.relu, output=fnmlp.softmax, scheme="he", seed=SEED)
        return fnmlp.train(
            params,
            X_train,
            Y_train,
            loss=fnmlp.categorical_cross_entropy,
            optimizer=fnmlp.adam(LEARNING_RATE),
            epochs=epochs,
            validation=(X_test, Y_test),
            log_every=max(1, epochs // 5),
            running_loss=False,
        )

    accuracies: dict[str, float] = {}
    best: fnmlp.TrainResult[np.float64] | None = None
    for dims in ((2, CLASSES), DIMS):
        result = fit(dims)
        history = result.history
        print(f"\n{result.params}, Adam({LEARNING_RATE}), {epochs} epochs")
        print(
            f"  {'epoch':>5}  {'train loss':>10}  {'test loss':>9}  {'train acc':>9}  {'test acc':>8}"
        )
        for row in zip(
            history.epochs,
            history.train_loss,
            history.validation_loss,
            history.train_accuracy,
            history.validation_accuracy,
        ):
            print(f"  {row[0]:>5}  {row[1]:>10.4f}  {row[2]:>9.4f}  {row[3]:>9.3f}  {row[4]:>8.3f}")
        accuracies[str(list(dims))] = fnmlp.accuracy(result.params, X_test, Y_test)
        best = result

    assert best is not None
    print("\nTest confusion matrix of the deep net (rows: true class, columns: predicted):")
    for k, counts in enumerate(confusion(best.params, X_test, Y_test)):
        print(f"  class {k}: {counts.tolist()}")
    linear_acc, deep_acc = accuracies[str([2, CLASSES])], accuracies[str(list(DIMS))]
    print(
        f"\ntest accuracy: softmax regression {linear_acc:.3f}, {list(DIMS)} network {deep_acc:.3f}"
    )

    # The decision regions, from one batched forward pass over a grid (fnmlp.plot).
    try:
        from fnmlp import plot

        path = args.out / "spiral_decision_boundary.png"
        args.out.mkdir(parents=True, exist_ok=True)
        plot.decision_boundary(best.params, X, Y, path=path, title="spirals: decision regions")
        print(f"wrote {path}")
    except ImportError as error:
        print(f"no plot ({error})")
    return 0 if deep_acc >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
