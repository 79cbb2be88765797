"""Run contestants on a workload: prepare, warm up, time interleaved, then measure memory.

Timing: every repeat runs each contestant once (round-robin, the starting
contestant rotating from repeat to repeat so none is always first), each run
training ``workload.epochs`` epochs from the same initial state; time per step
is the run's wall time over ``epochs * steps_per_epoch``. The garbage collector
stays on (users pay for it) but is emptied before each run.

Memory: a separate, untimed pass per contestant under :mod:`tracemalloc`
(numpy reports its array allocations to it) for ``workload.memory_epochs``;
the peak counts only what the run allocates, not the data or initial params.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field

import numpy as np

from benchmarks.contest import Contestant, Predictor, Runner, Unavailable
from benchmarks.workloads import Workload

__all__ = ["Result", "run_workload"]


@dataclass
class Result:
    """One contestant's measurements on one workload."""

    contestant: Contestant
    status: str = "ok"
    times_us: list[float] = field(default_factory=list)
    peak_bytes: int | None = None
    accuracy: float | None = None

    @property
    def ok(self) -> bool:
        """Whether the contestant ran and was timed."""
        return self.status == "ok" and bool(self.times_us)

    @property
    def median_us(self) -> float:
        """Median time per step, µs."""
        return statistics.median(self.times_us)


@dataclass
class Entry:
    """A contestant in flight: its runner (if prepared), result and last predictor."""

    result: Result
    runner: Runner | None = None
    predictor: Predictor | None = None


def prepare(contestant: Contestant, w: Workload) -> Entry:
    """Untimed preparation and one warm-up run; failures become the row's status."""
    entry = Entry(Result(contestant))
    try:
        entry.runner = contestant.prepare(w)
        entry.runner(max(1, w.epochs // 10))
    except Unavailable as error:
        entry.result.status = f"unavailable: {error}"
        entry.runner = None
    except Exception as error:  # a contestant's bug must not end the benchmark
        entry.result.status = f"failed: {type(error).__name__}: {error}"
        entry.runner = None
    return entry


def time_once(entry: Entry, w: Workload) -> None:
    """One timed run; appends µs per step and keeps the predictor."""
    assert entry.runner is not None
    gc.collect()
    start = time.perf_counter()
    try:
        entry.predictor = entry.runner(w.epochs)
    except Exception as error:
        entry.result.status = f"failed: {type(error).__name__}: {error}"
        entry.runner = None
        return
    elapsed = time.perf_counter() - start
    entry.result.times_us.append(elapsed / (w.epochs * w.steps_per_epoch) * 1e6)


def peak_memory(runner: Runner, w: Workload) -> int:
    """Peak bytes allocated (Python objects and numpy arrays) during one untimed run."""
    gc.collect()
    tracemalloc.start()
    try:
        runner(w.memory_epochs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def score(predictor: Predictor | None, w: Workload) -> float | None:
    """Fraction of test examples labelled correctly, if there is a test set and a model."""
    if predictor is None or w.X_test is None or w.labels_test is None:
        return None
    return float(np.mean(predictor(w.X_test) == w.labels_test))


def run_workload(
    w: Workload, contestants: list[Contestant], repeats: int, *, memory: bool = True
) -> list[Result]:
    """Measure every contestant on ``w``; returns results in the contestants' order.

    ``memory=False`` skips the tracemalloc pass (``peak_bytes`` stays ``None``).
    """
    entries = [prepare(contestant, w) for contestant in contestants]
    for repeat in range(repeats):
        shift = repeat % len(entries)
        for entry in entries[shift:] + entries[:shift]:
            if entry.runner is not None:
                time_once(entry, w)
    for entry in entries:
        if entry.runner is not None:
            if memory:
                entry.result.peak_bytes = peak_memory(entry.runner, w)
            entry.result.accuracy = score(entry.predictor, w)
    return [entry.result for entry in entries]
