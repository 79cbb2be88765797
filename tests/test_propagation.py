"""Tests of fnmlp.propagation: forward, backward and update, their shapes, maths and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import (
    Activation,
    Cache,
    Grads,
    Layer,
    Loss,
    Params,
    backward,
    binary_cross_entropy,
    categorical_cross_entropy,
    forward,
    init,
    leaky_relu,
    linear,
    mean_squared_error,
    predict,
    relu,
    sigmoid,
    softmax,
    tanh,
    update,
)
from fnmlp.aliases import Matrix
from fnmlp.errors import DTypeError, HyperparameterError, LabelError, NonFiniteError, ShapeError

ARCHITECTURES: list[tuple[list[int], list[Activation]]] = [
    ([1, 1], [sigmoid]),
    ([2, 3, 1], [relu, sigmoid]),
    ([4, 8, 8, 3], [tanh, leaky_relu, softmax]),
    ([3, 5, 2, 6, 2], [sigmoid, tanh, relu, linear]),
]
architectures = pytest.mark.parametrize(
    ("dims", "activations"), ARCHITECTURES, ids=[str(d) for d, _ in ARCHITECTURES]
)
sizes = pytest.mark.parametrize("m", [1, 7])


def data(n_x: int, m: int, seed: int = 0) -> Matrix[np.float64]:
    X: Matrix[np.float64] = np.random.default_rng(seed).normal(size=(n_x, m))
    return X


def targets(params: Params[Any], m: int, kind: Loss, seed: int = 1) -> Matrix[np.float64]:
    n_y = params.dims[-1]
    rng = np.random.default_rng(seed)
    if kind is categorical_cross_entropy:
        Y: Matrix[np.float64] = np.eye(n_y)[:, rng.integers(0, n_y, size=m)]
        return Y
    if kind is binary_cross_entropy:
        return rng.integers(0, 2, size=(n_y, m)).astype(np.float64)
    return rng.normal(size=(n_y, m))


def loss_for(params: Params[Any]) -> Loss:
    output = params.layers[-1].activation
    if output is softmax:
        return categorical_cross_entropy
    return binary_cross_entropy if output is sigmoid else mean_squared_error


def unfused(activation: Activation) -> Activation:
    """The same function and derivative under another name, so no loss fuses with it."""
    return Activation(
        f"{activation.name}_unfused",
        activation.fn,
        activation.derivative,
        activation.elementwise,
        probability=activation.probability,
    )


def manual_forward(
    params: Params[Any], X: Matrix[Any]
) -> tuple[list[Matrix[Any]], list[Matrix[Any]]]:
    Zs, As = [X], [X]
    for layer in params.layers:
        Z = layer.W @ As[-1] + layer.b
        Zs.append(Z)
        As.append(layer.activation.fn(Z))
    return Zs, As


# ----------------------------------------------------------------------------- shapes


@architectures
@sizes
def test_forward_shapes(dims: list[int], activations: list[Activation], m: int) -> None:
    params = init(dims, activations=activations, seed=0)
    Yhat, cache = forward(params, data(dims[0], m))
    L = len(dims) - 1
    assert Yhat.shape == (dims[-1], m)
    assert len(cache.Z) == len(cache.A) == L + 1
    for l in range(L + 1):
        assert cache.Z[l].shape == cache.A[l].shape == (dims[l], m)
    assert cache.A[-1] is Yhat


@architectures
@sizes
def test_backward_shapes(dims: list[int], activations: list[Activation], m: int) -> None:
    params = init(dims, activations=activations, seed=0)
    _, cache = forward(params, data(dims[0], m))
    kind = loss_for(params)
    grads = backward(params, cache, targets(params, m, kind), kind)
    assert len(grads.dW) == len(grads.db) == len(params.layers)
    for layer, dW, db in zip(params.layers, grads.dW, grads.db):
        assert dW.shape == layer.W.shape and db.shape == layer.b.shape


@architectures
def test_update_shapes(dims: list[int], activations: list[Activation]) -> None:
    params = init(dims, activations=activations, seed=0)
    _, cache = forward(params, data(dims[0], 5))
    kind = loss_for(params)
    new = update(params, backward(params, cache, targets(params, 5, kind), kind), 0.1)
    assert new.dims == params.dims
    for old, layer in zip(params.layers, new.layers):
        assert layer.W.shape == old.W.shape and layer.b.shape == old.b.shape
        assert layer.activation is old.activation


# ----------------------------------------------------------------------------- forward


@architectures
def test_forward_values(dims: list[int], activations: list[Activation]) -> None:
    params = init(dims, activations=activations, seed=0)
    X = data(dims[0], 6)
    _, cache = forward(params, X)
    Zs, As = manual_forward(params, X)
    np.testing.assert_array_equal(cache.A[0], X)
    np.testing.assert_array_equal(cache.Z[0], X)
    for l in range(1, len(dims)):
        np.testing.assert_allclose(cache.Z[l], Zs[l], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(cache.A[l], As[l], rtol=1e-13, atol=1e-15)


def test_forward_by_hand() -> None:
    params = Params(
        (
            Layer(np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([[0.5], [-1.0]]), relu),
            Layer(np.array([[1.0, 1.0]]), np.array([[0.0]]), linear),
        )
    )
    Yhat, cache = forward(params, [[1, 0], [2, 4]])
    np.testing.assert_array_equal(cache.Z[1], [[-0.5, -3.5], [2.0, 1.0]])
    np.testing.assert_array_equal(cache.A[1], [[0.0, 0.0], [2.0, 1.0]])
    np.testing.assert_array_equal(Yhat, [[2.0, 1.0]])


def test_forward_converts_inputs_to_the_network_dtype() -> None:
    wide, narrow = init([2, 3, 1], seed=0), init([2, 3, 1], seed=0, dtype=np.float32)
    for X in ([[0, 1], [1, 0]], np.array([[0, 1], [1, 0]]), np.ones((2, 2), np.float32)):
        assert forward(wide, X)[0].dtype == np.float64
        Yhat, cache = forward(narrow, X)
        assert Yhat.dtype == np.float32
        assert all(a.dtype == np.float32 for a in (*cache.Z, *cache.A))


def test_forward_copies_the_input() -> None:
    X = data(2, 3)
    _, cache = forward(init([2, 1], seed=0), X)
    assert not np.shares_memory(cache.A[0], X)
    assert X.flags.writeable and not cache.A[0].flags.writeable


def test_examples_as_rows_are_named() -> None:
    params = init([3, 4, 2], seed=0)
    with pytest.raises(
        ShapeError,
        match=r"X: expected shape \(3, m\) with one column per example, got \(5, 3\); "
        r"the examples look like rows: pass X\.T",
    ):
        forward(params, data(5, 3))
    _, cache = forward(params, data(3, 5))
    with pytest.raises(
        ShapeError,
        match=r"Y: expected shape \(2, 5\) \(n_y outputs, m examples\), got \(5, 2\); "
        r"the examples look like rows: pass Y\.T",
    ):
        backward(params, cache, np.zeros((5, 2)), mean_squared_error)


def test_forward_input_errors() -> None:
    params = init([3, 1], seed=0)
    with pytest.raises(ShapeError, match=r"X: expected shape \(3, m\) .*got \(2, 4\)$"):
        forward(params, np.zeros((2, 4)))
    with pytest.raises(
        ShapeError, match=r"X: expected a 2-D array .*got a 1-D array of shape \(3,\)"
    ):
        forward(params, np.zeros(3))
    with pytest.raises(
        NonFiniteError, match=r"X: expected finite values, got nan at index \(1, 0\)"
    ):
        forward(params, [[0.0], [np.nan], [0.0]])
    with pytest.raises(DTypeError, match="params: expected fnmlp Params, got Grads"):
        forward(Grads(dW=(np.ones((1, 3)),), db=(np.ones((1, 1)),)), np.zeros((3, 1)))  # type: ignore[arg-type]


def test_forward_refuses_to_cache_an_overflowed_pre_activation() -> None:
    # A saturated sigmoid has a finite A[1] = [[1, 0]] from Z[1] = [[inf, -inf]]:
    # the cache would hand backward (and the logit form of a loss) an infinite Z.
    params = Params((Layer(np.full((1, 1), 1e300), np.zeros((1, 1)), sigmoid),))
    with pytest.raises(
        NonFiniteError,
        match=r"^Z\[1\] \(layer 1\): expected finite pre-activations, got inf at index \(0, 0\);"
        r" .*scale X$",
    ):
        forward(params, [[1e10, -1e10]])
    # predict needs only the outputs, which are right
    assert predict(params, [[1e10, -1e10]]).tolist() == [[1, 0]]
    # in a deeper network the first layer with a non-finite value is named
    deep = Params(
        (
            Layer(np.full((1, 1), 1e300), np.zeros((1, 1)), tanh),
            Layer(np.full((1, 1), 1e300), np.zeros((1, 1)), linear),
        )
    )
    with pytest.raises(NonFiniteError, match=r"^Z\[1\] \(layer 1\): .*got -inf at index \(0, 1\)"):
        forward(deep, [[0.5, -1e10]])


# ----------------------------------------------------------------------------- backward


def chain_rule_grads(
    params: Params[Any], X: Matrix[Any], Y: Matrix[Any], kind: Loss
) -> tuple[list[Matrix[Any]], list[Matrix[Any]]]:
    """Backpropagation written out, with no fused delta, as the maths states it."""
    Zs, As = manual_forward(params, X)
    L = len(params.layers)
    dA = kind.gradient(As[L], Y)
    dWs: list[Matrix[Any]] = []
    dbs: list[Matrix[Any]] = []
    for l in range(L, 0, -1):
        layer = params.layers[l - 1]
        dZ = layer.activation.derivative(Zs[l], As[l], dA)
        dWs.insert(0, dZ @ As[l - 1].T)
        dbs.insert(0, dZ.sum(axis=1, keepdims=True))
        dA = layer.W.T @ dZ
    return dWs, dbs


@pytest.mark.parametrize(
    ("output", "kind"),
    [(sigmoid, binary_cross_entropy), (softmax, categorical_cross_entropy)],
    ids=["sigmoid+bce", "softmax+cce"],
)
def test_fused_deltas_equal_the_chain_rule(output: Activation, kind: Loss) -> None:
    n_y = 1 if output is sigmoid else 3
    params = init([4, 6, 5, n_y], hidden=tanh, output=output, seed=3)
    X = data(4, 9)
    Y = targets(params, 9, kind)
    _, cache = forward(params, X)
    fused = backward(params, cache, Y, kind)
    # The fused delta is (A - Y) / m exactly.
    dZ = (cache.A[-1] - Y) / 9
    np.testing.assert_allclose(fused.db[-1], dZ.sum(axis=1, keepdims=True), rtol=1e-14, atol=1e-17)
    np.testing.assert_allclose(fused.dW[-1], dZ @ cache.A[-2].T, rtol=1e-14, atol=1e-17)
    # ... and equals the chain rule through the loss's gradient, written out here
    dWs, dbs = chain_rule_grads(params, X, Y, kind)
    # ... and through fnmlp's own general path, on a copy of the output activation
    # that no loss fuses with.
    plain = Params(
        (*params.layers[:-1], Layer(params.layers[-1].W, params.layers[-1].b, unfused(output)))
    )
    _, plain_cache = forward(plain, X)
    general = backward(plain, plain_cache, Y, kind)
    for l in range(len(params.layers)):
        for ours, theirs in ((fused.dW[l], dWs[l]), (fused.db[l], dbs[l])):
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(fused.dW[l], general.dW[l], rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(fused.db[l], general.db[l], rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_fused_deltas_stay_finite_on_saturated_outputs(dtype: type[Any]) -> None:
    W = np.array([[1e3], [-1e3], [5e2]], dtype=dtype)
    for output, kind, Y in (
        (sigmoid, binary_cross_entropy, np.array([[0.0, 1.0]])),
        (softmax, categorical_cross_entropy, np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])),
    ):
        n_y = Y.shape[0]
        params = Params((Layer(W[:n_y], np.zeros((n_y, 1), dtype=dtype), output),))
        X = np.array([[10.0, -10.0]])
        Yhat, cache = forward(params, X)
        grads = backward(params, cache, Y, kind)
        assert all(np.isfinite(g).all() for g in (*grads.dW, *grads.db))
        np.testing.assert_allclose(grads.db[0], ((Yhat - Y) / 2).sum(axis=1, keepdims=True))


def test_mse_with_softmax_uses_the_jacobian_product() -> None:
    params = init([3, 4], output=softmax, seed=0)
    X, Y = data(3, 5), data(4, 5, seed=9)
    _, cache = forward(params, X)
    grads = backward(params, cache, Y, mean_squared_error)
    dWs, dbs = chain_rule_grads(params, X, Y, mean_squared_error)
    np.testing.assert_allclose(grads.dW[0], dWs[0], rtol=1e-12)
    np.testing.assert_allclose(grads.db[0], dbs[0], rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_backward_keeps_the_dtype(dtype: type[Any]) -> None:
    params: Params[Any] = init([3, 4, 2], output=softmax, seed=0, dtype=dtype)
    _, cache = forward(params, data(3, 5))
    grads = backward(params, cache, np.eye(2)[:, [0, 1, 1, 0, 0]], categorical_cross_entropy)
    assert all(g.dtype == dtype for g in (*grads.dW, *grads.db))


def test_backward_refuses_a_cache_from_another_network() -> None:
    params = init([3, 4, 1], seed=0)
    _, other = forward(init([3, 5, 1], seed=0), data(3, 2))
    Y = [[0, 1]]
    with pytest.raises(
        ShapeError, match=r"cache: expected the values of a forward pass through \[3, 4, 1\]"
    ):
        backward(params, other, Y, binary_cross_entropy)
    _, narrow = forward(init([3, 4, 1], seed=0, dtype=np.float32), data(3, 2))
    with pytest.raises(DTypeError, match=r"^cache: .* in float64 like params, got float32$"):
        backward(params, narrow, Y, binary_cross_entropy)  # type: ignore[misc]
    _, deeper = forward(init([3, 4, 4, 1], seed=0), data(3, 2))
    with pytest.raises(ShapeError, match="cache: expected the values of a forward pass"):
        backward(params, deeper, Y, binary_cross_entropy)


def test_backward_argument_errors() -> None:
    params = init([3, 4, 1], seed=0)
    X = data(3, 2)
    _, cache = forward(params, X)
    with pytest.raises(DTypeError, match="cache: expected an fnmlp Cache, got ndarray"):
        backward(params, X, [[0, 1]], binary_cross_entropy)  # type: ignore[arg-type]
    with pytest.raises(DTypeError, match="kind: expected an fnmlp Loss, got Activation"):
        backward(params, cache, [[0, 1]], sigmoid)  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=r"Y: expected shape \(1, 2\) .* got \(1, 3\)"):
        backward(params, cache, [[0, 1, 1]], binary_cross_entropy)
    with pytest.raises(LabelError, match=r"Y: binary_cross_entropy expects values in \[0, 1\]"):
        backward(params, cache, [[0, 2]], binary_cross_entropy)
    with pytest.raises(DTypeError, match="params: expected fnmlp Params, got Cache"):
        backward(cache, cache, [[0, 1]], binary_cross_entropy)  # type: ignore[arg-type]


@pytest.mark.parametrize("output", [linear, relu, tanh, leaky_relu], ids=lambda a: a.name)
@pytest.mark.parametrize(
    "kind", [binary_cross_entropy, categorical_cross_entropy], ids=lambda k: k.name
)
def test_backward_refuses_a_cross_entropy_after_a_non_probability_output(
    output: Activation, kind: Loss
) -> None:
    # A cross-entropy takes the log of the output: after a linear (or relu, tanh,
    # leaky relu) layer backward used to return gradients of 1e307 without a word.
    params = init([2, 2], output=output, seed=0)
    _, cache = forward(params, [[1.0, -2.0], [3.0, 0.5]])
    with pytest.raises(
        HyperparameterError,
        match=rf"^kind: {kind.name} expects probabilities from a sigmoid or softmax output "
        rf"layer, got a {output.name} output layer",
    ):
        backward(params, cache, [[1, 0], [0, 1]], kind)
    # the same network with mean squared error is fine
    grads = backward(params, cache, [[1, 0], [0, 1]], mean_squared_error)
    assert all(np.isfinite(g).all() for g in (*grads.dW, *grads.db))


def test_a_hand_built_cache_works() -> None:
    params = init([2, 3, 1], seed=0)
    X = data(2, 4)
    Zs, As = manual_forward(params, X)
    Y = [[0, 1, 1, 0]]
    ours = backward(params, Cache(Z=tuple(Zs), A=tuple(As)), Y, binary_cross_entropy)
    theirs = backward(params, forward(params, X)[1], Y, binary_cross_entropy)
    for a, b in zip((*ours.dW, *ours.db), (*theirs.dW, *theirs.db)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-16)


# ----------------------------------------------------------------------------- update


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("learning_rate", [1.0, 0.3, 1e-3])
def test_update_is_exactly_gradient_descent(dtype: type[Any], learning_rate: float) -> None:
    params: Params[Any] = init([3, 4, 2], seed=0, dtype=dtype)
    _, cache = forward(params, data(3, 6))
    grads = backward(params, cache, np.ones((2, 6)), binary_cross_entropy)
    new = update(params, grads, learning_rate)
    for old, layer, dW, db in zip(params.layers, new.layers, grads.dW, grads.db):
        assert layer.W.dtype == dtype and layer.b.dtype == dtype
        np.testing.assert_array_equal(layer.W, old.W - learning_rate * dW)
        np.testing.assert_array_equal(layer.b, old.b - learning_rate * db)
        assert not layer.W.flags.writeable and not layer.b.flags.writeable


def test_update_by_hand_leaves_params_alone() -> None:
    params = Params((Layer(np.array([[1.0, 2.0]]), np.array([[3.0]]), linear),))
    grads = Grads(dW=(np.array([[0.5, -1.0]]),), db=(np.array([[2.0]]),))
    new = update(params, grads, learning_rate=0.5)
    np.testing.assert_array_equal(new.layers[0].W, [[0.75, 2.5]])
    np.testing.assert_array_equal(new.layers[0].b, [[2.0]])
    np.testing.assert_array_equal(params.layers[0].W, [[1.0, 2.0]])
    np.testing.assert_array_equal(params.layers[0].b, [[3.0]])


@pytest.mark.parametrize("learning_rate", [0, -0.1, float("nan"), float("inf"), "0.1", True, None])
def test_update_refuses_bad_learning_rates(learning_rate: Any) -> None:
    params = init([2, 1], seed=0)
    grads = Grads(dW=(np.ones((1, 2)),), db=(np.ones((1, 1)),))
    with pytest.raises(
        HyperparameterError, match="learning_rate: expected a positive finite number, got"
    ):
        update(params, grads, learning_rate)


def test_update_refuses_grads_of_another_network() -> None:
    params = init([2, 3, 1], seed=0)
    with pytest.raises(
        ShapeError,
        match=r"grads\.dW\[0\] \(layer 1\): expected shape \(3, 2\) float64 like params, got \(4, 2\) float64",
    ):
        update(
            params,
            Grads(dW=(np.ones((4, 2)), np.ones((1, 4))), db=(np.ones((4, 1)), np.ones((1, 1)))),
            0.1,
        )
    with pytest.raises(ShapeError, match=r"grads: expected gradients for 2 layers, got 1"):
        update(params, Grads(dW=(np.ones((3, 2)),), db=(np.ones((3, 1)),)), 0.1)
    narrow = Grads(
        dW=(np.ones((3, 2), np.float32), np.ones((1, 3), np.float32)),
        db=(np.ones((3, 1), np.float32), np.ones((1, 1), np.float32)),
    )
    with pytest.raises(
        DTypeError, match=r"^grads\.dW\[0\] \(layer 1\): expected dtype float64 .* got float32"
    ):
        update(params, narrow, 0.1)  # type: ignore[misc]
    with pytest.raises(DTypeError, match="grads: expected fnmlp Grads, got Params"):
        update(params, params, 0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("n_y", [2, 3])
def test_labels_in_one_row_for_a_softmax_output_get_the_one_hot_hint(n_y: int) -> None:
    params = fnmlp.init([2, n_y], output=fnmlp.softmax, seed=0)
    X = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0]])
    _, cache = fnmlp.forward(params, X)
    with pytest.raises(
        fnmlp.ShapeError, match=rf"for class labels pass fnmlp\.one_hot\(Y, {n_y}\)"
    ):
        fnmlp.backward(params, cache, [[0, 1, 1]], fnmlp.categorical_cross_entropy)
