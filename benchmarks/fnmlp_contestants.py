"""The fnmlp contestants: ``fnmlp.train`` and a hand loop of fnmlp's pipeline stages.

fnmlp is imported with :func:`importlib.import_module` and typed ``Any``, so
this module type-checks before fnmlp exists. If the import fails, or an
attribute the contestant needs is missing, ``prepare`` raises
:class:`~benchmarks.contest.Unavailable` and the row says so.

The API used:
``init(dims, *, hidden, output, scheme, seed, dtype)``,
``forward(params, X) -> (Yhat, cache)``,
``backward(params, cache, Y, kind) -> grads``,
``update(params, grads, learning_rate)``, ``sgd(lr)``/``adam(lr)`` with
``.init(params)`` and ``.step(params, grads, state)``,
``train(params, X, Y, *, loss, optimizer, epochs, batch_size, seed, log_every, running_loss)``
and ``batches(X, Y, *, batch_size, seed, epoch)`` (used when present), ``train``
returning a ``TrainResult`` with ``.params``, and the losses
``binary_cross_entropy`` and ``categorical_cross_entropy``.

``train`` records a history. ``fnmlp train`` passes ``log_every=epochs`` and
``running_loss=True`` (the default): one entry, at the end, the mean loss and
accuracy of the last epoch's batches, from the forward passes the steps make
anyway (as scikit-learn's ``loss_curve_``). ``fnmlp train, exact log`` passes
``log_every=epochs, running_loss=False``: the loss and accuracy on the whole
training set at the start and at the end, each entry one forward pass over the
data. ``fnmlp train, default`` passes only ``loss``, ``optimizer``, ``epochs``,
``batch_size`` and ``seed``, what a user gets without asking: a running-loss
entry every ``epochs // 100`` epochs (at least 1). The shuffle of the three is
``train``'s own (seeded by ``(seed, epoch)``), not the notebook loop's; it
costs the same one gather per epoch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.contest import Contestant, Predictor, Runner, Unavailable, predicted_labels
from benchmarks.workloads import Workload, epoch_batches

__all__ = [
    "FNMLP_PIPELINE_LOOP",
    "FNMLP_TRAIN",
    "FNMLP_TRAIN_DEFAULT",
    "FNMLP_TRAIN_EXACT_LOG",
]


@dataclass(frozen=True)
class Setup:
    """fnmlp's module, the initial params, loss and optimiser for one workload."""

    fnmlp: Any
    params: Any
    loss: Any
    optimizer: Any


def import_fnmlp() -> Any:
    """``import fnmlp``, or :class:`Unavailable` saying why not."""
    try:
        return importlib.import_module("fnmlp")
    except ImportError as error:
        raise Unavailable(f"import fnmlp failed: {error}") from error


def require(module: Any, *names: str) -> list[Any]:
    """The named attributes of ``module``, or :class:`Unavailable` naming the first missing."""
    missing = [name for name in names if not hasattr(module, name)]
    if missing:
        raise Unavailable(f"fnmlp has no {', '.join(missing)}")
    return [getattr(module, name) for name in names]


def setup(w: Workload, *names: str) -> Setup:
    """Import fnmlp, check ``names`` exist, and build params, loss and optimiser for ``w``."""
    fn = import_fnmlp()
    require(fn, "init", "forward", "relu", "sigmoid", "softmax", *names)
    output_name = w.output
    loss_name = "binary_cross_entropy" if w.output == "sigmoid" else "categorical_cross_entropy"
    output, loss, make_optimizer = require(fn, output_name, loss_name, w.optimizer)
    params = fn.init(
        list(w.dims), hidden=fn.relu, output=output, scheme="he", seed=w.seed, dtype=w.dtype.type
    )
    return Setup(fn, params, loss, make_optimizer(w.learning_rate))


def fnmlp_predictor(fn: Any, params: Any) -> Predictor:
    """Labels from one ``fnmlp.forward`` of the trained params."""
    return lambda X: predicted_labels(np.asarray(fn.forward(params, X)[0]))


def train_options(log: str, epochs: int) -> dict[str, Any]:
    """The history arguments of one ``fnmlp train`` row; none for ``"default"``.

    Examples:
        >>> train_options("running", 10), train_options("exact", 10), train_options("default", 10)
        ({'log_every': 10, 'running_loss': True}, {'log_every': 10, 'running_loss': False}, {})
    """
    if log == "running":
        return {"log_every": epochs, "running_loss": True}
    if log == "exact":
        return {"log_every": epochs, "running_loss": False}
    if log == "default":
        return {}
    raise ValueError(f"log: expected 'running', 'exact' or 'default', got {log!r}")


def prepare_train(w: Workload, *, log: str = "running") -> Runner:
    """``fnmlp.train`` for ``epochs`` epochs; full batch passes ``batch_size=None``.

    ``log``: ``"running"`` (``log_every=epochs, running_loss=True``),
    ``"exact"`` (``log_every=epochs, running_loss=False``) or ``"default"``
    (every history argument left at its default).
    """
    s = setup(w, "train")
    batch_size = None if w.full_batch else w.batch_size
    train_options(log, 1)  # an unknown log fails here, untimed

    def run(epochs: int) -> Predictor:
        record = s.fnmlp.train(
            s.params,
            w.X,
            w.Y,
            loss=s.loss,
            optimizer=s.optimizer,
            epochs=epochs,
            batch_size=batch_size,
            seed=w.seed,
            **train_options(log, epochs),
        )
        return fnmlp_predictor(s.fnmlp, record.params)

    return run


def prepare_train_exact_log(w: Workload) -> Runner:
    """``fnmlp.train`` with ``log_every=epochs, running_loss=False``: the data measured twice."""
    return prepare_train(w, log="exact")


def prepare_train_default(w: Workload) -> Runner:
    """``fnmlp.train`` with every argument it does not need at its default."""
    return prepare_train(w, log="default")


def prepare_pipeline_loop(w: Workload) -> Runner:
    """A hand loop of ``forward``, ``backward`` and ``update`` (SGD) or ``opt.step`` (Adam).

    Mini-batches come from ``fnmlp.batches`` (the batches ``train`` takes: one
    ``np.take`` gather an epoch, then column views), as a user composing
    fnmlp's stages gets them; without it, from the notebook loop's shuffle
    (``X[:, order]``, then column views). Full batch is the data itself.
    """
    s = setup(w, "backward", "update")
    fn, loss, opt = s.fnmlp, s.loss, s.optimizer
    size = None if w.full_batch else w.batch_size

    def run(epochs: int) -> Predictor:
        rng = np.random.default_rng(w.seed)
        params = s.params
        state = opt.init(params) if w.optimizer == "adam" else None
        for epoch in range(epochs):
            if size is not None and hasattr(fn, "batches"):
                batches = fn.batches(w.X, w.Y, batch_size=size, seed=w.seed, epoch=epoch)
            else:
                batches = epoch_batches(w, rng)
            for X, Y in batches:
                _, cache = fn.forward(params, X)
                grads = fn.backward(params, cache, Y, loss)
                if state is None:
                    params = fn.update(params, grads, w.learning_rate)
                else:
                    params, state = opt.step(params, grads, state)
        return fnmlp_predictor(fn, params)

    return run


FNMLP_TRAIN = Contestant("fnmlp train", prepare_train)
FNMLP_TRAIN_EXACT_LOG = Contestant("fnmlp train, exact log", prepare_train_exact_log)
FNMLP_TRAIN_DEFAULT = Contestant("fnmlp train, default", prepare_train_default)
FNMLP_PIPELINE_LOOP = Contestant("fnmlp pipeline loop", prepare_pipeline_loop)
