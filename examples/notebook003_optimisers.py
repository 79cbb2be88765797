"""Notebook 003: per-layer activations, initialisation schemes, caches and five optimisers.

The notebook set out to build an L-layer network with an activation per layer,
random/Xavier/He initialisation, linear and activation caches, and mini-batch
gradient descent, Momentum, RMSProp and Adam -- and left the optimisers empty.
Here they all run, on one data set (two noisy concentric circles), from the
same initial network:

1. ``init(dims, activations=[...])`` gives each layer its own activation.
2. The schemes set the scale of the weights, and that scale decides whether a
   signal survives a deep stack of tanh layers (it vanishes, saturates or
   keeps its size).
3. ``forward`` returns a ``Cache`` with every ``Z[l]`` and ``A[l]``: the
   notebook's "activation cache" and (with the params) its "linear cache".
4. GD, mini-batch GD, Momentum, RMSProp and Adam are compared in a table
   (final train/test loss and accuracy) and in one PNG of their learning curves.

Run it with ``python examples/notebook003_optimisers.py`` (``--quick`` for 20
epochs instead of 100; ``--out DIR`` for the PNG, ``examples/output`` by default).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import fnmlp
from fnmlp.aliases import Inputs
from fnmlp.datasets import circles, split, standardise

SEED = 0
DIMS = (2, 16, 16, 1)
ACTIVATIONS = (fnmlp.tanh, fnmlp.leaky_relu, fnmlp.sigmoid)  # one per layer
EPOCHS = 100
BATCH = 32

# (name, optimiser, batch size): full-batch GD takes one step per epoch, the others
# take one per mini-batch of 32 examples.
OPTIMISERS: tuple[tuple[str, fnmlp.Optimizer[Any], int | None], ...] = (
    ("GD", fnmlp.sgd(0.5), None),
    ("mini-batch GD", fnmlp.sgd(0.1), BATCH),
    ("Momentum", fnmlp.momentum(0.02, beta=0.9), BATCH),
    ("RMSProp", fnmlp.rmsprop(0.002, rho=0.9), BATCH),
    ("Adam", fnmlp.adam(0.005), BATCH),
)


def show_schemes() -> None:
    """How each initialisation scheme's weight scale carries a signal through 6 tanh layers."""
    print("Initialisation schemes: std of W[1] for [64, 256, ...] and of A[l] in a deep tanh net")
    X: Inputs[np.float64] = np.random.default_rng(SEED).standard_normal((64, 500))
    expected = {
        "random": 0.01,
        "standard": 1.0,
        "normal": 0.5,
        "xavier": math.sqrt(1 / 64),
        "he": math.sqrt(2 / 64),
    }
    print(f"  {'scheme':<9} {'std W[1]':>8} {'expected':>8}  {'std of A[1] .. A[6]'}")
    for scheme in fnmlp.SCHEMES:
        sigma = 0.5 if scheme == "normal" else None
        deep = fnmlp.init(
            [64] + [256] * 6,
            hidden=fnmlp.tanh,
            output=fnmlp.tanh,
            scheme=scheme,
            sigma=sigma,
            seed=SEED,
        )
        _, cache = fnmlp.forward(deep, X)
        spread = " ".join(f"{float(A.std()):.3f}" for A in cache.A[1:])
        W_std = float(deep.layers[0].W.std())
        print(f"  {scheme:<9} {W_std:8.4f} {expected[scheme]:8.4f}  {spread}")
    print("  (random: the signal vanishes; standard and normal(0.5): the units saturate at +-1,")
    print("   where tanh's derivative is ~0; xavier and he keep it in tanh's responsive range)")


def main(argv: list[str] | None = None) -> int:
    """Compare the optimisers; 0 when every one ends above 90% test accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="train for 20 epochs, not 100")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "output", help="where to write the PNG"
    )
    args = parser.parse_args(argv)
    epochs = 20 if args.quick else EPOCHS

    # 1. Per-layer activations: tanh, then leaky ReLU, then a sigmoid output.
    params = fnmlp.init(DIMS, activations=ACTIVATIONS, scheme="xavier", seed=SEED)
    print(f"Network: {params}\n")

    # 2. Initialisation schemes.
    show_schemes()

    # Data: circles, split 75/25, standardised with the training set's statistics.
    X, Y = circles(600, noise=0.1, seed=SEED)
    X_train, Y_train, X_test, Y_test = split(X, Y, test_fraction=0.25, seed=SEED)
    scaler = standardise(X_train)
    X_train, X_test = scaler.apply(X_train), scaler.apply(X_test)

    # 3. The cache of one forward pass: Z[l] (the notebook's activation cache) and
    #    A[l-1] (with W[l], b[l] its linear cache) for every layer.
    _, cache = fnmlp.forward(params, X_train)
    print(f"\nCache of a forward pass over X_train {X_train.shape}:")
    for l, layer in enumerate(params.layers, start=1):
        print(
            f"  layer {l} ({layer.activation.name:<10}) A[{l - 1}] {cache.A[l - 1].shape}, "
            f"W {layer.W.shape}, b {layer.b.shape} -> Z[{l}] {cache.Z[l].shape}, A[{l}] {cache.A[l].shape}"
        )

    # 4. The optimisers, each from the same initial params, recording train and test
    #    loss and accuracy after every epoch.
    print(f"\n{epochs} epochs from the same initial network, {X_train.shape[1]} training examples:")
    header = (
        f"  {'optimiser':<14} {'batch':>5} {'steps':>5}  {'train loss':>10} {'test loss':>9}  "
        f"{'train acc':>9} {'test acc':>8}  {'95% test acc at':>15}  {'time':>6}"
    )
    print(header)
    histories: dict[str, fnmlp.History] = {}
    for name, optimiser, batch in OPTIMISERS:
        start = time.perf_counter()
        result = fnmlp.train(
            params,
            X_train,
            Y_train,
            loss=fnmlp.binary_cross_entropy,
            optimizer=optimiser,
            epochs=epochs,
            batch_size=batch,
            seed=SEED,
            validation=(X_test, Y_test),
            log_every=1,
            running_loss=False,
        )
        seconds = time.perf_counter() - start
        h = histories[name] = result.history
        steps = epochs * math.ceil(X_train.shape[1] / (batch or X_train.shape[1]))
        # The first epoch at which the test accuracy reached 95%, if it did.
        reached = next(
            (f"epoch {e}" for e, a in zip(h.epochs, h.validation_accuracy) if a >= 0.95), "never"
        )
        print(
            f"  {name:<14} {batch or 'all'!s:>5} {steps:>5}  {h.train_loss[-1]:>10.4f} "
            f"{h.validation_loss[-1]:>9.4f}  {h.train_accuracy[-1]:>9.3f} "
            f"{h.validation_accuracy[-1]:>8.3f}  {reached:>15}  {seconds:>5.2f}s"
        )
    print("  (optimisers' settings:", "; ".join(f"{o}" for _, o, _ in OPTIMISERS) + ")")

    # The learning curves of all five in one PNG (needs matplotlib).
    try:
        path = plot_curves(histories, args.out / "optimisers.png")
        print(f"\nwrote {path}")
    except ImportError as error:
        print(f"\nno plot: matplotlib is not installed ({error}); pip install 'fnmlp[plot]'")

    worst = min(h.validation_accuracy[-1] for h in histories.values())
    print(f"lowest final test accuracy: {worst:.3f}")
    return 0 if worst >= 0.9 else 1


def plot_curves(histories: dict[str, fnmlp.History], path: Path) -> Path:
    """Training loss and test accuracy of every optimiser against the epoch, in one PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    figure = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(figure)
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    for name, history in histories.items():
        loss_axes.plot(history.epochs, history.train_loss, label=name, linewidth=1.6)
        accuracy_axes.plot(history.epochs, history.validation_accuracy, label=name, linewidth=1.6)
    loss_axes.set_yscale("log")
    loss_axes.set(title="Training loss", xlabel="epoch", ylabel="binary cross-entropy (log scale)")
    accuracy_axes.set(title="Test accuracy", xlabel="epoch", ylabel="accuracy")
    accuracy_axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    for axes in (loss_axes, accuracy_axes):
        axes.grid(True, alpha=0.3)
        axes.legend()
    figure.suptitle("GD vs mini-batch GD vs Momentum vs RMSProp vs Adam on circles")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    return path


if __name__ == "__main__":
    sys.exit(main())
