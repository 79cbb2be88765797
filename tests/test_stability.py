"""Numerical stability on extreme inputs, in float32 and float64.

``filterwarnings = error`` (pyproject) turns any numpy overflow, invalid or
divide warning into a failure, so every test here also proves that none leaks.
What is checked on top: saturated units give the exact, finite values the
maths gives; unscaled inputs (notebook 001's 60 to 312) train without NaN;
tiny learning rates leave a network finite and unchanged; huge ones raise
:class:`fnmlp.DivergenceError` naming the epoch and the layer where a
non-finite value first appeared, never a result holding NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from fnmlp import (
    ACTIVATIONS,
    LOSSES,
    Activation,
    DivergenceError,
    Grads,
    HyperparameterError,
    Layer,
    Loss,
    NonFiniteError,
    Optimizer,
    Params,
    TrainResult,
    accuracy,
    adam,
    backward,
    binary_cross_entropy,
    categorical_cross_entropy,
    forward,
    init,
    leaky_relu,
    linear,
    loss,
    mean_squared_error,
    momentum,
    one_hot,
    predict,
    relu,
    rmsprop,
    scan,
    sgd,
    sigmoid,
    softmax,
    tanh,
    train,
    update,
)
from fnmlp.datasets import height_weight, standardise
from fnmlp.propagation import outputs

DTYPES: list[Any] = [np.float32, np.float64]
# A test parametrised over both float dtypes takes its dtype as Any: fnmlp's
# functions are generic in a float type constrained to one of the two, and
# mypy cannot pick one for a value that may be either.
FloatType = Any


def finite_params(params: Params[Any]) -> bool:
    return all(np.isfinite(layer.W).all() and np.isfinite(layer.b).all() for layer in params.layers)


def finite_result(result: TrainResult[Any]) -> bool:
    history = result.history
    values = history.train_loss + history.train_accuracy + history.validation_loss
    return finite_params(result.params) and all(math.isfinite(v) for v in values)


# ----------------------------------------------------------------------------- activations


# Each column is one extreme case; the rows pair a value with its opposite.
EXTREMES = [1e4, 1e30]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("big", EXTREMES)
@pytest.mark.parametrize("activation", list(ACTIVATIONS.values()), ids=list(ACTIVATIONS))
def test_activations_at_extreme_logits_are_exact_finite_and_keep_the_dtype(
    activation: Activation, big: float, dtype: FloatType
) -> None:
    Z = np.array([[big, -big, 0.0, 1.0], [-big, big, 0.0, -1.0]], dtype=dtype)
    A = activation.fn(Z)
    dZ = activation.derivative(Z, A, np.ones_like(Z))
    assert A.dtype == dtype and dZ.dtype == dtype
    assert np.isfinite(A).all() and np.isfinite(dZ).all()
    expected = {
        "relu": [[big, 0, 0, 1], [0, big, 0, 0]],
        "leaky_relu": [[big, -big / 100, 0, 1], [-big / 100, big, 0, -0.01]],
        "linear": Z,
        "sigmoid": [[1, 0, 0.5, 1 / (1 + math.e**-1)], [0, 1, 0.5, 1 / (1 + math.e)]],
        "tanh": [[1, -1, 0, math.tanh(1)], [-1, 1, 0, -math.tanh(1)]],
        # per column: the larger logit takes all; equal logits share
        "softmax": [[1, 0, 0.5, 1 / (1 + math.e**-2)], [0, 1, 0.5, 1 / (1 + math.e**2)]],
    }[activation.name]
    # A saturated sigmoid may stop at the smallest normal float rather than at 0.
    tiny = 4 * float(np.finfo(dtype).tiny)
    np.testing.assert_allclose(A, np.asarray(expected, dtype=dtype), rtol=1e-6, atol=tiny)
    # Saturated units pass (next to) no gradient; ReLU-like units pass 1 (or the leak).
    if activation in (sigmoid, tanh):
        assert abs(dZ[0, 0]) <= tiny and abs(dZ[0, 1]) <= tiny
    if activation in (relu, leaky_relu, linear):
        assert dZ[0, 0] == 1


# ----------------------------------------------------------------------------- losses


def _saturated(n_y: int, dtype: FloatType) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Logits of +-1e4 that are right for columns 0 and 1 and wrong for columns 2 and 3."""
    Z = np.full((n_y, 4), -1e4, dtype=dtype)
    if n_y == 1:
        Z[0] = [1e4, -1e4, 1e4, -1e4]
        Y = np.array([[1, 0, 0, 1]], dtype=dtype)
    else:
        Z[0, [0, 2]] = 1e4
        Z[1, [1, 3]] = 1e4
        Y = one_hot([0, 1, 1, 0], classes=n_y, dtype=dtype)
    return Z, Y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("kind", "n_y"), [(binary_cross_entropy, 1), (categorical_cross_entropy, 3)]
)
def test_cross_entropy_from_saturated_logits_is_exact(
    kind: Loss, n_y: int, dtype: FloatType
) -> None:
    """Two right answers cost 0 and two confidently wrong ones their margin (not log(eps)).

    Binary: a wrong logit of +-1e4 costs 1e4. Categorical: the wrong class's
    logit 1e4 against the right one's -1e4 costs 2e4. Both over m = 4.
    """
    Z, Y = _saturated(n_y, dtype)
    assert kind.from_logits is not None
    value = kind.from_logits(Z, Y)
    assert value == pytest.approx(2 * 1e4 / 4 if n_y == 1 else 2 * 2e4 / 4, rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", list(LOSSES.values()), ids=list(LOSSES))
def test_losses_of_saturated_probabilities_are_finite(kind: Loss, dtype: FloatType) -> None:
    """Predictions of exactly 0 and 1 (saturated units) give a finite loss and gradient."""
    n_y = 3 if kind is categorical_cross_entropy else 1
    Z, Y = _saturated(n_y, dtype)
    P = (softmax if n_y > 1 else sigmoid).fn(Z)
    assert P.max() == 1.0 and P.min() <= 4 * float(np.finfo(dtype).tiny)
    value = loss(P, Y, kind)
    assert math.isfinite(value) and value > 0
    gradient = kind.gradient(P, Y)
    assert gradient.dtype == dtype and np.isfinite(gradient).all()
    assert math.isfinite(kind.value(P, Y))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", list(LOSSES.values()), ids=list(LOSSES))
@pytest.mark.parametrize("output", list(ACTIVATIONS.values()), ids=list(ACTIVATIONS))
def test_backward_through_saturated_outputs_gives_finite_gradients(
    output: Activation, kind: Loss, dtype: FloatType
) -> None:
    """Every output activation with every loss: a +-1e4 output layer still has finite grads.

    Or, for a cross-entropy after an output that is not a probability, a refusal
    (its gradients would be absurd, e.g. 1e307 from the clipped log of a linear output),
    and for binary cross-entropy after a softmax, whose outputs are not independent.
    """
    n_y = 3 if kind is categorical_cross_entropy or output is softmax else 1
    W = np.array([[1e4, -1e4], [-1e4, 1e4], [5e3, 5e3]][:n_y], dtype=dtype)
    params = Params((Layer(W, np.zeros((n_y, 1), dtype=dtype), output),))
    X = np.array([[1, 0, 1, 0], [0, 1, 1, 0]], dtype=dtype)
    Y = one_hot([0, 1, 2, 0], classes=3, dtype=dtype)[:n_y] if n_y > 1 else X[:1]
    Yhat, cache = forward(params, X)
    assert Yhat.dtype == dtype and np.isfinite(Yhat).all()
    if kind is not mean_squared_error and output in (relu, leaky_relu, tanh, linear):
        with pytest.raises(HyperparameterError, match=r"^kind: .* expects probabilities"):
            backward(params, cache, Y, kind)
        return
    if kind is binary_cross_entropy and output is softmax:  # independent labels need sigmoid
        with pytest.raises(HyperparameterError, match=r"^kind: .* independent probability"):
            backward(params, cache, Y, kind)
        return
    grads = backward(params, cache, Y, kind)
    for array in grads.dW + grads.db:
        assert array.dtype == dtype
        assert np.isfinite(array).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_training_history_records_the_exact_loss_of_a_saturated_network(dtype: FloatType) -> None:
    """The recorded loss comes from the logits: 1e4 per wrong example, not a clipped log."""
    W = np.array([[1e4, 0.0]], dtype=dtype)
    params = Params((Layer(W, np.zeros((1, 1), dtype=dtype), sigmoid),))
    X = np.array([[1.0, 1.0]], dtype=dtype).repeat(2, axis=0)
    Y = np.array([[0.0, 1.0]], dtype=dtype)  # the first example is confidently wrong
    result = train(params, X, Y, loss=binary_cross_entropy, optimizer=sgd(1e-9), epochs=1)
    assert result.history.train_loss[0] == pytest.approx(1e4 / 2, rel=1e-6)
    assert result.params.dtype == dtype
    assert finite_result(result)


# ----------------------------------------------------------------------------- unscaled inputs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", [sgd(0.5), momentum(0.1), rmsprop(0.01), adam(0.05)])
def test_unscaled_inputs_of_notebook_001_train_without_nan(
    optimizer: Optimizer[Any], dtype: FloatType
) -> None:
    """Features of 60 to 312 saturate every first-layer sigmoid, yet nothing turns NaN."""
    X, Y = height_weight(dtype=dtype)
    assert X.min() >= 60 and X.max() >= 300
    params = init([2, 3, 3, 1], hidden=sigmoid, scheme="standard", seed=1, dtype=dtype)
    _, cache = forward(params, X)
    assert np.abs(cache.Z[1]).max() > 30  # saturated: sigmoid'(z) < 1e-13
    result = train(params, X, Y, loss=binary_cross_entropy, optimizer=optimizer, epochs=200)
    assert finite_result(result)
    assert result.params.dtype == dtype
    assert len(result.history.train_loss) > 2


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_same_inputs_standardised_are_learned(dtype: FloatType) -> None:
    X, Y = height_weight(dtype=dtype)
    X_scaled = standardise(X).apply(X)
    params = init([2, 3, 3, 1], hidden=sigmoid, scheme="standard", seed=1, dtype=dtype)
    result = train(params, X_scaled, Y, loss=binary_cross_entropy, optimizer=adam(0.05), epochs=300)
    assert finite_result(result)
    assert accuracy(result.params, X_scaled, Y) == 1.0
    assert result.history.train_loss[-1] < result.history.train_loss[0] / 5


# ----------------------------------------------------------------------------- learning rates

XOR_X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
XOR_Y = np.array([[0.0, 1.0, 1.0, 0.0]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rate", [5e-324, 1e-300, 1e-45, 1e-12])
def test_tiny_learning_rates_leave_the_network_finite_and_unchanged(
    rate: float, dtype: FloatType
) -> None:
    params = init([2, 3, 1], seed=5, dtype=dtype)
    result = train(params, XOR_X, XOR_Y, loss=binary_cross_entropy, optimizer=sgd(rate), epochs=20)
    assert finite_result(result)
    assert result.params.dtype == dtype
    for before, after in zip(params.layers, result.params.layers):
        np.testing.assert_allclose(after.W, before.W, rtol=1e-9, atol=1e-9)
    assert result.history.train_loss[-1] == pytest.approx(result.history.train_loss[0], rel=1e-6)


OPTIMISERS: list[Callable[[float], Optimizer[Any]]] = [sgd, momentum, rmsprop, adam]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("make", OPTIMISERS, ids=lambda make: make.__name__)
@pytest.mark.parametrize("rate", [1e-3, 1.0, 1e3, 1e8, 1e20, 1e38, 1e300])
@pytest.mark.parametrize(
    ("hidden", "output", "kind"),
    [
        (relu, sigmoid, binary_cross_entropy),
        (tanh, linear, mean_squared_error),
        (leaky_relu, linear, mean_squared_error),
    ],
    ids=["relu-bce", "tanh-mse", "leaky-mse"],
)
def test_any_learning_rate_gives_a_finite_result_or_a_divergence_error(
    hidden: Activation,
    output: Activation,
    kind: Loss,
    rate: float,
    make: Callable[[float], Optimizer[Any]],
    dtype: FloatType,
) -> None:
    """Never a silent NaN: training returns finite params and history, or says it diverged."""
    params = init([2, 6, 1], hidden=hidden, output=output, seed=3, dtype=dtype)
    Y = XOR_Y * 3 if kind is mean_squared_error else XOR_Y
    try:
        result = train(params, XOR_X, Y, loss=kind, optimizer=make(rate), epochs=30, log_every=7)
    except DivergenceError as error:
        assert 0 <= error.epoch <= 30
        assert error.layer is not None and 1 <= error.layer <= 2
        assert f"epoch {error.epoch}" in str(error)
        assert f"layer {error.layer}" in str(error)
        assert "learning rate" in str(error)
    else:
        assert finite_result(result)
        assert result.params.dtype == dtype


def _exploding(dtype: FloatType) -> tuple[Params[Any], Any, Any]:
    """A linear regression that sgd(1.0) makes grow geometrically until it overflows."""
    params = init([2, 4, 1], hidden=linear, output=linear, seed=0, dtype=dtype)
    X = np.array([[3.0, -2.0, 1.0, 4.0], [1.0, 2.0, -3.0, 0.5]], dtype=dtype)
    Y = np.array([[1.0, 0.0, 2.0, -1.0]], dtype=dtype)
    return params, X, Y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("log_every", [1, 10, 1000])
def test_divergence_names_the_first_epoch_and_layer_whatever_the_log_interval(
    log_every: int, dtype: FloatType
) -> None:
    params, X, Y = _exploding(dtype)
    with pytest.raises(DivergenceError) as caught:
        train(
            params,
            X,
            Y,
            loss=mean_squared_error,
            optimizer=sgd(1.0),
            epochs=1000,
            log_every=log_every,
        )
    error = caught.value
    assert error.layer is not None
    # One epoch fewer is still finite, so error.epoch is really the first bad one.
    states = list(
        scan(params, X, Y, loss=mean_squared_error, optimizer=sgd(1.0), epochs=error.epoch - 1)
    )
    assert states[-1].epoch == error.epoch - 1
    assert all(finite_params(state.params) for state in states)
    before = states[-1].params
    assert math.isfinite(loss(forward(before, X)[0], Y, mean_squared_error))
    # One more full-batch step by hand makes a parameter, an activation or the loss overflow.
    with pytest.raises(NonFiniteError):
        grads = backward(before, forward(before, X)[1], Y, mean_squared_error)
        after = update(before, grads, 1.0)
        loss(forward(after, X)[0], Y, mean_squared_error)
    # The exact history measures the last epoch's params; the running one, the
    # batches before each step, so it sees the overflow one epoch later.
    for epochs, running in ((error.epoch, False), (error.epoch + 1, True)):
        with pytest.raises(DivergenceError) as again:
            train(
                params,
                X,
                Y,
                loss=mean_squared_error,
                optimizer=sgd(1.0),
                epochs=epochs,
                running_loss=running,
            )
        assert (again.value.epoch, again.value.layer) == (error.epoch, error.layer)
    # Expected: float32 overflows (about 1e38) in far fewer epochs than float64 (1e308).
    assert error.epoch > 3


def test_float32_diverges_sooner_than_float64() -> None:
    epochs = {}
    for dtype in DTYPES:
        params, X, Y = _exploding(dtype)
        with pytest.raises(DivergenceError) as caught:
            train(params, X, Y, loss=mean_squared_error, optimizer=sgd(1.0), epochs=1000)
        epochs[dtype] = caught.value.epoch
    assert epochs[np.float32] < epochs[np.float64]


def test_divergence_is_raised_by_scan_at_the_epoch_it_happens() -> None:
    params, X, Y = _exploding(np.float64)
    states = scan(params, X, Y, loss=mean_squared_error, optimizer=sgd(1.0), epochs=1000)
    seen = []
    with pytest.raises(DivergenceError) as caught:
        for state in states:
            seen.append(state.epoch)
            assert finite_params(state.params)
    # Parameters are checked every epoch, losses at each log: the generator may
    # have yielded a few states with finite params past the first overflowing
    # loss, but the error names that first epoch.
    assert seen == list(range(len(seen)))
    assert caught.value.epoch <= seen[-1] + 1
    with pytest.raises(DivergenceError) as trained:
        train(params, X, Y, loss=mean_squared_error, optimizer=sgd(1.0), epochs=1000)
    assert (trained.value.epoch, trained.value.layer) == (caught.value.epoch, caught.value.layer)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_network_that_overflows_before_training_says_so(dtype: FloatType) -> None:
    """Weights so large that the starting loss overflows: epoch 0, the layer that overflowed."""
    big = np.finfo(dtype).max / 10
    layers = (
        Layer(np.full((2, 2), big, dtype=dtype), np.zeros((2, 1), dtype=dtype), linear),
        Layer(np.full((1, 2), big, dtype=dtype), np.zeros((1, 1), dtype=dtype), linear),
    )
    with pytest.raises(DivergenceError) as caught:
        train(Params(layers), XOR_X, XOR_Y, loss=mean_squared_error, optimizer=sgd(0.1), epochs=5)
    # X is 0 or 1, so layer 1's Z is at most 2 * big (finite); layer 2 overflows.
    assert caught.value.epoch == 0
    assert caught.value.layer == 2
    assert "cannot start" in str(caught.value)


# ----------------------------------------------------------------------------- the stages alone


@pytest.mark.parametrize("dtype", DTYPES)
def test_update_with_a_huge_step_refuses_to_return_infinite_params(dtype: FloatType) -> None:
    params = init([2, 3, 1], seed=0, dtype=dtype)
    grads = Grads(
        dW=tuple(np.full_like(layer.W, 100.0) for layer in params.layers),
        db=tuple(np.full_like(layer.b, 100.0) for layer in params.layers),
    )
    huge = float(np.finfo(dtype).max) / 10  # times 100 overflows
    with pytest.raises(NonFiniteError, match="learning_rate: expected a step that keeps"):
        update(params, grads, huge)
    assert finite_params(update(params, grads, huge / 1000))


@pytest.mark.parametrize("make", OPTIMISERS, ids=lambda make: make.__name__)
def test_optimiser_step_with_a_huge_rate_refuses_to_return_infinite_params(
    make: Callable[[float], Optimizer[Any]],
) -> None:
    params = init([2, 3, 1], seed=0, dtype=np.float32)
    _, cache = forward(params, XOR_X * 1e30)
    grads = backward(params, cache, XOR_Y, mean_squared_error)
    optimizer = make(1e30)
    try:
        new, _ = optimizer.step(params, grads, optimizer.init(params))
    except NonFiniteError as error:
        assert "optimizer:" in str(error) and "finite" in str(error)
    else:
        assert finite_params(new)


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_on_inputs_near_the_float_maximum(dtype: FloatType) -> None:
    """Saturating units give the right answer; units that cannot hold the value say so.

    ``forward`` hands on its pre-activations in the cache, so it refuses an
    infinite ``Z[l]`` even when ``A[l]`` saturated to the right value; the
    outputs alone (what ``predict`` reads) are right.
    """
    top = float(np.finfo(dtype).max)
    X = np.array([[top / 2, -top / 2]], dtype=dtype)
    squash = Params((Layer(np.full((1, 1), 4.0, dtype=dtype), np.zeros((1, 1), dtype), sigmoid),))
    Yhat = outputs(squash, X)
    tiny = 4 * float(np.finfo(dtype).tiny)
    np.testing.assert_allclose(Yhat, np.array([[1.0, 0.0]], dtype=dtype), rtol=0, atol=tiny)
    assert predict(squash, X).tolist() == [[1, 0]]
    with pytest.raises(
        NonFiniteError, match=r"^Z\[1\] \(layer 1\): expected finite pre-activations"
    ):
        forward(squash, X)
    grow = Params((Layer(np.full((1, 1), 4.0, dtype=dtype), np.zeros((1, 1), dtype), linear),))
    with pytest.raises(NonFiniteError, match=r"A\[1\] \(layer 1\): expected finite activations"):
        forward(grow, X)


def test_mean_squared_error_of_huge_residuals_is_refused_not_infinite() -> None:
    assert loss([[1e150]], [[0.0]], mean_squared_error) == pytest.approx(1e300)
    with pytest.raises(NonFiniteError, match="overflows"):
        loss([[1e155]], [[-1e155]], mean_squared_error)


@pytest.mark.parametrize("make", [adam, rmsprop], ids=["adam", "rmsprop"])
def test_squared_gradients_that_overflow_the_optimizer_are_a_divergence(
    make: Callable[[float], Optimizer[Any]],
) -> None:
    """Beyond about 1.8e19 a float32 gradient's square is inf: Adam's step there is 0 for good.

    The loss stays finite (the parameters stop, they do not blow up), so only
    the moments show it: ``train`` names it as a divergence and ``opt.step``
    refuses the step, instead of handing out a state ``load`` would refuse.
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 40)).astype(np.float32) * 1e10
    Y = rng.standard_normal((1, 40)).astype(np.float32) * 1e10
    params = init([3, 4, 1], output=linear, seed=0, dtype=np.float32)
    with pytest.raises(DivergenceError, match=r"the optimizer's square is not finite in layer \d"):
        train(params, X, Y, loss=mean_squared_error, optimizer=make(0.01), epochs=5)
    zeros = Grads.zeros(params)
    huge = Grads(dW=tuple(np.full_like(dW, 3e19) for dW in zeros.dW), db=zeros.db)
    opt = make(0.01)
    with pytest.raises(NonFiniteError, match=r"^optimizer: .* whose square overflowed"):
        opt.step(params, huge, opt.init(params))
    # within range, the same step is taken
    fine = Grads(dW=tuple(np.full_like(dW, 1e18) for dW in zeros.dW), db=zeros.db)
    new, state = opt.step(params, fine, opt.init(params))
    assert np.isfinite(state.square).all() and not np.array_equal(new.theta, params.theta)


def test_an_overflowing_moment_is_named_at_its_epoch_by_train_as_by_scan() -> None:
    # the square overflows in epoch 1 while every logged loss stays finite: the logs must not
    # move the checkpoint a divergence is replayed from past it
    X = np.array([[100.0, 200.0, 300.0]], np.float32)
    Y = np.array([[1e18, -1e18, 1e18]], np.float32)
    params = init([1, 1], output=linear, seed=0, dtype=np.float32)
    common: dict[str, Any] = {"loss": mean_squared_error, "optimizer": adam(1e-3)}
    with pytest.raises(DivergenceError) as scanned:
        list(scan(params, X, Y, epochs=20, **common))
    assert scanned.value.epoch == 1
    runs: list[dict[str, Any]] = [{"epochs": 20}, {"epochs": 20, "log_every": 2}, {"epochs": 4}]
    for options in runs:
        with pytest.raises(DivergenceError, match=r"in epoch 1: the optimizer's square") as error:
            train(params, X, Y, **options, **common)
        assert error.value.epoch == 1
