"""Notebook 000 reproduced: the same initial weights give the notebook's printed costs.

The notebook seeds numpy's global generator (``np.random.seed(seed)``) and
draws ``np.random.randn(dims[l], dims[l-1]) * 0.01`` for ``l = 1..L`` with
zero biases; here a ``np.random.RandomState(seed)`` makes the same draws
without touching global state. Its ``model`` prints the cost of the forward
pass *before* update ``i`` at ``i = 0, epochs/10, ...``, and its last line,
"cost at iteration {epochs}", repeats the cost from iteration ``epochs - 1``
(the cost before the final update). fnmlp's ``history`` records the loss after
``e`` epochs, so ``history`` at ``i`` is the notebook's iteration ``i`` for
``i < epochs``, and its last line is the loss after ``epochs - 1`` updates.

The notebook's four runs are 350,000 full-batch steps, run here in full.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pytest

import fnmlp
from fnmlp import (
    Layer,
    Params,
    TrainResult,
    TrainState,
    binary_cross_entropy,
    relu,
    sgd,
    sigmoid,
)

Array = np.ndarray[tuple[int, int], np.dtype[np.float64]]


def notebook_params(dims: list[int], seed: int) -> Params[np.float64]:
    """``initialize_parameters(dims, seed)`` of cell 2, with ReLU hidden and sigmoid output."""
    rs = np.random.RandomState(seed)
    layers = []
    for l in range(1, len(dims)):
        W = rs.randn(dims[l], dims[l - 1]) * 0.01
        b = np.zeros((dims[l], 1))
        layers.append(Layer(W, b, relu if l < len(dims) - 1 else sigmoid))
    return Params(tuple(layers))


def column_examples(rows: list[list[int]]) -> Array:
    """The notebook's ``np.array([...]).T``: one row per example in, one column out."""
    X: Array = np.array(rows, dtype=np.float64).T
    return X


X_NOT = np.array([[0, 1]])
Y_NOT = 1 - X_NOT
X_GATE = column_examples([[0, 0], [0, 1], [1, 0], [1, 1]])


@attrs.frozen(eq=False)
class Run:
    """One call of the notebook's ``model`` and what it printed."""

    name: str
    X: npt.ArrayLike
    Y: npt.ArrayLike
    dims: list[int]
    epochs: int
    seed: int
    costs: tuple[float, ...]  # the 11 printed lines, iterations 0, epochs/10, ..., epochs


RUNS = (
    Run(
        "NOT",
        X_NOT,
        Y_NOT,
        [1, 2, 1],
        100000,
        1,
        (
            0.6931257326865512,
            0.00011178431622663637,
            5.5350795198765576e-05,
            3.6726630636644556e-05,
            2.746135660596447e-05,
            2.1920918594980274e-05,
            1.823660827398187e-05,
            1.5609800102928724e-05,
            1.3642830748872628e-05,
            1.2114909282190857e-05,
            1.089418062271606e-05,
        ),
    ),
    Run(
        "AND",
        X_GATE,
        np.array([[0, 0, 0, 1]]),
        [2, 2, 1],
        100000,
        1,
        (
            0.6931537991507776,
            0.00012141409013251916,
            5.9705588167839904e-05,
            3.9479310820581085e-05,
            2.9453636207564906e-05,
            2.3473901749588015e-05,
            1.9503307652577147e-05,
            1.6676702553356963e-05,
            1.4562793283211957e-05,
            1.2922315760005122e-05,
            1.1612775004161222e-05,
        ),
    ),
    Run(
        "OR",
        X_GATE,
        np.array([[0, 1, 1, 1]]),
        [2, 2, 1],
        50000,
        1,
        (
            0.6931186561290182,
            0.0002409086021001038,
            0.00011800414334797501,
            7.792100725693064e-05,
            5.809529269374713e-05,
            4.628038947343695e-05,
            3.844328283175966e-05,
            3.286725208232808e-05,
            2.8697095795395653e-05,
            2.5461732788293928e-05,
            2.2879928457563323e-05,
        ),
    ),
    Run(
        "XOR",
        X_GATE,
        np.array([[0, 1, 1, 0]]),
        [2, 3, 1],
        50000,
        5,
        (
            0.693152806790345,
            0.0003488680224083522,
            0.00016446249766163183,
            0.0001067492705668156,
            7.87403169220654e-05,
            6.225787299858608e-05,
            5.1415353815313e-05,
            4.375306426885527e-05,
            3.8056055150617013e-05,
            3.365631509024209e-05,
            3.0155874466667106e-05,
        ),
    ),
)


# ----------------------------------------------------------------------------- cells 2-18


def test_init_replays_the_notebooks_draws() -> None:
    # Cell 3 prints the [1, 3, 1] weights drawn after np.random.seed(1).
    params = notebook_params([1, 3, 1], 1)
    W1, W2 = params.layers[0].W, params.layers[1].W
    assert np.allclose(W1, [[0.01624345], [-0.00611756], [-0.00528172]], rtol=0, atol=5e-9)
    assert np.allclose(W2, [[-0.01072969, 0.00865408, -0.02301539]], rtol=0, atol=5e-9)
    # fnmlp.init makes the same draws, bit for bit, from a RandomState.
    for dims, seed in [([1, 3, 1], 1), *((run.dims, run.seed) for run in RUNS)]:
        drawn = fnmlp.init(dims, scheme="random", seed=np.random.RandomState(seed))
        built = notebook_params(dims, seed)
        assert drawn.dims == built.dims
        for a, b in zip(drawn.layers, built.layers):
            assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
            assert a.activation is b.activation
            assert not np.any(a.b)


def test_the_first_cost_and_the_cost_after_one_update() -> None:
    params = notebook_params([1, 3, 1], 1)
    Yhat, cache = fnmlp.forward(params, X_NOT)
    # Cell 8 and cell 18.
    assert fnmlp.loss(Yhat, Y_NOT, binary_cross_entropy) == pytest.approx(
        0.6931036106682773, rel=1e-12, abs=0
    )
    grads = fnmlp.backward(params, cache, Y_NOT, binary_cross_entropy)
    stepped = fnmlp.update(params, grads, learning_rate=1.0)
    Yhat1, _ = fnmlp.forward(stepped, X_NOT)
    assert fnmlp.loss(Yhat1, Y_NOT, binary_cross_entropy) == pytest.approx(
        0.69307720763727243, rel=1e-12, abs=0
    )
    # train records the same two costs (computed from the logits).
    result = fnmlp.train(
        params,
        X_NOT,
        Y_NOT,
        loss=binary_cross_entropy,
        optimizer=sgd(1.0),
        epochs=1,
        running_loss=False,
    )
    assert result.history.epochs == (0, 1)
    assert result.history.train_loss == pytest.approx(
        (0.6931036106682773, 0.69307720763727243), rel=1e-12, abs=0
    )
    for a, b in zip(result.params.layers, stepped.layers):
        assert np.allclose(a.W, b.W, rtol=1e-14, atol=0)
        assert np.allclose(a.b, b.b, rtol=1e-14, atol=0)


def test_the_deltas_of_cell_10() -> None:
    params = notebook_params([1, 3, 1], 1)
    report = fnmlp.gradient_check(params, X_NOT, Y_NOT, binary_cross_entropy)
    dZ1, dZ2 = report.analytic_dZ
    assert np.allclose(dZ2, [[-0.25, 0.24997821]], rtol=0, atol=5e-9)
    assert np.allclose(dZ1, [[0.0, -0.00268219], [0.0, 0.0], [0.0, 0.0]], rtol=0, atol=5e-9)
    # Cell 16's update: dW[l] = dZ[l] A[l-1]^T, db[l] = dZ[l] summed over examples.
    _, cache = fnmlp.forward(params, X_NOT)
    grads = fnmlp.backward(params, cache, Y_NOT, binary_cross_entropy)
    assert np.allclose(grads.dW[1], dZ2 @ cache.A[1].T, rtol=1e-14, atol=0)
    assert np.allclose(grads.db[0], dZ1.sum(axis=1, keepdims=True), rtol=1e-14, atol=0)
    # Cells 13-14: dZ[2] passes the numerical check; dZ[1] fails it on ReLU's kink.
    assert report.layers[1].passed(1e-6)
    assert report.layers[0].dZ is not None and report.layers[0].dZ.kinks == 3
    assert "kink at z = 0" in str(report)


# ----------------------------------------------------------------------------- cells 19-27


@pytest.mark.parametrize("run", RUNS, ids=[run.name for run in RUNS])
def test_the_logic_gates_cost_what_the_notebook_printed(run: Run) -> None:
    params = notebook_params(run.dims, run.seed)
    every = run.epochs // 10
    printed = [i * every for i in range(10)]

    def fit(
        start: Params[np.float64] | TrainState[np.float64], epochs: int
    ) -> TrainResult[np.float64]:
        return fnmlp.train(
            start,
            run.X,
            run.Y,
            loss=binary_cross_entropy,
            optimizer=sgd(1.0),
            epochs=epochs,
            log_every=every,
            running_loss=False,
        )

    # Up to the notebook's last update, then the last update itself, resumed.
    result = fit(fit(params, run.epochs - 1).state, 1)
    assert result.history.epochs == (*printed, run.epochs - 1, run.epochs)
    # "cost at iteration {epochs}" is the cost before the final update.
    got = result.history.train_loss[:11]
    assert got == pytest.approx(run.costs, rel=1e-6, abs=0)
    # np.round(yhat) of cells 21-27: the truth table.
    Yhat, _ = fnmlp.forward(result.params, run.X)
    assert np.array_equal(np.round(Yhat), np.asarray(run.Y, dtype=np.float64))
    assert np.array_equal(fnmlp.predict(result.params, run.X), np.asarray(run.Y))
