"""Dropout: inverted masks drawn from an explicit generator, once in the kernels.

``forward(params, X, dropout=..., rng=...)`` draws a mask per hidden layer and
keeps it in the cache for ``backward``; ``train(..., dropout=...)`` draws each
batch's masks from a generator seeded by ``(seed, epoch, 1)``. The gradient
under a fixed mask is checked against central differences, ``train`` against
a hand loop of the public stages, and resuming against one run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import (
    HyperparameterError,
    ShapeError,
    adam,
    backward,
    binary_cross_entropy,
    categorical_cross_entropy,
    forward,
    gradient_check,
    init,
    one_hot,
    relu,
    sgd,
    sigmoid,
    softmax,
    tanh,
    train,
)

Array = np.ndarray[Any, Any]


def blobs(m: int = 24, seed: int = 0) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3, m))
    Y = (X[:1] + 0.5 * X[1:2] > 0).astype(np.float64)
    return X, Y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masks_are_zero_or_the_inverse_keep_rate_and_drop_about_the_rate(dtype: Any) -> None:
    params = init([3, 200, 100, 1], seed=0, dtype=dtype)
    X = np.ones((3, 500), dtype=dtype)
    _, cache = forward(params, X, dropout=[0.25, 0.5], rng=np.random.default_rng(7))
    for mask, rate in zip(cache.masks, (0.25, 0.5)):
        assert mask is not None and mask.dtype == dtype and not mask.flags.writeable
        assert set(np.unique(mask)) == {dtype(0), dtype(1 / (1 - rate))}
        assert abs(float(np.mean(mask == 0)) - rate) < 0.01
    # the dropped layer passes on g(Z) * mask: A[1] is relu(Z[1]) where kept, 0 where dropped
    kept = cache.masks[0]
    assert kept is not None
    np.testing.assert_allclose(cache.A[1], np.maximum(cache.Z[1], 0) * kept, rtol=1e-6)


@pytest.mark.parametrize("rate", [0.2, 0.3, 0.7, 1 / 3])
def test_a_rate_is_rounded_to_sixteen_bits_and_the_mask_scaled_by_the_exact_keep_rate(
    rate: float,
) -> None:
    params = init([3, 300, 1], seed=0)
    _, cache = forward(params, np.ones((3, 400)), dropout=rate, rng=3)
    mask = cache.masks[0]
    assert mask is not None
    threshold = round(rate * 2**16)
    kept = (2**16 - threshold) / 2**16  # the keep probability of 16 bits at least the threshold
    assert abs(kept - (1 - rate)) <= 2**-17
    assert set(np.unique(mask)) == {0.0, 1 / kept}
    # the mask is unbiased: its mean is 1 within the binomial's spread over 120,000 draws
    spread = np.sqrt(rate / (1 - rate) / mask.size)
    assert abs(float(mask.mean()) - 1) < 5 * spread


def test_the_masks_are_the_generator_s_bits_whatever_the_dtype() -> None:
    masks: dict[Any, tuple[Any, ...]] = {}
    dtypes: tuple[Any, ...] = (np.float32, np.float64)
    for dtype in dtypes:
        params = init([3, 9, 7, 1], seed=0, dtype=dtype)
        _, cache = forward(params, np.ones((3, 5), dtype), dropout=[0.2, 0.5], rng=11)
        masks[dtype] = cache.masks
    for single, double in zip(masks[np.float32], masks[np.float64]):
        assert single is not None and double is not None
        assert single.dtype == np.float32 and double.dtype == np.float64
        assert np.array_equal(single == 0, double == 0)
        assert np.array_equal(single, double.astype(np.float32))


@pytest.mark.parametrize("bits", [np.random.MT19937, np.random.Philox, np.random.SFC64])
def test_any_bit_generator_drops_about_the_rate(bits: Any) -> None:
    # MT19937 makes 32 bits a draw: the masks take 64-bit integers from the Generator, not
    # the bit generator's raw words, which would leave half the 16-bit fields 0 (all dropped)
    params = init([3, 400, 300, 1], seed=0)
    rng = np.random.Generator(bits(5))
    _, cache = forward(params, np.ones((3, 100)), dropout=[0.2, 0.5], rng=rng)
    for mask, rate in zip(cache.masks, (0.2, 0.5)):
        assert mask is not None
        assert abs(float(np.mean(mask == 0)) - rate) < 0.01


@pytest.mark.parametrize(
    "bits", [np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64]
)
def test_the_raw_words_of_a_64_bit_generator_are_its_full_range_integers(bits: Any) -> None:
    # the masks read these generators' raw words, any other's full-range 64-bit integers:
    # the same numbers, so that both ways give one mask
    params = init([3, 7, 5, 1], seed=0)
    _, cache = forward(
        params, np.ones((3, 6)), dropout=[0.3, 0.6], rng=np.random.Generator(bits(9))
    )
    words = np.random.Generator(bits(9)).integers(
        0, 2**64 - 1, size=11 + 8, dtype=np.uint64, endpoint=True
    )
    fields = words.astype("<u8").view("<u2")
    expected = [fields[:42].reshape(7, 6), fields[44 : 44 + 30].reshape(5, 6)]
    for mask, field, rate in zip(cache.masks, expected, (0.3, 0.6)):
        assert mask is not None
        assert np.array_equal(mask != 0, field >= round(rate * 2**16))


def test_a_rate_a_hair_below_one_keeps_one_unit_in_two_to_the_sixteen() -> None:
    params = init([2, 3, 1], seed=0)
    _, cache = forward(params, np.ones((2, 4)), dropout=1 - 1e-9, rng=0)
    mask = cache.masks[0]
    assert mask is not None and np.isfinite(mask).all()
    assert set(np.unique(mask)) <= {0.0, 2.0**16}


def test_without_dropout_forward_is_inference_and_a_zero_rate_draws_nothing() -> None:
    params = init([3, 5, 1], seed=0)
    X, _ = blobs()
    plain, cache = forward(params, X)
    zero, zero_cache = forward(params, X, dropout=0.0)
    assert cache.masks == () == zero_cache.masks
    assert np.array_equal(plain, zero)


def test_the_same_generator_state_gives_the_same_masks() -> None:
    params = init([3, 6, 6, 1], seed=0)
    X, _ = blobs()
    _, one = forward(params, X, dropout=0.3, rng=5)
    _, two = forward(params, X, dropout=0.3, rng=np.random.default_rng(5))
    assert len(one.masks) == 2
    for a, b in zip(one.masks, two.masks):
        assert a is not None and b is not None and np.array_equal(a, b)


@pytest.mark.parametrize("hidden", [relu, tanh, sigmoid])
def test_backward_under_a_fixed_mask_matches_central_differences(hidden: fnmlp.Activation) -> None:
    rng = np.random.default_rng(1)
    params = init([3, 6, 5, 3], hidden=hidden, output=softmax, seed=rng)
    X = rng.normal(size=(3, 7))
    Y = one_hot(rng.integers(0, 3, size=7), classes=3)
    report = gradient_check(
        params, X, Y, categorical_cross_entropy, dropout=[0.3, 0.6], rng=np.random.default_rng(2)
    )
    assert report.passed(away_from_kinks=True), report


def test_a_dropped_unit_gets_no_gradient_into_its_weights_from_that_example() -> None:
    params = init([2, 3, 1], seed=0)
    X = np.array([[1.0], [2.0]])
    _, cache = forward(params, X, dropout=0.5, rng=1)
    grads = backward(params, cache, [[1.0]], binary_cross_entropy)
    mask = cache.masks[0]
    assert mask is not None
    dropped = mask[:, 0] == 0
    assert dropped.any() and (~dropped).any()
    assert np.all(grads.dW[0][dropped] == 0) and np.all(grads.db[0][dropped] == 0)


def hand_loop(
    params: fnmlp.Params[Any],
    X: Array,
    Y: Array,
    *,
    rate: float,
    epochs: int,
    batch_size: int,
    seed: int,
) -> fnmlp.Params[Any]:
    """What ``train`` does with dropout: epoch e shuffles with (seed, e) and draws masks from (seed, e, 1)."""
    opt = adam(0.01)
    state = opt.init(params)
    m = X.shape[1]
    for epoch in range(epochs):
        order = np.random.default_rng((seed, epoch)).permutation(m)
        masks = np.random.default_rng((seed, epoch, 1))
        for start in range(0, m, batch_size):
            columns = order[start : start + batch_size]
            _, cache = forward(params, X[:, columns], dropout=rate, rng=masks)
            grads = backward(params, cache, Y[:, columns], binary_cross_entropy)
            params, state = opt.step(params, grads, state)
    return params


def test_train_with_dropout_is_a_fold_of_the_public_stages() -> None:
    X, Y = blobs(30)
    params = init([3, 8, 8, 1], seed=0)
    settings: dict[str, Any] = {"epochs": 4, "batch_size": 8, "seed": 3}
    result = train(
        params, X, Y, loss=binary_cross_entropy, optimizer=adam(0.01), dropout=0.4, **settings
    )
    by_hand = hand_loop(params, X, Y, rate=0.4, **settings)
    assert np.array_equal(result.params.theta, by_hand.theta)


def test_a_resumed_run_with_dropout_is_bit_identical_to_one_run() -> None:
    X, Y = blobs(30)
    params = init([3, 8, 8, 1], seed=0)
    settings: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": adam(0.01),
        "batch_size": 7,
        "seed": 2,
        "dropout": [0.2, 0.5],
    }
    first = train(params, X, Y, epochs=3, **settings)
    resumed = train(first.state, X, Y, epochs=4, **settings)
    once = train(params, X, Y, epochs=7, **settings)
    assert np.array_equal(resumed.params.theta, once.params.theta)
    assert resumed.history.train_loss == once.history.train_loss
    # and dropout really changed the run
    plain = train(params, X, Y, epochs=7, **{**settings, "dropout": None})
    assert not np.array_equal(plain.params.theta, once.params.theta)


def test_full_batch_dropout_draws_new_masks_every_epoch() -> None:
    X, Y = blobs(16)
    params = init([3, 6, 1], seed=0)
    result = train(params, X, Y, loss=binary_cross_entropy, optimizer=adam(0.01), epochs=3,
                   seed=4, dropout=0.5)  # fmt: skip
    opt, state, by_hand = adam(0.01), adam(0.01).init(params), params
    for epoch in range(3):  # the data in order, new masks from (seed, epoch, 1) each epoch
        _, cache = forward(by_hand, X, dropout=0.5, rng=np.random.default_rng((4, epoch, 1)))
        by_hand, state = opt.step(by_hand, backward(by_hand, cache, Y, binary_cross_entropy), state)
    assert np.array_equal(result.params.theta, by_hand.theta)


@pytest.mark.parametrize(
    ("dropout", "rng", "error", "message"),
    [
        (1.0, 0, HyperparameterError, r"^dropout: expected a rate in \[0, 1\), got 1.0"),
        (-0.1, 0, HyperparameterError, r"^dropout: expected a non-negative finite number"),
        ([0.1, 0.2], 0, ShapeError, r"^dropout: expected one rate per hidden layer \(1\), got 2"),
        ([True], 0, HyperparameterError, r"^dropout\[0\]: expected a non-negative finite number"),
        (0.5, None, HyperparameterError, r"^rng: expected a numpy.random.Generator or a seed"),
        (0.5, "seed", fnmlp.DTypeError, r"^rng: expected a numpy.random.Generator or an int seed"),
    ],
)
def test_bad_dropout_arguments_are_named(
    dropout: Any, rng: Any, error: type[Exception], message: str
) -> None:
    params = init([3, 4, 1], seed=0)
    X, _ = blobs()
    with pytest.raises(error, match=message):
        forward(params, X, dropout=dropout, rng=rng)


def test_train_refuses_a_bad_rate_before_any_step() -> None:
    X, Y = blobs()
    with pytest.raises(HyperparameterError, match=r"^dropout\[1\]: expected a rate in \[0, 1\)"):
        train(
            init([3, 4, 4, 1], seed=0),
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            dropout=(0.1, 1.5),
        )


def test_a_rate_of_exactly_one_is_refused_and_just_below_it_is_kept() -> None:
    params = init([2, 3, 1], seed=0)
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    for dropout in (1.0, [1.0]):
        with pytest.raises(HyperparameterError, match=r"expected a rate in \[0, 1\), got 1\.0"):
            forward(params, X, dropout=dropout, rng=0)
    A, _ = forward(params, X, dropout=0.999, rng=0)
    assert np.isfinite(A).all()
