"""Tests of fnmlp.initialisers: each scheme's draws, seeds, dtypes and errors."""

from __future__ import annotations

import itertools
import re
import warnings
from typing import Any

import numpy as np
import pytest

from fnmlp import (
    SCHEMES,
    Params,
    init,
    initialisers,
    leaky_relu,
    linear,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from fnmlp.aliases import Matrix
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError, ShapeError
from fnmlp.initialisers import Scheme

DIMS = [3, 5, 4, 2]


def expected_draws(
    dims: list[int], scheme: Scheme, draw: Any, sigma: float = 1.0
) -> list[tuple[Matrix[np.float64], Matrix[np.float64]]]:
    """The documented draws: layer by layer, ``W`` before ``b``, from ``N(0, 1)``."""
    layers = []
    for n_prev, n in itertools.pairwise(dims):
        W = draw((n, n_prev))
        b = np.zeros((n, 1))
        if scheme == "random":
            W = W * 0.01
        elif scheme == "xavier":
            W = W * np.sqrt(1 / n_prev)
        elif scheme == "he":
            W = W * np.sqrt(2 / n_prev)
        else:
            b = draw((n, 1))
            scale = sigma if scheme == "normal" else 1.0
            W, b = W * scale, b * scale
        layers.append((W, b))
    return layers


def sigma_for(scheme: Scheme) -> float | None:
    return 0.5 if scheme == "normal" else None


schemes = pytest.mark.parametrize("scheme", SCHEMES)


@schemes
def test_schemes_draw_from_a_generator_as_documented(scheme: Scheme) -> None:
    params = init(DIMS, scheme=scheme, sigma=sigma_for(scheme), seed=7)
    rng = np.random.default_rng(7)
    expected = expected_draws(DIMS, scheme, rng.standard_normal, sigma_for(scheme) or 1.0)
    for layer, (W, b) in zip(params.layers, expected):
        np.testing.assert_allclose(layer.W, W, rtol=1e-15, atol=0)
        np.testing.assert_allclose(layer.b, b, rtol=1e-15, atol=0)


@schemes
def test_a_random_state_replays_legacy_draws(scheme: Scheme) -> None:
    # np.random.seed(1); np.random.randn(...) as the notebooks do, without global state.
    params = init(DIMS, scheme=scheme, sigma=sigma_for(scheme), seed=np.random.RandomState(1))
    legacy = np.random.RandomState(1)
    expected = expected_draws(
        DIMS, scheme, lambda shape: legacy.randn(*shape), sigma_for(scheme) or 1.0
    )
    for layer, (W, b) in zip(params.layers, expected):
        np.testing.assert_allclose(layer.W, W, rtol=1e-15, atol=0)
        np.testing.assert_allclose(layer.b, b, rtol=1e-15, atol=0)


def test_notebook_000_initial_weights() -> None:
    rs = np.random.RandomState(1)
    W1, W2 = rs.randn(3, 1) * 0.01, rs.randn(1, 3) * 0.01
    params = init([1, 3, 1], scheme="random", seed=np.random.RandomState(1))
    np.testing.assert_array_equal(params.layers[0].W, W1)
    np.testing.assert_array_equal(params.layers[1].W, W2)
    assert not params.layers[0].b.any() and not params.layers[1].b.any()


@pytest.mark.parametrize(
    ("scheme", "sigma", "weight_std", "bias_std"),
    [
        ("random", None, 0.01, 0.0),
        ("standard", None, 1.0, 1.0),
        ("normal", 0.3, 0.3, 0.3),
        ("xavier", None, np.sqrt(1 / 400), 0.0),
        ("he", None, np.sqrt(2 / 400), 0.0),
    ],
)
def test_scale_statistics(
    scheme: Scheme, sigma: float | None, weight_std: float, bias_std: float
) -> None:
    # 120000 weights: the sample std is within 1% of the true one with
    # overwhelming probability (its standard error is 0.2%); 300 biases: 15%.
    layer = init([400, 300], scheme=scheme, sigma=sigma, seed=123).layers[0]
    assert layer.W.std() == pytest.approx(weight_std, rel=0.01)
    assert abs(layer.W.mean()) < 5 * weight_std / np.sqrt(layer.W.size)
    if bias_std:
        assert layer.b.std() == pytest.approx(bias_std, rel=0.15)
    else:
        assert not layer.b.any()


def test_scale_depends_on_the_previous_layer() -> None:
    params = init([1000, 500, 50], scheme="he", seed=0)
    assert params.layers[0].W.std() == pytest.approx(np.sqrt(2 / 1000), rel=0.02)
    assert params.layers[1].W.std() == pytest.approx(np.sqrt(2 / 500), rel=0.05)


# ----------------------------------------------------------------------------- seeds


@schemes
def test_same_seed_same_bits(scheme: Scheme) -> None:
    for dtype in (np.float32, np.float64):
        a: Params[Any] = init(DIMS, scheme=scheme, sigma=sigma_for(scheme), seed=42, dtype=dtype)
        b: Params[Any] = init(DIMS, scheme=scheme, sigma=sigma_for(scheme), seed=42, dtype=dtype)
        for la, lb in zip(a.layers, b.layers):
            assert la.W.tobytes() == lb.W.tobytes() and la.b.tobytes() == lb.b.tobytes()


def test_different_seeds_differ() -> None:
    a, b = init(DIMS, seed=1), init(DIMS, seed=2)
    assert not np.array_equal(a.layers[0].W, b.layers[0].W)


def test_int_and_generator_seeds_agree() -> None:
    a = init(DIMS, seed=3)
    b = init(DIMS, seed=np.random.default_rng(3))
    numpy_int: Any = np.int64(3)
    c = init(DIMS, seed=numpy_int)
    for la, lb, lc in zip(a.layers, b.layers, c.layers):
        np.testing.assert_array_equal(la.W, lb.W)
        np.testing.assert_array_equal(la.W, lc.W)


def test_a_generator_is_advanced_by_the_draws() -> None:
    rng = np.random.default_rng(0)
    first, second = init(DIMS, seed=rng), init(DIMS, seed=rng)
    assert not np.array_equal(first.layers[0].W, second.layers[0].W)
    # exactly the documented number of draws was taken, twice
    replay = np.random.default_rng(0)
    for _ in range(2):
        for n_prev, n in itertools.pairwise(DIMS):
            replay.standard_normal((n, n_prev))
    assert replay.standard_normal() == rng.standard_normal()


def test_no_seed_means_fresh_entropy() -> None:
    assert not np.array_equal(init(DIMS).layers[0].W, init(DIMS).layers[0].W)


def test_init_leaves_the_global_random_state_alone() -> None:
    before = np.random.get_state()
    init(DIMS, seed=0)
    init(DIMS, seed=np.random.RandomState(0))
    init(DIMS)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1])  # type: ignore[index]


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, [1, 2]])
def test_bad_seeds(seed: Any) -> None:
    with pytest.raises(
        DTypeError, match=r"seed: expected a non-negative int, a numpy\.random\.Generator"
    ):
        init([2, 1], seed=seed)


# ----------------------------------------------------------------------------- dtypes


@schemes
def test_float32_is_the_float64_draws_rounded(scheme: Scheme) -> None:
    wide = init(DIMS, scheme=scheme, sigma=sigma_for(scheme), seed=5)
    narrow = init(DIMS, scheme=scheme, sigma=sigma_for(scheme), seed=5, dtype=np.float32)
    assert narrow.dtype == np.float32
    for lw, ln in zip(wide.layers, narrow.layers):
        assert ln.W.dtype == np.float32 and ln.b.dtype == np.float32
        np.testing.assert_array_equal(ln.W, lw.W.astype(np.float32))
        np.testing.assert_array_equal(ln.b, lw.b.astype(np.float32))


@pytest.mark.parametrize("dtype", [np.float32, "float32", np.dtype(np.float32)])
def test_dtype_spellings(dtype: Any) -> None:
    assert init([2, 1], dtype=dtype).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float16, np.int32, int, "f2", None, "banana"])
def test_bad_dtypes(dtype: Any) -> None:
    with pytest.raises(DTypeError, match=r"dtype: expected numpy\.float32 or numpy\.float64, got"):
        init([2, 1], dtype=dtype)


# ----------------------------------------------------------------------------- architecture


def test_default_activations_and_shorthand() -> None:
    assert (
        repr(init([2, 3, 3, 1], seed=0)) == "Params([2, 3, 3, 1], relu -> relu -> sigmoid, float64)"
    )
    params = init([2, 3, 3, 4], hidden=tanh, output=softmax, seed=0)
    assert [layer.activation for layer in params.layers] == [tanh, tanh, softmax]
    assert init([2, 1], output=linear, seed=0).layers[0].activation is linear


def test_per_layer_activations() -> None:
    chosen = [leaky_relu, tanh, sigmoid]
    params = init([2, 3, 3, 1], activations=chosen, hidden=relu, output=linear, seed=0)
    assert [layer.activation for layer in params.layers] == chosen
    assert chosen == [leaky_relu, tanh, sigmoid]  # the caller's list is untouched


@pytest.mark.parametrize("dims", [[1, 1], (2, 3, 1), [4, 16, 16, 16, 3]], ids=str)
def test_shapes(dims: list[int]) -> None:
    params = init(dims, seed=0)
    assert params.dims == tuple(dims)
    for l, layer in enumerate(params.layers, start=1):
        assert layer.W.shape == (dims[l], dims[l - 1]) and layer.b.shape == (dims[l], 1)
        assert not layer.W.flags.writeable and not layer.b.flags.writeable


def test_dims_errors() -> None:
    with pytest.raises(
        ShapeError, match=r"dims: expected at least two sizes \[n_x, \.\.\., n_L\], got \[2\]"
    ):
        init([2])
    with pytest.raises(ShapeError, match=r"dims\[1\]: expected a positive int, got 0"):
        init([2, 0, 1])
    with pytest.raises(ShapeError, match=r"dims\[2\]: expected a positive int, got -1"):
        init([2, 3, -1])
    with pytest.raises(ShapeError, match=r"dims\[1\]: expected a positive int, got float 1\.5"):
        init([2, 1.5])  # type: ignore[list-item]
    with pytest.raises(ShapeError, match=r"dims: expected a sequence of layer sizes, got str"):
        init("21")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "dims",
    [[10**6, 10**6], [2, 10**3, 10**9, 1], [10**10, 10**10], [10**20, 1], [2**62, 4]],
    ids=str,
)
def test_dims_too_large_for_memory_are_shape_errors(dims: list[int]) -> None:
    # Refused before anything is drawn: no MemoryError, and no ValueError from numpy.
    with pytest.raises(
        ShapeError,
        match=rf"^dims: expected layer sizes whose parameters fit in memory, got "
        rf"\[{', '.join(map(str, dims))}\]",
    ):
        init(dims, seed=0)


def test_dims_too_large_are_shape_errors_where_memory_is_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without the machine's memory size numpy's own refusal is what init catches
    # (sizes beyond any address space, so that nothing is ever allocated).
    monkeypatch.setattr(initialisers, "_physical_memory", lambda: None)
    with pytest.raises(
        ShapeError, match=r"^dims: expected .* fit in memory, got \[10000000000, 10000000000\]"
    ):
        init([10**10, 10**10], seed=0)
    assert init([2, 3, 1], seed=0).dims == (2, 3, 1)


def test_scheme_and_sigma_errors() -> None:
    with pytest.raises(
        HyperparameterError,
        match=r"scheme: expected one of 'random', 'standard', 'normal', 'xavier', 'he', got 'glorot'",
    ):
        init([2, 1], scheme="glorot")  # type: ignore[call-overload]
    with pytest.raises(
        HyperparameterError, match="sigma: expected a positive number for scheme='normal', got None"
    ):
        init([2, 1], scheme="normal")
    with pytest.raises(
        HyperparameterError, match=r"sigma: expected a positive finite number, got -0\.5"
    ):
        init([2, 1], scheme="normal", sigma=-0.5)
    with pytest.raises(
        HyperparameterError, match="sigma: expected a positive finite number, got nan"
    ):
        init([2, 1], scheme="normal", sigma=float("nan"))
    with pytest.raises(
        HyperparameterError, match=r"sigma: only used with scheme='normal', got 0\.5 with 'he'"
    ):
        init([2, 1], sigma=0.5)


def test_activation_errors() -> None:
    with pytest.raises(
        HyperparameterError,
        match=r"activations: expected 2 \(one per layer of \[2, 3, 1\]\), got 3",
    ):
        init([2, 3, 1], activations=[relu, relu, sigmoid])
    with pytest.raises(
        DTypeError, match=r"activations\[1\]: expected an fnmlp Activation.*got str"
    ):
        init([2, 3, 1], activations=[relu, "sigmoid"])  # type: ignore[list-item]
    with pytest.raises(DTypeError, match=r"hidden: expected an fnmlp Activation.*got ufunc"):
        init([2, 3, 1], hidden=np.tanh)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("sigma", "dtype"),
    [(1e39, np.float32), (3e38, np.float32), (1e308, np.float64)],
    ids=["fits-f64-not-f32", "some-f32-draws-overflow", "overflows-f64"],
)
def test_a_sigma_whose_draws_overflow_is_an_fnmlp_error_without_warnings(
    sigma: float, dtype: type[Any]
) -> None:
    # Under warnings-as-errors a numpy RuntimeWarning would arrive instead of the error.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            NonFiniteError,
            match=rf"^sigma: expected a standard deviation whose draws are finite in "
            rf"{np.dtype(dtype)}, got {re.escape(repr(sigma))}: layer 1's W overflows to "
            r"infinity$",
        ):
            init([2, 30, 1], scheme="normal", sigma=sigma, dtype=dtype, seed=0)


def test_a_sigma_just_inside_the_range_still_draws() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params = init([2, 30, 1], scheme="normal", sigma=1e37, dtype=np.float32, seed=0)
    assert all(np.isfinite(layer.W).all() for layer in params.layers)


def test_the_reported_overflow_is_the_brief_case() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NonFiniteError, match=r"^sigma: .* float32, got 1e\+39"):
            init([2, 1], scheme="normal", sigma=1e39, dtype=np.float32, seed=0)


def test_check_fits_refuses_more_than_half_the_physical_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(initialisers, "_physical_memory", lambda: 1000)
    initialisers.check_fits(500, "n", "a small n", "5")  # exactly half: allowed
    with pytest.raises(
        ShapeError,
        match=r"^n: expected a small n, got 6, needing about 501 bytes \(501 bytes\), "
        r"more than half of this machine's 1000 bytes of physical memory$",
    ):
        initialisers.check_fits(501, "n", "a small n", "6")
    monkeypatch.setattr(initialisers, "_physical_memory", lambda: None)
    initialisers.check_fits(10**30, "n", "a small n", "huge")  # unknown memory: numpy decides


def test_init_applies_the_half_memory_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    # [2, 3, 1]: 13 float64 parameters (104 bytes) plus two float64 copies of the
    # largest weight matrix (96 bytes) while drawing: 200 bytes at the peak.
    monkeypatch.setattr(initialisers, "_physical_memory", lambda: 400)
    assert init([2, 3, 1], seed=0).dims == (2, 3, 1)
    monkeypatch.setattr(initialisers, "_physical_memory", lambda: 399)
    with pytest.raises(ShapeError, match=r"^dims: .*13 parameters, needing about 200 bytes"):
        init([2, 3, 1], seed=0)
