"""Notebook 004: a ``[2, 32, 32, 1]`` sigmoid network on two moons, with curves and a boundary.

As in the notebook: sigmoid units throughout, ``N(0, 1)`` weights and biases,
full-batch gradient descent, the log loss, predictions at 0.5, and train and
test loss and accuracy recorded every 10 epochs under a tqdm progress bar;
then the learning curves and the decision boundary saved as PNGs.

Where the notebook went wrong, fnmlp does not: its ``log_loss`` divided by
``len(y)`` -- the number of output rows, 1 -- instead of the number of
examples ``m``, and its decision boundary ran one forward pass per grid point
(10,000 of them); ``fnmlp.plot.decision_boundary`` runs one batched pass over
the whole grid. The loss is computed from the logits, so it needs no clipping
to stay finite.

Run it with ``python examples/notebook004_two_moons.py`` (``--quick`` for 200
epochs instead of 1000; ``--out DIR`` for the PNGs, ``examples/output`` by default).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

import fnmlp
from fnmlp.datasets import moons, split, standardise

SEED = 0
EXAMPLES = 600
NOISE = 0.2
DIMS = (2, 32, 32, 1)
LEARNING_RATE = 0.5
EPOCHS = 1000
LOG_EVERY = 10


def main(argv: list[str] | None = None) -> int:
    """Train on two moons, print the curves, save the PNGs; 0 when test accuracy >= 0.85."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="train for 200 epochs, not 1000")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "output", help="where to write the PNGs"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    epochs = 200 if args.quick else EPOCHS

    # Data: two noisy half-moons, 3/4 to train on and 1/4 held out, standardised with
    # the training set's statistics (the test set is mapped with the same ones).
    X, Y = moons(EXAMPLES, noise=NOISE, seed=SEED)
    X_train, Y_train, X_test, Y_test = split(X, Y, test_fraction=0.25, seed=SEED)
    scaler = standardise(X_train)
    X_train, X_test = scaler.apply(X_train), scaler.apply(X_test)
    print(f"moons: X_train {X_train.shape}, Y_train {Y_train.shape}, X_test {X_test.shape}")

    # The notebook's network: sigmoid everywhere, N(0, 1) weights and biases.
    params = fnmlp.init(
        DIMS, hidden=fnmlp.sigmoid, output=fnmlp.sigmoid, scheme="standard", seed=SEED
    )
    print(f"{params}, gradient descent with learning rate {LEARNING_RATE}, {epochs} epochs")

    # The log loss averages over the m examples; the notebook's divided by len(y) = 1.
    Yhat, _ = fnmlp.forward(params, X_train)
    m = X_train.shape[1]
    mean_loss = fnmlp.loss(Yhat, Y_train, fnmlp.binary_cross_entropy)
    print(
        f"initial log loss {mean_loss:.4f} (the notebook's formula: {mean_loss * m:.1f}, m = {m} times more)"
    )

    # Train, recording train and test loss and accuracy every LOG_EVERY epochs; with
    # tqdm installed, a progress bar shows the latest loss.
    progress = not args.no_progress and importlib.util.find_spec("tqdm") is not None
    result = fnmlp.train(
        params,
        X_train,
        Y_train,
        loss=fnmlp.binary_cross_entropy,
        optimizer=fnmlp.sgd(LEARNING_RATE),
        epochs=epochs,
        validation=(X_test, Y_test),
        log_every=LOG_EVERY,
        running_loss=False,
        progress=progress,
    )
    history = result.history
    print(
        f"\nrecorded every {LOG_EVERY} epochs ({len(history.epochs)} entries); every {epochs // 10}:"
    )
    print(
        f"  {'epoch':>5}  {'train loss':>10}  {'test loss':>9}  {'train acc':>9}  {'test acc':>8}"
    )
    for i, epoch in enumerate(history.epochs):
        if epoch % (epochs // 10) == 0:
            print(
                f"  {epoch:>5}  {history.train_loss[i]:>10.4f}  {history.validation_loss[i]:>9.4f}"
                f"  {history.train_accuracy[i]:>9.3f}  {history.validation_accuracy[i]:>8.3f}"
            )

    # Predictions are Yhat >= 0.5; accuracy is the fraction predicted right.
    test_accuracy = fnmlp.accuracy(result.params, X_test, Y_test)
    predicted = fnmlp.predict(result.params, X_test)
    wrong = int(np.sum(predicted != Y_test))
    print(f"test accuracy {test_accuracy:.3f} ({wrong} of {X_test.shape[1]} test examples wrong)")

    # The PNGs: learning curves, and the decision boundary over all the (standardised)
    # data, from ONE batched forward pass over a 200 x 200 grid.
    try:
        from fnmlp import plot

        args.out.mkdir(parents=True, exist_ok=True)
        curves = args.out / "moons_learning_curves.png"
        plot.learning_curves(
            history, title=f"{list(DIMS)} sigmoid network on two moons", path=curves
        )
        boundary = args.out / "moons_decision_boundary.png"
        plot.decision_boundary(
            result.params,
            scaler.apply(X),
            Y,
            title=f"Decision boundary (test accuracy {test_accuracy:.1%})",
            class_names=["upper moon", "lower moon"],
            axis_labels=("x1 (standardised)", "x2 (standardised)"),
            path=boundary,
        )
        print(f"wrote {curves}\nwrote {boundary}")
    except ImportError as error:
        print(f"no plots: {error}")

    return 0 if test_accuracy >= 0.85 else 1


if __name__ == "__main__":
    sys.exit(main())
