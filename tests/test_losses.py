"""Tests of fnmlp.losses: values, logit forms, gradients, target checks, the ``loss`` boundary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import (
    LOSSES,
    Loss,
    binary_cross_entropy,
    categorical_cross_entropy,
    loss,
    mean_squared_error,
    relu,
    sigmoid,
    softmax,
)
from fnmlp.aliases import Matrix
from fnmlp.errors import DTypeError, LabelError, NonFiniteError, ShapeError
from fnmlp.losses import check_targets

DTYPES = [np.float32, np.float64]
dtypes = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
all_losses = pytest.mark.parametrize("kind", list(LOSSES.values()), ids=lambda k: k.name)


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def probabilities(rows: int, m: int, seed: int) -> Matrix[np.float64]:
    P: Matrix[np.float64] = rng(seed).uniform(0.05, 0.95, size=(rows, m))
    return P


def distributions(rows: int, m: int, seed: int) -> Matrix[np.float64]:
    P = rng(seed).uniform(0.05, 1.0, size=(rows, m))
    out: Matrix[np.float64] = P / P.sum(axis=0)
    return out


def one_hot_columns(rows: int, m: int, seed: int) -> Matrix[np.float64]:
    Y: Matrix[np.float64] = np.eye(rows)[:, rng(seed).integers(0, rows, size=m)]
    return Y


def targets_for(kind: Loss, rows: int, m: int, seed: int) -> Matrix[np.float64]:
    if kind is categorical_cross_entropy:
        return distributions(rows, m, seed)
    if kind is binary_cross_entropy:
        Y: Matrix[np.float64] = rng(seed).uniform(0.0, 1.0, size=(rows, m))  # soft labels
        return Y
    return rng(seed).normal(size=(rows, m))


# ----------------------------------------------------------------------------- values


def test_binary_cross_entropy_formula() -> None:
    P, Y = probabilities(2, 7, 0), targets_for(binary_cross_entropy, 2, 7, 1)
    expected = -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / 7
    assert binary_cross_entropy.value(P, Y) == pytest.approx(expected, rel=1e-14)
    assert loss(P, Y, binary_cross_entropy) == pytest.approx(expected, rel=1e-14)


def test_mean_squared_error_is_the_mean_over_all_entries() -> None:
    P, Y = rng(0).normal(size=(3, 5)), rng(1).normal(size=(3, 5))
    expected = np.sum((P - Y) ** 2) / 15  # notebook 002: over n_y * m entries
    assert mean_squared_error.value(P, Y) == pytest.approx(expected, rel=1e-14)
    assert loss(P, Y, mean_squared_error) == pytest.approx(expected, rel=1e-14)


def test_categorical_cross_entropy_formula() -> None:
    P, Y = distributions(4, 6, 0), one_hot_columns(4, 6, 1)
    expected = -np.sum(Y * np.log(P)) / 6
    assert categorical_cross_entropy.value(P, Y) == pytest.approx(expected, rel=1e-14)
    assert loss(P, Y, categorical_cross_entropy) == pytest.approx(expected, rel=1e-14)


def test_values_by_hand() -> None:
    assert loss([[0.5, 0.5]], [[1, 0]], binary_cross_entropy) == pytest.approx(np.log(2))
    assert loss([[1.0, 3.0]], [[0, 0]], mean_squared_error) == pytest.approx(5.0)
    Y = [[1, 0], [0, 1]]
    assert loss([[0.25, 0.5], [0.75, 0.5]], Y, categorical_cross_entropy) == pytest.approx(
        -(np.log(0.25) + np.log(0.5)) / 2
    )
    assert loss([[1.0, 0.0]], [[1, 0]], binary_cross_entropy) == pytest.approx(0.0, abs=1e-15)


@all_losses
@dtypes
def test_values_are_python_floats(kind: Loss, dtype: type[Any]) -> None:
    P = distributions(3, 4, 0).astype(dtype)
    Y = targets_for(kind, 3, 4, 1).astype(dtype)
    value = kind.value(P, Y)
    assert type(value) is float
    assert type(loss(P, Y, kind)) is float


# ----------------------------------------------------------------------------- logits


@dtypes
def test_bce_from_logits_equals_the_probability_form(dtype: type[Any]) -> None:
    Z = rng(0).normal(0, 4, size=(2, 50)).astype(dtype)
    Y = targets_for(binary_cross_entropy, 2, 50, 1).astype(dtype)
    from_logits = binary_cross_entropy.from_logits
    assert from_logits is not None
    rel = 1e-12 if dtype == np.float64 else 1e-5
    assert from_logits(Z, Y) == pytest.approx(binary_cross_entropy.value(sigmoid.fn(Z), Y), rel=rel)


@dtypes
def test_cce_from_logits_equals_the_probability_form(dtype: type[Any]) -> None:
    Z = rng(0).normal(0, 4, size=(5, 40)).astype(dtype)
    Y = distributions(5, 40, 1).astype(dtype)
    from_logits = categorical_cross_entropy.from_logits
    assert from_logits is not None
    rel = 1e-12 if dtype == np.float64 else 1e-5
    assert from_logits(Z, Y) == pytest.approx(
        categorical_cross_entropy.value(softmax.fn(Z), Y), rel=rel
    )


@dtypes
def test_logit_forms_stay_finite_and_right_when_saturated(dtype: type[Any]) -> None:
    from_bce, from_cce = binary_cross_entropy.from_logits, categorical_cross_entropy.from_logits
    assert from_bce is not None and from_cce is not None
    Z = np.array([[1e4, -1e4, 1e4, -1e4]], dtype=dtype)
    # Confidently right costs nothing; confidently wrong costs |z| per example.
    assert from_bce(Z, np.array([[1, 0, 1, 0]], dtype=dtype)) == 0.0
    assert from_bce(Z, np.array([[0, 1, 0, 1]], dtype=dtype)) == pytest.approx(1e4)
    Zc = np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=dtype)
    assert from_cce(Zc, np.eye(2, dtype=dtype)) == 0.0
    assert from_cce(Zc, np.eye(2, dtype=dtype)[::-1]) == pytest.approx(2e4)


@all_losses
@dtypes
def test_probability_forms_stay_finite_at_0_and_1(kind: Loss, dtype: type[Any]) -> None:
    P = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
    Y = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)  # every prediction fully wrong
    value = kind.value(P, Y)
    gradient = kind.gradient(P, Y)
    assert np.isfinite(value) and value > 0
    assert np.isfinite(gradient).all()


def test_fusion_partners() -> None:
    assert binary_cross_entropy.fuses_with == fnmlp.sigmoid
    assert categorical_cross_entropy.fuses_with == fnmlp.softmax
    assert mean_squared_error.fuses_with is None and mean_squared_error.from_logits is None


# ----------------------------------------------------------------------------- gradients


def numeric_gradient(
    kind: Loss, P: Matrix[np.float64], Y: Matrix[np.float64]
) -> Matrix[np.float64]:
    h = 1e-6
    grad = np.zeros_like(P)
    for index in np.ndindex(*P.shape):
        step = np.zeros_like(P)
        step[index] = h
        grad[index] = (kind.value(P + step, Y) - kind.value(P - step, Y)) / (2 * h)
    return grad


@all_losses
def test_gradients_match_central_differences(kind: Loss) -> None:
    P = probabilities(3, 5, 0)
    Y = targets_for(kind, 3, 5, 1)
    np.testing.assert_allclose(kind.gradient(P, Y), numeric_gradient(kind, P, Y), rtol=1e-6)


def test_gradients_fold_in_one_over_m() -> None:
    P, Y = np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]])
    np.testing.assert_allclose(binary_cross_entropy.gradient(P, Y), [[-1.0, 1.0]])
    np.testing.assert_allclose(mean_squared_error.gradient(P, Y), [[-0.5, 0.5]])
    np.testing.assert_allclose(
        categorical_cross_entropy.gradient(np.array([[0.5], [0.5]]), np.array([[1.0], [0.0]])),
        [[-2.0], [0.0]],
    )


@all_losses
@dtypes
def test_gradients_keep_the_dtype(kind: Loss, dtype: type[Any]) -> None:
    P = probabilities(2, 3, 0).astype(dtype)
    Y = targets_for(kind, 2, 3, 1).astype(dtype)
    assert kind.gradient(P, Y).dtype == dtype


@all_losses
def test_losses_do_not_modify_their_arguments(kind: Loss) -> None:
    P, Y = probabilities(3, 4, 0), targets_for(kind, 3, 4, 1)
    P_copy, Y_copy = P.copy(), Y.copy()
    kind.value(P, Y)
    kind.gradient(P, Y)
    if kind.from_logits is not None:
        kind.from_logits(P, Y)
    loss(P, Y, kind)
    np.testing.assert_array_equal(P, P_copy)
    np.testing.assert_array_equal(Y, Y_copy)


# ----------------------------------------------------------------------------- check_targets


def test_binary_targets_must_lie_in_0_1() -> None:
    check_targets(np.array([[0.0, 0.3, 1.0]]), binary_cross_entropy)
    with pytest.raises(
        LabelError,
        match=r"Y: binary_cross_entropy expects values in \[0, 1\], got 2\.0 at index \(0, 1\)",
    ):
        check_targets(np.array([[0.0, 2.0]]), binary_cross_entropy)
    with pytest.raises(LabelError, match=r"got -0\.5 at index \(1, 0\)"):
        check_targets(np.array([[0.0], [-0.5]]), binary_cross_entropy)


def test_categorical_targets_must_be_distributions() -> None:
    check_targets(one_hot_columns(3, 5, 0), categorical_cross_entropy)
    check_targets(distributions(3, 5, 0), categorical_cross_entropy)
    check_targets(distributions(3, 5, 0).astype(np.float32), categorical_cross_entropy)
    # float32 distributions upcast to float64 (a float64 network fed float32 data)
    upcast = distributions(50, 5, 0).astype(np.float32).astype(np.float64)
    check_targets(upcast, categorical_cross_entropy)
    with pytest.raises(LabelError, match=r"summing to 1\.001"):
        check_targets(np.array([[0.501], [0.5]]), categorical_cross_entropy)
    with pytest.raises(LabelError, match=r"got column 1 summing to 0\.4.*one_hot"):
        check_targets(np.array([[1.0, 0.2], [0.0, 0.2]]), categorical_cross_entropy)
    with pytest.raises(
        LabelError, match=r"categorical_cross_entropy expects .*got 1\.5 at index \(0, 0\)"
    ):
        check_targets(np.array([[1.5], [-0.5]]), categorical_cross_entropy)


def test_class_labels_are_not_one_hot() -> None:
    # A common slip: passing labels 0..k-1 as a row instead of one-hot columns.
    with pytest.raises(LabelError, match=r"categorical_cross_entropy expects .*got 2\.0"):
        check_targets(np.array([[0.0, 2.0, 1.0]]), categorical_cross_entropy)


def test_mean_squared_error_accepts_any_finite_targets() -> None:
    check_targets(np.array([[-1e6, 0.0, 1e6]]), mean_squared_error)


def huber() -> Loss:
    """A user's own loss (fusing with nothing): its targets are any finite values."""

    def value(Yhat: Any, Y: Any) -> float:
        R = np.abs(Yhat - Y)
        total = float(np.sum(np.where(R < 1, 0.5 * R * R, R - 0.5)))
        return total / int(Y.shape[1])

    def gradient(Yhat: Any, Y: Any) -> Any:
        R = Yhat - Y
        dA = np.clip(R, -1.0, 1.0) / Y.shape[1]
        return dA

    return Loss("huber", value, gradient, None, None, "finite values")


def test_a_users_loss_gets_only_the_finiteness_check() -> None:
    kind = huber()
    check_targets(np.array([[-3.0, 0.5, 7.0]]), kind)
    with pytest.raises(NonFiniteError, match=r"^Y: expected finite values, got inf"):
        check_targets(np.array([[0.0, np.inf]]), kind)
    # its predictions need not be probabilities either
    assert loss([[2.0, -1.0]], [[0.0, 5.0]], kind) == pytest.approx((1.5 + 5.5) / 2)


def test_a_users_loss_named_like_a_built_in_is_not_range_checked() -> None:
    # The range checks follow the built-in records themselves, not their names.
    twin = Loss(
        "binary_cross_entropy",
        mean_squared_error.value,
        mean_squared_error.gradient,
        None,
        None,
        "finite values",
    )
    check_targets(np.array([[2.0, -1.0]]), twin)
    assert loss([[2.0]], [[-1.0]], twin) == pytest.approx(9.0)


def test_check_targets_names_the_argument() -> None:
    with pytest.raises(LabelError, match=r"^validation Y: "):
        check_targets(np.array([[3.0]]), binary_cross_entropy, "validation Y")


# ----------------------------------------------------------------------------- loss()


def test_loss_accepts_lists_and_ints() -> None:
    assert loss([[1, 0]], [[1, 0]], mean_squared_error) == 0.0
    assert loss(np.array([[1, 0]]), [[0.5, 0.5]], mean_squared_error) == pytest.approx(0.25)


def test_loss_refuses_what_is_not_a_loss() -> None:
    with pytest.raises(DTypeError, match="kind: expected an fnmlp Loss, got Activation"):
        loss([[0.5]], [[1.0]], relu)  # type: ignore[arg-type]
    with pytest.raises(DTypeError, match="kind: expected an fnmlp Loss, got str"):
        loss([[0.5]], [[1.0]], "mse")  # type: ignore[arg-type]


def test_loss_shape_errors() -> None:
    with pytest.raises(ShapeError, match=r"Y: expected shape \(1, 2\) like Yhat, got \(2, 1\)"):
        loss([[0.5, 0.5]], [[1], [0]], mean_squared_error)
    with pytest.raises(ShapeError, match=r"Yhat: expected a 2-D array .* got a 1-D array"):
        loss(np.array([0.5, 0.5]), [[1, 0]], mean_squared_error)
    with pytest.raises(ShapeError, match=r"Y: expected a 2-D array .* got a 3-D array"):
        loss([[0.5]], np.zeros((1, 1, 1)), mean_squared_error)
    with pytest.raises(ShapeError, match="Yhat: expected at least one row and one example"):
        loss(np.zeros((1, 0)), np.zeros((1, 0)), mean_squared_error)


def test_loss_value_errors() -> None:
    with pytest.raises(
        NonFiniteError, match=r"Y: expected finite values, got nan at index \(0, 1\)"
    ):
        loss([[0.5, 0.5]], [[0.0, np.nan]], mean_squared_error)
    with pytest.raises(NonFiniteError, match="Yhat: expected finite values"):
        loss([[np.inf]], [[0.0]], mean_squared_error)
    with pytest.raises(DTypeError, match="Y: expected real numbers"):
        loss([[0.5]], [[True]], binary_cross_entropy)
    with pytest.raises(LabelError, match=r"^Y: binary_cross_entropy expects values in"):
        loss([[0.5]], [[2.0]], binary_cross_entropy)


@pytest.mark.parametrize(
    "kind", [binary_cross_entropy, categorical_cross_entropy], ids=lambda k: k.name
)
def test_cross_entropies_need_probabilities(kind: Loss) -> None:
    Y = [[1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(
        LabelError,
        match=rf"Yhat: {kind.name} expects probabilities in \[0, 1\], got 1\.5 at index \(0, 1\)",
    ):
        loss([[0.5, 1.5], [0.5, -0.5]], Y, kind)
    # mean squared error takes any prediction
    assert loss([[0.5, 1.5], [0.5, -0.5]], Y, mean_squared_error) == pytest.approx(1.25)


def test_the_registry() -> None:
    assert set(LOSSES) == {
        "binary_cross_entropy",
        "mean_squared_error",
        "categorical_cross_entropy",
    }
    for name, kind in LOSSES.items():
        assert kind.name == name and str(kind) == f"Loss({name})"
    with pytest.raises(TypeError):
        LOSSES["hinge"] = mean_squared_error  # type: ignore[index]


@pytest.mark.parametrize(
    ("dtype", "kept", "refused"), [(np.float32, 5e-5, 1e-3), (np.float64, 5e-7, 1e-5)]
)
def test_one_hot_columns_may_be_off_by_rounding_only(
    dtype: type[Any], kept: float, refused: float
) -> None:
    # the tolerance on a column's sum: 1e-4 for float32 targets, 1e-6 for float64
    categorical_cross_entropy.check(np.array([[0.5 + kept], [0.5]], dtype=dtype), "Y")
    off = np.array([[0.5 + refused], [0.5]], dtype=dtype)
    with pytest.raises(LabelError, match="summing to"):
        categorical_cross_entropy.check(off, "Y")


def test_what_a_loss_of_ones_own_returns_is_checked() -> None:
    X = np.random.default_rng(0).normal(size=(2, 5))
    Y = np.array([[0, 1, 1, 0, 1.0]])
    params = fnmlp.init([2, 3, 1], output=fnmlp.linear, seed=0)
    squares = Loss("squares", lambda A, Y: (A - Y) ** 2, lambda A, Y: A - Y, None, None, "any")
    message = r"^squares's value: expected a number, got a 2-D float64 array of shape \(1, 5\)"
    with pytest.raises(DTypeError, match=message):
        loss(np.full((1, 5), 0.5), Y, squares)
    with pytest.raises(DTypeError, match=message):
        fnmlp.train(params, X, Y, loss=squares, optimizer=fnmlp.sgd(0.1), epochs=2)
    with pytest.raises(DTypeError, match=message):
        fnmlp.gradient_check(params, X, Y, squares)
    short = Loss(
        "short", huber().value, lambda A, Y: (A - Y)[:, :1], None, None, "finite values"
    )
    with pytest.raises(ShapeError, match=r"^short's gradient: expected an array of shape \(1, 5\)"):
        fnmlp.train(params, X, Y, loss=short, optimizer=fnmlp.sgd(0.1), epochs=2)
