"""Dropout on the digits: the same budget with and without, test accuracy and step cost.

A ``[64, 256, 256, 10]`` ReLU/softmax network (the one Keras' tutorials put
dropout in) trains with Adam on a quarter of scikit-learn's 8x8 digits, with
and without ``dropout=0.5`` on its hidden layers, for the same epochs and
seeds; the rest of the digits are the test set. Dropout is inverted: at test
time ``predict`` uses the whole network, unscaled. The script prints each
seed's test accuracy, their means, and the cost of a training step with
dropout over one without (the masks' draws and products).

Run it with ``python examples/dropout_digits.py`` (``--quick`` for fewer
epochs and seeds; it needs scikit-learn for the digits:
``pip install 'fnmlp[sklearn]'``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import fnmlp
from fnmlp.datasets import split, standardise

DIMS = (64, 256, 256, 10)
RATE = 0.5


def main(argv: list[str] | None = None) -> int:
    """Train with and without dropout; 0 when both runs learn the digits."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1 seed and 15 epochs, not 3 and 100")
    args = parser.parse_args(argv)
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        print("this example needs scikit-learn: pip install 'fnmlp[sklearn]'")
        return 1
    digits = load_digits()
    X = digits.data.T.astype(np.float64)  # one column per example
    Y = fnmlp.one_hot(digits.target, 10)
    X_train, Y_train, X_test, Y_test = split(X, Y, test_fraction=0.75, seed=0)
    scale = standardise(X_train)
    data = [a.astype(np.float32) for a in (scale.apply(X_train), Y_train)]
    test = [a.astype(np.float32) for a in (scale.apply(X_test), Y_test)]
    seeds, epochs = (range(1), 15) if args.quick else (range(3), 100)
    print(f"digits: {data[0].shape[1]} training and {test[0].shape[1]} test examples, "
          f"{list(DIMS)}, Adam 1e-3, batches of 32, {epochs} epochs")  # fmt: skip
    warm = fnmlp.init(DIMS, output=fnmlp.softmax, seed=0, dtype=np.float32)
    fnmlp.train(warm, *data, loss=fnmlp.categorical_cross_entropy, optimizer=fnmlp.adam(1e-3),
                epochs=1, batch_size=32)  # fmt: skip  # BLAS and caches warmed before timing
    accuracies: dict[str, list[float]] = {"without dropout": [], f"dropout {RATE}": []}
    seconds: dict[str, float] = dict.fromkeys(accuracies, 0.0)
    for seed in seeds:
        params = fnmlp.init(DIMS, output=fnmlp.softmax, seed=seed, dtype=np.float32)
        for name, rate in zip(accuracies, (None, RATE)):
            start = time.perf_counter()
            result = fnmlp.train(
                params,
                *data,
                loss=fnmlp.categorical_cross_entropy,
                optimizer=fnmlp.adam(1e-3),
                epochs=epochs,
                batch_size=32,
                seed=seed,
                dropout=rate,
            )
            seconds[name] += time.perf_counter() - start
            accuracies[name].append(fnmlp.accuracy(result.params, *test))
    for name, values in accuracies.items():
        shown = ", ".join(f"{a:.4f}" for a in values)
        print(f"  {name:16} test accuracy {np.mean(values):.4f} (seeds: {shown})")
    plain, dropped = seconds.values()
    print(f"  a step with dropout costs {dropped / plain:.2f}x one without")
    return 0 if min(min(v) for v in accuracies.values()) > 0.8 else 1


if __name__ == "__main__":
    raise SystemExit(main())
