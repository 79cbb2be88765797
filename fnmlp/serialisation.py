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
  (``inf`` before any measurement); ``plateau``: ``[scale, best, since]`` of
  :class:`fnmlp.Plateau`, as float64;
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
import os
import pathlib
import secrets
from collections import Counter
from typing import Any, TypeAlias, overload

import numpy as np
import numpy.typing as npt
from numpy.lib.npyio import NpzFile

from fnmlp._npz import SUFFIX as SUFFIX  # re-exported: the suffix save appends
from fnmlp._npz import (
    Wanted,
    check_version,
    file_kind,
    npz_path,
    open_archive,
    open_file,
    scalar_str,
)
from fnmlp._paramfiles import (
    params_members,
    read_params,
    read_standardiser,
    standardiser_members,
)
from fnmlp._runfiles import read_run, run_members
from fnmlp.datasets import Standardiser
from fnmlp.errors import DTypeError, FnmlpError, SerialisationError
from fnmlp.records import Params
from fnmlp.runs import TrainState

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

_MAGICS = {MAGIC: "params", STANDARDISER_MAGIC: "standardiser", RUN_MAGIC: "run"}


def _header(magic: str, version: int) -> dict[str, npt.NDArray[Any]]:
    """The ``magic`` and ``version`` members every file begins with."""
    return {"magic": np.array(magic), "version": np.array(version, dtype=np.int64)}


# ----------------------------------------------------------------------------- save


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
    target, _ = npz_path(path)
    # each kind's magic and version first, then its own members (fnmlp._paramfiles, _runfiles)
    if isinstance(value, Params):
        members = {**_header(MAGIC, FORMAT_VERSION), **params_members(value)}
    elif isinstance(value, TrainState):
        members = {**_header(RUN_MAGIC, RUN_VERSION), **run_members(value)}
    else:
        header = _header(STANDARDISER_MAGIC, STANDARDISER_VERSION)
        members = {**header, **standardiser_members(value)}
    # a short name of its own: the target's name plus a suffix could pass the file system's limit
    temporary = target.with_name(f".fnmlp-{secrets.token_hex(8)}.tmp")
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


def _magics(wanted: Wanted) -> list[str]:
    return [magic for magic, kind in _MAGICS.items() if wanted in (None, kind)]


def _contents(target: pathlib.Path, npz: NpzFile[Any], wanted: Wanted) -> Saved:
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
            f"{target}: expected {file_kind(wanted)} (a 'magic' member {magics}), "
            f"got an .npz archive with keys {sorted(keys)}"
        )
    magic = scalar_str(target, archive, "magic", f"the string {magics}")
    if magic not in _magics(wanted):
        found = _MAGICS.get(magic)
        hint = (
            f": the file holds a {found}; load it with kind={_KIND_NAMES[found]}"
            if found is not None
            else ""
        )
        raise SerialisationError(f"{target}: magic: expected {magics}, got {magic!r}{hint}")
    if _MAGICS[magic] == "standardiser":
        check_version(target, archive, keys, STANDARDISER_VERSION)
        return read_standardiser(target, archive, keys)
    if _MAGICS[magic] == "run":
        check_version(target, archive, keys, RUN_VERSION)
        return read_run(target, archive, keys)
    check_version(target, archive, keys, FORMAT_VERSION)
    return read_params(target, archive, keys)


_KIND_NAMES = {"params": "Params", "standardiser": "Standardiser", "run": "TrainState"}


def _wanted(kind: object) -> Wanted:
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
    target, appended = npz_path(path)
    # load opens the file itself: np.load leaks the handle it opens when the zip is damaged.
    with open_file(target, appended, wanted) as file, open_archive(target, file, wanted) as npz:
        try:
            return _contents(target, npz, wanted)
        except SerialisationError:
            raise
        except FnmlpError as error:  # the records' own checks, after everything above
            raise SerialisationError(f"{target}: {error}") from error
