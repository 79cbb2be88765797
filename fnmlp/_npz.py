"""The ``.npz`` archives of :mod:`fnmlp.serialisation`: paths, opening, and members read and checked.

How :func:`fnmlp.save` and :func:`fnmlp.load` name, open and read an
archive, shared by the codecs of every kind of file (:mod:`fnmlp._paramfiles`,
:mod:`fnmlp._optfiles`, :mod:`fnmlp._runfiles`): a member's header is checked
against the dtype and shape expected before its data is read, so a tampered
file cannot make ``load`` allocate more than the archive holds, and every
failure is a :class:`~fnmlp.errors.SerialisationError` naming the file and
the member.
"""

from __future__ import annotations

import math
import os
import pathlib
import stat
import zipfile
from typing import Any, BinaryIO, TypeAlias

import numpy as np
import numpy.typing as npt
from numpy.lib import format as npy
from numpy.lib.npyio import NpzFile

from fnmlp._validate import check_finite
from fnmlp.errors import DTypeError, NonFiniteError, SerialisationError

SUFFIX = ".npz"
MAX_NAME = 64  # the longest string member load reads (magic, dtype, activation names)
DTYPES = ("float32", "float64")


# What load is asked for: "params", "standardiser", "run", or None for any.
Wanted: TypeAlias = str | None


def npz_path(path: object) -> tuple[pathlib.Path, bool]:
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


def file_kind(wanted: Wanted) -> str:
    return f"an fnmlp {wanted or 'params, standardiser or run'} file"


def expected_file(target: pathlib.Path, wanted: Wanted) -> str:
    return f"{target}: expected {file_kind(wanted)} (an .npz archive)"


_SPECIAL_FILES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_kind(mode: int) -> str | None:
    """What a file of ``mode`` is when it is not a regular file, else ``None``."""
    if stat.S_ISREG(mode):
        return None
    names = (name for test, name in _SPECIAL_FILES if test(mode))
    return next(names, f"a file of mode {stat.filemode(mode)}")


def open_file(target: pathlib.Path, appended: bool, wanted: Wanted) -> BinaryIO:
    """Open ``target`` for reading if it is a regular file, never waiting on anything else.

    ``os.stat`` refuses a FIFO, device or socket before it is opened (opening a
    FIFO waits for a writer; opening a device can act on it). The file is then
    opened without blocking and checked again by its descriptor, in case it
    was replaced between the two.
    """
    expected = expected_file(target, wanted)
    try:
        special = special_kind(os.stat(target).st_mode)
        if special is None:
            nonblocking = getattr(os, "O_NONBLOCK", 0)
            descriptor = os.open(target, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
            try:
                special = special_kind(os.fstat(descriptor).st_mode)
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


def open_archive(target: pathlib.Path, file: BinaryIO, wanted: Wanted) -> NpzFile[Any]:
    """Open ``file`` as an .npz archive; ``file`` stays the caller's to close."""
    try:
        opened: object = np.load(file, allow_pickle=False)
    # numpy and zipfile raise many types (ValueError, EOFError, BadZipFile, OSError,
    # ...) on foreign or damaged files; every one of them means the same thing here.
    except Exception as error:
        raise SerialisationError(
            f"{expected_file(target, wanted)}, got {describe_file(file, error)}"
        ) from error
    if isinstance(opened, NpzFile):
        return opened
    shape = opened.shape if isinstance(opened, np.ndarray) else None
    raise SerialisationError(
        f"{expected_file(target, wanted)}, got a single .npy array of shape {shape}"
    )


def read_member(
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
            if dtype.hasobject or dtype.kind not in kinds or dtype.itemsize > 4 * MAX_NAME:
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
    except Exception as error:  # zipfile/numpy errors on a damaged member: see open_archive
        raise SerialisationError(
            f"{where}: expected an intact archive member, got {type(error).__name__}: {error}"
        ) from error
    raw = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    native: npt.NDArray[Any] = raw.astype(dtype.newbyteorder("="))
    return native


def scalar_int(target: pathlib.Path, archive: zipfile.ZipFile, key: str) -> int:
    value: int = read_member(target, archive, key, "iu", (), "an int scalar").item()
    return value


def scalar_str(target: pathlib.Path, archive: zipfile.ZipFile, key: str, what: str) -> str:
    value: str = read_member(target, archive, key, "U", (), what).item()
    return value


def scalar_float(
    target: pathlib.Path, archive: zipfile.ZipFile, key: str, *, allow_inf: bool = False
) -> float:
    value = float(read_member(target, archive, key, "f", (), "a float64 scalar").item())
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise SerialisationError(f"{target}: {key}: expected a finite float, got {value}")
    return value


def read_flag(target: pathlib.Path, archive: zipfile.ZipFile, key: str) -> bool:
    value = scalar_int(target, archive, key)
    if value not in (0, 1):
        raise SerialisationError(f"{target}: {key}: expected 0 or 1, got {value}")
    return bool(value)


def check_version(
    target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str], newest: int
) -> None:
    version = scalar_int(target, archive, "version") if "version" in keys else None
    if version != newest:
        newer = (
            f"; it was written by a newer fnmlp (this one reads versions up to {newest})"
            if version is not None and version > newest
            else ""
        )
        raise SerialisationError(
            f"{target}: version: expected format version {newest}, got {version}{newer}"
        )


def float_dtype(target: pathlib.Path, archive: zipfile.ZipFile) -> np.dtype[Any]:
    dtype_name = scalar_str(target, archive, "dtype", "a dtype name")
    if dtype_name not in DTYPES:
        raise SerialisationError(
            f"{target}: dtype: expected one of {list(DTYPES)}, got {dtype_name!r}"
        )
    return np.dtype(dtype_name)


def floats(
    target: pathlib.Path,
    archive: zipfile.ZipFile,
    key: str,
    shape: tuple[int, int],
    dtype: np.dtype[Any],
    label: str,
) -> npt.NDArray[Any]:
    """Member ``key``: a finite array of ``shape`` in the ``dtype`` the file records."""
    array = read_member(target, archive, key, "f", shape, f"a {dtype} array")
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


def float_member(value: object, name: str) -> npt.NDArray[Any]:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        try:
            return np.array(float(value), dtype=np.float64)
        except OverflowError:
            pass
    raise SerialisationError(f"{name}: expected a float, got {type(value).__name__} {value!r:.60}")


def int_member(value: object, name: str) -> npt.NDArray[Any]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < 2**63:
        return np.array(int(value), dtype=np.int64)
    raise SerialisationError(
        f"{name}: expected an int in [0, 2**63), got {type(value).__name__} {value!r:.60}"
    )
