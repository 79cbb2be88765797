"""Time each public stage of one step against the notebook loop's functions, on ``tiny``.

A hand loop of ``fnmlp.forward``, ``fnmlp.backward`` and ``fnmlp.update`` pays
for each call's checks (inputs converted and checked, outputs checked for
NaN and inf, arrays locked, records built) as well as for its kernel. This
script says how much, call by call, beside the kernel alone and the notebook
loop's function for the same stage::

    python -m benchmarks.calls                 # 20 rounds of 5000 calls of each
    python -m benchmarks.calls --number 1000   # quicker

Every round times each of the nine calls once, in turn, so a burst of
another process's work hits them alike; a time is the best of the rounds
(timeit's advice for a noisy machine), in µs per call.
"""

from __future__ import annotations

import argparse
import importlib
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.baselines import backward_prop, forward_prop, update_parameters
from benchmarks.workloads import tiny

__all__ = ["main", "stages"]

Stage = tuple[str, Callable[[], object], Callable[[], object], Callable[[], object]]


def stages() -> list[Stage]:
    """``(name, public call, its kernel, the notebook's function)`` for each stage.

    The kernels are the calls each public stage makes into ``fnmlp._kernels``
    (and, for ``update``, SGD's rule, which ``fnmlp.update`` and ``train``
    share), on arrays made once beforehand: the packed blocks
    ``params.structure.blocks(params.theta)``, the input ``[X; 1]`` and the
    gradient's blocks the backward kernel writes into. What the public call
    costs beyond its kernel is its checks, conversions, allocations and records.
    """
    fn: Any = importlib.import_module("fnmlp")
    kernels: Any = importlib.import_module("fnmlp._kernels")
    w = tiny()
    params = fn.init(list(w.dims), output=fn.sigmoid, scheme="he", seed=w.seed)
    kind = fn.binary_cross_entropy
    X, Y = w.X, w.Y
    _, cache = fn.forward(params, X)
    grads = fn.backward(params, cache, Y, kind)
    rule = fn.sgd(w.learning_rate).update
    structure, activations = params.structure, params.activations
    blocks = structure.blocks(params.theta)
    X1 = kernels.with_ones(X)
    X1[:-1] = X
    Zs, inputs, Z, A = kernels.forward(blocks, activations, X1)
    g = np.empty((1, structure.size), structure.dtype)
    out = structure.blocks(g)

    def backward_kernel() -> None:
        dZ = kernels.output_delta(kind, activations[-1], Z, A, Y)
        kernels.backward(blocks, activations, Zs, inputs, dZ, out)

    layers = params.layers
    L = len(layers)
    notebook = {}
    for l, layer in enumerate(layers, start=1):
        notebook[f"W{l}"], notebook[f"b{l}"] = layer.W.copy(), layer.b.copy()
    AL, caches = forward_prop(X, notebook, L, w.output)
    notebook_grads = backward_prop(AL, Y, caches, notebook, L)
    return [
        (
            "forward",
            lambda: fn.forward(params, X),
            lambda: kernels.forward(blocks, activations, X1),
            lambda: forward_prop(X, notebook, L, w.output),
        ),
        (
            "backward",
            lambda: fn.backward(params, cache, Y, kind),
            backward_kernel,
            lambda: backward_prop(AL, Y, caches, notebook, L),
        ),
        (
            "update",
            lambda: fn.update(params, grads, w.learning_rate),
            lambda: rule(params.theta, grads.g, (), 0, structure.weights),
            lambda: update_parameters(notebook, notebook_grads, L, w.learning_rate),
        ),
    ]


def best_us(calls: list[Callable[[], object]], number: int, rounds: int) -> list[float]:
    """For each call, the fastest of ``rounds`` interleaved timings of ``number`` calls, in µs."""
    best = [float("inf")] * len(calls)
    for _ in range(rounds):
        for i, call in enumerate(calls):
            best[i] = min(best[i], timeit.timeit(call, number=number) / number * 1e6)
    return best


def main(argv: list[str] | None = None) -> int:
    """Print a markdown table of the stages' times."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.calls", description=__doc__)
    parser.add_argument("--number", type=int, default=5000, help="calls per timing")
    parser.add_argument("--rounds", type=int, default=20, help="timings of each call")
    args = parser.parse_args(argv)
    table = stages()
    times = best_us([call for _, *calls in table for call in calls], args.number, args.rounds)
    rows = [
        "| stage | fnmlp µs | its kernel µs | notebook µs | x notebook |",
        "|---|---|---|---|---|",
    ]
    for i, (name, *_) in enumerate(table):
        public, kernel, notebook = times[3 * i : 3 * i + 3]
        rows.append(
            f"| {name} | {public:.1f} | {kernel:.1f} | {notebook:.1f} | {public / notebook:.2f} |"
        )
    print("tiny: XOR [2,3,1] relu/sigmoid, float64, 4 examples; best of the rounds")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
