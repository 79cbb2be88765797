"""Training: L2, mini-batches, resuming, history, scan, progress, early stopping, divergence."""

from __future__ import annotations

import builtins
import inspect
import itertools
import math
import sys
from collections.abc import Iterator
from typing import Any

import attrs
import numpy as np
import pytest

import fnmlp
from fnmlp import (
    EarlyStopping,
    Optimizer,
    Params,
    TrainResult,
    TrainState,
    _loop,
    adam,
    binary_cross_entropy,
    linear,
    mean_squared_error,
    scan,
    sgd,
    tanh,
    train,
)

Array = np.ndarray[Any, np.dtype[np.float64]]


def blobs(m: int = 24, seed: int = 0) -> tuple[Array, Array]:
    """Two noisy, overlapping classes in the plane: ``X`` (2, m), ``Y`` (1, m)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, m)
    X: Array = rng.standard_normal((2, m)) + 1.5 * labels
    Y: Array = labels[None, :].astype(np.float64)
    return X, Y


def net(seed: int = 0) -> Params[np.float64]:
    return fnmlp.init([2, 5, 1], hidden=tanh, scheme="xavier", seed=seed)


def arrays_of(record: Any) -> list[Any]:
    """Every field of an attrs record, arrays and layers spelled out, for exact comparison."""
    out: list[Any] = []
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, fnmlp.Layer):
                out += [item.W, item.b, item.activation.name]
            else:
                out.append(item)
    return out


def identical(a: Any, b: Any) -> bool:
    left, right = arrays_of(a), arrays_of(b)
    return len(left) == len(right) and all(
        np.array_equal(x, y) and getattr(x, "dtype", None) == getattr(y, "dtype", None)
        if isinstance(x, np.ndarray)
        else x == y
        for x, y in zip(left, right)
    )


def penalised_loss(params: Params[Any], X: Array, Y: Array, l2: float) -> float:
    Yhat, _ = fnmlp.forward(params, X)
    squares = sum(float(np.sum(layer.W**2)) for layer in params.layers)
    m: int = X.shape[1]
    return fnmlp.loss(Yhat, Y, binary_cross_entropy) + l2 / (2 * m) * squares


# ----------------------------------------------------------------------------- L2


def test_l2_is_in_the_reported_loss() -> None:
    X, Y = blobs()
    params = net()
    result = train(
        params,
        X,
        Y,
        loss=binary_cross_entropy,
        optimizer=sgd(0.1),
        epochs=3,
        l2=0.7,
        log_every=1,
        running_loss=False,
    )
    for epoch, state in enumerate(
        scan(params, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=3, l2=0.7)
    ):
        expected = penalised_loss(state.params, X, Y, 0.7)
        assert result.history.train_loss[epoch] == pytest.approx(expected, rel=1e-12)
    plain = train(
        params, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=3, running_loss=False
    )
    assert result.history.train_loss[0] > plain.history.train_loss[0]  # same params, plus penalty


def test_l2_gradient_matches_finite_differences_of_the_penalised_loss() -> None:
    X, Y = blobs()
    params = net(1)
    l2 = 2.5
    # one full-batch sgd step with learning rate 1 moves every parameter by its gradient
    moved = train(
        params, X, Y, loss=binary_cross_entropy, optimizer=sgd(1.0), epochs=1, l2=l2
    ).params
    h = 1e-6
    for i, (layer, new) in enumerate(zip(params.layers, moved.layers)):
        for name in ("W", "b"):
            here: Array = getattr(layer, name)
            got: Array = here - getattr(new, name)
            numeric = np.zeros_like(here)
            for index in np.ndindex(here.shape):
                values = []
                for sign in (1, -1):
                    nudged = here.copy()
                    nudged[index] += sign * h
                    changed = (
                        attrs.evolve(layer, W=nudged)
                        if name == "W"
                        else attrs.evolve(layer, b=nudged)
                    )
                    layers = (*params.layers[:i], changed, *params.layers[i + 1 :])
                    values.append(penalised_loss(Params(layers), X, Y, l2))
                numeric[index] = (values[0] - values[1]) / (2 * h)
            np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-9)
    # the penalty acts on W only: the bias moves as without it
    unpenalised = train(params, X, Y, loss=binary_cross_entropy, optimizer=sgd(1.0), epochs=1)
    for a, b in zip(moved.layers, unpenalised.params.layers):
        np.testing.assert_array_equal(a.b, b.b)
        assert not np.allclose(a.W, b.W)


def test_l2_with_mini_batches_uses_the_training_set_size() -> None:
    """Each batch adds ``l2 / m * W`` (m the training set), so the reported loss is the objective."""
    X, Y = blobs(10)
    params, l2, lr = net(2), 3.0, 0.5
    result = train(
        params, X, Y, loss=binary_cross_entropy, optimizer=sgd(lr), epochs=1, batch_size=4, l2=l2
    )
    order = np.random.default_rng((0, 0)).permutation(10)
    by_hand = params
    for first in range(0, 10, 4):
        cols = order[first : first + 4]
        _, cache = fnmlp.forward(by_hand, X[:, cols])
        grads = fnmlp.backward(by_hand, cache, Y[:, cols], binary_cross_entropy)
        dW = tuple(g + l2 / 10 * layer.W for g, layer in zip(grads.dW, by_hand.layers))
        by_hand = fnmlp.update(by_hand, fnmlp.Grads(dW, grads.db), lr)
    for a, b in zip(result.params.layers, by_hand.layers):
        np.testing.assert_allclose(a.W, b.W, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(a.b, b.b, rtol=1e-13, atol=1e-15)


def test_validation_loss_has_no_penalty() -> None:
    X, Y = blobs()
    params = net()
    result = train(
        params,
        X,
        Y,
        loss=binary_cross_entropy,
        optimizer=sgd(0.1),
        epochs=1,
        l2=1.0,
        validation=(X, Y),
        running_loss=False,
    )
    data_loss = fnmlp.loss(fnmlp.forward(params, X)[0], Y, binary_cross_entropy)
    assert result.history.validation_loss[0] == pytest.approx(data_loss, rel=1e-12)
    assert result.history.train_loss[0] == pytest.approx(
        penalised_loss(params, X, Y, 1.0), rel=1e-12
    )


def test_a_set_measured_in_slices_keeps_its_penalty() -> None:
    # past 2048 examples a log measures the set in slices of max(batch_size, 2048) columns
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2, 2100))
    Y = (X[:1] + X[1:] > 0).astype(np.float64)
    params = net()
    for batch_size in (None, 700):  # one slice of 2100, or slices of 2048 and 52
        result = train(
            params, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1, l2=50.0,
            batch_size=batch_size, running_loss=False, log_every=1,
        )  # fmt: skip
        expected = penalised_loss(result.params, X, Y, 50.0)
        Yhat, _ = fnmlp.forward(result.params, X)
        raw = fnmlp.loss(Yhat, Y, binary_cross_entropy)
        assert expected - raw > 1e-3  # the penalty counts
        assert result.history.train_loss[-1] == pytest.approx(expected, rel=1e-12)


def test_bad_l2_is_refused() -> None:
    X, Y = blobs()
    for bad in (-0.1, float("inf"), float("nan")):
        with pytest.raises(fnmlp.HyperparameterError, match=r"^l2: expected"):
            train(net(), X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1, l2=bad)


# ----------------------------------------------------------------------------- mini-batches


def test_full_batch_when_batch_size_is_none_or_covers_the_data() -> None:
    X, Y = blobs(12)
    runs = [
        train(net(), X, Y, loss=binary_cross_entropy, optimizer=adam(0.01), epochs=5, batch_size=b)
        for b in (None, 12, 100)
    ]
    for run in runs:
        assert all(
            np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
            for a, b in zip(runs[0].params.layers, run.params.layers)
        )
        assert identical(runs[0].state.opt_state, run.state.opt_state)
        assert run.state.opt_state.count == 5  # one step per epoch


def test_mini_batches_are_the_documented_shuffle_with_the_last_partial_batch() -> None:
    X, Y = blobs(10)
    opt = fnmlp.momentum(0.3, beta=0.5)
    result = train(
        net(), X, Y, loss=binary_cross_entropy, optimizer=opt, epochs=3, batch_size=4, seed=7
    )
    assert result.state.opt_state.count == 9  # batches of 4, 4 and 2, three epochs
    params, state = net(), opt.init(net())
    seen: list[int] = []
    for epoch in range(3):
        order = np.random.default_rng((7, epoch)).permutation(10)
        for first in range(0, 10, 4):
            cols = order[first : first + 4]
            seen += list(cols)
            _, cache = fnmlp.forward(params, X[:, cols])
            params, state = opt.step(
                params, fnmlp.backward(params, cache, Y[:, cols], binary_cross_entropy), state
            )
    assert sorted(seen) == sorted(list(range(10)) * 3)  # every example once per epoch
    for a, b in zip(result.params.layers, params.layers):
        np.testing.assert_allclose(a.W, b.W, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(a.b, b.b, rtol=1e-13, atol=1e-15)
    # dropping the last partial batch would give other parameters
    dropped = train(
        net(), X[:, :8], Y[:, :8], loss=binary_cross_entropy, optimizer=opt, epochs=3, batch_size=4
    )
    assert not np.allclose(dropped.params.layers[0].W, result.params.layers[0].W)


def test_shuffle_seed_decides_the_run() -> None:
    X, Y = blobs(20)

    def run(seed: int) -> TrainResult[np.float64]:
        return train(
            net(),
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=adam(0.05),
            epochs=4,
            batch_size=3,
            seed=seed,
        )

    a, b, c = run(1), run(1), run(2)
    assert identical(a.state.opt_state, b.state.opt_state)
    assert all(np.array_equal(x.W, y.W) for x, y in zip(a.params.layers, b.params.layers))
    assert not np.allclose(a.params.layers[0].W, c.params.layers[0].W)
    assert a.history.train_loss != c.history.train_loss


@pytest.mark.parametrize("bad", [0, -4, 2.5, True])
def test_bad_batch_size_is_refused(bad: Any) -> None:
    X, Y = blobs()
    with pytest.raises(fnmlp.HyperparameterError, match=r"^batch_size: expected a positive int"):
        train(net(), X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1, batch_size=bad)


# ----------------------------------------------------------------------------- resuming


@pytest.mark.parametrize("log_every", [None, 2])
def test_resumed_run_is_bit_identical_to_one_run(log_every: int | None) -> None:
    X, Y = blobs(30)
    Xv, Yv = blobs(9, seed=1)
    settings: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": adam(0.01),
        "batch_size": 8,
        "seed": 3,
        "validation": (Xv, Yv),
        "log_every": log_every,
    }
    first = train(net(), X, Y, epochs=10, **settings)
    resumed = train(first.state, X, Y, epochs=10, **settings)
    once = train(net(), X, Y, epochs=20, **settings)
    assert resumed.state.epoch == once.state.epoch == 20
    for a, b in zip(resumed.params.layers, once.params.layers):
        assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
    assert identical(resumed.state.opt_state, once.state.opt_state)
    assert resumed.state.opt_state.count == 20 * 4
    assert arrays_of(resumed.history) == arrays_of(once.history)
    assert len(resumed.history.epochs) == (20 if log_every is None else 10)
    assert (resumed.state.best_epoch, resumed.state.best_loss) == (
        once.state.best_epoch,
        once.state.best_loss,
    )
    # and the first run is untouched by the second
    assert first.state.epoch == 10 and first.state.opt_state.count == 40


def test_resuming_with_another_optimiser_is_refused() -> None:
    X, Y = blobs()
    first = train(net(), X, Y, loss=binary_cross_entropy, optimizer=adam(0.01), epochs=2)
    with pytest.raises(fnmlp.HyperparameterError, match=r"^state\.learning_rate"):
        train(first.state, X, Y, loss=binary_cross_entropy, optimizer=adam(0.1), epochs=2)
    with pytest.raises(
        fnmlp.DTypeError, match=r"^state: expected the SgdState of this optimiser, got AdamState"
    ):
        train(first.state, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=2)


# ----------------------------------------------------------------------------- history


def test_history_records_at_log_every_with_the_best_epoch() -> None:
    X, Y = blobs(24)
    Xv, Yv = blobs(12, seed=5)
    settings: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": sgd(0.5),
        "epochs": 10,
        "validation": (Xv, Yv),
        "log_every": 3,
        "running_loss": False,
    }
    history = train(net(), X, Y, **settings).history
    assert history.epochs == (0, 3, 6, 9, 10)  # the start, every 3 epochs, and the end
    columns = (
        history.train_loss,
        history.train_accuracy,
        history.validation_loss,
        history.validation_accuracy,
    )
    assert [len(c) for c in columns] == [5, 5, 5, 5]
    states = {s.epoch: s for s in scan(net(), X, Y, **settings)}
    for i, epoch in enumerate(history.epochs):
        params = states[epoch].params
        train_loss = fnmlp.loss(fnmlp.forward(params, X)[0], Y, binary_cross_entropy)
        val_loss = fnmlp.loss(fnmlp.forward(params, Xv)[0], Yv, binary_cross_entropy)
        assert history.train_loss[i] == pytest.approx(train_loss, rel=1e-12)
        assert history.validation_loss[i] == pytest.approx(val_loss, rel=1e-12)
        assert history.train_accuracy[i] == fnmlp.accuracy(params, X, Y)
        assert history.validation_accuracy[i] == fnmlp.accuracy(params, Xv, Yv)
    best = history.epochs[int(np.argmin(history.validation_loss))]
    assert history.best_epoch == best
    assert history.final_loss == history.train_loss[-1]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        history.best_epoch = 0  # type: ignore[misc]


def test_history_without_validation_or_accuracy() -> None:
    X, _ = blobs()
    Yr = X[:1] - X[1:]
    history = train(
        fnmlp.init([2, 1], output=linear, seed=0),
        X,
        Yr,
        loss=mean_squared_error,
        optimizer=sgd(0.05),
        epochs=250,
        running_loss=False,
    ).history
    assert history.epochs == tuple(range(0, 251, 2))  # log_every defaults to epochs // 100
    assert history.train_accuracy == history.validation_loss == history.validation_accuracy == ()
    assert history.best_epoch == history.epochs[int(np.argmin(history.train_loss))]
    assert list(history.train_loss) == sorted(history.train_loss, reverse=True)


def test_history_is_a_cons_list_that_shares_its_past() -> None:
    X, Y = blobs()
    states = list(
        scan(
            net(),
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=sgd(0.1),
            epochs=50,
            log_every=1,
            running_loss=False,
        )
    )
    for before, after in itertools.pairwise(states):
        assert after.log is not None and after.log[1] is before.log  # O(1): nothing copied
    depth, node = 0, states[-1].log
    while node is not None:
        depth, node = depth + 1, node[1]
    assert depth == 51 == len(states[-1].history.epochs)


@pytest.mark.parametrize("columns", [2048, 5])
def test_a_running_loss_is_the_mean_of_the_logged_epochs_batch_losses(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the batches' outputs are measured side by side every ``columns`` examples (5: after
    # the second batch, then the third), and the parts combined: the same mean
    monkeypatch.setattr(_loop, "EVALUATION_COLUMNS", columns)
    X, Y = blobs(10)
    params, l2, lr = net(1), 0.4, 0.5
    settings: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": sgd(lr),
        "epochs": 4,
        "batch_size": 4,  # batches of 4, 4 and 2
        "log_every": 2,
        "l2": l2,
        "validation": (X[:, :5], Y[:, :5]),
    }
    running = train(params, X, Y, running_loss=True, **settings)
    exact = train(params, X, Y, running_loss=False, **settings)
    # the same steps: the running numbers come from forward passes the steps make anyway
    assert all(
        np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
        for a, b in zip(running.params.layers, exact.params.layers)
    )
    history = running.history
    assert history.epochs == (2, 4)  # nothing to average before the first epoch
    assert history.validation_loss == exact.history.validation_loss[1:]
    by_hand = params
    for epoch in range(4):
        order = np.random.default_rng((0, epoch)).permutation(10)
        total = correct = 0.0
        for first in range(0, 10, 4):
            cols = order[first : first + 4]
            Yhat, cache = fnmlp.forward(by_hand, X[:, cols])
            total += fnmlp.loss(Yhat, Y[:, cols], binary_cross_entropy) * len(cols)
            correct += float(np.sum((Yhat >= 0.5) == (Y[:, cols] >= 0.5)))
            grads = fnmlp.backward(by_hand, cache, Y[:, cols], binary_cross_entropy)
            dW = tuple(g + l2 / 10 * layer.W for g, layer in zip(grads.dW, by_hand.layers))
            by_hand = fnmlp.update(by_hand, fnmlp.Grads(dW, grads.db), lr)
        if epoch % 2 == 1:
            entry = (epoch - 1) // 2
            squares = sum(float(np.sum(layer.W**2)) for layer in by_hand.layers)
            assert history.train_loss[entry] == pytest.approx(
                total / 10 + l2 / 20 * squares, rel=1e-12
            )
            assert history.train_accuracy[entry] == correct / 10


def test_a_full_batch_running_loss_is_the_loss_before_the_epochs_step() -> None:
    X, Y = blobs(12)
    settings: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": sgd(0.3),
        "epochs": 6,
        "log_every": 1,
    }
    running = train(net(), X, Y, running_loss=True, **settings).history
    exact = train(net(), X, Y, running_loss=False, **settings).history
    assert running.epochs == exact.epochs[1:]
    np.testing.assert_allclose(running.train_loss, exact.train_loss[:-1], rtol=1e-12)
    assert running.train_accuracy == exact.train_accuracy[:-1]


def test_a_running_loss_run_resumes_bit_identically() -> None:
    X, Y = blobs(10)
    settings: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": adam(0.05),
        "batch_size": 3,
        "log_every": 2,
        "running_loss": True,
    }
    first = train(net(), X, Y, epochs=4, **settings)
    more = train(first.state, X, Y, epochs=4, **settings)
    once = train(net(), X, Y, epochs=8, **settings)
    assert identical(more.params, once.params)
    assert identical(more.state.opt_state, once.state.opt_state)
    assert attrs.astuple(more.history) == attrs.astuple(once.history)
    assert more.history.epochs == (2, 4, 6, 8)


def test_a_running_loss_still_reports_divergence() -> None:
    X, Y = unscaled()
    with pytest.raises(fnmlp.DivergenceError, match=r"^training diverged in epoch \d+"):
        train(
            fnmlp.init([3, 1], output=linear, seed=0),
            X,
            Y,
            loss=mean_squared_error,
            optimizer=sgd(1.0),
            epochs=50,
            batch_size=8,
            running_loss=True,
        )


def test_bad_running_loss_is_refused() -> None:
    X, Y = blobs()
    with pytest.raises(fnmlp.HyperparameterError, match=r"^running_loss: expected True or False"):
        train(
            net(),
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
            running_loss=1,  # type: ignore[arg-type]
        )


# ----------------------------------------------------------------------------- scan


def counting(opt: Optimizer[Any]) -> tuple[Optimizer[Any], list[int]]:
    calls: list[int] = []

    def update(*args: Any) -> Any:
        calls.append(1)
        return opt.update(*args)

    return Optimizer(opt.name, opt.init, update, opt.moments), calls


def test_scan_is_lazy() -> None:
    X, Y = blobs()
    opt, calls = counting(sgd(0.1))
    states = scan(net(), X, Y, loss=binary_cross_entropy, optimizer=opt, epochs=10**6)
    is_generator = inspect.isgenerator(states)
    assert is_generator
    first = list(itertools.islice(states, 3))
    assert [s.epoch for s in first] == [0, 1, 2]
    assert len(calls) == 2  # two epochs computed, not a million
    assert all(np.array_equal(a.W, b.W) for a, b in zip(first[0].params.layers, net().layers))


def test_scan_checks_its_arguments_when_called() -> None:
    X, Y = blobs()
    with pytest.raises(fnmlp.HyperparameterError, match=r"^epochs: expected a positive int"):
        scan(net(), X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=0)
    with pytest.raises(fnmlp.ShapeError, match=r"^X: expected shape \(2, m\)"):
        scan(net(), X.T, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1)


def test_train_is_the_last_state_of_scan() -> None:
    X, Y = blobs(16)
    settings: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": adam(0.02),
        "epochs": 12,
        "batch_size": 5,
        "log_every": 4,
    }
    states = list(scan(net(), X, Y, **settings))
    result = train(net(), X, Y, **settings)
    last = states[-1]
    assert len(states) == 13 and [s.epoch for s in states] == list(range(13))
    assert all(
        np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
        for a, b in zip(last.params.layers, result.params.layers)
    )
    assert identical(last.opt_state, result.state.opt_state)
    assert arrays_of(last.history) == arrays_of(result.history)
    assert isinstance(result.state, TrainState)


def test_train_mutates_nothing() -> None:
    X, Y = blobs()
    X0, Y0 = X.copy(), Y.copy()
    params = net()
    W0 = [layer.W.copy() for layer in params.layers]
    train(params, X, Y, loss=binary_cross_entropy, optimizer=adam(0.1), epochs=3, batch_size=5)
    assert np.array_equal(X, X0) and np.array_equal(Y, Y0)
    assert X.flags.writeable and Y.flags.writeable
    assert all(np.array_equal(a, layer.W) for a, layer in zip(W0, params.layers))


# ----------------------------------------------------------------------------- progress


def test_progress_bar_shows_the_loss(capsys: pytest.CaptureFixture[str]) -> None:
    X, Y = blobs()
    result = train(
        net(),
        X,
        Y,
        loss=binary_cross_entropy,
        optimizer=sgd(0.1),
        epochs=40,
        validation=(X, Y),
        log_every=10,
        progress=True,
    )
    err = capsys.readouterr().err
    assert "training" in err and "40/40" in err
    assert f"loss={result.history.final_loss:.4g}" in err
    assert f"val_loss={result.history.validation_loss[-1]:.4g}" in err


def test_progress_without_tqdm_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    X, Y = blobs()
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r"pip install 'fnmlp\[progress\]'"):
        train(net(), X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=3, progress=True)
    monkeypatch.undo()
    real_import = builtins.__import__

    def no_tqdm(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == "tqdm":
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    with pytest.raises(ImportError, match=r"pip install 'fnmlp\[progress\]'"):
        train(net(), X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=3, progress=True)
    # without progress, tqdm is not needed
    train(net(), X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=3)


# ----------------------------------------------------------------------------- early stopping


def overfitting() -> tuple[Params[np.float64], dict[str, Any]]:
    """A [1, 16, 16, 1] tanh net fitting 12 noisy points of sin: validation loss falls, then rises."""
    rng = np.random.default_rng(0)
    x = np.linspace(-3, 3, 12)[None, :]
    y = np.sin(x) + 0.3 * rng.standard_normal(x.shape)
    xv = np.linspace(-3, 3, 40)[None, :]
    params = fnmlp.init([1, 16, 16, 1], hidden=tanh, output=linear, scheme="xavier", seed=0)
    settings: dict[str, Any] = {
        "X": x,
        "Y": y,
        "loss": mean_squared_error,
        "optimizer": adam(0.02),
        "validation": (xv, np.sin(xv)),
        "log_every": 5,
    }
    return params, settings


def test_early_stopping_returns_the_best_params_seen() -> None:
    params, settings = overfitting()
    stopping = EarlyStopping(patience=100)
    result = train(params, epochs=1500, early_stopping=stopping, **settings)
    history, state = result.history, result.state
    assert state.stopped and state.epoch < 1500
    best = history.best_epoch
    assert best == state.best_epoch > 0
    assert state.epoch - best == 100  # judged every epoch: stopped right at the patience
    # the returned params are the scan's state at the best epoch, not the last
    states = {s.epoch: s for s in scan(params, epochs=1500, early_stopping=stopping, **settings)}
    assert max(states) == state.epoch
    xv, yv = settings["validation"]
    validation = {
        epoch: fnmlp.loss(fnmlp.forward(s.params, xv)[0], yv, mean_squared_error)
        for epoch, s in states.items()
    }
    assert validation[best] == pytest.approx(min(validation.values()), rel=1e-12)
    assert validation[state.epoch] > validation[best]  # it really got worse
    for got, at_best, last in zip(
        result.params.layers, states[best].params.layers, state.params.layers
    ):
        assert np.array_equal(got.W, at_best.W) and np.array_equal(got.b, at_best.b)
        assert not np.array_equal(got.W, last.W)


def test_early_stopping_does_not_depend_on_how_often_the_history_logs() -> None:
    params, settings = overfitting()
    stopping = EarlyStopping(patience=10)
    stops = {
        (epochs, log_every): train(
            params, **{**settings, "log_every": log_every}, epochs=epochs, early_stopping=stopping
        ).state.epoch
        for epochs in (1500, 2000)
        for log_every in (1, 7, 50)
    }
    assert len(set(stops.values())) == 1, stops


def test_early_stopping_with_a_flat_validation_loss_stops_after_the_patience() -> None:
    # a zero network with a linear output predicts 0 whatever the steps on data of all zeros
    params = fnmlp.init([1, 1], output=linear, scheme="random", seed=0)
    zero = fnmlp.Params((fnmlp.Layer(np.zeros((1, 1)), np.zeros((1, 1)), linear),))
    X, Y = np.zeros((1, 4)), np.zeros((1, 4))
    result = train(
        zero,
        X,
        Y,
        loss=mean_squared_error,
        optimizer=sgd(0.1),
        epochs=50,
        validation=(X, Y),
        early_stopping=EarlyStopping(patience=5),
    )
    # the loss never falls below the start's: equal is no improvement
    assert result.state.stopped and result.state.epoch == 5 and result.state.best_epoch == 0
    assert params.dims == zero.dims


def test_min_delta_decides_what_counts_as_improvement() -> None:
    params, settings = overfitting()
    result = train(
        params, epochs=1500, early_stopping=EarlyStopping(patience=20, min_delta=10.0), **settings
    )
    # no decrease of 10 ever happens: the starting network stays the best
    assert result.history.best_epoch == 0 and result.state.epoch == 20
    assert all(np.array_equal(a.W, b.W) for a, b in zip(result.params.layers, params.layers))
    looser = train(params, epochs=1500, early_stopping=EarlyStopping(patience=20), **settings)
    assert looser.history.best_epoch > 0


def test_a_stopped_run_resumes() -> None:
    params, settings = overfitting()
    stopped = train(params, epochs=1500, early_stopping=EarlyStopping(patience=50), **settings)
    assert stopped.state.stopped
    more = train(stopped.state, epochs=10, early_stopping=EarlyStopping(patience=50), **settings)
    assert more.state.epoch > stopped.state.epoch


def test_early_stopping_needs_validation_and_sane_settings() -> None:
    X, Y = blobs()
    with pytest.raises(fnmlp.HyperparameterError, match=r"^early_stopping: expected validation"):
        train(
            net(),
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=sgd(0.1),
            epochs=5,
            early_stopping=EarlyStopping(),
        )
    with pytest.raises(fnmlp.HyperparameterError, match=r"^patience: expected a positive int"):
        EarlyStopping(patience=0)
    with pytest.raises(fnmlp.HyperparameterError, match=r"^min_delta: expected a non-negative"):
        EarlyStopping(min_delta=-0.1)


# ----------------------------------------------------------------------------- divergence


def unscaled() -> tuple[Array, Array]:
    rng = np.random.default_rng(0)
    X: Array = rng.standard_normal((3, 40)) * 50
    Y: Array = 2 * X[:1] + 1
    return X, Y


def first_bad_epoch(states: Iterator[TrainState[Any]], X: Array, Y: Array) -> tuple[int, int]:
    """``(first epoch whose params or MSE are not finite, last epoch seen)``, step by step.

    A run refuses to yield a state whose parameters are not finite, so when every
    state seen is finite the first bad one is the next.
    """
    first, last = -1, -1
    with pytest.raises(fnmlp.DivergenceError):
        for state in states:
            last = state.epoch
            with np.errstate(all="ignore"):
                Z = X
                finite = True
                for layer in state.params.layers:
                    finite &= bool(np.isfinite(layer.W).all() and np.isfinite(layer.b).all())
                    Z = layer.W @ Z + layer.b
                finite &= bool(np.isfinite(np.mean((Z - Y) ** 2)))
            if not finite and first < 0:
                first = state.epoch
    return (first if first >= 0 else last + 1), last


def linear_epoch(
    Ws: list[Array], bs: list[Array], X: Array, Y: Array, lr: float, epoch: int, size: int
) -> tuple[list[Array], list[Array]]:
    """One epoch of mini-batch sgd on a linear net with MSE, in plain numpy (overflow allowed)."""
    Ws, bs = [W.copy() for W in Ws], [b.copy() for b in bs]
    order = np.random.default_rng((0, epoch)).permutation(X.shape[1])
    with np.errstate(all="ignore"):
        for first in range(0, X.shape[1], size):
            cols = order[first : first + size]
            As = [X[:, cols]]
            for W, b in zip(Ws, bs):
                As.append(W @ As[-1] + b)
            dZ = 2 * (As[-1] - Y[:, cols]) / As[-1].size
            for l in reversed(range(len(Ws))):
                dW, db = dZ @ As[l].T, dZ.sum(axis=1, keepdims=True)
                dZ = Ws[l].T @ dZ
                Ws[l], bs[l] = Ws[l] - lr * dW, bs[l] - lr * db
    return Ws, bs


def test_divergence_names_the_first_epoch_and_the_layer() -> None:
    X, Y = unscaled()
    params = fnmlp.init([3, 1], output=linear, seed=0)
    settings: dict[str, Any] = {"loss": mean_squared_error, "optimizer": sgd(10.0), "epochs": 1000}
    with pytest.raises(fnmlp.DivergenceError) as caught:
        train(params, X, Y, **settings)
    error = caught.value
    assert error.epoch > 0 and error.layer == 1
    assert str(error).startswith(f"training diverged in epoch {error.epoch}: ")
    assert "layer 1" in str(error) and "learning rate" in str(error)
    # step by step: every state before error.epoch is finite, the one at error.epoch is not,
    # although with rare logs the run only noticed later (when a parameter overflowed)
    first, last = first_bad_epoch(scan(params, X, Y, log_every=10**6, **settings), X, Y)
    assert first == error.epoch < last
    for log_every in (1, 7, 10**6):
        with pytest.raises(fnmlp.DivergenceError) as again:
            train(params, X, Y, log_every=log_every, **settings)
        assert (again.value.epoch, again.value.layer) == (error.epoch, 1)


def test_divergence_in_a_deeper_net_names_its_layer() -> None:
    X, Y = unscaled()
    params = fnmlp.init([3, 4, 1], activations=[linear, linear], seed=0)
    settings: dict[str, Any] = {"loss": mean_squared_error, "optimizer": sgd(1.0), "epochs": 100}
    # full batch: the output layer's values overflow the loss while all parameters are finite
    with pytest.raises(fnmlp.DivergenceError) as caught:
        train(params, X, Y, **settings)
    error = caught.value
    assert error.layer == 2 and "training loss is inf: layer 2's |Z| reaches" in str(error)
    first, _ = first_bad_epoch(scan(params, X, Y, log_every=10**6, **settings), X, Y)
    assert first == error.epoch
    # mini-batches: within the first bad epoch the parameters themselves overflow, and the
    # lowest layer holding a non-finite parameter is named
    with pytest.raises(fnmlp.DivergenceError) as caught:
        train(params, X, Y, batch_size=16, **settings)
    error = caught.value
    first, last = first_bad_epoch(
        scan(params, X, Y, batch_size=16, log_every=10**6, **settings), X, Y
    )
    assert first == error.epoch == last + 1  # the parameters overflowed in epoch `first`
    *_, before = itertools.islice(scan(params, X, Y, batch_size=16, **settings), first)
    Ws, _ = linear_epoch(
        [layer.W for layer in before.params.layers],
        [layer.b for layer in before.params.layers],
        X,
        Y,
        1.0,
        before.epoch,
        16,
    )
    bad = [l + 1 for l, W in enumerate(Ws) if not np.isfinite(W).all()]
    assert bad and error.layer == bad[0]
    assert f"layer {bad[0]} has non-finite parameters" in str(error)


def test_divergence_of_the_l2_penalty_alone_is_named_as_such() -> None:
    # X = 0 and a dead ReLU: no gradient reaches the weights, so with decay l2 / m = 1000 each
    # epoch multiplies them by -999; the outputs stay b2 (the raw loss stays small) while the
    # penalty l2 / (2 m) * sum(W^2) overflows, at the output layer by convention
    X, Y = np.zeros((1, 4)), np.array([[0.1, -0.2, 0.3, 0.4]])
    hidden = fnmlp.Layer(np.array([[0.5]]), np.array([[-1.0]]), fnmlp.relu)
    params = Params((hidden, fnmlp.Layer(np.array([[0.5]]), np.array([[0.0]]), linear)))
    settings: dict[str, Any] = {
        "loss": mean_squared_error,
        "optimizer": sgd(1.0),
        "l2": 4000.0,
        "epochs": 200,
    }
    first = -1
    with pytest.raises(fnmlp.DivergenceError), np.errstate(over="ignore"):
        for state in scan(params, X, Y, log_every=10**6, **settings):
            weights = np.concatenate([layer.W.ravel() for layer in state.params.layers])
            if first < 0 and not np.isfinite(4000.0 / 8 * float(weights.dot(weights))):
                first = state.epoch
    assert first > 0
    for log_every in (1, 7, 10**6):
        with pytest.raises(fnmlp.DivergenceError) as caught:
            train(params, X, Y, log_every=log_every, **settings)
        error = caught.value
        assert (error.epoch, error.layer) == (first, 2)
        assert f"diverged in epoch {first}: the training loss's L2 penalty is inf" in str(error)


def test_a_network_that_cannot_start_says_so() -> None:
    X, Y = unscaled()
    huge = Params((fnmlp.Layer(np.full((1, 3), 1e300), np.zeros((1, 1)), linear),))
    with pytest.raises(fnmlp.DivergenceError, match=r"^training cannot start: at epoch 0") as e:
        train(huge, X, Y, loss=mean_squared_error, optimizer=sgd(1e-3), epochs=5)
    assert e.value.epoch == 0 and e.value.layer == 1


def test_history_accuracy_over_slices_matches_accuracy_for_several_outputs() -> None:
    # More examples than one evaluation slice, mini-batches, and two sigmoid outputs:
    # the history's accuracy is over every entry, as fnmlp.accuracy's is.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 5000))
    Y = (rng.random((2, 5000)) > 0.5).astype(np.float64)
    params = fnmlp.init([3, 4, 2], seed=0)
    result = fnmlp.train(
        params,
        X,
        Y,
        loss=fnmlp.binary_cross_entropy,
        optimizer=fnmlp.sgd(0.01),
        epochs=1,
        batch_size=64,
        log_every=1,
        running_loss=False,
    )
    assert result.history.train_accuracy == (
        fnmlp.accuracy(params, X, Y),
        fnmlp.accuracy(result.params, X, Y),
    )


def test_validation_given_on_resume_is_what_the_best_is_judged_by() -> None:
    # the first run's best is a training loss; from the resume on the monitored loss is the
    # validation loss: comparing one with the other stopped a run that was still improving
    X, Y = blobs(200)
    X_val, Y_val = blobs(100, seed=1)
    Y_val[:, :15] = 1 - Y_val[:, :15]  # a harder validation set: its loss stays above training's
    common: dict[str, Any] = {
        "loss": binary_cross_entropy, "optimizer": adam(0.003), "batch_size": 32,
        "running_loss": False,
    }  # fmt: skip
    first = train(fnmlp.init([2, 8, 1], seed=0), X, Y, epochs=5, **common)
    later = train(
        first.state, X, Y, epochs=10, validation=(X_val, Y_val), log_every=1,
        early_stopping=EarlyStopping(patience=3), **common,
    )  # fmt: skip
    history = later.history
    assert len(history.validation_loss) == len(history.epochs) == 16
    assert all(math.isnan(v) for v in history.validation_loss[:6])
    measured = history.validation_loss[6:]
    assert later.state.best_epoch > first.state.epoch
    assert later.state.best_loss == min(measured)
    assert not np.array_equal(later.params.theta, first.params.theta)
