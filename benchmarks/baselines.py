"""Contestants that need no fnmlp: the notebook loop, sklearn's MLP and the matmul floor.

* ``notebook loop`` is the baseline every ratio is taken against: the
  imperative style of hand-written teaching notebooks (dicts of ``W``/``b``,
  a forward pass that stores every ``Z`` and ``A``, a backward pass that
  computes ``dZ`` and ``dA`` for every layer, including the input gradient
  ``dA0`` nobody needs, and ``W = W - lr * dW`` updates), with the notebooks'
  bugs fixed: ``db`` from ``dZ``, the ``1/m`` once in ``dZ[L]``, a stable
  softmax, Adam with bias correction.
* ``sklearn MLP`` is ``MLPClassifier.fit`` with the same architecture,
  optimiser, batch size and epochs (no ``partial_fit``).
* ``matmul floor`` runs only the matrix products of each step for the same
  shapes: ``W @ A`` per layer forward, ``dZ @ A.T`` and ``W.T @ dZ`` per layer
  backward, input layer included.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from benchmarks.contest import Contestant, Predictor, Runner, Unavailable, predicted_labels
from benchmarks.workloads import FloatMatrix, Workload, batch_sizes, epoch_batches, optional_module

__all__ = ["MATMUL_FLOOR", "NOTEBOOK_LOOP", "SKLEARN_MLP"]

Dict = dict[str, FloatMatrix]

BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


# ----------------------------------------------------------------- notebook loop


def initialize_parameters(dims: tuple[int, ...], w: Workload) -> Dict:
    """He initialisation, notebook 003's dict layout ``{"W1": ..., "b1": ...}``."""
    rng = np.random.default_rng(w.seed)
    params: Dict = {}
    for layer in range(1, len(dims)):
        scale = np.sqrt(2.0 / dims[layer - 1])
        W = rng.standard_normal((dims[layer], dims[layer - 1])) * scale
        params[f"W{layer}"] = W.astype(w.dtype)
        params[f"b{layer}"] = np.zeros((dims[layer], 1), dtype=w.dtype)
    return params


def relu(Z: FloatMatrix) -> FloatMatrix:
    """``max(0, Z)``."""
    return np.maximum(0, Z)


def sigmoid(Z: FloatMatrix) -> FloatMatrix:
    """``1 / (1 + exp(-Z))``, as the notebooks write it."""
    A: FloatMatrix = 1 / (1 + np.exp(-Z))
    return A


def softmax(Z: FloatMatrix) -> FloatMatrix:
    """Column-wise softmax, shifted by the column maximum so it cannot overflow."""
    E: FloatMatrix = np.exp(Z - Z.max(axis=0, keepdims=True))
    A: FloatMatrix = E / E.sum(axis=0, keepdims=True)
    return A


def forward_prop(X: FloatMatrix, params: Dict, L: int, output: str) -> tuple[FloatMatrix, Dict]:
    """Forward pass; the cache holds ``A0 .. AL`` and ``Z1 .. ZL``."""
    caches: Dict = {"A0": X}
    A = X
    for layer in range(1, L + 1):
        Z: FloatMatrix = np.dot(params[f"W{layer}"], A) + params[f"b{layer}"]
        last = sigmoid if output == "sigmoid" else softmax
        A = relu(Z) if layer < L else last(Z)
        caches[f"Z{layer}"] = Z
        caches[f"A{layer}"] = A
    return A, caches


def backward_prop(AL: FloatMatrix, Y: FloatMatrix, caches: Dict, params: Dict, L: int) -> Dict:
    """Backward pass: ``dW``, ``db`` for every layer and ``dA`` down to ``dA0``.

    ``dZ[L] = (A[L] - Y) / m`` holds for sigmoid + binary cross-entropy and for
    softmax + categorical cross-entropy.
    """
    m = Y.shape[1]
    grads: Dict = {}
    dZ: FloatMatrix = (AL - Y) / m
    for layer in range(L, 0, -1):
        grads[f"dW{layer}"] = np.dot(dZ, caches[f"A{layer - 1}"].T)
        grads[f"db{layer}"] = np.sum(dZ, axis=1, keepdims=True)
        dA_prev: FloatMatrix = np.dot(params[f"W{layer}"].T, dZ)
        grads[f"dA{layer - 1}"] = dA_prev
        if layer > 1:
            dZ = dA_prev * (caches[f"Z{layer - 1}"] > 0)
    return grads


def update_parameters(params: Dict, grads: Dict, L: int, learning_rate: float) -> Dict:
    """Gradient descent, ``W = W - lr * dW``, into new arrays."""
    new: Dict = {}
    for layer in range(1, L + 1):
        new[f"W{layer}"] = params[f"W{layer}"] - learning_rate * grads[f"dW{layer}"]
        new[f"b{layer}"] = params[f"b{layer}"] - learning_rate * grads[f"db{layer}"]
    return new


def update_parameters_adam(
    params: Dict, grads: Dict, v: Dict, s: Dict, t: int, learning_rate: float
) -> tuple[Dict, Dict, Dict]:
    """Adam with bias correction, epsilon outside the square root; returns new dicts."""
    new: Dict = {}
    new_v: Dict = {}
    new_s: Dict = {}
    for key in params:
        g = grads["d" + key]
        new_v[key] = BETA1 * v[key] + (1 - BETA1) * g
        new_s[key] = BETA2 * s[key] + (1 - BETA2) * np.square(g)
        v_hat = new_v[key] / (1 - BETA1**t)
        s_hat = new_s[key] / (1 - BETA2**t)
        new[key] = params[key] - learning_rate * v_hat / (np.sqrt(s_hat) + EPSILON)
    return new, new_v, new_s


def zeros_like(params: Dict) -> Dict:
    """Adam's first or second moment, initialised to zeros."""
    return {key: np.zeros_like(value) for key, value in params.items()}


def notebook_predictor(params: Dict, w: Workload) -> Predictor:
    """Labels from one forward pass of the trained dict."""
    L = len(w.dims) - 1
    return lambda X: predicted_labels(forward_prop(X, params, L, w.output)[0])


def prepare_notebook_loop(w: Workload) -> Runner:
    """The baseline: the notebooks' loop, one forward, backward and update per batch."""
    L = len(w.dims) - 1
    params0 = initialize_parameters(w.dims, w)

    def run(epochs: int) -> Predictor:
        rng = np.random.default_rng(w.seed)
        params = params0
        adam = w.optimizer == "adam"
        v = zeros_like(params) if adam else {}  # no Adam state for plain SGD
        s = zeros_like(params) if adam else {}
        t = 0
        for _ in range(epochs):
            for X, Y in epoch_batches(w, rng):
                AL, caches = forward_prop(X, params, L, w.output)
                grads = backward_prop(AL, Y, caches, params, L)
                if adam:
                    t += 1
                    params, v, s = update_parameters_adam(params, grads, v, s, t, w.learning_rate)
                else:
                    params = update_parameters(params, grads, L, w.learning_rate)
        return notebook_predictor(params, w)

    return run


# ----------------------------------------------------------------- sklearn


def sklearn_settings(w: Workload) -> dict[str, Any]:
    """``MLPClassifier`` keyword arguments matching the workload (except the epochs).

    No L2 penalty, constant learning rate, plain SGD (no momentum) or Adam with
    the same betas and epsilon. sklearn's Adam folds the bias correction into
    the step size, which moves epsilon slightly; the cost per step is the same.
    """
    return {
        "hidden_layer_sizes": w.dims[1:-1],
        "activation": "relu",
        "solver": w.optimizer,
        "alpha": 0.0,
        "batch_size": w.batch_size,
        "learning_rate": "constant",
        "learning_rate_init": w.learning_rate,
        "momentum": 0.0,
        "nesterovs_momentum": False,
        "beta_1": BETA1,
        "beta_2": BETA2,
        "epsilon": EPSILON,
        "shuffle": not w.full_batch,
        "random_state": w.seed,
        "early_stopping": False,
        "tol": 0.0,
    }


def prepare_sklearn(w: Workload) -> Runner:
    """``MLPClassifier.fit`` for exactly ``epochs`` epochs on rows ``(m, n_x)``.

    ``max_iter = epochs`` with ``tol = 0`` and ``n_iter_no_change = epochs + 1``
    so it never stops early; its ``ConvergenceWarning`` is silenced. The run
    checks ``n_iter_ == epochs``, so the harness's time per step,
    fit time / (epochs * steps_per_epoch), is over the steps actually taken
    (it includes fit's input checks, label binarising and initialisation).
    """
    neural = optional_module("sklearn.neural_network")
    exceptions = optional_module("sklearn.exceptions")
    if neural is None or exceptions is None:
        raise Unavailable("scikit-learn is not installed")
    rows = np.ascontiguousarray(w.X.T)
    settings = sklearn_settings(w)

    def run(epochs: int) -> Predictor:
        model = neural.MLPClassifier(max_iter=epochs, n_iter_no_change=epochs + 1, **settings)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", exceptions.ConvergenceWarning)
            model.fit(rows, w.labels)
        if model.n_iter_ != epochs:
            raise RuntimeError(f"sklearn ran {model.n_iter_} epochs, not {epochs}")
        return lambda X: np.asarray(model.predict(np.ascontiguousarray(X.T)), dtype=np.intp)

    return run


# ----------------------------------------------------------------- matmul floor


def prepare_matmul_floor(w: Workload) -> Runner:
    """Only the products of each step, on random arrays of the step's shapes.

    Per layer ``l``: ``W[l] @ A[l-1]`` forward; ``dZ[l] @ A[l-1].T`` and
    ``W[l].T @ dZ[l]`` backward, the input layer's ``dA0`` included. The last,
    shorter batch of an epoch gets its own arrays, so the shapes are exact.
    """
    rng = np.random.default_rng(w.seed)
    dims, dtype = w.dims, w.dtype
    shapes = [(n, n_prev) for n_prev, n in itertools.pairwise(dims)]
    weights = [rng.standard_normal(shape).astype(dtype) for shape in shapes]

    def arrays(b: int) -> list[tuple[FloatMatrix, FloatMatrix, FloatMatrix]]:
        """``(W, A_prev, dZ)`` per layer for a batch of ``b`` columns."""
        return [
            (
                W,
                rng.standard_normal((W.shape[1], b)).astype(dtype),
                rng.standard_normal((W.shape[0], b)).astype(dtype),
            )
            for W in weights
        ]

    by_size = {b: arrays(b) for b in set(batch_sizes(w))}
    epoch = [by_size[b] for b in batch_sizes(w)]

    def run(epochs: int) -> None:
        for _ in range(epochs):
            for layers in epoch:
                for W, A, _dZ in layers:
                    np.matmul(W, A)
                for W, A, dZ in reversed(layers):
                    np.matmul(dZ, A.T)
                    np.matmul(W.T, dZ)

    return run


NOTEBOOK_LOOP = Contestant("notebook loop", prepare_notebook_loop, is_baseline=True)
SKLEARN_MLP = Contestant("sklearn MLP", prepare_sklearn)
MATMUL_FLOOR = Contestant("matmul floor", prepare_matmul_floor, is_floor=True)
