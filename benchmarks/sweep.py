"""Scaling sweep: ``fnmlp.train`` and the notebook loop against the matmul floor, per network size.

Usage, from the repository root::

    python -m benchmarks.sweep                    # every axis, 5 interleaved repeats (~6.5 min)
    python -m benchmarks.sweep --quick            # smoke run: one small point an axis, seconds
    python -m benchmarks.sweep --axes width,batch --repeats 5

Four axes of points, each a random float32 data set (N(0, 1) inputs, random
one-hot labels) for a ReLU/softmax network trained with categorical
cross-entropy:

* ``width``: ``[512, w, w, 10]``, w in 64, 256, 1024, 2048; SGD lr 0.01, batch 256;
* ``batch``: ``[512, 1024, 1024, 10]`` at batch 32, 128, 512, 4096; SGD lr 0.01;
* ``depth``: ``[512] + [256] * d + [10]``, d in 2, 4, 8, 16; SGD lr 0.01, batch 256;
* ``digits``: ``[64, 128, 64, 10]`` (the digits workload's network; Adam lr 1e-3)
  at batch 32, 256, 1024, 4096.

Each point is timed twice, each time by :func:`benchmarks.harness.run_workload`
(prepare, warm up, interleaved repeats): once with BLAS held to one thread and
once to two (threadpoolctl). Contestants: ``train`` (``fnmlp.train`` given only
``loss``, ``optimizer``, ``epochs``, ``batch_size`` and ``seed``, what a user
gets), the notebook loop and the matmul floor of :mod:`benchmarks.baselines`,
and, when installed, torch eager and jax jit (:mod:`benchmarks.frameworks`).
Ratios are of medians against the floor timed in the same pass. Peak memory
is the harness's tracemalloc pass, in the one-thread pass only.

A timed run is one epoch of ``m = steps * batch`` examples, ``steps`` chosen
so that the notebook loop's run on one thread lasts about 0.2 s on the 2-core
machine the README's table comes from (one step of the wide net at batch
4096 alone takes longer: that point is one step).
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from benchmarks.baselines import MATMUL_FLOOR, NOTEBOOK_LOOP
from benchmarks.contest import Contestant
from benchmarks.fnmlp_contestants import FNMLP_TRAIN_DEFAULT
from benchmarks.frameworks import JAX_JIT, torch_eager
from benchmarks.harness import Result, run_workload
from benchmarks.report import microseconds, notes, size, table
from benchmarks.run import blas_limit, environment, names_from
from benchmarks.workloads import Optimizer, Workload, random_classes

__all__ = ["AXES", "THREADS", "Point", "main"]

THREADS = (1, 2)
"""BLAS threads of the two passes over every point."""

FLOOR_TARGET = 1.3
"""``train`` should take at most this multiple of the floor where hidden layers are wide."""

WIDE_HIDDEN = 256
"""The floor target applies to points whose widest hidden layer has at least this many units."""

DEFAULT_REPEATS, QUICK_REPEATS, QUICK_STEPS = 5, 1, 2


@dataclass(frozen=True)
class Point:
    """One network and batch size of an axis, and the steps of a timed run."""

    axis: str
    dims: tuple[int, ...]
    batch_size: int
    steps: int
    optimizer: Optimizer = "sgd"
    learning_rate: float = 0.01

    @property
    def label(self) -> str:
        """The network and batch size; three or more equal layers in a row as ``n x k``.

        Examples:
            >>> Point("digits", (64, 128, 64, 10), 32, 1000, "adam", 1e-3).label
            '[64,128,64,10] b32'
            >>> Point("depth", (512, 256, 256, 256, 256, 10), 256, 24).label
            '[512,256x4,10] b256'
        """
        layers = [
            f"{n}x{k}" if k >= 3 else ",".join([str(n)] * k)
            for n, k in ((n, len(list(run))) for n, run in itertools.groupby(self.dims))
        ]
        return f"[{','.join(layers)}] b{self.batch_size}"

    @property
    def targeted(self) -> bool:
        """Whether the floor target applies: the widest hidden layer has 256 units or more.

        Examples:
            >>> Point("width", (512, 64, 64, 10), 256, 80).targeted
            False
            >>> Point("depth", (512, 256, 256, 10), 256, 32).targeted
            True
        """
        return max(self.dims[1:-1]) >= WIDE_HIDDEN

    def workload(self, *, quick: bool) -> Workload:
        """The point's data and training settings; one epoch of ``steps`` batches a run."""
        steps = QUICK_STEPS if quick else self.steps
        return random_classes(
            f"{self.axis} {self.label}",
            self.dims,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            m=steps * self.batch_size,
            epochs=1,
        )


WIDE = (512, 1024, 1024, 10)

AXES: dict[str, tuple[Point, ...]] = {
    "width": (
        Point("width", (512, 64, 64, 10), 256, 80),
        Point("width", (512, 256, 256, 10), 256, 32),
        Point("width", WIDE, 256, 6),
        Point("width", (512, 2048, 2048, 10), 256, 2),
    ),
    "batch": (
        Point("batch", WIDE, 32, 24),
        Point("batch", WIDE, 128, 8),
        Point("batch", WIDE, 512, 3),
        Point("batch", WIDE, 4096, 1),
    ),
    "depth": tuple(
        Point("depth", (512, *[256] * d, 10), 256, steps)
        for d, steps in ((2, 32), (4, 24), (8, 12), (16, 8))
    ),
    "digits": tuple(
        Point("digits", (64, 128, 64, 10), batch, steps, "adam", 1e-3)
        for batch, steps in ((32, 1000), (256, 320), (1024, 96), (4096, 24))
    ),
}
"""The points of each axis; ``steps`` sizes a one-thread notebook run to about 0.2 s here."""


@dataclass(frozen=True)
class Measured:
    """A point's results: one list per thread count, the contestants' order of ``lineup``."""

    point: Point
    m: int
    passes: dict[int, list[Result]]

    def get(self, threads: int, contestant: Contestant) -> Result | None:
        """The result of ``contestant`` in the ``threads`` pass, if it took part."""
        for result in self.passes[threads]:
            if result.contestant is contestant:
                return result
        return None


TORCH = {threads: torch_eager(threads) for threads in THREADS}


def lineup(threads: int) -> list[Contestant]:
    """The contestants of one pass; jax jit runs beside the widest pass only (its threads are its own)."""
    extra = [JAX_JIT] if threads == max(THREADS) else []
    return [NOTEBOOK_LOOP, FNMLP_TRAIN_DEFAULT, MATMUL_FLOOR, TORCH[threads], *extra]


def measure(point: Point, *, quick: bool, repeats: int) -> Measured:
    """Time ``point`` once per thread count; peak memory in the first pass only."""
    w = point.workload(quick=quick)
    passes: dict[int, list[Result]] = {}
    for threads in THREADS:
        with blas_limit(threads):
            passes[threads] = run_workload(
                w, lineup(threads), repeats, memory=threads == THREADS[0]
            )
    return Measured(point, w.m, passes)


# ----------------------------------------------------------------- the table


def ok(result: Result | None) -> TypeGuard[Result]:
    """Whether ``result`` exists and was timed."""
    return result is not None and result.ok


def word(result: Result | None) -> str:
    """What a cell says for a contestant that was not timed: ``absent``, ``failed`` or ``-``."""
    if result is None:
        return "-"
    if result.status.startswith("unavailable"):
        return "absent"
    return result.status.split(":", 1)[0]


def against(result: Result | None, floor: Result | None) -> str:
    """``µs/step (ratio x)`` of ``result``'s median against the floor's.

    Examples:
        >>> from benchmarks.baselines import MATMUL_FLOOR, NOTEBOOK_LOOP
        >>> floor = Result(MATMUL_FLOOR, times_us=[1000.0, 1100.0, 900.0])
        >>> against(Result(NOTEBOOK_LOOP, times_us=[1250.0]), floor)
        '1,250 (1.25x)'
        >>> against(Result(NOTEBOOK_LOOP, status="unavailable: no torch"), floor)
        'absent'
    """
    if result is None or not result.ok:
        return word(result)
    if floor is None or not floor.ok:
        return microseconds(result.median_us)
    return f"{microseconds(result.median_us)} ({result.median_us / floor.median_us:.2f}x)"


def at_most(result: Result | None, reference: Result | None, factor: float = 1.0) -> str:
    """``yes`` if ``result``'s median is at most ``factor`` times ``reference``'s, else ``no``.

    ``-`` when either was not timed. Computed from the medians, never assumed.

    Examples:
        >>> from benchmarks.baselines import MATMUL_FLOOR
        >>> from benchmarks.fnmlp_contestants import FNMLP_TRAIN_DEFAULT
        >>> floor = Result(MATMUL_FLOOR, times_us=[100.0])
        >>> train = Result(FNMLP_TRAIN_DEFAULT, times_us=[120.0, 140.0])
        >>> at_most(train, floor, 1.3), at_most(train, floor), at_most(train, None)
        ('yes', 'no', '-')
    """
    if result is None or reference is None or not result.ok or not reference.ok:
        return "-"
    return "yes" if result.median_us <= factor * reference.median_us else "no"


def per_thread(cells: Sequence[str]) -> str:
    """One cell for every thread count, ``1 thread / 2 threads``."""
    return " / ".join(cells)


MAIN_COLUMNS = (
    "point",
    "m",
    *(
        column
        for threads in THREADS
        for column in (
            f"floor µs, {threads} thr",
            f"train µs (x floor), {threads} thr",
            f"notebook µs (x floor), {threads} thr",
        )
    ),
    f"train ≤ {FLOOR_TARGET}x floor ({' / '.join(f'{t} thr' for t in THREADS)})",
    f"train ≤ notebook ({' / '.join(f'{t} thr' for t in THREADS)})",
    "peak memory train",
    "peak memory notebook",
)

FRAMEWORK_COLUMNS = (
    "point",
    *(f"torch eager µs (x floor), {threads} thr" for threads in THREADS),
    f"jax jit µs (x floor), XLA's threads (floor of {max(THREADS)} thr)",
)


def main_row(p: Measured) -> tuple[str, ...]:
    """The point's row of the main table."""
    cells: list[str] = [p.point.label, f"{p.m:,}"]
    for threads in THREADS:
        floor = p.get(threads, MATMUL_FLOOR)
        cells.append(microseconds(floor.median_us) if ok(floor) else word(floor))
        cells.append(against(p.get(threads, FNMLP_TRAIN_DEFAULT), floor))
        cells.append(against(p.get(threads, NOTEBOOK_LOOP), floor))
    train = [p.get(threads, FNMLP_TRAIN_DEFAULT) for threads in THREADS]
    floors = [p.get(threads, MATMUL_FLOOR) for threads in THREADS]
    notebooks = [p.get(threads, NOTEBOOK_LOOP) for threads in THREADS]
    if p.point.targeted:
        cells.append(per_thread([at_most(t, f, FLOOR_TARGET) for t, f in zip(train, floors)]))
    else:
        cells.append(f"- (hidden < {WIDE_HIDDEN})")
    cells.append(per_thread([at_most(t, n) for t, n in zip(train, notebooks)]))
    for result in (train[0], notebooks[0]):
        cells.append(size(result.peak_bytes) if result is not None and result.ok else "-")
    return tuple(cells)


def framework_row(p: Measured) -> tuple[str, ...]:
    """The point's row of the torch and jax table."""
    widest = max(THREADS)
    torch = [against(p.get(t, TORCH[t]), p.get(t, MATMUL_FLOOR)) for t in THREADS]
    jax = against(p.get(widest, JAX_JIT), p.get(widest, MATMUL_FLOOR))
    return (p.point.label, *torch, jax)


def tables(measured: Sequence[Measured]) -> str:
    """One main table and one torch/jax table per axis, in markdown."""
    out: list[str] = []
    for axis in dict.fromkeys(p.point.axis for p in measured):
        points = [p for p in measured if p.point.axis == axis]
        out.append(f"### {axis}\n")
        out.append(table([main_row(p) for p in points], MAIN_COLUMNS))
        out.append("")
        out.append(table([framework_row(p) for p in points], FRAMEWORK_COLUMNS))
        out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------- command line


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sweep", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--axes",
        type=names_from(AXES, "axis"),
        default=list(AXES),
        help=f"comma-separated axes (default: {','.join(AXES)})",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help=f"timed runs per contestant and pass (default {DEFAULT_REPEATS}, "
        f"{QUICK_REPEATS} with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: the first point of each axis, {QUICK_STEPS} steps a run",
    )
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = QUICK_REPEATS if args.quick else DEFAULT_REPEATS
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the selected axes and print their tables."""
    args = parse(argv)
    started = time.perf_counter()
    points = [p for axis in args.axes for p in AXES[axis][: 1 if args.quick else None]]
    print(environment())
    print(
        f"{args.repeats} interleaved repeats a pass; passes with BLAS held to "
        f"{' and '.join(str(t) for t in THREADS)} thread(s) (threadpoolctl)",
        flush=True,
    )
    measured: list[Measured] = []
    for point in points:
        tick = time.perf_counter()
        measured.append(measure(point, quick=args.quick, repeats=args.repeats))
        print(
            f"- {point.axis} {point.label}: m {measured[-1].m:,}, "
            f"{time.perf_counter() - tick:.1f} s",
            flush=True,
        )
    print()
    print(tables(measured))
    problems = dict.fromkeys(
        line for p in measured for results in p.passes.values() for line in notes(results)
    )
    if problems:
        print("not measured:")
        print("\n".join(problems))
    print(f"\ntotal wall time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
