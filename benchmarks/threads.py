"""Where splitting an element-wise pass over the cores starts to pay: ``fnmlp._threads.THRESHOLD``.

For arrays of 2^12 to 2^22 float32 elements, times three passes a training
step makes (ReLU into ``[A; 1]``, ReLU's derivative in place, Adam's update)
as one call and split over the cores by ``fnmlp._threads.rows``, interleaved,
and prints the ratio split / one call (below 1: splitting wins)::

    python -m benchmarks.threads               # 2^12 .. 2^22 elements, over every CPU
    python -m benchmarks.threads --repeats 5   # quicker
    python -m benchmarks.threads --threads 2   # FNMLP_NUM_THREADS for the split calls

Each time is the best of the repeats (timeit's advice on a noisy machine).
fnmlp splits a pass from ``THRESHOLD`` elements; a busy machine moves the
crossover up, as the other thread waits for a core.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import importlib
import os
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["main", "passes"]


def passes(n: int) -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    """``{name: (one call, split call)}`` for arrays of ``n`` float32 elements."""
    threads: Any = importlib.import_module("fnmlp._threads")
    fnmlp: Any = importlib.import_module("fnmlp")
    updates: Any = importlib.import_module("fnmlp._updates")
    rng = np.random.default_rng(0)
    rows = max(n // 512, 2)
    Z = rng.standard_normal((rows, n // rows), dtype=np.float32)
    out = np.empty((rows + 1, n // rows), np.float32)[:-1]
    dA = rng.standard_normal(Z.shape, dtype=np.float32)
    relu = fnmlp.relu
    flat = [rng.random((1, n), dtype=np.float32) for _ in range(7)]
    adam = (*flat, 0.9, 0.999, 1e-3, 1e-8)

    def split(fn: Callable[..., None], *args: Any, axis: int = 0) -> Callable[[], object]:
        def call() -> None:
            saved, threads.THRESHOLD = threads.THRESHOLD, 1
            try:
                threads.rows(fn, *args, axis=axis)
            finally:
                threads.THRESHOLD = saved

        return call

    return {
        "relu into [A; 1]": (lambda: relu.into(Z, out), split(relu.into, Z, out)),
        "relu derivative in place": (
            lambda: relu.derivative_into(Z, Z, dA),
            split(relu.derivative_into, Z, Z, dA),
        ),
        "adam update": (
            lambda: updates._adam_into(*adam),
            split(updates._adam_into, *adam, axis=1),
        ),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="FNMLP_NUM_THREADS for the split calls (default: the CPUs)",
    )
    args = parser.parse_args(argv)
    # splitting is opt-in: FNMLP_NUM_THREADS asks for it, here for every split call
    os.environ["FNMLP_NUM_THREADS"] = str(args.threads or os.cpu_count() or 1)
    threads: Any = importlib.import_module("fnmlp._threads")
    print(f"{threads.workers()} cores for split passes, THRESHOLD = {threads.THRESHOLD}\n")
    print("| elements | pass | one call µs | split µs | split / one |")
    print("|---|---|---|---|---|")
    for power in range(12, 23, 2):
        n = 1 << power
        number = max(1, (1 << 22) // n)
        for name, (one, split) in passes(n).items():
            best = {"one": float("inf"), "split": float("inf")}
            for _ in range(args.repeats):
                for key, call in (("one", one), ("split", split)):
                    best[key] = min(best[key], timeit.timeit(call, number=number) / number)
            ratio = best["split"] / best["one"]
            print(
                f"| 2^{power} | {name} | {best['one'] * 1e6:.1f} | {best['split'] * 1e6:.1f} "
                f"| {ratio:.2f} |"
            )


if __name__ == "__main__":
    main()
