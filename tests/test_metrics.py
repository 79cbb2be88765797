"""``predict``, ``accuracy``, ``one_hot`` and ``labels`` on networks whose outputs are known."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnmlp
from fnmlp import Layer, Params, accuracy, labels, linear, one_hot, predict, sigmoid, softmax


def ramp() -> Params[np.float64]:
    """``sigmoid(10 x - 5)``: 0.5 exactly at ``x = 0.5``."""
    return Params((Layer(np.array([[10.0]]), np.array([[-5.0]]), sigmoid),))


def test_accuracy_at_an_output_of_exactly_one_half_agrees_with_predict() -> None:
    X = [[0.5, 0.5, 0.5]]  # sigmoid(10 * 0.5 - 5) = sigmoid(0) = 0.5 exactly
    assert outputs_of_ramp(X) == [0.5, 0.5, 0.5]
    assert predict(ramp(), X).tolist() == [[1, 1, 1]]
    assert accuracy(ramp(), X, [[1.0, 1.0, 1.0]]) == 1.0
    assert accuracy(ramp(), X, [[0.0, 0.0, 0.0]]) == 0.0
    assert accuracy(ramp(), X, [[1.0, 0.0, 0.5]]) == 2 / 3  # a target of 0.5 is class 1 too


def outputs_of_ramp(X: list[list[float]]) -> list[float]:
    A, _ = fnmlp.forward(ramp(), X)
    return [float(a) for a in A[0]]


def three_classes() -> Params[np.float64]:
    """``softmax([x, 1, -x])``: class 0 for x > 1, class 1 for |x| < 1, class 2 for x < -1."""
    W = np.array([[1.0], [0.0], [-1.0]])
    b = np.array([[0.0], [1.0], [0.0]])
    return Params((Layer(W, b, softmax),))


def test_binary_predict_thresholds_the_output() -> None:
    X = [[0.0, 0.49, 0.5, 0.51, 1.0]]
    got = predict(ramp(), X)
    assert got.tolist() == [[0, 0, 1, 1, 1]]  # sigmoid(0) = 0.5 counts as 1
    assert got.dtype == np.int64 and got.shape == (1, 5)
    assert not got.flags.writeable
    # sigmoid(10 x - 5) >= 0.9  <=>  x >= (5 + ln 9) / 10 = 0.7197...
    cut = (5 + math.log(9)) / 10
    assert predict(ramp(), [[cut - 1e-6, cut + 1e-6]], threshold=0.9).tolist() == [[0, 1]]
    assert predict(ramp(), [[0.3]], threshold=0.1).tolist() == [[1]]


def test_multi_label_predict_is_entry_by_entry() -> None:
    two = Params((Layer(np.array([[1.0], [-1.0]]), np.zeros((2, 1)), sigmoid),))
    assert predict(two, [[-2.0, 2.0]]).tolist() == [[0, 1], [1, 0]]
    assert accuracy(two, [[-2.0, 2.0]], [[0, 1], [0, 0]]) == 0.75  # 3 of 4 entries right


def test_multiclass_predict_is_the_argmax() -> None:
    got = predict(three_classes(), [[2.0, -2.0, 0.0, 0.5]])
    assert got.tolist() == [[0, 2, 1, 1]]
    assert got.shape == (1, 4) and got.dtype == np.int64
    # the threshold does not apply to a softmax output
    assert predict(three_classes(), [[2.0]], threshold=0.99).tolist() == [[0]]


def test_accuracy_binary() -> None:
    X = [[0.0, 0.4, 0.6, 1.0]]
    assert accuracy(ramp(), X, [[0, 1, 1, 1]]) == 0.75
    assert accuracy(ramp(), X, [[0, 0, 1, 1]]) == 1.0
    assert accuracy(ramp(), X, [[1, 1, 0, 0]]) == 0.0
    assert accuracy(ramp(), X, [[0.2, 0.3, 0.9, 0.7]]) == 1.0  # soft targets cut at 0.5


def test_accuracy_multiclass_agrees_with_predict_and_labels() -> None:
    X = np.array([[2.0, -2.0, 0.0, 0.5, 3.0]])
    truth = [0, 2, 1, 2, 1]
    Y = one_hot(truth, classes=3)
    assert accuracy(three_classes(), X, Y) == 3 / 5
    predicted = predict(three_classes(), X)[0]
    assert accuracy(three_classes(), X, Y) == float(np.mean(predicted == labels(Y)))


def test_accuracy_checks_shapes() -> None:
    with pytest.raises(fnmlp.ShapeError, match=r"^Y: expected shape \(3, 2\).*fnmlp\.one_hot"):
        accuracy(three_classes(), [[0.0, 1.0]], [[0, 2]])
    with pytest.raises(fnmlp.ShapeError, match=r"^Y: expected shape \(1, 2\)"):
        accuracy(ramp(), [[0.0, 1.0]], [[0, 1, 1]])
    with pytest.raises(fnmlp.ShapeError, match=r"^X: expected shape \(1, m\)"):
        accuracy(ramp(), [[0.0], [1.0]], [[0]])


def test_accuracy_checks_the_range_of_the_targets() -> None:
    # Labels such as -1/1 or 0/2 would be compared at 0.5 and give a silent,
    # meaningless fraction: they are refused like training targets.
    X = [[0.0, 0.4, 0.6, 1.0]]
    with pytest.raises(
        fnmlp.LabelError,
        match=r"^Y: accuracy of a sigmoid output expects 0/1 labels \(values in \[0, 1\]\), "
        r"got -1\.0 at index \(0, 0\)$",
    ):
        accuracy(ramp(), X, [[-1, -1, 1, 1]])
    with pytest.raises(fnmlp.LabelError, match=r"got 2\.0 at index \(0, 2\)$"):
        accuracy(ramp(), X, [[0, 0, 2, 2]])
    # softmax outputs need one-hot (distribution) columns
    with pytest.raises(
        fnmlp.LabelError,
        match=r"^Y: accuracy of a softmax output expects one-hot columns \(distributions\), "
        r"got column 1 summing to 2 \(use fnmlp\.one_hot for class labels\)$",
    ):
        accuracy(three_classes(), [[2.0, -2.0]], [[1, 1], [0, 1], [0, 0]])
    with pytest.raises(fnmlp.LabelError, match=r"got 3\.0 at index \(2, 0\)$"):
        accuracy(three_classes(), [[2.0]], [[0], [0], [3]])
    # the edges are fine: soft targets, float32 one-hot columns
    assert accuracy(ramp(), X, [[0.0, 0.25, 0.5, 1.0]]) == 1.0
    Y32 = one_hot([0, 2], classes=3, dtype=np.float32)
    assert accuracy(three_classes(), [[2.0, -2.0]], Y32) == 1.0


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.5, float("nan"), "0.5"])
def test_bad_threshold_is_refused(bad: Any) -> None:
    with pytest.raises(fnmlp.HyperparameterError, match=r"^threshold: expected"):
        predict(ramp(), [[0.5]], threshold=bad)


def test_predict_checks_inputs_and_keeps_float32() -> None:
    with pytest.raises(fnmlp.ShapeError, match=r"^X: expected shape \(1, m\)"):
        predict(ramp(), np.zeros((3, 2)))
    with pytest.raises(fnmlp.NonFiniteError, match=r"^X: expected finite values"):
        predict(ramp(), [[np.nan]])
    small = fnmlp.init([2, 3, 1], seed=0, dtype=np.float32)
    X = np.random.default_rng(0).standard_normal((2, 7)).astype(np.float32)
    assert (
        predict(small, X).tolist()
        == predict(fnmlp.init([2, 3, 1], seed=0), X.astype(np.float64)).tolist()
    )


def test_one_hot_columns() -> None:
    Y = one_hot([2, 0, 1, 2], classes=4)
    assert Y.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1], [0, 0, 0, 0]]
    assert Y.dtype == np.float64 and not Y.flags.writeable
    assert one_hot([1, 0]).shape == (2, 2)  # classes default to the largest label + 1
    assert one_hot(np.array([[1, 0, 2]])).shape == (3, 3)  # a (1, m) row is accepted
    assert one_hot([1, 0], dtype=np.float32).dtype == np.float32


@given(st.lists(st.integers(0, 9), min_size=1, max_size=40))
def test_labels_undo_one_hot(classes_of: list[int]) -> None:
    Y = one_hot(classes_of, classes=10)
    assert labels(Y).tolist() == classes_of
    assert Y.sum(axis=0).tolist() == [1.0] * len(classes_of)


def test_labels_of_probabilities_and_of_a_binary_row() -> None:
    assert labels([[0.2, 0.5, 0.1], [0.7, 0.4, 0.1], [0.1, 0.1, 0.8]]).tolist() == [1, 0, 2]
    assert labels([[0.1, 0.5, 0.9, 1.0, 0.0]]).tolist() == [0, 1, 1, 1, 0]
    out = labels([[0.0, 1.0]])
    assert out.dtype == np.int64 and not out.flags.writeable


@pytest.mark.parametrize(
    ("value", "classes", "error", "message"),
    [
        ([0, -1], None, fnmlp.LabelError, r"^classes_of: expected class indices in"),
        ([0, 3], 3, fnmlp.LabelError, r"^classes_of: .*got 3 at position 1"),
        ([0.0, 1.0], None, fnmlp.DTypeError, r"^classes_of: expected integer class indices"),
        ([[0, 1], [1, 0]], None, fnmlp.ShapeError, r"^classes_of: expected a non-empty 1-D"),
        ([], None, fnmlp.ShapeError, r"^classes_of: expected a non-empty 1-D"),
        ([0, 1], 0, fnmlp.HyperparameterError, r"^classes: expected a positive int"),
    ],
)
def test_one_hot_refuses_bad_labels(
    value: Any, classes: int | None, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        one_hot(value, classes=classes)


GIB = 2**30


def test_one_hot_too_large_for_the_machine_is_refused_before_allocating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The rule of fnmlp.initialisers.check_fits: at most half the physical memory.
    # 8 GiB of memory, so the 16 GB that [0, 10**9] needs is refused on any machine.
    monkeypatch.setattr(fnmlp.initialisers, "_physical_memory", lambda: 8 * GIB)
    with pytest.raises(
        fnmlp.ShapeError,
        match=r"^classes: expected a number of classes whose one-hot array fits in memory, got "
        r"1000000001 \(one more than the largest label in classes_of, 1000000000\) for 2 "
        r"examples, a \(1000000001, 2\) array, needing about 14\.9 GiB \(16000000016 bytes\), "
        r"more than half of this machine's 8\.0 GiB of physical memory$",
    ):
        one_hot([0, 10**9])
    with pytest.raises(
        fnmlp.ShapeError, match=r"^classes: .*got 20000000 given for 100 examples.*8000000000 bytes"
    ):
        one_hot(np.arange(100), classes=2 * 10**7, dtype=np.float32)


def test_one_hot_memory_rule_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fnmlp.initialisers, "_physical_memory", lambda: 64)
    assert one_hot([0, 1], classes=2).nbytes == 32  # exactly half: allowed
    with pytest.raises(fnmlp.ShapeError, match=r"^classes: .*\(48 bytes\)"):
        one_hot([0, 1], classes=3)


def test_one_hot_bounded_by_the_machine_without_patching() -> None:
    with pytest.raises(
        fnmlp.ShapeError, match=r"^classes: .*largest .* 10{15}\).*16000000000000016 bytes"
    ):
        one_hot([0, 10**15])
    with pytest.raises(fnmlp.ShapeError, match=r"^classes: .*\(10000000000000000, 3\) array"):
        one_hot([0, 1, 2], classes=10**16)


def test_one_hot_where_memory_is_unknown_still_refuses_via_numpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fnmlp.initialisers, "_physical_memory", lambda: None)
    with pytest.raises(fnmlp.ShapeError, match=r"^classes: expected a number of classes whose"):
        one_hot([0, 1], classes=2**62)


def two_lines() -> Params[np.float64]:
    """Two linear outputs of one input: ``2 x + 1`` and ``-x``."""
    return Params((Layer(np.array([[2.0], [-1.0]]), np.array([[1.0], [0.0]]), fnmlp.linear),))


def test_mse_and_r2_of_two_outputs_by_hand() -> None:
    X = [[0.0, 1.0, 2.0]]  # outputs [[1, 3, 5], [0, -1, -2]]
    Y = [[1.0, 3.0, 7.0], [1.0, -1.0, -2.0]]  # residuals 0, 0, -2 and -1, 0, 0
    assert fnmlp.mse(two_lines(), X, Y) == 5.0 / 6.0  # over all six entries
    # row 1: 1 - 4 / (sum of (1, 3, 7) - 11/3 squared = 56/3); row 2: 1 - 1 / (14/3)
    r2 = ((1 - 4 / (56 / 3)) + (1 - 1 / (14 / 3))) / 2
    assert fnmlp.r2_score(two_lines(), X, Y) == pytest.approx(r2, rel=1e-12)
    assert fnmlp.r2_score(two_lines(), X, [[1.0, 3.0, 5.0], [0.0, -1.0, -2.0]]) == 1.0


@pytest.mark.parametrize("Y", [[[0, 1, 1]], [[1, 0, 0], [0, 1, 1]]])
def test_class_weight_keys_stop_before_the_number_of_classes(Y: list[list[int]]) -> None:
    assert fnmlp.class_sample_weight(Y, {1: 3.0}).tolist() == [1.0, 3.0, 3.0]
    with pytest.raises(fnmlp.LabelError, match=r"expected class indices in \[0, 2\).* got 2$"):
        fnmlp.class_sample_weight(Y, {2: 1.0})


def test_mse_and_r2_of_values_near_the_float_range_are_numbers_or_refused() -> None:
    line = Params((Layer(np.ones((1, 1)), np.zeros((1, 1)), linear),))
    X = [[0.0, 1.0, 2.0]]
    # R^2 is a ratio: scaled rows give it where the squares themselves overflow
    huge = np.array([[1e160, -1e160, 0.0]])
    assert fnmlp.r2_score(line, X, huge) == pytest.approx(0.0, abs=1e-12)
    far = Params((Layer(np.full((1, 1), 1e160), np.zeros((1, 1)), linear),))
    assert fnmlp.r2_score(far, X, [[0.0, 1e160, 2.1e160]]) == pytest.approx(
        fnmlp.r2_score(line, X, [[0.0, 1.0, 2.1]]), rel=1e-12
    )
    assert fnmlp.mse(line, X, [[1e100, -1e100, 0.0]]) == pytest.approx(2e200 / 3, rel=1e-12)
    with pytest.raises(fnmlp.NonFiniteError, match=r"^Y: expected targets and outputs whose mean"):
        fnmlp.mse(line, X, [[1e200, -1e200, 0.0]])
    # a float32 network's residuals are squared in float64
    line32 = Params((Layer(np.ones((1, 1), np.float32), np.zeros((1, 1), np.float32), linear),))
    X32 = np.array([[0.0, 1.0, 2.0]], np.float32)
    assert fnmlp.mse(line32, X32, np.array([[1e20, -1e20, 0.0]], np.float32)) == pytest.approx(
        2e40 / 3, rel=1e-6
    )
