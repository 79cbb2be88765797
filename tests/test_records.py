"""Tests of fnmlp.records: frozen records, read-only copies, construction checks."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pytest

from fnmlp import (
    Cache,
    Grads,
    Layer,
    Params,
    backward,
    binary_cross_entropy,
    forward,
    init,
    linear,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from fnmlp.aliases import Matrix
from fnmlp.errors import DTypeError, NonFiniteError, ShapeError


def arange(rows: int, cols: int, dtype: type[Any] = np.float64) -> Matrix[Any]:
    out: Matrix[Any] = (np.arange(rows * cols, dtype=dtype).reshape(rows, cols) + 1) / 10
    return out


def two_layers(dtype: type[Any] = np.float64) -> Params[Any]:
    return Params(
        (
            Layer(arange(3, 2, dtype), arange(3, 1, dtype), relu),
            Layer(arange(1, 3, dtype), arange(1, 1, dtype), sigmoid),
        )
    )


# ----------------------------------------------------------------------------- read-only


def test_layer_arrays_are_read_only() -> None:
    layer = Layer(arange(3, 2), arange(3, 1), relu)
    for array in (layer.W, layer.b):
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[0, 0] = 1.0
        with pytest.raises(ValueError, match="read-only"):
            array += 1.0


def test_cache_and_grads_arrays_are_read_only() -> None:
    cache = Cache(Z=(arange(2, 4), arange(3, 4)), A=(arange(2, 4), arange(3, 4)))
    grads = Grads(dW=(arange(3, 2),), db=(arange(3, 1),))
    for array in (*cache.Z, *cache.A, *grads.dW, *grads.db):
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[0, 0] = 1.0


def test_computed_records_are_read_only() -> None:
    params = init([2, 4, 3, 1], seed=0)
    X, Y = arange(2, 5), np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
    Yhat, cache = forward(params, X)
    grads = backward(params, cache, Y, binary_cross_entropy)
    arrays = [layer.W for layer in params.layers] + [layer.b for layer in params.layers]
    arrays += [Yhat, *cache.Z, *cache.A, *grads.dW, *grads.db]
    for array in arrays:
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[0, 0] = 0.0


def test_records_are_frozen() -> None:
    params = two_layers()
    layer = params.layers[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        params.layers = ()  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        layer.W = arange(3, 2)  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        layer.activation = tanh  # type: ignore[misc]
    cache = Cache(Z=(arange(2, 1), arange(1, 1)), A=(arange(2, 1), arange(1, 1)))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        cache.A = ()  # type: ignore[misc]
    grads = Grads(dW=(arange(1, 2),), db=(arange(1, 1),))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        grads.dW = ()  # type: ignore[misc]


# ----------------------------------------------------------------------------- copies


def test_caller_arrays_are_copied_and_stay_writable() -> None:
    W, b = arange(3, 2), arange(3, 1)
    W_before, b_before = W.copy(), b.copy()
    layer = Layer(W, b, relu)
    assert W.flags.writeable and b.flags.writeable
    assert not np.shares_memory(layer.W, W) and not np.shares_memory(layer.b, b)
    W[0, 0] = 99.0
    b[:] = -1.0
    np.testing.assert_array_equal(layer.W, W_before)
    np.testing.assert_array_equal(layer.b, b_before)


def test_read_only_caller_arrays_are_copied_too() -> None:
    W = arange(2, 2)
    W.flags.writeable = False
    layer = Layer(W, np.zeros((2, 1)), relu)
    assert not np.shares_memory(layer.W, W)


def test_cache_and_grads_copy_caller_arrays() -> None:
    Z0, Z1 = arange(2, 3), arange(1, 3)
    dW, db = arange(1, 2), arange(1, 1)
    cache = Cache(Z=(Z0, Z1), A=(Z0, Z1))
    grads = Grads(dW=(dW,), db=(db,))
    for mine, theirs in ((cache.Z[0], Z0), (cache.A[1], Z1), (grads.dW[0], dW), (grads.db[0], db)):
        assert not np.shares_memory(mine, theirs)
        assert theirs.flags.writeable
    Z0[0, 0] = 42.0
    assert cache.Z[0][0, 0] == pytest.approx(0.1)


def test_views_are_copied_into_the_packed_layout() -> None:
    base = arange(4, 6)
    W = base[::2, ::3].T  # a strided, transposed view of shape (2, 2)
    layer = Layer(W, np.zeros((2, 1)), linear)
    np.testing.assert_array_equal(layer.W, W)
    assert not np.shares_memory(layer.W, base)
    params = Params((layer,))
    # W and b are views of the one parameter array, whose blocks are [W.T; b.T]
    assert np.shares_memory(params.layers[0].W, params.theta)
    assert np.shares_memory(params.layers[0].b, params.theta)
    np.testing.assert_array_equal(params.theta, [[*W[:, 0], *W[:, 1], 0.0, 0.0]])
    assert not np.shares_memory(params.theta, layer.W)


def test_evolve_builds_a_new_checked_layer() -> None:
    layer = Layer(arange(3, 2), arange(3, 1), relu)
    other = attrs.evolve(layer, activation=tanh)
    assert other.activation is tanh and layer.activation is relu
    np.testing.assert_array_equal(other.W, layer.W)
    assert not other.W.flags.writeable
    with pytest.raises(ShapeError, match=r"b: expected shape \(3, 1\)"):
        attrs.evolve(layer, b=np.zeros((2, 1)))


# ----------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("int_dtype", [np.int8, np.int32, np.int64, np.uint8])
def test_integer_arrays_become_float64(int_dtype: type[Any]) -> None:
    W: Matrix[Any] = np.array([[1, 2], [3, 4]], dtype=int_dtype)
    b: Matrix[Any] = np.array([[0], [1]], dtype=int_dtype)
    layer = Layer(W, b, relu)
    assert layer.W.dtype == np.float64 and layer.b.dtype == np.float64
    np.testing.assert_array_equal(layer.W, [[1.0, 2.0], [3.0, 4.0]])
    assert W.dtype == int_dtype  # the caller's array is untouched


def test_integer_and_float32_do_not_mix_silently() -> None:
    W: Matrix[Any] = np.ones((2, 2), dtype=np.int64)
    b: Matrix[Any] = np.zeros((2, 1), dtype=np.float32)
    with pytest.raises(DTypeError, match="b: expected dtype float64 to match W, got float32"):
        Layer(W, b, relu)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtypes_are_kept(dtype: type[Any]) -> None:
    params = two_layers(dtype)
    assert params.dtype == dtype
    for layer in params.layers:
        assert layer.W.dtype == dtype and layer.b.dtype == dtype


@pytest.mark.parametrize(
    ("bad", "what"),
    [
        (np.ones((2, 2), dtype=bool), "bool"),
        (np.ones((2, 2), dtype=np.float16), "float16"),
        (np.ones((2, 2), dtype=np.complex128), "complex128"),
        (np.array([["a", "b"], ["c", "d"]]), "<U1"),
        (np.ones((2, 2), dtype=object), "object"),
    ],
)
def test_non_float_arrays_are_refused(bad: Matrix[Any], what: str) -> None:
    with pytest.raises(
        DTypeError, match=f"W: expected a float32 or float64 array, got dtype {what}"
    ):
        Layer(bad, np.zeros((2, 1)), relu)
    with pytest.raises(
        DTypeError, match=f"b: expected a float32 or float64 array, got dtype {what}"
    ):
        Layer(np.ones((2, 2)), bad[:, :1], relu)


def test_nested_lists_are_accepted_and_other_non_arrays_refused() -> None:
    layer = Layer([[1, 2.0]], [[0.5]], relu)  # type: ignore[arg-type]
    assert layer.W.dtype == np.float64 and layer.W.tolist() == [[1.0, 2.0]]
    assert not layer.W.flags.writeable and not layer.b.flags.writeable
    with pytest.raises(DTypeError, match="b: expected a numpy array, got float"):
        Layer(np.ones((1, 2)), 0.0, relu)  # type: ignore[arg-type]


def test_mixed_dtypes_across_layers_name_the_layer() -> None:
    first = Layer(arange(3, 2, np.float32), arange(3, 1, np.float32), relu)
    second = Layer(arange(1, 3), arange(1, 1), sigmoid)
    with pytest.raises(
        DTypeError,
        match=r"layers\[1\]\.W \(layer 2\): expected dtype float32 like layer 1, got float64",
    ):
        Params((first, second))


def test_mixed_dtypes_within_a_layer() -> None:
    with pytest.raises(DTypeError, match="b: expected dtype float32 to match W, got float64"):
        Layer(arange(3, 2, np.float32), arange(3, 1), relu)


# ----------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    ("b_shape", "got"),
    [((3,), r"\(3,\)"), ((1, 3), r"\(1, 3\)"), ((2, 1), r"\(2, 1\)"), ((3, 2), r"\(3, 2\)")],
)
def test_bias_shape_error_names_expected_and_actual(b_shape: tuple[int, ...], got: str) -> None:
    with pytest.raises(
        ShapeError, match=rf"b: expected shape \(3, 1\) to match W of shape \(3, 2\), got {got}"
    ):
        Layer(np.ones((3, 2)), np.zeros(b_shape), relu)


@pytest.mark.parametrize("W_shape", [(3,), (2, 3, 1), (0, 2), (2, 0)])
def test_weights_must_be_non_empty_matrices(W_shape: tuple[int, ...]) -> None:
    b = np.zeros((W_shape[0] if W_shape else 1, 1))
    with pytest.raises(ShapeError, match=r"W: expected a non-empty 2-D array \(n_l, n_prev\)"):
        Layer(np.ones(W_shape), b, relu)


def test_layers_must_chain() -> None:
    with pytest.raises(ShapeError) as error:
        Params(
            (
                Layer(np.ones((3, 2)), np.zeros((3, 1)), relu),
                Layer(np.ones((4, 3)), np.zeros((4, 1)), relu),
                Layer(np.ones((1, 5)), np.zeros((1, 1)), sigmoid),
            )
        )
    message = str(error.value)
    assert message.startswith("layers[2].W (layer 3): expected 4 columns")
    assert "layer 2's 4 units" in message and "got shape (1, 5)" in message


def test_params_needs_layers() -> None:
    with pytest.raises(ShapeError, match="layers: expected at least one Layer, got none"):
        Params(())
    with pytest.raises(DTypeError, match=r"layers\[1\]: expected a Layer, got ndarray"):
        Params((Layer(np.ones((1, 1)), np.zeros((1, 1)), relu), np.ones((1, 1))))  # type: ignore[arg-type]
    with pytest.raises(DTypeError, match="layers: expected a tuple of Layer, got Layer"):
        Params(Layer(np.ones((1, 1)), np.zeros((1, 1)), relu))  # type: ignore[arg-type]


def test_a_list_of_layers_becomes_a_tuple() -> None:
    layers = [Layer(np.ones((3, 2)), np.zeros((3, 1)), relu)]
    params = Params(layers)  # type: ignore[arg-type]
    assert isinstance(params.layers, tuple)
    layers.append(Layer(np.ones((1, 3)), np.zeros((1, 1)), sigmoid))
    assert len(params.layers) == 1


def test_activation_must_be_an_activation() -> None:
    with pytest.raises(DTypeError, match=r"activation: expected an fnmlp Activation.*got str"):
        Layer(np.ones((1, 1)), np.zeros((1, 1)), "relu")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused(value: float) -> None:
    W = np.ones((2, 3))
    W[1, 2] = value
    with pytest.raises(
        NonFiniteError, match=rf"W: expected finite values, got {value} at index \(1, 2\)"
    ):
        Layer(W, np.zeros((2, 1)), relu)
    b = np.zeros((2, 1))
    b[1, 0] = value
    with pytest.raises(
        NonFiniteError, match=r"b: expected finite values, got .* at index \(1, 0\)"
    ):
        Layer(np.ones((2, 3)), b, relu)


def test_cache_and_grads_check_their_lengths() -> None:
    with pytest.raises(ShapeError, match="Z, A: expected equal lengths L \\+ 1 >= 2, got 2 and 1"):
        Cache(Z=(arange(1, 1), arange(1, 1)), A=(arange(1, 1),))
    with pytest.raises(ShapeError, match="Z, A: expected equal lengths"):
        Cache(Z=(arange(1, 1),), A=(arange(1, 1),))
    with pytest.raises(ShapeError, match="dW, db: expected one array each per layer, got 2 and 1"):
        Grads(dW=(arange(1, 1), arange(1, 1)), db=(arange(1, 1),))
    with pytest.raises(ShapeError, match="got 0 and 0"):
        Grads(dW=(), db=())
    with pytest.raises(DTypeError, match=r"dW\[0\]: expected a numpy array, got str"):
        Grads(dW=("1.0",), db=(arange(1, 1),))  # type: ignore[arg-type]


def test_cache_refuses_a_layer_wider_than_the_inputs() -> None:
    # Z[1] and A[1] agree with each other but hold 3 examples where A[0] holds 2
    with pytest.raises(ShapeError, match=r"Z\[1\], A\[1\]: .* with m = 2 like A\[0\]"):
        Cache(Z=(arange(2, 2), arange(1, 3)), A=(arange(2, 2), arange(1, 3)))


def test_cache_refuses_a_nan_in_the_activations_beside_finite_pre_activations() -> None:
    A1 = arange(1, 2)
    A1[0, 1] = np.nan
    with pytest.raises(NonFiniteError, match=r"A\[1\]"):
        Cache(Z=(arange(2, 2), arange(1, 2)), A=(arange(2, 2), A1))


def test_cache_refuses_activations_of_another_dtype_beside_matching_pre_activations() -> None:
    A1 = arange(1, 2, np.float32)
    with pytest.raises(DTypeError, match=r"Z\[1\], A\[1\]: .* got float64 and float32"):
        Cache(Z=(arange(2, 2), arange(1, 2)), A=(arange(2, 2), A1))


def test_grads_must_chain_from_the_second_layer() -> None:
    # dW[1] of shape (1, 2) cannot follow dW[0] of shape (3, 2): it needs 3 columns
    with pytest.raises(ShapeError, match=r"dW\[1\] \(layer 2\): expected 3 columns to chain"):
        Grads(dW=(arange(3, 2), arange(1, 2)), db=(arange(3, 1), arange(1, 1)))
    Grads(dW=(arange(3, 2), arange(1, 3)), db=(arange(3, 1), arange(1, 1)))


def test_grads_refuse_dtypes_mixed_across_layers() -> None:
    # each layer consistent within itself: layer 2 in float64 after layer 1 in float32
    dW = (arange(3, 2, np.float32), arange(1, 3))
    db = (arange(3, 1, np.float32), arange(1, 1))
    with pytest.raises(DTypeError, match=r"dW\[1\]"):
        Grads(dW=dW, db=db)


# ----------------------------------------------------------------------------- properties


@pytest.mark.parametrize(
    "dims", [[1, 1], [2, 3, 1], [4, 8, 8, 2], [3, 1, 1, 1, 5]], ids=lambda d: str(d)
)
def test_dims_agree_with_layer_shapes(dims: list[int]) -> None:
    params = init(dims, seed=0)
    assert params.dims == tuple(dims)
    assert len(params.layers) == len(dims) - 1
    for l, layer in enumerate(params.layers, start=1):
        assert layer.W.shape == (dims[l], dims[l - 1])
        assert layer.b.shape == (dims[l], 1)


def test_repr_names_sizes_activations_and_dtype() -> None:
    params = Params(
        (
            Layer(np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32), tanh),
            Layer(np.ones((3, 4), np.float32), np.zeros((3, 1), np.float32), softmax),
        )
    )
    assert repr(params) == "Params([2, 4, 3], tanh -> softmax, float32)"
    assert repr(params.layers[0]) == "Layer(W(4, 2), b(4, 1), tanh, float32)"


def test_records_compare_by_identity() -> None:
    # eq=False: array fields make value equality ambiguous, so records compare as objects.
    a, b = init([2, 1], seed=0), init([2, 1], seed=0)
    assert a != b and a == a
    assert len({a, b}) == 2
