"""Tests of fnmlp.activations: values, derivatives, stability, dtypes, softmax's Jacobian."""

from __future__ import annotations

import pickle
from typing import Any

import attrs
import numpy as np
import pytest

import fnmlp
from fnmlp import (
    ACTIVATIONS,
    Activation,
    leaky_relu,
    linear,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from fnmlp.aliases import Matrix
from fnmlp.errors import DTypeError

ELEMENTWISE = [relu, sigmoid, tanh, leaky_relu, linear]
ALL = [*ELEMENTWISE, softmax]
DTYPES = [np.float32, np.float64]
by_name = pytest.mark.parametrize("activation", ALL, ids=lambda a: a.name)
elementwise = pytest.mark.parametrize("activation", ELEMENTWISE, ids=lambda a: a.name)
dtypes = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)


def random_matrix(rows: int, cols: int, seed: int = 0, scale: float = 3.0) -> Matrix[np.float64]:
    Z: Matrix[np.float64] = np.random.default_rng(seed).normal(0.0, scale, size=(rows, cols))
    return Z


def away_from_kink(Z: Matrix[np.float64], gap: float = 0.1) -> Matrix[np.float64]:
    """``Z`` with every entry at least ``gap`` from 0, where ReLU's derivative jumps."""
    out: Matrix[np.float64] = np.where(np.abs(Z) < gap, np.sign(Z + 1e-300) * gap + Z, Z)
    return out


def exact_sigmoid(Z: Matrix[np.float64]) -> Matrix[np.float64]:
    """``1 / (1 + e^-z)``, or ``e^z / (1 + e^z)`` for ``z < 0``: a few ulps everywhere."""
    E = np.exp(-np.abs(Z))
    out: Matrix[np.float64] = np.where(Z >= 0, 1.0, E) / (1.0 + E)
    return out


def reference(name: str, Z: Matrix[np.float64]) -> Matrix[np.float64]:
    """Each activation written directly from its formula, in float64."""
    if name == "relu":
        out: Matrix[np.float64] = np.where(Z > 0, Z, 0.0)
    elif name == "leaky_relu":
        out = np.where(Z > 0, Z, 0.01 * Z)
    elif name == "sigmoid":
        out = exact_sigmoid(Z)
    elif name == "tanh":
        out = np.tanh(Z)
    elif name == "linear":
        out = Z.copy()
    else:
        E = np.exp(Z - Z.max(axis=0))
        out = E / E.sum(axis=0)
    return out


# ----------------------------------------------------------------------------- values


@by_name
def test_values_match_the_formulas(activation: Activation) -> None:
    Z = random_matrix(4, 7)
    np.testing.assert_allclose(activation.fn(Z), reference(activation.name, Z), rtol=1e-13)


def test_small_values_by_hand() -> None:
    Z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(relu.fn(Z), [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(leaky_relu.fn(Z), [[-0.02, 0.0, 3.0]], rtol=1e-15)
    np.testing.assert_array_equal(linear.fn(Z), Z)
    np.testing.assert_allclose(sigmoid.fn(Z), [[1 / (1 + np.e**2), 0.5, 1 / (1 + np.e**-3)]])
    np.testing.assert_allclose(
        softmax.fn(Z.T).T, [np.exp([-2.0, 0.0, 3.0]) / np.exp([-2, 0, 3]).sum()]
    )


@dtypes
def test_sigmoid_is_accurate_in_both_tails(dtype: type[Any]) -> None:
    # Relative accuracy where sigmoid is tiny matters: a probability of 1e-9
    # must not come out as 0 or 2e-9 (log-losses and gradients read it).
    tiny = float(np.finfo(dtype).tiny)
    low = np.log(tiny) + 1  # sigmoid(low) is still a normal float
    Z = np.linspace(low, 40.0, 2001).reshape(1, -1)
    exact = exact_sigmoid(Z)
    got = sigmoid.fn(Z.astype(dtype))
    rtol = 8 * float(np.finfo(dtype).eps) * (1 if dtype == np.float64 else 4)
    np.testing.assert_allclose(got, exact.astype(dtype), rtol=rtol, atol=0)


@dtypes
def test_sigmoid_of_very_negative_inputs_is_tiny_not_garbage(dtype: type[Any]) -> None:
    Z = np.array([[-1e4, -1e3, -800.0]], dtype=dtype)
    A = sigmoid.fn(Z)
    assert (A >= 0).all() and (2 * np.finfo(dtype).tiny >= A).all()


@dtypes
def test_leaky_relu_slope_and_relu_kink(dtype: type[Any]) -> None:
    Z = np.array([[-1.0, 0.0, 1.0]], dtype=dtype)
    ones = np.ones_like(Z)
    np.testing.assert_array_equal(relu.derivative(Z, relu.fn(Z), ones), [[0.0, 0.0, 1.0]])
    dZ = leaky_relu.derivative(Z, leaky_relu.fn(Z), ones)
    np.testing.assert_allclose(dZ, np.array([[0.01, 0.01, 1.0]], dtype=dtype), rtol=1e-7)


# ----------------------------------------------------------------------------- derivatives


@elementwise
def test_elementwise_derivatives_match_central_differences(activation: Activation) -> None:
    Z = away_from_kink(random_matrix(5, 6, seed=1))
    h = 1e-6
    numeric = (activation.fn(Z + h) - activation.fn(Z - h)) / (2 * h)
    dA = random_matrix(5, 6, seed=2, scale=1.0)
    dZ = activation.derivative(Z, activation.fn(Z), dA)
    np.testing.assert_allclose(dZ, dA * numeric, rtol=1e-7, atol=1e-10)
    ones = activation.derivative(Z, activation.fn(Z), np.ones_like(Z))
    np.testing.assert_allclose(ones, numeric, rtol=1e-7, atol=1e-10)


def explicit_softmax_jacobian(a: Matrix[np.float64]) -> Matrix[np.float64]:
    """``da_i / dz_j = a_i (delta_ij - a_j)`` for one column ``a`` of shape ``(n, 1)``."""
    J: Matrix[np.float64] = np.diagflat(a) - a @ a.T
    return J


def test_softmax_vjp_matches_the_explicit_jacobian() -> None:
    Z = random_matrix(4, 6, seed=3)
    A = softmax.fn(Z)
    dA = random_matrix(4, 6, seed=4, scale=1.0)
    dZ = softmax.derivative(Z, A, dA)
    for j in range(Z.shape[1]):
        J = explicit_softmax_jacobian(A[:, j : j + 1])
        np.testing.assert_allclose(dZ[:, j : j + 1], J.T @ dA[:, j : j + 1], rtol=1e-12, atol=1e-15)


def test_softmax_vjp_matches_central_differences() -> None:
    # The gradient of s(Z) = sum(dA * softmax(Z)) with respect to Z is the VJP.
    Z = random_matrix(3, 4, seed=5, scale=1.0)
    dA = random_matrix(3, 4, seed=6, scale=1.0)
    h = 1e-6
    numeric = np.zeros_like(Z)
    for index in np.ndindex(*Z.shape):
        step = np.zeros_like(Z)
        step[index] = h
        numeric[index] = (np.sum(dA * softmax.fn(Z + step)) - np.sum(dA * softmax.fn(Z - step))) / (
            2 * h
        )
    np.testing.assert_allclose(
        softmax.derivative(Z, softmax.fn(Z), dA), numeric, rtol=1e-7, atol=1e-10
    )


def test_softmax_columns_are_distributions() -> None:
    Z = random_matrix(5, 50, seed=7, scale=30.0)
    A = softmax.fn(Z)
    assert (A >= 0).all()
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=1e-14)
    # shifting a column by a constant does not change it
    np.testing.assert_allclose(softmax.fn(Z + np.arange(50.0) * 100), A, rtol=1e-12, atol=1e-300)
    assert not softmax.elementwise
    assert all(a.elementwise for a in ELEMENTWISE)


# ----------------------------------------------------------------------------- stability


@by_name
@dtypes
def test_extreme_inputs_stay_finite_without_warnings(
    activation: Activation, dtype: type[Any]
) -> None:
    # pytest runs with filterwarnings=error: an overflow warning fails this test.
    Z = np.array(
        [[-1e4, -1e3, -100.0, -50.0, 0.0, 50.0, 100.0, 1e3, 1e4]] * 2, dtype=dtype
    ).reshape(2, -1)
    A = activation.fn(Z)
    dZ = activation.derivative(Z, A, np.ones_like(Z))
    assert np.isfinite(A).all() and np.isfinite(dZ).all()
    if activation in (sigmoid, softmax):
        assert ((A >= 0) & (A <= 1)).all()


@dtypes
def test_saturated_values(dtype: type[Any]) -> None:
    Z = np.array([[-1e4], [1e4]], dtype=dtype)
    assert sigmoid.fn(Z)[1, 0] == 1.0 and sigmoid.fn(Z)[0, 0] < 1e-37
    np.testing.assert_array_equal(tanh.fn(Z), [[-1.0], [1.0]])
    np.testing.assert_array_equal(softmax.fn(Z), [[0.0], [1.0]])
    np.testing.assert_array_equal(
        softmax.fn(np.full((3, 1), 1e4, dtype=dtype)), np.full((3, 1), 1 / 3, dtype=dtype)
    )


# ----------------------------------------------------------------------------- dtypes, shapes


@by_name
@dtypes
def test_dtype_and_shape_are_kept(activation: Activation, dtype: type[Any]) -> None:
    for shape in [(1, 1), (3, 1), (1, 5), (4, 9)]:
        Z = random_matrix(*shape).astype(dtype)
        A = activation.fn(Z)
        dZ = activation.derivative(Z, A, np.ones_like(Z))
        assert A.dtype == dtype and dZ.dtype == dtype
        assert A.shape == shape and dZ.shape == shape


@by_name
def test_activations_do_not_modify_their_arguments(activation: Activation) -> None:
    Z = random_matrix(3, 4)
    A = activation.fn(Z)
    dA = random_matrix(3, 4, seed=1)
    copies = Z.copy(), A.copy(), dA.copy()
    activation.fn(Z)
    activation.derivative(Z, A, dA)
    for before, after in zip(copies, (Z, A, dA)):
        np.testing.assert_array_equal(before, after)
    Z.flags.writeable = False
    A.flags.writeable = False
    dA.flags.writeable = False
    activation.derivative(Z, activation.fn(Z), dA)  # read-only inputs are fine


def test_the_registry() -> None:
    assert list(ACTIVATIONS) == ["relu", "sigmoid", "tanh", "leaky_relu", "linear", "softmax"]
    for name, activation in ACTIVATIONS.items():
        assert activation.name == name
        assert str(activation) == repr(activation) == f"Activation({name})"
    with pytest.raises(TypeError):
        ACTIVATIONS["gelu"] = relu  # type: ignore[index]


@by_name
@dtypes
def test_the_in_place_writer_is_the_function_exactly(
    activation: Activation, dtype: type[Any]
) -> None:
    # forward writes hidden layers with ``into`` where there is one: the same bits as ``fn``,
    # without a warning (filterwarnings=error), at the extremes as around zero
    column = [-1000.0, -100.0, -50.0, -1.0, -0.0, 0.0, 1e-3, 1.0, 50.0, 100.0, 1000.0]
    Z = np.array([column, column[::-1]], dtype=dtype)
    out = np.full_like(Z, np.nan)
    if activation.into is None:
        assert activation in (leaky_relu, linear, softmax)
        return
    activation.into(Z, out)
    expected = activation.fn(Z)
    assert out.dtype == expected.dtype == dtype
    np.testing.assert_array_equal(out, expected, strict=True)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))


@by_name
@dtypes
def test_the_in_place_derivative_is_the_derivative_exactly(
    activation: Activation, dtype: type[Any]
) -> None:
    # backward overwrites the dA it made with ``derivative_into`` where there is one: the
    # same bits as ``derivative``, signed zeros included, ReLU'(0) = 0 as ever
    column = [-1000.0, -100.0, -50.0, -1.0, -0.0, 0.0, 1e-3, 1.0, 50.0, 100.0, 1000.0]
    Z = np.array([column, column[::-1]], dtype=dtype)
    A = activation.fn(Z)
    dA = np.array([[1.5, -2.0] * 5 + [-0.25], [-3.0, 0.5] * 5 + [2.0]], dtype=dtype)
    if activation.derivative_into is None:
        assert activation in (leaky_relu, linear, softmax)
        return
    expected = activation.derivative(Z, A, dA)
    out = dA.copy()
    activation.derivative_into(Z, A, out)
    assert expected.dtype == dtype
    np.testing.assert_array_equal(out, expected, strict=True)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))
    if activation is relu:
        np.testing.assert_array_equal(out != 0, (Z > 0) & (dA != 0))


def half(Z: Any) -> Any:
    return Z * 0.5


def halved(Z: Any, A: Any, dA: Any) -> Any:
    return dA * 0.5


def halved_into(Z: Any, A: Any, dA: Any) -> None:
    dA *= 0.5


def test_an_activation_of_ones_own_with_an_in_place_derivative_trains_as_without() -> None:
    plain = Activation("half", half, halved)
    fast = attrs.evolve(plain, derivative_into=halved_into)
    assert fast != plain
    X = np.array([[0.0, 1.0, 2.0, -1.0], [1.0, 0.0, -2.0, 3.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    runs = [
        fnmlp.train(
            fnmlp.init([2, 3, 1], hidden=h, output=fnmlp.sigmoid, seed=3),
            X,
            Y,
            loss=fnmlp.binary_cross_entropy,
            optimizer=fnmlp.sgd(0.5),
            epochs=4,
        )
        for h in (plain, fast)
    ]
    np.testing.assert_array_equal(runs[0].params.theta, runs[1].params.theta)
    assert pickle.loads(pickle.dumps(fast)).derivative_into is halved_into
    with pytest.raises(DTypeError, match=r"^derivative_into: expected a function \(Z, A, dA\)"):
        attrs.evolve(plain, derivative_into=3)  # type: ignore[arg-type]


@dtypes
def test_relus_derivative_is_the_same_on_layers_of_any_size(dtype: type[Any]) -> None:
    # small layers multiply by sign(A), large ones by a one-byte mask of Z > 0 (faster for
    # each): the same numbers, ReLU'(0) = 0 in both
    rng = np.random.default_rng(4)
    Z = rng.standard_normal((64, 40)).astype(dtype)
    Z[::3, ::5] = 0.0
    A = relu.fn(Z)
    dA = rng.standard_normal(Z.shape).astype(dtype)
    assert relu.derivative_into is not None
    large = dA.copy()
    relu.derivative_into(Z, A, large)
    small = dA.copy()
    for row in range(Z.shape[0]):  # 40 entries at a time: the small layers' path
        relu.derivative_into(Z[row : row + 1], A[row : row + 1], small[row : row + 1])
    np.testing.assert_array_equal(large, np.where(Z > 0, dA, dA * 0), strict=True)
    np.testing.assert_array_equal(small, large, strict=True)


def tanh_vjp(Z: Any, A: Any, dA: Any) -> Any:
    return dA * (1 - A * A)


def test_what_an_activation_of_ones_own_returns_is_checked_not_broadcast() -> None:
    X = np.random.default_rng(0).normal(size=(2, 5))
    Y = np.array([[0, 1, 1, 0, 1.0]])
    bce = fnmlp.binary_cross_entropy
    narrow = Activation("narrow", lambda Z: Z[:1], tanh_vjp)  # one row for every unit
    hidden = fnmlp.init([2, 3, 1], hidden=narrow, seed=0)
    shape = r"^narrow's fn: expected an array of shape \(3, 5\) float64 like its input, got \(1, 5\)"
    with pytest.raises(fnmlp.ShapeError, match=shape):
        fnmlp.train(hidden, X, Y, loss=bce, optimizer=fnmlp.sgd(0.1), epochs=2)
    with pytest.raises(fnmlp.ShapeError, match=shape):
        fnmlp.gradient_check(hidden, X, Y, bce)
    output = fnmlp.init([2, 3, 2], activations=[tanh, narrow], seed=0)
    with pytest.raises(fnmlp.ShapeError, match=r"^narrow's fn: expected an array of shape \(2, 5\)"):
        fnmlp.forward(output, X)
    wide = Activation("wide", lambda Z: np.tanh(Z).astype(np.float64), tanh_vjp)
    p32 = fnmlp.init([2, 3, 1], activations=[tanh, wide], seed=0, dtype=np.float32)
    with pytest.raises(DTypeError, match=r"^wide's fn: .* float32 like its input, got \(1, 5\) float64"):
        fnmlp.predict(p32, X.astype(np.float32))
    bad_vjp = Activation("short", np.tanh, lambda Z, A, dA: dA[:, :1])
    with pytest.raises(fnmlp.ShapeError, match=r"^short's derivative: expected an array of shape"):
        fnmlp.gradient(fnmlp.init([2, 3, 1], hidden=bad_vjp, seed=0), X, Y, bce)
    # a well-behaved one passes unchanged
    fine = Activation("fine", np.tanh, tanh_vjp)
    same = fnmlp.gradient(fnmlp.init([2, 3, 1], hidden=fine, seed=0), X, Y, bce)
    assert np.array_equal(same.g, fnmlp.gradient(fnmlp.init([2, 3, 1], hidden=tanh, seed=0), X, Y, bce).g)
