"""Laws that hold for every network: purity, read-only records, determinism, dtypes, resuming.

Hypothesis draws architectures (1 to 3 layers of 1 to 6 units), hidden and
output activations, losses that suit the output, float32 or float64, batch
sizes, optimisers and data, and every stage of the pipeline is run on them:
``init``, ``forward``, ``loss``, ``backward``, ``update``, an optimiser's
``init``/``step``, and ``train``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fnmlp import (
    Activation,
    Layer,
    Loss,
    Optimizer,
    Params,
    TrainResult,
    TrainState,
    adam,
    adamw,
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
    relu,
    rmsprop,
    sgd,
    sigmoid,
    softmax,
    tanh,
    train,
    update,
)
from fnmlp.aliases import Matrix
from fnmlp.initialisers import SCHEMES, Scheme

HIDDEN = [relu, sigmoid, tanh, leaky_relu, linear, softmax]
OUTPUT_LOSSES: list[tuple[Activation, Loss]] = [
    (sigmoid, binary_cross_entropy),
    (softmax, categorical_cross_entropy),
    *((output, mean_squared_error) for output in HIDDEN),
]
# Small steps: N(0, 1) weights with MSE can start at a loss of 100, and the
# laws are about purity and bits, not about convergence.
OPTIMISERS: list[Optimizer[Any]] = [
    sgd(0.005),
    momentum(0.005, beta=0.9),
    momentum(0.005, beta=0.5, nesterov=True),
    rmsprop(0.01),
    adam(0.01),
    adamw(0.01, weight_decay=0.1),
]


@attrs.frozen
class Case:
    """One drawn problem: a network's recipe, data and how to train it."""

    dims: list[int]
    activations: list[Activation]
    kind: Loss
    scheme: Scheme
    seed: int
    dtype: type[Any]
    X: Matrix[np.float64]
    Y: Matrix[np.float64]
    batch_size: int | None
    optimizer: Optimizer[Any]

    def params(self) -> Params[Any]:
        sigma = 0.5 if self.scheme == "normal" else None
        made: Params[Any] = init(
            self.dims,
            activations=self.activations,
            scheme=self.scheme,
            sigma=sigma,
            seed=self.seed,
            dtype=self.dtype,
        )
        return made


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n_layers = draw(st.integers(1, 3))
    output, kind = draw(st.sampled_from(OUTPUT_LOSSES))
    # a softmax output has one unit per class, at least two (one unit is refused)
    n_y = draw(st.integers(2, 4)) if output is softmax else draw(st.integers(1, 3))
    dims = [draw(st.integers(1, 6)) for _ in range(n_layers)] + [n_y]
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in range(n_layers - 1)]
    m = draw(st.integers(1, 8))
    data_seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(data_seed)
    X = rng.uniform(-2.0, 2.0, size=(dims[0], m))
    if kind is categorical_cross_entropy:
        Y = np.eye(n_y)[:, rng.integers(0, n_y, size=m)]
    elif kind is binary_cross_entropy:
        Y = rng.integers(0, 2, size=(n_y, m)).astype(np.float64)
    else:
        Y = rng.uniform(-1.0, 1.0, size=(n_y, m))
    batch_size = draw(st.none() | st.integers(1, m))
    return Case(
        dims=dims,
        activations=[*hidden, output],
        kind=kind,
        scheme=draw(st.sampled_from(SCHEMES)),
        seed=draw(st.integers(0, 2**32 - 1)),
        dtype=draw(st.sampled_from([np.float32, np.float64])),
        X=X,
        Y=Y,
        batch_size=batch_size,
        optimizer=draw(st.sampled_from(OPTIMISERS)),
    )


def arrays_of(record: object) -> Iterator[np.ndarray[Any, Any]]:
    """Every numpy array inside an fnmlp record, its nested records and tuples."""
    if isinstance(record, np.ndarray):
        yield record
    elif isinstance(record, tuple):
        for item in record:
            yield from arrays_of(item)
    elif attrs.has(type(record)):
        cls: Any = type(record)
        for field in attrs.fields(cls):
            if field.name != "log":  # the history: floats only
                yield from arrays_of(getattr(record, field.name))


def snapshot(record: object) -> list[np.ndarray[Any, Any]]:
    return [array.copy() for array in arrays_of(record)]


def assert_unchanged(record: object, before: list[np.ndarray[Any, Any]]) -> None:
    now = list(arrays_of(record))
    assert len(now) == len(before)
    for array, copy in zip(now, before):
        assert array.dtype == copy.dtype and array.shape == copy.shape
        assert array.tobytes() == copy.tobytes()


def assert_read_only(*records: object) -> None:
    for record in records:
        arrays = list(arrays_of(record))
        for array in arrays:
            assert not array.flags.writeable


def assert_same_bits(a: object, b: object) -> None:
    left, right = list(arrays_of(a)), list(arrays_of(b))
    assert len(left) == len(right)
    for x, y in zip(left, right):
        assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()


def fit(case: Case, start: Params[Any] | TrainState[Any], epochs: int) -> TrainResult[Any]:
    """``train`` on the case's data, logging every epoch, shuffled by the case's seed."""
    return train(
        start,
        case.X,
        case.Y,
        loss=case.kind,
        optimizer=case.optimizer,
        epochs=epochs,
        batch_size=case.batch_size,
        seed=case.seed,
        log_every=1,
    )


def run_every_stage(case: Case, params: Params[Any]) -> dict[str, Any]:
    """Every stage once, the outputs by name; checks purity of each stage as it goes."""
    X, Y = case.X, case.Y
    params_before = snapshot(params)
    Yhat, cache = forward(params, X)
    cache_before = snapshot(cache)
    value = loss(Yhat, Y, case.kind)
    assert np.isfinite(value)
    grads = backward(params, cache, Y, case.kind)
    grads_before = snapshot(grads)
    updated = update(params, grads, 0.1)
    opt = case.optimizer
    state = opt.init(params)
    state_before = snapshot(state)
    stepped, state1 = opt.step(params, grads, state)
    stepped2, state2 = opt.step(stepped, grads, state1)
    result = fit(case, params, 3)
    # no stage changed anything it was given
    assert_unchanged(params, params_before)
    assert_unchanged(cache, cache_before)
    assert_unchanged(grads, grads_before)
    assert_unchanged(state, state_before)
    return {
        "Yhat": Yhat,
        "cache": cache,
        "grads": grads,
        "updated": updated,
        "state": state,
        "stepped": stepped,
        "state1": state1,
        "stepped2": stepped2,
        "state2": state2,
        "result": result,
    }


# ----------------------------------------------------------------------------- purity


@given(cases())
def test_no_stage_mutates_its_inputs(case: Case) -> None:
    X, Y = case.X, case.Y
    X_copy, Y_copy = X.copy(), Y.copy()
    global_state = np.random.get_state()
    params = case.params()
    outputs = run_every_stage(case, params)
    # the caller's arrays are as they were, still writable, and fnmlp kept no view of them
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(Y, Y_copy)
    assert X.flags.writeable and Y.flags.writeable
    for array in arrays_of(tuple(outputs.values())):
        assert not np.shares_memory(array, X) and not np.shares_memory(array, Y)
    # and numpy's global random state was never touched
    after = np.random.get_state()
    assert global_state[0] == after[0] and np.array_equal(global_state[1], after[1])  # type: ignore[index]


@given(cases())
def test_records_copy_user_arrays(case: Case) -> None:
    rng = np.random.default_rng(case.seed)
    Ws = [
        rng.normal(size=(n, n_prev)).astype(case.dtype)
        for n_prev, n in zip(case.dims, case.dims[1:])
    ]
    bs = [rng.normal(size=(n, 1)).astype(case.dtype) for n in case.dims[1:]]
    copies = [a.copy() for a in (*Ws, *bs)]
    params = Params(tuple(Layer(W, b, g) for W, b, g in zip(Ws, bs, case.activations)))
    for mine, theirs, copy in zip(
        [*(la.W for la in params.layers), *(la.b for la in params.layers)], [*Ws, *bs], copies
    ):
        assert theirs.flags.writeable and not mine.flags.writeable
        assert not np.shares_memory(mine, theirs)
        np.testing.assert_array_equal(mine, copy)
    run_every_stage(case, params)
    for theirs, copy in zip([*Ws, *bs], copies):
        np.testing.assert_array_equal(theirs, copy)


@given(cases())
def test_every_record_array_is_read_only(case: Case) -> None:
    params = case.params()
    outputs = run_every_stage(case, params)
    result = outputs["result"]
    assert_read_only(params, *outputs.values(), result.state)
    # Z[l] and A[l] for l = 0..L, and the L layer inputs [A[l-1]; 1]
    assert len(list(arrays_of(outputs["cache"]))) == 3 * len(case.dims) - 1


# ----------------------------------------------------------------------------- determinism


@given(cases())
def test_the_same_seed_gives_the_same_bits(case: Case) -> None:
    first, second = case.params(), case.params()
    assert_same_bits(first, second)
    a, b = fit(case, first, 4), fit(case, second, 4)
    assert_same_bits(a.params, b.params)
    assert_same_bits(a.state.opt_state, b.state.opt_state)
    assert attrs.astuple(a.history) == attrs.astuple(b.history)


# ----------------------------------------------------------------------------- dtypes


@given(cases())
def test_the_network_dtype_is_kept_through_every_stage(case: Case) -> None:
    params = case.params()
    assert params.dtype == case.dtype
    outputs = run_every_stage(case, params)  # X and Y are float64: converted, not upcasting
    for name, output in outputs.items():
        for array in arrays_of(output):
            # every number is in the network's dtype (the layout's weight mask is boolean)
            assert array.dtype in (case.dtype, np.bool_), name


# ----------------------------------------------------------------------------- shapes


@given(cases())
def test_shapes_agree_through_every_stage(case: Case) -> None:
    params = case.params()
    m = case.X.shape[1]
    outputs = run_every_stage(case, params)
    assert outputs["Yhat"].shape == (case.dims[-1], m)
    assert [a.shape for a in outputs["cache"].A] == [(n, m) for n in case.dims]
    assert [z.shape for z in outputs["cache"].Z] == [(n, m) for n in case.dims]
    shapes = [layer.W.shape for layer in params.layers]
    bias_shapes = [layer.b.shape for layer in params.layers]
    assert [g.shape for g in outputs["grads"].dW] == shapes
    assert [g.shape for g in outputs["grads"].db] == bias_shapes
    for name in ("updated", "stepped", "stepped2"):
        assert outputs[name].dims == params.dims
    assert outputs["result"].params.dims == params.dims
    state = outputs["state2"]
    for field in attrs.fields(type(state)):
        value = getattr(state, field.name)
        if isinstance(value, tuple):
            expected = shapes if field.name.endswith("W") else bias_shapes
            assert [a.shape for a in value] == expected, field.name


# ----------------------------------------------------------------------------- resuming


@given(cases(), st.integers(1, 3), st.integers(1, 3))
def test_resuming_equals_one_long_run(case: Case, first: int, then: int) -> None:
    params = case.params()
    once = fit(case, params, first + then)
    resumed = fit(case, fit(case, params, first).state, then)
    assert resumed.state.epoch == once.state.epoch == first + then
    assert_same_bits(resumed.params, once.params)
    assert_same_bits(resumed.state.opt_state, once.state.opt_state)
    assert resumed.state.opt_state.count == once.state.opt_state.count
    assert resumed.history.epochs == once.history.epochs
    assert resumed.history.train_loss == once.history.train_loss


@given(cases())
def test_train_equals_a_hand_loop_of_the_public_stages(case: Case) -> None:
    """``train``'s packed steps compute what ``forward``, ``backward`` and ``step`` do, any network."""
    params = case.params()
    result = fit(case, params, 2)
    X = np.asarray(case.X, dtype=case.dtype)
    Y = np.asarray(case.Y, dtype=case.dtype)
    m = X.shape[1]
    size = m if case.batch_size is None else case.batch_size
    opt, by_hand = case.optimizer, params
    state = opt.init(params)
    for epoch in range(2):
        order = np.random.default_rng((case.seed, epoch)).permutation(m)
        batches = [order] if size >= m else [order[i : i + size] for i in range(0, m, size)]
        for cols in batches:
            if size >= m:
                cols = np.arange(m)  # full batch: the data in order
            _, cache = forward(by_hand, X[:, cols])
            grads = backward(by_hand, cache, Y[:, cols], case.kind)
            by_hand, state = opt.step(by_hand, grads, state)
    rtol, atol = (2e-3, 1e-5) if case.dtype is np.float32 else (1e-9, 1e-12)
    for got, want in zip(arrays_of(result.params), arrays_of(by_hand)):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    for got, want in zip(arrays_of(result.state.opt_state), arrays_of(state)):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    assert result.state.opt_state.count == state.count
