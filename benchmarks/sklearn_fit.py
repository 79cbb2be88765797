"""Fit time of ``fnmlp.sklearn.MLPClassifier`` against scikit-learn's, at the same settings.

Usage, from the repository root::

    python -m benchmarks.sklearn_fit                  # every case, 5 interleaved repeats
    python benchmarks/sklearn_fit.py --quick          # smoke run: 1 repeat, short fits
    python -m benchmarks.sklearn_fit --blas-threads 0 # BLAS's own thread count

Both estimators get the same constructor arguments, with ``tol=0`` and
``n_iter_no_change=max_iter`` so that each runs exactly ``max_iter`` epochs
(checked with ``n_iter_``), and the same ``random_state`` (so the same initial
weights). Each repeat fits fnmlp's and scikit-learn's estimator one after the
other (their order alternating), on one BLAS thread unless told otherwise.
Prints one markdown table: per case the median fit time of each over the
repeats, fnmlp's over scikit-learn's, and each one's test accuracy (mean over
the repeats, whose seeds differ). Data are standardised with the training
part's statistics, split 80/20.

Cases: ``digits`` (scikit-learn's 1797 8x8 images) and ``classification``
(``make_classification(20000, 50, n_informative=20)``, two classes), each at
scikit-learn's defaults (``(100,)``, Adam, batches of 200) and at this
directory's ``digits`` workload settings (``(128, 64)``, batches of 32), and
``digits`` with ``solver="lbfgs"`` (100 iterations; ``epochs`` counts them).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import contextlib
import statistics
import time
import warnings
from typing import Any

import numpy as np

from benchmarks.workloads import optional_module


def required(name: str) -> Any:
    """The module ``name``, or a ``SystemExit`` saying what to install."""
    module = optional_module(name)
    if module is None:
        raise SystemExit(f"benchmarks.sklearn_fit needs {name}: pip install -e '.[dev]'")
    return module


def load(name: str) -> tuple[Any, Any, Any, Any]:
    """``(X_train, X_test, y_train, y_test)``, standardised, split 80/20."""
    datasets = required("sklearn.datasets")
    model_selection = required("sklearn.model_selection")
    preprocessing = required("sklearn.preprocessing")
    if name == "digits":
        X, y = datasets.load_digits(return_X_y=True)
    else:
        X, y = datasets.make_classification(20000, 50, n_informative=20, random_state=0)
    X_train, X_test, y_train, y_test = model_selection.train_test_split(
        X, y, test_size=0.2, random_state=0
    )
    scaler = preprocessing.StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("digits", "defaults", dict(max_iter=50)),
    (
        "digits",
        "(128, 64), batch 32",
        dict(hidden_layer_sizes=(128, 64), batch_size=32, max_iter=20),
    ),
    ("classification", "defaults", dict(max_iter=10)),
    (
        "classification",
        "(128, 64), batch 32",
        dict(hidden_layer_sizes=(128, 64), batch_size=32, max_iter=3),
    ),
    ("digits", "lbfgs", dict(solver="lbfgs", max_iter=100)),
]
"""``(data, settings' name, constructor arguments)``; epochs chosen for runs of a second or so."""


def fit_time(
    cls: Any, settings: dict[str, Any], seed: int, data: tuple[Any, ...]
) -> tuple[float, float]:
    """``(seconds, test accuracy)`` of one fit of ``cls(**settings)``, running every epoch."""
    X_train, X_test, y_train, y_test = data
    epochs = settings["max_iter"]
    model = cls(**settings, tol=0.0, n_iter_no_change=epochs, random_state=seed)
    exceptions = required("sklearn.exceptions")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", exceptions.ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    if model.n_iter_ != epochs:
        raise RuntimeError(f"{cls.__module__}: ran {model.n_iter_} epochs, not {epochs}")
    return seconds, float(model.score(X_test, y_test))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1 repeat, a tenth of the epochs")
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads (threadpoolctl); 0: leave as is"
    )
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    ours = required("fnmlp.sklearn").MLPClassifier
    theirs = required("sklearn.neural_network").MLPClassifier
    limits: Any = contextlib.nullcontext()
    if args.blas_threads:
        limits = required("threadpoolctl").threadpool_limits(args.blas_threads, "blas")
    sklearn = required("sklearn")
    print(
        f"Python {sys.version.split()[0]}, NumPy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, BLAS threads: {args.blas_threads or 'default'}, {repeats} repeats\n"
    )
    header = (
        "data",
        "settings",
        "epochs",
        "fnmlp fit s",
        "sklearn fit s",
        "fnmlp / sklearn",
        "fnmlp accuracy",
        "sklearn accuracy",
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    loaded: dict[str, tuple[Any, ...]] = {}
    with limits:
        for name, label, settings in CASES:
            data = loaded.setdefault(name, load(name))
            if args.quick:
                settings = {**settings, "max_iter": max(1, settings["max_iter"] // 10)}
            times: dict[Any, list[float]] = {ours: [], theirs: []}
            scores: dict[Any, list[float]] = {ours: [], theirs: []}
            for seed in range(repeats):
                order = (ours, theirs) if seed % 2 == 0 else (theirs, ours)
                for cls in order:
                    seconds, accuracy = fit_time(cls, settings, seed, data)
                    times[cls].append(seconds)
                    scores[cls].append(accuracy)
            mine, reference = statistics.median(times[ours]), statistics.median(times[theirs])
            cells = (
                name,
                label,
                str(settings["max_iter"]),
                f"{mine:.3f}",
                f"{reference:.3f}",
                f"{mine / reference:.2f}",
                f"{np.mean(scores[ours]):.4f}",
                f"{np.mean(scores[theirs]):.4f}",
            )
            lines.append("| " + " | ".join(cells) + " |")
            print(lines[-1] if len(lines) > 3 else "\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
