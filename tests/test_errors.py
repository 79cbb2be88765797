"""A catalogue of bad inputs: each raises an fnmlp error naming argument, expectation and value.

Every case calls one public entry point with one thing wrong and checks the
error's class (an :class:`fnmlp.FnmlpError` that is also a ``ValueError`` or
``TypeError``) and that its message holds the argument's name, what was
expected and what was given. The messages are part of the interface: a user
reads them without the source at hand.
"""

from __future__ import annotations

import functools
import inspect
import pathlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import fnmlp
from fnmlp import (
    Cache,
    DivergenceError,
    DTypeError,
    EarlyStopping,
    FnmlpError,
    Grads,
    HyperparameterError,
    LabelError,
    Layer,
    NonFiniteError,
    Optimizer,
    Params,
    SerialisationError,
    ShapeError,
    accuracy,
    adam,
    adamw,
    backward,
    binary_cross_entropy,
    categorical_cross_entropy,
    forward,
    init,
    labels,
    linear,
    loss,
    mean_squared_error,
    momentum,
    one_hot,
    predict,
    relu,
    rmsprop,
    scan,
    sgd,
    sigmoid,
    softmax,
    step_decay,
    train,
    update,
)
from fnmlp import datasets as ds
from fnmlp import errors as errors_module
from fnmlp.aliases import Matrix


def bad(value: object) -> Any:
    """``value`` typed as ``Any``: the catalogue sends what the types forbid, on purpose."""
    return value


# ----------------------------------------------------------------------------- fixtures

NET = init([2, 3, 1], seed=0)  # relu -> sigmoid, float64
BIG = init([2, 4, 1], seed=0)
NET32 = init([2, 3, 1], seed=0, dtype=np.float32)
SOFT = init([2, 3, 3], output=softmax, seed=0)
LINEAR = init([2, 3, 1], output=linear, seed=0)
X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
Y = np.array([[0.0, 1.0, 1.0, 0.0]])
Y3 = one_hot([0, 1, 2, 1], classes=3)
_, CACHE = forward(NET, X)
_, CACHE_SOFT = forward(SOFT, X)
GRADS = backward(NET, CACHE, Y, binary_cross_entropy)
_, CACHE_BIG = forward(BIG, X)
GRADS_BIG = backward(BIG, CACHE_BIG, Y, binary_cross_entropy)
GRADS32 = Grads(
    dW=tuple(g.astype(np.float32) for g in GRADS.dW),
    db=tuple(g.astype(np.float32) for g in GRADS.db),
)
HUGE_GRADS = Grads(
    dW=tuple(np.full_like(g, 10.0) for g in GRADS.dW),
    db=tuple(np.full_like(g, 10.0) for g in GRADS.db),
)
W, B = np.ones((3, 2)), np.zeros((3, 1))


def transposing_rule(
    p: Matrix[Any], g: Matrix[Any], moments: tuple[Matrix[Any], ...], count: int, decayed: Any
) -> tuple[Matrix[Any], tuple[Matrix[Any], ...]]:
    new: Matrix[Any] = np.ascontiguousarray((p - g).T)
    return new, ()


def upcasting_rule(
    p: Matrix[Any], g: Matrix[Any], moments: tuple[Matrix[Any], ...], count: int, decayed: Any
) -> tuple[Matrix[Any], tuple[Matrix[Any], ...]]:
    new: Matrix[Any] = p.astype(np.float64)
    return new, ()


def forgetful_rule(
    p: Matrix[Any], g: Matrix[Any], moments: tuple[Matrix[Any], ...], count: int, decayed: Any
) -> tuple[Matrix[Any], tuple[Matrix[Any], ...]]:
    new: Matrix[Any] = p - g
    return new, ()  # momentum's state has a velocity to give back


def scribbling_rule(
    p: Matrix[Any], g: Matrix[Any], moments: tuple[Matrix[Any], ...], count: int, decayed: Any
) -> tuple[Matrix[Any], tuple[Matrix[Any], ...]]:
    g *= 0.5  # writes into the gradient it was given
    new: Matrix[Any] = p - g
    return new, ()


TRANSPOSING = Optimizer("transposing", sgd(0.1).init, transposing_rule)
UPCASTING = Optimizer("upcasting", sgd(0.1).init, upcasting_rule)
FORGETFUL = Optimizer("forgetful", momentum(0.1).init, forgetful_rule, ("velocity",))
SCRIBBLING = Optimizer("scribbling", sgd(0.1).init, scribbling_rule)


def fit(**changes: Any) -> object:
    """``train`` on the XOR fixture, with ``changes`` to its arguments."""
    arguments: dict[str, Any] = {
        "loss": binary_cross_entropy,
        "optimizer": sgd(0.1),
        "epochs": 2,
    }
    arguments.update(changes)
    start = arguments.pop("params", NET)
    inputs = arguments.pop("X", X)
    targets = arguments.pop("Y", Y)
    return train(start, inputs, targets, **arguments)


def with_nan(array: np.ndarray[Any, Any], value: float = np.nan) -> np.ndarray[Any, Any]:
    out = np.array(array, dtype=np.float64)
    out[0, 1] = value
    return out


# ----------------------------------------------------------------------------- the catalogue

Case = Any  # a pytest.param of (call, error class, parts the message must hold)


def case(id: str, call: Callable[[], object], error: type[FnmlpError], *parts: str) -> Case:
    return pytest.param(call, error, parts, id=id)


INPUTS = [
    case(
        "X-wrong-feature-count",
        lambda: forward(NET, np.zeros((3, 4))),
        ShapeError,
        "X:",
        "expected shape (2, m)",
        "got (3, 4)",
    ),
    case(
        "X-examples-as-rows",
        lambda: forward(NET, X.T),
        ShapeError,
        "X:",
        "expected shape (2, m) with one column per example",
        "got (4, 2)",
        "rows",
        "X.T",
    ),
    case(
        "X-1d",
        lambda: forward(NET, np.zeros(2)),
        ShapeError,
        "X:",
        "expected a 2-D array",
        "1-D array of shape (2,)",
        "reshape",
    ),
    case(
        "X-3d",
        lambda: forward(NET, np.zeros((2, 4, 1))),
        ShapeError,
        "X:",
        "expected a 2-D array",
        "3-D array of shape (2, 4, 1)",
    ),
    case("X-scalar", lambda: forward(NET, 3.0), ShapeError, "X:", "2-D", "0-D"),
    case(
        "X-strings",
        lambda: forward(NET, [["a", "b"], ["c", "d"]]),
        DTypeError,
        "X:",
        "expected real numbers",
        "<U1",
    ),
    case(
        "X-objects",
        lambda: forward(NET, np.array([[None, 1], [2, 3]], dtype=object)),
        DTypeError,
        "X:",
        "expected real numbers",
        "Python objects",
    ),
    case(
        "X-None",
        lambda: forward(NET, bad(None)),
        DTypeError,
        "X:",
        "expected real numbers",
        "NoneType None",
    ),
    case(
        "X-complex",
        lambda: forward(NET, X + 1j),
        DTypeError,
        "X:",
        "expected real numbers",
        "complex numbers",
    ),
    case(
        "X-booleans",
        lambda: forward(NET, X > 0),
        DTypeError,
        "X:",
        "expected real numbers",
        "booleans",
    ),
    case(
        "X-datetimes",
        lambda: forward(NET, np.zeros((2, 4), dtype="datetime64[s]")),
        DTypeError,
        "X:",
        "expected real numbers",
        "datetime64[s]",
    ),
    case(
        "X-nan",
        lambda: forward(NET, with_nan(X)),
        NonFiniteError,
        "X:",
        "expected finite values",
        "got nan at index (0, 1)",
    ),
    case(
        "X-inf",
        lambda: forward(NET, with_nan(X, -np.inf)),
        NonFiniteError,
        "X:",
        "expected finite values",
        "got -inf at index (0, 1)",
    ),
    case(
        "X-no-examples",
        lambda: forward(NET, np.zeros((2, 0))),
        ShapeError,
        "X:",
        "expected at least one row and one example",
        "(2, 0)",
    ),
    case(
        "X-ragged-lists",
        lambda: forward(NET, [[0.0, 1.0], [1.0]]),
        ShapeError,
        "X:",
        "expected a 2-D array of numbers",
        "list [[0.0, 1.0], [1.0]]",
        "rows of different lengths",
    ),
    case(
        "X-too-large-for-float32",
        lambda: forward(NET32, np.full((2, 2), 1e39)),
        NonFiniteError,
        "X:",
        "range of float32",
        "1e+39",
    ),
    case(
        "X-overflows-the-network",
        lambda: forward(
            Params((Layer(np.full((1, 1), 2.0), np.zeros((1, 1)), linear),)), [[1e308, -1e308]]
        ),
        NonFiniteError,
        "A[1] (layer 1):",
        "expected finite activations",
        "inf",
        "scale X",
    ),
    case(
        "params-not-Params",
        lambda: forward(bad(NET.layers), X),
        DTypeError,
        "params:",
        "expected fnmlp Params",
        "got tuple",
    ),
]

TARGETS = [
    case(
        "Y-wrong-example-count",
        lambda: backward(NET, CACHE, np.zeros((1, 3)), binary_cross_entropy),
        ShapeError,
        "Y:",
        "expected shape (1, 4)",
        "got (1, 3)",
    ),
    case(
        "Y-wrong-output-count",
        lambda: backward(NET, CACHE, np.zeros((2, 4)), binary_cross_entropy),
        ShapeError,
        "Y:",
        "expected shape (1, 4) (n_y outputs, m examples)",
        "got (2, 4)",
    ),
    case(
        "Y-examples-as-rows",
        lambda: backward(NET, CACHE, Y.T, binary_cross_entropy),
        ShapeError,
        "Y:",
        "expected shape (1, 4)",
        "got (4, 1)",
        "Y.T",
    ),
    case(
        "Y-1d",
        lambda: backward(NET, CACHE, Y[0], binary_cross_entropy),
        ShapeError,
        "Y:",
        "2-D",
        "1-D array of shape (4,)",
    ),
    case(
        "Y-nan",
        lambda: backward(NET, CACHE, with_nan(Y), binary_cross_entropy),
        NonFiniteError,
        "Y:",
        "finite",
        "nan at index (0, 1)",
    ),
    case(
        "Y-above-1-for-bce",
        lambda: backward(NET, CACHE, [[0, 2, 1, 0]], binary_cross_entropy),
        LabelError,
        "Y:",
        "binary_cross_entropy expects values in [0, 1]",
        "got 2.0 at index (0, 1)",
    ),
    case(
        "Y-negative-for-bce",
        lambda: backward(NET, CACHE, [[0, -1, 1, 0]], binary_cross_entropy),
        LabelError,
        "Y:",
        "[0, 1]",
        "got -1.0",
    ),
    case(
        "Y-columns-not-distributions-for-cce",
        lambda: backward(SOFT, CACHE_SOFT, Y3 * 0.5, categorical_cross_entropy),
        LabelError,
        "Y:",
        "categorical_cross_entropy expects columns that are distributions",
        "column 0 summing to 0.5",
        "fnmlp.one_hot",
    ),
    case(
        "Y-class-indices-for-cce",
        lambda: backward(SOFT, CACHE_SOFT, [[0, 1, 2, 1]] * 3, categorical_cross_entropy),
        LabelError,
        "Y:",
        "categorical_cross_entropy",
        "got 2.0",
    ),
    case(
        "cache-from-another-architecture",
        lambda: backward(BIG, CACHE, Y, binary_cross_entropy),
        ShapeError,
        "cache:",
        "expected the values of a forward pass through [2, 4, 1]",
        "(3, 'float64')",
    ),
    case(
        "cache-not-a-Cache",
        lambda: backward(NET, bad((X,)), Y, binary_cross_entropy),
        DTypeError,
        "cache:",
        "expected an fnmlp Cache",
        "got tuple",
    ),
    case(
        "kind-not-a-Loss",
        lambda: backward(NET, CACHE, Y, bad("binary_cross_entropy")),
        DTypeError,
        "kind:",
        "expected an fnmlp Loss",
        "got str",
    ),
    case(
        "loss-predictions-outside-0-1",
        lambda: loss([[0.5, 1.5]], [[0, 1]], binary_cross_entropy),
        LabelError,
        "Yhat:",
        "[0, 1]",
        "1.5",
    ),
    case(
        "loss-shapes-differ",
        lambda: loss([[0.5, 0.5]], [[0, 1, 1]], binary_cross_entropy),
        ShapeError,
        "Y:",
        "expected shape (1, 2) like Yhat",
        "got (1, 3)",
    ),
    case(
        "loss-empty",
        lambda: loss(np.zeros((1, 0)), np.zeros((1, 0)), mean_squared_error),
        ShapeError,
        "Yhat:",
        "at least one row and one example",
        "(1, 0)",
    ),
    case(
        "loss-overflows",
        lambda: loss([[1e200]], [[-1e200]], mean_squared_error),
        NonFiniteError,
        "Yhat:",
        "mean_squared_error fits in float64",
        "1e+200",
    ),
    case(
        "loss-kind-a-string",
        lambda: loss([[0.5]], [[1.0]], bad("mse")),
        DTypeError,
        "kind:",
        "Loss",
        "str",
    ),
]

RECORDS = [
    case(
        "bias-1d",
        lambda: Layer(W, bad(np.zeros(3)), relu),
        ShapeError,
        "b:",
        "expected shape (3, 1) to match W of shape (3, 2)",
        "got (3,)",
    ),
    case(
        "bias-wrong-shape",
        lambda: Layer(W, np.zeros((2, 1)), relu),
        ShapeError,
        "b:",
        "expected shape (3, 1)",
        "got (2, 1)",
    ),
    case(
        "bias-a-row",
        lambda: Layer(W, np.zeros((1, 3)), relu),
        ShapeError,
        "b:",
        "expected shape (3, 1)",
        "got (1, 3)",
    ),
    case(
        "W-1d",
        lambda: Layer(bad(np.ones(3)), B, relu),
        ShapeError,
        "W:",
        "expected a non-empty 2-D array (n_l, n_prev)",
        "got shape (3,)",
    ),
    case(
        "W-empty",
        lambda: Layer(np.ones((3, 0)), B, relu),
        ShapeError,
        "W:",
        "non-empty 2-D",
        "(3, 0)",
    ),
    case(
        "W-a-string",
        lambda: Layer(bad("1.0"), np.zeros((1, 1)), relu),
        DTypeError,
        "W:",
        "expected a numpy array",
        "got str",
    ),
    case(
        "W-a-ragged-list",
        lambda: Layer(bad([[1.0, 1.0], [1.0]]), np.zeros((2, 1)), relu),
        ShapeError,
        "W:",
        "expected a rectangular nested list",
        "ragged",
    ),
    case(
        "W-float16",
        lambda: Layer(bad(W.astype(np.float16)), B, relu),
        DTypeError,
        "W:",
        "expected a float32 or float64 array",
        "float16",
    ),
    case(
        "W-complex",
        lambda: Layer(bad(W + 0j), B, relu),
        DTypeError,
        "W:",
        "float32 or float64",
        "complex128",
    ),
    case(
        "W-booleans",
        lambda: Layer(bad(W > 0), B, relu),
        DTypeError,
        "W:",
        "float32 or float64",
        "bool",
    ),
    case(
        "W-and-b-dtypes-differ",
        lambda: Layer(bad(W.astype(np.float32)), B, relu),
        DTypeError,
        "b:",
        "expected dtype float32 to match W",
        "got float64",
    ),
    case(
        "W-nan",
        lambda: Layer(with_nan(W), B, relu),
        NonFiniteError,
        "W:",
        "expected finite values",
        "nan at index (0, 1)",
    ),
    case(
        "b-inf",
        lambda: Layer(W, np.full((3, 1), np.inf), relu),
        NonFiniteError,
        "b:",
        "finite",
        "inf at index (0, 0)",
    ),
    case(
        "activation-name-instead-of-record",
        lambda: Layer(W, B, bad("relu")),
        DTypeError,
        "activation:",
        "expected an fnmlp Activation (fnmlp.relu, fnmlp.sigmoid",
        "got str 'relu'",
        "pass fnmlp.relu",
    ),
    case(
        "layers-do-not-chain",
        lambda: Params((Layer(W, B, relu), Layer(np.ones((1, 4)), np.zeros((1, 1)), sigmoid))),
        ShapeError,
        "layers[1].W (layer 2):",
        "expected 3 columns to chain with layer 1's 3 units",
        "got shape (1, 4)",
    ),
    case("no-layers", lambda: Params(()), ShapeError, "layers:", "at least one Layer", "none"),
    case(
        "layers-not-a-tuple",
        lambda: Params(bad(None)),
        DTypeError,
        "layers:",
        "expected a tuple of Layer",
        "NoneType",
    ),
    case(
        "layer-not-a-Layer",
        lambda: Params(bad(("relu",))),
        DTypeError,
        "layers[0]:",
        "expected a Layer",
        "got str",
    ),
    case(
        "layers-of-mixed-dtypes",
        lambda: Params(bad((NET.layers[0], NET32.layers[1]))),
        DTypeError,
        "layers[1].W (layer 2):",
        "expected dtype float64 like layer 1",
        "got float32",
    ),
    case(
        "grads-not-tuples",
        lambda: Grads(bad(None), bad(None)),
        DTypeError,
        "dW:",
        "expected a tuple of numpy arrays",
        "NoneType",
    ),
    case(
        "grads-1d-bias",
        lambda: Grads(dW=(np.ones((3, 2)),), db=bad((np.ones(3),))),
        ShapeError,
        "db[0] (layer 1):",
        "expected shape (3, 1) to match dW",
        "got (3,)",
    ),
    case(
        "grads-counts-differ",
        lambda: Grads(dW=(np.ones((3, 2)),), db=()),
        ShapeError,
        "dW, db:",
        "one array each per layer",
        "got 1 and 0",
    ),
    case(
        "grads-nan",
        lambda: Grads(dW=(with_nan(np.ones((3, 2))),), db=(np.ones((3, 1)),)),
        NonFiniteError,
        "dW[0]:",
        "finite",
        "nan",
    ),
    case(
        "cache-lengths-differ",
        lambda: Cache(Z=(X,), A=(X, X)),
        ShapeError,
        "Z, A:",
        "equal lengths",
        "got 1 and 2",
    ),
    case(
        "cache-not-tuples",
        lambda: Cache(bad(X), bad(X)),
        DTypeError,
        "Z:",
        "tuple of numpy arrays",
        "ndarray",
    ),
]

UPDATES = [
    case(
        "grads-from-another-architecture",
        lambda: update(NET, GRADS_BIG, 0.1),
        ShapeError,
        "grads.dW[0] (layer 1):",
        "expected shape (3, 2) float64 like params",
        "got (4, 2) float64",
    ),
    case(
        "grads-of-another-dtype",
        lambda: update(NET, bad(GRADS32), 0.1),
        DTypeError,
        "grads.dW[0] (layer 1):",
        "expected dtype float64 like params",
        "got float32",
    ),
    case(
        "grads-for-fewer-layers",
        lambda: update(init([2, 3, 3, 1], seed=0), GRADS, 0.1),
        ShapeError,
        "grads:",
        "expected gradients for 3 layers",
        "got 2",
    ),
    case(
        "grads-not-Grads",
        lambda: update(NET, bad(GRADS.dW), 0.1),
        DTypeError,
        "grads:",
        "fnmlp Grads",
        "tuple",
    ),
    *(
        case(
            f"learning-rate-{value!r}",
            functools.partial(update, NET, GRADS, bad(value)),
            HyperparameterError,
            "learning_rate:",
            "expected a positive finite number",
            shown,
        )
        for value, shown in [
            (0, "got 0"),
            (-0.1, "got -0.1"),
            (np.nan, "got nan"),
            (np.inf, "got inf"),
            ("0.1", "got str '0.1'"),
            (True, "got bool True"),
            (None, "got NoneType None"),
            (10**400, "too large for a float"),
        ]
    ),
    case(
        "learning-rate-overflows-the-params",
        lambda: update(NET, HUGE_GRADS, 1e308),
        NonFiniteError,
        "learning_rate:",
        "expected a step that keeps the parameters finite",
        "got 1e+308",
        "layer 1's W",
    ),
]

OPTIMISERS = [
    *(
        case(
            f"{make.__name__}-learning-rate-{value!r}",
            functools.partial(make, bad(value)),
            HyperparameterError,
            "learning_rate:",
            "positive finite number",
            repr(value),
        )
        for make in (sgd, momentum, rmsprop, adam, adamw)
        for value in (0.0, -1.0, np.nan, np.inf)
    ),
    case(
        "momentum-beta-above-1",
        lambda: momentum(0.1, beta=1.5),
        HyperparameterError,
        "beta:",
        "[0, 1]",
        "got 1.5",
    ),
    case(
        "momentum-beta-negative",
        lambda: momentum(0.1, beta=-0.5),
        HyperparameterError,
        "beta:",
        "non-negative",
        "-0.5",
    ),
    case(
        "momentum-nesterov-not-bool",
        lambda: momentum(0.1, nesterov=bad("yes")),
        HyperparameterError,
        "nesterov:",
        "bool",
        "'yes'",
    ),
    case(
        "rmsprop-rho-nan",
        lambda: rmsprop(0.1, rho=np.nan),
        HyperparameterError,
        "rho:",
        "finite",
        "nan",
    ),
    case(
        "rmsprop-eps-negative",
        lambda: rmsprop(0.1, eps=-1e-8),
        HyperparameterError,
        "eps:",
        "positive finite number",
        "-1e-08",
    ),
    case(
        "adam-eps-zero",
        lambda: adam(0.1, eps=0.0),
        HyperparameterError,
        "eps:",
        "positive finite number",
        "0.0",
    ),
    case(
        "adam-beta1-above-1",
        lambda: adam(0.1, beta1=1.5),
        HyperparameterError,
        "beta1:",
        "[0, 1)",
        "1.5",
    ),
    case(
        "adam-beta2-inf",
        lambda: adam(0.1, beta2=np.inf),
        HyperparameterError,
        "beta2:",
        "finite",
        "inf",
    ),
    case(
        "adamw-weight-decay-negative",
        lambda: adamw(0.1, weight_decay=-0.01),
        HyperparameterError,
        "weight_decay:",
        "non-negative",
        "-0.01",
    ),
    case(
        "step-with-another-optimisers-state",
        lambda: adam(0.1).step(NET, GRADS, bad(sgd(0.1).init(NET))),
        DTypeError,
        "state:",
        "AdamState",
        "SgdState",
    ),
    case(
        "step-with-state-of-another-architecture",
        lambda: adam(0.1).step(NET, GRADS, adam(0.1).init(BIG)),
        ShapeError,
        "state.mean:",
        "shape (1, 13)",
        "(1, 17)",
    ),
    case(
        "step-with-grads-of-another-architecture",
        lambda: momentum(0.1).step(NET, GRADS_BIG, momentum(0.1).init(NET)),
        ShapeError,
        "grads.dW[0] (layer 1):",
        "(3, 2)",
        "(4, 2)",
    ),
    case(
        "step-with-no-state",
        lambda: sgd(0.1).step(NET, GRADS, bad(None)),
        DTypeError,
        "state:",
        "SgdState",
        "NoneType",
    ),
    case(
        "step-that-overflows",
        lambda: sgd(1e308).step(NET, HUGE_GRADS, sgd(1e308).init(NET)),
        NonFiniteError,
        "optimizer:",
        "keeps the parameters finite",
        "sgd(learning_rate=1e+308)",
    ),
    case(
        "step-by-a-rule-that-transposes",
        lambda: TRANSPOSING.step(NET, GRADS, TRANSPOSING.init(NET)),
        ShapeError,
        "optimizer:",
        "expected transposing's update to return an array of shape (1, 13) float64",
        "got (13, 1) float64",
    ),
    case(
        "train-by-a-rule-that-transposes",
        lambda: fit(optimizer=TRANSPOSING),
        ShapeError,
        "optimizer:",
        "expected transposing's update to return an array of shape (1, 13) float64",
        "got (13, 1) float64",
    ),
    case(
        "step-by-a-rule-that-upcasts",
        lambda: UPCASTING.step(NET32, GRADS32, UPCASTING.init(NET32)),
        DTypeError,
        "optimizer:",
        "like the parameters",
        "float32",
        "got (1, 13) float64",
    ),
    case(
        "step-by-a-rule-without-its-moments",
        lambda: FORGETFUL.step(NET, GRADS, FORGETFUL.init(NET)),
        ShapeError,
        "optimizer:",
        "expected forgetful's update to return 1 moment(s) of shape (1, 13)",
        "('velocity',)",
    ),
    case(
        "train-by-a-rule-that-writes-into-its-gradient",
        lambda: fit(optimizer=SCRIBBLING),
        HyperparameterError,
        "optimizer:",
        "expected scribbling's update to return new arrays and write into none of its arguments",
        "got one that writes into them",
    ),
    case(
        "step-by-a-rule-that-writes-into-its-gradient",
        lambda: SCRIBBLING.step(NET, GRADS, SCRIBBLING.init(NET)),
        HyperparameterError,
        "optimizer:",
        "expected scribbling's update to return new arrays and write into none of its arguments",
        "got one that writes into them",
    ),
    case(
        "schedule-every-0",
        lambda: step_decay(0.1, every=0),
        HyperparameterError,
        "every:",
        "positive int",
        "0",
    ),
]

TRAINING = [
    *(
        case(
            f"epochs-{value!r}",
            functools.partial(fit, epochs=value),
            HyperparameterError,
            "epochs:",
            "expected a positive int",
            shown,
        )
        for value, shown in [
            (0, "got 0"),
            (-5, "got -5"),
            (2.5, "got float 2.5"),
            (np.inf, "got float inf"),
            (True, "got bool True"),
            (None, "got NoneType None"),
        ]
    ),
    *(
        case(
            f"batch-size-{value!r}",
            functools.partial(fit, batch_size=value),
            HyperparameterError,
            "batch_size:",
            "expected a positive int",
            shown,
        )
        for value, shown in [(0, "got 0"), (-1, "got -1"), (1.5, "got float 1.5")]
    ),
    case("log-every-0", lambda: fit(log_every=0), HyperparameterError, "log_every:", "got 0"),
    case(
        "seed-negative",
        lambda: fit(seed=-1),
        HyperparameterError,
        "seed:",
        "non-negative int",
        "-1",
    ),
    case(
        "l2-nan",
        lambda: fit(l2=np.nan),
        HyperparameterError,
        "l2:",
        "non-negative finite number",
        "nan",
    ),
    case(
        "loss-a-string",
        lambda: fit(loss="binary_cross_entropy"),
        DTypeError,
        "loss:",
        "expected an fnmlp Loss",
        "got str",
    ),
    case(
        "optimizer-a-number",
        lambda: fit(optimizer=0.1),
        DTypeError,
        "optimizer:",
        "expected an fnmlp Optimizer",
        "got float",
    ),
    case(
        "optimizer-factory-not-called",
        lambda: fit(optimizer=sgd),
        DTypeError,
        "optimizer:",
        "Optimizer",
        "function",
    ),
    case(
        "cross-entropy-after-a-linear-output",
        lambda: fit(params=LINEAR),
        HyperparameterError,
        "loss:",
        "binary_cross_entropy expects probabilities from a sigmoid or softmax output layer",
        "got a linear output layer",
    ),
    case(
        "train-X-as-rows",
        lambda: fit(X=X.T),
        ShapeError,
        "X:",
        "(2, m)",
        "(4, 2)",
        "X.T",
    ),
    case(
        "train-Y-wrong-example-count",
        lambda: fit(Y=Y[:, :3]),
        ShapeError,
        "Y:",
        "expected shape (1, 4)",
        "got (1, 3)",
    ),
    case(
        "train-Y-outside-bce-range",
        lambda: fit(Y=Y * 3),
        LabelError,
        "Y:",
        "binary_cross_entropy expects values in [0, 1]",
        "3.0",
    ),
    case(
        "train-empty-data",
        lambda: fit(X=np.zeros((2, 0)), Y=np.zeros((1, 0))),
        ShapeError,
        "X:",
        "at least one row and one example",
        "(2, 0)",
    ),
    case(
        "validation-not-a-pair",
        lambda: fit(validation=(X,)),
        DTypeError,
        "validation:",
        "expected a pair (X_val, Y_val)",
        "tuple",
    ),
    case(
        "validation-X-wrong-feature-count",
        lambda: fit(validation=(np.zeros((3, 2)), np.zeros((1, 2)))),
        ShapeError,
        "validation X:",
        "expected shape (2, m)",
        "got (3, 2)",
    ),
    case(
        "validation-Y-outside-range",
        lambda: fit(validation=(X, Y - 1)),
        LabelError,
        "validation Y:",
        "[0, 1]",
        "-1.0",
    ),
    case(
        "early-stopping-without-validation",
        lambda: fit(early_stopping=EarlyStopping(patience=3)),
        HyperparameterError,
        "early_stopping:",
        "validation data",
        "validation=None",
    ),
    case(
        "early-stopping-not-a-record",
        lambda: fit(early_stopping=3),
        DTypeError,
        "early_stopping:",
        "EarlyStopping",
        "int",
    ),
    case(
        "early-stopping-patience-0",
        lambda: EarlyStopping(patience=0),
        HyperparameterError,
        "patience:",
        "positive int",
        "0",
    ),
    case(
        "progress-not-bool",
        lambda: fit(progress="yes"),
        HyperparameterError,
        "progress:",
        "True or False",
        "'yes'",
    ),
    case(
        "resume-with-another-optimiser",
        lambda: train(
            train(NET, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1).state,
            X,
            Y,
            loss=binary_cross_entropy,
            optimizer=adam(0.1),
            epochs=1,
        ),
        DTypeError,
        "state:",
        "AdamState",
        "SgdState",
    ),
    case(
        "params-not-Params",
        lambda: fit(params=None),
        DTypeError,
        "params:",
        "Params or a TrainState",
        "NoneType",
    ),
]

METRICS = [
    *(
        case(
            f"threshold-{value!r}",
            functools.partial(predict, NET, X, threshold=value),
            HyperparameterError,
            "threshold:",
            shown,
        )
        for value, shown in [(0.0, "0.0"), (1.0, "(0, 1)"), (1.5, "1.5"), (np.nan, "nan")]
    ),
    case(
        "predict-X-as-rows",
        lambda: predict(NET, X.T),
        ShapeError,
        "X:",
        "(2, m)",
        "X.T",
    ),
    case(
        "accuracy-Y-as-rows",
        lambda: accuracy(NET, X, Y.T),
        ShapeError,
        "Y:",
        "expected shape (1, 4)",
        "got (4, 1)",
    ),
    case(
        "accuracy-Y-nan",
        lambda: accuracy(NET, X, with_nan(Y)),
        NonFiniteError,
        "Y:",
        "finite",
        "nan",
    ),
    case(
        "one-hot-floats",
        lambda: one_hot([0.0, 1.0]),
        DTypeError,
        "classes_of:",
        "integer class indices",
        "float64",
    ),
    case(
        "one-hot-negative",
        lambda: one_hot([0, -1], classes=3),
        LabelError,
        "classes_of:",
        "class indices in [0, 3)",
        "got -1 at position 1",
    ),
    case(
        "one-hot-label-too-large",
        lambda: one_hot([0, 3], classes=3),
        LabelError,
        "classes_of:",
        "[0, 3)",
        "got 3 at position 1",
    ),
    case(
        "one-hot-classes-0",
        lambda: one_hot([0], classes=0),
        HyperparameterError,
        "classes:",
        "positive int",
        "0",
    ),
    case(
        "one-hot-2d",
        lambda: one_hot([[0, 1], [1, 0]]),
        ShapeError,
        "classes_of:",
        "1-D sequence",
        "(2, 2)",
    ),
    case("one-hot-empty", lambda: one_hot([]), ShapeError, "classes_of:", "non-empty", "(0,)"),
    case(
        "one-hot-ragged",
        lambda: one_hot(bad([[0], [1, 2]])),
        ShapeError,
        "classes_of:",
        "1-D sequence",
        "list",
    ),
    case(
        "one-hot-int-dtype",
        lambda: one_hot([0, 1], dtype=bad(int)),
        DTypeError,
        "dtype:",
        "numpy.float32 or numpy.float64",
        "int",
    ),
    case(
        "one-hot-float16-dtype",
        lambda: one_hot([0, 1], dtype=np.float16),
        DTypeError,
        "dtype:",
        "numpy.float32 or numpy.float64",
        "float16",
    ),
    case(
        "one-hot-labels-too-large-to-allocate",
        lambda: one_hot(np.array([0, 2**63 - 2], dtype=np.int64)),
        ShapeError,
        "classes:",
        "fits in memory",
        str(2**63 - 2),
    ),
    case("labels-1d", lambda: labels([0.2, 0.8]), ShapeError, "Y:", "2-D", "1-D"),
]

INIT = [
    case("dims-one-size", lambda: init([2]), ShapeError, "dims:", "at least two sizes", "[2]"),
    case(
        "dims-zero",
        lambda: init([2, 0, 1]),
        ShapeError,
        "dims[1]:",
        "expected a positive int",
        "got 0",
    ),
    case("dims-float", lambda: init(bad([2, 1.5])), ShapeError, "dims[1]:", "positive int", "1.5"),
    case(
        "dims-a-string",
        lambda: init(bad("231")),
        ShapeError,
        "dims:",
        "sequence of layer sizes",
        "str '231'",
    ),
    case("dims-None", lambda: init(bad(None)), ShapeError, "dims:", "sequence", "NoneType"),
    case(
        "unknown-scheme",
        lambda: init([2, 1], scheme=bad("glorot")),
        HyperparameterError,
        "scheme:",
        "expected one of 'random', 'standard', 'normal', 'xavier', 'he'",
        "got 'glorot'",
    ),
    case(
        "scheme-not-a-string",
        lambda: init([2, 1], scheme=bad(None)),
        HyperparameterError,
        "scheme:",
        "'xavier'",
        "None",
    ),
    case(
        "normal-without-sigma",
        lambda: init([2, 1], scheme="normal"),
        HyperparameterError,
        "sigma:",
        "positive number for scheme='normal'",
        "None",
    ),
    case(
        "sigma-negative",
        lambda: init([2, 1], scheme="normal", sigma=-0.5),
        HyperparameterError,
        "sigma:",
        "positive finite number",
        "-0.5",
    ),
    case(
        "sigma-with-another-scheme",
        lambda: init([2, 1], scheme="he", sigma=0.5),
        HyperparameterError,
        "sigma:",
        "only used with scheme='normal'",
        "'he'",
    ),
    case(
        "activations-wrong-count",
        lambda: init([2, 3, 1], activations=[relu]),
        HyperparameterError,
        "activations:",
        "expected 2",
        "got 1",
    ),
    case(
        "activations-not-a-sequence",
        lambda: init([2, 1], activations=bad(3)),
        DTypeError,
        "activations:",
        "sequence of 1 fnmlp Activations",
        "int 3",
    ),
    case(
        "activation-by-name",
        lambda: init([2, 3, 1], activations=bad(["relu", sigmoid])),
        DTypeError,
        "activations[0]:",
        "fnmlp.relu, fnmlp.sigmoid, fnmlp.tanh, fnmlp.leaky_relu, fnmlp.linear, fnmlp.softmax",
        "got str 'relu'",
        "pass fnmlp.relu",
    ),
    case(
        "hidden-by-name",
        lambda: init([2, 3, 1], hidden=bad("tanh")),
        DTypeError,
        "hidden:",
        "fnmlp Activation",
        "'tanh'",
        "pass fnmlp.tanh",
    ),
    case(
        "unknown-activation-name",
        lambda: init([2, 1], output=bad("gelu")),
        DTypeError,
        "output:",
        "fnmlp.sigmoid",
        "got str 'gelu', which is not one of them",
    ),
    case(
        "dtype-float16",
        lambda: init([2, 1], dtype=bad(np.float16)),
        DTypeError,
        "dtype:",
        "numpy.float32 or numpy.float64",
        "float16",
    ),
    case(
        "dtype-int",
        lambda: init([2, 1], dtype=bad(int)),
        DTypeError,
        "dtype:",
        "numpy.float32 or numpy.float64",
        "int",
    ),
    case(
        "seed-negative",
        lambda: init([2, 1], seed=-1),
        DTypeError,
        "seed:",
        "non-negative int",
        "-1",
    ),
    case("seed-float", lambda: init([2, 1], seed=bad(1.5)), DTypeError, "seed:", "1.5"),
]

DATASETS = [
    case("moons-m-0", lambda: ds.moons(0), HyperparameterError, "m:", "positive int", "0"),
    case(
        "moons-noise-negative",
        lambda: ds.moons(10, noise=-0.1),
        HyperparameterError,
        "noise:",
        ">= 0",
        "-0.1",
    ),
    case(
        "circles-noise-nan",
        lambda: ds.circles(10, noise=np.nan),
        HyperparameterError,
        "noise:",
        "finite",
        "nan",
    ),
    case(
        "circles-noise-overflows",
        lambda: ds.circles(50, noise=1e308),
        HyperparameterError,
        "noise:",
        "keeps X finite",
        "1e+308",
    ),
    case(
        "circles-factor-1",
        lambda: ds.circles(10, factor=1.0),
        HyperparameterError,
        "factor:",
        "[0, 1)",
        "1.0",
    ),
    case(
        "spirals-one-class",
        lambda: ds.spirals(10, classes=1),
        HyperparameterError,
        "classes:",
        ">= 2",
        "1",
    ),
    case(
        "dataset-float16",
        lambda: ds.moons(10, dtype=bad(np.float16)),
        DTypeError,
        "dtype:",
        "numpy.float32 or numpy.float64",
        "float16",
    ),
    case(
        "dataset-seed-negative",
        lambda: ds.moons(10, seed=-1),
        HyperparameterError,
        "seed:",
        "non-negative int",
        "-1",
    ),
    case(
        "unknown-gate",
        lambda: ds.logic_gate("xnor"),
        HyperparameterError,
        "name:",
        "and, nand, nor, not, or, xor",
        "'xnor'",
    ),
    case(
        "split-columns-differ",
        lambda: ds.split(np.zeros((2, 5)), np.zeros((1, 4))),
        ShapeError,
        "Y:",
        "5 columns",
        "(1, 4)",
    ),
    case(
        "split-one-example",
        lambda: ds.split(np.zeros((2, 1)), np.zeros((1, 1))),
        ShapeError,
        "X:",
        "at least 2 examples",
        "(2, 1)",
    ),
    case(
        "split-fraction-1",
        lambda: ds.split(np.zeros((2, 5)), np.zeros((1, 5)), test_fraction=1.0),
        HyperparameterError,
        "test_fraction:",
        "(0, 1)",
        "1.0",
    ),
    case(
        "standardise-1d",
        lambda: ds.standardise(bad(np.zeros(3))),
        ShapeError,
        "X:",
        "2-D array (n, m)",
        "(3,)",
    ),
    case(
        "standardise-nan",
        lambda: ds.standardise(with_nan(X)),
        NonFiniteError,
        "X:",
        "finite values",
        "NaN or inf",
    ),
    case(
        "standardise-complex",
        lambda: ds.standardise(bad(X + 1j)),
        DTypeError,
        "X:",
        "real numeric array",
        "complex128",
    ),
    case(
        "standardiser-applied-to-other-features",
        lambda: ds.standardise(X).apply(np.zeros((3, 2))),
        ShapeError,
        "X:",
        "expected 2 rows",
        "(3, 2)",
    ),
    case(
        "standardiser-overflows",
        lambda: ds.Standardiser(np.zeros((1, 1)), np.full((1, 1), 1e-300)).apply(
            np.full((1, 2), 1e300)
        ),
        NonFiniteError,
        "X:",
        "finite in float64",
        "1e+300",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "parts"),
    INPUTS + TARGETS + RECORDS + UPDATES + OPTIMISERS + TRAINING + METRICS + INIT + DATASETS,
)
def test_bad_input_raises_an_fnmlp_error_naming_argument_expectation_and_value(
    call: Callable[[], object], error: type[FnmlpError], parts: tuple[str, ...]
) -> None:
    with pytest.raises(error) as caught:
        call()
    raised = caught.value
    assert isinstance(raised, FnmlpError)
    assert isinstance(raised, (ValueError, TypeError))
    message = str(raised)
    for part in parts:
        assert part in message, f"{part!r} is not in the message {message!r}"
    # A message reads on its own: one line that starts with the argument it is about.
    assert "\n" not in message
    assert message.split(":")[0] == parts[0].rstrip(":"), message


def test_every_fnmlp_error_class_is_a_value_or_type_error() -> None:
    """Each error fnmlp raises is also a ``ValueError`` or ``TypeError``; the base is abstract."""
    raised = [
        value
        for _, value in inspect.getmembers(errors_module, inspect.isclass)
        if issubclass(value, FnmlpError) and value is not FnmlpError
    ]
    assert {cls.__name__ for cls in raised} == {
        "DTypeError",
        "DivergenceError",
        "FileError",
        "HyperparameterError",
        "LabelError",
        "NonFiniteError",
        "SerialisationError",
        "ShapeError",
    }
    for cls in raised:
        assert issubclass(cls, ValueError) or issubclass(cls, TypeError), cls
        assert getattr(fnmlp, cls.__name__) is cls
        assert cls.__name__ in fnmlp.__all__


def test_divergence_error_is_also_an_arithmetic_error() -> None:
    assert issubclass(DivergenceError, ArithmeticError)
    assert issubclass(DivergenceError, ValueError)


def test_scan_checks_its_arguments_when_called_not_when_iterated() -> None:
    with pytest.raises(HyperparameterError, match="epochs: expected a positive int, got 0"):
        scan(NET, X, Y, loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=0)


def test_errors_do_not_touch_the_arguments() -> None:
    """A refused call leaves its arrays as they were, writable and unchanged."""
    inputs = X.T.copy()
    with pytest.raises(ShapeError):
        forward(NET, inputs)
    assert inputs.flags.writeable
    np.testing.assert_array_equal(inputs, X.T)


def test_load_names_the_valid_activations_for_an_unknown_name(tmp_path: pathlib.Path) -> None:
    """A file whose activation name fnmlp does not know is refused with the known names."""
    path = fnmlp.save(NET, tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as archive:
        members = {key: archive[key] for key in archive.files}
    members["activations"] = np.array(["gelu", "sigmoid"])
    np.savez(tmp_path / "renamed.npz", **members)
    with pytest.raises(SerialisationError) as caught:
        fnmlp.load(tmp_path / "renamed.npz")
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "activations[0] (layer 1)" in message
    assert "'gelu'" in message
    for name in fnmlp.ACTIVATIONS:
        assert repr(name) in message
