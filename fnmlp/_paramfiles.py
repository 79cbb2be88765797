"""The members of params and standardiser files, written and read back checked.

A network is stored as its dtype, layer count, sizes, activation names and
one ``W{l}``, ``b{l}`` pair per layer; a standardiser as its dtype, feature
count, mean and scale. :mod:`fnmlp.serialisation` puts each kind's magic and
version in front and checks them before these readers run.
"""

from __future__ import annotations

import pathlib
import zipfile
from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp._npz import float_dtype, floats, read_member, scalar_int
from fnmlp.activations import ACTIVATIONS, Activation
from fnmlp.datasets import Standardiser
from fnmlp.errors import SerialisationError
from fnmlp.records import Layer, Params

META = ("magic", "version", "dtype", "layers", "dims", "activations")
STANDARDISER_KEYS = ("magic", "version", "dtype", "features", "mean", "scale")


def params_members(params: Params[Any], label: str = "params") -> dict[str, npt.NDArray[Any]]:
    for l, layer in enumerate(params.layers, start=1):
        name = layer.activation.name
        if ACTIVATIONS.get(name) is not layer.activation:
            raise SerialisationError(
                f"{label}.layers[{l - 1}].activation (layer {l}): expected a built-in "
                f"activation ({', '.join(sorted(ACTIVATIONS))}) that load can find by name, "
                f"got a custom Activation named {name!r}"
            )
    members: dict[str, npt.NDArray[Any]] = {
        "dtype": np.array(str(params.dtype)),
        "layers": np.array(len(params.layers), dtype=np.int64),
        "dims": np.array(params.dims, dtype=np.int64),
        "activations": np.array([layer.activation.name for layer in params.layers]),
    }
    for l, layer in enumerate(params.layers, start=1):
        members[f"W{l}"] = layer.W
        members[f"b{l}"] = layer.b
    return members


def read_params(target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str]) -> Params[Any]:
    L = layer_count(target, archive, keys)
    expected = {*META, *(f"{p}{l}" for p in "Wb" for l in range(1, L + 1))}
    missing, extra = sorted(expected - keys), sorted(keys - expected)
    if missing or extra:
        raise SerialisationError(
            f"{target}: expected exactly the keys of a {L}-layer network, got "
            f"missing {missing} and extra {extra}"
        )
    dims, dtype, activations = architecture(target, archive, L)
    layers: list[Layer[Any]] = []
    for l in range(1, L + 1):
        rows, columns = dims[l], dims[l - 1]
        W = floats(target, archive, f"W{l}", (rows, columns), dtype, f"W{l} (layer {l})")
        b = floats(target, archive, f"b{l}", (rows, 1), dtype, f"b{l} (layer {l})")
        layers.append(Layer(W, b, activations[l - 1]))
    return Params(tuple(layers))


def layer_count(target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str]) -> int:
    L = scalar_int(target, archive, "layers") if "layers" in keys else 0
    if not 1 <= L <= len(keys):
        raise SerialisationError(
            f"{target}: layers: expected a layer count from 1 to {len(keys)} "
            f"(the archive's member count), got {L if 'layers' in keys else 'no layers member'}"
        )
    return L


def architecture(
    target: pathlib.Path, archive: zipfile.ZipFile, L: int
) -> tuple[list[int], np.dtype[Any], list[Activation]]:
    """The layer sizes, dtype and activations a params or run file records."""
    dims = read_member(target, archive, "dims", "iu", (L + 1,), "int layer sizes")
    if (dims < 1).any():
        raise SerialisationError(
            f"{target}: dims: expected positive layer sizes, got {dims.tolist()}"
        )
    dtype = float_dtype(target, archive)
    names_array = read_member(target, archive, "activations", "U", (L,), "activation names")
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


def standardiser_members(standardiser: Standardiser[Any]) -> dict[str, npt.NDArray[Any]]:
    return {
        "dtype": np.array(str(standardiser.mean.dtype)),
        "features": np.array(standardiser.mean.shape[0], dtype=np.int64),
        "mean": standardiser.mean,
        "scale": standardiser.scale,
    }


def read_standardiser(
    target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str]
) -> Standardiser[Any]:
    expected = set(STANDARDISER_KEYS)
    missing, extra = sorted(expected - keys), sorted(keys - expected)
    if missing or extra:
        raise SerialisationError(
            f"{target}: expected exactly the keys of a standardiser, got missing {missing} "
            f"and extra {extra}"
        )
    n = scalar_int(target, archive, "features")
    if n < 1:
        raise SerialisationError(
            f"{target}: features: expected a positive number of features, got {n}"
        )
    dtype = float_dtype(target, archive)
    mean = floats(target, archive, "mean", (n, 1), dtype, "mean")
    scale = floats(target, archive, "scale", (n, 1), dtype, "scale")
    return Standardiser(mean=mean, scale=scale)
