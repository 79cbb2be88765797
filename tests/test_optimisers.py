"""Optimisers: first steps by hand, long trajectories against the published rules, checks.

Every expected value below is written out as arithmetic on the numbers of a
one-layer network ``W = [[1, -2]]``, ``b = [[0.5]]``; the trajectories compare
fnmlp with plain numpy implementations of the update rules as published
(Kingma & Ba's Algorithm 1 with ``eps`` outside the root, as ``torch.optim.Adam``;
``torch.optim.AdamW``'s decoupled decay; RMSProp as ``torch.optim.RMSprop``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pytest

import fnmlp
from fnmlp import (
    AdamState,
    Grads,
    Layer,
    MomentumState,
    Optimizer,
    Params,
    RMSPropState,
    SgdState,
    adam,
    adamw,
    linear,
    momentum,
    rmsprop,
    sgd,
    tanh,
)
from fnmlp.errors import HyperparameterError

Array = np.ndarray[Any, np.dtype[np.float64]]


def tiny(dtype: type[np.float32] | type[np.float64] = np.float64) -> Params[Any]:
    W = np.array([[1.0, -2.0]], dtype=dtype)
    b = np.array([[0.5]], dtype=dtype)
    return Params((Layer(W, b, linear),))


def grads_of(dW: list[float], db: float, dtype: type[Any] = np.float64) -> Grads[Any]:
    return Grads(dW=(np.array([dW], dtype=dtype),), db=(np.array([[db]], dtype=dtype),))


G1 = grads_of([0.5, -1.0], 2.0)
G2 = grads_of([-0.25, 0.5], 1.0)


def values(params: Params[Any]) -> list[float]:
    """``[W11, W12, b1]`` of a one-layer, one-unit network."""
    layer = params.layers[0]
    return [float(layer.W[0, 0]), float(layer.W[0, 1]), float(layer.b[0, 0])]


def run(opt: Optimizer[Any], steps: list[Grads[Any]]) -> tuple[list[float], Any]:
    params = tiny()
    state = opt.init(params)
    for grads in steps:
        params, state = opt.step(params, grads, state)
    return values(params), state


def close(got: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


# ----------------------------------------------------------------------------- first steps


def test_sgd_first_step_by_hand() -> None:
    got, state = run(sgd(0.1), [G1])
    close(got, [1 - 0.1 * 0.5, -2 - 0.1 * -1.0, 0.5 - 0.1 * 2.0])
    close(got, [0.95, -1.9, 0.3])
    assert state.count == 1


def layer_view(params: Params[Any], flat: Any, field: str) -> Any:
    """Layer 1's ``W`` or ``b`` part of a flat moment."""
    Ws, bs = params.structure.split(flat)
    return Ws[0] if field == "W" else bs[0]


def test_momentum_first_steps_by_hand() -> None:
    # step 1: v = g, p -= 0.1 v (plain sgd); step 2: v = 0.9 g + g = 1.9 g.
    one, _ = run(momentum(0.1, beta=0.9), [G1])
    close(one, [0.95, -1.9, 0.3])
    two, state = run(momentum(0.1, beta=0.9), [G1, G1])
    close(two, [0.95 - 0.1 * 1.9 * 0.5, -1.9 - 0.1 * 1.9 * -1.0, 0.3 - 0.1 * 1.9 * 2.0])
    close(two, [0.855, -1.71, -0.08])
    close(
        [
            float(layer_view(tiny(), state.velocity, "W")[0, 0]),
            float(layer_view(tiny(), state.velocity, "b")[0, 0]),
        ],
        [0.95, 3.8],
    )


def test_nesterov_first_steps_by_hand() -> None:
    # step 1: v = g, p -= 0.1 (g + 0.9 v) = 0.1 * 1.9 g.
    one, _ = run(momentum(0.1, beta=0.9, nesterov=True), [G1])
    close(one, [1 - 0.19 * 0.5, -2 + 0.19 * 1.0, 0.5 - 0.19 * 2.0])
    close(one, [0.905, -1.81, 0.12])
    # step 2: v = 1.9 g, p -= 0.1 (g + 0.9 * 1.9 g) = 0.1 * 2.71 g.
    two, _ = run(momentum(0.1, beta=0.9, nesterov=True), [G1, G1])
    close(two, [0.905 - 0.271 * 0.5, -1.81 + 0.271 * 1.0, 0.12 - 0.271 * 2.0])
    close(two, [0.7695, -1.539, -0.422])


def test_rmsprop_first_steps_by_hand() -> None:
    lr, eps = 0.01, 1e-8
    # step 1: s = 0.1 g^2; p -= lr g / (sqrt(s) + eps).
    s1 = [0.1 * 0.25, 0.1 * 1.0, 0.1 * 4.0]
    p1 = [
        1 - lr * 0.5 / (math.sqrt(s1[0]) + eps),
        -2 - lr * -1.0 / (math.sqrt(s1[1]) + eps),
        0.5 - lr * 2.0 / (math.sqrt(s1[2]) + eps),
    ]
    one, state = run(rmsprop(lr, rho=0.9, eps=eps), [G1])
    close(one, p1)
    # about lr / sqrt(0.1) = 0.0316 against the sign of each gradient
    np.testing.assert_allclose(one, [1 - 0.0316228, -2 + 0.0316228, 0.5 - 0.0316228], rtol=1e-6)
    close(
        [
            float(layer_view(tiny(), state.square, "W")[0, 1]),
            float(layer_view(tiny(), state.square, "b")[0, 0]),
        ],
        [0.1, 0.4],
    )
    # step 2 with other gradients: s = 0.9 s + 0.1 g^2.
    s2 = [0.9 * s1[0] + 0.1 * 0.0625, 0.9 * s1[1] + 0.1 * 0.25, 0.9 * s1[2] + 0.1 * 1.0]
    p2 = [
        p1[0] - lr * -0.25 / (math.sqrt(s2[0]) + eps),
        p1[1] - lr * 0.5 / (math.sqrt(s2[1]) + eps),
        p1[2] - lr * 1.0 / (math.sqrt(s2[2]) + eps),
    ]
    two, _ = run(rmsprop(lr, rho=0.9, eps=eps), [G1, G2])
    close(two, p2)


def adam_by_hand(lr: float, weight_decay: float) -> list[float]:
    """Two steps of torch's Adam/AdamW on ``tiny()`` with ``G1`` then ``G2``, entry by entry."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    out = []
    for p, g1, g2, decays in (
        (1.0, 0.5, -0.25, True),
        (-2.0, -1.0, 0.5, True),
        (0.5, 2.0, 1.0, False),
    ):
        wd = weight_decay if decays else 0.0  # fnmlp decays W, not b
        # t = 1: m = 0.1 g, v = 0.001 g^2, mhat = g, vhat = g^2
        p = p * (1 - lr * wd)
        m, v = 0.1 * g1, 0.001 * g1 * g1
        p = p - lr * (m / 0.1) / (math.sqrt(v / 0.001) + eps)
        # t = 2: bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999
        p = p * (1 - lr * wd)
        m, v = b1 * m + (1 - b1) * g2, b2 * v + (1 - b2) * g2 * g2
        p = p - lr * (m / 0.19) / (math.sqrt(v / 0.001999) + eps)
        out.append(p)
    return out


def test_adam_first_steps_by_hand() -> None:
    one, state = run(adam(0.1), [G1])
    # the first step of Adam moves every parameter by lr against its gradient's sign
    close(
        one,
        [1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 + 0.1 * 1.0 / (1.0 + 1e-8), 0.5 - 0.1 * 2 / (2 + 1e-8)],
    )
    assert state.count == 1
    close(
        [
            float(layer_view(tiny(), state.mean, "W")[0, 0]),
            float(layer_view(tiny(), state.square, "b")[0, 0]),
        ],
        [0.05, 0.004],
    )
    two, state = run(adam(0.1), [G1, G2])
    close(two, adam_by_hand(0.1, 0.0))
    assert state.count == 2


def test_adamw_first_steps_by_hand() -> None:
    two, _ = run(adamw(0.1, weight_decay=0.5), [G1, G2])
    close(two, adam_by_hand(0.1, 0.5))
    # the decay shrinks W before the Adam step: 1 * (1 - 0.1 * 0.5) - 0.1 (1 - 1e-8 / 0.5...)
    one, _ = run(adamw(0.1, weight_decay=0.5), [G1])
    close(one[:1], [1 * (1 - 0.05) - 0.1 * 0.5 / (0.5 + 1e-8)])


def test_adamw_decays_weights_not_biases() -> None:
    zero = grads_of([0.0, 0.0], 0.0)
    got, _ = run(adamw(0.1, weight_decay=0.5), [zero, zero, zero])
    # no gradient: Adam's step is 0 / (0 + eps) = 0, and only the decay acts, on W alone
    close(got, [1 * 0.95**3, -2 * 0.95**3, 0.5])
    assert "biases get plain Adam (not decayed" in " ".join((adamw.__doc__ or "").split())


def test_weight_decay_zero_is_adam() -> None:
    steps = [G1, G2, G1]
    assert run(adamw(0.05, weight_decay=0.0), steps)[0] == run(adam(0.05), steps)[0]


# ----------------------------------------------------------------------------- trajectories


def problem() -> tuple[Params[np.float64], Array, Array]:
    rng = np.random.default_rng(3)
    X: Array = rng.standard_normal((3, 16))
    Y: Array = np.tanh(X[:1] - 2 * X[1:2]) + 0.5 * X[2:3] ** 2
    params = fnmlp.init([3, 5, 1], activations=[tanh, linear], scheme="xavier", seed=4)
    return params, X, Y


def gradient(
    Ws: list[Array], bs: list[Array], X: Array, Y: Array
) -> tuple[list[Array], list[Array]]:
    """fnmlp's gradient (checked elsewhere against finite differences) at plain arrays."""
    params = Params(
        (Layer(Ws[0], bs[0], tanh), Layer(Ws[1], bs[1], linear)),
    )
    _, cache = fnmlp.forward(params, X)
    grads = fnmlp.backward(params, cache, Y, fnmlp.mean_squared_error)
    return [np.array(g) for g in grads.dW], [np.array(g) for g in grads.db]


Rule = Callable[[list[Array], list[Array], int, dict[str, list[Array]]], None]


def adam_rule(lr: float, b1: float, b2: float, eps: float, wd: float) -> Rule:
    """Kingma & Ba, Algorithm 1, as torch.optim.AdamW (decoupled decay on weights)."""

    def rule(ps: list[Array], gs: list[Array], t: int, memory: dict[str, list[Array]]) -> None:
        ms = memory.setdefault("m", [np.zeros_like(p) for p in ps])
        vs = memory.setdefault("v", [np.zeros_like(p) for p in ps])
        for i, (p, g) in enumerate(zip(ps, gs)):
            if memory["decays"][i].all():
                p *= 1 - lr * wd
            ms[i] = b1 * ms[i] + (1 - b1) * g
            vs[i] = b2 * vs[i] + (1 - b2) * g * g
            mhat = ms[i] / (1 - b1**t)
            vhat = vs[i] / (1 - b2**t)
            p -= lr * mhat / (np.sqrt(vhat) + eps)

    return rule


def rmsprop_rule(lr: float, rho: float, eps: float) -> Rule:
    def rule(ps: list[Array], gs: list[Array], t: int, memory: dict[str, list[Array]]) -> None:
        ss = memory.setdefault("s", [np.zeros_like(p) for p in ps])
        for i, (p, g) in enumerate(zip(ps, gs)):
            ss[i] = rho * ss[i] + (1 - rho) * g * g
            p -= lr * g / (np.sqrt(ss[i]) + eps)

    return rule


def reference(rule: Rule, steps: int) -> list[Array]:
    params, X, Y = problem()
    Ws = [np.array(layer.W) for layer in params.layers]
    bs = [np.array(layer.b) for layer in params.layers]
    memory: dict[str, list[Array]] = {"decays": [np.ones(1), np.ones(1), np.zeros(1), np.zeros(1)]}
    for t in range(1, steps + 1):
        dWs, dbs = gradient(Ws, bs, X, Y)
        rule(Ws + bs, dWs + dbs, t, memory)
    return Ws + bs


def fnmlp_run(opt: Optimizer[Any], steps: int) -> list[Array]:
    params, X, Y = problem()
    state = opt.init(params)
    for _ in range(steps):
        _, cache = fnmlp.forward(params, X)
        params, state = opt.step(
            params, fnmlp.backward(params, cache, Y, fnmlp.mean_squared_error), state
        )
    assert state.count == steps
    return [layer.W for layer in params.layers] + [layer.b for layer in params.layers]


@pytest.mark.parametrize(
    ("opt", "rule"),
    [
        (adam(0.01), adam_rule(0.01, 0.9, 0.999, 1e-8, 0.0)),
        (adam(0.003, beta1=0.8, beta2=0.99, eps=1e-6), adam_rule(0.003, 0.8, 0.99, 1e-6, 0.0)),
        (adamw(0.01, weight_decay=0.1), adam_rule(0.01, 0.9, 0.999, 1e-8, 0.1)),
        (rmsprop(0.003), rmsprop_rule(0.003, 0.9, 1e-8)),
        (rmsprop(0.001, rho=0.99, eps=1e-6), rmsprop_rule(0.001, 0.99, 1e-6)),
    ],
    ids=["adam", "adam-settings", "adamw", "rmsprop", "rmsprop-settings"],
)
def test_trajectory_matches_published_rule(opt: Optimizer[Any], rule: Rule) -> None:
    start = [np.array(p) for p in fnmlp_run(opt, 0)]
    got = fnmlp_run(opt, 200)
    expected = reference(rule, 200)
    for g, e, s in zip(got, expected, start):
        assert not np.allclose(g, s, rtol=1e-3)  # the parameters really moved
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def test_adam_lowers_the_loss_of_the_trajectory_problem() -> None:
    params, X, Y = problem()
    before = fnmlp.loss(fnmlp.forward(params, X)[0], Y, fnmlp.mean_squared_error)
    Ws = fnmlp_run(adam(0.01), 200)
    after_params = Params((Layer(Ws[0], Ws[2], tanh), Layer(Ws[1], Ws[3], linear)))
    after = fnmlp.loss(fnmlp.forward(after_params, X)[0], Y, fnmlp.mean_squared_error)
    assert after < 0.5 * before


# ----------------------------------------------------------------------------- hyperparameters


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: sgd(0), "learning_rate"),
        (lambda: sgd(-0.1), "learning_rate"),
        (lambda: sgd(float("nan")), "learning_rate"),
        (lambda: sgd(float("inf")), "learning_rate"),
        (lambda: sgd("0.1"), "learning_rate"),  # type: ignore[arg-type]
        (lambda: sgd(True), "learning_rate"),
        (lambda: momentum(0.0), "learning_rate"),
        (lambda: momentum(0.1, beta=1.5), "beta"),
        (lambda: momentum(0.1, beta=-0.1), "beta"),
        (lambda: momentum(0.1, beta=float("nan")), "beta"),
        (lambda: momentum(0.1, nesterov=1), "nesterov"),  # type: ignore[arg-type]
        (lambda: momentum(0.1, nesterov="yes"), "nesterov"),  # type: ignore[arg-type]
        (lambda: rmsprop(-1.0), "learning_rate"),
        (lambda: rmsprop(0.1, rho=1.0), "rho"),
        (lambda: rmsprop(0.1, rho=-0.5), "rho"),
        (lambda: rmsprop(0.1, eps=-1e-8), "eps"),
        (lambda: rmsprop(0.1, eps=float("inf")), "eps"),
        (lambda: rmsprop(0.1, eps=0.0), "eps"),
        (lambda: adam(float("inf")), "learning_rate"),
        (lambda: adam(0.1, beta1=1.0), "beta1"),
        (lambda: adam(0.1, beta1=-0.1), "beta1"),
        (lambda: adam(0.1, beta2=1.5), "beta2"),
        (lambda: adam(0.1, beta2=1.0), "beta2"),
        (lambda: adam(0.1, eps=-1.0), "eps"),
        (lambda: adam(0.1, eps=0), "eps"),
        (lambda: adamw(0.1, eps=0.0), "eps"),
        (lambda: adamw(0.1, weight_decay=-0.01), "weight_decay"),
        (lambda: adamw(0.1, weight_decay=float("nan")), "weight_decay"),
        (lambda: adamw(0.1, beta1=2.0), "beta1"),
    ],
)
def test_bad_hyperparameters_fail_when_made(make: Callable[[], object], name: str) -> None:
    with pytest.raises(fnmlp.HyperparameterError, match=rf"^{name}: expected"):
        make()


def test_edge_hyperparameters_are_accepted() -> None:
    edges: list[Optimizer[Any]] = [
        momentum(0.1, beta=0.0),
        rmsprop(0.1, rho=0.0, eps=1e-300),
        adam(1.0, 0.0, 0.0, 1e-300),
        adamw(1.0, weight_decay=0.0),
    ]
    for opt in edges:
        params, _ = opt.step(tiny(), G1, opt.init(tiny()))
        assert np.isfinite(values(params)).all()


def test_a_zero_gradient_is_a_zero_step_for_the_root_scaled_optimisers() -> None:
    # eps must be positive: with eps = 0 an exactly-zero gradient is 0 / 0 = NaN.
    zero = grads_of([0.0, 0.0], 0.0)
    optimisers: list[Optimizer[Any]] = [
        rmsprop(0.1, eps=1e-12),
        adam(0.1, eps=1e-12),
        adamw(0.1, weight_decay=0.0),
    ]
    for opt in optimisers:
        params, _ = opt.step(tiny(), zero, opt.init(tiny()))
        assert values(params) == values(tiny()), opt
    for make in (rmsprop, adam, adamw):
        with pytest.raises(
            fnmlp.HyperparameterError, match=r"^eps: expected a positive finite number, got 0"
        ):
            make(0.1, eps=0.0)


def test_states_are_frozen_records_with_readable_hyperparameters() -> None:
    params = tiny()
    s0 = sgd(0.1).init(params)
    m0 = momentum(0.2, beta=0.8, nesterov=True).init(params)
    r0 = rmsprop(0.3, rho=0.7, eps=1e-6).init(params)
    a0 = adamw(0.4, beta1=0.5, beta2=0.6, eps=1e-7, weight_decay=0.05).init(params)
    assert [type(s).__name__ for s in (s0, m0, r0, a0)] == [
        SgdState.__name__,
        MomentumState.__name__,
        RMSPropState.__name__,
        AdamState.__name__,
    ]
    assert (s0.learning_rate, s0.count) == (0.1, 0)
    assert (m0.learning_rate, m0.beta, m0.nesterov, m0.count) == (0.2, 0.8, True, 0)
    assert (r0.learning_rate, r0.rho, r0.eps, r0.count) == (0.3, 0.7, 1e-6, 0)
    hyper = (a0.learning_rate, a0.beta1, a0.beta2, a0.eps, a0.weight_decay, a0.count)
    assert hyper == (0.4, 0.5, 0.6, 1e-7, 0.05, 0)
    assert "learning_rate=0.1" in repr(s0)
    cases: list[tuple[Optimizer[Any], Any]] = [
        (sgd(0.1), s0),
        (momentum(0.2, beta=0.8, nesterov=True), m0),
        (rmsprop(0.3, rho=0.7, eps=1e-6), r0),
        (adamw(0.4, beta1=0.5, beta2=0.6, eps=1e-7, weight_decay=0.05), a0),
    ]
    for opt, state in cases:
        _, state = opt.step(params, G1, state)
        assert state.count == 1
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            state.count = 5
        for field in attrs.fields(type(state)):
            arrays = getattr(state, field.name)
            if isinstance(arrays, tuple):
                assert arrays
                assert all(not a.flags.writeable for a in arrays)
                with pytest.raises(ValueError, match="read-only"):
                    arrays[0][0, 0] = 1.0


def test_optimiser_names_show_their_settings() -> None:
    assert (
        str(momentum(0.1, beta=0.5, nesterov=True))
        == "momentum(learning_rate=0.1, beta=0.5, nesterov=True)"
    )
    assert str(rmsprop(0.01)) == "rmsprop(learning_rate=0.01, rho=0.9, eps=1e-08)"
    assert "weight_decay=0.2" in str(adamw(0.01, weight_decay=0.2))


# ----------------------------------------------------------------------------- wrong states


ALL: list[Callable[[], Optimizer[Any]]] = [
    lambda: sgd(0.1),
    lambda: momentum(0.1),
    lambda: momentum(0.1, nesterov=True),
    lambda: rmsprop(0.01),
    lambda: adam(0.01),
    lambda: adamw(0.01, weight_decay=0.1),
]


@pytest.mark.parametrize("make", ALL[1:])
def test_state_of_another_architecture_is_refused(make: Callable[[], Optimizer[Any]]) -> None:
    opt = make()
    small, big = fnmlp.init([2, 3, 1], seed=0), fnmlp.init([2, 4, 1], seed=0)
    _, cache = fnmlp.forward(small, np.zeros((2, 1)))
    grads = fnmlp.backward(small, cache, [[1.0]], fnmlp.binary_cross_entropy)
    with pytest.raises(
        fnmlp.ShapeError, match=r"^state\.\w+: expected an array of shape \(1, 13\) .*got \(1, 17\)"
    ):
        opt.step(small, grads, opt.init(big))
    float32 = fnmlp.init([2, 3, 1], seed=0, dtype=np.float32)
    with pytest.raises(
        fnmlp.DTypeError,
        match=r"^state\.\w+: expected an array in float64 like params, got float32",
    ):
        opt.step(small, grads, opt.init(float32))


def test_state_of_another_optimiser_is_refused() -> None:
    params = tiny()
    with pytest.raises(
        fnmlp.DTypeError,
        match=r"^state: expected the AdamState of this optimiser, got MomentumState",
    ):
        adam(0.1).step(params, G1, momentum(0.1).init(params))  # type: ignore[arg-type]
    with pytest.raises(
        fnmlp.DTypeError, match=r"^state: expected the SgdState of this optimiser, got AdamState"
    ):
        sgd(0.1).step(params, G1, adam(0.1).init(params))  # type: ignore[arg-type]
    with pytest.raises(fnmlp.DTypeError, match=r"got dict"):
        sgd(0.1).step(params, G1, {"count": 0})  # type: ignore[arg-type]
    with pytest.raises(
        fnmlp.HyperparameterError, match=r"^state\.learning_rate: expected 0\.01 .*got 0\.1"
    ):
        adam(0.01).step(params, G1, adam(0.1).init(params))
    with pytest.raises(
        fnmlp.HyperparameterError, match=r"^state\.weight_decay: expected 0\.1 .*got 0\.0"
    ):
        adamw(0.01, weight_decay=0.1).step(params, G1, adam(0.01).init(params))
    with pytest.raises(fnmlp.HyperparameterError, match=r"^state\.nesterov: expected True"):
        momentum(0.1, nesterov=True).step(params, G1, momentum(0.1).init(params))
    with pytest.raises(fnmlp.HyperparameterError, match=r"^state\.rho"):
        rmsprop(0.1, rho=0.5).step(params, G1, rmsprop(0.1).init(params))
    # the same settings, made twice, are the same optimiser; a schedule by its settings
    adam(0.01).step(params, G1, adam(0.01).init(params))
    cosine = adam(fnmlp.cosine_decay(0.1, steps=10))
    cosine.step(params, G1, adam(fnmlp.cosine_decay(0.1, steps=10)).init(params))
    with pytest.raises(fnmlp.HyperparameterError, match=r"^state\.learning_rate"):
        cosine.step(params, G1, adam(fnmlp.cosine_decay(0.1, steps=20)).init(params))


def test_a_changed_setting_is_carried_over_with_evolve() -> None:
    params = tiny()
    _, state = adam(0.1).step(params, G1, adam(0.1).init(params))
    slower = adam(0.01)
    new, moved = slower.step(params, G1, attrs.evolve(state, learning_rate=0.01))
    assert moved.count == 2 and moved.learning_rate == 0.01
    assert values(new) != values(params)


# ----------------------------------------------------------------------------- purity and dtype


@pytest.mark.parametrize("make", ALL)
def test_step_mutates_nothing(make: Callable[[], Optimizer[Any]]) -> None:
    opt = make()
    params = fnmlp.init([3, 4, 2], seed=1)
    rng = np.random.default_rng(2)
    grads = Grads(
        dW=tuple(rng.standard_normal(layer.W.shape) for layer in params.layers),
        db=tuple(rng.standard_normal(layer.b.shape) for layer in params.layers),
    )
    state = opt.init(params)
    params, state = opt.step(params, grads, state)  # a state with non-zero moments

    def snapshot(*records: Any) -> list[Array]:
        out: list[Array] = []
        for record in records:
            for field in attrs.fields(type(record)):
                value = getattr(record, field.name)
                items = value if isinstance(value, tuple) else (value,)
                for item in items:
                    if isinstance(item, Layer):
                        out += [item.W.copy(), item.b.copy()]
                    elif isinstance(item, np.ndarray):
                        out.append(item.copy())
        return out

    before = snapshot(params, grads, state)
    new_params, new_state = opt.step(params, grads, state)
    after = snapshot(params, grads, state)
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert new_state.count == state.count + 1 == 2
    assert all(
        not layer.W.flags.writeable and not layer.b.flags.writeable for layer in new_params.layers
    )
    assert all(not np.shares_memory(n.W, o.W) for n, o in zip(new_params.layers, params.layers))


@pytest.mark.parametrize("make", ALL)
def test_float32_stays_float32(make: Callable[[], Optimizer[Any]]) -> None:
    opt = make()
    params = tiny(np.float32)
    grads = grads_of([0.5, -1.0], 2.0, np.float32)
    state = opt.init(params)
    for _ in range(3):
        params, state = opt.step(params, grads, state)
    assert all(
        layer.W.dtype == np.float32 and layer.b.dtype == np.float32 for layer in params.layers
    )
    for field in attrs.fields(type(state)):
        value = getattr(state, field.name)
        if isinstance(value, tuple):
            assert all(a.dtype == np.float32 for a in value)
    float64, _ = run(make(), [G1, G1, G1])
    np.testing.assert_allclose(values(params), float64, rtol=1e-5)


def test_step_checks_params_and_grads() -> None:
    opt = sgd(0.1)
    with pytest.raises(fnmlp.DTypeError, match=r"^params: expected fnmlp Params"):
        opt.step("params", G1, opt.init(tiny()))  # type: ignore[arg-type]
    wrong = grads_of([0.5, -1.0], 2.0, np.float32)
    with pytest.raises(
        fnmlp.DTypeError,
        match=r"^grads\.dW\[0\] \(layer 1\): expected dtype float64 like params, got float32",
    ):
        opt.step(tiny(), wrong, opt.init(tiny()))


def test_default_hyperparameters_are_the_documented_ones() -> None:
    params = fnmlp.init([2, 1], seed=0)
    assert momentum(0.1).settings == (("learning_rate", 0.1), ("beta", 0.9), ("nesterov", False))
    assert rmsprop(0.1).settings == (("learning_rate", 0.1), ("rho", 0.9), ("eps", 1e-8))
    adam_defaults = (("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8))
    assert adam(0.1).settings == (("learning_rate", 0.1), *adam_defaults, ("weight_decay", 0.0))
    assert adamw(0.1).settings == (("learning_rate", 0.1), *adam_defaults, ("weight_decay", 0.01))
    m, r, a = momentum(0.1).init(params), rmsprop(0.1).init(params), adam(0.1).init(params)
    assert (m.beta, m.nesterov) == (0.9, False)
    assert (r.rho, r.eps) == (0.9, 1e-8)
    assert (a.beta1, a.beta2, a.eps) == (0.9, 0.999, 1e-8)


@pytest.mark.parametrize("make", [sgd, momentum, rmsprop, adam, adamw])
def test_a_state_with_a_negative_count_is_refused(make: Callable[[float], Optimizer[Any]]) -> None:
    params = fnmlp.init([2, 1], seed=0)
    X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 0.0]])
    _, cache = fnmlp.forward(params, X)
    grads = fnmlp.backward(params, cache, Y, fnmlp.mean_squared_error)
    optimizer = make(0.1)
    state = attrs.evolve(optimizer.init(params), count=-1)
    with pytest.raises(
        HyperparameterError, match=r"state\.count: expected a non-negative int, got -1"
    ):
        optimizer.step(params, grads, state)


def test_adamw_decays_a_whole_array_as_the_weights_of_the_packed_one() -> None:
    # a rule's ``decayed`` may be True or False for a whole array, or a mask of the weights
    optimizer = adamw(0.1, weight_decay=0.5)
    p = np.array([[1.0, -2.0, 3.0]])
    g = np.array([[0.5, 0.5, -0.5]])
    moments = (np.zeros_like(p), np.zeros_like(p))
    whole, _ = optimizer.update(p, g, moments, 0, True)
    masked, _ = optimizer.update(p, g, moments, 0, np.ones((1, 3), dtype=bool))
    kept, _ = optimizer.update(p, g, moments, 0, False)
    np.testing.assert_array_equal(whole, masked)
    np.testing.assert_allclose(whole, kept - 0.1 * 0.5 * p, rtol=1e-15)


def test_a_schedule_may_reach_a_learning_rate_of_zero() -> None:
    params = tiny()
    zero = fnmlp.schedules.Schedule("zero after one step", lambda step: 0.0 if step else 0.1)
    optimizer = sgd(zero)
    grads = Grads((np.array([[1.0, 1.0]]),), (np.array([[1.0]]),))
    once, state = optimizer.step(params, grads, optimizer.init(params))
    twice, _ = optimizer.step(once, grads, state)
    assert not np.array_equal(once.theta, params.theta)
    np.testing.assert_array_equal(twice.theta, once.theta)


@pytest.mark.parametrize(
    "opt",
    [sgd(0.1), momentum(0.1), rmsprop(0.1), adam(0.1), adamw(0.1)],
    ids=lambda o: o.name.split("(")[0],
)
def test_init_of_something_other_than_params_names_params(opt: Optimizer[Any]) -> None:
    params = fnmlp.init([2, 3, 1], seed=0)
    bad: Any
    for bad in (Grads.zeros(params), None, "params", params.theta):
        with pytest.raises(fnmlp.DTypeError, match=r"^params: expected fnmlp Params, got"):
            opt.init(bad)
    with pytest.raises(fnmlp.DTypeError, match=r"^params: expected fnmlp Params, got NoneType"):
        Grads.zeros(None)  # type: ignore[arg-type]
