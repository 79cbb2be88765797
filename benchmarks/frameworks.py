"""Optional contestants: the same training step in torch eager mode and as a jax jitted step.

Neither torch nor jax is a dependency of fnmlp or of these benchmarks. Each is
imported with :func:`~benchmarks.workloads.optional_module` (typed ``Any``)
inside ``prepare``; when it is not installed ``prepare`` raises
:class:`~benchmarks.contest.Unavailable` and the sweep's table says "absent".

Both train the workload's ReLU/softmax network from the notebook loop's
initial weights (:func:`benchmarks.baselines.initialize_parameters`) on rows
``(m, n_x)`` of the same data, with one shuffled gather per epoch and then
slices, as the notebook loop does, and with softmax cross-entropy from the
logits (``1/m`` mean over the batch):

* ``torch eager``: ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``,
  ``nn.CrossEntropyLoss``, ``optim.SGD`` (or ``optim.Adam`` with the notebook
  loop's betas and epsilon), ``zero_grad``/``backward``/``step`` per batch.
  ``torch.set_num_threads`` is set to the column's thread count at the start
  of every run.
* ``jax jit``: one ``jax.jit`` of ``value_and_grad`` of the loss and the SGD
  (or Adam) update over a list of ``(W, b)`` pairs. XLA sizes its CPU thread
  pool when jax starts and no later call changes it, so the sweep runs this
  contestant once, beside its two-thread column, and says so.
  The run waits for the last step's parameters (``block_until_ready``), so its
  time includes the work jax dispatched asynchronously.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from benchmarks.baselines import BETA1, BETA2, EPSILON, initialize_parameters
from benchmarks.contest import Contestant, Predictor, Runner, Unavailable
from benchmarks.workloads import FloatMatrix, Labels, Workload, optional_module

__all__ = ["JAX_JIT", "torch_eager"]


def row_batches(
    w: Workload, rows: Any, labels: Any, order: Any | None, take: Any
) -> Iterator[tuple[Any, Any]]:
    """One epoch of ``(rows, labels)`` batches: the whole set, or one gather by ``order``.

    ``take(array, order)`` gathers in the framework's own arrays; the batches are slices.

    Examples:
        >>> from benchmarks.workloads import random_classes
        >>> w = random_classes("r", (2, 3, 2), optimizer="sgd", learning_rate=0.1,
        ...                    batch_size=2, m=5, epochs=1)
        >>> rows, labels = np.arange(10).reshape(5, 2), np.arange(5)
        >>> gather = lambda array, order: array[order]
        >>> order = np.array([4, 3, 2, 1, 0])
        >>> [batch.tolist() for _, batch in row_batches(w, rows, labels, order, gather)]
        [[4, 3], [2, 1], [0]]
    """
    if order is None:
        yield rows, labels
        return
    X, y = take(rows, order), take(labels, order)
    for start in range(0, w.m, w.batch_size):
        stop = start + w.batch_size
        yield X[start:stop], y[start:stop]


def starting_weights(w: Workload) -> list[tuple[FloatMatrix, FloatMatrix]]:
    """The notebook loop's initial ``(W, b)`` per layer: ``W`` ``(n, n_prev)``, ``b`` ``(n,)``."""
    initial = initialize_parameters(w.dims, w)
    return [
        (initial[f"W{l}"], np.ascontiguousarray(initial[f"b{l}"][:, 0]))
        for l in range(1, len(w.dims))
    ]


def check_softmax(w: Workload) -> None:
    """Both contestants implement the ReLU/softmax networks the sweep times, nothing else."""
    if w.output != "softmax":
        raise Unavailable(f"only softmax outputs are written here, not {w.output}")


# ----------------------------------------------------------------- torch


def prepare_torch(w: Workload, threads: int) -> Runner:
    """``nn.Sequential`` trained eagerly with ``optim.SGD`` or ``optim.Adam`` on ``threads``."""
    check_softmax(w)
    torch = optional_module("torch")
    if torch is None:
        raise Unavailable("torch is not installed")
    nn = torch.nn
    dtype = getattr(torch, w.dtype.name)
    linears: list[Any] = [nn.Linear(n_prev, n) for n_prev, n in itertools.pairwise(w.dims)]
    layers: list[Any] = []
    for linear in linears[:-1]:
        layers.extend([linear, nn.ReLU()])
    model = nn.Sequential(*layers, linears[-1]).to(dtype)
    with torch.no_grad():
        for linear, (W, b) in zip(linears, starting_weights(w), strict=True):
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
    start = {key: value.detach().clone() for key, value in model.state_dict().items()}
    rows = torch.from_numpy(np.ascontiguousarray(w.X.T))
    targets = torch.from_numpy(w.labels.astype(np.int64))
    criterion = nn.CrossEntropyLoss()

    def optimiser() -> Any:
        if w.optimizer == "adam":
            return torch.optim.Adam(
                model.parameters(), lr=w.learning_rate, betas=(BETA1, BETA2), eps=EPSILON
            )
        return torch.optim.SGD(model.parameters(), lr=w.learning_rate)

    def gather(array: Any, order: Any) -> Any:
        return array[order]

    def predict(X: FloatMatrix) -> Labels:
        with torch.no_grad():
            logits = model(torch.from_numpy(np.ascontiguousarray(X.T)))
        return np.asarray(logits.argmax(dim=1).numpy(), dtype=np.intp)

    def run(epochs: int) -> Predictor:
        torch.set_num_threads(threads)
        model.load_state_dict(start)
        opt = optimiser()
        generator = torch.Generator().manual_seed(w.seed)
        for _ in range(epochs):
            order = None if w.full_batch else torch.randperm(w.m, generator=generator)
            for xb, yb in row_batches(w, rows, targets, order, gather):
                opt.zero_grad(set_to_none=True)
                loss = criterion(model(xb), yb)
                loss.backward()
                opt.step()
        return predict  # the model as the last run left it

    return run


def torch_eager(threads: int) -> Contestant:
    """The torch eager contestant for a column of ``threads`` threads."""
    return Contestant(f"torch eager, {threads} thread(s)", lambda w: prepare_torch(w, threads))


# ----------------------------------------------------------------- jax


def prepare_jax(w: Workload) -> Runner:
    """A jitted ``value_and_grad`` step with the SGD or Adam update, on XLA's own threads."""
    check_softmax(w)
    jax = optional_module("jax")
    jnp = optional_module("jax.numpy")
    if jax is None or jnp is None:
        raise Unavailable("jax is not installed")
    tree_map = jax.tree_util.tree_map
    params0: Any = [(jnp.asarray(W.T), jnp.asarray(b)) for W, b in starting_weights(w)]
    rows = np.ascontiguousarray(w.X.T)
    labels = w.labels.astype(np.int32)
    lr = w.learning_rate
    adam = w.optimizer == "adam"

    def logits(params: Any, x: Any) -> Any:
        a = x
        for W, b in params[:-1]:
            a = jax.nn.relu(a @ W + b)
        W, b = params[-1]
        return a @ W + b

    def loss(params: Any, x: Any, y: Any) -> Any:
        log_p = jax.nn.log_softmax(logits(params, x), axis=1)
        return -jnp.mean(jnp.take_along_axis(log_p, y[:, None], axis=1))

    value_and_grad = jax.value_and_grad(loss)

    def sgd_step(params: Any, state: Any, x: Any, y: Any) -> tuple[Any, Any, Any]:
        value, grads = value_and_grad(params, x, y)
        return tree_map(lambda p, g: p - lr * g, params, grads), state, value

    def adam_step(params: Any, state: Any, x: Any, y: Any) -> tuple[Any, Any, Any]:
        value, grads = value_and_grad(params, x, y)
        t, v, s = state
        t = t + 1
        v = tree_map(lambda v_, g: BETA1 * v_ + (1 - BETA1) * g, v, grads)
        s = tree_map(lambda s_, g: BETA2 * s_ + (1 - BETA2) * g * g, s, grads)
        c1, c2 = 1 - BETA1**t, 1 - BETA2**t
        new = tree_map(
            lambda p, v_, s_: p - lr * (v_ / c1) / (jnp.sqrt(s_ / c2) + EPSILON), params, v, s
        )
        return new, (t, v, s), value

    step = jax.jit(adam_step if adam else sgd_step)

    def initial_state() -> Any:
        if not adam:
            return ()
        zeros = tree_map(jnp.zeros_like, params0)
        return (jnp.zeros((), dtype=jnp.float32), zeros, zeros)

    def gather(array: Any, order: Any) -> Any:
        return jax.device_put(array[order])

    # full batch: the whole set on the device once, rather than converted every step
    X_all = jax.device_put(rows) if w.full_batch else rows
    y_all = jax.device_put(labels) if w.full_batch else labels

    def run(epochs: int) -> Predictor:
        rng = np.random.default_rng(w.seed)
        params, state = params0, initial_state()
        for _ in range(epochs):
            order = None if w.full_batch else rng.permutation(w.m)
            for xb, yb in row_batches(w, X_all, y_all, order, gather):
                params, state, _ = step(params, state, xb, yb)
        tree_map(lambda a: a.block_until_ready(), params)
        final = params
        return lambda X: np.asarray(
            jnp.argmax(logits(final, jnp.asarray(np.ascontiguousarray(X.T))), axis=1),
            dtype=np.intp,
        )

    return run


JAX_JIT = Contestant("jax jit", prepare_jax)
