"""``save`` and ``load``: params or a standardiser in one ``.npz`` file, checked on the way back.

A file holds one :class:`~fnmlp.Params` or one
:class:`~fnmlp.datasets.Standardiser` (the statistics that scale a model's
inputs, or its regression targets, belong with it). Each is an uncompressed
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
import math
import os
import pathlib
import secrets
import stat
import zipfile
from collections import Counter
from typing import Any, BinaryIO, TypeAlias, overload

import numpy as np
import numpy.typing as npt
from numpy.lib import format as npy
from numpy.lib.npyio import NpzFile

from fnmlp._validate import check_finite
from fnmlp.activations import ACTIVATIONS
from fnmlp.datasets import Standardiser
from fnmlp.errors import DTypeError, FnmlpError, NonFiniteError, SerialisationError
from fnmlp.records import Layer, Params

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
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

Saved: TypeAlias = Params[Any] | Standardiser[Any]
"""What a file written by :func:`save` holds: a network or a :class:`~fnmlp.datasets.Standardiser`."""

SUFFIX = ".npz"
_META = ("magic", "version", "dtype", "layers", "dims", "activations")
_STANDARDISER_KEYS = ("magic", "version", "dtype", "features", "mean", "scale")
_MAGICS = {MAGIC: "params", STANDARDISER_MAGIC: "standardiser"}
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


def _members(params: Params[Any]) -> dict[str, npt.NDArray[Any]]:
    for l, layer in enumerate(params.layers, start=1):
        name = layer.activation.name
        if ACTIVATIONS.get(name) is not layer.activation:
            raise SerialisationError(
                f"params.layers[{l - 1}].activation (layer {l}): expected a built-in "
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
    """Write ``value`` (params or a standardiser) to one ``.npz`` file, atomically.

    The archive is first written to a hidden temporary file beside the target,
    flushed to disk, then renamed over the target (``os.replace``), so a crash
    leaves either the old file or the new one, never half of one.

    Args:
        value: a network (``Params``; every activation must be one of
            ``fnmlp.ACTIVATIONS`` so that ``load`` can find it by name) or a
            :class:`~fnmlp.datasets.Standardiser`.
        path: where to write; ``.npz`` is appended unless ``path`` ends in it.

    Returns:
        The path written: ``path``, with ``.npz`` appended if it was missing.

    Raises:
        DTypeError: if ``value`` is neither ``Params`` nor a ``Standardiser``,
            or ``path`` is not a str or ``os.PathLike``.
        SerialisationError: if an activation is not a built-in one, ``path``
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
        fnmlp.errors.DTypeError: value: expected fnmlp Params or a Standardiser, got str
        >>> save(init([2, 1], seed=0), "models/")
        Traceback (most recent call last):
        ...
        fnmlp.errors.SerialisationError: path: expected a file name such as 'model.npz', got 'models/', which names a directory
    """
    if not isinstance(value, (Params, Standardiser)):
        raise DTypeError(
            f"value: expected fnmlp Params or a Standardiser, got {type(value).__name__}"
        )
    target, _ = _npz_path(path)
    members = _members(value) if isinstance(value, Params) else _standardiser_members(value)
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


# What load is asked for: "params", "standardiser", or None for either.
_Wanted: TypeAlias = str | None


def _file_kind(wanted: _Wanted) -> str:
    return f"an fnmlp {wanted or 'params or standardiser'} file"


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
    L = _scalar_int(target, archive, "layers") if "layers" in keys else 0
    if not 1 <= L <= len(keys):
        raise SerialisationError(
            f"{target}: layers: expected a layer count from 1 to {len(keys)} "
            f"(the archive's member count), got {L if 'layers' in keys else 'no layers member'}"
        )
    expected = {*_META, *(f"{p}{l}" for p in "Wb" for l in range(1, L + 1))}
    missing, extra = sorted(expected - keys), sorted(keys - expected)
    if missing or extra:
        raise SerialisationError(
            f"{target}: expected exactly the keys of a {L}-layer network, got "
            f"missing {missing} and extra {extra}"
        )
    dims = _read(target, archive, "dims", "iu", (L + 1,), "int layer sizes")
    if (dims < 1).any():
        raise SerialisationError(
            f"{target}: dims: expected positive layer sizes, got {dims.tolist()}"
        )
    dtype = _float_dtype(target, archive)
    names_array = _read(target, archive, "activations", "U", (L,), "activation names")
    layers: list[Layer[Any]] = []
    for l in range(1, L + 1):
        name = str(names_array[l - 1])
        if name not in ACTIVATIONS:
            raise SerialisationError(
                f"{target}: activations[{l - 1}] (layer {l}): expected one of "
                f"{sorted(ACTIVATIONS)}, got {name!r}"
            )
        rows, columns = int(dims[l]), int(dims[l - 1])
        W = _floats(target, archive, f"W{l}", (rows, columns), dtype, f"W{l} (layer {l})")
        b = _floats(target, archive, f"b{l}", (rows, 1), dtype, f"b{l} (layer {l})")
        layers.append(Layer(W, b, ACTIVATIONS[name]))
    return Params(tuple(layers))


_KIND_NAMES = {"params": "Params", "standardiser": "Standardiser"}


def _wanted(kind: object) -> _Wanted:
    if kind is None:
        return None
    if kind is Params:
        return "params"
    if kind is Standardiser:
        return "standardiser"
    shown = kind.__name__ if isinstance(kind, type) else f"a {type(kind).__name__}"
    raise DTypeError(
        f"kind: expected fnmlp.Params, fnmlp.datasets.Standardiser or None, got {shown}"
    )


@overload
def load(path: str | os.PathLike[str], *, kind: type[Params[Any]] = Params) -> Params[Any]: ...
@overload
def load(path: str | os.PathLike[str], *, kind: type[Standardiser[Any]]) -> Standardiser[Any]: ...
@overload
def load(path: str | os.PathLike[str], *, kind: None) -> Saved: ...
def load(
    path: str | os.PathLike[str],
    *,
    kind: type[Params[Any]] | type[Standardiser[Any]] | None = Params,
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
            ``fnmlp.datasets.Standardiser``, or ``None`` for whichever it
            holds. The return type follows ``kind``; with ``None`` it is
            :data:`Saved`, to be told apart with ``isinstance``.

    Returns:
        The network or the standardiser, in the dtype it was saved in, with
        read-only arrays.

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
