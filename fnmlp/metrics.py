"""``predict``, ``accuracy`` and one-hot helpers.

A network whose output layer is softmax is a multi-class classifier: it
predicts the arg-max class of each column. Any other network is read as
binary (or multi-label) and predicts ``Yhat >= threshold`` entry by entry.

Examples:
    >>> import numpy as np
    >>> from fnmlp import one_hot, labels
    >>> Y = one_hot([2, 0, 1], classes=3)
    >>> print(Y)
    [[0. 1. 0.]
     [0. 0. 1.]
     [1. 0. 0.]]
    >>> print(labels(Y))
    [2 0 1]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp._kernels import accuracy_of
from fnmlp._validate import as_data, check_dtype, describe, freeze, positive_float, positive_int
from fnmlp.aliases import F, Matrix, Outputs
from fnmlp.errors import DTypeError, HyperparameterError, LabelError, ShapeError
from fnmlp.initialisers import check_fits
from fnmlp.losses import check_distributions, check_unit_range
from fnmlp.propagation import check_inputs, outputs
from fnmlp.records import Params

__all__ = ["accuracy", "labels", "one_hot", "predict"]


def _is_multiclass(params: Params[Any]) -> bool:
    return not params.activations[-1].elementwise


def _decide(Yhat: Outputs[F], multiclass: bool, threshold: float) -> npt.NDArray[np.int64]:
    if multiclass:
        return freeze(Yhat.argmax(axis=0, keepdims=True).astype(np.int64))
    return freeze((Yhat >= threshold).astype(np.int64))


def predict(
    params: Params[F], X: npt.ArrayLike, *, threshold: float = 0.5
) -> npt.NDArray[np.int64]:
    """Predicted labels for the columns of ``X``.

    Args:
        params: the network.
        X: inputs of shape ``(n_x, m)``.
        threshold: the cut for binary outputs (``Yhat >= threshold`` is 1).

    Returns:
        For a softmax output, the class index of each example, shape ``(1, m)``;
        otherwise 0/1 labels of shape ``(n_y, m)``.

    Raises:
        ShapeError: for mis-shaped ``X``; HyperparameterError for a threshold
            outside ``(0, 1)``.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, Params, sigmoid
        >>> params = Params((Layer(np.array([[10.0]]), np.array([[-5.0]]), sigmoid),))
        >>> print(predict(params, [[0.0, 0.4, 0.6, 1.0]]))
        [[0 0 1 1]]
    """
    cut = positive_float(threshold, "threshold")
    if cut >= 1:
        raise HyperparameterError(f"threshold: expected a number in (0, 1), got {threshold!r}")
    data = check_inputs(params, X)
    return _decide(outputs(params, data), _is_multiclass(params), cut)


def accuracy(params: Params[F], X: npt.ArrayLike, Y: npt.ArrayLike) -> float:
    """The fraction of examples (of entries, for binary outputs) predicted right.

    Args:
        params: the network.
        X: inputs of shape ``(n_x, m)``.
        Y: targets of shape ``(n_y, m)``: 0/1 labels, or one-hot columns for a
            softmax output.

    Returns:
        A float in ``[0, 1]``.

    Raises:
        ShapeError: if ``X`` or ``Y`` is mis-shaped.
        LabelError: if ``Y`` is not what the output predicts: values in
            ``[0, 1]`` (0/1 labels, or probabilities read at 0.5), or for a
            softmax output columns that are distributions (one-hot).

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, Params, sigmoid
        >>> params = Params((Layer(np.array([[10.0]]), np.array([[-5.0]]), sigmoid),))
        >>> accuracy(params, [[0.0, 0.4, 0.6, 1.0]], [[0, 1, 1, 1]])
        0.75
        >>> accuracy(params, [[0.0, 0.4]], [[0, 2]])
        Traceback (most recent call last):
        ...
        fnmlp.errors.LabelError: Y: accuracy of a sigmoid output expects 0/1 labels (values in [0, 1]), got 2.0 at index (0, 1)
    """
    data = check_inputs(params, X)
    targets: Matrix[F] = as_data(Y, "Y", params.dtype)
    expected = (params.layers[-1].W.shape[0], data.shape[1])
    if targets.shape != expected:
        hint = ""
        if _is_multiclass(params) and targets.shape == (1, data.shape[1]):
            hint = f"; for class indices pass fnmlp.one_hot(Y, classes={expected[0]})"
        raise ShapeError(
            f"Y: expected shape {expected} (n_y outputs, m examples), got {targets.shape}{hint}"
        )
    output = params.layers[-1].activation.name
    if _is_multiclass(params):
        check_distributions(
            targets, "Y", f"accuracy of a {output} output expects one-hot columns (distributions)"
        )
    else:
        check_unit_range(
            targets, "Y", f"accuracy of a {output} output expects 0/1 labels (values in [0, 1])"
        )
    return accuracy_of(outputs(params, data), targets, _is_multiclass(params))


def one_hot(
    classes_of: npt.ArrayLike,
    classes: int | None = None,
    *,
    dtype: type[np.floating[Any]] = np.float64,
) -> Matrix[Any]:
    """Class indices ``0..classes-1`` as one-hot columns of shape ``(classes, m)``.

    Args:
        classes_of: a 1-D sequence of ``m`` non-negative integer class indices
            (a ``(1, m)`` row is accepted too).
        classes: the number of classes; by default one more than the largest index.
        dtype: the float dtype of the result.

    Raises:
        DTypeError: for non-integer labels; ShapeError for a bad shape;
        HyperparameterError: for a bad ``classes``.
        LabelError: for a label outside ``[0, classes)``.
        ShapeError: for a result too large for this machine (the rule of
            :func:`fnmlp.initialisers.check_fits`: at most half its physical
            memory), naming ``classes`` (and the largest label when the count
            comes from ``classes_of``) and the size in bytes.

    Examples:
        >>> one_hot([0, 3], classes=3)
        Traceback (most recent call last):
        ...
        fnmlp.errors.LabelError: classes_of: expected class indices in [0, 3), got 3 at position 1
        >>> one_hot([0, 10**15])
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: classes: expected a number of classes whose one-hot array fits in memory, got 1000000000000001 (one more than the largest label in classes_of, 1000000000000000) for 2 examples, a (1000000000000001, 2) array, needing about 14.2 PiB (16000000000000016 bytes), more than half of this machine's ...
    """
    float_dtype = check_dtype(dtype)
    try:
        raw = np.asarray(classes_of)
    except (ValueError, TypeError) as error:
        raise ShapeError(
            f"classes_of: expected a 1-D sequence of labels, got {describe(classes_of)} ({error})"
        ) from None
    if raw.ndim == 2 and raw.shape[0] == 1:
        raw = raw[0]
    if raw.ndim != 1 or raw.size == 0:
        raise ShapeError(
            f"classes_of: expected a non-empty 1-D sequence of labels, got shape {raw.shape}"
        )
    if raw.dtype.kind not in "iu":
        raise DTypeError(f"classes_of: expected integer class indices, got dtype {raw.dtype}")
    n = int(raw.max()) + 1 if classes is None else positive_int(classes, "classes")
    bad = (raw < 0) | (raw >= n)
    if bad.any():
        position = int(np.argmax(bad))
        raise LabelError(
            f"classes_of: expected class indices in [0, {n}), got {raw[position]} at position {position}"
        )
    source = f" (one more than the largest label in classes_of, {n - 1})"
    given = source if classes is None else " given"
    check_fits(
        n * raw.size * float_dtype.itemsize,
        "classes",
        "a number of classes whose one-hot array fits in memory",
        f"{n}{given} for {raw.size} examples, a ({n}, {raw.size}) array",
    )
    try:
        out: Matrix[Any] = np.zeros((n, raw.size), dtype=float_dtype)
    except (ValueError, MemoryError):  # where the machine's memory is not known
        raise ShapeError(
            f"classes: expected a number of classes whose ({n}, {raw.size}) one-hot array fits "
            f"in memory, got {n} (the largest label is {raw.max()})"
        ) from None
    out[raw, np.arange(raw.size)] = 1
    return freeze(out)


def labels(Y: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The class index of each column of one-hot (or probability) targets ``Y``.

    ``labels(one_hot(c)) == c``. A single row is read as binary targets (the
    probability of class 1), so its labels are ``Y >= 0.5``.

    Args:
        Y: targets or outputs of shape ``(n_y, m)``.

    Returns:
        ``m`` class indices, shape ``(m,)``.

    Examples:
        >>> print(labels([[0.2, 0.9], [0.8, 0.1]]))
        [1 0]
        >>> print(labels([[0.2, 0.9, 1.0]]))
        [0 1 1]
    """
    data = as_data(Y, "Y", np.float64)
    if data.shape[0] == 1:
        return freeze((data[0] >= 0.5).astype(np.int64))
    return freeze(data.argmax(axis=0).astype(np.int64))
