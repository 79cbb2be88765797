"""Notebook 000: logic gates with an L-layer ReLU network and a sigmoid output.

The notebook trains NOT ``[1, 2, 1]``, AND and OR ``[2, 2, 1]`` and XOR
``[2, 3, 1]`` with plain gradient descent (learning rate 1) from small random
weights (``N(0, 1) * 0.01``, zero biases) drawn after ``np.random.seed(seed)``,
and prints the cost every ``epochs / 10`` epochs. Here every stage is an fnmlp
function, and a legacy ``RandomState`` replays the notebook's draws exactly, so
the costs printed below are the notebook's own.

It then repeats the notebook's numerical check of ``dZ[1]`` and explains why
it "fails": the input ``x = 0`` puts every hidden unit exactly on ReLU's kink.

Run it with ``python examples/notebook000_logic_gates.py`` (about half a
minute: 300,000 gradient steps) or add ``--quick`` for a hundredth of the epochs.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import fnmlp
from fnmlp.aliases import Activations, Deltas
from fnmlp.datasets import logic_gate

# (gate, layer sizes, epochs, seed): the notebook's four runs, all with learning rate 1.
RUNS: tuple[tuple[str, tuple[int, ...], int, int], ...] = (
    ("not", (1, 2, 1), 100_000, 1),
    ("and", (2, 2, 1), 100_000, 1),
    ("or", (2, 2, 1), 50_000, 1),
    ("xor", (2, 3, 1), 50_000, 5),
)
LEARNING_RATE = 1.0

# The notebook's printed "cost at iteration i" for i = 0, epochs/10, ..., 9 epochs/10.
# (It prints the cost of the forward pass *before* update i, which is fnmlp's
# loss after i epochs. Its last line, "iteration {epochs}", repeats the cost of
# iteration epochs - 1, so it is left out.)
NOTEBOOK_COSTS: dict[str, tuple[float, ...]] = {
    "not": (
        0.6931257326865512,
        0.00011178431622663637,
        5.5350795198765576e-05,
        3.6726630636644556e-05,
        2.746135660596447e-05,
        2.1920918594980274e-05,
        1.823660827398187e-05,
        1.5609800102928724e-05,
        1.3642830748872628e-05,
        1.2114909282190857e-05,
    ),
    "and": (
        0.6931537991507776,
        0.00012141409013251916,
        5.9705588167839904e-05,
        3.9479310820581085e-05,
        2.9453636207564906e-05,
        2.3473901749588015e-05,
        1.9503307652577147e-05,
        1.6676702553356963e-05,
        1.4562793283211957e-05,
        1.2922315760005122e-05,
    ),
    "or": (
        0.6931186561290182,
        0.0002409086021001038,
        0.00011800414334797501,
        7.792100725693064e-05,
        5.809529269374713e-05,
        4.628038947343695e-05,
        3.844328283175966e-05,
        3.286725208232808e-05,
        2.8697095795395653e-05,
        2.5461732788293928e-05,
    ),
    "xor": (
        0.693152806790345,
        0.0003488680224083522,
        0.00016446249766163183,
        0.0001067492705668156,
        7.87403169220654e-05,
        6.225787299858608e-05,
        5.1415353815313e-05,
        4.375306426885527e-05,
        3.8056055150617013e-05,
        3.365631509024209e-05,
    ),
}


def train_gate(name: str, dims: tuple[int, ...], epochs: int, seed: int, full_epochs: int) -> bool:
    """Train one gate as the notebook does; print its costs and truth table; True if learned."""
    X, Y = logic_gate(name)  # X: (n_x, m), one column per row of the truth table
    # scheme="random" is N(0, 1) * 0.01 with zero biases; a RandomState seeded
    # like np.random.seed(seed) draws W[1], W[2], ... exactly as the notebook did.
    params = fnmlp.init(
        dims,
        hidden=fnmlp.relu,
        output=fnmlp.sigmoid,
        scheme="random",
        seed=np.random.RandomState(seed),
    )
    start = time.perf_counter()
    # train = a fold of one full-batch gradient step over range(epochs);
    # the history records the loss after every epochs // 10 epochs.
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
    seconds = time.perf_counter() - start

    print(f"\n{name.upper()} {list(dims)}: {epochs} epochs, lr {LEARNING_RATE}, seed {seed}")
    print(f"  {'epoch':>7}  {'cost':>22}  {'notebook':>22}")
    step = full_epochs // 10
    for epoch, cost in zip(result.history.epochs, result.history.train_loss):
        # The notebook printed the cost at multiples of full_epochs / 10 only.
        reference = ""
        if epoch % step == 0 and epoch // step < len(NOTEBOOK_COSTS[name]):
            reference = repr(NOTEBOOK_COSTS[name][epoch // step])
        print(f"  {epoch:>7}  {cost!r:>22}  {reference:>22}")

    Yhat, _ = fnmlp.forward(result.params, X)
    rounded = np.round(Yhat).astype(np.int64)
    truth = Y.astype(np.int64)
    learned = bool(np.array_equal(rounded, truth))
    print(f"  inputs      {X.astype(np.int64).tolist()}")
    print(f"  outputs     {np.round(Yhat, 4).tolist()}")
    print(f"  rounded     {rounded.tolist()}")
    print(f"  truth table {truth.tolist()}  {'learned' if learned else 'NOT learned'}")
    print(f"  ({seconds:.2f} s)")
    return learned


def check_gradients() -> bool:
    """The notebook's check of ``dZ[2]`` and ``dZ[1]`` on NOT ``[1, 3, 1]``, seed 1, explained."""
    print("\nGradient check (notebook cells 3-15: NOT with layers [1, 3, 1], seed 1)")
    X, Y = logic_gate("not")
    params = fnmlp.init([1, 3, 1], scheme="random", seed=np.random.RandomState(1))
    Yhat, cache = fnmlp.forward(params, X)
    cost0 = fnmlp.loss(Yhat, Y, fnmlp.binary_cross_entropy)
    print(f"  cost of the first forward pass: {cost0!r} (notebook: 0.6931036106682773)")

    # gradient_check probes every entry of every W[l] and b[l] -- and, like the
    # notebook, every entry of every Z[l] -- with central differences of the loss,
    # and compares them with the backward pass.
    report = fnmlp.gradient_check(params, X, Y, fnmlp.binary_cross_entropy)
    print("  " + str(report).replace("\n", "\n  "))
    dZ1, dZ1_num = report.analytic_dZ[0], report.numerical_dZ[0]
    print("  dZ[1] backward  ", np.array2string(dZ1, precision=8).replace("\n", "\n" + " " * 19))
    print(
        "  dZ[1] numerical ", np.array2string(dZ1_num, precision=8).replace("\n", "\n" + " " * 19)
    )

    # Why they disagree. The first example is x = 0 and every bias starts at 0, so
    # Z[1] = W[1] @ 0 + 0 = 0 exactly: every hidden unit of that column sits on
    # ReLU's kink. ReLU has no derivative at 0; backprop uses the convention
    # ReLU'(0) = 0, while the central difference (relu(eps) - relu(-eps)) / (2 eps)
    # sees the average of the two one-sided slopes, 1/2, and returns half of the
    # gradient arriving from above, (W[2].T @ dZ[2]).
    on_kink = cache.Z[1] == 0
    upstream: Deltas[np.float64] = params.layers[1].W.T @ report.analytic_dZ[1]
    half: Activations[np.float64] = 0.5 * upstream
    print(
        f"  Z[1] is exactly 0 in column x = 0 (Z[1] = W[1] 0 + b[1] with b[1] = 0): {on_kink[:, 0].tolist()}"
    )
    print("  ReLU has no derivative there: backward uses ReLU'(0) = 0, a central difference")
    print("  averages the slopes 0 and 1 and returns half the gradient from above:")
    print(f"    numerical dZ[1] on the kink  {np.array2string(dZ1_num[on_kink], precision=8)}")
    print(f"    0.5 * (W[2].T @ dZ[2])       {np.array2string(half[on_kink], precision=8)}")
    print(f"  Away from the kinks every array agrees: {report.passed(away_from_kinks=True)}")
    kink_explained = bool(np.allclose(dZ1_num[on_kink], half[on_kink], rtol=1e-5, atol=1e-12))
    return kink_explained and report.passed(away_from_kinks=True) and not report.ok


def main(argv: list[str] | None = None) -> int:
    """Train the four gates and check the gradients; 0 when every gate learned its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="train for a hundredth of the notebook's epochs"
    )
    args = parser.parse_args(argv)
    learned = [
        train_gate(name, dims, epochs // 100 if args.quick else epochs, seed, epochs)
        for name, dims, epochs, seed in RUNS
    ]
    checked = check_gradients()
    print(f"\nall truth tables learned: {all(learned)}; gradient check explained: {checked}")
    return 0 if all(learned) and checked else 1


if __name__ == "__main__":
    sys.exit(main())
