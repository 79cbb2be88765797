"""Tests of fnmlp.datasets: layout, determinism, immutability, dtypes, errors, scaling."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fnmlp.aliases import Inputs, Targets
from fnmlp.datasets import (
    Dataset,
    Standardiser,
    circles,
    height_weight,
    logic_gate,
    moons,
    spirals,
    split,
    standardise,
)
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError

Generate = Callable[..., Dataset[Any]]
GENERATORS: dict[str, Generate] = {"circles": circles, "moons": moons, "spirals": spirals}
BINARY: dict[str, Generate] = {"circles": circles, "moons": moons}
generators = pytest.mark.parametrize("generate", GENERATORS.values(), ids=GENERATORS.keys())
ms = st.integers(min_value=1, max_value=400)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def assert_read_only(*arrays: np.ndarray[Any, Any]) -> None:
    for array in arrays:
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[(0,) * array.ndim] = 1


def assert_identical(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> None:
    assert a.dtype == b.dtype
    assert a.shape == b.shape
    assert a.tobytes() == b.tobytes()


# -- fixed tables ----------------------------------------------------------------------

GATES: dict[str, Callable[[int, int], int]] = {
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
    "nand": lambda a, b: 1 - (a & b),
    "nor": lambda a, b: 1 - (a | b),
}


@pytest.mark.parametrize("name", GATES)
def test_two_input_gates_list_columns_00_01_10_11(name: str) -> None:
    X, Y = logic_gate(name)
    assert X.shape == (2, 4)
    assert Y.shape == (1, 4)
    assert X.tolist() == [[0, 0, 1, 1], [0, 1, 0, 1]]
    assert Y.tolist() == [[GATES[name](a, b) for a, b in [(0, 0), (0, 1), (1, 0), (1, 1)]]]
    assert X.dtype == Y.dtype == np.float64
    assert_read_only(X, Y)


def test_not_gate() -> None:
    X, Y = logic_gate("not")
    assert X.tolist() == [[0, 1]]
    assert Y.tolist() == [[1, 0]]


def test_logic_gate_returns_fresh_arrays() -> None:
    X1, _ = logic_gate("xor")
    X2, _ = logic_gate("xor")
    assert not np.shares_memory(X1, X2)


def test_unknown_gate_names_the_valid_ones() -> None:
    with pytest.raises(HyperparameterError, match=r"^name: expected one of .*xor.*, got 'xnor'$"):
        logic_gate("xnor")
    with pytest.raises(HyperparameterError, match="name: expected one of and, nand, nor, not"):
        logic_gate(["and"])  # type: ignore[call-overload]


def test_height_weight_is_the_notebook_table() -> None:
    X, Y = height_weight()
    assert X.tolist() == [
        [150, 254, 312, 120, 154, 212, 216, 145, 184, 130],
        [70, 73, 68, 60, 61, 65, 67, 67, 64, 69],
    ]
    assert Y.tolist() == [[0, 1, 1, 0, 0, 1, 1, 0, 1, 0]]
    assert X.dtype == Y.dtype == np.float64
    assert_read_only(X, Y)


def test_tables_honour_float32() -> None:
    X: Inputs[np.float32]
    Y: Targets[np.float32]
    X, Y = height_weight(dtype=np.float32)
    assert X.dtype == Y.dtype == np.float32
    X, Y = logic_gate("and", dtype=np.float32)
    assert X.dtype == Y.dtype == np.float32


# -- random generators: laws -----------------------------------------------------------


@generators
@given(m=ms, seed=seeds)
def test_layout_one_column_per_example(generate: Generate, m: int, seed: int) -> None:
    X, Y = generate(m, seed=seed)
    n_y = 3 if generate is spirals else 1
    assert X.shape == (2, m)
    assert Y.shape == (n_y, m)
    assert X.dtype == Y.dtype == np.float64
    assert np.isfinite(X).all()
    assert_read_only(X, Y)


@pytest.mark.parametrize("generate", BINARY.values(), ids=BINARY.keys())
@given(m=ms, seed=seeds)
def test_binary_labels_are_balanced(generate: Generate, m: int, seed: int) -> None:
    _, Y = generate(m, seed=seed)
    assert set(np.unique(Y)) <= {0.0, 1.0}
    assert Y.sum() == m - m // 2


@given(m=ms, classes=st.integers(min_value=2, max_value=6), seed=seeds)
def test_spiral_labels_are_one_hot_and_balanced(m: int, classes: int, seed: int) -> None:
    X, Y = spirals(m, classes=classes, seed=seed)
    assert X.shape == (2, m)
    assert Y.shape == (classes, m)
    assert set(np.unique(Y)) <= {0.0, 1.0}
    assert (Y.sum(axis=0) == 1).all()
    counts = Y.sum(axis=1)
    assert counts.max() - counts.min() <= 1


@generators
@given(m=ms, seed=seeds)
def test_same_seed_gives_identical_arrays(generate: Generate, m: int, seed: int) -> None:
    X1, Y1 = generate(m, seed=seed)
    X2, Y2 = generate(m, seed=np.random.default_rng(seed))
    assert_identical(X1, X2)
    assert_identical(Y1, Y2)
    assert not np.shares_memory(X1, X2)


@generators
def test_different_seeds_differ(generate: Generate) -> None:
    X1, Y1 = generate(seed=0)
    X2, Y2 = generate(seed=1)
    assert not np.array_equal(X1, X2)
    assert not np.array_equal(Y1, Y2)  # shuffled differently


@generators
def test_a_generator_seed_is_advanced(generate: Generate) -> None:
    rng = np.random.default_rng(7)
    X1, _ = generate(seed=rng)
    X2, _ = generate(seed=rng)
    assert not np.array_equal(X1, X2)


@generators
def test_global_random_state_is_untouched(generate: Generate) -> None:
    before = np.random.get_state(legacy=False)["state"]
    generate(seed=3)
    after = np.random.get_state(legacy=False)["state"]
    assert before["pos"] == after["pos"]
    assert_identical(before["key"], after["key"])


@generators
def test_examples_are_shuffled(generate: Generate) -> None:
    _, Y = generate(seed=0)
    labels = Y.argmax(axis=0) if generate is spirals else Y[0]
    assert (np.diff(labels) < 0).any()


@generators
def test_float32_is_honoured(generate: Generate) -> None:
    X64, Y64 = generate(50, seed=2)
    X32, Y32 = generate(50, seed=2, dtype=np.float32)
    assert X32.dtype == Y32.dtype == np.float32
    assert_identical(X32, X64.astype(np.float32))
    assert_identical(Y32, Y64.astype(np.float32))


def test_overloads_type_the_dtype() -> None:
    X64: Inputs[np.float64] = moons()[0]
    X32: Inputs[np.float32] = moons(dtype=np.float32)[0]
    Y32: Targets[np.float32] = spirals(dtype=np.float32)[1]
    Y_circles: Targets[np.float32] = circles(dtype=np.float32)[1]
    assert X64.dtype == np.dtype(np.float64)
    assert X32.dtype == Y32.dtype == Y_circles.dtype == np.dtype(np.float32)


# -- random generators: geometry -------------------------------------------------------


@given(m=ms, factor=st.floats(min_value=0, max_value=0.99), seed=seeds)
def test_noiseless_circles_have_radius_1_and_factor(m: int, factor: float, seed: int) -> None:
    X, Y = circles(m, noise=0.0, factor=factor, seed=seed)
    radii = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radii, np.where(Y[0] == 0, 1.0, factor), atol=1e-12)


@given(m=ms, seed=seeds)
def test_noiseless_spirals_follow_their_arm(m: int, seed: int) -> None:
    X, Y = spirals(m, classes=3, noise=0.0, seed=seed)
    radii = np.hypot(X[0], X[1])
    angles = 4 * (Y.argmax(axis=0) + radii)
    assert ((radii >= 0) & (radii <= 1 + 1e-12)).all()
    np.testing.assert_allclose(X, radii * np.stack([np.sin(angles), np.cos(angles)]), atol=1e-12)


def sorted_columns(X: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    rounded = X.round(10) + 0.0  # +0.0 turns -0.0 into 0.0
    return rounded[:, np.lexsort(rounded[::-1])]


@pytest.mark.parametrize("m", [1, 2, 7, 100])
@pytest.mark.parametrize("name", ["circles", "moons"])
def test_noiseless_points_match_sklearn(name: str, m: int) -> None:
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    options = {"factor": 0.5} if name == "circles" else {}  # sklearn's default factor is 0.8
    X_sk, y_sk = getattr(sklearn_datasets, f"make_{name}")(m, shuffle=False, **options)
    X, Y = BINARY[name](m, noise=0.0)
    for label in (0, 1):
        ours = sorted_columns(X[:, Y[0] == label])
        theirs = sorted_columns(X_sk[y_sk == label].T)
        np.testing.assert_allclose(ours, theirs, atol=1e-9)


# -- random generators: bad arguments --------------------------------------------------


@generators
@pytest.mark.parametrize("m", [0, -3, True, 2.5, "10", None])
def test_bad_m_is_named(generate: Generate, m: object) -> None:
    with pytest.raises(HyperparameterError, match=rf"^m: expected a positive int, got {m!r}$"):
        generate(m)


def test_m_error_message_reads_well() -> None:
    with pytest.raises(HyperparameterError) as info:
        moons(0)
    assert str(info.value) == "m: expected a positive int, got 0"


@generators
@pytest.mark.parametrize("noise", [-0.1, math.nan, math.inf, True, "0.1"])
def test_bad_noise_is_named(generate: Generate, noise: object) -> None:
    with pytest.raises(HyperparameterError, match=r"^noise: expected a finite number >= 0, got"):
        generate(noise=noise)


@generators
@pytest.mark.parametrize("seed", [-1, True, 1.5, "0", None])
def test_bad_seed_is_named(generate: Generate, seed: object) -> None:
    with pytest.raises(HyperparameterError, match=r"^seed: expected a non-negative int"):
        generate(seed=seed)


@generators
@pytest.mark.parametrize("dtype", [np.float16, np.int64, float, "float32", None])
def test_bad_dtype_is_named(generate: Generate, dtype: object) -> None:
    with pytest.raises(DTypeError, match=r"^dtype: expected numpy.float32 or numpy.float64, got"):
        generate(dtype=dtype)


def test_bad_dtype_in_tables_is_named() -> None:
    with pytest.raises(DTypeError, match="dtype"):
        logic_gate("and", dtype=np.int32)  # type: ignore[arg-type]
    with pytest.raises(DTypeError, match="dtype"):
        height_weight(dtype=float)  # type: ignore[arg-type]


@pytest.mark.parametrize("factor", [1.0, -0.1, 2, math.nan])
def test_bad_circle_factor_is_named(factor: float) -> None:
    with pytest.raises(HyperparameterError, match=r"^factor: expected a number in \[0, 1\), got"):
        circles(factor=factor)


@pytest.mark.parametrize("classes", [1, 0, 2.0, True])
def test_bad_spiral_classes_are_named(classes: object) -> None:
    with pytest.raises(HyperparameterError, match=r"^classes: expected an int >= 2, got"):
        spirals(classes=classes)  # type: ignore[call-overload]


# -- split -----------------------------------------------------------------------------


def numbered(m: int) -> tuple[Inputs[np.float64], Targets[np.float64]]:
    """Inputs whose columns are 0..m-1 twice over, and targets that remember them."""
    X: Inputs[np.float64] = np.stack([np.arange(m), -np.arange(m)]).astype(np.float64)
    Y: Targets[np.float64] = (np.arange(m) % 3).reshape(1, m).astype(np.float64)
    return X, Y


@given(
    m=st.integers(min_value=2, max_value=300),
    test_fraction=st.floats(min_value=0.001, max_value=0.999),
    seed=seeds,
)
def test_split_partitions_the_columns(m: int, test_fraction: float, seed: int) -> None:
    X, Y = numbered(m)
    X_train, Y_train, X_test, Y_test = split(X, Y, test_fraction=test_fraction, seed=seed)
    m_test = X_test.shape[1]
    assert 1 <= m_test <= m - 1
    assert abs(m_test - test_fraction * m) <= max(1.0, 0.5 + 1e-9)
    assert X_train.shape == (2, m - m_test)
    assert Y_train.shape == (1, m - m_test)
    assert Y_test.shape == (1, m_test)
    ids = np.concatenate([X_train[0], X_test[0]])
    assert sorted(ids.tolist()) == list(range(m))
    for X_part, Y_part in [(X_train, Y_train), (X_test, Y_test)]:
        assert (X_part[1] == -X_part[0]).all()  # columns stay whole
        assert (Y_part[0] == X_part[0] % 3).all()  # and stay paired with their targets
    assert_read_only(X_train, Y_train, X_test, Y_test)


def test_split_default_fraction_and_determinism() -> None:
    X, Y = numbered(10)
    first = split(X, Y, seed=4)
    second = split(X, Y, seed=np.random.default_rng(4))
    assert [part.shape[1] for part in first] == [8, 8, 2, 2]
    for a, b in zip(first, second, strict=True):
        assert_identical(a, b)
    assert not np.array_equal(first[2], split(X, Y, seed=5)[2])


def test_split_shuffles_and_leaves_its_inputs_alone() -> None:
    X, Y = numbered(50)
    X_before = X.copy()
    X_train, _, _, _ = split(X, Y)
    assert (np.diff(X_train[0]) < 0).any()
    assert X.flags.writeable
    assert_identical(X, X_before)
    assert not np.shares_memory(X, X_train)


def test_split_keeps_float32() -> None:
    X, Y = moons(20, dtype=np.float32)
    X_train, Y_train, X_test, Y_test = split(X, Y)
    assert {part.dtype for part in (X_train, Y_train, X_test, Y_test)} == {np.dtype(np.float32)}


@pytest.mark.parametrize("test_fraction", [0, 1, 1.5, -0.2, math.nan, True])
def test_split_bad_fraction_is_named(test_fraction: float) -> None:
    X, Y = numbered(10)
    with pytest.raises(HyperparameterError, match=r"^test_fraction: expected a number in \(0, 1\)"):
        split(X, Y, test_fraction=test_fraction)


def test_split_bad_arrays_are_named() -> None:
    X, Y = numbered(10)
    with pytest.raises(ShapeError, match=r"^Y: expected 10 columns like X \(2, 10\), got shape"):
        split(X, Y[:, :9])
    with pytest.raises(ShapeError, match=r"^X: expected at least 2 examples"):
        split(X[:, :1], Y[:, :1])
    with pytest.raises(ShapeError, match=r"^X: expected a non-empty 2-D array \(n, m\), got"):
        split(X[0], Y)
    with pytest.raises(ShapeError, match=r"^Y: .* got shape \(0, 10\)"):
        split(X, Y[:0])
    with pytest.raises(NonFiniteError, match=r"^X: expected finite values, got 1 NaN or inf"):
        split(np.where(X == 3, np.nan, X), Y)
    with pytest.raises(DTypeError, match=r"^Y: expected a real numeric array, got dtype <U1"):
        split(X, np.full((1, 10), "a"))
    with pytest.raises(
        DTypeError, match=r"^X: expected a numpy array or nested lists of numbers, got str"
    ):
        split("0123456789", Y)
    with pytest.raises(ShapeError, match=r"^X: .* got list with rows of different lengths"):
        split([[0, 1, 2], [3]], Y)
    with pytest.raises(DTypeError, match=r"^Y: expected nested lists of real numbers, got a list"):
        split(X, [["a"] * 10])


def test_split_accepts_nested_lists_like_arrays() -> None:
    X, Y = numbered(10)
    from_lists = split(X.tolist(), Y.tolist(), seed=3)
    from_arrays = split(X, Y, seed=3)
    for got, expected in zip(from_lists, from_arrays):
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == expected.dtype and not got.flags.writeable
    # ints stay ints, as an int array would
    X_train, _, X_test, _ = split([[1, 2, 3, 4]], [[0, 1, 0, 1]], seed=0)
    assert X_train.dtype == X_test.dtype == np.int64
    assert sorted(X_train[0].tolist() + X_test[0].tolist()) == [1, 2, 3, 4]


# -- standardise -----------------------------------------------------------------------

int_matrices = hnp.arrays(
    np.int64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=30),
    elements=st.integers(min_value=-1000, max_value=1000),
)


@given(int_matrices)
def test_standardised_rows_have_zero_mean_and_unit_std(X_int: np.ndarray[Any, Any]) -> None:
    X: Inputs[np.float64] = X_int.astype(np.float64)
    scaler = standardise(X)
    Z = scaler.apply(X)
    assert Z.shape == X.shape
    assert scaler.mean.shape == scaler.scale.shape == (X.shape[0], 1)
    np.testing.assert_allclose(Z.mean(axis=1), 0.0, atol=1e-9)
    constant = (X[:, :1] == X).all(axis=1)
    np.testing.assert_allclose(Z.std(axis=1), np.where(constant, 0.0, 1.0), atol=1e-9)
    assert (Z[constant] == 0).all()
    assert_read_only(Z, scaler.mean, scaler.scale)


def test_integer_inputs_give_float64_statistics() -> None:
    scaler = standardise(np.array([[1, 2, 3]]))
    assert scaler.mean.dtype == np.float64
    Z = scaler.apply(np.array([[2, 4]]))
    np.testing.assert_allclose(Z, [[0.0, 2 / math.sqrt(2 / 3)]])


def test_test_data_gets_the_training_statistics() -> None:
    X, Y = height_weight()
    X_train, _, X_test, _ = split(X, Y, test_fraction=0.3, seed=1)
    scaler = standardise(X_train)
    mean = X_train.mean(axis=1, keepdims=True)
    std = X_train.std(axis=1, keepdims=True)
    np.testing.assert_allclose(scaler.apply(X_test), (X_test - mean) / std)
    np.testing.assert_allclose(scaler.mean, mean)
    np.testing.assert_allclose(scaler.scale, std)


@pytest.mark.parametrize("value", [0.0, 5.0, 0.1, -1e-300, 1e300])
def test_constant_features_are_safe(value: float) -> None:
    X: Inputs[np.float64] = np.array([[1.0, 2.0, 4.0, 8.0], [value] * 4])
    scaler = standardise(X)  # -W error: no division or overflow warning either
    assert scaler.scale[1, 0] == 1.0
    Z = scaler.apply(X)
    assert np.isfinite(Z).all()
    assert (Z[1] == 0.0).all()
    Z_new = scaler.apply(np.array([[0.0], [value + 1.0]]))
    np.testing.assert_allclose(Z_new, [[-3.75 / X[0].std()], [(value + 1.0) - value]])


def test_a_single_example_is_safe() -> None:
    scaler = standardise(np.array([[3.0], [-2.0]]))
    assert scaler.apply(np.array([[3.0], [-2.0]])).tolist() == [[0.0], [0.0]]
    assert scaler.scale.tolist() == [[1.0], [1.0]]


def test_standardise_keeps_float32_and_leaves_its_input_alone() -> None:
    X, _ = moons(30, dtype=np.float32)
    X_before = X.copy()
    scaler = standardise(X)
    assert scaler.mean.dtype == scaler.scale.dtype == np.float32
    Z: Inputs[np.float32] = scaler.apply(X)
    assert Z.dtype == np.float32
    assert_identical(X, X_before)


def test_standardiser_is_frozen_and_copies_its_arrays() -> None:
    mean = np.array([[1.0], [2.0]])
    scaler = Standardiser(mean=mean, scale=np.ones((2, 1)))
    mean[0, 0] = 100.0
    assert scaler.mean[0, 0] == 1.0
    assert mean.flags.writeable
    assert_read_only(scaler.mean, scaler.scale)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        scaler.mean = mean  # type: ignore[misc]
    evolved = attrs.evolve(scaler, scale=np.full((2, 1), 2.0))
    assert evolved.apply(np.array([[3.0], [4.0]])).tolist() == [[1.0], [1.0]]


def test_standardiser_validates_its_fields() -> None:
    ones = np.ones((2, 1))
    with pytest.raises(ShapeError, match=r"^mean: expected shape \(n_x, 1\), got \(2,\)"):
        Standardiser(mean=np.ones(2), scale=np.ones(2))  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=r"^scale: expected shape \(2, 1\) like mean, got"):
        Standardiser(mean=ones, scale=np.ones((3, 1)))
    with pytest.raises(HyperparameterError, match=r"^scale: expected finite positive values"):
        Standardiser(mean=ones, scale=-ones)
    with pytest.raises(NonFiniteError, match=r"^mean: expected finite values"):
        Standardiser(mean=np.full((2, 1), np.nan), scale=ones)
    with pytest.raises(DTypeError, match=r"^mean: expected dtype float32 or float64, got int64"):
        Standardiser(mean=np.ones((2, 1), dtype=np.int64), scale=ones)  # type: ignore[type-var]
    with pytest.raises(DTypeError, match=r"^scale: expected dtype float64 like mean, got float32"):
        Standardiser(mean=ones, scale=ones.astype(np.float32))  # type: ignore[type-var]


def test_standardise_bad_inputs_are_named() -> None:
    scaler = standardise(np.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"^X: expected 2 rows \(n_x, m\), got shape \(3, 4\)"):
        scaler.apply(np.ones((3, 4)))
    with pytest.raises(NonFiniteError, match=r"^X: expected finite values, got 2 NaN or inf"):
        standardise(np.array([[np.inf, 1.0], [np.nan, 2.0]]))
    with pytest.raises(ShapeError, match=r"^X: expected a non-empty 2-D array"):
        standardise(np.ones((2, 0)))
    with pytest.raises(DTypeError, match=r"^X: expected a real numeric array, got dtype complex"):
        standardise(np.ones((2, 2), dtype=complex))
    with pytest.raises(DTypeError, match=r"^X: expected nested lists of real numbers"):
        standardise([[1.0, None], [2.0, 3.0]])  # type: ignore[arg-type]
    with pytest.raises(DTypeError, match=r"^X: expected a numpy array or nested lists"):
        scaler.apply({"x": [1.0]})  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=r"^X: .* rows of different lengths"):
        scaler.apply([[1.0, 2.0], [3.0]])


def test_standardise_and_apply_accept_nested_lists() -> None:
    rows = [[1, 2, 3], [5, 5, 5]]
    scaler = standardise(rows)
    reference = standardise(np.array(rows, dtype=np.float64))
    np.testing.assert_array_equal(scaler.mean, reference.mean)
    np.testing.assert_array_equal(scaler.scale, reference.scale)
    assert scaler.mean.dtype == np.float64
    np.testing.assert_array_equal(scaler.apply(rows), reference.apply(np.array(rows)))
    np.testing.assert_array_equal(
        scaler.apply(([0.0, 4.0], [5.0, 5.0])), reference.apply(np.array([[0.0, 4.0], [5.0, 5.0]]))
    )


# -- Standardiser.inverse ----------------------------------------------------------------


@given(int_matrices)
def test_inverse_undoes_apply(X_int: np.ndarray[Any, Any]) -> None:
    X: Inputs[np.float64] = X_int.astype(np.float64)
    scaler = standardise(X)
    back = scaler.inverse(scaler.apply(X))
    assert back.shape == X.shape and back.dtype == np.float64
    np.testing.assert_allclose(back, X, rtol=1e-12, atol=1e-9)
    assert_read_only(back)
    # and the other way round: apply undoes inverse
    Z = np.linspace(-3.0, 3.0, X.size).reshape(X.shape)
    np.testing.assert_allclose(scaler.apply(scaler.inverse(Z)), Z, rtol=1e-9, atol=1e-9)


def test_inverse_is_the_affine_map_back() -> None:
    scaler = Standardiser(mean=np.array([[1.0], [-2.0]]), scale=np.array([[2.0], [0.5]]))
    Z = np.array([[0.0, 1.0, -1.5], [2.0, 0.0, 4.0]])
    Z_before = Z.copy()
    assert scaler.inverse(Z).tolist() == [[1.0, 3.0, -2.0], [-1.0, -2.0, 0.0]]
    assert scaler.inverse(Z.tolist()).tolist() == [[1.0, 3.0, -2.0], [-1.0, -2.0, 0.0]]
    assert_identical(Z, Z_before)


def test_inverse_keeps_float32() -> None:
    X, _ = moons(30, dtype=np.float32)
    scaler = standardise(X)
    back: Inputs[np.float32] = scaler.inverse(scaler.apply(X))
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, X, rtol=1e-5, atol=1e-5)
    assert scaler.inverse(np.zeros((2, 1))).dtype == np.float32  # float64 input, float32 out


def test_inverse_of_regression_targets_reads_a_prediction_in_their_units() -> None:
    Y: Targets[np.float64] = np.array([[150.0, 254.0, 312.0, 120.0]])  # one target row
    scaler = standardise(Y)
    Z = scaler.apply(Y)  # what a linear-output network would be trained on
    np.testing.assert_allclose(scaler.inverse(Z), Y)
    np.testing.assert_allclose(scaler.inverse([[0.0]]), [[Y.mean()]])


def test_inverse_bad_inputs_are_named() -> None:
    scaler = standardise(np.ones((2, 3)) * [[1.0], [2.0]] + [[0.0, 1.0, 2.0]])
    with pytest.raises(ShapeError, match=r"^X: expected 2 rows \(n, m\), got shape \(1, 4\)$"):
        scaler.inverse(np.ones((1, 4)))
    with pytest.raises(ShapeError, match=r"^X: expected a non-empty 2-D array"):
        scaler.inverse(np.ones(2))
    with pytest.raises(NonFiniteError, match=r"^X: expected finite values, got 1 NaN or inf"):
        scaler.inverse(np.array([[np.nan], [1.0]]))
    with pytest.raises(DTypeError, match=r"^X: expected a real numeric array, got dtype complex"):
        scaler.inverse(np.ones((2, 2), dtype=complex))


def test_inverse_that_overflows_is_an_fnmlp_error_without_warnings() -> None:
    scaler = Standardiser(
        mean=np.zeros((1, 1), np.float32), scale=np.full((1, 1), 1e30, np.float32)
    )
    with pytest.raises(
        NonFiniteError,
        match=r"^X: expected values whose original form is finite in float32, got values up to "
        r"1e\+10 for a scale as large as 1e\+30$",
    ):
        scaler.inverse(np.array([[1e10]]))  # filterwarnings=error: no overflow warning first
