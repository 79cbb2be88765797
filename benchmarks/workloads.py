"""The workloads: one network, one optimiser and one data set each, built in-process.

Data use fnmlp's layout: ``X`` has shape ``(n_x, m)`` and ``Y`` shape
``(n_y, m)``, one column per example. Every data set comes from a seeded
``numpy.random.Generator`` (or, for ``digits``, from the copy of the UCI digits
that scikit-learn ships), so nothing is downloaded and every run sees the same
numbers.

Examples:
    >>> w = tiny(quick=True)
    >>> w.X.shape, w.Y.shape, w.steps_per_epoch
    ((2, 4), (1, 4), 1)
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "WORKLOADS",
    "FloatMatrix",
    "Labels",
    "Workload",
    "batch_sizes",
    "digits",
    "epoch_batches",
    "optional_module",
    "random_classes",
    "tiny",
    "wide",
]

FloatMatrix: TypeAlias = npt.NDArray[np.floating[Any]]
"""A float array; in this package always rank 2, ``(rows, m)``."""

Labels: TypeAlias = npt.NDArray[np.intp]
"""Integer class labels, shape ``(m,)``."""

Output = Literal["sigmoid", "softmax"]
Optimizer = Literal["sgd", "adam"]


@dataclass(frozen=True, eq=False)
class Workload:
    """One benchmark problem: architecture, optimiser, data and run lengths.

    ``epochs`` is the length of one timed run; ``memory_epochs`` the length of
    the untimed tracemalloc run. ``batch_size == m`` means full-batch descent.
    ``repeat_factor`` multiplies the repeats: a run of a tenth of a second is
    easily hit by another process's burst on a shared machine, and more
    repeats keep the median steady.
    """

    name: str
    description: str
    dims: tuple[int, ...]
    output: Output
    optimizer: Optimizer
    learning_rate: float
    batch_size: int
    dtype: np.dtype[np.floating[Any]]
    X: FloatMatrix
    Y: FloatMatrix
    labels: Labels
    X_test: FloatMatrix | None
    labels_test: Labels | None
    epochs: int
    memory_epochs: int = 1
    seed: int = 0
    repeat_factor: int = 1

    @property
    def m(self) -> int:
        """Number of training examples."""
        return int(self.X.shape[1])

    @property
    def full_batch(self) -> bool:
        """Whether one step sees the whole training set (no shuffling)."""
        return self.batch_size >= self.m

    @property
    def steps_per_epoch(self) -> int:
        """Optimiser steps in one epoch: ``ceil(m / batch_size)``."""
        return math.ceil(self.m / self.batch_size)

    @property
    def n_classes(self) -> int:
        """Number of classes (2 for a single sigmoid output)."""
        return max(2, int(self.Y.shape[0]))


def optional_module(name: str) -> Any | None:
    """Import ``name`` if it is installed, else return ``None``; typed ``Any`` for mypy."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def one_hot(labels: Labels, n_classes: int, dtype: np.dtype[np.floating[Any]]) -> FloatMatrix:
    """Targets ``(n_classes, m)`` with a single 1 per column."""
    Y: FloatMatrix = np.zeros((n_classes, labels.shape[0]), dtype=dtype)
    Y[labels, np.arange(labels.shape[0])] = 1
    return Y


def batch_sizes(w: Workload) -> list[int]:
    """Sizes of the mini-batches of one epoch, in order (the last may be short)."""
    return [min(w.batch_size, w.m - start) for start in range(0, w.m, w.batch_size)]


def epoch_batches(
    w: Workload, rng: np.random.Generator
) -> Iterator[tuple[FloatMatrix, FloatMatrix]]:
    """One epoch of ``(X_batch, Y_batch)``: one shuffled gather, then column views.

    Full-batch workloads yield the training set itself, unshuffled.
    """
    if w.full_batch:
        yield w.X, w.Y
        return
    order = rng.permutation(w.m)
    X, Y = w.X[:, order], w.Y[:, order]
    for start in range(0, w.m, w.batch_size):
        stop = start + w.batch_size
        yield X[:, start:stop], Y[:, start:stop]


def tiny(*, quick: bool = False) -> Workload:
    """XOR, ``[2, 3, 1]`` ReLU/sigmoid, full-batch gradient descent lr 1.0, float64.

    Timing only: no test set (whether XOR is solved depends on each
    contestant's initial draw, not on its speed).
    """
    dtype = np.dtype(np.float64)
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=dtype)
    labels: Labels = np.array([0, 1, 1, 0], dtype=np.intp)
    return Workload(
        name="tiny",
        description="XOR [2,3,1] relu/sigmoid, full-batch GD lr 1.0, float64, BCE",
        dims=(2, 3, 1),
        output="sigmoid",
        optimizer="sgd",
        learning_rate=1.0,
        batch_size=4,
        dtype=dtype,
        X=X,
        Y=labels[np.newaxis, :].astype(dtype),
        labels=labels,
        X_test=None,
        labels_test=None,
        epochs=200 if quick else 3000,
        repeat_factor=1 if quick else 4,
    )


def _digits_arrays(seed: int) -> tuple[npt.NDArray[np.float64], Labels, str]:
    """The 1797 8x8 digits as rows ``(m, 64)`` with labels, or a generated look-alike."""
    datasets = optional_module("sklearn.datasets")
    if datasets is not None:
        bunch = datasets.load_digits()
        rows: npt.NDArray[np.float64] = np.asarray(bunch.data, dtype=np.float64)
        return rows, np.asarray(bunch.target, dtype=np.intp), "sklearn load_digits"
    rng = np.random.default_rng(seed)
    labels: Labels = rng.integers(0, 10, size=1797).astype(np.intp)
    centres = rng.standard_normal((10, 64))
    generated = centres[labels] + 1.5 * rng.standard_normal((1797, 64))
    return generated, labels, "generated 64-feature 10-class set"


def digits(*, quick: bool = False, seed: int = 0) -> Workload:
    """Digits ``[64, 128, 64, 10]`` ReLU/softmax, Adam lr 1e-3, batch 32, float32.

    An 80/20 split from a seeded permutation; features standardised with the
    training split's mean and standard deviation (constant pixels left at 0).
    """
    rows, labels, source = _digits_arrays(seed)
    order = np.random.default_rng(seed).permutation(rows.shape[0])
    n_train = round(0.8 * rows.shape[0])
    train, test = order[:n_train], order[n_train:]
    mean = rows[train].mean(axis=0)
    std = rows[train].std(axis=0)
    std[std == 0] = 1.0
    dtype = np.dtype(np.float32)
    X: FloatMatrix = ((rows[train] - mean) / std).T.astype(dtype)
    X_test: FloatMatrix = ((rows[test] - mean) / std).T.astype(dtype)
    return Workload(
        name="digits",
        description=f"digits ({source}) [64,128,64,10] relu/softmax, Adam lr 1e-3, "
        "batch 32, float32, CCE",
        dims=(64, 128, 64, 10),
        output="softmax",
        optimizer="adam",
        learning_rate=1e-3,
        batch_size=32,
        dtype=dtype,
        X=np.ascontiguousarray(X),
        Y=one_hot(labels[train], 10, dtype),
        labels=labels[train],
        X_test=np.ascontiguousarray(X_test),
        labels_test=labels[test],
        epochs=1 if quick else 10,
        repeat_factor=1 if quick else 2,
    )


def random_classes(
    name: str,
    dims: tuple[int, ...],
    *,
    optimizer: Optimizer,
    learning_rate: float,
    batch_size: int,
    m: int,
    epochs: int,
    seed: int = 0,
) -> Workload:
    """Random float32 data for a ReLU/softmax ``dims`` network: N(0, 1) inputs, random labels.

    ``X`` is ``(dims[0], m)`` standard normal and each column's class is drawn
    uniformly from ``dims[-1]``, both from one generator seeded with ``seed``.
    No test set: the labels are noise, so only the time means anything.

    Examples:
        >>> w = random_classes("r", (4, 8, 3), optimizer="sgd", learning_rate=0.1,
        ...                    batch_size=2, m=5, epochs=1)
        >>> w.X.shape, w.Y.shape, w.steps_per_epoch, w.X.dtype
        ((4, 5), (3, 5), 3, dtype('float32'))
    """
    rng = np.random.default_rng(seed)
    dtype = np.dtype(np.float32)
    X: FloatMatrix = rng.standard_normal((dims[0], m), dtype=np.float32)
    labels: Labels = rng.integers(0, dims[-1], size=m).astype(np.intp)
    net = ",".join(str(n) for n in dims)
    rule = "SGD" if optimizer == "sgd" else "Adam"
    return Workload(
        name=name,
        description=f"random [{net}] relu/softmax, {rule} lr {learning_rate:g}, "
        f"batch {batch_size}, m {m}, float32, CCE",
        dims=dims,
        output="softmax",
        optimizer=optimizer,
        learning_rate=learning_rate,
        batch_size=batch_size,
        dtype=dtype,
        X=X,
        Y=one_hot(labels, dims[-1], dtype),
        labels=labels,
        X_test=None,
        labels_test=None,
        epochs=epochs,
        seed=seed,
    )


def wide(*, quick: bool = False, seed: int = 0) -> Workload:
    """Random float32 data, ``[512, 1024, 1024, 10]`` ReLU/softmax, SGD, batch 512, m 8192.

    ``quick`` shrinks m to 2048 (four steps an epoch) for a smoke run.
    """
    return random_classes(
        "wide",
        (512, 1024, 1024, 10),
        optimizer="sgd",
        learning_rate=0.01,
        batch_size=512,
        m=2048 if quick else 8192,
        epochs=1 if quick else 2,
        seed=seed,
    )


WORKLOADS: dict[str, Callable[..., Workload]] = {"tiny": tiny, "digits": digits, "wide": wide}
"""Workload builders by name, each taking ``quick=``."""
