"""The digits benchmark: fnmlp against scikit-learn's MLPClassifier.

scikit-learn's ``load_digits`` (1797 8x8 images, shipped with the package, no
download), standardised with statistics of the training part of an 80/20
split. Both libraries train a ``[64, 128, 64, 10]`` ReLU network with a softmax
output and cross-entropy, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8),
mini-batches of 32 shuffled every epoch, 30 epochs, no L2 penalty
(``alpha=0`` for sklearn, whose default would be 1e-4).

One seed's test accuracy moves by one to three of the 360 test digits with
the seed, in either library, so the comparison is of the mean over three
seeds (each library's initialisation and shuffling seeded with 0, 1, 2).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fnmlp

SEEDS = (0, 1, 2)


def test_digits_matches_sklearn_mlp() -> None:
    # importorskip hands back the (untyped) modules, and skips cleanly without scikit-learn
    datasets = pytest.importorskip("sklearn.datasets")
    exceptions = pytest.importorskip("sklearn.exceptions")
    model_selection = pytest.importorskip("sklearn.model_selection")
    neural_network = pytest.importorskip("sklearn.neural_network")
    preprocessing = pytest.importorskip("sklearn.preprocessing")

    digits = datasets.load_digits()
    X_train, X_test, y_train, y_test = model_selection.train_test_split(
        digits.data, digits.target, test_size=0.2, random_state=0
    )
    scaler = preprocessing.StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)

    ours: list[float] = []
    theirs: list[float] = []
    for seed in SEEDS:
        params = fnmlp.init([64, 128, 64, 10], hidden=fnmlp.relu, output=fnmlp.softmax, seed=seed)
        result = fnmlp.train(
            params,
            X_train.T,
            fnmlp.one_hot(y_train, classes=10),
            loss=fnmlp.categorical_cross_entropy,
            optimizer=fnmlp.adam(1e-3, beta1=0.9, beta2=0.999, eps=1e-8),
            epochs=30,
            batch_size=32,
            seed=seed,
            log_every=30,
        )
        assert result.state.opt_state.count == 30 * 45  # 44 full batches and one of 29
        ours.append(fnmlp.accuracy(result.params, X_test.T, fnmlp.one_hot(y_test, classes=10)))

        mlp = neural_network.MLPClassifier(
            hidden_layer_sizes=(128, 64),
            activation="relu",
            solver="adam",
            alpha=0.0,
            batch_size=32,
            learning_rate_init=1e-3,
            beta_1=0.9,
            beta_2=0.999,
            epsilon=1e-8,
            max_iter=30,
            shuffle=True,
            random_state=seed,
        )
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", exceptions.ConvergenceWarning
            )  # 30 epochs is the setting
            mlp.fit(X_train, y_train)
        theirs.append(float(mlp.score(X_test, y_test)))

    print(f"fnmlp test accuracy {np.round(ours, 4)}, mean {np.mean(ours):.4f}")
    print(f"sklearn MLPClassifier {np.round(theirs, 4)}, mean {np.mean(theirs):.4f}")
    assert min(ours) >= 0.95
    assert np.mean(ours) >= np.mean(theirs)
