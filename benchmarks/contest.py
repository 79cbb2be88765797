"""What a contestant is: a named way to train a workload, prepared once, run many times.

``prepare(workload)`` does everything that should not be timed (imports,
initial parameters, copies of the data into the contestant's own layout) and
returns a :data:`Runner`. ``runner(epochs)`` trains from the same initial
state for ``epochs`` epochs and returns a :data:`Predictor` for the test set,
or ``None`` when the contestant does not learn (the matmul floor). Runners
must be repeatable: the harness calls them for warm-up, every timed repeat
and the memory pass.

A contestant that cannot run here raises :class:`Unavailable` from
``prepare``; the harness prints "unavailable" in its row instead of crashing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks.workloads import FloatMatrix, Labels, Workload

__all__ = ["Contestant", "Predictor", "Runner", "Unavailable", "predicted_labels"]

Predictor = Callable[[FloatMatrix], Labels]
"""Maps test inputs ``(n_x, m)`` to predicted class labels ``(m,)``."""

Runner = Callable[[int], Predictor | None]
"""Trains for the given number of epochs from a fixed initial state."""


class Unavailable(Exception):
    """The contestant cannot run here: a missing package or a missing API."""


@dataclass(frozen=True)
class Contestant:
    """A named trainer; ``prepare`` is untimed, the runner it returns is timed."""

    name: str
    prepare: Callable[[Workload], Runner]
    is_baseline: bool = False
    is_floor: bool = False


def predicted_labels(Yhat: FloatMatrix) -> Labels:
    """Class labels from network outputs ``(n_y, m)``: threshold 0.5 if ``n_y == 1``, else argmax.

    Examples:
        >>> print(predicted_labels(np.array([[0.2, 0.7]])))
        [0 1]
        >>> print(predicted_labels(np.array([[0.1, 0.8], [0.9, 0.2]])))
        [1 0]
    """
    labels: Labels = (Yhat[0] >= 0.5) if Yhat.shape[0] == 1 else Yhat.argmax(axis=0)
    return labels.astype(np.intp)
