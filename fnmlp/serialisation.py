"""``save`` and ``load``: a network's params in one ``.npz`` file, checked on the way back.

The file is an uncompressed ``numpy.savez`` archive of plain arrays, never
pickles. Its members, for a network of ``L`` layers:

- ``magic``: ``"fnmlp-params"`` (:data:`MAGIC`), naming the format;
- ``version``: the format version, an int (:data:`FORMAT_VERSION`);
- ``dtype``: ``"float32"`` or ``"float64"``;
- ``layers``: ``L``, an int;
- ``dims``: ``(n_x, n_1, ..., n_L)``, ints of shape ``(L + 1,)``;
- ``activations``: each layer's activation name, fixed-width unicode of shape ``(L,)``;
- ``W1`` ... ``WL`` and ``b1`` ... ``bL``: layer ``l``'s weights ``(n_l, n_prev)``
  and bias ``(n_l, 1)``, in ``dtype``.

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
refused rather than turned into a hidden file.

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
import zipfile
from collections import Counter
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
from numpy.lib import format as npy
from numpy.lib.npyio import NpzFile

from fnmlp._validate import check_finite
from fnmlp.activations import ACTIVATIONS
from fnmlp.errors import DTypeError, FnmlpError, NonFiniteError, SerialisationError
from fnmlp.records import Layer, Params

__all__ = ["FORMAT_VERSION", "MAGIC", "load", "save"]

MAGIC = "fnmlp-params"
"""The value of every params file's ``magic`` member."""

FORMAT_VERSION = 1
"""The format version ``save`` writes and the newest one ``load`` reads."""

SUFFIX = ".npz"
_META = ("magic", "version", "dtype", "layers", "dims", "activations")
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


def save(params: Params[Any], path: str | os.PathLike[str]) -> pathlib.Path:
    """Write ``params`` to one ``.npz`` file, atomically, and return the path written.

    The archive is first written to a hidden temporary file beside the target,
    flushed to disk, then renamed over the target (``os.replace``), so a crash
    leaves either the old file or the new one, never half of one.

    Args:
        params: the network; every activation must be one of
            ``fnmlp.ACTIVATIONS`` so that ``load`` can find it by name.
        path: where to write; ``.npz`` is appended unless ``path`` ends in it.

    Returns:
        The path written: ``path``, with ``.npz`` appended if it was missing.

    Raises:
        DTypeError: if ``params`` is not ``Params`` or ``path`` is not a str or
            ``os.PathLike``.
        SerialisationError: if an activation is not a built-in one, ``path``
            names a directory or has an empty file name, or the file cannot be
            written (missing directory, no permission, ...).

    Examples:
        >>> import os, tempfile
        >>> from fnmlp import init, save
        >>> with tempfile.TemporaryDirectory() as directory:
        ...     print(save(init([2, 1], seed=0), os.path.join(directory, "net")).name)
        net.npz
        >>> save("weights", "net")
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: params: expected fnmlp Params, got str
        >>> save(init([2, 1], seed=0), "models/")
        Traceback (most recent call last):
        ...
        fnmlp.errors.SerialisationError: path: expected a file name such as 'model.npz', got 'models/', which names a directory
    """
    if not isinstance(params, Params):
        raise DTypeError(f"params: expected fnmlp Params, got {type(params).__name__}")
    target, _ = _npz_path(path)
    members = _members(params)
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


def _expected(target: pathlib.Path) -> str:
    return f"{target}: expected an fnmlp params file (an .npz archive)"


def _open_file(target: pathlib.Path, appended: bool) -> BinaryIO:
    try:
        return open(target, "rb")
    except FileNotFoundError as error:
        note = f" ({SUFFIX} is appended to paths without it)" if appended else ""
        raise SerialisationError(f"{_expected(target)}, got no such file{note}") from error
    except IsADirectoryError as error:
        raise SerialisationError(f"{_expected(target)}, got a directory") from error
    except OSError as error:
        raise SerialisationError(
            f"{_expected(target)}, got a file that cannot be opened ({error.strerror or error})"
        ) from error


def _describe_file(file: BinaryIO, error: Exception) -> str:
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


def _archive(target: pathlib.Path, file: BinaryIO) -> NpzFile[Any]:
    """Open ``file`` as an .npz archive; ``file`` stays the caller's to close."""
    try:
        opened: object = np.load(file, allow_pickle=False)
    # numpy and zipfile raise many types (ValueError, EOFError, BadZipFile, OSError,
    # ...) on foreign or damaged files; every one of them means the same thing here.
    except Exception as error:
        raise SerialisationError(
            f"{_expected(target)}, got {_describe_file(file, error)}"
        ) from error
    if isinstance(opened, NpzFile):
        return opened
    shape = opened.shape if isinstance(opened, np.ndarray) else None
    raise SerialisationError(f"{_expected(target)}, got a single .npy array of shape {shape}")


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


def _contents(target: pathlib.Path, npz: NpzFile[Any]) -> Params[Any]:
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
    if "magic" not in keys:
        raise SerialisationError(
            f"{target}: expected an fnmlp params file (a 'magic' member {MAGIC!r}), "
            f"got an .npz archive with keys {sorted(keys)}"
        )
    magic = _scalar_str(target, archive, "magic", f"the string {MAGIC!r}")
    if magic != MAGIC:
        raise SerialisationError(f"{target}: magic: expected {MAGIC!r}, got {magic!r}")
    version = _scalar_int(target, archive, "version") if "version" in keys else None
    if version != FORMAT_VERSION:
        newer = (
            f"; it was written by a newer fnmlp (this one reads versions up to {FORMAT_VERSION})"
            if version is not None and version > FORMAT_VERSION
            else ""
        )
        raise SerialisationError(
            f"{target}: version: expected format version {FORMAT_VERSION}, got {version}{newer}"
        )
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
    dtype_name = _scalar_str(target, archive, "dtype", "a dtype name")
    if dtype_name not in _DTYPES:
        raise SerialisationError(
            f"{target}: dtype: expected one of {list(_DTYPES)}, got {dtype_name!r}"
        )
    dtype = np.dtype(dtype_name)
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
        arrays = []
        for key, shape in ((f"W{l}", (rows, columns)), (f"b{l}", (rows, 1))):
            array = _read(target, archive, key, "f", shape, f"a {dtype} array")
            if array.dtype != dtype:
                raise SerialisationError(
                    f"{target}: {key}: expected a {dtype} array as recorded in 'dtype', "
                    f"got dtype {array.dtype}"
                )
            try:
                check_finite(array, f"{key} (layer {l})")
            except NonFiniteError as error:
                raise SerialisationError(f"{target}: {error}") from error
            arrays.append(array)
        layers.append(Layer(arrays[0], arrays[1], ACTIVATIONS[name]))
    return Params(tuple(layers))


def load(path: str | os.PathLike[str]) -> Params[Any]:
    """Read params written by :func:`save`, checking everything before trusting any of it.

    The file is opened with ``allow_pickle=False``. ``load`` checks the magic
    marker, the format version, that the archive holds exactly the expected
    keys, and every member's dtype, shape and stored size against the
    recorded dtype and layer sizes before reading its data (so a tampered
    header cannot make it allocate more than the archive holds); then the zip
    checksums, the activation names and finiteness. It builds ``Params``
    through the public constructors, which copy, check and freeze the arrays.

    Args:
        path: the file; ``.npz`` is appended unless ``path`` ends in it, as
            :func:`save` does.

    Returns:
        The network, in the dtype it was saved in, with read-only arrays.

    Raises:
        DTypeError: if ``path`` is not a str or ``os.PathLike``.
        SerialisationError: for a missing file, a directory, an empty, truncated,
            damaged or tampered file, a file from another program, an unknown
            format version or activation, pickled objects, wrong dtypes or
            shapes, or NaN and infinity. The message names the path, what was
            expected and what was found; the underlying error is chained.

    Examples:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from fnmlp import init, load, save
        >>> params = init([3, 2], dtype=np.float32, seed=0)
        >>> with tempfile.TemporaryDirectory() as directory:
        ...     restored = load(save(params, os.path.join(directory, "net.npz")))
        >>> print(restored, restored.layers[0].W.flags.writeable)
        Params([3, 2], sigmoid, float32) False
        >>> load("no/such/model")
        Traceback (most recent call last):
        ...
        fnmlp.errors.SerialisationError: no/such/model.npz: expected an fnmlp params file (an .npz archive), got no such file (.npz is appended to paths without it)
    """
    target, appended = _npz_path(path)
    # load opens the file itself: np.load leaks the handle it opens when the zip is damaged.
    with _open_file(target, appended) as file, _archive(target, file) as npz:
        try:
            return _contents(target, npz)
        except SerialisationError:
            raise
        except FnmlpError as error:  # the records' own checks, after everything above
            raise SerialisationError(f"{target}: {error}") from error
