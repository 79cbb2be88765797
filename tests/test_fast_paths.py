"""The fast paths of ``train`` give the numbers of the plain ones, in the network's dtype.

``train`` steps in the packed layout of :mod:`fnmlp.packed` (every parameter
in one array, layer inputs with a row of ones, buffers it rewrites), measures
its history in slices and reads the data in place. Each must give what the
public stages compute layer by layer, and none may compute a float32 network
in float64.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import numpy as np
import pytest

import fnmlp
from fnmlp import (
    Grads,
    Layer,
    Optimizer,
    Params,
    adam,
    adamw,
    binary_cross_entropy,
    categorical_cross_entropy,
    momentum,
    relu,
    rmsprop,
    sgd,
    sigmoid,
    softmax,
    tanh,
    train,
)
from fnmlp.packed import Buffers, Layout, Plan, descend, with_ones
from fnmlp.propagation import _step_layers

Array = np.ndarray[Any, np.dtype[Any]]

OPTIMISERS: list[Optimizer[Any]] = [
    sgd(0.1),
    momentum(0.05),
    momentum(0.05, beta=0.8, nesterov=True),
    rmsprop(0.01),
    adam(0.01),
    adamw(0.01, weight_decay=0.1),
    adamw(fnmlp.exponential_decay(0.01, rate=0.9), weight_decay=0.1),
]


def digits_like(m: int, dtype: type[Any], seed: int = 0) -> tuple[Array, Array]:
    """Three classes in 6 features: ``X`` (6, m), one-hot ``Y`` (3, m)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, m)
    X: Array = (rng.standard_normal((6, m)) + labels).astype(dtype)
    Y: Array = np.eye(3, dtype=dtype)[:, labels]
    return X, Y


def arrays(record: Any) -> Iterator[Array]:
    """Every array of a Params or an optimiser state, in field order."""
    if isinstance(record, Params):
        for layer in record.layers:
            yield layer.W
            yield layer.b
        return
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, tuple):
            yield from (a for a in value if isinstance(a, np.ndarray))


def same_bits(a: Any, b: Any) -> bool:
    left, right = list(arrays(a)), list(arrays(b))
    return len(left) == len(right) and all(
        x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
        for x, y in zip(left, right)
    )


def close(a: Any, b: Any, rtol: float) -> bool:
    left, right = list(arrays(a)), list(arrays(b))
    return len(left) == len(right) and all(
        x.dtype == y.dtype and np.allclose(x, y, rtol=rtol, atol=rtol * 1e-3)
        for x, y in zip(left, right)
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt", OPTIMISERS, ids=lambda opt: opt.name)
def test_train_equals_a_hand_loop_of_the_public_stages(
    opt: Optimizer[Any], dtype: type[Any]
) -> None:
    X, Y = digits_like(50, dtype)
    params = fnmlp.init([6, 8, 5, 3], activations=[tanh, relu, softmax], seed=1, dtype=dtype)
    l2 = 0.3
    settings: dict[str, Any] = {
        "loss": categorical_cross_entropy,
        "epochs": 3,
        "batch_size": 16,  # three batches of 16 and one of 2
        "l2": l2,
        "log_every": 1,
    }
    result = train(params, X, Y, optimizer=opt, **settings)
    by_hand, state = params, opt.init(params)
    for epoch in range(3):
        order = np.random.default_rng((0, epoch)).permutation(50)
        for first in range(0, 50, 16):
            cols = order[first : first + 16]
            _, cache = fnmlp.forward(by_hand, X[:, cols])
            grads = fnmlp.backward(by_hand, cache, Y[:, cols], categorical_cross_entropy)
            dW = tuple(g + l2 / 50 * layer.W for g, layer in zip(grads.dW, by_hand.layers))
            by_hand, state = opt.step(by_hand, Grads(dW, grads.db), state)
    rtol = 1e-4 if dtype is np.float32 else 1e-11
    assert close(result.params, by_hand, rtol)
    assert close(result.state.opt_state, state, rtol)
    assert result.state.opt_state.count == state.count == 12
    # what the packed run hands back looks like any other state: per-layer, read-only arrays
    assert all(
        a.flags.c_contiguous and not a.flags.writeable
        for a in [*arrays(result.state.opt_state), *arrays(result.params)]
    )
    # and it resumes exactly (to the bit) like one uninterrupted run
    more = train(result.state, X, Y, optimizer=opt, **settings)
    once = train(params, X, Y, optimizer=opt, **{**settings, "epochs": 6})
    assert same_bits(more.params, once.params)
    assert same_bits(more.state.opt_state, once.state.opt_state)
    assert attrs.astuple(more.history) == attrs.astuple(once.history)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt", OPTIMISERS, ids=lambda opt: opt.name)
def test_one_update_of_the_packed_parameters_equals_one_per_array(
    opt: Optimizer[Any], dtype: type[Any]
) -> None:
    """The law ``train`` relies on: an optimiser's rule treats every entry alike and alone."""
    rng = np.random.default_rng(7)
    params = fnmlp.init([4, 3, 2], seed=2, dtype=dtype)
    layout: Layout[Any] = Layout.of(params)
    grads = [
        Grads(
            tuple(rng.standard_normal(layer.W.shape).astype(dtype) for layer in params.layers),
            tuple(rng.standard_normal(layer.b.shape).astype(dtype) for layer in params.layers),
        )
        for _ in range(3)
    ]
    state = opt.init(params)
    theta, moments, count = layout.pack(params), layout.pack_state(opt, state), 0
    for g in grads:
        params, state = opt.step(params, g, state)
        theta, moments = opt.update(theta, layout.join(g.dW, g.db), moments, count, layout.weights)
        count += 1
    assert layout.pack(params).tobytes() == theta.tobytes()
    assert same_bits(layout.state(opt, state, moments, count), state)


def test_the_layout_marks_the_weights_and_round_trips() -> None:
    params = fnmlp.init([2, 3, 1], seed=0)
    layout: Layout[Any] = Layout.of(params)
    theta = layout.pack(params)
    W1, b1 = params.layers[0].W, params.layers[0].b
    # layer 1's block is [W1.T; b1.T], (3, 3): its first row is W1's first column
    assert theta[0, :3].tolist() == W1[:, 0].tolist()
    assert theta[0, 6:9].tolist() == b1[:, 0].tolist()
    assert layout.weights[0].tolist() == [True] * 6 + [False] * 3 + [True] * 3 + [False]
    assert same_bits(layout.params(theta), params)
    assert not theta.flags.writeable and not layout.weights.flags.writeable


def test_a_custom_activation_is_copied_into_the_buffers() -> None:
    cube = fnmlp.Activation("cube", lambda Z: Z**3, lambda Z, A, dA: 3 * Z**2 * dA)
    X, Y = digits_like(12, np.float64)
    params = fnmlp.init([6, 4, 1], activations=[cube, sigmoid], seed=0, scheme="xavier")
    result = train(params, X, Y[:1], loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=2)
    by_hand = params
    for _ in range(2):
        _, cache = fnmlp.forward(by_hand, X)
        by_hand = fnmlp.update(
            by_hand, fnmlp.backward(by_hand, cache, Y[:1], binary_cross_entropy), 0.1
        )
    assert close(result.params, by_hand, 1e-12)


class Float32Only(np.ndarray[Any, np.dtype[np.float32]]):
    """A float32 array that fails any ufunc given a float64 operand (array or numpy scalar).

    Python floats are fine: NumPy 2 casts them to the array's dtype. A numpy
    float64 scalar is not: it makes the ufunc compute in float64, even when the
    result is written back into a float32 array.
    """

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        operands = [*inputs, *kwargs.get("out", ())]
        for x in operands:
            if isinstance(x, (np.ndarray, np.generic)) and x.dtype == np.float64:
                raise AssertionError(f"{ufunc.__name__}.{method} got a float64 operand")
        plain = [x.view(np.ndarray) if isinstance(x, Float32Only) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(
                x.view(np.ndarray) if isinstance(x, Float32Only) else x for x in kwargs["out"]
            )
        result = getattr(ufunc, method)(*plain, **kwargs)
        if isinstance(result, np.ndarray) and result.dtype == np.float32:
            return result.view(Float32Only)
        return result


def traced(array: Array) -> Array:
    out: Array = np.ascontiguousarray(array, dtype=np.float32).view(Float32Only)
    return out


@pytest.mark.parametrize("opt", OPTIMISERS, ids=lambda opt: opt.name)
@pytest.mark.parametrize(
    "activations", [[relu, relu, softmax], [tanh, sigmoid, sigmoid]], ids=["relu", "sigmoid"]
)
def test_a_float32_step_never_computes_in_float64(
    opt: Optimizer[Any], activations: list[Any]
) -> None:
    X, Y = digits_like(9, np.float32)
    output = activations[-1]
    kind = categorical_cross_entropy if output is softmax else binary_cross_entropy
    Y = Y if output is softmax else Y[:1]
    n_y = Y.shape[0]
    params = fnmlp.init([6, 5, 4, n_y], activations=activations, seed=3, dtype=np.float32)
    layout: Layout[Any] = Layout.of(params)
    plan: Plan[Any] = Plan.of(layout, kind, opt, l2=0.5, m=9)
    assert plan.decay is not None
    plan = attrs.evolve(plan, decay=traced(plan.decay))  # as train's l2
    theta = traced(layout.pack(params))
    moments = tuple(traced(a) for a in layout.pack_state(opt, opt.init(params)))
    plain: Buffers[Any] = Buffers.of(layout, 9)
    buffers = attrs.evolve(  # the same memory, traced
        plain,
        inputs=tuple(traced(a) for a in plain.inputs),
        values=tuple(traced(a) for a in plain.values),
        grads=traced(plain.grads),
        grad_blocks=tuple(traced(a) for a in plain.grad_blocks),
        size=traced(plain.size),
    )
    assert all(np.shares_memory(a, b) for a, b in zip(buffers.values, plain.inputs))
    batches = [(traced(with_ones(X)), traced(Y), buffers)]
    theta, moments, count, _ = descend(plan, theta, moments, 0, batches)
    theta, moments, count, _ = descend(plan, theta, moments, count, batches)
    assert count == 2
    assert all(isinstance(a, Float32Only) for a in [theta, *moments])
    assert all(a.dtype == np.float32 for a in [*buffers.inputs, buffers.grads])
    new = _step_layers(
        params.layers, [a.W for a in params.layers], [a.b for a in params.layers], 0.1
    )
    assert all(a.dtype == np.float32 for layer in new for a in (layer.W, layer.b))


def test_the_float64_tracer_catches_an_upcast() -> None:
    a = traced(np.ones((2, 2)))
    with pytest.raises(AssertionError, match=r"^multiply\.__call__ got a float64 operand$"):
        a *= np.sqrt(np.float64(2.0))  # what Adam's bias correction once did
    a *= float(np.sqrt(2.0))


def test_train_reads_the_data_in_place_and_keeps_none_of_it() -> None:
    X, Y = digits_like(40, np.float64)
    X_before, Y_before = X.copy(), Y.copy()
    params = fnmlp.init([6, 5, 3], output=softmax, seed=0)
    result = train(
        params,
        X,
        Y,
        loss=categorical_cross_entropy,
        optimizer=adam(0.01),
        epochs=4,
        batch_size=8,
        validation=(X, Y),
    )
    assert X.flags.writeable and Y.flags.writeable  # the caller's flags are untouched
    assert np.array_equal(X, X_before) and np.array_equal(Y, Y_before)
    kept = [*arrays(result.params), *arrays(result.state.opt_state)]
    assert not any(np.shares_memory(a, data) for a in kept for data in (X, Y))
    # the same run on a copy gives the same network
    again = train(
        params,
        X.copy(),
        Y.copy(),
        loss=categorical_cross_entropy,
        optimizer=adam(0.01),
        epochs=4,
        batch_size=8,
        validation=(X.copy(), Y.copy()),
    )
    assert same_bits(result.params, again.params)


def test_a_scan_copies_the_data_it_keeps_between_epochs() -> None:
    X, Y = digits_like(12, np.float64)
    states = fnmlp.scan(
        fnmlp.init([6, 3], output=softmax, seed=0),
        X,
        Y,
        loss=categorical_cross_entropy,
        optimizer=sgd(0.1),
        epochs=3,
    )
    first = next(states)
    X[...] = 1e6  # the caller changes its array between epochs
    rest = list(states)
    unchanged = fnmlp.scan(
        first,
        digits_like(12, np.float64)[0],
        Y,
        loss=categorical_cross_entropy,
        optimizer=sgd(0.1),
        epochs=3,
    )
    assert same_bits(rest[-1].params, list(unchanged)[-1].params)


def test_a_large_training_set_is_logged_in_slices_with_the_same_loss() -> None:
    m = 5000  # wider than max(batch_size, 2048): three slices
    X, Y = digits_like(m, np.float64, seed=4)
    params = fnmlp.init([6, 16, 3], output=softmax, seed=5)
    opt = adam(0.01)
    result = train(
        params,
        X,
        Y,
        loss=categorical_cross_entropy,
        optimizer=opt,
        epochs=2,
        batch_size=500,
        l2=0.1,
        validation=(X[:, :3000], Y[:, :3000]),
    )
    history = result.history
    for i, net in enumerate([params, result.params]):
        squares = sum(float(np.sum(layer.W**2)) for layer in net.layers)
        whole = fnmlp.loss(fnmlp.forward(net, X)[0], Y, categorical_cross_entropy)
        assert history.train_loss[2 * i] == pytest.approx(
            whole + 0.1 / (2 * m) * squares, rel=1e-12
        )
        assert history.train_accuracy[2 * i] == fnmlp.accuracy(net, X, Y)
        held_out = fnmlp.forward(net, X[:, :3000])[0]
        assert history.validation_loss[2 * i] == pytest.approx(
            fnmlp.loss(held_out, Y[:, :3000], categorical_cross_entropy), rel=1e-12
        )
        assert history.validation_accuracy[2 * i] == fnmlp.accuracy(net, X[:, :3000], Y[:, :3000])


def test_full_batch_divergence_is_found_although_checked_every_16_epochs() -> None:
    # a single Layer in full batch: parameters checked every 16 epochs
    X = np.array([[0.0, 1.0, 2.0, 3.0]]) * 50
    Y = np.array([[0.0, 1.0, 2.0, 3.0]])
    params = Params((Layer(np.ones((1, 1)), np.zeros((1, 1)), fnmlp.linear),))
    settings: dict[str, Any] = {
        "loss": fnmlp.mean_squared_error,
        "optimizer": sgd(1.0),
        "epochs": 200,
        "log_every": 1000,
    }
    with pytest.raises(fnmlp.DivergenceError) as caught:
        train(params, X, Y, **settings)
    # scan checks every epoch: the same epoch and layer
    with pytest.raises(fnmlp.DivergenceError) as stepwise:
        list(fnmlp.scan(params, X, Y, **settings))
    assert (caught.value.epoch, caught.value.layer) == (stepwise.value.epoch, 1) == (36, 1)
    assert str(caught.value) == str(stepwise.value)
