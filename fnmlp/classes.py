"""Class labels: one-hot columns and back, and the classes of a classification.

:func:`one_hot` turns class indices (or labels of any kind) into one-hot
columns ``(k, m)`` and :func:`labels` reads the class of each column back;
:class:`Labels` holds the classes of a classification whose labels are of any
hashable kind (strings included), to encode them and decode answers.

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
    >>> print(labels_of(["spam", "ham", "eggs"]).decode(labels(Y)))
    ['spam' 'eggs' 'ham']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp._datachecks import check_one_kind
from fnmlp._validate import as_data, check_dtype, describe, freeze, positive_int
from fnmlp.aliases import Matrix
from fnmlp.errors import DTypeError, HyperparameterError, LabelError, ShapeError
from fnmlp.initialisers import check_fits

__all__ = ["Labels", "labels", "labels_of", "one_hot"]


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

    ``labels(one_hot(c)) == c`` for two classes or more. A single row is read
    as binary targets (the probability of class 1), so its labels are
    ``Y >= 0.5``: the one row of ones that ``one_hot`` gives for a single class
    reads as class 1.

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
    check_one_kind(values, raw, name)
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
