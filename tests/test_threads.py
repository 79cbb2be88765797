"""Large element-wise passes split over cores give the same bits as one pass."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import _threads


@pytest.fixture
def split_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pass of at least one element split over three threads."""
    monkeypatch.setattr(_threads, "THRESHOLD", 1)
    monkeypatch.setenv("FNMLP_NUM_THREADS", "3")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)


def test_passes_are_split_only_when_asked_and_over_at_most_the_cores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.delenv("FNMLP_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # BLAS's setting is not fnmlp's
    assert _threads.workers() == 1
    monkeypatch.setenv("FNMLP_NUM_THREADS", "8")
    assert _threads.workers() == 2
    monkeypatch.setenv("FNMLP_NUM_THREADS", "1")
    assert _threads.workers() == 1
    monkeypatch.setenv("FNMLP_NUM_THREADS", "two")  # not a count: one core
    assert _threads.workers() == 1


def test_an_unsplit_pass_is_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_threads, "THRESHOLD", 1)
    monkeypatch.delenv("FNMLP_NUM_THREADS", raising=False)
    calls: list[tuple[int, ...]] = []
    _threads.rows(lambda z: calls.append(z.shape), np.zeros((6, 4)))
    assert calls == [(6, 4)]


@pytest.mark.usefixtures("split_everything")
@pytest.mark.parametrize("activation", [fnmlp.relu, fnmlp.tanh, fnmlp.sigmoid])
def test_a_split_pass_is_the_single_pass_to_the_bit(activation: fnmlp.Activation) -> None:
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((7, 5)) * 30
    dA = rng.standard_normal((7, 5))
    assert activation.into is not None and activation.derivative_into is not None
    single = np.empty_like(Z)
    activation.into(Z, single)
    split = np.full_like(Z, np.nan)
    _threads.rows(activation.into, Z, split)
    np.testing.assert_array_equal(split, single, strict=True)
    expected = activation.derivative(Z, single, dA)
    out = dA.copy()
    _threads.rows(activation.derivative_into, Z, single, out)
    np.testing.assert_array_equal(out, expected, strict=True)


def train_twice(monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> list[fnmlp.TrainResult[Any]]:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 40))
    Y = fnmlp.one_hot(rng.integers(0, 3, 40), 3)
    params = fnmlp.init([6, 9, 8, 3], output=fnmlp.softmax, seed=2, **kwargs)
    results = []
    for threshold in (1 << 62, 1):
        monkeypatch.setattr(_threads, "THRESHOLD", threshold)
        results.append(
            fnmlp.train(
                params,
                X,
                Y,
                loss=fnmlp.categorical_cross_entropy,
                optimizer=fnmlp.adam(0.01),
                epochs=5,
                batch_size=16,
            )
        )
    return results


@pytest.mark.parametrize("hidden", [fnmlp.relu, fnmlp.tanh])
def test_training_with_split_passes_is_bit_identical(
    monkeypatch: pytest.MonkeyPatch, hidden: fnmlp.Activation
) -> None:
    monkeypatch.setenv("FNMLP_NUM_THREADS", "2")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    one, split = train_twice(monkeypatch, hidden=hidden)
    np.testing.assert_array_equal(one.params.theta, split.params.theta, strict=True)
    for field in ("epochs", "train_loss", "train_accuracy"):
        np.testing.assert_array_equal(getattr(one.history, field), getattr(split.history, field))


@pytest.mark.usefixtures("split_everything")
def test_a_split_pass_keeps_the_callers_errstate() -> None:
    Z = np.full((6, 4), 1000.0)
    out = np.empty_like(Z)
    with np.errstate(over="ignore"):
        _threads.rows(lambda z, o: np.exp(z, out=o), Z, out)
    assert np.all(np.isinf(out))
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        _threads.rows(lambda z, o: np.exp(z, out=o), Z, out)


@pytest.mark.usefixtures("split_everything")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="a platform without fork")
def test_a_forked_child_splits_passes_on_threads_of_its_own() -> None:
    Z = np.arange(-12.0, 12.0).reshape(6, 4)
    out = np.empty_like(Z)
    into = fnmlp.relu.into
    assert into is not None
    _threads.rows(into, Z, out)  # the parent's pool now has threads
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a pass that would wait forever on the parent's threads
        try:
            child = np.empty_like(Z)
            _threads.rows(into, Z, child)
            os.write(write, b"ok" if np.array_equal(child, out) else b"no")
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + 30
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if done[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's split pass waited for threads it does not have")
    assert os.read(read, 2) == b"ok" and done[1] == 0
