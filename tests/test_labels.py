"""Labels of any hashable kind: ``Labels``, ``one_hot`` and ``train`` encode them; ``decode`` reads answers."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import (
    DTypeError,
    HyperparameterError,
    LabelError,
    Labels,
    ShapeError,
    adam,
    binary_cross_entropy,
    categorical_cross_entropy,
    init,
    labels_of,
    one_hot,
    sgd,
    softmax,
)

Array = np.ndarray[Any, Any]


def test_classes_are_sorted_as_numpy_unique_sorts_them() -> None:
    y = ["pear", "apple", "fig", "apple", "pear"]
    assert Labels.of(y).classes == tuple(np.unique(y).tolist()) == ("apple", "fig", "pear")
    assert labels_of(np.array([3, -1, 3])).classes == (-1, 3)
    assert Labels.of([[True, False]]).classes == (False, True)  # a (1, m) row


def test_encode_and_decode_undo_each_other() -> None:
    rng = np.random.default_rng(0)
    y = np.array(["a", "b", "c", "d"])[rng.integers(0, 4, size=50)]
    encoder = labels_of(y)
    Y = encoder.encode(y)
    assert Y.shape == (4, 50) and not Y.flags.writeable
    # by hand: row i is 1 where the label is the i-th class
    expected = np.array([[1.0 if label == c else 0.0 for label in y] for c in "abcd"])
    np.testing.assert_array_equal(Y, expected)
    np.testing.assert_array_equal(encoder.decode(Y), y)
    np.testing.assert_array_equal(encoder.decode(encoder.index(y)), y)
    np.testing.assert_array_equal(encoder.decode(encoder.index(y).reshape(1, -1)), y)


def test_a_given_order_and_absent_classes_are_kept() -> None:
    encoder = Labels(("low", "mid", "high"))
    Y = encoder.encode(["high", "low"], dtype=np.float32)
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y, [[0, 1], [0, 0], [1, 0]])


def test_decode_reads_softmax_outputs_and_sigmoid_probabilities() -> None:
    three = Labels(("x", "y", "z"))
    outputs = np.array([[0.2, 0.1, 0.5], [0.7, 0.1, 0.3], [0.1, 0.8, 0.2]])
    assert three.decode(outputs).tolist() == ["y", "z", "x"]
    two = Labels(("no", "yes"))
    assert two.decode(np.array([[0.2, 0.5, 0.9]])).tolist() == ["no", "yes", "yes"]
    with pytest.raises(ShapeError, match=r"^Y: expected outputs of shape \(3, m\)"):
        three.decode(np.array([[0.2, 0.5]]))
    with pytest.raises(LabelError, match=r"^Y: expected class indices in \[0, 3\), got 3 at"):
        three.decode([0, 3])
    with pytest.raises(DTypeError, match=r"^Y: expected integer class indices or float"):
        three.decode(["x"])


def test_decode_of_predict_gives_labels() -> None:
    params = fnmlp.Params(
        (fnmlp.Layer(np.array([[1.0], [0.0], [-1.0]]), np.array([[0.0], [1.0], [0.0]]), softmax),)
    )
    names = Labels(("up", "flat", "down"))
    assert names.decode(fnmlp.predict(params, [[2.0, 0.0, -2.0]])).tolist() == [
        "up",
        "flat",
        "down",
    ]


def test_numbers_and_mixed_kinds_decode_to_their_own_dtype() -> None:
    assert Labels((2, 7)).decode([1, 0]).dtype == np.int64
    mixed = Labels((1, "one"))
    decoded = mixed.decode([1, 0])
    assert decoded.dtype == object and decoded.tolist() == ["one", 1]


def test_unknown_labels_are_named_with_their_position() -> None:
    encoder = Labels(("cat", "dog"))
    with pytest.raises(
        LabelError,
        match=r"^labels: expected labels among the classes \('cat', 'dog'\), got 'cow' at position 2$",
    ):
        encoder.encode(["dog", "cat", "cow", "cat"])


@pytest.mark.parametrize(
    ("classes", "error", "message"),
    [
        ((), ShapeError, r"^classes: expected at least one class"),
        (("a", "a"), LabelError, r"^classes: expected distinct labels, got 'a' at positions 0 and 1"),
        (([1], [2]), DTypeError, r"^classes: expected hashable labels"),
        ("ab", DTypeError, r"^classes: expected a tuple of class labels"),
        ((float("nan"),), LabelError, r"^classes: expected labels equal to themselves"),
    ],
)
def test_bad_classes_are_refused(classes: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Labels(classes)


def test_labels_that_do_not_sort_or_are_nan_are_refused() -> None:
    with pytest.raises(LabelError, match=r"^labels: expected labels of one kind that sort"):
        Labels.of(np.array([1, "a", None], dtype=object))
    with pytest.raises(LabelError, match=r"^labels: expected labels that are equal to themselves"):
        Labels.of([1.0, float("nan")])
    with pytest.raises(ShapeError, match=r"^labels: expected a non-empty 1-D"):
        Labels.of([])
    # a list mixing strings with numbers is refused like the object array, not turned into
    # strings (where 1 and "1" would become one class and 1 would come back as "1")
    mixed: Any
    for mixed in (["a", 1, "a", 1], ["1", 1], [["a", 2.0]], [b"a", "b"]):
        with pytest.raises(LabelError, match=r"^labels: expected labels of one kind .* mixed"):
            Labels.of(mixed)
    # labels in a column or in rows are named by their shape first
    for column in ([["a"], ["b"], ["a"], ["b"]], [["a", "b", "a", "b"], ["a", "b", "a", "b"]]):
        with pytest.raises(ShapeError, match=r"^Y: expected labels as a 1-D sequence or a \(1, m\)"):
            fnmlp.train(
                fnmlp.init([2, 3, 1], seed=0), np.zeros((2, 4)), column,
                loss=fnmlp.binary_cross_entropy, optimizer=fnmlp.sgd(0.1), epochs=1,
            )  # fmt: skip
    targets: Any = ["a", 1]
    with pytest.raises(LabelError, match=r"^Y: expected labels of one kind"):
        fnmlp.train(
            fnmlp.init([1, 2], output=fnmlp.softmax, seed=0), [[0.0, 1.0]], targets,
            loss=fnmlp.categorical_cross_entropy, optimizer=fnmlp.sgd(0.1), epochs=1,
        )  # fmt: skip


def test_labels_pickle() -> None:
    encoder = Labels.of(["b", "a"])
    again = pickle.loads(pickle.dumps(encoder))
    assert again.classes == ("a", "b")
    np.testing.assert_array_equal(again.encode(["b"]), encoder.encode(["b"]))


def test_one_hot_of_strings_and_of_named_classes() -> None:
    np.testing.assert_array_equal(one_hot(["b", "a", "b"]), [[0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(one_hot([5, 3], classes=[3, 5]), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(one_hot([1.5, 0.5], classes=Labels((0.5, 1.5))), [[0, 1], [1, 0]])
    # integer labels without named classes are still indices
    np.testing.assert_array_equal(one_hot([2, 0]), [[0, 1], [0, 0], [1, 0]])
    with pytest.raises(DTypeError, match=r"^classes_of: expected integer class indices"):
        one_hot([0.0, 1.0])
    with pytest.raises(HyperparameterError, match=r"^classes: expected None or the classes"):
        one_hot(["a", "b"], classes=2)


def spiral_names(m: int = 150) -> tuple[Array, Array, Array]:
    X, Y = fnmlp.datasets.spirals(m, classes=3, seed=0)
    names = np.array(["red", "green", "blue"])[fnmlp.labels(Y)]
    return X, Y, names


def test_train_on_string_labels_is_train_on_their_one_hot_columns() -> None:
    X, _, names = spiral_names()
    kw: dict[str, Any] = {
        "loss": categorical_cross_entropy,
        "optimizer": adam(0.01),
        "epochs": 20,
        "batch_size": 32,
    }
    start = init([2, 8, 3], output=softmax, seed=0)
    by_name = fnmlp.train(start, X, names, **kw)
    encoded = fnmlp.train(start, X, labels_of(names).encode(names), **kw)
    np.testing.assert_array_equal(by_name.params.theta, encoded.params.theta)
    assert by_name.history.train_accuracy == encoded.history.train_accuracy


def test_binary_labels_train_one_sigmoid_unit_with_the_second_class_as_1() -> None:
    X, Y = fnmlp.datasets.moons(60, seed=0)
    answers = np.where(Y[0] == 1, "yes", "no")
    kw: dict[str, Any] = {"loss": binary_cross_entropy, "optimizer": sgd(0.5), "epochs": 10}
    by_name = fnmlp.train(init([2, 4, 1], seed=0), X, answers, **kw)
    by_row = fnmlp.train(init([2, 4, 1], seed=0), X, Y, **kw)
    np.testing.assert_array_equal(by_name.params.theta, by_row.params.theta)


def test_validation_labels_are_encoded_with_the_training_classes() -> None:
    X, _, names = spiral_names()
    kw: dict[str, Any] = {
        "loss": categorical_cross_entropy,
        "optimizer": adam(0.01),
        "epochs": 5,
        "log_every": 5,
    }
    start = init([2, 8, 3], output=softmax, seed=0)
    run = fnmlp.train(start, X, names, validation=(X[:, :10], names[:10]), **kw)
    encoded = labels_of(names).encode(names)
    same = fnmlp.train(start, X, encoded, validation=(X[:, :10], encoded[:, :10]), **kw)
    assert run.history.validation_loss == same.history.validation_loss
    with pytest.raises(LabelError, match=r"^validation Y: expected labels among the classes"):
        fnmlp.train(start, X, names, validation=(X[:, :2], ["red", "pink"]), **kw)
    with pytest.raises(LabelError, match=r"^validation Y: expected numeric targets like Y's"):
        fnmlp.train(start, X, encoded, validation=(X[:, :2], ["red", "blue"]), **kw)


def test_labels_that_do_not_fit_the_output_are_refused() -> None:
    X, _, names = spiral_names()
    with pytest.raises(
        LabelError, match=r"^Y: expected labels of 4 classes for the softmax output, got 3"
    ):
        fnmlp.train(
            init([2, 4], output=softmax, seed=0),
            X,
            names,
            loss=categorical_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
        )
    with pytest.raises(LabelError, match=r"^Y: expected labels of 2 classes for the sigmoid"):
        fnmlp.train(
            init([2, 1], seed=0), X, names, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1
        )
    with pytest.raises(LabelError, match=r"^Y: expected numeric targets for a 1-unit linear"):
        fnmlp.train(
            init([2, 1], output=fnmlp.linear, seed=0),
            X,
            names,
            loss=fnmlp.mean_squared_error,
            optimizer=sgd(0.1),
            epochs=1,
        )
    with pytest.raises(ShapeError, match=r"^Y: expected labels as a 1-D sequence or a \(1, m\)"):
        fnmlp.train(
            init([2, 3], output=softmax, seed=0),
            X,
            np.stack([names, names]),
            loss=categorical_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
        )


def test_integer_labels_for_a_softmax_output_get_a_hint_to_encode_them() -> None:
    X, Y, _ = spiral_names()
    indices = fnmlp.labels(Y).reshape(1, -1)
    with pytest.raises(ShapeError, match=r"for class labels pass fnmlp\.one_hot\(Y, 3\)$"):
        fnmlp.train(
            init([2, 3], output=softmax, seed=0),
            X,
            indices,
            loss=categorical_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
        )
