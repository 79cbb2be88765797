"""``save`` and ``load``: params, a standardiser or a whole run in one ``.npz`` file, checked on the way back.

A file holds one :class:`~fnmlp.Params`, one
:class:`~fnmlp.datasets.Standardiser` (the statistics that scale a model's
inputs, or its regression targets, belong with it) or one
:class:`~fnmlp.TrainState` (a whole run, to resume). Each is an uncompressed
``numpy.savez`` archive of plain arrays, never pickles, whose ``magic`` member
says which it is. A params file's members, for a network of ``L`` layers:

- ``magic``: ``"fnmlp-params"`` (:data:`MAGIC`), naming the format;
- ``version``: the format version, an int (:data:`FORMAT_VERSION`);
- ``dtype``: ``"float32"`` or ``"float64"``;
- ``layers``: ``L``, an int;
- ``dims``: ``(n_x, n_1, ..., n_L)``, ints of shape ``(L + 1,)``;
- ``activations``: each layer's activation name, fixed-width unicode of shape ``(L,)``;
- ``W1`` ... ``WL`` and ``b1`` ... ``bL``: layer ``l``'s weights ``(n_l, n_prev)``
  and bias ``(n_l, 1)``, in ``dtype``.

A standardiser file's members, for ``n`` features:

- ``magic``: ``"fnmlp-standardiser"`` (:data:`STANDARDISER_MAGIC`);
- ``version``: its format version, an int (:data:`STANDARDISER_VERSION`);
- ``dtype``: ``"float32"`` or ``"float64"``;
- ``features``: ``n``, an int;
- ``mean`` and ``scale``: ``(n, 1)`` arrays in ``dtype``, finite, ``scale`` positive.

A run file's members (:data:`RUN_MAGIC`, :data:`RUN_VERSION`) are the
params file's ``magic``, ``version``, ``dtype``, ``layers``, ``dims`` and
``activations``, then:

- ``theta``, ``best_theta``: the params and the best params, each the
  ``(1, N)`` packed array :attr:`fnmlp.Params.theta` in ``dtype``;
- ``epoch``, ``best_epoch``, ``stopped`` (0 or 1): ints; ``best_loss``: a float64
  (``inf`` before any measurement);
- ``log_entries`` (``k``), ``log_epochs`` (``(k,)`` ints) and ``log_values``
  (``(k, 4)`` float64: training loss and accuracy, validation loss and
  accuracy, NaN where not tracked): the history, oldest entry first;
- ``opt_kind`` (``"sgd"``, ``"momentum"``, ``"rmsprop"`` or ``"adam"``, which
  also holds AdamW), ``opt_count``, the state's settings (``opt_beta``,
  ``opt_nesterov`` as 0 or 1, ``opt_rho``, ``opt_eps``, ``opt_beta1``,
  ``opt_beta2``, ``opt_weight_decay``: float64) and moments (``opt_velocity``,
  ``opt_square``, ``opt_mean``: ``(1, N)`` in ``dtype``); its learning rate
  is ``opt_learning_rate`` (a float64), or a built-in schedule as
  ``opt_schedule`` (its name: ``"constant"``, ``"step_decay"``,
  ``"exponential_decay"``, ``"invscaling"``, ``"cosine_decay"``) and
  ``opt_schedule_args`` (its arguments, float64);
- with a checkpoint: ``checkpoint_epoch``, ``checkpoint_theta`` and its
  optimiser state as above under ``checkpoint_opt_``;
- with a fingerprint: ``fingerprint_loss`` (a built-in loss's name),
  ``fingerprint_l2``, ``fingerprint_batch_size`` (0 for full batch),
  ``fingerprint_seed``, ``fingerprint_schedule`` and
  ``fingerprint_schedule_args`` (``""`` and no arguments for a constant rate)
  and ``fingerprint_dropout`` (one rate per hidden layer, zeros for none);
- ``has_checkpoint`` and ``has_fingerprint`` (0 or 1) say which of the two
  the file holds, so that a damaged zip directory cannot pass for a run
  without them.

Only what can be rebuilt from names and numbers is saved: a built-in
optimiser's state, built-in schedules, losses and activations. A state of an
optimiser of one's own, a schedule, loss or activation of one's own is
refused with a ``SerialisationError`` that says what to do instead (save the
params, and start a new run from them), never pickled.

Strings are fixed-width unicode and numbers plain ints, so the file is read
with ``allow_pickle=False`` and any npz reader can inspect it.

Uncompressed, because weights are high-entropy floats that deflate shrinks by
only about five per cent while making ``save`` several times slower; zip's
CRC-32 guards every member either way.

Paths: both functions append ``.npz`` to a path that does not end in it, in
any case (as ``numpy.savez`` does, but ``Model.NPZ`` is kept as it is), so
``load`` finds a model under the very path that was given to ``save``;
``save`` returns the path it wrote. A path that names a directory
(``"models/"``) or has no file name before the suffix (``"models/.npz"``) is
refused rather than turned into a hidden file, and so is a path holding a NUL
character. ``load`` reads regular files only: a FIFO, a device or a socket is
refused before it is opened, so ``load`` never waits on one.

Examples:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from fnmlp import forward, init, load, save
    >>> params = init([2, 3, 1], seed=0)
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     written = save(params, os.path.join(directory, "model"))
    ...     restored = load(os.path.join(directory, "model"))
    ...     print(written.name, sorted(os.listdir(directory)))
    model.npz ['model.npz']
    >>> print(restored)
    Params([2, 3, 1], relu -> sigmoid, float64)
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> print(np.array_equal(forward(params, X)[0], forward(restored, X)[0]))
    True
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import os
import pathlib
import secrets
import stat
import zipfile
from collections import Counter
from collections.abc import Callable
from typing import Any, BinaryIO, TypeAlias, overload

import numpy as np
import numpy.typing as npt
from numpy.lib import format as npy
from numpy.lib.npyio import NpzFile

from fnmlp._validate import check_finite
from fnmlp.activations import ACTIVATIONS, Activation
from fnmlp.datasets import Standardiser
from fnmlp.errors import DTypeError, FnmlpError, NonFiniteError, SerialisationError
from fnmlp.losses import LOSSES
from fnmlp.optimisers import (
    AdamState,
    MomentumState,
    RMSPropState,
    SgdState,
    adamw,
    momentum,
    rmsprop,
    sgd,
)
from fnmlp.records import Layer, Params
from fnmlp.runs import Fingerprint, Log, TrainState, same_schedule
from fnmlp.schedules import (
    Schedule,
    constant,
    cosine_decay,
    exponential_decay,
    invscaling,
    step_decay,
)

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "RUN_MAGIC",
    "RUN_VERSION",
    "STANDARDISER_MAGIC",
    "STANDARDISER_VERSION",
    "Saved",
    "load",
    "save",
]

MAGIC = "fnmlp-params"
"""The value of every params file's ``magic`` member."""

FORMAT_VERSION = 1
"""The params format version ``save`` writes and the newest one ``load`` reads."""

STANDARDISER_MAGIC = "fnmlp-standardiser"
"""The value of every standardiser file's ``magic`` member."""

STANDARDISER_VERSION = 1
"""The standardiser format version ``save`` writes and the newest one ``load`` reads."""

RUN_MAGIC = "fnmlp-run"
"""The value of every run file's ``magic`` member."""

RUN_VERSION = 1
"""The run format version ``save`` writes and the newest one ``load`` reads."""

Saved: TypeAlias = Params[Any] | Standardiser[Any] | TrainState[Any]
"""What a file written by :func:`save` holds: a network, a :class:`~fnmlp.datasets.Standardiser`
or a whole run (a :class:`~fnmlp.TrainState`)."""

SUFFIX = ".npz"
_META = ("magic", "version", "dtype", "layers", "dims", "activations")
_STANDARDISER_KEYS = ("magic", "version", "dtype", "features", "mean", "scale")
_MAGICS = {MAGIC: "params", STANDARDISER_MAGIC: "standardiser", RUN_MAGIC: "run"}
_DTYPES = ("float32", "float64")
_MAX_NAME = 64  # the longest string member load reads (magic, dtype, activation names)


def _npz_path(path: object) -> tuple[pathlib.Path, bool]:
    """``path`` with ``.npz`` appended if missing, and whether it was appended.

    The suffix is matched in any case (``Model.NPZ`` is kept as it is). A path
    that names a directory (``"models/"``, ``"."``) or whose file name has
    nothing before the suffix (``"models/.npz"``) is refused: it would become
    a hidden file such as ``models/.npz``.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise DTypeError(f"path: expected a str or os.PathLike, got {type(path).__name__}")
    raw = os.fspath(path)
    if not isinstance(raw, str):
        raise DTypeError(f"path: expected a str or os.PathLike of str, got {type(raw).__name__}")
    if not raw:
        raise SerialisationError("path: expected a file name, got ''")
    if "\0" in raw:
        raise SerialisationError(
            f"path: expected a path without NUL characters, got {raw!r} (NUL at index "
            f"{raw.index(chr(0))})"
        )
    name = os.path.basename(raw)  # "" after a trailing separator; "." and ".." kept
    if name in ("", ".", ".."):
        raise SerialisationError(
            f"path: expected a file name such as 'model.npz', got {raw!r}, which names a directory"
        )
    if name.lower() == SUFFIX:
        raise SerialisationError(
            f"path: expected a file name with a stem before {SUFFIX} such as 'model.npz', "
            f"got {raw!r}"
        )
    if raw.lower().endswith(SUFFIX):
        return pathlib.Path(raw), False
    return pathlib.Path(raw + SUFFIX), True


# ----------------------------------------------------------------------------- save


def _members(params: Params[Any], label: str = "params") -> dict[str, npt.NDArray[Any]]:
    for l, layer in enumerate(params.layers, start=1):
        name = layer.activation.name
        if ACTIVATIONS.get(name) is not layer.activation:
            raise SerialisationError(
                f"{label}.layers[{l - 1}].activation (layer {l}): expected a built-in "
                f"activation ({', '.join(sorted(ACTIVATIONS))}) that load can find by name, "
                f"got a custom Activation named {name!r}"
            )
    members: dict[str, npt.NDArray[Any]] = {
        "magic": np.array(MAGIC),
        "version": np.array(FORMAT_VERSION, dtype=np.int64),
        "dtype": np.array(str(params.dtype)),
        "layers": np.array(len(params.layers), dtype=np.int64),
        "dims": np.array(params.dims, dtype=np.int64),
        "activations": np.array([layer.activation.name for layer in params.layers]),
    }
    for l, layer in enumerate(params.layers, start=1):
        members[f"W{l}"] = layer.W
        members[f"b{l}"] = layer.b
    return members


# ----------------------------------------------------------------------------- runs

_Builder = Callable[[list[float]], Schedule]


def _build_constant(a: list[float]) -> Schedule:
    return constant(a[0])


def _build_step_decay(a: list[float]) -> Schedule:
    return step_decay(a[0], factor=a[1], every=_whole(a[2], "every"))


def _build_exponential_decay(a: list[float]) -> Schedule:
    return exponential_decay(a[0], rate=a[1])


def _build_invscaling(a: list[float]) -> Schedule:
    return invscaling(a[0], power_t=a[1])


def _build_cosine_decay(a: list[float]) -> Schedule:
    return cosine_decay(a[0], final=a[1], steps=_whole(a[2], "steps"))


def _whole(value: float, name: str) -> int:
    if not (math.isfinite(value) and value == int(value)):
        raise SerialisationError(f"{name}: expected a whole number of steps, got {value!r}")
    return int(value)


# The built-in schedules: the name a file records, the module-level function
# each is a partial of (by name, in fnmlp.schedules) and how to rebuild it from
# the partial's arguments through the public constructor, which checks them.
_SCHEDULES: dict[str, tuple[str, int, _Builder]] = {
    "constant": ("_constant", 1, _build_constant),
    "step_decay": ("_step_decay", 3, _build_step_decay),
    "exponential_decay": ("_exponential_decay", 2, _build_exponential_decay),
    "invscaling": ("_invscaling", 2, _build_invscaling),
    "cosine_decay": ("_cosine_decay", 3, _build_cosine_decay),
}

# Each built-in optimiser state: the name a file records, its settings besides
# the learning rate (a bool for nesterov, floats else) and its moments.
_OPTIMISERS: dict[type[Any], tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    SgdState: ("sgd", (), ()),
    MomentumState: ("momentum", ("beta", "nesterov"), ("velocity",)),
    RMSPropState: ("rmsprop", ("rho", "eps"), ("square",)),
    AdamState: ("adam", ("beta1", "beta2", "eps", "weight_decay"), ("mean", "square")),
}
_OPTIMISER_NAMES = {name: kind for kind, (name, _, _) in _OPTIMISERS.items()}

_WHAT_TO_DO = (
    "save state.params with fnmlp.save instead and start a new run from them, "
    "or keep the state in memory (pickle, at your own risk with untrusted files)"
)


def _schedule_kind(schedule: Schedule, name: str) -> tuple[str, list[float]]:
    """The name and arguments that rebuild a built-in ``schedule``, or ``SerialisationError``."""
    fn = schedule.fn
    if isinstance(fn, functools.partial) and getattr(fn.func, "__module__", None) == (
        "fnmlp.schedules"
    ):
        for kind, (function, arity, build) in _SCHEDULES.items():
            args = fn.args
            if fn.func.__name__ != function or len(args) != arity or fn.keywords:
                continue
            if all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
                values = [float(a) for a in args]
                try:
                    rebuilt = build(values)
                except FnmlpError:
                    break
                if same_schedule(rebuilt, schedule):
                    return kind, values
            break
    raise SerialisationError(
        f"{name}: expected a built-in schedule ({', '.join(_SCHEDULES)}) that load can "
        f"rebuild without pickle, got a schedule of your own named {schedule.name!r}: "
        f"{_WHAT_TO_DO}"
    )


def _rate_members(prefix: str, rate: object, name: str) -> dict[str, npt.NDArray[Any]]:
    if isinstance(rate, Schedule):
        kind, values = _schedule_kind(rate, name)
        return {
            f"{prefix}schedule": np.array(kind),
            f"{prefix}schedule_args": np.array(values, dtype=np.float64),
        }
    return {f"{prefix}learning_rate": _float(rate, name)}


def _float(value: object, name: str) -> npt.NDArray[Any]:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        try:
            return np.array(float(value), dtype=np.float64)
        except OverflowError:
            pass
    raise SerialisationError(f"{name}: expected a float, got {type(value).__name__} {value!r:.60}")


def _int(value: object, name: str) -> npt.NDArray[Any]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < 2**63:
        return np.array(int(value), dtype=np.int64)
    raise SerialisationError(
        f"{name}: expected an int in [0, 2**63), got {type(value).__name__} {value!r:.60}"
    )


def _opt_members(
    prefix: str, state: object, params: Params[Any], name: str
) -> dict[str, npt.NDArray[Any]]:
    """The members of a built-in optimiser's ``state``, each key starting with ``prefix``."""
    described = _OPTIMISERS.get(type(state))
    if described is None:
        raise SerialisationError(
            f"{name}: expected the state of a built-in optimiser (SgdState, MomentumState, "
            f"RMSPropState, AdamState) that load can rebuild without pickle, got "
            f"{type(state).__name__}: {_WHAT_TO_DO}"
        )
    kind, settings, moments = described
    members = {
        f"{prefix}kind": np.array(kind),
        f"{prefix}count": _int(getattr(state, "count"), f"{name}.count"),  # noqa: B009
        **_rate_members(prefix, getattr(state, "learning_rate"), f"{name}.learning_rate"),  # noqa: B009
    }
    for setting in settings:
        value = getattr(state, setting)
        if setting == "nesterov":
            if not isinstance(value, bool):
                raise SerialisationError(f"{name}.nesterov: expected a bool, got {value!r:.60}")
            members[f"{prefix}{setting}"] = np.array(int(value), dtype=np.int64)
        else:
            members[f"{prefix}{setting}"] = _float(value, f"{name}.{setting}")
    for moment in moments:
        array = getattr(state, moment)
        if not (
            isinstance(array, np.ndarray)
            and array.shape == params.theta.shape
            and array.dtype == params.dtype
        ):
            raise SerialisationError(
                f"{name}.{moment}: expected a {params.theta.shape} {params.dtype} array like "
                f"params.theta, got {array!r:.80}"
            )
        members[f"{prefix}{moment}"] = array
    return members


def _log_arrays(log: Log) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The log, oldest entry first, as ``(epochs (k,), values (k, 4))``."""
    entries = []
    node = log
    while node is not None:
        entries.append(node[0])
        node = node[1]
    entries.reverse()
    epochs = np.array([e[0] for e in entries], dtype=np.int64).reshape(len(entries))
    values = np.array([e[1:] for e in entries], dtype=np.float64).reshape(len(entries), 4)
    return epochs, values


def _run_members(state: TrainState[Any]) -> dict[str, npt.NDArray[Any]]:
    params = state.params
    members = _members(params, "state.params")
    members["magic"] = np.array(RUN_MAGIC)
    members["version"] = np.array(RUN_VERSION, dtype=np.int64)
    for l in range(1, len(params.dims)):
        del members[f"W{l}"], members[f"b{l}"]
    # which optional parts the file holds, said up front: a zip directory cut short
    # at a part's edge would otherwise pass for a run without it
    members["has_checkpoint"] = np.array(int(state.checkpoint is not None), dtype=np.int64)
    members["has_fingerprint"] = np.array(int(state.fingerprint is not None), dtype=np.int64)
    members["theta"] = params.theta
    members["best_theta"] = state.best_params.theta
    members["epoch"] = _int(state.epoch, "state.epoch")
    members["best_epoch"] = _int(state.best_epoch, "state.best_epoch")
    members["best_loss"] = _float(state.best_loss, "state.best_loss")
    members["stopped"] = np.array(int(state.stopped), dtype=np.int64)
    log_epochs, log_values = _log_arrays(state.log)
    members["log_entries"] = np.array(log_epochs.shape[0], dtype=np.int64)
    members["log_epochs"] = log_epochs
    members["log_values"] = log_values
    members.update(_opt_members("opt_", state.opt_state, params, "state.opt_state"))
    if state.checkpoint is not None:
        at, checkpoint_params, checkpoint_state = state.checkpoint
        members["checkpoint_epoch"] = _int(at, "state.checkpoint[0]")
        members["checkpoint_theta"] = checkpoint_params.theta
        members.update(
            _opt_members("checkpoint_opt_", checkpoint_state, params, "state.checkpoint[2]")
        )
    fingerprint = state.fingerprint
    if fingerprint is not None:
        loss = fingerprint.loss
        if LOSSES.get(loss.name) != loss:
            raise SerialisationError(
                f"state.fingerprint.loss: expected a built-in loss ({', '.join(LOSSES)}) that "
                f"load can find by name, got a Loss of your own named {loss.name!r}: "
                f"{_WHAT_TO_DO}"
            )
        members["fingerprint_loss"] = np.array(loss.name)
        members["fingerprint_l2"] = _float(fingerprint.l2, "state.fingerprint.l2")
        members["fingerprint_batch_size"] = _int(
            fingerprint.batch_size or 0, "state.fingerprint.batch_size"
        )
        members["fingerprint_seed"] = _int(fingerprint.seed, "state.fingerprint.seed")
        kind, values = "", list[float]()  # a constant rate: an empty name, no arguments
        if fingerprint.schedule is not None:
            kind, values = _schedule_kind(fingerprint.schedule, "state.fingerprint.schedule")
        members["fingerprint_schedule"] = np.array(kind, dtype="<U32")
        members["fingerprint_schedule_args"] = np.array(values, dtype=np.float64)
        hidden = len(params.dims) - 2  # one rate per hidden layer, zeros for no dropout
        rates = fingerprint.dropout or (0.0,) * hidden
        if len(rates) != hidden:
            raise SerialisationError(
                f"state.fingerprint.dropout: expected one rate per hidden layer ({hidden}), "
                f"got {len(rates)}"
            )
        members["fingerprint_dropout"] = np.array(rates, dtype=np.float64).reshape(hidden)
    return members


def _standardiser_members(standardiser: Standardiser[Any]) -> dict[str, npt.NDArray[Any]]:
    return {
        "magic": np.array(STANDARDISER_MAGIC),
        "version": np.array(STANDARDISER_VERSION, dtype=np.int64),
        "dtype": np.array(str(standardiser.mean.dtype)),
        "features": np.array(standardiser.mean.shape[0], dtype=np.int64),
        "mean": standardiser.mean,
        "scale": standardiser.scale,
    }


def save(value: Saved, path: str | os.PathLike[str]) -> pathlib.Path:
    """Write ``value`` (params, a standardiser or a whole run) to one ``.npz`` file, atomically.

    The archive is first written to a hidden temporary file beside the target,
    flushed to disk, then renamed over the target (``os.replace``), so a crash
    leaves either the old file or the new one, never half of one.

    Args:
        value: a network (``Params``; every activation must be one of
            ``fnmlp.ACTIVATIONS`` so that ``load`` can find it by name), a
            :class:`~fnmlp.datasets.Standardiser`, or a
            :class:`~fnmlp.TrainState` (a run: ``train(load(path,
            kind=TrainState), ...)`` goes on bit-identically) whose optimiser,
            schedule and loss are built-in ones.
        path: where to write; ``.npz`` is appended unless ``path`` ends in it.

    Returns:
        The path written: ``path``, with ``.npz`` appended if it was missing.

    Raises:
        DTypeError: if ``value`` is not ``Params``, a ``Standardiser`` or a
            ``TrainState``, or ``path`` is not a str or ``os.PathLike``.
        SerialisationError: if an activation is not a built-in one, a run's
            optimiser state, schedule or loss is one of the user's own, ``path``
            names a directory, has an empty file name or holds a NUL
            character, or the file cannot be written (missing directory, no
            permission, ...).

    Examples:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from fnmlp import init, save
        >>> from fnmlp.datasets import standardise
        >>> with tempfile.TemporaryDirectory() as directory:
        ...     print(save(init([2, 1], seed=0), os.path.join(directory, "net")).name)
        ...     print(save(standardise([[1.0, 3.0]]), os.path.join(directory, "scaler")).name)
        net.npz
        scaler.npz
        >>> save("weights", "net")
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: value: expected fnmlp Params, a Standardiser or a TrainState, got str
        >>> save(init([2, 1], seed=0), "models/")
        Traceback (most recent call last):
        ...
        fnmlp.errors.SerialisationError: path: expected a file name such as 'model.npz', got 'models/', which names a directory
    """
    if not isinstance(value, (Params, Standardiser, TrainState)):
        raise DTypeError(
            f"value: expected fnmlp Params, a Standardiser or a TrainState, got "
            f"{type(value).__name__}"
        )
    target, _ = _npz_path(path)
    if isinstance(value, Params):
        members = _members(value)
    elif isinstance(value, TrainState):
        members = _run_members(value)
    else:
        members = _standardiser_members(value)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        descriptor = os.open(temporary, flags, 0o666)
        with os.fdopen(descriptor, "wb") as file:
            np.savez(file, allow_pickle=False, **members)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise SerialisationError(
                f"{target}: expected a writable file path, got {type(error).__name__}: "
                f"{error.strerror or error}"
            ) from error
        raise
    return target


# ----------------------------------------------------------------------------- load


# What load is asked for: "params", "standardiser", "run", or None for any.
_Wanted: TypeAlias = str | None


def _file_kind(wanted: _Wanted) -> str:
    return f"an fnmlp {wanted or 'params, standardiser or run'} file"


def _expected(target: pathlib.Path, wanted: _Wanted) -> str:
    return f"{target}: expected {_file_kind(wanted)} (an .npz archive)"


_SPECIAL_FILES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _special(mode: int) -> str | None:
    """What a file of ``mode`` is when it is not a regular file, else ``None``."""
    if stat.S_ISREG(mode):
        return None
    names = (name for test, name in _SPECIAL_FILES if test(mode))
    return next(names, f"a file of mode {stat.filemode(mode)}")


def _open_file(target: pathlib.Path, appended: bool, wanted: _Wanted) -> BinaryIO:
    """Open ``target`` for reading if it is a regular file, never waiting on anything else.

    ``os.stat`` refuses a FIFO, device or socket before it is opened (opening a
    FIFO waits for a writer; opening a device can act on it). The file is then
    opened without blocking and checked again by its descriptor, in case it
    was replaced between the two.
    """
    expected = _expected(target, wanted)
    try:
        special = _special(os.stat(target).st_mode)
        if special is None:
            nonblocking = getattr(os, "O_NONBLOCK", 0)
            descriptor = os.open(target, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
            try:
                special = _special(os.fstat(descriptor).st_mode)
                if special is None:
                    if nonblocking:
                        os.set_blocking(descriptor, True)
                    return os.fdopen(descriptor, "rb")
            except BaseException:
                os.close(descriptor)
                raise
            os.close(descriptor)
    except FileNotFoundError as error:
        note = f" ({SUFFIX} is appended to paths without it)" if appended else ""
        raise SerialisationError(f"{expected}, got no such file{note}") from error
    except IsADirectoryError as error:
        raise SerialisationError(f"{expected}, got a directory") from error
    except OSError as error:
        raise SerialisationError(
            f"{expected}, got a file that cannot be opened ({error.strerror or error})"
        ) from error
    raise SerialisationError(f"{expected}, got {special}, which is not a regular file")


def describe_file(file: BinaryIO, error: Exception) -> str:
    try:
        size = os.fstat(file.fileno()).st_size
        file.seek(0)
        head = file.read(16)
    except OSError:
        return "an unreadable file"
    if size == 0:
        return "an empty file"
    if head.startswith(b"PK"):
        return (
            f"a damaged or truncated zip archive of {size} bytes ({type(error).__name__}: {error})"
        )
    # numpy's own words here would suggest unpickling the file: leave them to __cause__.
    return f"a file of {size} bytes that is not a zip archive (it begins {head!r})"


def _archive(target: pathlib.Path, file: BinaryIO, wanted: _Wanted) -> NpzFile[Any]:
    """Open ``file`` as an .npz archive; ``file`` stays the caller's to close."""
    try:
        opened: object = np.load(file, allow_pickle=False)
    # numpy and zipfile raise many types (ValueError, EOFError, BadZipFile, OSError,
    # ...) on foreign or damaged files; every one of them means the same thing here.
    except Exception as error:
        raise SerialisationError(
            f"{_expected(target, wanted)}, got {describe_file(file, error)}"
        ) from error
    if isinstance(opened, NpzFile):
        return opened
    shape = opened.shape if isinstance(opened, np.ndarray) else None
    raise SerialisationError(
        f"{_expected(target, wanted)}, got a single .npy array of shape {shape}"
    )


def _read(
    target: pathlib.Path,
    archive: zipfile.ZipFile,
    key: str,
    kinds: str,
    shape: tuple[int, ...],
    what: str,
) -> npt.NDArray[Any]:
    """Read member ``key``, checking its header against ``kinds`` and ``shape`` first."""
    where = f"{target}: {key}"
    try:
        info = archive.getinfo(key + ".npy")
        with archive.open(info) as member:
            version = npy.read_magic(member)
            if version == (1, 0):
                stored, fortran, dtype = npy.read_array_header_1_0(member)
            elif version == (2, 0):
                stored, fortran, dtype = npy.read_array_header_2_0(member)
            else:
                raise SerialisationError(
                    f"{where}: expected an .npy member of version 1.0 or 2.0, got {version}"
                )
            if dtype.hasobject or dtype.kind not in kinds or dtype.itemsize > 4 * _MAX_NAME:
                found = "Python objects (pickled)" if dtype.hasobject else f"dtype {dtype}"
                raise SerialisationError(f"{where}: expected {what}, got {found}")
            if stored != shape:
                raise SerialisationError(
                    f"{where}: expected {what} of shape {shape}, got shape {stored}"
                )
            size = math.prod(shape) * dtype.itemsize
            if info.file_size != member.tell() + size:
                raise SerialisationError(
                    f"{where}: expected {size} bytes of data after the header, the archive "
                    f"records {info.file_size - member.tell()}"
                )
            data = member.read(size)  # reading to the end checks the CRC-32
            if len(data) != size:
                raise SerialisationError(f"{where}: expected {size} bytes of data, got {len(data)}")
    except SerialisationError:
        raise
    except Exception as error:  # zipfile/numpy errors on a damaged member: see _archive
        raise SerialisationError(
            f"{where}: expected an intact archive member, got {type(error).__name__}: {error}"
        ) from error
    raw = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    native: npt.NDArray[Any] = raw.astype(dtype.newbyteorder("="))
    return native


def _scalar_int(target: pathlib.Path, archive: zipfile.ZipFile, key: str) -> int:
    value: int = _read(target, archive, key, "iu", (), "an int scalar").item()
    return value


def _scalar_str(target: pathlib.Path, archive: zipfile.ZipFile, key: str, what: str) -> str:
    value: str = _read(target, archive, key, "U", (), what).item()
    return value


def _check_version(
    target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str], newest: int
) -> None:
    version = _scalar_int(target, archive, "version") if "version" in keys else None
    if version != newest:
        newer = (
            f"; it was written by a newer fnmlp (this one reads versions up to {newest})"
            if version is not None and version > newest
            else ""
        )
        raise SerialisationError(
            f"{target}: version: expected format version {newest}, got {version}{newer}"
        )


def _float_dtype(target: pathlib.Path, archive: zipfile.ZipFile) -> np.dtype[Any]:
    dtype_name = _scalar_str(target, archive, "dtype", "a dtype name")
    if dtype_name not in _DTYPES:
        raise SerialisationError(
            f"{target}: dtype: expected one of {list(_DTYPES)}, got {dtype_name!r}"
        )
    return np.dtype(dtype_name)


def _floats(
    target: pathlib.Path,
    archive: zipfile.ZipFile,
    key: str,
    shape: tuple[int, int],
    dtype: np.dtype[Any],
    label: str,
) -> npt.NDArray[Any]:
    """Member ``key``: a finite array of ``shape`` in the ``dtype`` the file records."""
    array = _read(target, archive, key, "f", shape, f"a {dtype} array")
    if array.dtype != dtype:
        raise SerialisationError(
            f"{target}: {key}: expected a {dtype} array as recorded in 'dtype', "
            f"got dtype {array.dtype}"
        )
    try:
        check_finite(array, label)
    except NonFiniteError as error:
        raise SerialisationError(f"{target}: {error}") from error
    return array


def _magics(wanted: _Wanted) -> list[str]:
    return [magic for magic, kind in _MAGICS.items() if wanted in (None, kind)]


def _contents(target: pathlib.Path, npz: NpzFile[Any], wanted: _Wanted) -> Saved:
    archive = npz.zip
    if archive is None:
        raise SerialisationError(f"{target}: expected an open .npz archive, got a closed one")
    names = archive.namelist()
    duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicates:
        raise SerialisationError(
            f"{target}: expected each key once, got duplicate members {duplicates}"
        )
    keys = {
        name.removesuffix(".npy") if name.endswith(".npy") else name + " (not .npy)"
        for name in names
    }
    magics = " or ".join(repr(magic) for magic in _magics(wanted))
    if "magic" not in keys:
        raise SerialisationError(
            f"{target}: expected {_file_kind(wanted)} (a 'magic' member {magics}), "
            f"got an .npz archive with keys {sorted(keys)}"
        )
    magic = _scalar_str(target, archive, "magic", f"the string {magics}")
    if magic not in _magics(wanted):
        found = _MAGICS.get(magic)
        hint = (
            f": the file holds a {found}; load it with kind={_KIND_NAMES[found]}"
            if found is not None
            else ""
        )
        raise SerialisationError(f"{target}: magic: expected {magics}, got {magic!r}{hint}")
    if _MAGICS[magic] == "standardiser":
        return _standardiser(target, archive, keys)
    if _MAGICS[magic] == "run":
        return _run(target, archive, keys)
    return _params(target, archive, keys)


def _standardiser(
    target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str]
) -> Standardiser[Any]:
    _check_version(target, archive, keys, STANDARDISER_VERSION)
    expected = set(_STANDARDISER_KEYS)
    missing, extra = sorted(expected - keys), sorted(keys - expected)
    if missing or extra:
        raise SerialisationError(
            f"{target}: expected exactly the keys of a standardiser, got missing {missing} "
            f"and extra {extra}"
        )
    n = _scalar_int(target, archive, "features")
    if n < 1:
        raise SerialisationError(
            f"{target}: features: expected a positive number of features, got {n}"
        )
    dtype = _float_dtype(target, archive)
    mean = _floats(target, archive, "mean", (n, 1), dtype, "mean")
    scale = _floats(target, archive, "scale", (n, 1), dtype, "scale")
    return Standardiser(mean=mean, scale=scale)


def _params(target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str]) -> Params[Any]:
    _check_version(target, archive, keys, FORMAT_VERSION)
    L = _layer_count(target, archive, keys)
    expected = {*_META, *(f"{p}{l}" for p in "Wb" for l in range(1, L + 1))}
    missing, extra = sorted(expected - keys), sorted(keys - expected)
    if missing or extra:
        raise SerialisationError(
            f"{target}: expected exactly the keys of a {L}-layer network, got "
            f"missing {missing} and extra {extra}"
        )
    dims, dtype, activations = _architecture(target, archive, L)
    layers: list[Layer[Any]] = []
    for l in range(1, L + 1):
        rows, columns = dims[l], dims[l - 1]
        W = _floats(target, archive, f"W{l}", (rows, columns), dtype, f"W{l} (layer {l})")
        b = _floats(target, archive, f"b{l}", (rows, 1), dtype, f"b{l} (layer {l})")
        layers.append(Layer(W, b, activations[l - 1]))
    return Params(tuple(layers))


def _layer_count(target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str]) -> int:
    L = _scalar_int(target, archive, "layers") if "layers" in keys else 0
    if not 1 <= L <= len(keys):
        raise SerialisationError(
            f"{target}: layers: expected a layer count from 1 to {len(keys)} "
            f"(the archive's member count), got {L if 'layers' in keys else 'no layers member'}"
        )
    return L


def _architecture(
    target: pathlib.Path, archive: zipfile.ZipFile, L: int
) -> tuple[list[int], np.dtype[Any], list[Activation]]:
    """The layer sizes, dtype and activations a params or run file records."""
    dims = _read(target, archive, "dims", "iu", (L + 1,), "int layer sizes")
    if (dims < 1).any():
        raise SerialisationError(
            f"{target}: dims: expected positive layer sizes, got {dims.tolist()}"
        )
    dtype = _float_dtype(target, archive)
    names_array = _read(target, archive, "activations", "U", (L,), "activation names")
    activations = []
    for l in range(1, L + 1):
        name = str(names_array[l - 1])
        if name not in ACTIVATIONS:
            raise SerialisationError(
                f"{target}: activations[{l - 1}] (layer {l}): expected one of "
                f"{sorted(ACTIVATIONS)}, got {name!r}"
            )
        activations.append(ACTIVATIONS[name])
    return [int(n) for n in dims], dtype, activations


def _run(target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str]) -> TrainState[Any]:
    _check_version(target, archive, keys, RUN_VERSION)
    L = _layer_count(target, archive, keys)
    expected = {
        *_META,
        *("has_checkpoint", "has_fingerprint"),
        *("theta", "best_theta", "epoch", "best_epoch", "best_loss", "stopped"),
        *("log_entries", "log_epochs", "log_values"),
    }
    missing = sorted(expected - keys)
    if missing:
        raise SerialisationError(
            f"{target}: expected the keys of a {L}-layer run, got missing {missing}"
        )
    has_checkpoint = _flag(target, archive, "has_checkpoint")
    has_fingerprint = _flag(target, archive, "has_fingerprint")
    expected |= _opt_keys(target, archive, keys, "opt_")
    if has_checkpoint:
        expected |= {"checkpoint_epoch", "checkpoint_theta"}
        expected |= _opt_keys(target, archive, keys, "checkpoint_opt_")
    if has_fingerprint:
        expected |= {
            f"fingerprint_{k}"
            for k in ("loss", "l2", "batch_size", "seed", "schedule", "schedule_args", "dropout")
        }
    missing, extra = sorted(expected - keys), sorted(keys - expected)
    if missing or extra:
        raise SerialisationError(
            f"{target}: expected exactly the keys of a {L}-layer run, got missing {missing} "
            f"and extra {extra}"
        )
    dims, dtype, activations = _architecture(target, archive, L)
    size = sum((n_prev + 1) * n for n_prev, n in itertools.pairwise(dims))

    def network(key: str) -> Params[Any]:
        theta = _floats(target, archive, key, (1, size), dtype, key)
        layers, start = [], 0
        for n_prev, n, activation in zip(dims, dims[1:], activations):
            block = theta[0, start : start + (n_prev + 1) * n].reshape(n_prev + 1, n)
            layers.append(Layer(block[:-1].T, block[-1:].T, activation))
            start += (n_prev + 1) * n
        return Params(tuple(layers))

    def opt_state(prefix: str) -> object:
        return _opt_state(target, archive, keys, prefix, (1, size), dtype)

    params = network("theta")
    best_params = network("best_theta")
    stopped = _flag(target, archive, "stopped")
    checkpoint = None
    if has_checkpoint:
        checkpoint = (
            _scalar_int(target, archive, "checkpoint_epoch"),
            network("checkpoint_theta"),
            opt_state("checkpoint_opt_"),
        )
    fingerprint = None
    if has_fingerprint:
        loss_name = _scalar_str(target, archive, "fingerprint_loss", "a loss name")
        if loss_name not in LOSSES:
            raise SerialisationError(
                f"{target}: fingerprint_loss: expected one of {sorted(LOSSES)}, got {loss_name!r}"
            )
        batch_size = _scalar_int(target, archive, "fingerprint_batch_size")
        fingerprint = Fingerprint(
            LOSSES[loss_name],
            _scalar_float(target, archive, "fingerprint_l2"),
            batch_size or None,
            _scalar_int(target, archive, "fingerprint_seed"),
            _schedule(target, archive, keys, "fingerprint_"),
            _dropout(target, archive, L - 1),
        )
    return TrainState(
        params,
        opt_state("opt_"),
        _scalar_int(target, archive, "epoch"),
        best_params,
        _scalar_int(target, archive, "best_epoch"),
        _scalar_float(target, archive, "best_loss", allow_inf=True),
        bool(stopped),
        _log(target, archive),
        checkpoint,
        fingerprint,
    )


def _dropout(target: pathlib.Path, archive: zipfile.ZipFile, hidden: int) -> tuple[float, ...]:
    rates = _read(target, archive, "fingerprint_dropout", "f", (hidden,), "dropout rates")
    if not ((rates >= 0) & (rates < 1)).all():
        raise SerialisationError(
            f"{target}: fingerprint_dropout: expected rates in [0, 1), got {rates.tolist()}"
        )
    return tuple(float(r) for r in rates) if rates.any() else ()


def _flag(target: pathlib.Path, archive: zipfile.ZipFile, key: str) -> bool:
    value = _scalar_int(target, archive, key)
    if value not in (0, 1):
        raise SerialisationError(f"{target}: {key}: expected 0 or 1, got {value}")
    return bool(value)


def _scalar_float(
    target: pathlib.Path, archive: zipfile.ZipFile, key: str, *, allow_inf: bool = False
) -> float:
    value = float(_read(target, archive, key, "f", (), "a float64 scalar").item())
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise SerialisationError(f"{target}: {key}: expected a finite float, got {value}")
    return value


def _opt_keys(
    target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str], prefix: str
) -> set[str]:
    """The members of the optimiser state stored under ``prefix``, from its recorded kind."""
    if f"{prefix}kind" not in keys:
        raise SerialisationError(
            f"{target}: expected a {prefix}kind member naming the optimiser state, got none"
        )
    kind = _scalar_str(target, archive, f"{prefix}kind", "an optimiser name")
    if kind not in _OPTIMISER_NAMES:
        raise SerialisationError(
            f"{target}: {prefix}kind: expected one of {sorted(_OPTIMISER_NAMES)}, got {kind!r}"
        )
    _, settings, moments = _OPTIMISERS[_OPTIMISER_NAMES[kind]]
    rate = ("schedule", "schedule_args") if f"{prefix}schedule" in keys else ("learning_rate",)
    return {f"{prefix}{k}" for k in ("kind", "count", *rate, *settings, *moments)}


def _schedule(
    target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str], prefix: str
) -> Schedule | None:
    if f"{prefix}schedule" not in keys:
        return None
    kind = _scalar_str(target, archive, f"{prefix}schedule", "a schedule name")
    if kind == "" and prefix == "fingerprint_":  # a constant rate
        _read(target, archive, f"{prefix}schedule_args", "f", (0,), "no arguments")
        return None
    if kind not in _SCHEDULES:
        raise SerialisationError(
            f"{target}: {prefix}schedule: expected one of {sorted(_SCHEDULES)}, got {kind!r}"
        )
    _, arity, build = _SCHEDULES[kind]
    key = f"{prefix}schedule_args"
    args = _read(target, archive, key, "f", (arity,), f"{arity} float64 arguments")
    try:
        return build([float(a) for a in args])
    except SerialisationError as error:
        raise SerialisationError(f"{target}: {key}: {error}") from error
    except FnmlpError as error:
        raise SerialisationError(f"{target}: {key}: {error}") from error


def _opt_state(
    target: pathlib.Path,
    archive: zipfile.ZipFile,
    keys: set[str],
    prefix: str,
    shape: tuple[int, int],
    dtype: np.dtype[Any],
) -> object:
    """The built-in optimiser state stored under ``prefix``, checked by its optimiser's constructor."""
    kind = _scalar_str(target, archive, f"{prefix}kind", "an optimiser name")
    rate: float | Schedule | None = _schedule(target, archive, keys, prefix)
    if rate is None:
        rate = _scalar_float(target, archive, f"{prefix}learning_rate")
    count = _scalar_int(target, archive, f"{prefix}count")
    if count < 0:
        raise SerialisationError(
            f"{target}: {prefix}count: expected a non-negative step count, got {count}"
        )

    def number(name: str) -> float:
        return _scalar_float(target, archive, f"{prefix}{name}")

    def moment(name: str) -> npt.NDArray[Any]:
        return _floats(target, archive, f"{prefix}{name}", shape, dtype, f"{prefix}{name}")

    # each optimiser's constructor checks the recorded settings, as it checks a user's
    try:
        if kind == "sgd":
            sgd(rate)
            return SgdState(rate, count)
        if kind == "momentum":
            nesterov = _scalar_int(target, archive, f"{prefix}nesterov")
            if nesterov not in (0, 1):
                raise SerialisationError(
                    f"{target}: {prefix}nesterov: expected 0 or 1, got {nesterov}"
                )
            beta = number("beta")
            momentum(rate, beta=beta, nesterov=bool(nesterov))
            return MomentumState(rate, beta, bool(nesterov), count, moment("velocity"))
        if kind == "rmsprop":
            rho, eps = number("rho"), number("eps")
            rmsprop(rate, rho=rho, eps=eps)
            return RMSPropState(rate, rho, eps, count, moment("square"))
        beta1, beta2, eps, decay = (number(k) for k in ("beta1", "beta2", "eps", "weight_decay"))
        adamw(rate, beta1, beta2, eps, weight_decay=decay)
        return AdamState(rate, beta1, beta2, eps, decay, count, moment("mean"), moment("square"))
    except SerialisationError:
        raise
    except FnmlpError as error:
        raise SerialisationError(f"{target}: {prefix}{kind}: {error}") from error


def _log(target: pathlib.Path, archive: zipfile.ZipFile) -> Log:
    k = _scalar_int(target, archive, "log_entries")
    epochs = _read(target, archive, "log_epochs", "iu", (k,), "int epochs")
    values = _read(target, archive, "log_values", "f", (k, 4), "float64 log values")
    if values.dtype != np.float64:
        raise SerialisationError(
            f"{target}: log_values: expected a float64 array, got dtype {values.dtype}"
        )
    if k and ((epochs[1:] <= epochs[:-1]).any() or epochs[0] < 0):
        raise SerialisationError(
            f"{target}: log_epochs: expected increasing non-negative epochs, got "
            f"{epochs.tolist()!r:.80}"
        )
    if np.isinf(values).any():
        raise SerialisationError(
            f"{target}: log_values: expected finite numbers (NaN where not tracked), got infinity"
        )
    log: Log = None
    for epoch, (loss, accuracy, val_loss, val_accuracy) in zip(epochs.tolist(), values.tolist()):
        entry = (int(epoch), float(loss), float(accuracy), float(val_loss), float(val_accuracy))
        log = (entry, log)
    return log


_KIND_NAMES = {"params": "Params", "standardiser": "Standardiser", "run": "TrainState"}


def _wanted(kind: object) -> _Wanted:
    if kind is None:
        return None
    if kind is Params:
        return "params"
    if kind is Standardiser:
        return "standardiser"
    if kind is TrainState:
        return "run"
    shown = kind.__name__ if isinstance(kind, type) else f"a {type(kind).__name__}"
    raise DTypeError(
        f"kind: expected fnmlp.Params, fnmlp.datasets.Standardiser, fnmlp.TrainState or None, "
        f"got {shown}"
    )


@overload
def load(path: str | os.PathLike[str], *, kind: type[Params[Any]] = Params) -> Params[Any]: ...
@overload
def load(path: str | os.PathLike[str], *, kind: type[Standardiser[Any]]) -> Standardiser[Any]: ...
@overload
def load(path: str | os.PathLike[str], *, kind: type[TrainState[Any]]) -> TrainState[Any]: ...
@overload
def load(path: str | os.PathLike[str], *, kind: None) -> Saved: ...
def load(
    path: str | os.PathLike[str],
    *,
    kind: type[Params[Any]] | type[Standardiser[Any]] | type[TrainState[Any]] | None = Params,
) -> Saved:
    """Read what :func:`save` wrote, checking everything before trusting any of it.

    The file is opened with ``allow_pickle=False``, and only if it is a
    regular file. ``load`` checks the magic marker (which says whether the
    file holds params or a standardiser), the format version, that the
    archive holds exactly the expected keys, and every member's dtype, shape
    and stored size against the recorded dtype and sizes before reading its
    data (so a tampered header cannot make it allocate more than the archive
    holds); then the zip checksums, the activation names and finiteness. It
    builds ``Params`` or a ``Standardiser`` through the public constructors,
    which copy, check and freeze the arrays.

    Args:
        path: the file; ``.npz`` is appended unless ``path`` ends in it, as
            :func:`save` does.
        kind: what the file must hold: ``fnmlp.Params`` (the default),
            ``fnmlp.datasets.Standardiser``, ``fnmlp.TrainState`` (a run), or
            ``None`` for whichever it holds. The return type follows ``kind``; with ``None`` it is
            :data:`Saved`, to be told apart with ``isinstance``.

    Returns:
        The network, the standardiser or the run, in the dtype it was saved
        in, with read-only arrays. A run's optimiser state, schedule and loss
        are rebuilt through their public constructors, which check them.

    Raises:
        DTypeError: if ``path`` is not a str or ``os.PathLike``, or ``kind``
            is none of the three.
        SerialisationError: for a missing file, a directory or any other file
            that is not a regular file (a FIFO, a device), a path holding NUL,
            an empty, truncated, damaged or tampered file, a file from another
            program or of another ``kind``, an unknown format version or
            activation, pickled objects, wrong dtypes or shapes, or NaN and
            infinity. The message names the path, what was expected and what
            was found; the underlying error is chained.

    Examples:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from fnmlp import init, load, save
        >>> from fnmlp.datasets import Standardiser, standardise
        >>> params = init([3, 2], dtype=np.float32, seed=0)
        >>> scaler = standardise([[1.0, 2.0, 6.0]])
        >>> with tempfile.TemporaryDirectory() as directory:
        ...     restored = load(save(params, os.path.join(directory, "net.npz")))
        ...     written = save(scaler, os.path.join(directory, "scaler"))
        ...     loaded = load(written, kind=Standardiser)
        ...     either = load(written, kind=None)
        ...     load(written)
        Traceback (most recent call last):
        ...
        fnmlp.errors.SerialisationError: ...scaler.npz: magic: expected 'fnmlp-params', got 'fnmlp-standardiser': the file holds a standardiser; load it with kind=Standardiser
        >>> print(restored, restored.layers[0].W.flags.writeable)
        Params([3, 2], sigmoid, float32) False
        >>> print(loaded.mean, isinstance(either, Standardiser))
        [[3.]] True
        >>> load("no/such/model")
        Traceback (most recent call last):
        ...
        fnmlp.errors.SerialisationError: no/such/model.npz: expected an fnmlp params file (an .npz archive), got no such file (.npz is appended to paths without it)

        A whole run, resumed from its file exactly as from memory:

        >>> from fnmlp import TrainState, adam, binary_cross_entropy, train
        >>> X, Y = [[0, 0, 1, 1], [0, 1, 0, 1]], [[0, 1, 1, 0]]
        >>> settings = dict(loss=binary_cross_entropy, optimizer=adam(0.05), batch_size=2)
        >>> first = train(init([2, 4, 1], seed=0), X, Y, epochs=30, **settings)
        >>> with tempfile.TemporaryDirectory() as directory:
        ...     run = load(save(first.state, os.path.join(directory, "run")), kind=TrainState)
        >>> resumed = train(run, X, Y, epochs=30, **settings)
        >>> once = train(init([2, 4, 1], seed=0), X, Y, epochs=60, **settings)
        >>> print(run.epoch, np.array_equal(resumed.params.theta, once.params.theta))
        30 True
    """
    wanted = _wanted(kind)
    target, appended = _npz_path(path)
    # load opens the file itself: np.load leaks the handle it opens when the zip is damaged.
    with _open_file(target, appended, wanted) as file, _archive(target, file, wanted) as npz:
        try:
            return _contents(target, npz, wanted)
        except SerialisationError:
            raise
        except FnmlpError as error:  # the records' own checks, after everything above
            raise SerialisationError(f"{target}: {error}") from error
