"""``predict``, ``accuracy``, regression metrics, and labels to one-hot columns and back.

A network whose output layer is softmax is a multi-class classifier: it
predicts the arg-max class of each column. One with a sigmoid output is read
as binary (or multi-label) and predicts ``Yhat >= threshold`` entry by entry.
Any other output is a regression: ``predict`` gives its values, scored by
:func:`r2_score` and :func:`mse`. :class:`Labels` turns labels of any
hashable kind (strings included) into one-hot columns and back.

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

    A regression on standardised targets, read back in their units:

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

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
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


def one_hot(
    classes_of: npt.ArrayLike,
    classes: int | Labels | Sequence[Any] | None = None,
    *,
    dtype: type[np.floating[Any]] = np.float64,
) -> Matrix[Any]:
    """Class indices ``0..classes-1``, or labels of any kind, as one-hot columns ``(k, m)``.

    Integer labels are class indices: row ``i`` is class ``i``. Labels of
    another kind (strings, or any hashable objects) are encoded by
    ``Labels.of(classes_of)``: the classes in sorted order. With ``classes``
    a sequence of labels or a :class:`Labels`, labels of any kind, integers
    included, are looked up among those classes, in that order.

    Args:
        classes_of: a 1-D sequence of ``m`` labels (a ``(1, m)`` row is
            accepted too): non-negative integer class indices, or labels.
        classes: the number of classes (for indices; by default one more than
            the largest index), or the classes themselves (a sequence or a
            :class:`Labels`).
        dtype: the float dtype of the result.

    Raises:
        DTypeError: for float or boolean labels without ``classes`` (they look
            like targets; name the classes to encode them); ShapeError for a
            bad shape;
        HyperparameterError: for a bad ``classes``.
        LabelError: for a label outside ``[0, classes)``, or not among the classes.
        ShapeError: for a result too large for this machine (the rule of
            :func:`fnmlp.initialisers.check_fits`: at most half its physical
            memory), naming ``classes`` (and the largest label when the count
            comes from ``classes_of``) and the size in bytes.

    Examples:
        >>> print(one_hot(["spam", "ham", "spam"]))
        [[0. 1. 0.]
         [1. 0. 1.]]
        >>> print(one_hot([2, 0], classes=[2, 1, 0]))
        [[1. 0.]
         [0. 0.]
         [0. 1.]]
        >>> one_hot([0, 3], classes=3)
        Traceback (most recent call last):
        ...
        fnmlp.errors.LabelError: classes_of: expected class indices in [0, 3), got 3 at position 1
        >>> one_hot([0, 10**15])
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: classes: expected a number of classes whose one-hot array fits in memory, got 1000000000000001 (one more than the largest label in classes_of, 1000000000000000) for 2 examples, a (1000000000000001, 2) array, needing about 14.2 PiB (16000000000000016 bytes), more than half of this machine's ...
    """
    if isinstance(classes, Labels):
        return classes.encode(classes_of, dtype=dtype)
    if isinstance(classes, (tuple, list, np.ndarray)):
        return Labels(classes).encode(classes_of, dtype=dtype)
    float_dtype = check_dtype(dtype)
    raw = _label_row(classes_of, "classes_of")
    if raw.dtype.kind in "USO":
        if classes is not None:
            raise HyperparameterError(
                f"classes: expected None or the classes (a sequence or a Labels) for labels of "
                f"dtype {raw.dtype}, got {classes!r:.60}"
            )
        return Labels.of(raw).encode(raw, dtype=dtype)
    if raw.dtype.kind not in "iu":
        raise DTypeError(
            f"classes_of: expected integer class indices, or labels such as strings, got dtype "
            f"{raw.dtype} (to encode numbers as labels, pass classes=[...] or a Labels)"
        )
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
    R = Yhat - targets
    return float(np.vdot(R, R)) / R.size


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
    squares: npt.NDArray[np.float64] = np.sum((targets - Yhat) ** 2, axis=1, dtype=np.float64)
    centred = targets - targets.mean(axis=1, keepdims=True)
    spread: npt.NDArray[np.float64] = np.sum(centred**2, axis=1, dtype=np.float64)
    residuals: list[float] = squares.tolist()
    totals: list[float] = spread.tolist()
    scores = [
        (1.0 if res == 0 else 0.0) if tot == 0 else 1.0 - res / tot
        for res, tot in zip(residuals, totals)
    ]
    return sum(scores) / len(scores)


# ----------------------------------------------------------------------------- labels


def _label_row(values: object, name: str) -> npt.NDArray[Any]:
    """``values`` as a non-empty 1-D numpy array (a ``(1, m)`` row is accepted), or a ``ShapeError``."""
    try:
        raw = np.asarray(values)
    except (ValueError, TypeError) as error:
        raise ShapeError(
            f"{name}: expected a 1-D sequence of labels, got {describe(values)} ({error})"
        ) from None
    if raw.ndim == 2 and raw.shape[0] == 1:
        raw = raw[0]
    if raw.ndim != 1 or raw.size == 0:
        raise ShapeError(
            f"{name}: expected a non-empty 1-D sequence of labels, got shape {raw.shape}"
        )
    return raw


def _label_array(values: object, name: str) -> npt.NDArray[Any]:
    """``values`` as a non-empty 1-D numpy array of labels, each equal to itself."""
    raw = _label_row(values, name)
    if raw.dtype.kind == "c" or (raw.dtype.kind == "f" and not np.isfinite(raw).all()):
        position = int(np.argmax(~np.isfinite(raw))) if raw.dtype.kind == "f" else 0
        raise LabelError(
            f"{name}: expected labels that are equal to themselves (no NaN, infinity or complex), "
            f"got {raw[position]!r} at position {position}"
        )
    return raw


def _sorted_classes(raw: npt.NDArray[Any], name: str) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """``numpy.unique(raw, return_inverse=True)``, or a ``LabelError`` for labels that do not sort."""
    try:
        unique, inverse = np.unique(raw, return_inverse=True)
    except TypeError as error:
        raise LabelError(
            f"{name}: expected labels of one kind that sort (numbers, or strings), got {raw!r:.80} "
            f"({error})"
        ) from None
    return unique, inverse.reshape(-1)


def _classes(value: object) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list, np.ndarray)):
        raise DTypeError(f"classes: expected a tuple of class labels, got {describe(value)}")
    classes = tuple(np.asarray(value).tolist()) if isinstance(value, np.ndarray) else tuple(value)
    if not classes:
        raise ShapeError("classes: expected at least one class, got none")
    seen: dict[Any, int] = {}
    for i, label in enumerate(classes):
        try:
            first = seen.setdefault(label, i)
        except TypeError:
            raise DTypeError(
                f"classes: expected hashable labels, got {describe(label)} at position {i}"
            ) from None
        if first != i:
            raise LabelError(
                f"classes: expected distinct labels, got {label!r} at positions {first} and {i}"
            )
        if label != label:  # NaN: never found again
            raise LabelError(f"classes: expected labels equal to themselves, got {label!r}")
    return classes


@attrs.frozen(eq=False)
class Labels:
    """The classes of a classification, to encode labels as one-hot columns and decode answers.

    Labels may be of any hashable kind numpy stores (strings, ints, ...).
    ``Labels.of(y)`` (or :func:`labels_of`) takes the classes from labels
    ``y`` in the order ``numpy.unique`` sorts them, as scikit-learn's
    ``LabelEncoder`` and ``classes_`` do; ``Labels(classes)`` keeps a given
    order (and classes absent from the data). Class ``i`` is row ``i`` of the
    one-hot columns, and for a single sigmoid output, class 1 is
    ``classes[1]``.

    Attributes:
        classes: the classes, a tuple of distinct hashable labels.

    Raises:
        DTypeError: for classes that are not a sequence of hashable labels.
        LabelError: for repeated classes.

    Examples:
        >>> import numpy as np
        >>> np.set_printoptions(precision=4)
        >>> pets = Labels.of(["dog", "cat", "dog", "fish"])
        >>> pets.classes
        ('cat', 'dog', 'fish')
        >>> print(pets.encode(["fish", "cat"]))
        [[0. 1.]
         [0. 0.]
         [1. 0.]]
        >>> print(pets.decode(np.array([[0.1, 0.7], [0.8, 0.2], [0.1, 0.1]])))
        ['dog' 'cat']
        >>> pets.encode(["cow"])
        Traceback (most recent call last):
        ...
        fnmlp.errors.LabelError: labels: expected labels among the classes ('cat', 'dog', 'fish'), got 'cow' at position 0
    """

    classes: tuple[Any, ...] = attrs.field(converter=_classes)
    _index: dict[Any, int] = attrs.field(init=False, repr=False)
    _values: npt.NDArray[Any] = attrs.field(init=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # unpickling rebuilds the record through its constructor: its array read-only again
        return (Labels, (self.classes,))

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.classes)})
        kinds = {type(c) for c in self.classes}
        values = np.empty(len(self.classes), dtype=object)
        values[:] = self.classes
        if len(kinds) == 1:  # one kind: numpy's own dtype (str -> <U, int -> int64, ...)
            try:
                native = np.asarray(self.classes)
            except (ValueError, TypeError):
                native = values
            if (
                native.ndim == 1
                and native.dtype.kind != "O"
                and native.tolist() == list(self.classes)
            ):
                values = native
        values.setflags(write=False)
        object.__setattr__(self, "_values", values)

    @staticmethod
    def of(labels: npt.ArrayLike) -> Labels:
        """The classes found in ``labels``, sorted as ``numpy.unique`` sorts them.

        Args:
            labels: a non-empty 1-D sequence (or ``(1, m)`` row) of labels.

        Raises:
            ShapeError: for an empty or 2-D ``labels``.
            LabelError: for labels that do not sort together or are NaN.

        Examples:
            >>> Labels.of([3, 1, 3]).classes
            (1, 3)
        """
        raw = _label_array(labels, "labels")
        unique, _ = _sorted_classes(raw, "labels")
        return Labels(tuple(unique.tolist()))

    def index(self, labels: npt.ArrayLike, name: str = "labels") -> npt.NDArray[np.int64]:
        """The class index of each label: ``i`` where the label is ``classes[i]``.

        Args:
            labels: a non-empty 1-D sequence (or ``(1, m)`` row) of labels.
            name: the argument's name, for error messages.

        Returns:
            A read-only int64 array of shape ``(m,)``.

        Raises:
            LabelError: for a label that is not one of the classes, naming it
                and its position.

        Examples:
            >>> print(Labels(("no", "yes")).index(["yes", "yes", "no"]))
            [1 1 0]
        """
        raw = _label_array(labels, name)
        unique, inverse = _sorted_classes(raw, name)
        codes = np.empty(unique.size, dtype=np.int64)
        for j, label in enumerate(unique.tolist()):
            code = self._index.get(label) if _hashable(label) else None
            if code is None:
                position = int(np.argmax(inverse == j))
                raise LabelError(
                    f"{name}: expected labels among the classes {self.classes!r:.200}, "
                    f"got {label!r} at position {position}"
                )
            codes[j] = code
        return freeze(codes[inverse])

    def encode(
        self,
        labels: npt.ArrayLike,
        *,
        dtype: type[np.floating[Any]] = np.float64,
        name: str = "labels",
    ) -> Matrix[Any]:
        """``labels`` as one-hot columns of shape ``(k, m)``, ``k = len(classes)``.

        Args:
            labels: a non-empty 1-D sequence (or ``(1, m)`` row) of labels.
            dtype: the float dtype of the result.
            name: the argument's name, for error messages.

        Raises:
            LabelError: for a label that is not one of the classes.

        Examples:
            >>> print(Labels(("a", "b")).encode(["b", "a", "b"]))
            [[0. 1. 0.]
             [1. 0. 1.]]
        """
        float_dtype = check_dtype(dtype)
        codes = self.index(labels, name)
        out: Matrix[Any] = np.zeros((len(self.classes), codes.size), dtype=float_dtype)
        out[codes, np.arange(codes.size)] = 1
        return freeze(out)

    def decode(self, Y: npt.ArrayLike) -> npt.NDArray[Any]:
        """The labels of class indices, or of a network's outputs or one-hot columns.

        Args:
            Y: integer class indices (1-D, or a ``(1, m)`` row such as
                :func:`predict` gives for softmax); or float outputs of shape
                ``(k, m)``, read by their arg-max per column; or, with two
                classes, a float ``(1, m)`` row of probabilities of
                ``classes[1]`` (a sigmoid output), read at 0.5.

        Returns:
            A read-only array of ``m`` labels (numpy's dtype for the classes,
            or ``object`` for classes of mixed kinds).

        Raises:
            LabelError: for an index outside ``[0, k)``.
            ShapeError: for float outputs whose rows are not the classes.

        Examples:
            >>> answers = Labels(("no", "yes"))
            >>> print(answers.decode([1, 0]), answers.decode(np.array([[0.2, 0.9]])))
            ['yes' 'no'] ['no' 'yes']
        """
        try:
            raw = np.asarray(Y)
        except (ValueError, TypeError) as error:
            raise ShapeError(
                f"Y: expected class indices or outputs, got {describe(Y)} ({error})"
            ) from None
        k = len(self.classes)
        if raw.dtype.kind in "iu":
            codes = _label_array(raw, "Y")
            bad = (codes < 0) | (codes >= k)
            if bad.any():
                position = int(np.argmax(bad))
                raise LabelError(
                    f"Y: expected class indices in [0, {k}), got {codes[position]} at "
                    f"position {position}"
                )
        elif raw.dtype.kind == "f":
            data = as_data(
                raw, "Y", raw.dtype if raw.dtype in (np.float32, np.float64) else np.float64
            )
            if data.shape[0] == 1 and k == 2:
                codes = (data[0] >= 0.5).astype(np.int64)
            elif data.shape[0] == k and k > 1:
                codes = data.argmax(axis=0)
            else:
                raise ShapeError(
                    f"Y: expected outputs of shape ({k}, m), one row per class"
                    f"{' (or a (1, m) row of probabilities of the second class)' if k == 2 else ''}"
                    f", got {data.shape}"
                )
        else:
            raise DTypeError(
                f"Y: expected integer class indices or float outputs, got dtype {raw.dtype}"
            )
        return freeze(self._values[codes])


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def labels_of(y: npt.ArrayLike) -> Labels:
    """The :class:`Labels` of the classes found in ``y``: ``Labels.of(y)``.

    Examples:
        >>> labels_of(["b", "a", "b"]).classes
        ('a', 'b')
    """
    return Labels.of(y)


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
        LabelError: for a class index outside the targets' classes.

    Examples:
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
