"""One representation: every path through the maths gives the same bits, and nothing handed out changes.

``train`` runs the same kernels and the same rule (``apply_rule``) as a hand
loop of the public ``forward``, ``backward`` and ``opt.step``: hypothesis
draws networks, losses, dtypes, batch sizes, epochs, L2 and optimisers
(built-in ones, with and without a schedule, and rules of a user's own,
one keeping views of the gradient as its moment) and asks for bit-identical
params, optimiser states and histories. Then: a rule that writes into its
arguments is refused alike by ``train`` and ``opt.step``; no array handed out
by ``train``, ``scan``, ``opt.step`` or to a rule changes afterwards; losses
and activations are told apart by their fields, not their identity; and the
gradient algebra (shards, ``total``, sample weights, ``add_grads``) adds up.

Four laws once broken have tests of their own: a user's state whose moment
is writable, ``total=m`` against the plain mean, the memory order of ``X``,
and mini-batches of one column.
"""

from __future__ import annotations

import copy
import itertools
import math
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnmlp
from fnmlp import (
    Activation,
    EarlyStopping,
    Grads,
    HyperparameterError,
    LabelError,
    Layer,
    Loss,
    Optimizer,
    Params,
    ShapeError,
    TrainState,
    adam,
    adamw,
    add_grads,
    backward,
    binary_cross_entropy,
    categorical_cross_entropy,
    cosine_decay,
    exponential_decay,
    forward,
    gradient,
    init,
    leaky_relu,
    linear,
    mean_squared_error,
    momentum,
    relu,
    rmsprop,
    scale_grads,
    scan,
    sgd,
    sigmoid,
    softmax,
    step_decay,
    tanh,
    train,
    value_and_gradient,
)
from fnmlp.losses import fuses

Array = np.ndarray[Any, np.dtype[Any]]
Rule = Callable[..., tuple[Array, tuple[Array, ...]]]

# ----------------------------------------------------------------------------- rules of a user's own


@attrs.frozen
class LastState:
    """A user's state: the steps taken and one moment, the previous step's direction."""

    count: int
    last: Array


def fresh_last(params: Params[Any]) -> LastState:
    zeros = np.zeros_like(params.theta)
    zeros.setflags(write=False)
    return LastState(0, zeros)


def keeps_views(
    p: Array, g: Array, moments: tuple[Array, ...], count: int, decayed: Any
) -> tuple[Array, tuple[Array, ...]]:
    """Heavy ball whose moment is the gradient itself, kept as a view (never copied)."""
    (last,) = moments
    new: Array = p - 0.01 * (g + 0.5 * last)
    return new, (g.reshape(g.shape),)


def writes_its_own(
    p: Array, g: Array, moments: tuple[Array, ...], count: int, decayed: Any
) -> tuple[Array, tuple[Array, ...]]:
    """Momentum with decay on the weights, computed in place in arrays it allocated itself."""
    (old,) = moments
    velocity: Array = np.multiply(old, 0.9)
    velocity += g
    new: Array = np.empty_like(p)
    np.multiply(velocity, 0.01, out=new)
    np.subtract(p, new, out=new)
    new[np.broadcast_to(decayed, p.shape)] *= 0.999
    return new, (velocity,)


def own_optimizer(name: str, rule: Rule) -> Optimizer[LastState]:
    return Optimizer(name, fresh_last, rule, ("last",))


# Small steps: the laws are about bits, not convergence, and must never diverge.
OPTIMISERS: list[Optimizer[Any]] = [
    sgd(0.01),
    sgd(step_decay(0.02, every=2, factor=0.5)),
    momentum(0.01, beta=0.9),
    momentum(exponential_decay(0.01, rate=0.9), beta=0.5, nesterov=True),
    momentum(0.01, nesterov=True),
    rmsprop(0.005),
    rmsprop(cosine_decay(0.005, steps=8)),
    adam(0.01),
    adam(step_decay(0.01, every=3)),
    adamw(0.01, weight_decay=0.1),
    adamw(cosine_decay(0.01, steps=8, final=0.001), weight_decay=0.1),
    own_optimizer("keeps_views", keeps_views),
    own_optimizer("writes_its_own", writes_its_own),
]

HIDDEN = [relu, sigmoid, tanh, leaky_relu, linear, softmax]
OUTPUT_LOSSES: list[tuple[Activation, Loss]] = [
    (sigmoid, binary_cross_entropy),
    (softmax, categorical_cross_entropy),
    *((output, mean_squared_error) for output in (linear, tanh, sigmoid, relu)),
]


@attrs.frozen
class Run:
    """One drawn training run."""

    dims: list[int]
    activations: list[Activation]
    kind: Loss
    dtype: type[Any]
    X: Array
    Y: Array
    batch_size: int | None
    epochs: int
    log_every: int
    seed: int
    l2: float
    optimizer: Optimizer[Any]

    def params(self) -> Params[Any]:
        made: Params[Any] = init(
            self.dims,
            activations=self.activations,
            scheme="xavier",
            seed=self.seed,
            dtype=self.dtype,
        )
        return made


def targets(kind: Loss, n_y: int, m: int, rng: np.random.Generator) -> Array:
    if kind is categorical_cross_entropy:
        one_hot: Array = np.eye(n_y)[:, rng.integers(0, n_y, size=m)]
        return one_hot
    if kind is binary_cross_entropy:
        labels: Array = rng.integers(0, 2, size=(n_y, m)).astype(np.float64)
        return labels
    values: Array = rng.uniform(-1.0, 1.0, size=(n_y, m))
    return values


def batch_sizes(m: int) -> list[int]:
    """Every batch size for ``m`` examples, one-column batches and the whole set included."""
    return list(range(1, m + 2))


@st.composite
def runs(draw: st.DrawFn) -> Run:
    n_layers = draw(st.integers(1, 3))
    output, kind = draw(st.sampled_from(OUTPUT_LOSSES))
    n_y = draw(st.integers(2, 3)) if output is softmax else draw(st.integers(1, 3))
    dims = [draw(st.integers(1, 5)) for _ in range(n_layers)] + [n_y]
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in range(n_layers - 1)]
    m = draw(st.integers(1, 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Run(
        dims=dims,
        activations=[*hidden, output],
        kind=kind,
        dtype=draw(st.sampled_from([np.float32, np.float64])),
        X=rng.uniform(-2.0, 2.0, size=(dims[0], m)),
        Y=targets(kind, n_y, m, rng),
        batch_size=draw(st.none() | st.sampled_from(batch_sizes(m))),
        epochs=draw(st.integers(1, 3)),
        log_every=draw(st.integers(1, 2)),
        seed=draw(st.integers(0, 2**32 - 1)),
        l2=draw(st.sampled_from([0.0, 0.05])),
        optimizer=draw(st.sampled_from(OPTIMISERS)),
    )


def fit(run: Run) -> fnmlp.TrainResult[Any]:
    return train(
        run.params(),
        run.X,
        run.Y,
        loss=run.kind,
        optimizer=run.optimizer,
        epochs=run.epochs,
        batch_size=run.batch_size,
        seed=run.seed,
        log_every=run.log_every,
        l2=run.l2,
    )


def l2_grads(params: Params[Any], l2: float, m: int) -> Grads[Any]:
    """The gradient of ``l2 / (2m) sum ||W||^2``, as training forms it: ``theta * (l2/m on W, 0 on b)``."""
    kind = params.dtype.type
    rate, zero = kind(l2 / m), kind(0)
    return Grads(
        dW=tuple(layer.W * rate for layer in params.layers),
        db=tuple(layer.b * zero for layer in params.layers),
    )


def penalty(params: Params[Any], l2: float, m: int) -> float:
    """``l2 / (2m) sum ||W||^2`` summed as training sums it, over the weights of ``theta`` in order."""
    if not l2:
        return 0.0
    weights = params.theta[params.structure.weights]
    return l2 / (2 * m) * float(weights.dot(weights))


def correct_entries(Yhat: Array, Y: Array, output: Activation) -> int:
    """Right answers: columns whose arg-max agrees (softmax), else entries on the right side of 0.5."""
    if not output.elementwise:
        return int(np.count_nonzero(Yhat.argmax(axis=0) == Y.argmax(axis=0)))
    return int(np.count_nonzero((Yhat >= 0.5) == (Y >= 0.5)))


@attrs.frozen
class HandRun:
    """What a hand loop ends with: params, optimiser state and the history's columns."""

    params: Params[Any]
    state: Any
    epochs: tuple[int, ...]
    losses: tuple[float, ...]
    accuracies: tuple[float, ...]
    best_epoch: int


def by_hand(run: Run) -> HandRun:
    """``train``'s run spelled out with the public stages, batch by batch, as ``train`` documents it."""
    params = run.params()
    opt = run.optimizer
    state = opt.init(params)
    X = np.asarray(run.X, dtype=run.dtype)
    Y = np.asarray(run.Y, dtype=run.dtype)
    m = X.shape[1]
    size = m if run.batch_size is None else min(run.batch_size, m)
    output = run.activations[-1]
    per_example = 1 if not output.elementwise else Y.shape[0]
    epochs: list[int] = []
    losses: list[float] = []
    accuracies: list[float] = []
    best_loss, best_epoch = math.inf, 0
    for epoch in range(run.epochs):
        if size == m:
            batches = [np.arange(m)]  # full batch: the data in order, every epoch
        else:
            order = np.random.default_rng((run.seed, epoch)).permutation(m)
            batches = [order[start : start + size] for start in range(0, m, size)]
        outputs: list[tuple[Array, Array, Array]] = []
        for columns in batches:
            # X[:, columns] is Fortran-ordered: the stages give the same bits whatever the order
            Xb, Yb = X[:, columns], Y[:, columns]
            _, direct = value_and_gradient(params, Xb, Yb, run.kind)
            Yhat, cache = forward(params, Xb)
            grads = backward(params, cache, Yb, run.kind)
            assert np.array_equal(direct.g, grads.g) and direct.g.dtype == grads.g.dtype
            # each batch's output before its step, measured together after the epoch
            outputs.append((cache.Z[-1], Yhat, Yb))
            if run.l2:
                grads = add_grads(grads, l2_grads(params, run.l2, m))
            params, state = opt.step(params, grads, state)
        done = epoch + 1
        if done == run.epochs or done % run.log_every == 0:
            Z, Yhat, Yb = (np.concatenate(arrays, axis=1) for arrays in zip(*outputs))
            fused = run.kind.from_logits is not None and fuses(run.kind, output)
            value = run.kind.from_logits(Z, Yb) if fused and run.kind.from_logits else None
            value = run.kind.value(Yhat, Yb) if value is None else value
            seen = float(Yb.shape[1])
            count = correct_entries(Yhat, Yb, output)
            loss = value + penalty(params, run.l2, m)
            epochs.append(done)
            losses.append(loss)
            accuracies.append(count / (seen * per_example))
            if loss < best_loss:
                best_loss, best_epoch = loss, done
    return HandRun(params, state, tuple(epochs), tuple(losses), tuple(accuracies), best_epoch)


def assert_same_state(got: Any, want: Any) -> None:
    """Every field of two optimiser states equal: arrays bit for bit (values and dtype)."""
    assert type(got) is type(want)
    for field in attrs.fields(type(want)):
        a, b = getattr(got, field.name), getattr(want, field.name)
        if isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray), field.name
            assert a.dtype == b.dtype and a.shape == b.shape, field.name
            assert np.array_equal(a, b), field.name
        else:
            assert a == b, field.name


# ----------------------------------------------------------------------------- 1. train == hand loop


@given(runs())
def test_train_is_bit_identical_to_a_hand_loop_of_forward_backward_and_step(run: Run) -> None:
    result = fit(run)
    hand = by_hand(run)
    assert result.params.theta.dtype == hand.params.theta.dtype
    assert np.array_equal(result.params.theta, hand.params.theta)
    assert_same_state(result.state.opt_state, hand.state)
    m = run.X.shape[1]
    size = m if run.batch_size is None else min(run.batch_size, m)
    assert result.state.opt_state.count == run.epochs * -(-m // size)
    assert result.state.epoch == run.epochs
    history = result.history
    assert history.epochs == hand.epochs
    assert history.train_loss == hand.losses
    assert history.train_accuracy == (hand.accuracies if run.kind.probabilities else ())
    assert history.best_epoch == hand.best_epoch


LAYOUT_GRID = [(n_x, m) for n_x in (2, 3, 4, 5) for m in (3, 5, 6, 7, 9)]


def one_unit_network(n_x: int, m: int) -> tuple[Params[Any], Array, Array]:
    """A first layer of one unit (its block a column, so ``Z[1]`` is a vector-matrix product)."""
    rng = np.random.default_rng(n_x * 100 + m)
    params = init([n_x, 1, 1], hidden=tanh, seed=n_x * 100 + 10 + m)
    X: Array = rng.uniform(-2.0, 2.0, size=(n_x, m))
    Y: Array = rng.integers(0, 2, size=(1, m)).astype(np.float64)
    return params, X, Y


def test_train_reads_the_values_of_x_not_its_memory_order() -> None:
    for n_x, m in LAYOUT_GRID:
        params, X, Y = one_unit_network(n_x, m)
        runs_ = [
            train(params, data, Y, loss=binary_cross_entropy, optimizer=adam(0.01), epochs=3)
            for data in (X, np.asfortranarray(X), np.ascontiguousarray(X.T).T)
        ]
        for other in runs_[1:]:
            assert np.array_equal(runs_[0].params.theta, other.params.theta)


def test_the_public_stages_read_the_values_of_x_not_its_memory_order() -> None:
    differ = []
    for n_x, m in LAYOUT_GRID:
        params, X, Y = one_unit_network(n_x, m)
        F = np.asfortranarray(X)
        same_output = np.array_equal(forward(params, X)[0], forward(params, F)[0])
        same_gradient = np.array_equal(
            gradient(params, X, Y, binary_cross_entropy).g,
            gradient(params, F, Y, binary_cross_entropy).g,
        )
        if not (same_output and same_gradient):
            differ.append((n_x, m))
    assert differ == []


def test_batches_of_one_column_step_as_the_public_stages() -> None:
    differ = []
    for n_x, m in LAYOUT_GRID:
        rng = np.random.default_rng(m)
        for batch_size in (1, m - 1):
            run = Run(
                dims=[n_x, 3, 2],
                activations=[tanh, sigmoid],
                kind=binary_cross_entropy,
                dtype=np.float64,
                X=rng.uniform(-2.0, 2.0, size=(n_x, m)),
                Y=targets(binary_cross_entropy, 2, m, rng),
                batch_size=batch_size,
                epochs=2,
                log_every=1,
                seed=n_x,
                l2=0.0,
                optimizer=sgd(0.1),
            )
            if not np.array_equal(fit(run).params.theta, by_hand(run).params.theta):
                differ.append((n_x, m, batch_size))
    assert differ == []


# ----------------------------------------------------------------------------- 2. rules that write


def writes_into_g(
    p: Array, g: Array, moments: tuple[Array, ...], count: int, decayed: Any
) -> tuple[Array, tuple[Array, ...]]:
    g *= 0.5
    return p - g, moments


def writes_into_g_by_out(
    p: Array, g: Array, moments: tuple[Array, ...], count: int, decayed: Any
) -> tuple[Array, tuple[Array, ...]]:
    np.multiply(g, 0.5, out=g)
    return p - g, moments


def writes_into_p(
    p: Array, g: Array, moments: tuple[Array, ...], count: int, decayed: Any
) -> tuple[Array, tuple[Array, ...]]:
    p -= 0.1 * g
    return p, moments


def writes_into_a_moment(
    p: Array, g: Array, moments: tuple[Array, ...], count: int, decayed: Any
) -> tuple[Array, tuple[Array, ...]]:
    (last,) = moments
    last += g
    return p - 0.1 * last, (last,)


def writes_into_the_mask(
    p: Array, g: Array, moments: tuple[Array, ...], count: int, decayed: Any
) -> tuple[Array, tuple[Array, ...]]:
    decayed[...] = False
    return p - 0.1 * g, moments


def gates() -> tuple[Array, Array]:
    X: Array = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    Y: Array = np.array([[0.0, 1.0, 1.0, 0.0]])
    return X, Y


WRITERS: list[Optimizer[Any]] = [
    Optimizer("writes_into_g", fresh_last, writes_into_g, ("last",)),
    Optimizer("writes_into_g_by_out", fresh_last, writes_into_g_by_out, ("last",)),
    Optimizer("writes_into_p", fresh_last, writes_into_p, ("last",)),
    Optimizer("writes_into_a_moment", fresh_last, writes_into_a_moment, ("last",)),
    Optimizer("writes_into_the_mask", fresh_last, writes_into_the_mask, ("last",)),
]


@pytest.mark.parametrize("batch_size", [None, 3])
@pytest.mark.parametrize("opt", WRITERS, ids=lambda opt: opt.name)
def test_a_rule_that_writes_into_its_arguments_is_refused_alike(
    opt: Optimizer[Any], batch_size: int | None
) -> None:
    X, Y = gates()
    params = init([2, 3, 1], seed=0)
    state = opt.init(params)
    before = (params.theta.copy(), state.last.copy())
    _, cache = forward(params, X)
    grads = backward(params, cache, Y, binary_cross_entropy)
    g_before = grads.g.copy()
    with pytest.raises(HyperparameterError) as by_step:
        opt.step(params, grads, state)
    with pytest.raises(HyperparameterError) as by_train:
        train(
            params, X, Y, loss=binary_cross_entropy, optimizer=opt, epochs=2, batch_size=batch_size
        )
    with pytest.raises(HyperparameterError) as by_scan:
        list(
            scan(
                params,
                X,
                Y,
                loss=binary_cross_entropy,
                optimizer=opt,
                epochs=2,
                batch_size=batch_size,
            )
        )
    assert type(by_step.value) is type(by_train.value) is type(by_scan.value)
    assert str(by_step.value) == str(by_train.value) == str(by_scan.value)
    assert str(by_step.value).startswith(
        f"optimizer: expected {opt.name}'s update to return new arrays and write into none of "
        f"its arguments, got one that writes into them"
    )
    assert "read-only" in str(by_step.value)
    # and the refused step wrote nothing it was given
    assert np.array_equal(params.theta, before[0]) and np.array_equal(state.last, before[1])
    assert np.array_equal(grads.g, g_before)


@attrs.frozen
class WritableState:
    """A user's state whose ``init`` hands out a plain, writable moment (nothing locks it)."""

    count: int
    last: Array


def fresh_writable(params: Params[Any]) -> WritableState:
    return WritableState(0, np.zeros_like(params.theta))


def test_a_rule_that_writes_into_a_writable_moment_of_its_own_state_is_refused_alike() -> None:
    X, Y = gates()
    params = init([2, 3, 1], seed=0)
    opt = Optimizer("writes_into_a_moment", fresh_writable, writes_into_a_moment, ("last",))
    state = opt.init(params)
    _, cache = forward(params, X)
    grads = backward(params, cache, Y, binary_cross_entropy)
    failures: list[str] = []
    try:
        opt.step(params, grads, state)
    except HyperparameterError as error:
        failures.append(str(error))
    states = scan(params, X, Y, loss=binary_cross_entropy, optimizer=opt, epochs=2)
    first = next(states)
    zero = first.opt_state.last.copy()
    try:
        list(states)
    except HyperparameterError as error:
        failures.append(str(error))
    assert np.array_equal(first.opt_state.last, zero)  # the yielded state never changes
    assert not np.any(state.last)  # the caller's state never changes
    assert len(failures) == 2 and failures[0] == failures[1]


# ----------------------------------------------------------------------------- 3. nothing changes later


def reachable(value: object, seen: set[int] | None = None) -> Iterator[Array]:
    """Every numpy array reachable from ``value`` through records, tuples and lists."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from reachable(item, seen)
    elif isinstance(value, Params):
        yield from reachable(value.theta, seen)
        for layer in value.layers:
            yield from reachable((layer.W, layer.b), seen)
    elif isinstance(value, Grads):
        yield from reachable((value.g, value.dW, value.db), seen)
    elif attrs.has(type(value)):
        kind: Any = type(value)
        for field in attrs.fields(kind):
            yield from reachable(getattr(value, field.name), seen)


Snapshot = list[tuple[Array, bytes, str, tuple[int, ...]]]


def snapshot(value: object) -> Snapshot:
    return [(a, a.tobytes(), str(a.dtype), a.shape) for a in reachable(value)]


def assert_unchanged(taken: Snapshot) -> None:
    assert taken, "nothing was reached"
    for array, data, dtype, shape in taken:
        assert str(array.dtype) == dtype and array.shape == shape
        assert array.tobytes() == data


class Recorder:
    """A rule of a user's own wrapping another, recording every array it is given and gives back."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.taken: Snapshot = []
        self.calls = 0

    def __call__(
        self, p: Array, g: Array, moments: tuple[Array, ...], count: int, decayed: Any
    ) -> tuple[Array, tuple[Array, ...]]:
        self.calls += 1
        self.taken += snapshot((p, g, moments, decayed))
        new, news = self.rule(p, g, moments, count, decayed)
        self.taken += snapshot((new, news))
        return new, news


def recording(rule: Rule) -> tuple[Optimizer[LastState], Recorder]:
    recorder = Recorder(rule)
    return Optimizer(f"recorded {rule.__name__}", fresh_last, recorder, ("last",)), recorder


def blobs(m: int, seed: int) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, m)
    X: Array = rng.standard_normal((2, m)) + 1.5 * labels
    return X, labels[None, :].astype(np.float64)


SCANNED: list[Optimizer[Any]] = [
    sgd(0.1),
    momentum(0.1, nesterov=True),
    rmsprop(step_decay(0.01, every=5)),
    adam(0.01),
    adamw(0.01, weight_decay=0.1),
    own_optimizer("keeps_views", keeps_views),
    own_optimizer("writes_its_own", writes_its_own),
]


@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize("opt", SCANNED, ids=lambda opt: opt.name)
def test_nothing_a_scanned_state_holds_is_written_by_a_later_step(
    opt: Optimizer[Any], batch_size: int | None
) -> None:
    X, Y = blobs(30, 0)
    X_val, Y_val = blobs(10, 1)
    params = init([2, 4, 3, 1], hidden=tanh, seed=3)
    snapshots: list[Snapshot] = []
    states = scan(
        params,
        X,
        Y,
        loss=binary_cross_entropy,
        optimizer=opt,
        epochs=12,
        batch_size=batch_size,
        validation=(X_val, Y_val),
        early_stopping=EarlyStopping(patience=20),
        l2=0.1,
        log_every=3,
    )
    yielded: list[TrainState[Any]] = []
    for state in states:  # each state's arrays as they were when it was yielded
        snapshots.append(snapshot(state))
        yielded.append(state)
    assert len(yielded) == 13
    assert any(s.checkpoint is not None and s.checkpoint[0] > 0 for s in yielded)
    assert len({id(s.best_params) for s in yielded}) > 1
    for taken in snapshots:
        assert_unchanged(taken)
    # every state's arrays are its own: no array of one state aliases a later state's new arrays
    for earlier, later in itertools.pairwise(yielded):
        assert not np.shares_memory(earlier.params.theta, later.params.theta)


@pytest.mark.parametrize("opt", SCANNED, ids=lambda opt: opt.name)
def test_nothing_train_hands_out_is_written_by_resuming_it(opt: Optimizer[Any]) -> None:
    X, Y = blobs(25, 2)
    kwargs: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": opt,
        "batch_size": 6,
        "log_every": 2,
    }
    first = train(init([2, 5, 1], seed=4), X, Y, epochs=5, **kwargs)
    taken = snapshot((first.params, first.state))
    second = train(first.state, X, Y, epochs=5, **kwargs)
    third = train(
        # full batch now: another run, so the state goes without the fingerprint that refuses it
        attrs.evolve(second.state, fingerprint=None),
        X,
        Y,
        epochs=5,
        batch_size=None,
        **{k: v for k, v in kwargs.items() if k != "batch_size"},
    )
    assert third.state.epoch == 15
    assert_unchanged(taken)


@pytest.mark.parametrize("opt", SCANNED, ids=lambda opt: opt.name)
def test_nothing_a_chain_of_steps_hands_out_is_written_by_a_later_step(opt: Optimizer[Any]) -> None:
    X, Y = blobs(12, 5)
    params = init([2, 4, 1], hidden=relu, seed=6)
    state = opt.init(params)
    taken = snapshot((params, state))
    for _ in range(6):
        _, cache = forward(params, X)
        grads = backward(params, cache, Y, binary_cross_entropy)
        taken += snapshot(grads)
        params, state = opt.step(params, grads, state)
        taken += snapshot((params, state))
    assert state.count == 6
    assert_unchanged(taken)


@pytest.mark.parametrize("rule", [keeps_views, writes_its_own], ids=lambda rule: rule.__name__)
def test_no_array_given_to_or_returned_by_a_rule_changes_afterwards(rule: Rule) -> None:
    X, Y = blobs(20, 7)
    params = init([2, 3, 1], hidden=tanh, seed=8)
    for batch_size in (None, 6):
        opt, recorder = recording(rule)
        result = train(
            params,
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=opt,
            epochs=4,
            batch_size=batch_size,
            l2=0.05,
        )
        resumed = list(
            scan(
                result.state,
                X,
                Y,
                loss=binary_cross_entropy,
                optimizer=opt,
                epochs=2,
                batch_size=batch_size,  # a resumed run keeps its batch size
                l2=0.05,
            )
        )
        assert resumed[-1].epoch == 6
        assert recorder.calls == (4 if batch_size is None else 16) + (
            2 if batch_size is None else 8
        )
        assert_unchanged(recorder.taken)
    opt, recorder = recording(rule)
    state = opt.init(params)
    for _ in range(4):
        params, state = opt.step(params, gradient(params, X, Y, binary_cross_entropy), state)
    assert recorder.calls == 4
    assert_unchanged(recorder.taken)


def test_a_moment_kept_as_a_view_of_the_gradient_is_the_gradient_of_its_step() -> None:
    """Kept views stay valid: the state after a step holds that step's gradient, unchanged."""
    X, Y = blobs(16, 9)
    params = init([2, 3, 1], seed=10)
    opt = own_optimizer("keeps_views", keeps_views)
    state = opt.init(params)
    grads = []
    for _ in range(3):
        g = gradient(params, X, Y, binary_cross_entropy)
        grads.append(g)
        params, state = opt.step(params, g, state)
        assert np.shares_memory(state.last, g.g) and np.array_equal(state.last, g.g)
    # and in train, each yielded state's moment is the gradient of the last step before it
    states = list(
        scan(init([2, 3, 1], seed=10), X, Y, loss=binary_cross_entropy, optimizer=opt, epochs=3)
    )
    for before, after in itertools.pairwise(states):
        expected = gradient(before.params, X, Y, binary_cross_entropy)
        assert np.array_equal(after.opt_state.last, expected.g)


# ----------------------------------------------------------------------------- 4. identity dispatch


def test_pickled_and_copied_builtins_are_the_builtins_and_check_their_targets() -> None:
    X, Y = gates()
    twos = np.full_like(Y, 2.0)
    params = init([2, 3, 1], seed=0)
    _, cache = forward(params, X)
    for kind in (
        pickle.loads(pickle.dumps(binary_cross_entropy)),
        copy.deepcopy(binary_cross_entropy),
        copy.copy(binary_cross_entropy),
    ):
        assert kind is binary_cross_entropy
        with pytest.raises(
            LabelError, match=r"^Y: binary_cross_entropy expects values in \[0, 1\]"
        ):
            backward(params, cache, twos, kind)
        with pytest.raises(LabelError, match=r"^Y: binary_cross_entropy expects values"):
            train(params, X, twos, loss=kind, optimizer=sgd(0.1), epochs=1)
        with pytest.raises(LabelError, match=r"^Y: binary_cross_entropy expects values"):
            fnmlp.loss(cache.A[-1], twos, kind)
    for activation in fnmlp.ACTIVATIONS.values():
        assert pickle.loads(pickle.dumps(activation)) is activation
        assert copy.deepcopy(activation) is activation
    loaded: Params[Any] = pickle.loads(pickle.dumps(params))
    assert loaded.activations[-1] is sigmoid
    assert np.array_equal(loaded.theta, params.theta)


def test_a_pickled_loss_of_a_users_own_keeps_its_fields_and_its_check() -> None:
    X, Y = gates()
    mine = attrs.evolve(binary_cross_entropy, name="my_bce")
    again = pickle.loads(pickle.dumps(mine))
    assert again is not mine and again == mine and again != binary_cross_entropy
    assert attrs.astuple(again, recurse=False) == attrs.astuple(mine, recurse=False)
    params = init([2, 3, 1], seed=0)
    with pytest.raises(LabelError, match=r"^Y: binary_cross_entropy expects values in \[0, 1\]"):
        train(params, X, np.full_like(Y, 2.0), loss=again, optimizer=sgd(0.1), epochs=1)
    mine_result = train(params, X, Y, loss=again, optimizer=adam(0.1), epochs=5)
    builtin_result = train(params, X, Y, loss=binary_cross_entropy, optimizer=adam(0.1), epochs=5)
    assert np.array_equal(mine_result.params.theta, builtin_result.params.theta)
    assert attrs.astuple(mine_result.history) == attrs.astuple(builtin_result.history)


def saturated(output: Activation, n_y: int) -> tuple[Params[Any], Array, Array]:
    """A network whose output logits saturate (to +-76, or +-1142 for softmax), on examples whose targets say the opposite."""
    hidden = Layer(np.eye(2), np.zeros((2, 1)), tanh)
    if n_y == 1:
        top = Layer(np.array([[100.0, 0.0]]), np.zeros((1, 1)), output)
        Y: Array = np.array([[0.0, 0.0, 1.0, 1.0]])
    else:
        top = Layer(np.array([[1500.0, 0.0], [-1500.0, 0.0], [0.0, 1.0]]), np.zeros((3, 1)), output)
        Y = np.array([[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 1.0]])
    X: Array = np.array([[1.0, 1.0, -1.0, 0.5], [0.0, 1.0, 0.0, 0.0]])
    return Params((hidden, top)), X, Y


@pytest.mark.parametrize(
    ("builtin", "output", "n_y"),
    [(binary_cross_entropy, sigmoid, 1), (categorical_cross_entropy, softmax, 3)],
    ids=["bce-sigmoid", "cce-softmax"],
)
def test_a_users_loss_made_of_a_builtins_fields_gets_the_fused_delta(
    builtin: Loss, output: Activation, n_y: int
) -> None:
    params, X, Y = saturated(output, n_y)
    mine = attrs.evolve(builtin, name=f"my_{builtin.name}")
    assert mine != builtin and fuses(mine, output)
    _, cache = forward(params, X)
    assert float(np.abs(cache.Z[-1]).max()) > 70  # saturated: some outputs are exactly 0 or 1
    got = backward(params, cache, Y, mine)
    want = backward(params, cache, Y, builtin)
    assert np.array_equal(got.g, want.g) and np.all(np.isfinite(got.g))
    assert value_and_gradient(params, X, Y, mine)[0] == value_and_gradient(params, X, Y, builtin)[0]
    # the fused delta is (A - Y) / m: the output bias's gradient is its row sum
    A = cache.A[-1]
    np.testing.assert_allclose(got.db[-1], ((A - Y) / X.shape[1]).sum(axis=1, keepdims=True))
    assert np.abs(got.db[-1]).max() > 0.2
    # the unfused chain rule of the same functions loses it: the saturated units pass nothing back
    unfused = attrs.evolve(builtin, name="unfused", fuses_with=None)
    assert not fuses(unfused, output)
    chained = backward(params, cache, Y, unfused)
    assert not np.array_equal(chained.g, got.g)
    # on the examples whose outputs are exactly 0 or 1, nothing comes back through the chain rule
    exact = np.nonzero(np.all((A == 0) | (A == 1), axis=0))[0]
    assert exact.size and np.any(A[:, exact] != Y[:, exact])  # saturated, and wrong
    _, only = forward(params, X[:, exact])
    lost = backward(params, only, Y[:, exact], unfused)
    kept = backward(params, only, Y[:, exact], mine)
    assert not np.any(lost.g)
    A_exact, Y_exact = only.A[-1], Y[:, exact]
    want_db = ((A_exact - Y_exact) / exact.size).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(kept.db[-1], want_db)
    assert np.any(kept.db[-1]) and np.all(np.isfinite(kept.g))


def test_an_activation_made_of_sigmoids_functions_fuses_iff_its_fields_equal_sigmoids() -> None:
    params, X, Y = saturated(sigmoid, 1)
    twin = Activation(
        "sigmoid",
        sigmoid.fn,
        sigmoid.derivative,
        into=sigmoid.into,
        derivative_into=sigmoid.derivative_into,
        probability=True,
    )
    renamed = attrs.evolve(twin, name="my_sigmoid")
    without_into = attrs.evolve(twin, into=None)
    assert twin == sigmoid and twin is not sigmoid
    assert renamed != sigmoid and without_into != sigmoid

    def with_output(activation: Activation) -> Params[Any]:
        top = params.layers[-1]
        return Params((params.layers[0], Layer(top.W, top.b, activation)))

    reference = gradient(params, X, Y, binary_cross_entropy)
    for activation, fused in ((twin, True), (renamed, False), (without_into, False)):
        assert fuses(binary_cross_entropy, activation) is fused
        network = with_output(activation)
        # accepted: its outputs are probabilities
        grads = gradient(network, X, Y, binary_cross_entropy)
        result = train(network, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.5), epochs=3)
        assert np.all(np.isfinite(result.params.theta))
        assert np.array_equal(grads.g, reference.g) is fused
        if not fused:  # the chain rule: nothing comes back through the saturated units
            _, only = forward(network, X[:, :2])
            assert not np.any(backward(network, only, Y[:, :2], binary_cross_entropy).db[-1])
    not_probabilities = attrs.evolve(twin, name="squash", probability=False)
    with pytest.raises(HyperparameterError, match=r"^loss: binary_cross_entropy expects probabil"):
        train(
            with_output(not_probabilities),
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=sgd(0.5),
            epochs=1,
        )
    with pytest.raises(HyperparameterError, match=r"^kind: binary_cross_entropy expects probabil"):
        gradient(with_output(not_probabilities), X, Y, binary_cross_entropy)


# ----------------------------------------------------------------------------- 5. gradient algebra


@attrs.frozen
class Problem:
    params: Params[Any]
    kind: Loss
    X: Array
    Y: Array
    cuts: list[int]


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A float64 network, data of 1 to 12 examples, and where to cut them into shards."""
    output, kind = draw(st.sampled_from(OUTPUT_LOSSES))
    n_y = draw(st.integers(2, 3)) if output is softmax else draw(st.integers(1, 2))
    dims = [draw(st.integers(1, 4)), draw(st.integers(1, 4)), n_y]
    hidden = draw(st.sampled_from(HIDDEN))
    m = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = init(dims, activations=[hidden, output], seed=draw(st.integers(0, 2**32 - 1)))
    cuts = sorted({*draw(st.lists(st.integers(1, m), max_size=4)), m})
    X: Array = rng.uniform(-2.0, 2.0, size=(dims[0], m))
    return Problem(params, kind, X, targets(kind, n_y, m, rng), cuts)


def shards(problem: Problem) -> Iterator[tuple[Array, Array, slice]]:
    start = 0
    for stop in problem.cuts:
        yield problem.X[:, start:stop], problem.Y[:, start:stop], slice(start, stop)
        start = stop


def close(got: Array, want: Array, rel: float = 1e-12) -> bool:
    """``got`` within ``rel`` of ``want``, relative to ``want``'s largest entry."""
    scale = max(float(np.abs(want).max()), np.finfo(np.float64).tiny)
    return float(np.abs(got - want).max()) <= rel * scale


@given(problems())
def test_shard_gradients_add_up_to_the_batch_gradient(problem: Problem) -> None:
    params, kind, X, Y = problem.params, problem.kind, problem.X, problem.Y
    m = X.shape[1]
    J, whole = value_and_gradient(params, X, Y, kind)
    parts = [value_and_gradient(params, Xs, Ys, kind, total=m) for Xs, Ys, _ in shards(problem)]
    summed = add_grads(*(g for _, g in parts))
    assert close(summed.g, whole.g)
    assert math.isclose(sum(j for j, _ in parts), J, rel_tol=1e-12, abs_tol=1e-300)
    # each shard's own mean, weighted by its share, is the same sum
    means = [
        scale_grads(gradient(params, Xs, Ys, kind), Xs.shape[1] / m)
        for Xs, Ys, _ in shards(problem)
    ]
    assert close(add_grads(*means).g, whole.g)
    # gradient, value_and_gradient and backward agree bit for bit, with or without total
    _, cache = forward(params, X)
    assert np.array_equal(gradient(params, X, Y, kind).g, backward(params, cache, Y, kind).g)
    assert np.array_equal(whole.g, backward(params, cache, Y, kind).g)
    Xs, Ys, _ = next(shards(problem))
    _, shard_cache = forward(params, Xs)
    assert np.array_equal(
        gradient(params, Xs, Ys, kind, total=m).g,
        backward(params, shard_cache, Ys, kind, total=m).g,
    )


@pytest.mark.parametrize("m", [1, 2, 4, 8, 16])
@pytest.mark.parametrize("kind", [binary_cross_entropy, mean_squared_error], ids=str)
def test_one_shard_of_a_power_of_two_total_is_backward_bit_for_bit(m: int, kind: Loss) -> None:
    X, Y = blobs(m, m)
    params = init([2, 3, 1], seed=m)
    _, cache = forward(params, X)
    assert np.array_equal(
        backward(params, cache, Y, kind, total=m).g, backward(params, cache, Y, kind).g
    )


@pytest.mark.parametrize(
    ("kind", "m"), [(binary_cross_entropy, 6), (mean_squared_error, 49)], ids=["bce-6", "mse-49"]
)
def test_one_shard_with_total_m_is_backward_bit_for_bit(kind: Loss, m: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, m))
    Y = (rng.random((1, m)) > 0.5) * 1.0
    params = init([2, 3, 1], seed=m)
    _, cache = forward(params, X)
    assert np.array_equal(
        backward(params, cache, Y, kind, total=m).g, backward(params, cache, Y, kind).g
    )


def pairwise(arrays: list[Array]) -> Array:
    """The documented order: neighbours added in pairs, level by level, an odd one carried."""
    level = list(arrays)
    while len(level) > 1:
        paired = [level[k] + level[k + 1] for k in range(0, len(level) - 1, 2)]
        level = paired + ([level[-1]] if len(level) % 2 else [])
    return level[0]


@given(problems(), st.integers(1, 7))
def test_add_grads_is_a_monoid_with_a_fixed_pairwise_order(problem: Problem, n: int) -> None:
    params, kind = problem.params, problem.kind
    rng = np.random.default_rng(n)
    grads = []
    for _ in range(n):  # gradients of very different sizes, so the order shows in the bits
        scale = 10.0 ** rng.uniform(-8, 8)
        grads.append(
            scale_grads(gradient(params, problem.X * rng.uniform(0.5, 2), problem.Y, kind), scale)
        )
    zero = Grads.zeros(params)
    a = grads[0]
    assert not np.any(zero.g) and zero.g.shape == params.theta.shape
    assert zero.g.dtype == params.dtype and not zero.g.flags.writeable
    assert np.array_equal(add_grads(zero, a).g, a.g) and np.array_equal(add_grads(a, zero).g, a.g)
    assert np.array_equal(add_grads(a).g, a.g)
    b = grads[-1]
    assert add_grads(a, b).g.tobytes() == add_grads(b, a).g.tobytes()
    total = add_grads(*grads)
    assert total.g.tobytes() == pairwise([g.g for g in grads]).tobytes()
    assert not total.g.flags.writeable
    assert [x.shape for x in total.dW] == [layer.W.shape for layer in params.layers]
    if n == 4:
        c, d = grads[1], grads[2]
        assert total.g.tobytes() == ((a.g + c.g) + (d.g + b.g)).tobytes()
    assert np.array_equal(scale_grads(a, 1.0).g, a.g)
    assert scale_grads(a, 3.0).g.tobytes() == (a.g * 3.0).tobytes()


def test_add_grads_and_scale_grads_refuse_what_does_not_fit() -> None:
    small = Grads.zeros(init([2, 3, 1], seed=0))
    with pytest.raises(HyperparameterError, match=r"^grads: expected at least one Grads"):
        add_grads()
    with pytest.raises(ShapeError, match=r"^grads\[1\]"):
        add_grads(small, Grads.zeros(init([2, 4, 1], seed=0)))
    with pytest.raises(fnmlp.DTypeError, match=r"^grads\[1\]"):
        add_grads(small, Grads.zeros(init([2, 3, 1], seed=0, dtype=np.float32)))  # type: ignore[misc]
    bad: Any
    for bad in (math.nan, math.inf, True, "2"):
        with pytest.raises(HyperparameterError, match=r"^factor: expected a"):
            scale_grads(small, bad)
    # sums and products beyond the dtype's range are refused (no RuntimeWarning first)
    zeros = Grads.zeros(init([2, 3, 1], seed=0, dtype=np.float32))
    huge = Grads(dW=tuple(np.full_like(dW, 3e38) for dW in zeros.dW), db=zeros.db)
    with pytest.raises(fnmlp.NonFiniteError, match=r"^grads: expected gradients whose sum is finite"):
        add_grads(huge, huge)
    with pytest.raises(fnmlp.NonFiniteError, match=r"^factor: expected a factor that keeps"):
        scale_grads(huge, 10.0)
    assert np.array_equal(add_grads(huge, scale_grads(huge, -1.0)).g, zeros.g)


def per_example(problem: Problem) -> tuple[list[float], list[Array]]:
    """Each example's loss and gradient, by the unweighted functions on one column at a time."""
    values, grads = [], []
    for j in range(problem.X.shape[1]):
        J, g = value_and_gradient(
            problem.params, problem.X[:, j : j + 1], problem.Y[:, j : j + 1], problem.kind
        )
        values.append(J)
        grads.append(g.g)
    return values, grads


@given(problems(), st.data())
def test_a_weighted_loss_and_gradient_are_the_weighted_means_of_the_examples(
    problem: Problem, data: st.DataObject
) -> None:
    params, kind, X, Y = problem.params, problem.kind, problem.X, problem.Y
    m = X.shape[1]
    # zero or well above the denormals, whose products with the losses would round away
    weight = st.one_of(st.just(0.0), st.floats(1e-3, 5.0))
    w = np.array(data.draw(st.lists(weight, min_size=m, max_size=m)))
    if not w.sum() > 0:
        w[0] = 1.0
    values, grads = per_example(problem)
    J, g = value_and_gradient(params, X, Y, kind, sample_weight=w)
    want_J = float(np.dot(w, values) / w.sum())
    want_g: Array = sum((wj * gj for wj, gj in zip(w, grads)), np.zeros_like(g.g)) / w.sum()
    assert math.isclose(J, want_J, rel_tol=1e-12, abs_tol=1e-14)
    assert close(g.g, want_g, 1e-11)
    _, cache = forward(params, X)
    assert np.array_equal(backward(params, cache, Y, kind, sample_weight=w).g, g.g)
    assert np.array_equal(gradient(params, X, Y, kind, sample_weight=list(w)).g, g.g)
    # equal weights: the unweighted mean
    J1, g1 = value_and_gradient(params, X, Y, kind)
    Jc, gc = value_and_gradient(params, X, Y, kind, sample_weight=np.full(m, 2.5))
    assert math.isclose(Jc, J1, rel_tol=1e-12, abs_tol=1e-14) and close(gc.g, g1.g)
    # weighted shards over the total weight add up to the weighted batch
    counts = np.asarray(data.draw(st.lists(st.integers(0, 4), min_size=m, max_size=m)))
    if counts.sum() == 0:
        counts[-1] = 1
    whole_J, whole = value_and_gradient(params, X, Y, kind, sample_weight=counts)
    parts = [
        value_and_gradient(
            params, Xs, Ys, kind, sample_weight=counts[where], total=int(counts.sum())
        )
        for Xs, Ys, where in shards(problem)
        if counts[where].sum() > 0
    ]
    assert close(add_grads(*(p for _, p in parts)).g, whole.g)
    assert math.isclose(sum(j for j, _ in parts), whole_J, rel_tol=1e-12, abs_tol=1e-14)


BAD_WEIGHTS: list[tuple[object, type[Exception], str]] = [
    ([1.0, -1.0, 1.0, 1.0], HyperparameterError, "expected non-negative weights"),
    ([0.0, 0.0, 0.0, 0.0], HyperparameterError, "expected weights with a positive sum"),
    ([1.0, 1.0, 1.0], ShapeError, "expected one weight per example"),
    ([[1.0, 1.0], [1.0, 1.0]], ShapeError, "expected one weight per example"),
    ([1.0, math.nan, 1.0, 1.0], fnmlp.NonFiniteError, ""),
    ([1.0, math.inf, 1.0, 1.0], fnmlp.NonFiniteError, ""),
    (["a", "b", "c", "d"], fnmlp.DTypeError, ""),
]


@pytest.mark.parametrize(("weights", "error", "says"), BAD_WEIGHTS)
def test_bad_sample_weights_are_refused_naming_sample_weight(
    weights: object, error: type[Exception], says: str
) -> None:
    X, Y = gates()
    params = init([2, 3, 1], seed=0)
    _, cache = forward(params, X)
    given: Any = weights  # checked at run time: callers may send anything
    calls: list[Callable[[], object]] = [
        lambda: backward(params, cache, Y, binary_cross_entropy, sample_weight=given),
        lambda: gradient(params, X, Y, binary_cross_entropy, sample_weight=given),
        lambda: value_and_gradient(params, X, Y, binary_cross_entropy, sample_weight=given),
        lambda: train(
            params,
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            sample_weight=given,
        ),
        lambda: scan(
            params,
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            sample_weight=given,
        ),
    ]
    for call in calls:
        with pytest.raises(error) as raised:
            call()
        assert isinstance(raised.value, fnmlp.FnmlpError)
        assert str(raised.value).startswith("sample_weight: "), str(raised.value)
        assert says in str(raised.value)


@pytest.mark.parametrize("opt", [sgd(0.5), momentum(0.2), rmsprop(0.01)], ids=str)
@pytest.mark.parametrize(
    ("kind", "output"),
    [
        (binary_cross_entropy, sigmoid),
        (mean_squared_error, linear),
        (categorical_cross_entropy, softmax),
    ],
    ids=["bce", "mse", "cce"],
)
def test_integer_weights_train_as_repeated_examples_in_full_batch(
    opt: Optimizer[Any], kind: Loss, output: Activation
) -> None:
    rng = np.random.default_rng(11)
    m = 9
    n_y = 3 if output is softmax else 1
    X = rng.uniform(-2.0, 2.0, size=(2, m))
    Y = targets(kind, n_y, m, rng)
    counts = np.array([0, 1, 2, 3, 1, 4, 0, 2, 1])
    params = init([2, 4, n_y], hidden=tanh, output=output, seed=12)
    weighted = train(
        params, X, Y, loss=kind, optimizer=opt, epochs=20, sample_weight=counts, log_every=5
    )
    repeated = train(
        params,
        np.repeat(X, counts, axis=1),
        np.repeat(Y, counts, axis=1),
        loss=kind,
        optimizer=opt,
        epochs=20,
        log_every=5,
    )
    assert close(weighted.params.theta, repeated.params.theta, 1e-12)
    assert weighted.history.epochs == repeated.history.epochs
    np.testing.assert_allclose(weighted.history.train_loss, repeated.history.train_loss, rtol=1e-12)
    # the same weights over the batch's shards of mini-batches are the same weighted mean
    ones = train(
        params, X, Y, loss=kind, optimizer=opt, epochs=3, batch_size=4, sample_weight=np.ones(m)
    )
    plain = train(params, X, Y, loss=kind, optimizer=opt, epochs=3, batch_size=4)
    assert close(ones.params.theta, plain.params.theta, 1e-12)


def weighted_by_hand(
    params: Params[Any],
    X: Array,
    Y: Array,
    w: Array,
    opt: Optimizer[Any],
    *,
    batch_size: int,
    epochs: int,
    seed: int = 0,
) -> Params[Any]:
    """Weighted mini-batch training by the public stages: ``backward(sample_weight=...)`` per batch.

    A batch whose weights are all zero steps with a zero gradient, as ``train`` documents.
    """
    state = opt.init(params)
    m = X.shape[1]
    for epoch in range(epochs):
        order = np.random.default_rng((seed, epoch)).permutation(m)
        pairs = fnmlp.batches(X, Y, batch_size=batch_size, seed=seed, epoch=epoch)
        for (Xb, Yb), start in zip(pairs, range(0, m, batch_size)):
            wb = w[order[start : start + batch_size]]
            _, cache = forward(params, Xb)
            if wb.sum() > 0:
                grads = backward(params, cache, Yb, binary_cross_entropy, sample_weight=wb)
            else:
                grads = scale_grads(backward(params, cache, Yb, binary_cross_entropy), 0.0)
            params, state = opt.step(params, grads, state)
    return params


def test_a_mini_batch_whose_weights_are_all_zero_steps_with_a_zero_gradient() -> None:
    X = np.random.default_rng(0).standard_normal((2, 8))
    Y = (X[:1] > 0).astype(float)
    w = np.array([0, 0, 0, 0, 0, 0, 0, 1.0])  # three of the four batches of 2 weigh nothing
    start = init([2, 3, 1], seed=0)
    kw: dict[str, Any] = {"loss": binary_cross_entropy, "epochs": 3, "batch_size": 2}
    for opt in (sgd(0.1), momentum(0.1)):  # momentum moves on a zero gradient: a step is taken
        result = train(start, X, Y, optimizer=opt, sample_weight=w, **kw)  # no DivergenceError
        hand = weighted_by_hand(start, X, Y, w, opt, batch_size=2, epochs=3)
        assert np.array_equal(result.params.theta, hand.theta)
        assert result.state.opt_state.count == 12
    # the running loss is the one weighted example's, measured before its batch's step
    once = train(start, X, Y, optimizer=sgd(1e-12), sample_weight=w, **{**kw, "epochs": 1})
    want, _ = value_and_gradient(start, X[:, 7:], Y[:, 7:], binary_cross_entropy)
    assert math.isclose(once.history.train_loss[0], want, rel_tol=1e-9)
    # a class weighing nothing, with mini-batches: the same as weighing its examples 0
    by_class = train(start, X, Y, optimizer=sgd(0.1), class_weight={0: 0.0}, **kw)
    by_example = train(start, X, Y, optimizer=sgd(0.1), sample_weight=Y[0], **kw)
    assert np.array_equal(by_class.params.theta, by_example.params.theta)
    assert by_class.history.train_loss == by_example.history.train_loss
    # the public stages refuse the weighted mean of nothing, naming the argument
    _, cache = forward(start, X[:, :2])
    with pytest.raises(HyperparameterError, match="sample_weight: expected weights with a pos"):
        backward(start, cache, Y[:, :2], binary_cross_entropy, sample_weight=w[:2])


def weighted_problem(m: int) -> tuple[Params[Any], Array, Array, Array]:
    """A problem whose weights make batches of unequal sums: the positives weigh 100 times more."""
    rng = np.random.default_rng(0)
    X: Array = rng.standard_normal((3, m))
    Y: Array = (X[:1] > 0).astype(float)
    w: Array = np.where(Y[0] == 1, 10.0, 0.1)
    return init([3, 4, 1], seed=0), X, Y, w


def unweighted_accuracy(params: Params[Any], X: Array, Y: Array) -> float:
    A, _ = forward(params, X)
    return float(np.mean((A >= 0.5) == (Y >= 0.5)))


def test_the_exact_training_loss_under_weights_is_the_weighted_mean() -> None:
    # more examples than a log's slice of 2048: the slices' weighted means are weighed too
    start, X, Y, w = weighted_problem(5000)
    kw: dict[str, Any] = {"loss": binary_cross_entropy, "log_every": 1, "sample_weight": w}
    for batch_size in (None, 100):
        result = train(
            start,
            X,
            Y,
            optimizer=sgd(0.5),
            epochs=2,
            batch_size=batch_size,
            running_loss=False,
            **kw,
        )
        assert result.history.epochs == (0, 1, 2)
        final, _ = value_and_gradient(result.params, X, Y, binary_cross_entropy, sample_weight=w)
        initial, _ = value_and_gradient(start, X, Y, binary_cross_entropy, sample_weight=w)
        assert math.isclose(result.history.train_loss[0], initial, rel_tol=1e-12)
        assert math.isclose(result.history.train_loss[-1], final, rel_tol=1e-12)
        # the accuracy is not weighted: the share of examples right
        assert result.history.train_accuracy[0] == unweighted_accuracy(start, X, Y)
        assert result.history.train_accuracy[-1] == unweighted_accuracy(result.params, X, Y)


def test_the_running_training_loss_under_weights_is_the_weighted_mean_of_the_epoch() -> None:
    # a rate of 1e-12: every batch is measured at (nearly) the starting params, so the
    # epoch's running loss is the weighted mean over all the examples at the start
    start, X, Y, w = weighted_problem(40)
    want, _ = value_and_gradient(start, X, Y, binary_cross_entropy, sample_weight=w)
    sums = [
        w[np.random.default_rng((0, 0)).permutation(40)[s : s + 8]].sum() for s in range(0, 40, 8)
    ]
    assert max(sums) > 2 * min(sums)  # batches of unequal weights
    for batch_size in (8, 7, 40):
        result = train(
            start,
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=sgd(1e-12),
            epochs=1,
            batch_size=batch_size,
            sample_weight=w,
        )
        assert math.isclose(result.history.train_loss[0], want, rel_tol=1e-9), batch_size
        assert result.history.train_accuracy[0] == unweighted_accuracy(start, X, Y)
    # what the plateau and early stopping watch: a weighted set's loss is its repetition's
    counts = np.array([0, 1, 2, 3] * 10)
    weighted = train(
        start,
        X,
        Y,
        loss=binary_cross_entropy,
        optimizer=sgd(1e-12),
        epochs=1,
        batch_size=8,
        sample_weight=counts,
    )
    repeated, _ = value_and_gradient(
        start, np.repeat(X, counts, axis=1), np.repeat(Y, counts, axis=1), binary_cross_entropy
    )
    assert math.isclose(weighted.history.train_loss[0], repeated, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("dtype", "big"), [(np.float32, 2.0**125), (np.float64, 2.0**1020)], ids=["f32", "f64"]
)
def test_huge_weights_train_as_their_ratios(dtype: Any, big: float) -> None:
    rng = np.random.default_rng(5)
    X = rng.standard_normal((3, 40)).astype(dtype)
    Y = (X[:1] > 0).astype(dtype)
    s = rng.uniform(0.5, 2.0, size=40)
    start = init([3, 4, 1], seed=0, dtype=dtype)
    kw: dict[str, Any] = {"loss": binary_cross_entropy, "optimizer": adam(0.01), "epochs": 3}
    for batch_size in (None, 8):
        plain = train(start, X, Y, batch_size=batch_size, sample_weight=s, **kw)
        # scaled by a power of two, the same bits: their sum would overflow, it is never taken
        huge = train(start, X, Y, batch_size=batch_size, sample_weight=s * big, **kw)
        assert np.array_equal(huge.params.theta, plain.params.theta)
        assert huge.history.train_loss == plain.history.train_loss
        assert huge.history.train_loss[-1] > 0.1
        # huge class weights times huge sample weights: each product would overflow
        classes = train(
            start,
            X,
            Y,
            batch_size=batch_size,
            class_weight={0: big, 1: 3 * big},
            sample_weight=s * big,
            **kw,
        )
        product = s.astype(dtype) * np.where(Y[0] == 1, 3.0, 1.0).astype(dtype)  # rounded alike
        by_hand = train(start, X, Y, batch_size=batch_size, sample_weight=product, **kw)
        assert np.array_equal(classes.params.theta, by_hand.params.theta)
    # weights of 1e37 (float32) or 1e307 (float64), all alike: the unweighted mean
    alike = np.full(40, 1e37 if dtype is np.float32 else 1e307)
    weighted = train(start, X, Y, batch_size=8, sample_weight=alike, **kw)
    unweighted = train(start, X, Y, batch_size=8, **kw)
    assert close(weighted.params.theta, unweighted.params.theta, 1e-5)
    _, cache = forward(start, X)
    grads = backward(start, cache, Y, binary_cross_entropy, sample_weight=alike)
    assert close(grads.g, backward(start, cache, Y, binary_cross_entropy).g, 1e-5)
    J_huge, _ = value_and_gradient(start, X, Y, binary_cross_entropy, sample_weight=s * big)
    J_plain, _ = value_and_gradient(start, X, Y, binary_cross_entropy, sample_weight=s)
    assert J_huge == J_plain


def test_weighted_train_is_a_hand_loop_of_weighted_backward_and_step_bit_for_bit() -> None:
    start, X, Y, w = weighted_problem(40)
    huge = w * 1e300  # not a power of two: each batch's weights normalise by their own largest
    for weights in (w, huge):
        result = train(
            start,
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=adam(0.01),
            epochs=3,
            batch_size=8,
            sample_weight=weights,
        )
        hand = weighted_by_hand(start, X, Y, weights, adam(0.01), batch_size=8, epochs=3)
        assert np.array_equal(result.params.theta, hand.theta)
