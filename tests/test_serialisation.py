"""Tests of fnmlp.serialisation: exact round trips, atomic writes, and every damaged file refused."""

from __future__ import annotations

import io
import os
import pathlib
import pickle
import threading
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fnmlp import (
    ACTIVATIONS,
    Activation,
    Layer,
    Params,
    TrainState,
    binary_cross_entropy,
    cosine_decay,
    forward,
    init,
    leaky_relu,
    linear,
    load,
    momentum,
    relu,
    save,
    sigmoid,
    softmax,
    tanh,
    train,
)
from fnmlp.datasets import Standardiser, standardise
from fnmlp.errors import DTypeError, SerialisationError
from fnmlp.serialisation import (
    FORMAT_VERSION,
    MAGIC,
    STANDARDISER_MAGIC,
    STANDARDISER_VERSION,
    Saved,
)

Members = dict[str, npt.NDArray[Any]]
FLOAT_DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
KEYS_2_LAYERS = [
    "W1",
    "W2",
    "activations",
    "b1",
    "b2",
    "dims",
    "dtype",
    "layers",
    "magic",
    "version",
]


def network(dtype: type[Any] = np.float64) -> Params[Any]:
    return init([4, 3, 2], activations=[tanh, softmax], scheme="he", seed=7, dtype=dtype)


def assert_same(a: Params[Any], b: Params[Any]) -> None:
    """Equal array for array, bit for bit (so -0.0 and subnormals too), same dtype and activations."""
    assert len(a.layers) == len(b.layers)
    for x, y in zip(a.layers, b.layers):
        for u, v in ((x.W, y.W), (x.b, y.b)):
            assert u.dtype == v.dtype
            assert u.shape == v.shape
            assert u.tobytes() == v.tobytes()
        assert x.activation is y.activation


def members(path: pathlib.Path) -> Members:
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def write(path: pathlib.Path, contents: Members, *, allow_pickle: bool = False) -> pathlib.Path:
    """Write an archive with exactly ``contents`` (numpy.savez, as a tampering program would)."""
    with open(path, "wb") as file:
        np.savez(file, allow_pickle=allow_pickle, **contents)
    return path


def tampered(tmp_path: pathlib.Path, **changes: npt.NDArray[Any] | None) -> pathlib.Path:
    """A saved 2-layer network with members replaced (or removed, for None)."""
    path = save(network(), tmp_path / "model")
    contents = members(path)
    for key, value in changes.items():
        if value is None:
            del contents[key]
        else:
            contents[key] = value
    return write(path, contents)


def refused(
    path: str | os.PathLike[str], *fragments: str, kind: type[Any] | None = Params
) -> SerialisationError:
    """Assert ``load(path, kind=kind)`` raises SerialisationError naming the path and fragments."""
    with pytest.raises(SerialisationError) as info:
        load(path, kind=kind)
    message = str(info.value)
    shown = os.fspath(path)
    assert str(pathlib.Path(shown if shown.endswith(".npz") else shown + ".npz")) in message
    for fragment in fragments:
        assert fragment in message
    return info.value


# ----------------------------------------------------------------------------- round trips


@FLOAT_DTYPES
def test_round_trip_is_exact_and_forward_identical(
    tmp_path: pathlib.Path, dtype: type[Any]
) -> None:
    params = init(
        [5, 4, 3, 3, 2],
        activations=[relu, leaky_relu, sigmoid, linear],
        scheme="standard",
        seed=3,
        dtype=dtype,
    )
    path = save(params, tmp_path / "model.npz")
    restored = load(path)
    assert_same(params, restored)
    assert restored.dtype == np.dtype(dtype)
    X = np.random.default_rng(0).normal(size=(5, 9))
    Yhat, cache = forward(params, X)
    Yhat2, cache2 = forward(restored, X)
    assert Yhat2.dtype == np.dtype(dtype)
    assert Yhat.tobytes() == Yhat2.tobytes()
    for Z, Z2 in zip(cache.Z, cache2.Z):
        assert np.array_equal(Z, Z2)


def test_loaded_arrays_are_read_only_copies(tmp_path: pathlib.Path) -> None:
    restored = load(save(network(), tmp_path / "model"))
    for layer in restored.layers:
        assert not layer.W.flags.writeable
        assert not layer.b.flags.writeable
        assert np.shares_memory(layer.W, restored.theta)  # views of the packed parameters
        with pytest.raises(ValueError, match="read-only"):
            layer.W[0, 0] = 1.0


def test_suffix_is_appended_consistently_by_save_and_load(tmp_path: pathlib.Path) -> None:
    params = network()
    written = save(params, tmp_path / "model")
    assert written == tmp_path / "model.npz"
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    assert_same(load(tmp_path / "model"), params)  # the path the user passed
    assert_same(load(str(written)), params)
    assert save(params, str(tmp_path / "other.npz")) == tmp_path / "other.npz"
    assert save(params, tmp_path / "model.v2") == tmp_path / "model.v2.npz"
    assert sorted(os.listdir(tmp_path)) == ["model.npz", "model.v2.npz", "other.npz"]


def test_the_suffix_is_matched_in_any_case(tmp_path: pathlib.Path) -> None:
    params = network()
    assert save(params, tmp_path / "Model.NPZ") == tmp_path / "Model.NPZ"
    assert save(params, str(tmp_path / "other.Npz")) == tmp_path / "other.Npz"
    assert sorted(os.listdir(tmp_path)) == ["Model.NPZ", "other.Npz"]
    assert_same(load(tmp_path / "Model.NPZ"), params)
    assert_same(load(str(tmp_path / "other.Npz")), params)


@pytest.mark.parametrize("name", ["folder/", ".", "..", "folder/.", "folder/.."], ids=repr)
def test_a_path_that_names_a_directory_is_refused(tmp_path: pathlib.Path, name: str) -> None:
    (tmp_path / "folder").mkdir()
    path = str(tmp_path) + os.sep + name
    for call in (lambda: save(network(), path), lambda: load(path)):
        with pytest.raises(
            SerialisationError,
            match=r"^path: expected a file name such as 'model\.npz', got .*, which names a "
            r"directory$",
        ):
            call()
    assert os.listdir(tmp_path) == ["folder"] and os.listdir(tmp_path / "folder") == []


@pytest.mark.parametrize("name", [".npz", ".NPZ", ".nPz"])
def test_a_file_name_with_nothing_before_the_suffix_is_refused(
    tmp_path: pathlib.Path, name: str
) -> None:
    # It would be a hidden file, as save(params, "folder/") used to write.
    for path in (tmp_path / name, str(tmp_path / name)):
        with pytest.raises(
            SerialisationError, match=r"^path: expected a file name with a stem before \.npz"
        ):
            save(network(), path)
        with pytest.raises(SerialisationError, match=r"^path: expected a file name with a stem"):
            load(path)
    assert os.listdir(tmp_path) == []
    # a hidden stem of its own is a name like any other
    assert save(network(), tmp_path / ".model") == tmp_path / ".model.npz"


def test_save_does_not_mutate_params(tmp_path: pathlib.Path) -> None:
    params = network()
    before = [(layer.W.copy(), layer.b.copy(), layer.activation) for layer in params.layers]
    save(params, tmp_path / "model")
    for (W, b, activation), layer in zip(before, params.layers):
        assert np.array_equal(W, layer.W) and np.array_equal(b, layer.b)
        assert activation is layer.activation


def test_file_layout_is_plain_arrays_with_fixed_width_names(tmp_path: pathlib.Path) -> None:
    path = save(network(np.float32), tmp_path / "model")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert sorted(info.filename for info in infos) == sorted(k + ".npy" for k in KEYS_2_LAYERS)
        assert all(info.compress_type == zipfile.ZIP_STORED for info in infos)
    contents = members(path)  # allow_pickle=False: nothing in it needs pickle
    assert not any(array.dtype.hasobject for array in contents.values())
    assert contents["magic"].item() == MAGIC == "fnmlp-params"
    assert contents["version"].item() == FORMAT_VERSION == 1
    assert contents["dtype"].item() == "float32"
    assert contents["layers"].item() == 2
    assert contents["dims"].tolist() == [4, 3, 2]
    assert contents["activations"].dtype.kind == "U"
    assert contents["activations"].tolist() == ["tanh", "softmax"]
    assert contents["W1"].dtype == np.float32 and contents["W1"].shape == (3, 4)
    assert contents["b2"].shape == (2, 1)


def test_big_endian_and_fortran_ordered_members_load_equal(tmp_path: pathlib.Path) -> None:
    params = network()
    path = save(params, tmp_path / "model")
    contents = members(path)
    for key in ("W1", "W2"):
        contents[key] = np.asfortranarray(contents[key])
    for key in ("b1", "b2", "version", "layers", "dims"):
        contents[key] = contents[key].astype(contents[key].dtype.newbyteorder(">"))
    restored = load(write(path, contents))
    assert_same(params, restored)
    assert restored.layers[0].W.dtype.isnative


@st.composite
def networks(draw: st.DrawFn) -> Params[Any]:
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    dims = draw(st.lists(st.integers(1, 5), min_size=2, max_size=5))
    layers = []
    for l in range(1, len(dims)):
        shapes = ((dims[l], dims[l - 1]), (dims[l], 1))
        W, b = (
            draw(hnp.arrays(dtype, shape, elements={"allow_nan": False, "allow_infinity": False}))
            for shape in shapes
        )
        activation = draw(st.sampled_from(sorted(ACTIVATIONS.values(), key=lambda a: a.name)))
        layers.append(Layer(W, b, activation))
    return Params(tuple(layers))


@given(params=networks())
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip_over_random_architectures_and_values(
    tmp_path: pathlib.Path, params: Params[Any]
) -> None:
    # Any finite values (extremes, -0.0, subnormals), any dtype, depth and activations.
    assert_same(load(save(params, tmp_path / "model")), params)


# ----------------------------------------------------------------------------- save


def test_save_replaces_atomically_and_leaves_no_temporary_files(tmp_path: pathlib.Path) -> None:
    old, new = network(), init([4, 3, 2], seed=99)
    path = save(old, tmp_path / "model")
    assert save(new, tmp_path / "model") == path
    assert_same(load(path), new)
    assert os.listdir(tmp_path) == ["model.npz"]
    # a name at the file system's limit (255 bytes) is saved too: the temporary name is short
    longest = "m" * 251 + ".npz"
    assert save(new, tmp_path / longest).name == longest
    assert_same(load(tmp_path / longest), new)


def test_crash_while_writing_keeps_the_old_file_and_cleans_up(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = network()
    path = save(old, tmp_path / "model")

    def crash(file: io.BufferedWriter, **_: Any) -> None:
        file.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        save(init([4, 3, 2], seed=1), path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.npz"]
    assert_same(load(path), old)


def test_save_into_missing_directory_says_so(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "missing" / "model"
    with pytest.raises(SerialisationError, match="expected a writable file path") as info:
        save(network(), target)
    assert str(target) + ".npz" in str(info.value)
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_save_onto_a_directory_says_so_and_leaves_it(tmp_path: pathlib.Path) -> None:
    (tmp_path / "model.npz").mkdir()
    with pytest.raises(SerialisationError, match=r"model\.npz: expected a writable file path"):
        save(network(), tmp_path / "model.npz")
    assert os.listdir(tmp_path) == ["model.npz"]
    assert (tmp_path / "model.npz").is_dir()


@pytest.mark.parametrize("bad", ["weights", None, [network()], network().layers[0]])
def test_save_refuses_anything_but_params(tmp_path: pathlib.Path, bad: Any) -> None:
    with pytest.raises(
        DTypeError, match=r"^value: expected fnmlp Params, a Standardiser or a TrainState, got"
    ):
        save(bad, tmp_path / "model")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("bad", [b"model.npz", 3, None])
def test_save_and_load_refuse_paths_of_the_wrong_type(bad: Any) -> None:
    with pytest.raises(DTypeError, match=r"path: expected a str or os.PathLike"):
        save(network(), bad)
    with pytest.raises(DTypeError, match=r"path: expected a str or os.PathLike"):
        load(bad)


def test_empty_path_is_refused() -> None:
    with pytest.raises(SerialisationError, match="path: expected a file name, got ''"):
        save(network(), "")


def test_save_refuses_custom_activations_load_could_not_find(tmp_path: pathlib.Path) -> None:
    swish = Activation("swish", relu.fn, relu.derivative)
    impostor = Activation("relu", sigmoid.fn, sigmoid.derivative)
    for activation, name in ((swish, "'swish'"), (impostor, "'relu'")):
        params = Params((Layer(np.ones((2, 2)), np.zeros((2, 1)), relu),
                         Layer(np.ones((1, 2)), np.zeros((1, 1)), activation)))  # fmt: skip
        with pytest.raises(SerialisationError, match="layer 2") as info:
            save(params, tmp_path / "model")
        assert f"custom Activation named {name}" in str(info.value)
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- bad files


def test_nonexistent_path(tmp_path: pathlib.Path) -> None:
    error = refused(tmp_path / "nothing", "got no such file", ".npz is appended")
    assert isinstance(error.__cause__, FileNotFoundError)
    refused(tmp_path / "nothing.npz", "got no such file")


def test_directory(tmp_path: pathlib.Path) -> None:
    (tmp_path / "folder.npz").mkdir()
    error = refused(
        tmp_path / "folder",
        "expected an fnmlp params file",
        "got a directory, which is not a regular file",
    )
    assert error.__cause__ is None  # refused by os.stat, before anything is opened


def test_empty_file(tmp_path: pathlib.Path) -> None:
    (tmp_path / "model.npz").write_bytes(b"")
    error = refused(tmp_path / "model.npz", "expected an fnmlp params file", "got an empty file")
    assert error.__cause__ is not None


def test_plain_text_file(tmp_path: pathlib.Path) -> None:
    (tmp_path / "model.npz").write_text("W1 = [[1, 2], [3, 4]]\n")
    error = refused(
        tmp_path / "model.npz", "a file of 22 bytes that is not a zip archive", "W1 = [["
    )
    assert "allow_pickle" not in str(error)  # never numpy's hint to load it unsafely


def test_pickle_file_is_never_unpickled(tmp_path: pathlib.Path) -> None:
    (tmp_path / "model.npz").write_bytes(pickle.dumps({"W1": np.ones((2, 2))}))
    error = refused(tmp_path / "model.npz", "not a zip archive")
    assert "allow_pickle" in str(error.__cause__) and "allow_pickle" not in str(error)


def test_single_npy_array(tmp_path: pathlib.Path) -> None:
    with open(tmp_path / "model.npz", "wb") as file:
        np.save(file, np.ones((3, 2)))
    refused(tmp_path / "model.npz", "got a single .npy array of shape (3, 2)")


def test_archive_from_another_program(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / "model.npz", {"arr_0": np.ones((3, 2)), "arr_1": np.zeros(3)})
    refused(path, "expected an fnmlp params file (a 'magic' member", "['arr_0', 'arr_1']")
    with zipfile.ZipFile(tmp_path / "notes.npz", "w") as archive:
        archive.writestr("readme.txt", "hello")
    refused(tmp_path / "notes", "got an .npz archive with keys ['readme.txt (not .npy)']")


def test_wrong_magic(tmp_path: pathlib.Path) -> None:
    refused(
        tampered(tmp_path, magic=np.array("keras-h5")),
        "magic: expected 'fnmlp-params', got 'keras-h5'",
    )
    refused(
        tampered(tmp_path, magic=np.array(b"fnmlp-params")),
        "magic: expected the string 'fnmlp-params', got dtype |S12",
    )
    refused(
        tampered(tmp_path, magic=np.array(["fnmlp-params"])),
        "magic: expected the string",
        "got shape (1,)",
    )


@pytest.mark.parametrize(
    ("version", "fragments"),
    [
        (np.array(2), ["expected format version 1, got 2", "written by a newer fnmlp"]),
        (np.array(0), ["expected format version 1, got 0"]),
        (np.array(-1), ["expected format version 1, got -1"]),
        (np.array(1.0), ["version: expected an int scalar, got dtype float64"]),
        (np.array("1"), ["version: expected an int scalar, got dtype <U1"]),
        (None, ["version: expected format version 1, got None"]),
    ],
)
def test_unknown_format_version(
    tmp_path: pathlib.Path, version: npt.NDArray[Any] | None, fragments: list[str]
) -> None:
    refused(tampered(tmp_path, version=version), *fragments)


@pytest.mark.parametrize("key", ["W2", "b1", "dims", "activations", "dtype"])
def test_key_missing(tmp_path: pathlib.Path, key: str) -> None:
    refused(tampered(tmp_path, **{key: None}), f"missing ['{key}'] and extra []")


def test_key_added(tmp_path: pathlib.Path) -> None:
    refused(tampered(tmp_path, notes=np.array("hi")), "missing [] and extra ['notes']")
    refused(tampered(tmp_path, W3=np.ones((1, 2))), "extra ['W3']")


def test_member_without_npy_suffix(tmp_path: pathlib.Path) -> None:
    path = save(network(), tmp_path / "model")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("W1", b"\x93NUMPY")
    refused(path, "extra ['W1 (not .npy)']")


def test_duplicate_member(tmp_path: pathlib.Path) -> None:
    path = save(network(), tmp_path / "model")
    extra = io.BytesIO()
    np.lib.format.write_array(extra, np.zeros((3, 4)))
    with zipfile.ZipFile(path, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("W1.npy", extra.getvalue())
    refused(path, "duplicate members ['W1.npy']")


@pytest.mark.parametrize(
    ("layers", "fragments"),
    [
        (np.array(3), ["missing ['W3', 'b3']"]),
        (np.array(1), ["extra ['W2', 'b2']"]),
        (np.array(0), ["layers: expected a layer count from 1 to 10", "got 0"]),
        (np.array(10**12), ["got 1000000000000"]),
        (np.array([2]), ["layers: expected an int scalar of shape ()", "got shape (1,)"]),
    ],
)
def test_layer_count_tampered(
    tmp_path: pathlib.Path, layers: npt.NDArray[Any], fragments: list[str]
) -> None:
    refused(tampered(tmp_path, layers=layers), *fragments)


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        (
            {"W1": np.ones((3, 4), np.float32)},
            ["W1: expected a float64 array as recorded", "float32"],
        ),
        ({"b2": np.ones((2, 1), np.int64)}, ["b2: expected a float64 array, got dtype int64"]),
        ({"W2": np.ones((2, 3), np.float16)}, ["W2: expected a float64 array", "float16"]),
        ({"W2": np.ones((2, 3), np.complex128)}, ["W2: expected a float64 array", "complex128"]),
        ({"W1": np.ones((3, 4), np.longdouble)}, ["W1: expected a float64 array"]),
        (
            {"dtype": np.array("float16")},
            ["dtype: expected one of ['float32', 'float64'], got 'float16'"],
        ),
        (
            {"dtype": np.array("float32")},
            ["W1: expected a float32 array as recorded", "got dtype float64"],
        ),
        (
            {"dims": np.array([4.0, 3.0, 2.0])},
            ["dims: expected int layer sizes, got dtype float64"],
        ),
    ],
    ids=[
        "W32-in-f64",
        "int-bias",
        "float16",
        "complex",
        "longdouble",
        "dtype-f16",
        "dtype-lies",
        "float-dims",
    ],
)
def test_wrong_dtype(
    tmp_path: pathlib.Path, changes: dict[str, npt.NDArray[Any]], fragments: list[str]
) -> None:
    refused(tampered(tmp_path, **changes), *fragments)


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        (
            {"W2": np.ones((2, 4))},
            ["W2: expected a float64 array of shape (2, 3), got shape (2, 4)"],
        ),
        (
            {"W1": np.ones((4, 3))},
            ["W1: expected a float64 array of shape (3, 4), got shape (4, 3)"],
        ),
        ({"b1": np.ones((3,))}, ["b1: expected a float64 array of shape (3, 1), got shape (3,)"]),
        (
            {"b2": np.ones((1, 2))},
            ["b2: expected a float64 array of shape (2, 1), got shape (1, 2)"],
        ),
        (
            {"dims": np.array([4, 5, 2])},
            ["W1: expected a float64 array of shape (5, 4), got shape (3, 4)"],
        ),
        (
            {"dims": np.array([4, 3])},
            ["dims: expected int layer sizes of shape (3,), got shape (2,)"],
        ),
        ({"dims": np.array([4, 0, 2])}, ["dims: expected positive layer sizes, got [4, 0, 2]"]),
        (
            {"W2": np.ones((2, 5)), "b1": np.ones((5, 1)), "W1": np.ones((5, 4))},
            ["W1: expected a float64 array of shape (3, 4), got shape (5, 4)"],
        ),
        (
            {"activations": np.array(["tanh"])},
            ["activations: expected activation names of shape (2,)"],
        ),
    ],
)
def test_shapes_that_do_not_chain(
    tmp_path: pathlib.Path, changes: dict[str, npt.NDArray[Any]], fragments: list[str]
) -> None:
    refused(tampered(tmp_path, **changes), *fragments)


def test_header_claiming_a_huge_array_is_refused_without_allocating(tmp_path: pathlib.Path) -> None:
    path = tampered(tmp_path, dims=np.array([4, 10**6, 2]))
    contents = members(path)
    del contents["W1"]
    write(path, contents)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 4)}
    )
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("W1.npy", header.getvalue() + bytes(16))
    refused(path, "W1: expected 32000000 bytes of data after the header, the archive records 16")


@pytest.mark.parametrize(
    ("key", "index", "value", "fragment"),
    [
        ("W1", (0, 0), np.nan, "W1 (layer 1): expected finite values, got nan at index (0, 0)"),
        ("W2", (1, 2), np.inf, "W2 (layer 2): expected finite values, got inf at index (1, 2)"),
        ("b2", (1, 0), -np.inf, "b2 (layer 2): expected finite values, got -inf at index (1, 0)"),
    ],
)
def test_non_finite_values(
    tmp_path: pathlib.Path, key: str, index: tuple[int, int], value: float, fragment: str
) -> None:
    path = save(network(), tmp_path / "model")
    contents = members(path)
    array = contents[key].copy()
    array[index] = value
    contents[key] = array
    refused(write(path, contents), fragment)


@pytest.mark.parametrize(
    ("names", "fragment"),
    [
        (
            np.array(["tanh", "swish"]),
            "activations[1] (layer 2): expected one of ['leaky_relu', 'linear', 'relu', 'sigmoid', 'softmax', 'tanh'], got 'swish'",
        ),
        (np.array(["Tanh", "softmax"]), "activations[0] (layer 1): expected one of"),
        (np.array(["", "softmax"]), "got ''"),
        (np.array([b"tanh", b"softmax"]), "activations: expected activation names, got dtype |S7"),
        (np.array([1, 2]), "activations: expected activation names, got dtype int64"),
    ],
)
def test_unknown_activation(tmp_path: pathlib.Path, names: npt.NDArray[Any], fragment: str) -> None:
    refused(tampered(tmp_path, activations=names), fragment)


@pytest.mark.parametrize("key", ["activations", "W1", "magic", "version"])
def test_object_arrays_are_never_unpickled(tmp_path: pathlib.Path, key: str) -> None:
    path = save(network(), tmp_path / "model")
    contents = members(path)
    contents[key] = np.array([*contents[key].reshape(-1).tolist(), None], dtype=object)
    write(path, contents, allow_pickle=True)
    refused(path, f"{key}: expected", "got Python objects (pickled)")


def test_custom_object_pickles_do_not_execute(tmp_path: pathlib.Path) -> None:
    path = save(network(), tmp_path / "model")
    contents = members(path)
    contents["activations"] = np.array([Tripwire(), "softmax"], dtype=object)
    write(path, contents, allow_pickle=True)
    refused(path, "activations: expected activation names, got Python objects (pickled)")
    assert not TRIPPED


TRIPPED: list[str] = []


def _trip(note: str) -> None:
    TRIPPED.append(note)


class Tripwire:
    """Unpickling one of these would call ``_trip``."""

    def __reduce__(self) -> tuple[Callable[[str], None], tuple[str]]:
        return (_trip, ("unpickled",))


# ----------------------------------------------------------------------------- damaged bytes


def scaler(dtype: type[Any] = np.float64) -> Standardiser[Any]:
    X = np.random.default_rng(5).normal(3.0, 2.0, size=(3, 7)).astype(dtype)
    return standardise(X)


def small_run() -> TrainState[Any]:
    """A short run with every part a run file holds: moments, a schedule, a log, a checkpoint."""
    X, Y = np.array([[0.0, 1.0, 2.0, 3.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])
    optimizer = momentum(cosine_decay(0.5, steps=20), nesterov=True)
    return train(
        init([1, 1], seed=4),
        X,
        Y,
        loss=binary_cross_entropy,
        optimizer=optimizer,
        epochs=4,
        batch_size=2,
        log_every=2,
        l2=0.01,
    ).state


def assert_same_run(a: TrainState[Any], b: TrainState[Any]) -> None:
    """Every field of two runs equal, arrays bit for bit."""
    for u, v in ((a.params, b.params), (a.best_params, b.best_params)):
        assert_same(u, v)
    assert (a.epoch, a.best_epoch, a.stopped) == (b.epoch, b.best_epoch, b.stopped)
    assert a.best_loss == b.best_loss
    assert type(a.opt_state) is type(b.opt_state)
    assert a.opt_state.count == b.opt_state.count
    assert a.opt_state.velocity.tobytes() == b.opt_state.velocity.tobytes()
    assert a.opt_state.learning_rate.name == b.opt_state.learning_rate.name
    assert (a.opt_state.beta, a.opt_state.nesterov) == (b.opt_state.beta, b.opt_state.nesterov)
    assert a.history.epochs == b.history.epochs
    assert a.history.train_loss == b.history.train_loss
    assert a.checkpoint is not None and b.checkpoint is not None
    assert a.checkpoint[0] == b.checkpoint[0]
    assert_same(a.checkpoint[1], b.checkpoint[1])
    assert a.fingerprint is not None and b.fingerprint is not None
    assert (a.fingerprint.l2, a.fingerprint.batch_size, a.fingerprint.seed) == (
        b.fingerprint.l2,
        b.fingerprint.batch_size,
        b.fingerprint.seed,
    )
    assert a.fingerprint.loss is b.fingerprint.loss


def assert_same_saved(a: Saved, b: Saved) -> None:
    """Equal bit for bit: params as ``assert_same`` does, standardisers array by array, runs field by field."""
    if isinstance(a, Params):
        assert isinstance(b, Params)
        assert_same(a, b)
        return
    if isinstance(a, TrainState):
        assert isinstance(b, TrainState)
        assert_same_run(a, b)
        return
    assert isinstance(b, Standardiser)
    for u, v in ((a.mean, b.mean), (a.scale, b.scale)):
        assert u.dtype == v.dtype and u.shape == v.shape and u.tobytes() == v.tobytes()


@pytest.fixture(params=["params", "standardiser", "run"])
def model_bytes(tmp_path: pathlib.Path, request: pytest.FixtureRequest) -> tuple[Saved, bytes]:
    # one layer: eight members, about 2 kB; a standardiser: six members; a run: 33 members
    value: Saved
    if request.param == "params":
        value = init([2, 1], seed=4)
    elif request.param == "standardiser":
        value = scaler()
    else:
        value = RUN
    return value, save(value, tmp_path / "model").read_bytes()


RUN = small_run()


def test_truncated_at_every_offset_is_refused(
    tmp_path: pathlib.Path, model_bytes: tuple[Saved, bytes]
) -> None:
    value, data = model_bytes
    path = tmp_path / "cut.npz"
    offsets = sorted({*range(0, len(data), 13), 1, 4, 22, len(data) - 22, len(data) - 1})
    for offset in offsets:
        path.write_bytes(data[:offset])
        refused(path, "expected", kind=type(value))
        refused(path, "expected", kind=None)


def test_trailing_garbage_after_the_archive(
    tmp_path: pathlib.Path, model_bytes: tuple[Saved, bytes]
) -> None:
    value, data = model_bytes
    path = tmp_path / "long.npz"
    path.write_bytes(data + b"\x00" * 7)
    # zip readers locate the directory from the end; garbage there breaks it or is ignored.
    try:
        assert_same_saved(load(path, kind=None), value)
    except SerialisationError as error:
        assert str(path) in str(error)


def test_every_flipped_byte_is_refused_or_harmless(
    tmp_path: pathlib.Path, model_bytes: tuple[Saved, bytes]
) -> None:
    value, data = model_bytes
    path = tmp_path / "flipped.npz"
    refusals = 0
    # a run file (about 10 kB, 39 members) is probed at every 7th byte, the others at each
    stride = 7 if isinstance(value, TrainState) else 1
    offsets = range(0, len(data), stride)
    for offset in offsets:
        damaged = bytearray(data)
        damaged[offset] ^= 1 << ((offset // stride) % 8)
        path.write_bytes(bytes(damaged))
        try:
            restored = load(path, kind=None)
        except SerialisationError as error:
            assert str(path) in str(error)
            refusals += 1
        else:  # a byte zip ignores (a timestamp, an attribute): the load must be identical
            assert_same_saved(restored, value)
    # every member's data, npy header and CRC is protected, so most flips are refused.
    assert refusals > len(offsets) // 2


@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8)
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_damage_is_refused_or_harmless(
    tmp_path: pathlib.Path,
    model_bytes: tuple[Saved, bytes],
    flips: list[tuple[int, int]],
) -> None:
    value, data = model_bytes
    damaged = bytearray(data)
    for offset, byte in flips:
        damaged[offset % len(data)] = byte
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(damaged))
    try:
        restored = load(path, kind=type(value))
    except SerialisationError as error:
        assert str(path) in str(error)
    else:
        assert_same_saved(restored, value)


# ----------------------------------------------------------------------------- paths that are not files


@pytest.mark.parametrize("path", ["mod\0el", "model.npz\0", pathlib.PurePosixPath("a\0b.npz")])
def test_a_path_holding_nul_is_a_serialisation_error_naming_path(
    tmp_path: pathlib.Path, path: Any
) -> None:
    with pytest.raises(SerialisationError, match=r"^path: expected a path without NUL characters"):
        save(network(), path)
    with pytest.raises(SerialisationError, match=r"^path: expected a path without NUL characters"):
        load(path)
    with pytest.raises(SerialisationError, match=r"^path: expected a path without NUL"):
        save(scaler(), tmp_path / "x\0y")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: pathlib.Path) -> None:
    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)
    outcome: list[BaseException | object] = []

    def attempt() -> None:
        try:
            outcome.append(load(fifo))
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # load is waiting on the FIFO: free it by opening the other end
        with open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "wb"):
            pass
        worker.join(timeout=10)
        pytest.fail("load waited on a FIFO instead of refusing it")
    (error,) = outcome
    assert isinstance(error, SerialisationError)
    assert str(error) == (
        f"{fifo}: expected an fnmlp params file (an .npz archive), got a FIFO (named pipe), "
        "which is not a regular file"
    )


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs a character device")
def test_a_device_is_refused_before_it_is_opened(tmp_path: pathlib.Path) -> None:
    link = tmp_path / "null.npz"
    link.symlink_to("/dev/null")
    refused(link, "got a character device, which is not a regular file", kind=None)


def test_a_symlink_to_a_model_is_followed(tmp_path: pathlib.Path) -> None:
    path = save(network(), tmp_path / "model")
    (tmp_path / "link.npz").symlink_to(path)
    assert_same(load(tmp_path / "link.npz"), network())


# ----------------------------------------------------------------------------- standardisers


@FLOAT_DTYPES
def test_standardiser_round_trip_is_exact(tmp_path: pathlib.Path, dtype: type[Any]) -> None:
    original = scaler(dtype)
    path = save(original, tmp_path / "scaler")
    assert path.name == "scaler.npz"
    restored: Standardiser[Any] = load(path, kind=Standardiser)
    assert_same_saved(restored, original)
    assert restored.mean.dtype == np.dtype(dtype)
    assert not restored.mean.flags.writeable and not restored.scale.flags.writeable
    X = np.random.default_rng(1).normal(size=(3, 4)).astype(dtype)
    assert original.apply(X).tobytes() == restored.apply(X).tobytes()


def test_standardiser_file_layout(tmp_path: pathlib.Path) -> None:
    contents = members(save(scaler(np.float32), tmp_path / "scaler"))
    assert sorted(contents) == ["dtype", "features", "magic", "mean", "scale", "version"]
    assert contents["magic"].dtype.kind == "U" and str(contents["magic"]) == STANDARDISER_MAGIC
    assert int(contents["version"]) == STANDARDISER_VERSION
    assert str(contents["dtype"]) == "float32" and int(contents["features"]) == 3
    assert contents["mean"].shape == contents["scale"].shape == (3, 1)


def test_load_of_either_kind_returns_what_the_file_holds(tmp_path: pathlib.Path) -> None:
    net_path = save(network(), tmp_path / "net")
    scaler_path = save(scaler(), tmp_path / "scaler")
    either: Saved = load(net_path, kind=None)
    assert isinstance(either, Params)
    assert_same(either, network())
    other: Saved = load(scaler_path, kind=None)
    assert isinstance(other, Standardiser)
    assert_same_saved(other, scaler())


def test_a_file_of_the_other_kind_is_refused_with_the_kind_to_ask_for(
    tmp_path: pathlib.Path,
) -> None:
    net_path = save(network(), tmp_path / "net")
    scaler_path = save(scaler(), tmp_path / "scaler")
    refused(
        scaler_path,
        "magic: expected 'fnmlp-params', got 'fnmlp-standardiser': the file holds a "
        "standardiser; load it with kind=Standardiser",
    )
    refused(
        net_path,
        "magic: expected 'fnmlp-standardiser', got 'fnmlp-params': the file holds a params; "
        "load it with kind=Params",
        kind=Standardiser,
    )


@pytest.mark.parametrize("kind", [Layer, "params", 3, np.float64], ids=str)
def test_load_refuses_an_unknown_kind(tmp_path: pathlib.Path, kind: Any) -> None:
    path = save(network(), tmp_path / "net")
    with pytest.raises(
        DTypeError,
        match=r"^kind: expected fnmlp.Params, fnmlp.datasets.Standardiser, fnmlp.TrainState or None",
    ):
        load(path, kind=kind)


def tampered_scaler(tmp_path: pathlib.Path, **changes: npt.NDArray[Any] | None) -> pathlib.Path:
    """A saved float64 standardiser of three features with members replaced (or removed)."""
    path = save(scaler(), tmp_path / "scaler")
    contents = members(path)
    for key, value in changes.items():
        if value is None:
            del contents[key]
        else:
            contents[key] = value
    return write(path, contents)


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"magic": np.array("sklearn-scaler")}, ["magic: expected", "got 'sklearn-scaler'"]),
        ({"version": np.array(2)}, ["expected format version 1, got 2", "newer fnmlp"]),
        ({"version": None}, ["version: expected format version 1, got None"]),
        ({"mean": None}, ["keys of a standardiser, got missing ['mean'] and extra []"]),
        ({"W1": np.ones((1, 1))}, ["missing [] and extra ['W1']"]),
        ({"features": np.array(0)}, ["features: expected a positive number of features, got 0"]),
        ({"features": np.array(4)}, ["mean: expected a float64 array of shape (4, 1), got shape"]),
        ({"features": np.array(3.0)}, ["features: expected an int scalar, got dtype float64"]),
        ({"dtype": np.array("float16")}, ["dtype: expected one of ['float32', 'float64']"]),
        ({"dtype": np.array("float32")}, ["mean: expected a float32 array as recorded in"]),
        ({"mean": np.ones((3, 2))}, ["mean: expected a float64 array of shape (3, 1)"]),
        ({"scale": np.ones(3)}, ["scale: expected a float64 array of shape (3, 1)"]),
        ({"scale": np.ones((3, 1), dtype=np.float32)}, ["scale: expected a float64 array as"]),
        ({"scale": np.array([[1.0], [0.0], [1.0]])}, ["scale: expected finite positive values"]),
        ({"scale": np.array([[1.0], [-2.0], [1.0]])}, ["scale: expected finite positive values"]),
        ({"mean": np.array([[np.nan], [0.0], [1.0]])}, ["mean: expected finite values"]),
        ({"scale": np.array([[np.inf], [1.0], [1.0]])}, ["scale: expected finite values"]),
        ({"mean": np.array([[1], [2], [3]])}, ["mean: expected a float64 array, got dtype int64"]),
    ],
)
def test_tampered_standardiser_files_are_refused(
    tmp_path: pathlib.Path, changes: dict[str, Any], fragments: list[str]
) -> None:
    path = tampered_scaler(tmp_path, **changes)
    refused(path, *fragments, kind=Standardiser)
    refused(path, *fragments, kind=None)


def test_standardiser_object_members_are_never_unpickled(tmp_path: pathlib.Path) -> None:
    path = tampered_scaler(tmp_path)
    contents = members(path)
    contents["mean"] = np.array([[Tripwire()], [1.0], [2.0]], dtype=object)
    write(path, contents, allow_pickle=True)
    refused(path, "mean: expected a float64 array, got Python objects (pickled)", kind=None)
    assert not TRIPPED


@pytest.mark.parametrize(
    ("key", "short", "long"),
    [
        (
            "activations",
            lambda s: np.array([s, "softmax"]),
            "activations: expected activation names",
        ),
        ("magic", np.array, "magic: expected the string 'fnmlp-params'"),
        ("dtype", np.array, "dtype: expected a dtype name"),
    ],
)
def test_strings_longer_than_64_characters_are_refused_unread(
    tmp_path: pathlib.Path, key: str, short: Callable[[str], npt.NDArray[Any]], long: str
) -> None:
    # 64 characters are read (and then found wrong by name); 100 are refused by their dtype
    read = refused(tampered(tmp_path, **{key: short("x" * 64)}), "x" * 64)
    assert "got dtype" not in str(read)
    refused(tampered(tmp_path, **{key: short("x" * 100)}), long, "got dtype <U100")
