"""``predict``, ``accuracy``, regression metrics, and per-example weights from class weights.

A network whose output layer is softmax is a multi-class classifier: it
predicts the arg-max class of each column. One with a sigmoid output is read
as binary (or multi-label) and predicts ``Yhat >= threshold`` entry by entry.
Any other output is a regression: ``predict`` gives its values, scored by
:func:`r2_score` and :func:`mse`. :mod:`fnmlp.classes` turns labels of any
hashable kind (strings included) into one-hot columns and back.

Examples:
    A regression on standardised targets, read back in their units:

    >>> import numpy as np
    >>> from fnmlp import Layer, Params, linear
    >>> from fnmlp.datasets import standardise
    >>> X, Y = np.array([[0.0, 1.0, 2.0, 3.0]]), np.array([[150.0, 250.0, 350.0, 450.0]])
    >>> x_scale, y_scale = standardise(X), standardise(Y)
    >>> identity = Params((Layer(np.ones((1, 1)), np.zeros((1, 1)), linear),))
    >>> print(y_scale.inverse(predict(identity, x_scale.apply(X))))
    [[150. 250. 350. 450.]]
    >>> r2_score(identity, x_scale.apply(X), y_scale.apply(Y))
    1.0
"""


from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp._kernels import accuracy_of
from fnmlp._validate import as_data, describe, freeze, positive_float
from fnmlp.aliases import F, Matrix, Outputs
from fnmlp.classes import Labels, labels, labels_of, one_hot
from fnmlp.errors import HyperparameterError, LabelError, NonFiniteError, ShapeError
from fnmlp.losses import check_distributions, check_unit_range
from fnmlp.propagation import check_inputs, outputs
from fnmlp.records import Params

__all__ = [
    "Labels",
    "accuracy",
    "class_sample_weight",
    "labels",
    "labels_of",
    "mse",
    "one_hot",
    "predict",
    "r2_score",
]


def _is_multiclass(params: Params[Any]) -> bool:
    return not params.activations[-1].elementwise


def _decide(Yhat: Outputs[F], multiclass: bool, threshold: float) -> npt.NDArray[np.int64]:
    if multiclass:
        return freeze(Yhat.argmax(axis=0, keepdims=True).astype(np.int64))
    return freeze((Yhat >= threshold).astype(np.int64))


def predict(params: Params[F], X: npt.ArrayLike, *, threshold: float = 0.5) -> npt.NDArray[Any]:
    """The network's answers for the columns of ``X``: classes, or values for regression.

    An output layer whose activation gives probabilities
    (``Activation.probability``) is read as a classifier: softmax gives the
    arg-max class of each column, sigmoid a 0/1 label per entry
    (``Yhat >= threshold``). Any other output (``linear``, ``relu``, ``tanh``,
    ...) is a regression and is returned as it is: predicting a
    ``mean_squared_error`` network gives its values, not 0/1.

    Args:
        params: the network.
        X: inputs of shape ``(n_x, m)``.
        threshold: the cut for sigmoid outputs (``Yhat >= threshold`` is 1);
            checked, and unused, for the other outputs.

    Returns:
        For a softmax output, the class index of each example, int64 of shape
        ``(1, m)``; for a sigmoid output, int64 0/1 labels of shape
        ``(n_y, m)``; otherwise the outputs, ``(n_y, m)`` in ``params``' dtype.
        Read-only. :meth:`Labels.decode` turns class indices into labels.

    Raises:
        ShapeError: for mis-shaped ``X``; HyperparameterError for a threshold
            outside ``(0, 1)``.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, Params, linear, sigmoid
        >>> params = Params((Layer(np.array([[10.0]]), np.array([[-5.0]]), sigmoid),))
        >>> print(predict(params, [[0.0, 0.4, 0.6, 1.0]]))
        [[0 0 1 1]]
        >>> line = Params((Layer(np.array([[2.0]]), np.array([[1.0]]), linear),))
        >>> print(predict(line, [[0.0, 0.4, 1.5]]))
        [[1.  1.8 4. ]]
    """
    cut = positive_float(threshold, "threshold")
    if cut >= 1:
        raise HyperparameterError(f"threshold: expected a number in (0, 1), got {threshold!r}")
    data = check_inputs(params, X)
    Yhat = outputs(params, data)
    if not params.activations[-1].probability:
        return freeze(Yhat) if Yhat.flags.writeable else Yhat
    return _decide(Yhat, _is_multiclass(params), cut)


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


# ----------------------------------------------------------------------------- regression


def _regression(
    params: Params[F], X: npt.ArrayLike, Y: npt.ArrayLike
) -> tuple[Outputs[F], Matrix[F]]:
    """The outputs on ``X`` and the targets ``Y`` checked to match them."""
    data = check_inputs(params, X)
    targets: Matrix[F] = as_data(Y, "Y", params.dtype)
    expected = (params.dims[-1], data.shape[1])
    if targets.shape != expected:
        hint = "; the examples look like rows: pass Y.T" if targets.shape == expected[::-1] else ""
        raise ShapeError(
            f"Y: expected shape {expected} (n_y outputs, m examples), got {targets.shape}{hint}"
        )
    return outputs(params, data), targets


def mse(params: Params[F], X: npt.ArrayLike, Y: npt.ArrayLike) -> float:
    """The mean squared error of ``params``' outputs on ``X`` against ``Y``, over every entry.

    scikit-learn's ``mean_squared_error(Y.T, Yhat.T)`` (its uniform average
    over outputs), Keras's ``MeanSquaredError`` metric: the value of the loss
    :data:`fnmlp.mean_squared_error` at the network's outputs, as a metric
    of ``(params, X, Y)`` like :func:`accuracy`.

    Args:
        params: the network.
        X: inputs of shape ``(n_x, m)``.
        Y: targets of shape ``(n_y, m)``, in the units the network was trained
            on (apply the targets' :class:`~fnmlp.datasets.Standardiser` first,
            or compare ``inverse`` of the outputs by hand).

    Returns:
        A non-negative float.

    Raises:
        ShapeError, DTypeError, NonFiniteError: for bad ``X`` or ``Y``.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, Params, linear
        >>> line = Params((Layer(np.array([[2.0]]), np.array([[1.0]]), linear),))
        >>> mse(line, [[0.0, 1.0, 2.0]], [[1.0, 3.0, 7.0]])
        1.3333333333333333
    """
    Yhat, targets = _regression(params, X, Y)
    with np.errstate(over="ignore", invalid="ignore"):
        R = np.asarray(Yhat, np.float64) - np.asarray(targets, np.float64)
        total = float(np.vdot(R, R)) / R.size
    if not math.isfinite(total):  # the squares overflow: each row's in its own scale, then back
        T, P, exponents = _scaled_rows(targets, Yhat)
        scaled = P - T
        per_row = np.einsum("ij,ij->i", scaled, scaled) / R.shape[1]
        with np.errstate(over="ignore"):
            rows = np.ldexp(per_row, 2 * exponents)
            total = float(np.sum(rows)) / R.shape[0]
    if not math.isfinite(total):
        raise NonFiniteError(
            "Y: expected targets and outputs whose mean squared error fits in float64, got "
            "residuals whose squares overflow it: scale Y and the network's outputs"
        )
    return total


def _scaled_rows(
    targets: npt.NDArray[Any], Yhat: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """``targets`` and ``Yhat`` in float64, each row divided by the same power of two, into [-1, 1].

    Also returns each row's exponent ``e`` (the row was divided by ``2**e``).
    """
    T, P = np.asarray(targets, np.float64), np.asarray(Yhat, np.float64)
    top = np.maximum(np.max(np.abs(T), axis=1), np.max(np.abs(P), axis=1))
    exponents: npt.NDArray[np.int64] = np.frexp(top)[1].astype(np.int64)
    shift = -exponents[:, None]
    return np.ldexp(T, shift), np.ldexp(P, shift), exponents


def r2_score(params: Params[F], X: npt.ArrayLike, Y: npt.ArrayLike) -> float:
    """The coefficient of determination ``R^2`` of the outputs on ``X`` against ``Y``.

    ``1 - sum (Y - Yhat)^2 / sum (Y - mean(Y))^2`` for each output row,
    averaged over the rows: scikit-learn's ``r2_score(Y.T, Yhat.T)`` (and a
    regressor's ``score``), including its convention for a constant target
    row (1 for a perfect fit, else 0). 1 is a perfect fit; predicting the
    mean scores 0; worse can be negative.

    Args:
        params: the network.
        X: inputs of shape ``(n_x, m)``.
        Y: targets of shape ``(n_y, m)``.

    Returns:
        A float at most 1.

    Raises:
        ShapeError, DTypeError, NonFiniteError: for bad ``X`` or ``Y``.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Layer, Params, linear
        >>> line = Params((Layer(np.array([[2.0]]), np.array([[1.0]]), linear),))
        >>> r2_score(line, [[0.0, 1.0, 2.0]], [[1.0, 3.0, 5.0]])
        1.0
        >>> round(r2_score(line, [[0.0, 1.0, 2.0]], [[1.0, 3.0, 7.0]]), 4)
        0.7857
    """
    Yhat, targets = _regression(params, X, Y)
    # each row scaled by a power of two into [-1, 1] (exactly): R^2 is a ratio of
    # sums of squares, which values near the float range would overflow
    T, P, _ = _scaled_rows(targets, Yhat)
    squares: npt.NDArray[np.float64] = np.sum((T - P) ** 2, axis=1)
    centred = T - T.mean(axis=1, keepdims=True)
    spread: npt.NDArray[np.float64] = np.sum(centred**2, axis=1)
    residuals: list[float] = squares.tolist()
    totals: list[float] = spread.tolist()
    scores = [
        (1.0 if res == 0 else 0.0) if tot == 0 else 1.0 - res / tot
        for res, tot in zip(residuals, totals)
    ]
    return sum(scores) / len(scores)


# ----------------------------------------------------------------------------- class weights


def class_sample_weight(
    Y: npt.ArrayLike, class_weight: Mapping[int, float] | str
) -> npt.NDArray[np.float64]:
    """Per-example weights from per-class weights, for the cross-entropies' weighted mean.

    An example's class is the arg-max of its one-hot column, or, for a
    single row of binary targets, ``Y >= 0.5`` (0 or 1), as :func:`labels`
    reads them. scikit-learn's ``compute_sample_weight`` and the
    ``class_weight`` of Keras's ``fit``.

    Args:
        Y: targets of shape ``(n_y, m)``: one-hot columns, or one row of 0/1 labels.
        class_weight: ``{class index: weight}`` (classes not named weigh 1),
            or ``"balanced"``: ``m / (n_classes * count[c])`` for class ``c``,
            ``n_classes`` the number of classes present, as scikit-learn defines it.

    Returns:
        A read-only float64 array of shape ``(m,)``.

    Raises:
        HyperparameterError: for a negative or non-finite weight, or another string.
        LabelError: for a class index outside the targets' classes, or targets
            outside ``[0, 1]`` (class labels such as 2 are not 0/1 targets:
            :func:`one_hot` them).

    Examples:
        >>> import numpy as np
        >>> np.set_printoptions(precision=4)
        >>> print(class_sample_weight([[0, 0, 0, 1]], "balanced"))
        [0.6667 0.6667 0.6667 2.    ]
        >>> print(class_sample_weight([[1, 0, 1], [0, 1, 0]], {1: 3.0}))
        [1. 3. 1.]
        >>> class_sample_weight([[0, 1]], {2: 1.0})
        Traceback (most recent call last):
        ...
        fnmlp.errors.LabelError: class_weight: expected class indices in [0, 2) (0/1 of a single row of binary targets), got 2
    """
    data = as_data(Y, "Y", np.float64)
    check_unit_range(data, "Y", "expected targets in [0, 1] (one-hot columns or 0/1 labels)")
    k = max(2, data.shape[0])
    codes = labels(data)
    counts = np.bincount(codes, minlength=k)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise HyperparameterError(
                f"class_weight: expected 'balanced' or a dict {{class index: weight}}, "
                f"got {class_weight!r}"
            )
        present = int(np.count_nonzero(counts))
        per_class = np.divide(
            codes.size, present * counts, out=np.zeros(k), where=counts > 0, dtype=np.float64
        )
    elif isinstance(class_weight, Mapping):
        per_class = np.ones(k)
        where = "one-hot rows" if data.shape[0] > 1 else "0/1 of a single row of binary targets"
        for key, weight in class_weight.items():
            if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
                raise LabelError(
                    f"class_weight: expected class indices in [0, {k}) ({where}) as keys, "
                    f"got {key!r}"
                )
            if not 0 <= key < k:
                raise LabelError(
                    f"class_weight: expected class indices in [0, {k}) ({where}), got {key}"
                )
            per_class[int(key)] = positive_float(weight, f"class_weight[{key}]", allow_zero=True)
    else:
        raise HyperparameterError(
            f"class_weight: expected 'balanced' or a dict {{class index: weight}}, "
            f"got {describe(class_weight)}"
        )
    out: npt.NDArray[np.float64] = per_class[codes]
    return freeze(out)

