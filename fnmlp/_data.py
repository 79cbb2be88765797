"""The training data made ready: labels encoded, class weights applied, a validation split held out.

What :func:`fnmlp.train` and :func:`fnmlp.scan` do to ``Y``, ``class_weight``
and ``validation_fraction`` before the first epoch: targets given as labels
of any kind are encoded for the output layer (by :class:`~fnmlp.Labels`),
per-class weights are turned into per-example ones, and a seeded, stratified
share of the examples is held out for validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from fnmlp import _threads
from fnmlp._checks import normalised
from fnmlp._datachecks import check_one_kind
from fnmlp._structure import lock
from fnmlp._validate import as_data, freeze, positive_float, positive_int
from fnmlp.aliases import F, Inputs, Matrix, Targets
from fnmlp.classes import Labels, labels
from fnmlp.errors import HyperparameterError, LabelError, ShapeError
from fnmlp.losses import Loss
from fnmlp.metrics import class_sample_weight
from fnmlp.records import Params

__all__ = [
    "batches",
    "columns",
    "hold_out",
    "label_targets",
    "shuffled",
    "single_class",
    "split_indices",
    "with_class_weights",
]


def split_indices(
    m: int, fraction: float, *, seed: int, classes: npt.ArrayLike | None = None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The examples :func:`train` keeps and holds out under ``validation_fraction``.

    ``n = round(fraction * m)`` examples (at least 1, at most ``m - 1``) are
    held out, drawn by a generator seeded with ``(seed, m, 1)``, so that they
    depend only on ``seed``, ``m`` and ``classes``: a resumed run holds out
    the same examples. With ``classes`` (one class index per example) the
    draw is stratified: class ``c`` of ``m_c`` examples gives ``n * m_c / m``
    of them, rounded down, and the examples left over go to the classes with
    the largest remainders (the lower class first on a tie); then each class
    in increasing order holds out the first of a permutation of its examples.
    Without, the first ``n`` of a permutation of all of them.

    Args:
        m: the number of examples, at least 2.
        fraction: the share to hold out, in ``(0, 1)``.
        seed: a non-negative int.
        classes: ``(m,)`` non-negative class indices, or ``None``.

    Returns:
        ``(kept, held)``: the examples' indices, each in increasing order.

    Raises:
        ShapeError: for fewer than 2 examples.

    Examples:
        >>> kept, held = split_indices(10, 0.2, seed=0, classes=[0] * 5 + [1] * 5)
        >>> print(held, (held < 5).sum())
        [3 7] 1
    """
    if m < 2:
        raise ShapeError(
            f"validation_fraction: expected at least 2 examples to hold some out, got m={m}"
        )
    n = min(m - 1, max(1, round(fraction * m)))
    rng = np.random.default_rng((seed, m, 1))
    if classes is None:
        held = rng.permutation(m)[:n]
    else:
        codes = np.asarray(classes, dtype=np.intp).reshape(-1)
        counts = np.bincount(codes)
        quotas = n * counts / m
        shares = np.floor(quotas).astype(np.intp)
        order = np.argsort(-(quotas - shares), kind="stable")  # largest remainder first
        shares[order[: n - int(shares.sum())]] += 1
        held = np.concatenate(
            [
                rng.permutation(np.flatnonzero(codes == c))[:share]
                for c, share in enumerate(shares.tolist())
                if counts[c]
            ]
        )
    held = np.sort(held).astype(np.intp)
    kept = np.setdiff1d(np.arange(m, dtype=np.intp), held, assume_unique=True)
    return kept, held


@overload
def batches(
    X: Matrix[F], Y: npt.ArrayLike, *, batch_size: int | None, seed: int = 0, epoch: int = 0
) -> list[tuple[Inputs[F], Targets[F]]]: ...


@overload
def batches(
    X: npt.ArrayLike, Y: npt.ArrayLike, *, batch_size: int | None, seed: int = 0, epoch: int = 0
) -> list[tuple[Inputs[np.float64], Targets[np.float64]]]: ...


def batches(
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    *,
    batch_size: int | None,
    seed: int = 0,
    epoch: int = 0,
) -> list[tuple[Inputs[Any], Targets[Any]]]:
    """The mini-batches :func:`train` takes in epoch ``epoch``, for a loop of the stages by hand.

    With ``batch_size=None`` (or at least ``m``) the one batch is the whole
    set in order, as in full-batch training; otherwise the columns of a
    permutation drawn by a generator seeded with ``(seed, epoch)``, cut into
    batches of ``batch_size`` (the last one smaller when ``m`` is not a
    multiple). These are the batches of ``train(params, X, Y, batch_size=...,
    seed=...)`` when ``X`` and ``Y`` are its training data (numeric targets,
    no ``validation_fraction``): a loop of :func:`forward`, :func:`backward`
    and ``opt.step`` over them takes ``train``'s steps, bit for bit (adding
    L2's gradient itself where ``train`` has ``l2``).

    Args:
        X: inputs of shape ``(n_x, m)``; a float32 or float64 array keeps its
            dtype, anything else becomes float64.
        Y: targets of shape ``(n_y, m)``, converted to ``X``'s dtype.
        batch_size: examples per batch, or ``None`` for the whole set.
        seed: the run's seed, a non-negative int (``train``'s ``seed``).
        epoch: the epoch, a non-negative int (the first is 0).

    Returns:
        ``[(X_batch, Y_batch), ...]``: read-only ``(n_x, b)`` and ``(n_y, b)``
        arrays, views of one gather per call.

    Raises:
        ShapeError: if ``X`` or ``Y`` is not 2-D, or ``Y`` has another number
            of columns than ``X``.
        DTypeError, NonFiniteError: for non-numeric or non-finite data.
        HyperparameterError: for a ``batch_size``, ``seed`` or ``epoch`` that
            is not an int in range.

    Examples:
        >>> import numpy as np
        >>> X = np.arange(10.0).reshape(2, 5)
        >>> Y = np.array([[0.0, 1.0, 0.0, 1.0, 1.0]])
        >>> for X_batch, Y_batch in batches(X, Y, batch_size=2, seed=0, epoch=3):
        ...     print(X_batch[0], Y_batch[0])
        [3. 0.] [1. 0.]
        [2. 1.] [0. 1.]
        [4.] [1.]
        >>> [Xb.shape for Xb, _ in batches(X, Y, batch_size=None)]
        [(2, 5)]
    """
    raw = np.asarray(X)
    dtype = raw.dtype if raw.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    data: Inputs[Any] = as_data(X, "X", dtype, copy=False)
    targets: Targets[Any] = as_data(Y, "Y", dtype, copy=False)
    m = data.shape[1]
    if targets.shape[1] != m:
        hint = "; the examples look like rows: pass Y.T" if targets.shape[0] == m else ""
        raise ShapeError(
            f"Y: expected {m} columns (one per example, like X), got shape {targets.shape}{hint}"
        )
    size = m if batch_size is None else min(positive_int(batch_size, "batch_size"), m)
    key = (
        positive_int(seed, "seed", allow_zero=True),
        positive_int(epoch, "epoch", allow_zero=True),
    )
    if size == m:  # read-only views of the caller's arrays, or read-only copies
        return [(freeze(data), freeze(targets))]
    return [(lock(X1[:-1]), lock(Yb)) for X1, Yb, _ in shuffled(data, targets, None, size, key)]


def shuffled(
    X: Inputs[F], Y: Targets[F], weights: Matrix[F] | None, size: int, key: tuple[int, ...]
) -> list[tuple[Matrix[F], Targets[F], Matrix[F] | None]]:
    """``(X, Y)``'s columns in the order of ``permutation(m)`` from a generator seeded with ``key``.

    Batches of ``size`` examples ``([X; 1], Y, w)``: column views of one
    gather (``w`` is ``weights``' row, or ``None``).
    """
    m = X.shape[1]
    order = np.random.default_rng(key).permutation(m)
    # One gather per epoch (np.take, a third of the time of X[:, order] on wide
    # data; mode="clip" skips a copy, the indices being valid), then the
    # batches are column views. The gather is freed with the batches, before
    # the epoch's log measures the data.
    X1: Matrix[F] = np.empty((X.shape[0] + 1, m), X.dtype)
    X1[-1] = 1
    _threads.rows(_gather, X, X1[:-1], order)
    Y = np.take(Y, order, axis=1)
    W = None if weights is None else np.take(weights, order, axis=1)
    return [
        (
            # a one-column view is copied: NumPy multiplies a strided column by
            # another BLAS path than the contiguous one forward and backward make
            X1[:, start : start + size]
            if min(size, m - start) > 1
            else X1[:, start : start + 1].copy(),
            Y[:, start : start + size],
            None if W is None else W[:, start : start + size],
        )
        for start in range(0, m, size)
    ]


def _gather(X: Matrix[Any], out: Matrix[Any], order: Any) -> None:
    np.take(X, order, axis=1, out=out, mode="clip")


def columns(data: npt.NDArray[Any], which: npt.NDArray[np.intp]) -> Any:
    """The columns ``which`` of ``data``, as a new read-only array."""
    out = np.take(data, which, axis=1)
    out.setflags(write=False)
    return out


def single_class(params: Params[Any], loss: Loss) -> bool:
    """Whether each example has one class: a softmax output, or one sigmoid unit (0/1)."""
    output = params.activations[-1]
    return loss.probabilities and (params.dims[-1] == 1 or not output.elementwise)


def label_targets(
    params: Params[Any],
    Y: npt.ArrayLike,
    name: str,
    encoder: Labels | None = None,
    *,
    fresh: bool = True,
) -> tuple[npt.ArrayLike, Labels | None]:
    """Labels (strings, objects) in ``Y`` encoded for ``params``' output; other ``Y`` as given.

    With a softmax output of ``k`` units, ``Labels.of(Y)`` must find ``k``
    classes; with one sigmoid unit, two (the second is class 1). Validation
    labels (``fresh=False``) are encoded with the training labels' ``encoder``
    and refused when the training targets were numbers.
    """
    if not isinstance(Y, (np.ndarray, list, tuple)):
        return Y, None
    try:
        raw = np.asarray(Y)
    except (ValueError, TypeError):
        return Y, None  # ragged: the targets' check says so
    if raw.dtype.kind not in "USO":
        return Y, None
    if raw.ndim != 1 and not (raw.ndim == 2 and raw.shape[0] == 1):
        raise ShapeError(
            f"{name}: expected labels as a 1-D sequence or a (1, m) row, got shape {raw.shape}"
        )
    check_one_kind(Y, raw, name)
    if encoder is None and not fresh:
        raise LabelError(
            f"{name}: expected numeric targets like Y's, got labels of dtype {raw.dtype} (give "
            f"Y and {name} alike: both labels, or both encoded by one fnmlp.Labels)"
        )
    labels_ = encoder if encoder is not None else Labels.of(raw)
    k, output = len(labels_.classes), params.activations[-1]
    n_y = params.dims[-1]
    if not output.probability or (n_y > 1 and output.elementwise):
        raise LabelError(
            f"{name}: expected numeric targets for a {n_y}-unit {output.name} output, got labels "
            f"of dtype {raw.dtype} (labels need a softmax output, one unit per class, or one "
            f"sigmoid unit for two classes)"
        )
    wanted = 2 if n_y == 1 else n_y
    if k != wanted:
        unit = "the sigmoid output (class 1 is the second)" if n_y == 1 else "the softmax output"
        raise LabelError(
            f"{name}: expected labels of {wanted} classes for {unit}, got {k}: "
            f"{labels_.classes!r:.200} (to name classes that Y lacks, pass "
            f"fnmlp.Labels(classes).encode({name.split()[-1]}))"
        )
    if n_y == 1:
        row: npt.NDArray[Any] = labels_.index(raw, name).astype(params.dtype).reshape(1, -1)
        return row, labels_
    return labels_.encode(raw, dtype=params.dtype.type, name=name), labels_


def with_class_weights(
    params: Params[Any],
    loss: Loss,
    targets: npt.NDArray[Any],
    weights: npt.NDArray[Any] | None,
    class_weight: object,
    encoder: Labels | None,
) -> npt.NDArray[Any]:
    """``sample_weight`` (or ones) times each example's class weight, checked."""
    if not single_class(params, loss):
        raise HyperparameterError(
            f"class_weight: expected a cross-entropy with a softmax output or one sigmoid unit, "
            f"got {loss.name} with a {params.dims[-1]}-unit {params.activations[-1].name} output"
        )
    per_class: Any = class_weight
    if encoder is not None and isinstance(class_weight, Mapping):
        per_class = {}
        for key, weight in class_weight.items():
            if key not in encoder.classes:
                raise LabelError(
                    f"class_weight: expected classes among {encoder.classes!r:.200}, got {key!r}"
                )
            per_class[encoder.classes.index(key)] = weight
    by_class = class_sample_weight(targets, per_class).astype(params.dtype).reshape(1, -1)
    # both factors normalised (as check_weights normalises sample_weight): no product overflows
    by_class = normalised(by_class)
    combined = by_class if weights is None else by_class * weights
    if not combined.sum() > 0:
        raise HyperparameterError(
            "class_weight: expected weights with a positive sum over the examples, got all zeros"
        )
    combined = normalised(combined)
    combined.setflags(write=False)
    return combined


def hold_out(
    params: Params[Any],
    loss: Loss,
    data: npt.NDArray[Any],
    targets: npt.NDArray[Any],
    weights: npt.NDArray[Any] | None,
    validation_fraction: object,
    validation: object,
    seed: int,
) -> tuple[Any, Any, Any, tuple[Any, Any]]:
    """``(data, targets, weights)`` kept for training and the ``(X, Y)`` held out, checked.

    The split of :func:`split_indices`, stratified by class when each example
    has one class; ``validation`` must be ``None`` (one or the other).
    """
    if validation is not None:
        raise HyperparameterError(
            "validation_fraction: expected validation=None to hold part of the training data "
            "out, got both (pass one or the other)"
        )
    fraction = positive_float(validation_fraction, "validation_fraction")
    if fraction >= 1:
        raise HyperparameterError(
            f"validation_fraction: expected a number in (0, 1), got {validation_fraction!r}"
        )
    m = data.shape[1]
    classes = labels(targets) if single_class(params, loss) else None
    kept, held = split_indices(m, fraction, seed=seed, classes=classes)
    held_back = (columns(data, held), columns(targets, held))
    data, targets = columns(data, kept), columns(targets, kept)
    weights = None if weights is None else columns(weights, kept)
    if weights is not None and not weights.sum() > 0:
        raise HyperparameterError(
            "sample_weight: expected the examples kept for training to have weights with a "
            "positive sum, got all zeros once validation_fraction held some out"
        )
    return data, targets, weights, held_back
