"""Class weights on imbalanced data: ``class_weight="balanced"`` lifts the rare class.

On a 95/5 binary problem (scikit-learn's ``make_classification``), a network
trained on the plain mean loss can score 95% accuracy by hardly ever
predicting the rare class. ``train(..., class_weight="balanced")`` weighs
each example by ``m / (2 * count[its class])``, as scikit-learn's
``class_weight="balanced"`` does, so both classes count alike in the loss:
the rare class's recall, and the balanced accuracy (the mean of the two
recalls), go up, at the price of some plain accuracy.

Both runs hold a tenth of the training data out, stratified
(``validation_fraction=0.1``), stop early on it, and clip the gradient's
global norm before Adam (``fnmlp.chain(fnmlp.clip_by_global_norm(1.0), fnmlp.adam(...))``).

Run it with ``python examples/class_weights.py`` (``--quick`` for a smaller
data set; it needs scikit-learn: ``pip install 'fnmlp[sklearn]'``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Literal

import numpy as np

import fnmlp
from fnmlp.datasets import split, standardise

SEED = 0
DIMS = (10, 32, 1)


def recalls(params: fnmlp.Params[np.float64], X: Any, y: Any) -> tuple[float, float]:
    """The share of each class (0, then 1) predicted right."""
    predicted = fnmlp.predict(params, X)[0]
    zero, one = (float(np.mean(predicted[y == c] == c)) for c in (0, 1))
    return zero, one


def main(argv: list[str] | None = None) -> int:
    """Train with and without balanced class weights; 0 when the weights lift balanced accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1,500 examples, not 6,000")
    args = parser.parse_args(argv)
    try:
        from sklearn.datasets import make_classification
    except ImportError:
        print("this example needs scikit-learn: pip install 'fnmlp[sklearn]'")
        return 1

    m = 1500 if args.quick else 6000
    # examples as rows in scikit-learn; fnmlp takes one column per example
    rows, y = make_classification(
        n_samples=m,
        n_features=DIMS[0],
        n_informative=4,
        n_redundant=2,
        weights=[0.95],
        flip_y=0.0,
        class_sep=0.7,
        random_state=SEED,
    )
    X_train, Y_train, X_test, Y_test = split(
        rows.T, y.reshape(1, -1).astype(np.float64), test_fraction=0.3, seed=SEED
    )
    scale = standardise(X_train)
    X_train, X_test = scale.apply(X_train), scale.apply(X_test)
    y_test = Y_test[0].astype(np.int64)
    counts = np.bincount(Y_train[0].astype(np.int64), minlength=2)
    print(f"make_classification: {m} examples, {DIMS[0]} features, train classes {counts.tolist()}")
    weights = fnmlp.class_sample_weight(Y_train, "balanced")
    common, rare = weights[Y_train[0] == 0][0], weights[Y_train[0] == 1][0]
    print(f"balanced class weights: {common:.3f} for class 0, {rare:.3f} for class 1")

    results: dict[str, tuple[float, float, float]] = {}
    runs: list[tuple[str, Literal["balanced"] | None]] = [
        ("unweighted", None),
        ("balanced", "balanced"),
    ]
    for name, class_weight in runs:
        run = fnmlp.train(
            fnmlp.init(DIMS, seed=SEED),
            X_train,
            Y_train,
            loss=fnmlp.binary_cross_entropy,
            optimizer=fnmlp.chain(fnmlp.clip_by_global_norm(1.0), fnmlp.adam(0.005)),
            epochs=300,
            batch_size=64,
            seed=SEED,
            class_weight=class_weight,
            validation_fraction=0.1,
            early_stopping=fnmlp.EarlyStopping(patience=20),
        )
        rare, common = recalls(run.params, X_test, y_test)[::-1]
        accuracy = fnmlp.accuracy(run.params, X_test, Y_test)
        results[name] = (accuracy, common, rare)
        print(
            f"\n{name:>10}: stopped at epoch {run.state.epoch}, best epoch {run.state.best_epoch}"
        )
        print(f"  test accuracy {accuracy:.3f}")
        print(f"  recall of class 0 {common:.3f}, of class 1 (rare) {rare:.3f}")
        print(f"  balanced accuracy {(common + rare) / 2:.3f}")

    plain = sum(results["unweighted"][1:]) / 2
    weighted = sum(results["balanced"][1:]) / 2
    print(f"\nbalanced accuracy: unweighted {plain:.3f}, class_weight='balanced' {weighted:.3f}")
    return 0 if weighted > plain else 1


if __name__ == "__main__":
    sys.exit(main())
