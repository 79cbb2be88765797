"""fnmlp.dask: sharded gradients, out-of-core and data-parallel training, and what they rest on.

The records and built-ins pickle (plain and cloudpickle) with their behaviour;
gradients form a monoid under ``add_grads``; a sharded gradient is the core's;
streaming keeps memory flat; a 2-process LocalCluster gives the single-process
bits.
"""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import cloudpickle
import dask
import dask.array as da
import numpy as np
import pytest
import zarr
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster
from threadpoolctl import threadpool_limits

import fnmlp
import fnmlp.dask
from fnmlp import Grads, Params, add_grads, scale_grads
from fnmlp.sklearn import MLPClassifier

BCE, CCE, MSE = (
    fnmlp.binary_cross_entropy,
    fnmlp.categorical_cross_entropy,
    fnmlp.mean_squared_error,
)


def blobs(m: int, seed: int = 0, n_x: int = 3) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A learnable binary problem: the label is the sign of a fixed linear function plus noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_x, m))
    w = np.linspace(1.0, -1.0, n_x)[None, :]
    Y = (w @ X + 0.3 * rng.normal(size=(1, m)) > 0).astype(np.float64)
    return X, Y


def chunked(A: np.ndarray[Any, Any], size: int) -> da.Array:
    return da.from_array(A, chunks=(A.shape[0], size))


# ----------------------------------------------------------------------------- import


def test_import_fnmlp_does_not_import_dask() -> None:
    code = (
        "import sys, fnmlp, fnmlp.sklearn\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed', 'zarr', 'fnmlp.dask') or m == 'fnmlp.dask')\n"
        "print(bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- pickle


def _objects() -> dict[str, tuple[object, Callable[[Any], Any]]]:
    """Each record or built-in, with a function of it whose value must survive pickling."""
    X, Y = blobs(40)
    params = fnmlp.init([3, 4, 1], seed=0)
    _, cache = fnmlp.forward(params, X)
    grads = fnmlp.backward(params, cache, Y, BCE)
    result = fnmlp.train(
        params, X, Y, loss=BCE, optimizer=fnmlp.adam(0.01), epochs=4, batch_size=10,
        validation=(X, Y), early_stopping=fnmlp.EarlyStopping(patience=3), log_every=1,
    )  # fmt: skip
    objects: dict[str, tuple[object, Callable[[Any], Any]]] = {
        "Layer": (params.layers[0], lambda v: (v.W, v.b, v.activation.name)),
        "Params": (params, lambda v: fnmlp.forward(v, X)[0]),
        "Cache": (cache, lambda v: fnmlp.backward(params, v, Y, BCE).g),
        "Grads": (grads, lambda v: (v.g, v.dW[1], v.db[0])),
        "TrainState": (
            result.state,
            lambda v: (
                fnmlp.train(
                    v, X, Y, loss=BCE, optimizer=fnmlp.adam(0.01), epochs=2, batch_size=10
                ).params.theta
            ),
        ),
        "TrainResult": (result, lambda v: (v.params.theta, v.history.train_loss)),
        "History": (result.history, lambda v: attrs.astuple(v)),
        "LogEntry": (result.state.latest, lambda v: attrs.astuple(v)),
        "EarlyStopping": (fnmlp.EarlyStopping(patience=3, min_delta=0.1), attrs.astuple),
    }

    def activate(v: Any) -> Any:
        return v.fn(X), v.derivative(X, v.fn(X), np.ones_like(X))

    def losses(v: Any) -> Any:
        A = np.clip(np.abs(X[:1]) / 4, 0.05, 0.95)
        return v.value(A, Y), v.gradient(A, Y)

    for name, activation in fnmlp.ACTIVATIONS.items():
        objects[f"activation {name}"] = (activation, activate)
    for name, kind in fnmlp.LOSSES.items():
        objects[f"loss {name}"] = (kind, losses)
    optimizers: dict[str, fnmlp.Optimizer[Any]] = {
        "sgd": fnmlp.sgd(0.1),
        "sgd with a schedule": fnmlp.sgd(fnmlp.step_decay(0.1, every=2)),
        "momentum": fnmlp.momentum(0.1, beta=0.8, nesterov=True),
        "rmsprop": fnmlp.rmsprop(0.01),
        "adam": fnmlp.adam(fnmlp.cosine_decay(0.01, steps=5)),
        "adamw": fnmlp.adamw(0.01, weight_decay=0.1),
        "chain": fnmlp.chain(
            fnmlp.clip_by_value(0.01), fnmlp.clip_by_global_norm(0.1), fnmlp.adam(0.01)
        ),
    }
    for name, opt in optimizers.items():

        def run(v: Any, opt: Any = opt) -> Any:
            state = v.init(params)
            new, state = v.step(params, grads, state)
            new, state = v.step(new, grads, state)
            return new.theta, state.count

        objects[f"optimizer {name}"] = (opt, run)
        _, state = opt.step(params, grads, opt.init(params))

        def resume(v: Any, opt: Any = opt) -> Any:
            return opt.step(params, grads, v)[0].theta

        objects[f"state {name}"] = (state, resume)
    for transform in (fnmlp.clip_by_value(0.01), fnmlp.clip_by_global_norm(0.1)):
        objects[f"transform {transform.name}"] = (transform, lambda v: v.apply(grads.g))
    pets = fnmlp.Labels.of(["dog", "cat", "dog", "fish"])
    objects["Labels"] = (pets, lambda v: (v.classes, v.encode(["fish", "cat"])))
    schedules = {
        "constant": fnmlp.constant(0.1),
        "step_decay": fnmlp.step_decay(0.1, every=3, factor=0.5),
        "exponential_decay": fnmlp.exponential_decay(0.1, rate=0.9),
        "invscaling": fnmlp.invscaling(0.1, power_t=0.25),
        "cosine_decay": fnmlp.cosine_decay(0.1, steps=10, final=0.01),
    }
    for name, schedule in schedules.items():
        objects[f"schedule {name}"] = (schedule, lambda v: [v(step) for step in range(12)])
    return objects


OBJECTS = _objects()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return bool(a == b)


@pytest.mark.parametrize("dumps, loads", [(pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)], ids=["pickle", "cloudpickle"])  # fmt: skip
@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_records_and_built_ins_pickle_with_their_behaviour(
    name: str, dumps: Callable[[Any], bytes], loads: Callable[[bytes], Any]
) -> None:
    value: Any
    value, behaviour = OBJECTS[name]
    copy = loads(dumps(value))
    assert type(copy) is type(value)
    assert _same(behaviour(copy), behaviour(value))
    for field in attrs.fields(type(value)) if attrs.has(type(value)) else ():
        got = getattr(copy, field.name, None)
        if isinstance(got, np.ndarray):
            assert not got.flags.writeable, f"{name}.{field.name} is writable after unpickling"


# ----------------------------------------------------------------------------- monoid


def _grads(seed: int, integer: bool = False) -> Grads[np.float64]:
    rng = np.random.default_rng(seed)
    g = (
        rng.integers(-1000, 1000, size=(1, 13)).astype(float)
        if integer
        else rng.normal(size=(1, 13))
    )
    return _from_flat(fnmlp.init([2, 3, 1], seed=0), g)


def _from_flat(params: Params[np.float64], g: np.ndarray[Any, Any]) -> Grads[np.float64]:
    structure = params.structure
    Ws, bs = structure.split(g)
    return Grads(dW=Ws, db=bs)


def test_grads_form_a_monoid_under_add_grads() -> None:
    a, b, c, d = (_grads(seed) for seed in range(4))
    zero = Grads.zeros(fnmlp.init([2, 3, 1], seed=0))
    # identity, exactly
    assert np.array_equal(add_grads(zero, a).g, a.g)
    assert np.array_equal(add_grads(a, zero).g, a.g)
    assert np.array_equal(add_grads(a).g, a.g)
    # commutative pairs, exactly (IEEE addition commutes)
    assert np.array_equal(add_grads(a, b).g, add_grads(b, a).g)
    # the fixed pairwise order: (a + b) + (c + d), whatever the grouping of the calls
    assert np.array_equal(add_grads(a, b, c, d).g, add_grads(add_grads(a, b), add_grads(c, d)).g)
    e = _grads(4)
    assert np.array_equal(add_grads(a, b, c, d, e).g, add_grads(add_grads(a, b, c, d), e).g)
    # associative, exactly, where the additions are exact (integers)
    p, q, r = (_grads(seed, integer=True) for seed in range(3))
    assert np.array_equal(add_grads(add_grads(p, q), r).g, add_grads(p, add_grads(q, r)).g)
    # scaling distributes over the sum (exact for a power of two)
    assert np.array_equal(scale_grads(add_grads(a, b), 0.5).g, add_grads(scale_grads(a, 0.5), scale_grads(b, 0.5)).g)  # fmt: skip
    # the sum never shares memory with a summand, and is read-only
    total = add_grads(a, b)
    assert not np.shares_memory(total.g, a.g) and not total.g.flags.writeable


# ----------------------------------------------------------------------------- gradient


CASES = [
    ([3, 5, 1], BCE, fnmlp.sigmoid),
    ([3, 4, 3], CCE, fnmlp.softmax),
    ([3, 4, 2], MSE, fnmlp.linear),
    ([3, 4, 2], BCE, fnmlp.sigmoid),
]


def _targets(dims: list[int], kind: Any, m: int) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(7)
    if kind is CCE:
        return fnmlp.one_hot(rng.integers(0, dims[-1], size=(1, m)), dims[-1])
    if kind is MSE:
        return rng.normal(size=(dims[-1], m))
    return (rng.random((dims[-1], m)) > 0.5).astype(float)


@pytest.mark.parametrize("dims, kind, output", CASES)
def test_the_sharded_gradient_is_backwards(dims: list[int], kind: Any, output: Any) -> None:
    params = fnmlp.init(dims, output=output, seed=3)
    X = np.random.default_rng(1).normal(size=(3, 103))
    Y = _targets(dims, kind, 103)
    _, cache = fnmlp.forward(params, X)
    exact = fnmlp.backward(params, cache, Y, kind)
    J0 = fnmlp.loss(cache.A[-1], Y, kind)
    for size in (10, 33, 50):
        J, grads = fnmlp.dask.value_and_gradient(params, chunked(X, size), chunked(Y, size), kind)
        np.testing.assert_allclose(grads.g, exact.g, rtol=1e-12, atol=1e-15)
        assert math.isclose(J, J0, rel_tol=1e-12)
    # one shard: bit for bit
    one = fnmlp.dask.gradient(params, chunked(X, 103), Y, kind)
    assert np.array_equal(one.g, exact.g)


def test_the_reduction_is_add_grads_order_on_the_chunks() -> None:
    params = fnmlp.init([3, 5, 1], seed=0)
    X, Y = blobs(70)
    shards = [
        fnmlp.value_and_gradient(params, X[:, k : k + 10], Y[:, k : k + 10], BCE, total=70)
        for k in range(0, 70, 10)
    ]
    ordered = add_grads(*(g for _, g in shards))
    _, grads = fnmlp.dask.value_and_gradient(params, chunked(X, 10), chunked(Y, 10), BCE)
    assert np.array_equal(grads.g, ordered.g)
    for split_every in (3, 4, 7):
        other = fnmlp.dask.gradient(params, chunked(X, 10), Y, BCE, split_every=split_every)
        np.testing.assert_allclose(other.g, ordered.g, rtol=1e-13, atol=1e-16)


def test_predict_maps_fnmlp_predict_over_the_chunks() -> None:
    X = np.random.default_rng(0).normal(size=(3, 50))
    for output, n_y in ((fnmlp.softmax, 4), (fnmlp.sigmoid, 2)):
        params = fnmlp.init([3, 5, n_y], output=output, seed=1)
        labels = fnmlp.dask.predict(params, chunked(X, 16))
        assert isinstance(labels, da.Array)
        assert labels.chunks[1] == (16, 16, 16, 2)
        assert np.array_equal(labels.compute(), fnmlp.predict(params, X))
        assert labels.dtype == labels.compute().dtype == np.int64
    # a regression's values, not labels: their dtype is declared, so reductions keep them
    for output, dtype in ((fnmlp.linear, np.float64), (fnmlp.tanh, np.float32)):
        regression: Params[Any] = fnmlp.init([3, 5, 2], output=output, seed=1, dtype=dtype)
        values = fnmlp.dask.predict(regression, chunked(X.astype(dtype), 16))
        assert values.dtype == values.compute().dtype == dtype
        expected = fnmlp.predict(regression, X.astype(dtype))
        assert np.array_equal(values.compute(), expected)
        assert float(values.sum().compute()) == pytest.approx(float(expected.sum()), rel=1e-5)


# ----------------------------------------------------------------------------- bad input


def test_bad_dask_input_gets_a_clear_error_naming_the_argument() -> None:
    params = fnmlp.init([3, 4, 1], seed=0)
    X, Y = blobs(60)
    Xd, Yd = chunked(X, 20), chunked(Y, 20)
    gradient = fnmlp.dask.gradient
    with pytest.raises(fnmlp.DTypeError, match=r"^X: expected a dask array .*from_array"):
        gradient(params, X, Yd, BCE)  # type: ignore[arg-type]
    with pytest.raises(fnmlp.ShapeError, match=r"^X: expected chunks along the examples .*rechunk"):
        gradient(params, da.from_array(X, chunks=(1, 20)), Yd, BCE)
    with pytest.raises(
        fnmlp.ShapeError, match=r"^X: expected known chunk sizes.*compute_chunk_sizes"
    ):
        gradient(params, Xd[:, Xd[0] > 0], Yd, BCE)
    with pytest.raises(fnmlp.ShapeError, match=r"^Y: expected the column chunks of X, \(20, 20, 20\), got \(30, 30\)"):  # fmt: skip
        gradient(params, Xd, chunked(Y, 30), BCE)
    with pytest.raises(fnmlp.ShapeError, match=r"^X: expected shape \(3, m\).*pass X.T"):
        gradient(params, chunked(X.T.copy(), 3), Yd, BCE)
    with pytest.raises(fnmlp.HyperparameterError, match=r"^split_every: expected an int >= 2"):
        gradient(params, Xd, Yd, BCE, split_every=1)
    # a numpy Y (accepted) of the wrong shape is named as such, not as "not a dask array"
    with pytest.raises(fnmlp.ShapeError, match=r"^Y: expected shape \(1, 60\) .* got \(1, 50\)$"):
        gradient(params, Xd, Y[:, :50], BCE)
    with pytest.raises(fnmlp.ShapeError, match=r"got \(60, 1\); the examples look like rows"):
        gradient(params, Xd, Y.T, BCE)
    bad = X.copy()
    bad[1, 45] = np.nan
    with pytest.raises(fnmlp.NonFiniteError, match=r"^X \(chunk 2\): expected finite"):
        gradient(params, chunked(bad, 20), Yd, BCE)
    labels = Y.copy()
    labels[0, 5] = 3.0
    with pytest.raises(fnmlp.LabelError, match=r"^Y \(chunk 0\)"):
        gradient(params, Xd, chunked(labels, 20), BCE)
    with pytest.raises(fnmlp.NonFiniteError, match=r"^X \(chunk 2\): expected finite .*\(1, 5\)"):
        fnmlp.dask.predict(params, chunked(bad, 20)).compute()
    common: dict[str, Any] = {"loss": BCE, "optimizer": fnmlp.sgd(0.1), "epochs": 1}
    # a data-parallel batch takes a share of every chunk: 60 examples in batches of 5 are 12
    # steps, which a chunk of 10 cannot share in
    with pytest.raises(fnmlp.ShapeError, match=r"^X: expected every chunk to hold at least 12 examples .*got 10 in chunk 1"):  # fmt: skip
        fnmlp.dask.train_data_parallel(
            params, da.from_array(X, chunks=(3, (20, 10, 30))), Y, batch_size=5, **common
        )
    with pytest.raises(fnmlp.ShapeError, match=r"^X: expected chunks of at least batch_size=25 .*got 20 in chunk 0"):  # fmt: skip
        fnmlp.dask.train_streaming(params, Xd, Yd, batch_size=25, **common)
    with pytest.raises(fnmlp.HyperparameterError, match=r"^batch_size: expected a positive int"):
        fnmlp.dask.train_streaming(params, Xd, Yd, batch_size=0, **common)
    with pytest.raises(fnmlp.HyperparameterError, match=r"^batch_size: expected a positive int"):
        fnmlp.dask.train_streaming(params, Xd, Yd, batch_size=None, **common)  # type: ignore[arg-type]
    with pytest.raises(fnmlp.DTypeError, match=r"^loss: expected an fnmlp Loss"):
        fnmlp.dask.train_streaming(params, Xd, Yd, batch_size=5, **{**common, "loss": "bce"})
    with pytest.raises(fnmlp.DTypeError, match=r"^client: expected a distributed.Client"):
        fnmlp.dask.train_data_parallel(params, Xd, Yd, batch_size=5, client="local", **common)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- files


def test_read_npy_and_zarr_without_loading_the_file_whole(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(8, 200_000))  # 12.8 MB
    np.save(tmp_path / "X.npy", data)
    stored = zarr.create_array(str(tmp_path / "X.zarr"), shape=data.shape, chunks=(8, 25_000), dtype=data.dtype)  # fmt: skip
    stored[:] = data
    del data
    for path, columns in ((tmp_path / "X.npy", 10_000), (tmp_path / "X.zarr", None)):
        X = fnmlp.dask.read(path, columns=columns)
        assert X.shape == (8, 200_000) and X.dtype == np.float64
        assert len(X.chunks[0]) == 1
        tracemalloc.start()
        try:
            total = float(X.sum(axis=0).sum().compute(scheduler="sync"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert abs(total - float(np.load(tmp_path / "X.npy").sum())) < 1e-6
        chunk = 8 * 8 * (columns or 25_000)
        assert peak < 6 * chunk + (1 << 20), f"{path.name}: peak {peak} for chunks of {chunk}"
    with pytest.raises(
        fnmlp.SerialisationError, match=r"^path: expected a .npy file or a zarr array"
    ):
        fnmlp.dask.read(tmp_path / "missing.npy")
    np.save(tmp_path / "v.npy", np.zeros(3))
    with pytest.raises(fnmlp.ShapeError, match=r"^path: expected a 2-D array"):
        fnmlp.dask.read(tmp_path / "v.npy")
    with pytest.raises(fnmlp.HyperparameterError, match=r"^columns: expected a positive int"):
        fnmlp.dask.read(tmp_path / "X.npy", columns=0)


# ----------------------------------------------------------------------------- streaming


def test_streaming_one_chunk_is_train_bit_for_bit_and_resumes_bit_identically() -> None:
    X, Y = blobs(300)
    params = fnmlp.init([3, 6, 1], seed=2)
    common: dict[str, Any] = {"loss": BCE, "optimizer": fnmlp.adam(0.01), "batch_size": 32}
    core = fnmlp.train(params, X, Y, epochs=3, log_every=1, **common)
    one = fnmlp.dask.train_streaming(params, chunked(X, 300), Y, epochs=3, log_every=1, **common)
    assert np.array_equal(one.params.theta, core.params.theta)
    assert one.history.train_loss == core.history.train_loss
    # several chunks, resumed: the same bits as one run; the epoch counts whole passes
    Xd, Yd = chunked(X, 70), chunked(Y, 70)
    whole = fnmlp.dask.train_streaming(params, Xd, Yd, epochs=4, log_every=1, **common)
    half = fnmlp.dask.train_streaming(params, Xd, Yd, epochs=2, log_every=1, **common)
    rest = fnmlp.dask.train_streaming(half.state, Xd, Yd, epochs=2, log_every=1, **common)
    assert np.array_equal(rest.params.theta, whole.params.theta)
    assert rest.history.train_loss == whole.history.train_loss
    assert rest.state.epoch == 4
    assert whole.state.opt_state.count == 4 * (4 * math.ceil(70 / 32) + math.ceil(20 / 32))
    # prefetching changes nothing
    still = fnmlp.dask.train_streaming(params, Xd, Yd, epochs=4, log_every=1, prefetch=False, **common)  # fmt: skip
    assert np.array_equal(still.params.theta, whole.params.theta)


def test_streaming_running_loss_weighs_each_chunk_by_its_own_size() -> None:
    # chunks of 5,000, 5,000 and 3,000 examples, each measured in several parts (over
    # 2,048 examples), whose last chunk is labelled the other way: with a step too small
    # to move the network, the running loss is the loss of the whole set
    X, Y = blobs(13_000, seed=3)
    Y[:, 10_000:] = 1 - Y[:, 10_000:]
    params = fnmlp.init([3, 5, 1], seed=0)
    common: dict[str, Any] = {"loss": BCE, "optimizer": fnmlp.sgd(1e-12), "epochs": 1}
    run = fnmlp.dask.train_streaming(
        params, chunked(X, 5000), chunked(Y, 5000), batch_size=100, log_every=1, **common
    )
    Yhat = fnmlp.forward(params, X)[0]
    assert run.history.train_loss[0] == pytest.approx(fnmlp.loss(Yhat, Y, BCE), rel=1e-9)
    accuracy = float(np.mean((Yhat >= 0.5) == (Y >= 0.5)))
    assert run.history.train_accuracy[0] == pytest.approx(accuracy, abs=1e-12)


def test_streaming_validation_and_early_stopping_as_train() -> None:
    X, Y = blobs(400)
    X_val, Y_val = blobs(100, seed=1)
    result = fnmlp.dask.train_streaming(
        fnmlp.init([3, 6, 1], seed=2), chunked(X, 100), chunked(Y, 100), loss=BCE,
        optimizer=fnmlp.sgd(0.5), epochs=200, batch_size=50, validation=(X_val, Y_val),
        early_stopping=fnmlp.EarlyStopping(patience=3), log_every=1,
    )  # fmt: skip
    assert result.state.stopped and result.state.epoch < 200
    assert result.history.best_epoch == result.state.epoch - 3
    assert result.params is result.state.best_params
    assert fnmlp.accuracy(result.params, X_val, Y_val) > 0.85


def test_streaming_memory_stays_flat_on_data_many_times_the_budget() -> None:
    n_x, columns = 10, 12_500  # 1 MB chunks of float64
    chunk_bytes = n_x * columns * 8
    m = 50 * columns  # 50 MB of data
    budget = 8 * chunk_bytes  # what this test lets training hold at once
    rng = da.random.default_rng(0)
    X = rng.standard_normal((n_x, m), chunks=(n_x, columns))
    w = np.linspace(1.0, -1.0, n_x)[None, :]
    Y = X.map_blocks(
        lambda b: (w @ b > 0).astype(np.float64), chunks=((1,), X.chunks[1]), dtype=np.float64
    )
    params = fnmlp.init([n_x, 8, 1], seed=0)
    common: dict[str, Any] = {"loss": BCE, "optimizer": fnmlp.adam(0.01), "batch_size": 500}
    tracemalloc.start()
    try:
        streamed = fnmlp.dask.train_streaming(params, X, Y, epochs=1, **common)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert m * n_x * 8 >= 6 * budget  # the data are several budgets
    assert peak < budget, f"peak {peak / 2**20:.1f} MB over a budget of {budget / 2**20:.1f} MB"
    assert streamed.state.opt_state.count == 50 * math.ceil(columns / 500)
    X_test, Y_test = (a.compute() for a in (X[:, :5000], Y[:, :5000]))  # seen in training
    X_new = np.random.default_rng(9).normal(size=(n_x, 5000))
    Y_new = (w @ X_new > 0).astype(np.float64)
    core = fnmlp.train(params, *dask.compute(X, Y), epochs=1, **common)
    reached = fnmlp.accuracy(streamed.params, X_new, Y_new)
    assert reached >= fnmlp.accuracy(core.params, X_new, Y_new) - 0.01
    assert reached > 0.97 and fnmlp.accuracy(streamed.params, X_test, Y_test) > 0.97


def test_divergence_is_named_as_train_names_it() -> None:
    X = np.random.default_rng(0).normal(size=(3, 400)) * 10
    Y = X[:1] * 100
    params = fnmlp.init([3, 4, 1], output=fnmlp.linear, seed=0)
    common: dict[str, Any] = {
        "loss": MSE, "optimizer": fnmlp.sgd(0.5), "epochs": 5, "batch_size": 20, "log_every": 5,
    }  # fmt: skip
    with pytest.raises(fnmlp.DivergenceError) as core:
        fnmlp.train(params, X, Y, **common)
    for run in (fnmlp.dask.train_streaming, fnmlp.dask.train_data_parallel):
        with pytest.raises(fnmlp.DivergenceError) as error:
            run(params, chunked(X, 100), Y, **common)
        assert str(error.value) == str(core.value)
        assert (error.value.epoch, error.value.layer) == (1, 1)


# ----------------------------------------------------------------------------- dask-ml


def test_partial_fit_under_dask_ml_incremental() -> None:
    # dask-ml calls partial_fit once per block, in block order (unshuffled here)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    Xd, yd = da.from_array(X, chunks=(150, 4)), da.from_array(y, chunks=150)
    settings: dict[str, Any] = {"hidden_layer_sizes": (8,), "random_state": 0, "learning_rate_init": 0.05}  # fmt: skip
    incremental = Incremental(MLPClassifier(**settings), shuffle_blocks=False)
    for _ in range(5):
        incremental.partial_fit(Xd, yd, classes=[0, 1])
    by_hand = MLPClassifier(**settings)
    for _ in range(5):
        for start in range(0, 600, 150):
            by_hand.partial_fit(X[start : start + 150], y[start : start + 150], classes=[0, 1])
    fitted = incremental.estimator_
    for a, b in zip(fitted.coefs_ + fitted.intercepts_, by_hand.coefs_ + by_hand.intercepts_):
        assert np.array_equal(a, b)
    assert incremental.score(Xd, yd) > 0.9
    assert np.array_equal(incremental.predict(Xd).compute(), by_hand.predict(X))


# ----------------------------------------------------------------------------- data parallel


def _reference(
    params: Params[np.float64],
    X: np.ndarray[Any, Any],
    Y: np.ndarray[Any, Any],
    sizes: list[int],
    *,
    optimizer: Any,
    epochs: int,
    batch_size: int,
    seed: int,
) -> Params[np.float64]:
    """The data-parallel algorithm written with fnmlp's public stages: gradient, then step."""
    starts = np.cumsum([0, *sizes])
    steps = -(-X.shape[1] // batch_size)
    state = optimizer.init(params)
    for epoch in range(epochs):
        orders = [
            start + np.random.default_rng((seed, epoch, k)).permutation(m_k)
            for k, (start, m_k) in enumerate(zip(starts, sizes))
        ]
        for s in range(steps):
            batch = np.concatenate(
                [order[s * len(order) // steps : (s + 1) * len(order) // steps] for order in orders]
            )
            grads = fnmlp.gradient(params, X[:, batch], Y[:, batch], BCE)
            params, state = optimizer.step(params, grads, state)
    return params


def test_data_parallel_in_process_is_the_algorithm() -> None:
    X, Y = blobs(500)
    sizes = [120, 200, 180]
    params = fnmlp.init([3, 6, 1], seed=4)
    kwargs: dict[str, Any] = {
        "optimizer": fnmlp.adam(0.01),
        "epochs": 2,
        "batch_size": 64,
        "seed": 3,
    }
    result = fnmlp.dask.train_data_parallel(
        params, da.from_array(X, chunks=(3, tuple(sizes))), Y, loss=BCE, log_every=1, **kwargs
    )
    reference = _reference(params, X, Y, sizes, **kwargs)
    np.testing.assert_allclose(result.params.theta, reference.theta, rtol=1e-9, atol=1e-12)
    assert result.state.opt_state.count == 2 * 8
    assert len(result.history.train_loss) == 2
    # resumed after one epoch: the same bits, the epoch counting passes over all the data
    Xd = da.from_array(X, chunks=(3, tuple(sizes)))
    half = fnmlp.dask.train_data_parallel(params, Xd, Y, loss=BCE, log_every=1, **{**kwargs, "epochs": 1})  # fmt: skip
    rest = fnmlp.dask.train_data_parallel(half.state, Xd, Y, loss=BCE, log_every=1, **{**kwargs, "epochs": 1})  # fmt: skip
    assert np.array_equal(rest.params.theta, result.params.theta)
    assert rest.history.train_loss == result.history.train_loss and rest.state.epoch == 2


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A 2-process, 1-thread-each LocalCluster, closed when the module's tests are done."""
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        yield client


def test_the_cluster_runs_this_fnmlp(client: Client) -> None:
    where = client.run(lambda: __import__("fnmlp").__file__)
    assert set(where.values()) == {fnmlp.__file__}
    assert len(where) == 2


def test_the_distributed_gradient_is_the_single_process_bits(client: Client) -> None:
    params = fnmlp.init([3, 16, 8, 3], output=fnmlp.softmax, seed=0)
    X = np.random.default_rng(0).normal(size=(3, 3000))
    Y = _targets([3, 16, 8, 3], CCE, 3000)
    Xd, Yd = chunked(X, 300), chunked(Y, 300)
    J, grads = fnmlp.dask.value_and_gradient(params, Xd, Yd, CCE)  # on the workers
    with threadpool_limits(1), dask.config.set(scheduler="sync"):
        J1, local = fnmlp.dask.value_and_gradient(params, Xd, Yd, CCE)
    assert np.array_equal(grads.g, local.g) and J == J1
    assert not grads.g.flags.writeable


def test_data_parallel_adam_on_the_cluster_is_the_single_process_run(client: Client) -> None:
    X, Y = blobs(2000, n_x=4)
    Xd = da.from_array(X, chunks=(4, 500))
    params = fnmlp.init([4, 16, 1], seed=1)
    kwargs: dict[str, Any] = {
        "loss": BCE, "optimizer": fnmlp.adam(0.01), "epochs": 2, "batch_size": 250, "log_every": 1,
    }  # fmt: skip
    remote = fnmlp.dask.train_data_parallel(params, Xd, Y, client=client, **kwargs)
    with threadpool_limits(1):
        local = fnmlp.dask.train_data_parallel(params, Xd, Y, **kwargs)
    assert np.array_equal(remote.params.theta, local.params.theta)
    assert remote.history.train_loss == local.history.train_loss
    again = fnmlp.dask.train_data_parallel(params, Xd, Y, client=client, **kwargs)
    assert np.array_equal(again.params.theta, remote.params.theta)  # the same run twice
    assert remote.state.opt_state.count == 16
    for a, b in zip((remote.state.opt_state.mean, remote.state.opt_state.square), (local.state.opt_state.mean, local.state.opt_state.square)):  # fmt: skip
        assert np.array_equal(a, b)
    # a bad chunk is refused from the worker with the same error
    bad = X.copy()
    bad[0, 1700] = np.inf
    with pytest.raises(fnmlp.NonFiniteError, match=r"^X \(chunk 3\)"):
        fnmlp.dask.train_data_parallel(params, da.from_array(bad, chunks=(4, 500)), Y, client=client, **kwargs)  # fmt: skip
    # and the other chunks are not left on the cluster
    deadline = time.monotonic() + 10
    while client.who_has() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not client.who_has()
