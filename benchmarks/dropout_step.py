"""The cost of dropout in a training step: ``fnmlp.train`` with and without, interleaved.

Usage, from the repository root::

    python -m benchmarks.dropout_step                  # 41 interleaved repeats of 2 epochs
    python benchmarks/dropout_step.py --quick          # smoke run: 2 repeats of 1 epoch
    python -m benchmarks.dropout_step --blas-threads 0 # BLAS's own thread count

The network is ``[64, 256, 256, 10]`` ReLU/softmax with Adam (lr 1e-3) and
batches of 32 on the training part of the ``digits`` workload (1438
examples, 45 steps an epoch), in float32 and float64. Each repeat trains the
same initial network once without dropout and once with each rate (the arms
in an order rotating from repeat to repeat), every run in this one process;
a run's time per step is its wall time over its steps. Prints one markdown
table: per dtype and rate the median time per step, the median over the
repeats of its ratio to the same repeat's run without dropout (neighbours in
time, so a shared machine's slow stretch weighs on both sides of a ratio
alike), and the median time of the masks' draw alone per step
(``dropout_masks`` for one batch of 32), on one BLAS thread and with glibc's
malloc thresholds fixed (:func:`pin_malloc`) unless told otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import contextlib
import ctypes
import gc
import statistics
import time
from typing import Any

import numpy as np

import fnmlp
from benchmarks.workloads import digits, optional_module
from fnmlp import _kernels

DIMS = (64, 256, 256, 10)
RATES: tuple[float | None, ...] = (None, 0.2, 0.5)
BATCH = 32


def step_time(params: Any, X: Any, Y: Any, rate: float | None, epochs: int) -> float:
    """Seconds per step of one ``fnmlp.train`` run of ``epochs`` epochs at dropout ``rate``."""
    steps: int = epochs * -(-X.shape[1] // BATCH)
    gc.collect()
    start = time.perf_counter()
    fnmlp.train(
        params,
        X,
        Y,
        loss=fnmlp.categorical_cross_entropy,
        optimizer=fnmlp.adam(1e-3),
        epochs=epochs,
        batch_size=BATCH,
        seed=0,
        dropout=rate,
    )
    return (time.perf_counter() - start) / steps


def draw_time(rate: float, dtype: np.dtype[Any], calls: int) -> float:
    """Median seconds of one batch's ``dropout_masks`` at ``rate``, over ``calls`` calls."""
    rng = np.random.default_rng(0)
    rates = (rate,) * (len(DIMS) - 2)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        _kernels.dropout_masks(rng, rates, DIMS, BATCH, dtype)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pin_malloc() -> str:
    """Fix glibc's mmap and trim thresholds at 256 MB; say what was done.

    glibc moves both thresholds as large blocks are freed, and where they
    settle depends on the process's history: a float64 run here then costs
    1.01x or 1.20x the one without dropout from one process to the next (the
    same before and after the masks' 16-bit draw), and 1.07x every time with
    the thresholds fixed. Setting them (as ``MALLOC_MMAP_THRESHOLD_`` and
    ``MALLOC_TRIM_THRESHOLD_`` would) stops the moves.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return "malloc as it is (no glibc mallopt)"
    m_trim_threshold, m_mmap_threshold = -1, -3
    if mallopt(m_trim_threshold, 1 << 28) and mallopt(m_mmap_threshold, 1 << 28):
        return "glibc mmap and trim thresholds fixed at 256 MB"
    return "malloc as it is (mallopt refused)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=41)
    parser.add_argument("--epochs", type=int, default=2, help="epochs of one timed run")
    parser.add_argument("--quick", action="store_true", help="2 repeats of 1 epoch")
    parser.add_argument(
        "--malloc-as-is", action="store_true", help="leave glibc's malloc thresholds moving"
    )
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads (threadpoolctl); 0: leave as is"
    )
    args = parser.parse_args(argv)
    repeats, epochs = (2, 1) if args.quick else (args.repeats, args.epochs)
    limits: Any = contextlib.nullcontext()
    if args.blas_threads:
        threadpoolctl = optional_module("threadpoolctl")
        if threadpoolctl is None:
            raise SystemExit("--blas-threads needs threadpoolctl: pip install threadpoolctl")
        limits = threadpoolctl.threadpool_limits(args.blas_threads, "blas")
    malloc = "malloc as it is" if args.malloc_as_is else pin_malloc()
    workload = digits()
    print(
        f"Python {sys.version.split()[0]}, NumPy {np.__version__}, "
        f"BLAS threads: {args.blas_threads or 'default'}, {malloc}; "
        f"{list(DIMS)} relu/softmax, Adam, "
        f"batch {BATCH}, {workload.m} examples, {epochs} epoch(s) per run, {repeats} repeats\n"
    )
    header = ("dtype", "dropout", "µs per step", "ratio to none", "mask draw µs per step")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    with limits:
        dtypes: tuple[Any, ...] = (np.float32, np.float64)
        for kind in dtypes:
            dtype = np.dtype(kind)
            X, Y = workload.X.astype(dtype), workload.Y.astype(dtype)
            params = fnmlp.init(DIMS, output=fnmlp.softmax, seed=0, dtype=kind)
            for rate in RATES:  # warm BLAS, caches and the allocator before timing
                step_time(params, X, Y, rate, 1)
            times: dict[float | None, list[float]] = {rate: [] for rate in RATES}
            for repeat in range(repeats):
                shift = repeat % len(RATES)
                for rate in RATES[shift:] + RATES[:shift]:
                    times[rate].append(step_time(params, X, Y, rate, epochs))
            for rate in RATES:
                median = statistics.median(times[rate])
                # each repeat's ratio to the run without dropout next to it, so that a slow
                # stretch of a shared machine weighs on both sides of a ratio alike
                ratio = statistics.median(t / n for t, n in zip(times[rate], times[None]))
                draw = "" if rate is None else f"{draw_time(rate, dtype, 2000) * 1e6:.1f}"
                cells = (
                    dtype.name,
                    "none" if rate is None else str(rate),
                    f"{median * 1e6:.1f}",
                    f"{ratio:.3f}",
                    draw,
                )
                lines.append("| " + " | ".join(cells) + " |")
                print(lines[-1] if len(lines) > 3 else "\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
