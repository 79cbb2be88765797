"""The package's layout: public modules for what users import, private ones for the rest.

A public module (no leading underscore) never imports another public module's
``_private`` names: what several modules share lives in a private module
(``_kernels``, ``_validate``, ``_optimizer``...) under public names. And every
module stays short enough to read in one sitting.
"""

from __future__ import annotations

import ast
import importlib
import pathlib
import pickle
import re
from typing import Any

import numpy as np
import pytest

import fnmlp

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "fnmlp"
MODULES = sorted(PACKAGE.glob("*.py"))

LINE_LIMIT = 450
# Left out of the limit: the optional extras (scikit-learn, dask, matplotlib), each a whole
# integration in one module, and the command-line demo.
NOT_LIMITED = {"sklearn", "dask", "plot", "__main__"}
LIMITED = [path for path in MODULES if path.stem not in NOT_LIMITED]


def is_private(name: str) -> bool:
    """A ``_name`` (dunder names such as ``__init__`` are not private)."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(source: str, module: str) -> list[str]:
    """The ``_private`` names that ``module``'s ``source`` imports from a public fnmlp module.

    Importing a private module itself (``from fnmlp import _kernels``) or any
    name from one (``from fnmlp._validate import freeze``) is fine.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:  # relative, from a module of the package: fnmlp has only one level
            target = "fnmlp" + (f".{node.module}" if node.module else "")
        else:
            target = node.module or ""
        parts = target.split(".")
        if parts[0] != "fnmlp" or any(is_private(part) for part in parts[1:]):
            continue
        for alias in node.names:
            name = alias.name
            submodule = target == "fnmlp" and (PACKAGE / f"{name}.py").exists()
            if is_private(name) and not submodule:
                found.append(f"{module} imports {name} from {target} (line {node.lineno})")
    return found


def test_the_check_finds_a_private_name_imported_from_a_public_module() -> None:
    source = (
        "from fnmlp.optimisers import _zeros\n"
        "from fnmlp._validate import freeze\n"
        "from fnmlp import _kernels\n"
        "from fnmlp import __version__\n"
        "def f():\n"
        "    from fnmlp.metrics import _decide as decide\n"
    )
    assert private_imports(source, "demo") == [
        "demo imports _zeros from fnmlp.optimisers (line 1)",
        "demo imports _decide from fnmlp.metrics (line 6)",
    ]


def test_no_public_module_imports_a_private_name_from_another_public_module() -> None:
    public = [path for path in MODULES if not is_private(path.stem)]
    assert {path.stem for path in public} >= {"optimisers", "transforms", "metrics", "classes"}
    found = [line for path in public for line in private_imports(path.read_text(), path.stem)]
    assert found == []


@pytest.mark.parametrize("path", LIMITED, ids=[path.stem for path in LIMITED])
def test_modules_stay_short(path: pathlib.Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= LINE_LIMIT, (
        f"fnmlp/{path.name} has {lines} lines, over the limit of {LINE_LIMIT}: split it "
        "along a seam (a private module for what its public functions share)"
    )


def test_the_exceptions_name_modules_that_exist() -> None:
    stems = {path.stem for path in MODULES}
    assert stems >= NOT_LIMITED


# Where names lived before the modules were split, and where they live now: a pickle made then
# names the old places, and must load.
MOVED = {
    (b"fnmlp._optimizer", b"Optimizer"): (b"fnmlp.optimisers", b"Optimizer"),
    (b"fnmlp._optimizer", b"Transform"): (b"fnmlp.optimisers", b"Transform"),
    (b"fnmlp._updates", b"sgd_update"): (b"fnmlp.optimisers", b"_sgd_update"),
    (b"fnmlp._updates", b"momentum_update"): (b"fnmlp.optimisers", b"_momentum_update"),
    (b"fnmlp._updates", b"rmsprop_update"): (b"fnmlp.optimisers", b"_rmsprop_update"),
    (b"fnmlp._updates", b"adam_update"): (b"fnmlp.optimisers", b"_adam_update"),
    (b"fnmlp._updates", b"chain_update"): (b"fnmlp.optimisers", b"_chain_update"),
    (b"fnmlp._updates", b"clip_norm"): (b"fnmlp.optimisers", b"_clip_norm"),
    (b"fnmlp._updates", b"clip_value"): (b"fnmlp.optimisers", b"_clip_value"),
    (b"fnmlp.classes", b"Labels"): (b"fnmlp.metrics", b"Labels"),
    (b"fnmlp.preprocessing", b"Standardiser"): (b"fnmlp.datasets", b"Standardiser"),
    (b"fnmlp.callbacks", b"EarlyStopping"): (b"fnmlp.runs", b"EarlyStopping"),
    (b"fnmlp.callbacks", b"ReduceLROnPlateau"): (b"fnmlp.runs", b"ReduceLROnPlateau"),
    (b"fnmlp.callbacks", b"Plateau"): (b"fnmlp.runs", b"Plateau"),
    (b"fnmlp.gradreport", b"ArrayCheck"): (b"fnmlp.gradcheck", b"ArrayCheck"),
}


def as_made_before(value: object) -> bytes:
    """``value`` pickled (protocol 2) as it was before the split: every moved name at its old place."""
    data = pickle.dumps(value, protocol=2)  # protocol 2 names a global as b"c<module>\n<name>\n"
    for (module, name), (old_module, old_name) in MOVED.items():
        data = data.replace(b"c%s\n%s\n" % (module, name), b"c%s\n%s\n" % (old_module, old_name))
    assert re.findall(rb"c(fnmlp\.(?:_optimizer|_updates|classes|preprocessing))\n", data) == []
    return data


def test_pickles_made_before_the_modules_were_split_still_load() -> None:
    params = fnmlp.init([2, 3, 1], seed=0)
    X, Y = fnmlp.datasets.moons(20, seed=0)
    grads = fnmlp.gradient(params, X, Y, fnmlp.binary_cross_entropy)
    clip = (fnmlp.clip_by_global_norm(1.0), fnmlp.clip_by_value(0.5))
    optimisers: list[fnmlp.Optimizer[Any]] = [
        fnmlp.sgd(0.1),
        fnmlp.momentum(0.1, nesterov=True),
        fnmlp.rmsprop(0.01),
        fnmlp.chain(*clip, fnmlp.adamw(0.1, weight_decay=0.1)),
    ]
    for optimizer in optimisers:
        old: fnmlp.Optimizer[Any] = pickle.loads(as_made_before(optimizer))
        state = optimizer.init(params)
        new, _ = old.step(params, grads, pickle.loads(as_made_before(state)))
        assert old.name == optimizer.name
        assert np.array_equal(new.theta, optimizer.step(params, grads, state)[0].theta)
    labels: fnmlp.Labels = pickle.loads(as_made_before(fnmlp.labels_of(["b", "a"])))
    assert labels.classes == ("a", "b")
    scaler = fnmlp.datasets.standardise(X)
    again: fnmlp.datasets.Standardiser[Any] = pickle.loads(as_made_before(scaler))
    assert np.array_equal(again.apply(X), scaler.apply(X))
    rules = (fnmlp.EarlyStopping(patience=3), fnmlp.ReduceLROnPlateau(factor=0.5), fnmlp.Plateau())
    assert repr(pickle.loads(as_made_before(rules))) == repr(rules)
    check = fnmlp.ArrayCheck("W[1]", 0.0, 0.0, 1, 0, 0.0)
    assert pickle.loads(as_made_before(check)).passed(1e-6)


# Every name the public modules exported (``__all__``) before they were split along their
# seams; each must stay importable from where it was.
EXPORTED_BEFORE_THE_SPLIT: dict[str, tuple[str, ...]] = {
    "activations": (
        "ACTIVATIONS",
        "Activation",
        "leaky_relu",
        "linear",
        "relu",
        "sigmoid",
        "softmax",
        "tanh",
    ),
    "aliases": (
        "Activations",
        "Bias",
        "Deltas",
        "F",
        "Floating",
        "Inputs",
        "Matrix",
        "Outputs",
        "Targets",
        "Weights",
    ),
    "datasets": (
        "Dataset",
        "Standardiser",
        "circles",
        "height_weight",
        "logic_gate",
        "moons",
        "spirals",
        "split",
        "standardise",
    ),
    "errors": (
        "DTypeError",
        "DivergenceError",
        "FileError",
        "FnmlpError",
        "HyperparameterError",
        "LabelError",
        "NonFiniteError",
        "SerialisationError",
        "ShapeError",
        "TrainingInterrupted",
    ),
    "gradcheck": (
        "ArrayCheck",
        "GradientCheck",
        "LayerCheck",
        "gradient_check",
    ),
    "initialisers": (
        "SCHEMES",
        "Scheme",
        "init",
    ),
    "losses": (
        "LOSSES",
        "Loss",
        "binary_cross_entropy",
        "categorical_cross_entropy",
        "check_distributions",
        "check_targets",
        "check_unit_range",
        "fuses",
        "loss",
        "mean_squared_error",
    ),
    "metrics": (
        "Labels",
        "accuracy",
        "class_sample_weight",
        "labels",
        "labels_of",
        "mse",
        "one_hot",
        "predict",
        "r2_score",
    ),
    "optimisers": (
        "AdamState",
        "GradientFunction",
        "MomentumState",
        "Optimizer",
        "RMSPropState",
        "SgdState",
        "Transform",
        "Update",
        "adam",
        "adamw",
        "apply_rule",
        "chain",
        "check_rule",
        "check_state",
        "clip_by_global_norm",
        "clip_by_value",
        "global_norm",
        "momentum",
        "owned",
        "rmsprop",
        "sgd",
        "state_matches",
        "with_moments",
    ),
    "propagation": (
        "add_grads",
        "backward",
        "forward",
        "gradient",
        "outputs",
        "scale_grads",
        "update",
        "value_and_gradient",
    ),
    "records": (
        "Cache",
        "Grads",
        "Layer",
        "Params",
        "Structure",
        "lock",
    ),
    "runs": (
        "EarlyStopping",
        "Entry",
        "Fingerprint",
        "History",
        "Log",
        "LogEntry",
        "TrainResult",
        "TrainState",
        "same_schedule",
    ),
    "schedules": (
        "Schedule",
        "constant",
        "cosine_decay",
        "exponential_decay",
        "invscaling",
        "step_decay",
    ),
    "serialisation": (
        "FORMAT_VERSION",
        "MAGIC",
        "RUN_MAGIC",
        "RUN_VERSION",
        "STANDARDISER_MAGIC",
        "STANDARDISER_VERSION",
        "Saved",
        "load",
        "save",
    ),
    "training": (
        "ClassWeight",
        "scan",
        "split_indices",
        "train",
    ),
}


@pytest.mark.parametrize("module", sorted(EXPORTED_BEFORE_THE_SPLIT))
def test_every_name_a_public_module_exported_is_still_there(module: str) -> None:
    imported = importlib.import_module(f"fnmlp.{module}")
    missing = [name for name in EXPORTED_BEFORE_THE_SPLIT[module] if not hasattr(imported, name)]
    assert missing == [], f"fnmlp.{module} no longer has {missing}: re-export what moved"
