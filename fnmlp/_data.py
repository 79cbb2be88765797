"""The training data made ready: labels encoded, class weights applied, a validation split held out.

What :func:`fnmlp.train` and :func:`fnmlp.scan` do to ``Y``, ``class_weight``
and ``validation_fraction`` before the first epoch: targets given as labels
of any kind are encoded for the output layer (by :class:`~fnmlp.Labels`),
per-class weights are turned into per-example ones, and a seeded, stratified
share of the examples is held out for validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp._validate import positive_float
from fnmlp.classes import Labels, labels
from fnmlp.errors import HyperparameterError, LabelError, ShapeError
from fnmlp.losses import Loss
from fnmlp.metrics import class_sample_weight
from fnmlp.records import Params

__all__ = [
    "columns",
    "hold_out",
    "label_targets",
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
    combined = by_class if weights is None else by_class * weights
    if not combined.sum() > 0:
        raise HyperparameterError(
            "class_weight: expected weights with a positive sum over the examples, got all zeros"
        )
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
