"""Data larger than memory, and more than one machine: fnmlp on dask arrays.

Needs the ``dask`` extra (``pip install 'fnmlp[dask]'``: ``dask[array]`` and
``distributed``) and is imported only explicitly (``import fnmlp.dask``).
The data are dask arrays laid out as everywhere in fnmlp, one column per
example, chunked along the columns only: ``X`` of shape ``(n_x, m)`` with
chunks ``((n_x,), (m_1, ..., m_K))`` and ``Y`` with the same column chunks.

The gradient of a batch is the sum of its shards' gradients, each shard's
loss a sum over its examples divided by the batch's size, so

- :func:`gradient` and :func:`value_and_gradient` map the core's
  :func:`fnmlp.value_and_gradient` over the chunks and add the results in
  chunk order, pairwise (as :func:`fnmlp.add_grads` adds): the same bits
  wherever the chunks are computed, for the same chunking and BLAS threads;
- :func:`train_streaming` trains out of core on one machine: each epoch
  visits the chunks in a seeded order, loading one while training on the
  one before, and runs the core's steps on each in memory, so memory holds a
  few chunks whatever the size of the data;
- :func:`train_data_parallel` runs synchronous data-parallel training on a
  :class:`distributed.Client`: the chunks stay on the workers, each step's
  batch takes a share of every chunk, the shards' gradients are computed
  where the data live and added in chunk order, and the optimiser steps once
  on the client;
- :func:`predict` maps :func:`fnmlp.predict` over the chunks, and
  :func:`read` opens a ``.npy`` file or a zarr array as a dask array without
  loading it whole.

Examples:
    >>> import dask.array as da
    >>> import numpy as np
    >>> import fnmlp
    >>> import fnmlp.dask
    >>> params = fnmlp.init([2, 3, 1], seed=0)
    >>> X = da.from_array(np.arange(16.0).reshape(2, 8) / 16, chunks=(2, 4))
    >>> Y = da.from_array(np.array([[0.0, 1.0] * 4]), chunks=(1, 4))
    >>> grads = fnmlp.dask.gradient(params, X, Y, fnmlp.binary_cross_entropy)
    >>> whole = fnmlp.gradient(params, X.compute(), Y.compute(), fnmlp.binary_cross_entropy)
    >>> bool(np.allclose(grads.g, whole.g, rtol=1e-12, atol=0))
    True
"""

from __future__ import annotations

import concurrent.futures
import math
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import dask
import dask.array as da
import numpy as np
import numpy.typing as npt
from dask.delayed import Delayed, delayed
from dask.local import get_sync
from dask.optimization import cull

from fnmlp import _loop, _measure
from fnmlp._data import shuffled
from fnmlp._setup import prepare
from fnmlp._validate import positive_int
from fnmlp.aliases import F, Matrix
from fnmlp.errors import DTypeError, HyperparameterError, SerialisationError, ShapeError
from fnmlp.losses import Loss
from fnmlp.metrics import predict as predict_labels
from fnmlp.optimisers import Optimizer
from fnmlp.propagation import (
    check_inputs,
    check_params,
    check_targets_for,
)
from fnmlp.propagation import (
    value_and_gradient as shard_value_and_gradient,
)
from fnmlp.records import Grads, Params, lock
from fnmlp.runs import EarlyStopping, TrainResult, TrainState
from fnmlp.steps import add_grads, pairwise_sum

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "gradient",
    "predict",
    "read",
    "train_data_parallel",
    "train_streaming",
    "value_and_gradient",
]

Part = tuple[float, float, float]


# ----------------------------------------------------------------------------- checks


def _shown(chunks: Sequence[float]) -> str:
    """A chunk-size tuple, cut short when long."""
    if len(chunks) <= 6:
        return str(tuple(chunks))
    return f"({', '.join(map(str, chunks[:3]))}, ..., {chunks[-1]}) ({len(chunks)} chunks)"


def _columns(value: object, name: str, rows: int) -> da.Array:
    """``value`` as a dask array of ``rows`` rows in one chunk, chunked along the columns."""
    if not isinstance(value, da.Array):
        raise DTypeError(
            f"{name}: expected a dask array chunked along the examples (columns), got "
            f"{type(value).__name__}; wrap it with dask.array.from_array({name}, "
            f"chunks=({rows}, examples_per_chunk))"
        )
    if value.ndim != 2:
        raise ShapeError(
            f"{name}: expected a 2-D dask array of shape ({rows}, m), one column per example, "
            f"got {value.ndim}-D"
        )
    if any(math.isnan(c) for axis in value.chunks for c in axis):
        raise ShapeError(
            f"{name}: expected known chunk sizes, got unknown (nan) ones; "
            f"call {name}.compute_chunk_sizes() first"
        )
    if value.dtype.kind not in "iuf":
        raise DTypeError(f"{name}: expected real numbers (int or float), got dtype {value.dtype}")
    if value.shape[0] != rows:
        hint = f"; the examples look like rows: pass {name}.T" if value.shape[1] == rows else ""
        raise ShapeError(
            f"{name}: expected shape ({rows}, m) with one column per example, "
            f"got {value.shape}{hint}"
        )
    if len(value.chunks[0]) != 1:
        raise ShapeError(
            f"{name}: expected chunks along the examples (columns) only, got the rows (features) "
            f"split into chunks {_shown(value.chunks[0])}; rechunk with {name}.rechunk({{0: -1}})"
        )
    return value


def _data(params: Params[Any], X: object, Y: object) -> tuple[da.Array, da.Array]:
    """``X`` and ``Y`` as dask arrays with one chunking of the columns, or a clear error.

    ``Y`` may be a numpy array: it is then chunked like ``X``.
    """
    check_params(params)
    data = _columns(X, "X", params.dims[0])
    n_y, m = params.dims[-1], data.shape[1]
    if isinstance(Y, np.ndarray):
        if Y.ndim != 2 or Y.shape[1] != m:
            raise ShapeError(
                f"Y: expected shape ({n_y}, {m}) like X's {m} examples, got {Y.shape}"
                + ("; the examples look like rows: pass Y.T" if Y.shape == (m, n_y) else "")
            )
        Y = da.from_array(Y, chunks=(Y.shape[0], data.chunks[1]))
    targets = _columns(Y, "Y", n_y)
    if targets.shape[1] != m:
        raise ShapeError(
            f"Y: expected shape ({n_y}, {m}) like X's {m} examples, got {targets.shape}"
        )
    if targets.chunks[1] != data.chunks[1]:
        raise ShapeError(
            f"Y: expected the column chunks of X, {_shown(data.chunks[1])}, got "
            f"{_shown(targets.chunks[1])}; rechunk with Y.rechunk({{1: X.chunks[1]}})"
        )
    return data, targets


def _chunk_pairs(X: da.Array, Y: da.Array) -> list[tuple[Delayed, Delayed]]:
    """Each chunk's ``(X_k, Y_k)`` as delayed values, in column order."""
    xs, ys = X.to_delayed(), Y.to_delayed()
    return [(xs[0, k], ys[0, k]) for k in range(xs.shape[1])]


def _chunk_graphs(X: da.Array, Y: da.Array) -> list[tuple[dict[Any, Any], list[Any]]]:
    """Each chunk's ``(graph, [X_k key, Y_k key])``, the graph culled to what the chunk needs.

    Computing one with :func:`dask.local.get_sync` costs what reading the
    chunk costs, not a pass over the whole array's graph as ``compute`` would.
    """
    pairs = _chunk_pairs(X, Y)
    graph = {**dict(pairs[0][0].__dask_graph__()), **dict(pairs[0][1].__dask_graph__())}
    graphs = []
    for x, y in pairs:
        keys = [x.key, y.key]
        graphs.append((dict(cull(graph, keys)[0]), keys))
    return graphs


def _loaded(params: Params[F], loss: Loss, X: Any, Y: Any, k: int) -> tuple[Matrix[F], Matrix[F]]:
    """Chunk ``k``'s arrays checked and in ``params``' dtype (read-only)."""
    data = check_inputs(params, X, f"X (chunk {k})", copy=False)
    return data, check_targets_for(params, Y, data.shape[1], loss, f"Y (chunk {k})", copy=False)


# ----------------------------------------------------------------------------- gradient


def _shard(
    params: Params[F], X: Any, Y: Any, kind: Loss, total: int, k: int
) -> tuple[float, Grads[F]]:
    """Chunk ``k``'s loss and gradient as a share of a batch of ``total`` examples."""
    m = np.shape(X)[1]
    return shard_value_and_gradient(
        params,
        check_inputs(params, X, f"X (chunk {k})", copy=False),
        check_targets_for(params, Y, m, kind, f"Y (chunk {k})", copy=False),
        kind,
        total=None if m == total else total,
    )


def _add(*parts: tuple[float, Grads[F]]) -> tuple[float, Grads[F]]:
    """The sum of ``(loss, grads)`` parts, losses and gradients added pairwise, in order."""
    values = [value for value, _ in parts]
    while len(values) > 1:
        pairs = [values[k] + values[k + 1] for k in range(0, len(values) - 1, 2)]
        values = pairs + ([values[-1]] if len(values) % 2 else [])
    return values[0], add_grads(*(grads for _, grads in parts))


def value_and_gradient(
    params: Params[F],
    X: da.Array,
    Y: da.Array | npt.NDArray[Any],
    kind: Loss,
    *,
    split_every: int = 2,
) -> tuple[float, Grads[F]]:
    """The loss of ``params`` on dask arrays ``(X, Y)`` and its gradient, chunk by chunk.

    Each chunk's share (:func:`fnmlp.value_and_gradient` with ``total=m``)
    is computed by dask's current scheduler (a :class:`distributed.Client`'s
    workers, when one is the default) and the shares are added in a tree of
    ``split_every`` consecutive parts per node, in chunk order; with the
    default 2 this is :func:`fnmlp.add_grads`'s order, so the result is the
    same bits on any scheduler. One chunk gives exactly the core's result.

    Args:
        params: the network.
        X: inputs ``(n_x, m)``, a dask array chunked along the columns.
        Y: targets ``(n_y, m)``, a dask array with ``X``'s column chunks (or
            a numpy array, then chunked like ``X``).
        kind: the :class:`~fnmlp.Loss`.
        split_every: how many parts each node of the reduction adds (>= 2).

    Returns:
        ``(loss, grads)``, the mean loss over all ``m`` examples and its gradient.

    Raises:
        DTypeError: unless ``X`` and ``Y`` are dask arrays of numbers.
        ShapeError: for arrays chunked along the rows, unknown chunk sizes,
            mis-shaped arrays, or ``Y`` chunked unlike ``X``.
        HyperparameterError: for ``split_every`` below 2.

    Examples:
        >>> import dask.array as da
        >>> import numpy as np
        >>> import fnmlp
        >>> params = fnmlp.init([2, 1], seed=0)
        >>> X = da.ones((2, 6), chunks=(2, 2))
        >>> J, grads = value_and_gradient(params, X, np.ones((1, 6)), fnmlp.binary_cross_entropy)
        >>> J0, core = fnmlp.value_and_gradient(params, np.ones((2, 6)), np.ones((1, 6)),
        ...                                      fnmlp.binary_cross_entropy)
        >>> bool(np.isclose(J, J0)), bool(np.allclose(grads.g, core.g))
        (True, True)
        >>> value_and_gradient(params, X.T, np.ones((1, 2)), fnmlp.binary_cross_entropy)
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: X: expected shape (2, m) with one column per example, got (6, 2); the examples look like rows: pass X.T
    """
    data, targets = _data(params, X, Y)
    if not isinstance(kind, Loss):
        raise DTypeError(f"kind: expected an fnmlp Loss, got {type(kind).__name__}")
    if positive_int(split_every, "split_every") < 2:
        raise HyperparameterError(f"split_every: expected an int >= 2, got {split_every!r}")
    m = int(data.shape[1])
    level: list[Any] = [
        delayed(_shard, pure=True)(params, x, y, kind, m, k)
        for k, (x, y) in enumerate(_chunk_pairs(data, targets))
    ]
    while len(level) > 1:
        level = [
            delayed(_add, pure=True)(*level[k : k + split_every])
            for k in range(0, len(level), split_every)
        ]
    (result,) = dask.compute(level[0])
    value: float = float(result[0])
    grads: Grads[F] = result[1]
    return value, grads


def gradient(
    params: Params[F],
    X: da.Array,
    Y: da.Array | npt.NDArray[Any],
    kind: Loss,
    *,
    split_every: int = 2,
) -> Grads[F]:
    """The gradient of ``kind``'s loss on dask arrays ``(X, Y)``: :func:`value_and_gradient`'s.

    Examples:
        >>> import dask.array as da
        >>> import numpy as np
        >>> import fnmlp
        >>> params = fnmlp.init([2, 1], seed=0)
        >>> X, Y = np.arange(8.0).reshape(2, 4), np.ones((1, 4))
        >>> one_chunk = gradient(params, da.from_array(X, chunks=(2, 4)), Y, fnmlp.mean_squared_error)
        >>> bool(np.array_equal(one_chunk.g, fnmlp.gradient(params, X, Y, fnmlp.mean_squared_error).g))
        True
    """
    return value_and_gradient(params, X, Y, kind, split_every=split_every)[1]


# ----------------------------------------------------------------------------- predict


def _labels(params: Params[Any], threshold: float, X: Any) -> Any:
    return predict_labels(params, X, threshold=threshold)


def predict(params: Params[F], X: da.Array, *, threshold: float = 0.5) -> da.Array:
    """Predicted labels of the columns of the dask array ``X``: :func:`fnmlp.predict` per chunk.

    Returns:
        A lazy dask array with ``X``'s column chunks, of what
        :func:`fnmlp.predict` gives: int64 labels for an output that gives
        probabilities, of shape ``(1, m)`` (class indices) for softmax and
        ``(n_y, m)`` for sigmoid; otherwise the outputs, ``(n_y, m)`` in
        ``params``' dtype.

    Examples:
        >>> import dask.array as da
        >>> import numpy as np
        >>> from fnmlp import Layer, Params, sigmoid
        >>> params = Params((Layer(np.array([[10.0]]), np.array([[-5.0]]), sigmoid),))
        >>> labels = predict(params, da.from_array(np.array([[0.0, 0.4, 0.6, 1.0]]), chunks=(1, 2)))
        >>> labels.chunks, labels.compute()
        (((1,), (2, 2)), array([[0, 0, 1, 1]]))
    """
    check_params(params)
    data = _columns(X, "X", params.dims[0])
    rows = 1 if not params.activations[-1].elementwise else params.dims[-1]
    # checks threshold, and gives the dtype: labels, or a regression's values
    kind = _labels(params, threshold, np.zeros((params.dims[0], 1), params.dtype)).dtype
    labels: da.Array = data.map_blocks(
        _labels_of,
        params,
        threshold,
        chunks=((rows,), data.chunks[1]),
        dtype=kind,
        meta=np.empty((0, 0), kind),
    )
    return labels


def _labels_of(X: Any, params: Params[Any], threshold: float, block_info: Any = None) -> Any:
    k = block_info[0]["chunk-location"][1] if block_info else 0
    data = check_inputs(params, X, f"X (chunk {k})", copy=False)  # errors name the chunk
    return np.array(_labels(params, threshold, data))  # a writable array, as dask expects


# ----------------------------------------------------------------------------- files


def _read_columns(path: str, start: int, stop: int, stamp: tuple[int, int]) -> Any:
    """Columns ``[start, stop)`` of the ``.npy`` file at ``path``, read through a memory map."""
    array = np.load(path, mmap_mode="r")
    return np.array(array[:, start:stop], copy=True)


def read(path: str | os.PathLike[str], *, columns: int | None = None) -> da.Array:
    """A ``.npy`` file or a zarr array on disk as a dask array, read a chunk at a time.

    A ``.npy`` file holding an ``(n, m)`` array (one column per example) is
    chunked into ``columns`` columns per chunk (by default about 32 MB), each
    read through a memory map and copied when computed: nothing reads the
    file whole (``dask.array.from_array`` on a memory map would). A zarr
    array (a directory) is opened with ``dask.array.from_zarr``, chunked as
    stored unless ``columns`` is given.

    Raises:
        SerialisationError: for a path that does not exist, is neither or cannot be read.
        ShapeError: for a file not holding a 2-D array.
        HyperparameterError: for ``columns`` not a positive int.

    Examples:
        >>> import tempfile, pathlib
        >>> import numpy as np
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "X.npy"
        >>> np.save(path, np.arange(12.0).reshape(2, 6))
        >>> X = read(path, columns=4)
        >>> X.chunks, float(X.sum().compute())
        (((2,), (4, 2)), 66.0)
    """
    name = os.fspath(path)
    if columns is not None:
        positive_int(columns, "columns")
    if os.path.isfile(name) and name.endswith(".npy"):
        try:
            mapped = np.load(name, mmap_mode="r")  # the header only: nothing is read yet
        except (OSError, ValueError) as error:
            raise SerialisationError(
                f"path: expected a readable .npy file, got {name} ({error})"
            ) from None
        shape, dtype = mapped.shape, mapped.dtype
        del mapped
        if len(shape) != 2:
            raise ShapeError(f"path: expected a 2-D array (n, m) in {name}, got shape {shape}")
        rows, m = shape
        size = columns or max(1, (32 << 20) // max(1, rows * dtype.itemsize))
        info = os.stat(name)
        stamp = (info.st_mtime_ns, info.st_size)  # a rewritten file is another array
        parts = [
            da.from_delayed(
                delayed(_read_columns, pure=True)(name, start, min(start + size, m), stamp),
                shape=(rows, min(start + size, m) - start),
                dtype=dtype,
            )
            for start in range(0, m, size)
        ]
        array: da.Array = parts[0] if len(parts) == 1 else da.concatenate(parts, axis=1)
        return array
    if os.path.isdir(name):
        try:
            stored = da.from_zarr(name)
        except Exception as error:
            raise SerialisationError(
                f"path: expected a .npy file or a zarr array, got the directory {name} ({error})"
            ) from None
        if columns is not None and stored.ndim == 2:
            stored = stored.rechunk({0: -1, 1: columns})
        return stored
    raise SerialisationError(
        f"path: expected a .npy file or a zarr array, got {name!r}, which is neither"
    )


# ----------------------------------------------------------------------------- training


def _setup(
    start: Params[F] | TrainState[F],
    X: da.Array,
    Y: da.Array | npt.NDArray[Any],
    *,
    loss: Loss,
    optimizer: Optimizer[Any],
    epochs: int,
    batch_size: int,
    seed: int,
    validation: tuple[npt.ArrayLike, npt.ArrayLike] | None,
    log_every: int | None,
    early_stopping: EarlyStopping | None,
) -> tuple[
    _loop.Setup[F], TrainState[F], range, da.Array, da.Array, list[tuple[dict[Any, Any], list[Any]]]
]:
    """Every argument checked once by the core's ``fnmlp._setup.prepare``, on a sample of the data.

    The sample, the first ``batch_size`` examples, is what a divergence is
    diagnosed on (:attr:`fnmlp._loop.Setup.X`); the steps see every chunk.
    """
    params = start.params if isinstance(start, TrainState) else start
    check_params(params)
    data, targets = _data(params, X, Y)
    if batch_size is None:
        raise HyperparameterError(
            "batch_size: expected a positive int (data out of core train in mini-batches), got None"
        )
    if not isinstance(loss, Loss):
        raise DTypeError(f"loss: expected an fnmlp Loss, got {type(loss).__name__}")
    graphs = _chunk_graphs(data, targets)
    given: object = batch_size  # checked by prepare: callers may send anything
    size = min(given, data.chunks[1][0]) if isinstance(given, int) else 1
    X0, Y0 = (np.array(part[:, :size]) for part in get_sync(*graphs[0]))
    setup, state, epochs_range = prepare(
        start,
        X0,
        Y0,
        loss=loss,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        log_every=log_every,
        l2=0.0,
        early_stopping=early_stopping,
        running_loss=True,
        sample_weight=None,
    )
    return setup, state, epochs_range, data, targets, graphs


def _result(setup: _loop.Setup[F], carry: _loop.Carry) -> TrainResult[F]:
    final = _loop.state(setup, carry)
    chosen = final.best_params if setup.early_stopping is not None else final.params
    return TrainResult(chosen, final.history, final)


def _fold(setup: _loop.Setup[F], state: TrainState[F], epochs: range) -> _loop.Carry:
    carry = _loop.carry(setup, state)
    for epoch in epochs:
        carry = _loop.quiet_step(setup, carry, epoch)
        if carry.state.stopped:
            break
    return carry


def train_streaming(
    params: Params[F] | TrainState[F],
    X: da.Array,
    Y: da.Array | npt.NDArray[Any],
    *,
    loss: Loss,
    optimizer: Optimizer[Any],
    epochs: int,
    batch_size: int,
    seed: int = 0,
    validation: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    log_every: int | None = None,
    early_stopping: EarlyStopping | None = None,
    prefetch: bool = True,
) -> TrainResult[F]:
    """Train on dask arrays larger than memory, a chunk at a time, on one machine.

    Epoch ``e`` visits the chunks in the order of a permutation seeded with
    ``(seed, e)``; each chunk is computed (read) into memory, checked, and
    trained on with the steps of :func:`fnmlp.train`: its examples shuffled
    with ``(seed, e, k)`` for chunk ``k`` and cut into mini-batches of
    ``batch_size`` (a chunk's last batch may be shorter); a single chunk is
    shuffled as :func:`fnmlp.train` shuffles, so that one chunk gives
    ``train``'s result bit for bit. With ``prefetch``
    the next chunk is read in a thread meanwhile, so memory holds a few
    chunks whatever the size of the data: the one read ahead (with the
    reader's own copy of it, for zarr), the one trained on and its shuffled
    copy; about five chunks' worth at the peak, three without ``prefetch``. An epoch takes
    ``sum(ceil(m_k / batch_size))`` steps.

    The history records the running loss (the mean over each logged epoch's
    batches, each chunk's batches summed as :func:`fnmlp.train` sums them and
    the chunks' means then combined, so that it too takes memory flat in the
    data's size); a run resumed from the returned state is bit-identical to an
    uninterrupted one, its ``TrainState.epoch`` counting epochs over the
    whole data. Chunks are read with dask's synchronous scheduler, in this
    process.

    Args:
        params: the starting network, or a :class:`~fnmlp.TrainState` to resume.
        X: inputs ``(n_x, m)``, a dask array chunked along the columns.
        Y: targets ``(n_y, m)`` with ``X``'s column chunks (a numpy ``Y`` is
            chunked like ``X``).
        loss, optimizer, epochs, seed, log_every, early_stopping: as in
            :func:`fnmlp.train`.
        batch_size: examples per step; every chunk but the last must hold at
            least this many.
        validation: optional in-memory ``(X_val, Y_val)``, measured exactly.
        prefetch: read the next chunk while training on the current one.

    Returns:
        :class:`~fnmlp.TrainResult`, as :func:`fnmlp.train`'s.

    Raises:
        DTypeError, ShapeError: for data that are not dask arrays chunked along
            the columns (with ``Y``'s chunks ``X``'s), or chunks smaller than
            a batch; and as :func:`fnmlp.train` for bad values in a chunk
            (naming the chunk) or bad arguments.
        DivergenceError: as :func:`fnmlp.train`; the layer is located on the
            first ``batch_size`` examples.

    Examples:
        >>> import dask.array as da
        >>> import numpy as np
        >>> import fnmlp
        >>> rng = np.random.default_rng(0)
        >>> X = da.from_array(rng.normal(size=(2, 400)), chunks=(2, 100))
        >>> Y = (X[:1] + X[1:] > 0).astype(float)
        >>> result = train_streaming(fnmlp.init([2, 4, 1], seed=0), X, Y,
        ...                          loss=fnmlp.binary_cross_entropy, optimizer=fnmlp.adam(0.05),
        ...                          epochs=20, batch_size=25)
        >>> result.state.opt_state.count, result.history.train_accuracy[-1] > 0.95
        (320, True)
    """
    setup, state, epochs_range, data, _, graphs = _setup(
        params,
        X,
        Y,
        loss=loss,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        log_every=log_every,
        early_stopping=early_stopping,
    )
    if not isinstance(prefetch, bool):
        raise HyperparameterError(f"prefetch: expected True or False, got {prefetch!r}")
    sizes = tuple(int(c) for c in data.chunks[1])
    for k, m_k in enumerate(sizes[:-1]):
        if m_k < batch_size:
            raise ShapeError(
                f"X: expected chunks of at least batch_size={batch_size} examples (a batch is "
                f"taken from one chunk; only the last may be smaller), got {m_k} in chunk {k} "
                f"of {_shown(sizes)}; rechunk X and Y into larger chunks"
            )
    pairs = graphs
    first: Params[F] = state.params

    def load(k: int) -> tuple[Matrix[F], Matrix[F]]:
        graph, keys = pairs[k]
        X_k, Y_k = get_sync(graph, keys)
        return _loaded(first, setup.loss, X_k, Y_k, k)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:

        def descent(
            setup_: _loop.Setup[Any], carry: _loop.Carry, epoch: int, observe: bool
        ) -> tuple[_loop.Carry, list[Part]]:
            order = [int(k) for k in np.random.default_rng((seed, epoch)).permutation(len(pairs))]
            parts: list[Part] = []
            ahead = pool.submit(load, order[0]) if prefetch else None
            for position, k in enumerate(order):
                X_k, Y_k = load(k) if ahead is None else ahead.result()
                ahead = None  # a done future holds its chunk: dropped here
                if prefetch and position + 1 < len(order):
                    ahead = pool.submit(load, order[position + 1])
                chunk = attrs.evolve(setup_, X=X_k, Y=Y_k, whole=None)
                # one chunk is the whole data: train's own shuffle, (seed, epoch)
                batches = _loop.batches(chunk, epoch, *([k] if len(order) > 1 else []))
                del chunk, X_k, Y_k  # the shuffled copy is all the steps need
                carry, observed = _loop.descend(setup_, carry, batches, observe)
                del batches
                if len(observed) > 1 and len(order) > 1:
                    # one part per chunk, not per batch: memory flat in the data's size
                    loss_k, accuracy_k = _measure.combined(
                        setup_, carry.theta, observed, penalised=False
                    )
                    observed = [(loss_k, accuracy_k, float(sizes[k]))]
                parts.extend(observed)
            return carry, parts

        streaming: _loop.Setup[F] = attrs.evolve(setup, descent=descent)
        carry = _fold(streaming, state, epochs_range)
    return _result(setup, carry)


# ----------------------------------------------------------------------------- data parallel


def _shares(m_k: int, steps: int) -> list[int]:
    """Where each of an epoch's ``steps`` batches' shares of a chunk of ``m_k`` starts (and ends)."""
    return [s * m_k // steps for s in range(steps + 1)]


def _pair(params: Params[F], loss: Loss, X: Any, Y: Any, k: int) -> tuple[Matrix[F], Matrix[F]]:
    """Chunk ``k`` checked, in ``params``' dtype: what a worker keeps for the run."""
    data, targets = _loaded(params, loss, X, Y, k)
    return np.array(data), np.array(targets)  # owned arrays, not views of dask's chunks


def _permuted(
    pair: tuple[Matrix[F], Matrix[F]], seed: int, epoch: int, k: int
) -> tuple[Matrix[F], Matrix[F]]:
    """Chunk ``k``'s ``([X; 1], Y)`` in epoch ``epoch``'s order: one gather per chunk per epoch."""
    X, Y = pair
    ((X1, Y1, _),) = shuffled(X, Y, None, X.shape[1], (seed, epoch, k))  # train's shuffle
    return lock(X1), lock(Y1)


def _shard_step(
    net: _loop.Setup[F],
    theta: Matrix[F],
    permuted: tuple[Matrix[F], Matrix[F]],
    start: int,
    stop: int,
    total: int,
    observe: bool,
) -> tuple[Matrix[F], Part | None]:
    """A shard's packed gradient (as a share of a batch of ``total``) and its measurement."""
    X1, Y = permuted
    n = stop - start
    scale = None if n == total else total  # the mean over the whole batch
    # a one-column shard is copied, as train copies a one-column batch (one BLAS path)
    columns = X1[:, start:stop] if n > 1 else X1[:, start:stop].copy()
    batch = (columns, Y[:, start:stop], scale)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        g, Z, A = _loop.batch_gradient(net, theta, batch)
        return g, (_measure.measure(net, Z, A, batch[1], scale) if observe else None)


def _step_sum(
    shards: Sequence[tuple[Matrix[F], Part | None]], structure: Any, total: int
) -> tuple[Matrix[F], Part | None]:
    """The batch's gradient, the shards' added in chunk order, and its ``(loss, accuracy, size)``."""
    # unchecked: a diverging run's gradients reach the loop, which names the divergence
    g = pairwise_sum([g for g, _ in shards])
    observed = [part for _, part in shards if part is not None]
    if len(observed) != len(shards):
        return np.array(g), None
    loss = sum(value for value, _, _ in observed)  # shares of the batch's mean
    accuracy = sum(a * n for _, a, n in observed) / total
    return np.array(g), (loss, accuracy, float(total))


def train_data_parallel(
    params: Params[F] | TrainState[F],
    X: da.Array,
    Y: da.Array | npt.NDArray[Any],
    *,
    loss: Loss,
    optimizer: Optimizer[Any],
    epochs: int,
    batch_size: int,
    seed: int = 0,
    client: Client | None = None,
    validation: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    log_every: int | None = None,
    early_stopping: EarlyStopping | None = None,
) -> TrainResult[F]:
    """Synchronous data-parallel training on a :class:`distributed.Client`'s workers.

    The chunks are computed and kept on the workers for the run. An epoch
    takes ``S = ceil(m / batch_size)`` steps; chunk ``k`` is shuffled with
    ``(seed, epoch, k)`` and cut into ``S`` consecutive shares of nearly
    equal size, and step ``s``'s batch is every chunk's ``s``-th share. Each
    shard's gradient (a share of the batch's mean) is computed where its chunk
    lives; the client adds them in chunk order (as :func:`fnmlp.add_grads`)
    and takes one optimiser step, so the params are the same bits as
    ``client=None``, which runs the same algorithm in this process, given the
    same chunking and BLAS thread count.

    Worth it when the data are spread over several machines or a step's
    gradient is large next to a round trip to the workers (a few
    milliseconds per step); on one machine, :func:`fnmlp.train` or
    :func:`train_streaming` is faster.

    Args:
        params: the starting network, or a :class:`~fnmlp.TrainState` to resume.
        X: inputs ``(n_x, m)``, a dask array chunked along the columns.
        Y: targets ``(n_y, m)`` with ``X``'s column chunks.
        loss, optimizer, epochs, seed, log_every, early_stopping: as in
            :func:`fnmlp.train`.
        batch_size: examples per step (split over the chunks); every chunk
            must hold at least ``S`` examples, one per batch of an epoch.
        client: the cluster; ``None`` runs the same algorithm in this process
            on the chunks computed into memory.
        validation: optional in-memory ``(X_val, Y_val)``, measured on the client.

    Returns:
        :class:`~fnmlp.TrainResult`; the history records the running loss.

    Raises:
        As :func:`train_streaming`, with ``ShapeError`` for a chunk smaller
        than a batch's share.

    Examples:
        >>> import dask.array as da
        >>> import numpy as np
        >>> import fnmlp
        >>> rng = np.random.default_rng(0)
        >>> X = da.from_array(rng.normal(size=(2, 400)), chunks=(2, 100))
        >>> Y = (X[:1] - X[1:] > 0).astype(float)
        >>> result = train_data_parallel(fnmlp.init([2, 4, 1], seed=0), X, Y,
        ...                              loss=fnmlp.binary_cross_entropy,
        ...                              optimizer=fnmlp.adam(0.05), epochs=20, batch_size=40)
        >>> result.state.opt_state.count, result.history.train_accuracy[-1] > 0.95
        (200, True)
    """
    setup, state, epochs_range, data, targets, graphs = _setup(
        params,
        X,
        Y,
        loss=loss,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        log_every=log_every,
        early_stopping=early_stopping,
    )
    sizes = tuple(int(c) for c in data.chunks[1])
    m = sum(sizes)
    steps = -(-m // batch_size)
    for k, m_k in enumerate(sizes):
        if m_k < steps:
            raise ShapeError(
                f"X: expected every chunk to hold at least {steps} examples (a share of each of "
                f"an epoch's {steps} batches of {batch_size}), got {m_k} in chunk {k} of "
                f"{_shown(sizes)}; rechunk X and Y into fewer, larger chunks or raise batch_size"
            )
    if client is not None and not hasattr(client, "submit"):
        raise DTypeError(
            f"client: expected a distributed.Client or None, got {type(client).__name__}"
        )
    net: _loop.Setup[F] = attrs.evolve(setup, validation=None, whole=None, early_stopping=None)
    bounds = [_shares(m_k, steps) for m_k in sizes]
    first = state.params
    run: Callable[[int, _loop.Carry, bool], tuple[_loop.Carry, list[Part]]]
    if client is None:
        local = [
            _pair(first, setup.loss, get_sync(graph, keys[:1])[0], get_sync(graph, keys[1:])[0], k)
            for k, (graph, keys) in enumerate(graphs)
        ]

        def run(epoch: int, carry: _loop.Carry, observe: bool) -> tuple[_loop.Carry, list[Part]]:
            permuted = [_permuted(pair, seed, epoch, k) for k, pair in enumerate(local)]
            return _steps(
                net,
                carry,
                observe,
                bounds,
                lambda theta, s, total: [
                    _shard_step(net, theta, permuted[k], b[s], b[s + 1], total, observe)
                    for k, b in enumerate(bounds)
                ],
            )

    else:
        from distributed import wait

        pairs = _chunk_pairs(data, targets)
        kept = client.compute(
            [
                delayed(_pair, pure=False)(first, setup.loss, x, y, k)
                for k, (x, y) in enumerate(pairs)
            ]
        )
        wait(kept)
        try:
            for future in kept:
                if future.status == "error":
                    future.result()  # a chunk's bad values raise here, as in this process
        except BaseException:
            client.cancel(kept)  # the other chunks are released, not kept for the error's life
            raise
        homes = client.who_has(kept)
        where = [list(homes.get(p.key, ())) or None for p in kept]
        remote_net = client.scatter(net, broadcast=True)

        def run(epoch: int, carry: _loop.Carry, observe: bool) -> tuple[_loop.Carry, list[Part]]:
            permuted = [
                client.submit(
                    _permuted, pair, seed, epoch, k, workers=where[k], allow_other_workers=True
                )
                for k, pair in enumerate(kept)
            ]

            def shards(theta: Matrix[Any], s: int, total: int) -> Any:
                futures = [
                    client.submit(
                        _shard_step,
                        remote_net,
                        theta,
                        permuted[k],
                        b[s],
                        b[s + 1],
                        total,
                        observe,
                        pure=False,
                        workers=where[k],
                        allow_other_workers=True,
                    )
                    for k, b in enumerate(bounds)
                ]
                return client.gather(futures)

            return _steps(net, carry, observe, bounds, shards)

    def descent(
        setup_: _loop.Setup[Any], carry: _loop.Carry, epoch: int, observe: bool
    ) -> tuple[_loop.Carry, list[Part]]:
        return run(epoch, carry, observe)

    parallel: _loop.Setup[F] = attrs.evolve(setup, descent=descent)
    try:
        carry = _fold(parallel, state, epochs_range)
    finally:
        if client is not None:
            client.cancel(kept)
    return _result(setup, carry)


def _steps(
    net: _loop.Setup[F],
    carry: _loop.Carry,
    observe: bool,
    bounds: Sequence[Sequence[int]],
    shards: Callable[[Matrix[F], int, int], Sequence[tuple[Matrix[F], Part | None]]],
) -> tuple[_loop.Carry, list[Part]]:
    """An epoch's steps: each batch's shards (by ``shards``), added, then one optimiser step."""
    theta, moments, count = carry.theta, carry.moments, carry.steps
    parts: list[Part] = []
    for s in range(len(bounds[0]) - 1):
        total = sum(b[s + 1] - b[s] for b in bounds)
        g, observed = _step_sum(shards(theta, s, total), net.structure, total)
        if observe and observed is not None:
            parts.append(observed)
        theta, moments = _loop.advance(net, theta, moments, count, g)
        count += 1
    return carry._replace(theta=theta, moments=moments, steps=count), parts
