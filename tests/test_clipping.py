"""Gradient clipping as transforms chained before an optimiser, against the formulas."""

from __future__ import annotations

import itertools
import math
import pickle
from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import (
    DTypeError,
    Grads,
    HyperparameterError,
    Layer,
    Optimizer,
    Params,
    ShapeError,
    Transform,
    adam,
    binary_cross_entropy,
    chain,
    clip_by_global_norm,
    clip_by_value,
    init,
    linear,
    momentum,
    sgd,
)
from fnmlp.optimisers import check_state, global_norm

Array = np.ndarray[Any, Any]


def clipped_by_norm(g: Array, max_norm: float) -> Array:
    """The formula, in float64 with an explicit loop for the norm."""
    norm = math.sqrt(sum(float(x) ** 2 for x in np.asarray(g, np.float64).ravel()))
    factor = min(1.0, max_norm / norm) if norm else 1.0
    return np.asarray(g, np.float64) * factor


def data(seed: int = 0, m: int = 32) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3, m))
    Y = (X[:1] + X[1:2] > 0).astype(np.float64)
    return X, Y


@pytest.mark.parametrize("max_norm", [1e-3, 0.5, 1.0, 1e6])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clip_by_global_norm_is_the_formula(max_norm: float, seed: int) -> None:
    g = np.random.default_rng(seed).normal(scale=3.0, size=(1, 50))
    g.setflags(write=False)
    got = clip_by_global_norm(max_norm).apply(g)
    np.testing.assert_allclose(got, clipped_by_norm(g, max_norm), rtol=1e-14, atol=0)
    assert np.linalg.norm(got) <= max_norm * (1 + 1e-12) or got is g


def test_a_gradient_within_the_norm_is_handed_on_untouched() -> None:
    g = np.array([[0.3, 0.4]])
    assert clip_by_global_norm(0.5).apply(g) is g
    assert clip_by_global_norm(0.6).apply(g) is g


def test_global_norm_in_float32_does_not_overflow() -> None:
    # squares of 1e20 overflow float32 (max 3.4e38): the norm is taken on g / max|g|
    g = np.array([[3e20, -4e20, 1e19]], dtype=np.float32)
    exact = math.sqrt(3e20**2 + 4e20**2 + 1e19**2)
    assert global_norm(g) == pytest.approx(exact, rel=1e-6)
    with np.errstate(all="raise"):
        clipped = clip_by_global_norm(1.0).apply(g)
    assert clipped.dtype == np.float32
    np.testing.assert_allclose(clipped, clipped_by_norm(g, 1.0), rtol=1e-6)
    # float64 beyond 1e154 takes the same path
    huge = np.array([[3e200, 4e200]])
    assert global_norm(huge) == pytest.approx(5e200, rel=1e-15)


def test_global_norm_of_zeros_and_of_non_finite_gradients() -> None:
    assert global_norm(np.zeros((1, 3))) == 0.0
    assert math.isinf(global_norm(np.array([[np.inf, 1.0]])))
    assert math.isnan(global_norm(np.array([[np.nan, 1.0]])))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_by_value_is_the_formula(dtype: Any) -> None:
    g = np.random.default_rng(0).normal(scale=2.0, size=(1, 40)).astype(dtype)
    got = clip_by_value(0.7).apply(g)
    expected = np.array([min(0.7, max(-0.7, float(x))) for x in g.ravel()]).reshape(g.shape)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-7 if dtype is np.float32 else 0)
    # a bound beyond float32's range clips nothing, without an overflow warning
    np.testing.assert_array_equal(clip_by_value(1e300).apply(g), g)


@pytest.mark.parametrize(
    ("make", "name"), [(clip_by_global_norm, "max_norm"), (clip_by_value, "max_value")]
)
@pytest.mark.parametrize("bad", [0, 0.0, -1.0, math.nan, math.inf, "1", None, True])
def test_non_positive_clip_bounds_are_refused_naming_the_argument(
    make: Any, name: str, bad: Any
) -> None:
    with pytest.raises(HyperparameterError, match=rf"^{name}: expected a positive finite number"):
        make(bad)


@pytest.mark.parametrize(
    "parts",
    [
        (),
        (clip_by_value(1.0),),
        (sgd(0.1), clip_by_value(1.0)),
        (clip_by_value(1.0), sgd(0.1), sgd(0.1)),
        (lambda g: g, sgd(0.1)),
    ],
)
def test_chain_wants_transforms_then_one_optimiser(parts: tuple[Any, ...]) -> None:
    with pytest.raises(DTypeError, match=r"^chain: expected"):
        chain(*parts)


def small() -> tuple[Params[np.float64], Grads[np.float64]]:
    params = init([3, 4, 1], seed=0)
    X, Y = data()
    return params, fnmlp.gradient(params, X, Y, binary_cross_entropy)


def hand_clipped(grads: Grads[np.float64], transform: Any) -> Grads[np.float64]:
    """``grads`` rebuilt from their clipped packed gradient through the checked constructor."""
    g = transform(grads.g)
    structure = grads.structure
    blocks = [g[0, start:stop].reshape(shape) for start, stop, shape in structure.spans]
    return Grads(dW=tuple(q[:-1].T for q in blocks), db=tuple(q[-1:].T for q in blocks))


@pytest.mark.parametrize("inner", [sgd(0.1), momentum(0.1), adam(0.01)])
def test_chained_step_is_the_optimiser_on_the_clipped_gradient(inner: Optimizer[Any]) -> None:
    params, grads = small()
    norm = float(np.linalg.norm(grads.g))
    opt = chain(clip_by_global_norm(norm / 4), clip_by_value(0.05), inner)
    state = opt.init(params)
    got, got_state = opt.step(params, grads, state)

    def both(g: Array) -> Array:
        return np.clip(clipped_by_norm(g, norm / 4), -0.05, 0.05)

    expected, expected_state = inner.step(params, hand_clipped(grads, both), inner.init(params))
    np.testing.assert_allclose(got.theta, expected.theta, rtol=1e-13, atol=1e-15)
    assert type(got_state) is type(expected_state) and got_state.count == 1
    for name in inner.moments:
        np.testing.assert_allclose(getattr(got_state, name), getattr(expected_state, name))


def test_train_runs_the_chain_as_a_hand_loop_of_its_steps() -> None:
    X, Y = data()
    opt = chain(clip_by_global_norm(0.05), adam(0.05))
    start = init([3, 4, 1], seed=0)
    result = fnmlp.train(start, X, Y, loss=binary_cross_entropy, optimizer=opt, epochs=15)
    params, state = start, opt.init(start)
    for _ in range(15):
        params, state = opt.step(params, fnmlp.gradient(params, X, Y, binary_cross_entropy), state)
    np.testing.assert_array_equal(result.params.theta, params.theta)
    np.testing.assert_array_equal(result.state.opt_state.mean, state.mean)


def test_clipping_bounds_every_step_of_sgd_in_train() -> None:
    X, Y = data()
    lr, max_norm = 0.5, 0.01
    opt = chain(clip_by_global_norm(max_norm), sgd(lr))
    states = list(
        fnmlp.scan(
            init([3, 4, 1], seed=0), X, Y, loss=binary_cross_entropy, optimizer=opt, epochs=10
        )
    )
    unclipped = fnmlp.train(
        init([3, 4, 1], seed=0), X, Y, loss=binary_cross_entropy, optimizer=sgd(lr), epochs=1
    )
    first_step = np.linalg.norm(unclipped.params.theta - states[0].params.theta)
    assert first_step > 10 * lr * max_norm  # clipping has something to do
    for before, after in itertools.pairwise(states):
        moved = np.linalg.norm(after.params.theta - before.params.theta)
        assert moved == pytest.approx(lr * max_norm, rel=1e-9)


def test_chained_optimisers_pickle_and_keep_the_fast_state_check() -> None:
    opt = chain(clip_by_global_norm(1.0), clip_by_value(0.5), adam(1e-3))
    again = pickle.loads(pickle.dumps(opt))
    params, grads = small()
    state = opt.init(params)
    a, _ = opt.step(params, grads, state)
    b, _ = again.step(params, grads, again.init(params))
    np.testing.assert_array_equal(a.theta, b.theta)
    assert opt.settings == adam(1e-3).settings and opt.state_type is fnmlp.AdamState
    assert str(again) == (
        "chain(clip_by_global_norm(max_norm=1.0), clip_by_value(max_value=0.5), "
        "adam(learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-08))"
    )
    with pytest.raises(HyperparameterError, match=r"^state\.learning_rate: expected 0\.01"):
        check_state(params, state, chain(clip_by_value(0.5), adam(0.01)))


def test_a_run_resumes_through_a_chain_bit_for_bit() -> None:
    X, Y = data()
    opt = chain(clip_by_global_norm(0.1), momentum(0.1))
    kw: dict[str, Any] = {"loss": binary_cross_entropy, "optimizer": opt, "batch_size": 8}
    once = fnmlp.train(init([3, 4, 1], seed=0), X, Y, epochs=6, **kw)
    half = fnmlp.train(init([3, 4, 1], seed=0), X, Y, epochs=3, **kw)
    more = fnmlp.train(half.state, X, Y, epochs=3, **kw)
    np.testing.assert_array_equal(once.params.theta, more.params.theta)


def test_transforms_that_write_or_reshape_are_refused() -> None:
    params = Params((Layer(np.zeros((1, 1)), np.zeros((1, 1)), linear),))
    grads = Grads(dW=(np.ones((1, 1)),), db=(np.ones((1, 1)),))

    def writes(g: Array) -> Array:
        g *= 2
        return g

    opt = chain(Transform("writes", writes), sgd(0.1))
    with pytest.raises(HyperparameterError, match=r"transform writes to return a new array"):
        opt.step(params, grads, opt.init(params))
    flat = chain(Transform("flat", lambda g: g.ravel()), sgd(0.1))
    with pytest.raises(ShapeError, match=r"transform flat to return an array of shape \(1, 2\)"):
        flat.step(params, grads, flat.init(params))
    narrow = chain(Transform("narrow", lambda g: g.astype(np.float32)), sgd(0.1))
    with pytest.raises(DTypeError, match=r"transform narrow to return an array of shape"):
        narrow.step(params, grads, narrow.init(params))
    with pytest.raises(DTypeError, match=r"^apply: expected a function"):
        Transform("x", 3)  # type: ignore[arg-type]


def test_a_chain_of_no_transforms_is_the_optimiser() -> None:
    opt = sgd(0.1)
    assert chain(opt) is opt


def test_a_chain_is_typed_as_its_optimiser() -> None:
    # checked by mypy --strict over tests/: the chain keeps the optimiser's state type
    clipped: Optimizer[fnmlp.AdamState] = chain(clip_by_global_norm(1.0), adam(1e-3))
    plain: Optimizer[fnmlp.SgdState] = chain(sgd(0.1))
    params, grads = small()
    state: fnmlp.AdamState = clipped.init(params)
    _, after = clipped.step(params, grads, state)
    assert after.count == 1 and plain.init(params).count == 0
