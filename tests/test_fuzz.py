"""Fuzzing the public entry points with random junk: a correct result or an fnmlp error.

Hypothesis sends random shapes (0-size, 1-D, 3-D), dtypes (bool, int8,
uint64, float16, complex, object, str, datetime), values (NaN, inf, huge,
tiny, negative), Python objects (None, dicts, strings, ragged lists) and
hyperparameters to every public function. Each call must either return a
result that looks right (shape, dtype, finiteness) or raise an
:class:`fnmlp.FnmlpError`, which is also a ``ValueError`` or ``TypeError``.
Anything else (an ``IndexError`` from deep inside, a numpy warning, which the
test configuration makes an error, a ``TypeError`` that is not fnmlp's) fails.

Example counts are fixed per test so that the whole file runs in about twenty
seconds; ``HYPOTHESIS_PROFILE=thorough`` does not change them.
"""

from __future__ import annotations

import math
import os
import tempfile
import zipfile
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnmlp
from fnmlp import (
    ACTIVATIONS,
    LOSSES,
    FnmlpError,
    Grads,
    Layer,
    Loss,
    NonFiniteError,
    Params,
    accuracy,
    backward,
    binary_cross_entropy,
    categorical_cross_entropy,
    forward,
    gradient_check,
    init,
    labels,
    loss,
    mean_squared_error,
    one_hot,
    predict,
    scan,
    sgd,
    train,
    update,
)
from fnmlp import datasets as ds
from fnmlp import errors as errors_module

T = TypeVar("T")


def outcome(call: Callable[[], T]) -> T | None:
    """``call()``, or ``None`` if it raised an fnmlp error; any other exception escapes."""
    try:
        return call()
    except FnmlpError as error:
        assert isinstance(error, (ValueError, TypeError)), type(error)
        assert str(error), "an fnmlp error without a message"
        return None


def fuzz(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Fixed example counts, no deadline (a shared machine), no too-slow health check."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def is_finite_float_array(array: Any, dtype: Any, shape: tuple[int, ...]) -> bool:
    return (
        isinstance(array, np.ndarray)
        and array.dtype == dtype
        and array.shape == shape
        and bool(np.isfinite(array).all())
    )


def columns(value: object) -> int:
    """The number of examples ``value`` would have as ``X`` (1 when it has none)."""
    given: Any = value
    try:
        shape = np.shape(given)
    except ValueError:  # ragged
        return 1
    return max(shape[-1], 1) if len(shape) else 1


def finite_params(params: Params[Any]) -> bool:
    return all(np.isfinite(layer.W).all() and np.isfinite(layer.b).all() for layer in params.layers)


# ----------------------------------------------------------------------------- strategies

JUNK_DTYPES: list[Any] = [
    np.bool_,
    np.int8,
    np.uint64,
    np.int64,
    np.float16,
    np.float32,
    np.float64,
    np.complex128,
    np.dtype("U3"),
    np.dtype("datetime64[s]"),
    np.dtype(object),
]
OBJECT_ELEMENTS = st.one_of(
    st.none(), st.integers(), st.floats(), st.text(max_size=2), st.lists(st.integers(), max_size=2)
)
EXTREMES = [0.0, -0.0, 1e-300, 5e-324, -1e30, 1e30, 3e38, 1e300, -1e308, np.nan, np.inf, -np.inf]


def mostly(valid: st.SearchStrategy[Any], junk: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``valid`` three times in four, so that calls get past one check to the next."""
    return st.integers(0, 3).flatmap(lambda k: junk if k == 3 else valid)


def arrays_of(dtype: Any, shape: Any) -> st.SearchStrategy[np.ndarray[Any, Any]]:
    if np.dtype(dtype) == np.dtype(object):
        return hnp.arrays(dtype, shape, elements=OBJECT_ELEMENTS)
    return hnp.arrays(dtype, shape)


def junk_arrays(
    rows: st.SearchStrategy[int] | None = None,
) -> st.SearchStrategy[np.ndarray[Any, Any]]:
    """Arrays of any junk dtype: any rank from 0 to 3, or 2-D with ``rows`` rows when given."""
    sides = st.integers(0, 5)
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)
    if rows is not None:
        shapes = st.one_of(shapes, st.tuples(rows, sides), st.tuples(rows, sides))
    return st.tuples(st.sampled_from(JUNK_DTYPES), shapes).flatmap(lambda d: arrays_of(*d))


def numbers(
    rows: int, dtype: Any = np.float64, *, extreme: bool = False, columns: int | None = None
) -> st.SearchStrategy[np.ndarray[Any, Any]]:
    """Well-formed ``(rows, m)`` arrays of small numbers, or of extremes (NaN, inf, huge, tiny)."""
    values: st.SearchStrategy[float] = st.floats(-3, 3, width=32)
    if extreme:
        values = st.one_of(values, st.sampled_from(EXTREMES))
    m = st.integers(1, 5) if columns is None else st.just(columns)
    return m.flatmap(lambda m: hnp.arrays(dtype, (rows, m), elements=values))


PYTHON_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.complex_numbers(),
    st.text(max_size=3),
    st.binary(max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.sets(st.integers(), max_size=2),
    st.tuples(),
    st.just(object()),
    st.just(fnmlp.relu),
    st.just(fnmlp.binary_cross_entropy),
    # lists of lists, ragged or not, of numbers or not
    st.lists(st.lists(st.one_of(st.floats(), st.integers(), st.none()), max_size=3), max_size=3),
    st.lists(st.floats(), max_size=3),
)
JUNK = st.one_of(PYTHON_JUNK, junk_arrays())

ACTIVATION_LIST = list(ACTIVATIONS.values())
FLOAT_DTYPES: list[Any] = [np.float32, np.float64]
SIGMA_FREE_SCHEMES: list[Any] = ["random", "standard", "xavier", "he"]


@st.composite
def networks(draw: st.DrawFn) -> Params[Any]:
    """Small networks of any depth, activations and dtype, from a seed."""
    dims = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    activations = draw(
        st.lists(st.sampled_from(ACTIVATION_LIST), min_size=len(dims) - 1, max_size=len(dims) - 1)
    )
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    scheme = draw(st.sampled_from(SIGMA_FREE_SCHEMES))
    seed = draw(st.integers(0, 2**32))
    params: Params[Any] = init(dims, activations=activations, scheme=scheme, seed=seed, dtype=dtype)
    return params


def pairing(params: Params[Any]) -> Loss:
    """A loss that suits the network's output layer."""
    output = params.layers[-1].activation.name
    if output == "softmax":
        return categorical_cross_entropy
    if output == "sigmoid":
        return binary_cross_entropy
    return mean_squared_error


def inputs_for(params: Params[Any]) -> st.SearchStrategy[Any]:
    """``X`` for ``params``: usually well-formed, sometimes extreme or junk of any shape."""
    n_x = params.dims[0]
    junk = st.one_of(numbers(n_x, extreme=True), junk_arrays(st.just(n_x)), PYTHON_JUNK)
    return mostly(numbers(n_x), junk)


def targets_for(params: Params[Any], m: int) -> st.SearchStrategy[Any]:
    """``Y`` for ``params`` and ``m`` examples: usually in the loss's range, sometimes not."""
    n_y = params.dims[-1]
    right = st.one_of(
        hnp.arrays(np.float64, (n_y, m), elements=st.sampled_from([0.0, 1.0])),
        st.just(one_hot(np.arange(m) % n_y, classes=n_y)),
    )
    junk = st.one_of(
        numbers(n_y, columns=m, extreme=True),
        junk_arrays(st.just(n_y)),
        PYTHON_JUNK,
    )
    return mostly(right, junk)


# ----------------------------------------------------------------------------- error classes


def test_every_fnmlp_error_is_a_value_error_or_a_type_error() -> None:
    for name in errors_module.__all__:
        error = getattr(errors_module, name)
        if error is errors_module.TrainingInterrupted:  # Ctrl-C, not bad input
            assert issubclass(error, KeyboardInterrupt) and not issubclass(error, Exception)
        elif error is not FnmlpError:
            assert issubclass(error, FnmlpError)
            assert issubclass(error, ValueError) or issubclass(error, TypeError), name


# ----------------------------------------------------------------------------- propagation


def test_predict_answers_where_forward_refuses_an_overflowing_pre_activation() -> None:
    # Found by the fuzzer: Z[1] = W @ X overflows to -inf, tanh saturates to a finite
    # output; predict answers, forward refuses because its cache would hold the inf.
    W = np.array([[-1.54819037], [-0.3627891], [-2.36727981]])
    params = Params((Layer(W, np.zeros((3, 1)), ACTIVATIONS["tanh"]),))
    X = np.array([[-1e308]])
    with pytest.raises(
        NonFiniteError, match=r"^Z\[1\] \(layer 1\): expected finite pre-activations"
    ):
        forward(params, X)
    assert predict(params, X).tolist() == [[1], [1], [1]]


@fuzz(200)
@given(st.data())
def test_forward_and_predict_on_junk(data: st.DataObject) -> None:
    params = data.draw(networks())
    X = data.draw(inputs_for(params))
    forward_error: FnmlpError | None = None
    try:
        result: tuple[Any, Any] | None = forward(params, X)
    except FnmlpError as error:
        assert isinstance(error, (ValueError, TypeError)) and str(error)
        result, forward_error = None, error
    if result is not None:
        Yhat, cache = result
        m = np.asarray(X).shape[1]
        assert is_finite_float_array(Yhat, params.dtype, (params.dims[-1], m))
        assert len(cache.A) == len(cache.Z) == len(params.layers) + 1
        assert not Yhat.flags.writeable
    threshold = data.draw(st.floats(0.01, 0.99))
    decided = outcome(lambda: predict(params, X, threshold=threshold))
    if result is not None:
        assert decided is not None
    elif decided is not None:
        # predict needs only finite outputs; forward also refuses a pre-activation
        # that overflows (a saturated unit), since its cache would hand it on.
        assert isinstance(forward_error, NonFiniteError), forward_error
        assert "expected finite pre-activations" in str(forward_error)
    cut = data.draw(st.one_of(st.floats(), PYTHON_JUNK))
    if outcome(lambda: predict(params, X, threshold=cut)) is not None:
        assert 0 < cut < 1
    if decided is not None and params.activations[-1].probability:  # classes
        assert decided.dtype == np.int64
        assert decided.shape[1] == np.asarray(X).shape[1]
        assert decided.min() >= 0 and decided.max() < max(2, params.dims[-1])
    elif decided is not None:  # a regression's values, as the outputs are
        assert decided.dtype == params.dtype and not decided.flags.writeable
        assert decided.shape == (params.dims[-1], np.asarray(X).shape[1])
        if result is not None:
            np.testing.assert_array_equal(decided, result[0])


@fuzz(150)
@given(st.data())
def test_backward_and_update_on_junk(data: st.DataObject) -> None:
    params = data.draw(networks())
    X = data.draw(numbers(params.dims[0]))
    forwarded = outcome(lambda: forward(params, X))
    if forwarded is None:
        return
    _, cache = forwarded
    m = X.shape[1]
    kind = data.draw(mostly(st.just(pairing(params)), st.sampled_from(list(LOSSES.values()))))
    Y = data.draw(targets_for(params, m))
    grads = outcome(lambda: backward(params, cache, Y, kind))
    if grads is None:
        return
    for dW, db, layer in zip(grads.dW, grads.db, params.layers):
        assert is_finite_float_array(dW, params.dtype, layer.W.shape)
        assert is_finite_float_array(db, params.dtype, layer.b.shape)
    rate = data.draw(mostly(st.floats(1e-3, 10), st.one_of(st.floats(), st.integers(), JUNK)))
    new = outcome(lambda: update(params, grads, rate))
    if new is not None:
        assert new.dims == params.dims and new.dtype == params.dtype
        assert finite_params(new)


@fuzz(150)
@given(st.data())
def test_loss_and_accuracy_on_junk(data: st.DataObject) -> None:
    kind = data.draw(mostly(st.sampled_from(list(LOSSES.values())), PYTHON_JUNK))
    rows, m = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    probabilities = hnp.arrays(np.float64, (rows, m), elements=st.floats(0, 1))
    Yhat = data.draw(mostly(probabilities, st.one_of(numbers(rows, extreme=True), JUNK)))
    Y = data.draw(mostly(probabilities, st.one_of(numbers(rows, extreme=True), JUNK)))
    value = outcome(lambda: loss(Yhat, Y, kind))
    if value is not None:
        assert isinstance(value, float)
        assert math.isfinite(value) and value >= 0
    params = data.draw(networks())
    X = data.draw(inputs_for(params))
    Y = data.draw(targets_for(params, columns(X)))
    fraction = outcome(lambda: accuracy(params, X, Y))
    if fraction is not None:
        assert isinstance(fraction, float)
        assert 0 <= fraction <= 1


@fuzz(40)
@given(st.data())
def test_gradient_check_on_junk(data: st.DataObject) -> None:
    params = data.draw(networks())
    X = data.draw(inputs_for(params))
    Y = data.draw(targets_for(params, columns(X)))
    kind = data.draw(mostly(st.just(pairing(params)), st.sampled_from(list(LOSSES.values()))))
    epsilon = data.draw(mostly(st.none(), st.one_of(st.floats(), PYTHON_JUNK)))
    tolerance = data.draw(mostly(st.just(1e-6), st.one_of(st.floats(), PYTHON_JUNK)))
    deltas = data.draw(mostly(st.booleans(), PYTHON_JUNK))
    report = outcome(
        lambda: gradient_check(
            params, X, Y, kind, epsilon=epsilon, tolerance=tolerance, deltas=deltas
        )
    )
    if report is not None:
        assert isinstance(deltas, bool)
        assert len(report.layers) == len(params.layers)
        for entry in report.layers:
            assert (entry.dZ is None) == (not deltas)
            for check in entry.checks:
                assert math.isfinite(check.relative_error) and check.relative_error >= 0
                assert not math.isnan(check.max_difference)
        for dW, layer in zip(report.numerical.dW, params.layers):
            assert is_finite_float_array(dW, np.float64, layer.W.shape)
        assert isinstance(str(report), str)


# ----------------------------------------------------------------------------- records and init


@fuzz(200)
@given(st.data())
def test_layer_and_params_on_junk(data: st.DataObject) -> None:
    n, n_prev = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    dtype = data.draw(st.sampled_from(FLOAT_DTYPES))
    W = data.draw(
        mostly(numbers(n, dtype, columns=n_prev), st.one_of(numbers(n, extreme=True), JUNK))
    )
    b = data.draw(mostly(numbers(n, dtype, columns=1), st.one_of(numbers(1, extreme=True), JUNK)))
    activation = data.draw(mostly(st.sampled_from(ACTIVATION_LIST), PYTHON_JUNK))
    layer = outcome(lambda: Layer(W, b, activation))
    if layer is not None:
        # accepted as given: same shape, same values, float dtype kept (ints become float64)
        given = np.asarray(W)
        assert layer.W.shape == given.shape and layer.b.shape == (given.shape[0], 1)
        assert layer.W.dtype == (given.dtype if given.dtype.kind == "f" else np.float64)
        np.testing.assert_array_equal(layer.W, given)
        np.testing.assert_array_equal(layer.b, np.asarray(b))
        assert not layer.W.flags.writeable and not layer.b.flags.writeable
        assert np.isfinite(layer.W).all() and np.isfinite(layer.b).all()
    following = data.draw(networks())
    chain = data.draw(
        st.one_of(
            st.just((layer, *following.layers)),
            st.just([layer]),
            st.just((layer, layer)),
            PYTHON_JUNK,
        )
    )
    params = outcome(lambda: Params(chain))
    if params is not None:
        assert all(isinstance(item, Layer) for item in params.layers)
        dims = params.dims
        for l, item in enumerate(params.layers):
            assert item.W.shape == (dims[l + 1], dims[l])
            assert item.W.dtype == params.dtype


@fuzz(200)
@given(
    dims=mostly(
        st.lists(st.integers(1, 5), min_size=2, max_size=4),
        st.one_of(
            st.lists(st.one_of(st.integers(-2, 5), st.floats(0, 5), PYTHON_JUNK), max_size=4),
            hnp.arrays(
                st.sampled_from([np.int64, np.float64]),
                st.integers(0, 4),
                elements=st.integers(-1, 5),
            ),
            PYTHON_JUNK,
        ),
    ),
    scheme_sigma=mostly(
        st.one_of(
            st.tuples(st.sampled_from(["random", "standard", "xavier", "he"]), st.none()),
            st.tuples(st.just("normal"), st.floats(0.01, 2)),
        ),
        st.tuples(
            st.one_of(st.sampled_from(list(fnmlp.SCHEMES)), PYTHON_JUNK),
            st.one_of(st.none(), st.floats(), PYTHON_JUNK),
        ),
    ),
    hidden=mostly(st.sampled_from(ACTIVATION_LIST), PYTHON_JUNK),
    activations=mostly(
        st.none(),
        st.one_of(
            st.lists(st.one_of(st.sampled_from(ACTIVATION_LIST), PYTHON_JUNK), max_size=3),
            PYTHON_JUNK,
        ),
    ),
    output=mostly(st.sampled_from(ACTIVATION_LIST), PYTHON_JUNK),
    seed=mostly(st.integers(0, 2**64 - 1), st.one_of(st.integers(), PYTHON_JUNK)),
    dtype=mostly(
        st.sampled_from(FLOAT_DTYPES),
        st.one_of(st.sampled_from([np.float16, int, "float32", np.dtype("float64")]), JUNK),
    ),
)
def test_init_on_junk(
    dims: Any,
    scheme_sigma: tuple[Any, Any],
    hidden: Any,
    activations: Any,
    output: Any,
    seed: Any,
    dtype: Any,
) -> None:
    scheme, sigma = scheme_sigma
    params = outcome(
        lambda: init(
            dims,
            scheme=scheme,
            sigma=sigma,
            hidden=hidden,
            output=output,
            activations=activations,
            seed=seed,
            dtype=dtype,
        )
    )
    if params is not None:
        assert list(params.dims) == list(dims)
        assert params.dtype == np.dtype(dtype)
        assert finite_params(params)


@fuzz(150)
@given(st.data())
def test_grads_and_cache_on_junk(data: st.DataObject) -> None:
    params = data.draw(networks())
    dtype = params.dtype
    dW = [
        data.draw(mostly(numbers(layer.W.shape[0], dtype, columns=layer.W.shape[1]), JUNK))
        for layer in params.layers
    ]
    db = [
        data.draw(mostly(numbers(layer.b.shape[0], dtype, columns=1), JUNK))
        for layer in params.layers
    ]
    dW_given = data.draw(mostly(st.just(tuple(dW)), st.one_of(st.just(dW[:-1]), JUNK)))
    db_given = data.draw(mostly(st.just(tuple(db)), st.one_of(st.just(db[1:]), JUNK)))
    grads = outcome(lambda: Grads(dW_given, db_given))
    if grads is not None:
        for w, b in zip(grads.dW, grads.db):
            assert w.ndim == 2 and b.shape == (w.shape[0], 1) and b.dtype == w.dtype
            assert np.isfinite(w).all() and np.isfinite(b).all()
            assert not w.flags.writeable
        checked: Grads[Any] = grads
        new = outcome(lambda: update(params, checked, 0.1))
        if new is not None:
            assert new.dims == params.dims and finite_params(new)
    m = data.draw(st.integers(1, 3))

    # Z and A drawn apart: a wider A[l] or a NaN in A[l] beside a well-formed Z[l] must be refused
    def drawn(n: int) -> Any:
        off = numbers(n, dtype, columns=m + 1), numbers(n, dtype, columns=m, extreme=True)
        return data.draw(mostly(numbers(n, dtype, columns=m), st.one_of(*off, JUNK)))

    As = [drawn(n) for n in params.dims]
    Zs_drawn = [drawn(n) for n in params.dims]
    Zs = data.draw(mostly(st.just(tuple(Zs_drawn)), st.one_of(st.just(Zs_drawn[1:]), JUNK)))
    cache = outcome(lambda: fnmlp.Cache(Zs, tuple(As)))
    if cache is not None:
        assert len(cache.Z) == len(cache.A) == len(params.dims)
        assert all(x.shape[1] == m and np.isfinite(x).all() for x in cache.Z + cache.A)
        grads = outcome(lambda: backward(params, cache, As[-1], mean_squared_error))
        if grads is not None:
            assert all(np.isfinite(g).all() for g in grads.dW + grads.db)


# ----------------------------------------------------------------------------- optimisers

HYPERPARAMETERS: dict[Callable[..., Any], tuple[str, ...]] = {
    fnmlp.sgd: (),
    fnmlp.momentum: ("beta", "nesterov"),
    fnmlp.rmsprop: ("rho", "eps"),
    fnmlp.adam: ("beta1", "beta2", "eps"),
    fnmlp.adamw: ("beta1", "beta2", "eps", "weight_decay"),
}


@fuzz(150)
@given(st.data())
def test_optimisers_on_junk_hyperparameters_and_states(data: st.DataObject) -> None:
    make, names = data.draw(st.sampled_from(list(HYPERPARAMETERS.items())))
    hyper = st.one_of(st.floats(), st.floats(0, 1), st.integers(-2, 2), PYTHON_JUNK)
    arguments = {name: data.draw(hyper) for name in names if data.draw(st.integers(0, 3)) == 0}
    arguments["learning_rate"] = data.draw(mostly(st.floats(1e-3, 1.0), hyper))
    optimizer = outcome(lambda: make(**arguments))
    if optimizer is None:
        return
    params = data.draw(networks())
    other = data.draw(st.one_of(st.just(params), networks()))
    X = data.draw(numbers(params.dims[0], params.dtype))
    forwarded = outcome(lambda: forward(params, X))
    if forwarded is None:
        return
    grads = outcome(lambda: backward(params, forwarded[1], forwarded[0], mean_squared_error))
    if grads is None:
        return
    state = data.draw(
        mostly(
            st.just(optimizer.init(params)),
            st.one_of(
                st.just(optimizer.init(other)),
                st.just(fnmlp.sgd(0.1).init(other)),
                st.just(fnmlp.adam(0.1).init(params)),
                PYTHON_JUNK,
            ),
        )
    )
    stepped = outcome(lambda: optimizer.step(params, grads, state))
    if stepped is not None:
        new, _ = stepped
        assert new.dims == params.dims and new.dtype == params.dtype
        assert finite_params(new)


# ----------------------------------------------------------------------------- training


@fuzz(120)
@given(st.data())
def test_train_and_scan_on_junk(data: st.DataObject) -> None:
    params = data.draw(networks())
    X = data.draw(inputs_for(params))
    Y = data.draw(targets_for(params, columns(X)))
    kind = data.draw(mostly(st.just(pairing(params)), st.sampled_from(list(LOSSES.values()))))
    calm = st.one_of(st.integers(-1, 0), PYTHON_JUNK.filter(is_not_big_int))
    settings_: dict[str, Any] = {
        "epochs": data.draw(mostly(st.integers(1, 4), calm)),
        "batch_size": data.draw(mostly(st.one_of(st.none(), st.integers(1, 6)), calm)),
        "log_every": data.draw(mostly(st.one_of(st.none(), st.integers(1, 3)), calm)),
        "seed": data.draw(mostly(st.integers(0, 2**64 - 1), st.one_of(st.integers(), PYTHON_JUNK))),
        "l2": data.draw(
            mostly(st.one_of(st.just(0.0), st.floats(0, 1)), st.one_of(st.floats(), PYTHON_JUNK))
        ),
    }
    rate = data.draw(mostly(st.floats(1e-3, 1.0), st.one_of(st.floats(), PYTHON_JUNK)))
    optimizer = outcome(lambda: sgd(rate))
    if optimizer is None:
        return
    if data.draw(st.booleans()):
        X_val = data.draw(inputs_for(params))
        settings_["validation"] = data.draw(
            mostly(st.tuples(st.just(X_val), targets_for(params, columns(X_val))), PYTHON_JUNK)
        )
    result = outcome(lambda: train(params, X, Y, loss=kind, optimizer=optimizer, **settings_))
    if result is not None:
        assert result.params.dims == params.dims and result.params.dtype == params.dtype
        assert finite_params(result.params)
        history = result.history
        assert all(math.isfinite(v) for v in history.train_loss + history.validation_loss)
        assert result.state.epoch == settings_["epochs"]
    states = outcome(lambda: list(scan(params, X, Y, loss=kind, optimizer=optimizer, **settings_)))
    assert (states is None) == (result is None)


def is_not_int(value: object) -> bool:
    return not isinstance(value, int)


def is_not_big_int(value: object) -> bool:
    """Epoch counts from the junk pool, minus ints large enough to train for a long time."""
    return not (isinstance(value, int) and value > 4)


# ----------------------------------------------------------------------------- metrics


@fuzz(150)
@given(
    classes_of=st.one_of(
        hnp.arrays(np.int64, st.integers(1, 5), elements=st.integers(0, 40)),
        hnp.arrays(np.int64, st.integers(1, 5), elements=st.integers(0, 40)),
        st.lists(st.integers(0, 40), min_size=1, max_size=5),
        hnp.arrays(
            st.sampled_from([np.int8, np.int64, np.float64]),
            hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
            elements=st.integers(-3, 40),
        ),
        hnp.arrays(
            st.sampled_from([np.uint8, np.uint64, np.bool_]),
            hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
            elements=st.integers(0, 1),
        ),
        PYTHON_JUNK,
    ),
    classes=mostly(
        st.one_of(st.none(), st.integers(41, 50)), st.one_of(st.integers(-1, 50), PYTHON_JUNK)
    ),
    dtype=mostly(st.sampled_from(FLOAT_DTYPES), st.sampled_from([np.float16, int, None, "f8"])),
)
def test_one_hot_and_labels_on_junk(classes_of: Any, classes: Any, dtype: Any) -> None:
    encoded = outcome(lambda: one_hot(classes_of, classes, dtype=dtype))
    if encoded is not None:
        assert encoded.dtype in (np.float32, np.float64)
        np.testing.assert_array_equal(encoded.sum(axis=0), 1)
        if encoded.shape[0] > 1:  # labels reads a single row as binary targets
            named = isinstance(classes, (list, tuple, np.ndarray))  # the classes themselves
            decoded_ = np.asarray(classes)[labels(encoded)] if named else labels(encoded)
            np.testing.assert_array_equal(decoded_, np.ravel(classes_of))
    decoded = outcome(lambda: labels(classes_of))
    if decoded is not None:
        assert decoded.shape == (np.shape(classes_of)[1],)


# ----------------------------------------------------------------------------- datasets


@fuzz(150)
@given(
    make=st.sampled_from([ds.moons, ds.circles, ds.spirals]),
    m=mostly(st.integers(1, 40), st.one_of(st.integers(-2, 0), PYTHON_JUNK.filter(is_not_int))),
    noise=mostly(
        st.floats(0, 1), st.one_of(st.floats(), st.sampled_from([1e38, 1e308]), PYTHON_JUNK)
    ),
    seed=mostly(st.integers(0, 2**64 - 1), st.one_of(st.integers(), PYTHON_JUNK)),
    dtype=mostly(st.sampled_from(FLOAT_DTYPES), st.one_of(st.just(np.float16), JUNK)),
)
def test_dataset_generators_on_junk(
    make: Callable[..., Any], m: Any, noise: Any, seed: Any, dtype: Any
) -> None:
    made = outcome(lambda: make(m, noise=noise, seed=seed, dtype=dtype))
    if made is not None:
        X, Y = made
        assert is_finite_float_array(X, np.dtype(dtype), (2, m))
        assert Y.shape[1] == m and np.isfinite(Y).all()


@fuzz(150)
@given(
    X=mostly(
        numbers(2, columns=5),
        st.one_of(numbers(2, extreme=True), junk_arrays(st.integers(1, 2)), PYTHON_JUNK),
    ),
    Y=mostly(numbers(1, columns=5), st.one_of(junk_arrays(st.integers(1, 2)), PYTHON_JUNK)),
    fraction=mostly(st.floats(0.01, 0.99), st.one_of(st.floats(), PYTHON_JUNK)),
    name=mostly(st.sampled_from(["and", "nand", "nor", "or", "xor", "not"]), PYTHON_JUNK),
)
def test_split_standardise_and_gates_on_junk(X: Any, Y: Any, fraction: Any, name: Any) -> None:
    parts = outcome(lambda: ds.split(X, Y, test_fraction=fraction))
    if parts is not None:
        X_train, Y_train, X_test, Y_test = parts
        assert X_train.shape[1] + X_test.shape[1] == np.shape(X)[1]
        assert Y_train.shape[1] == X_train.shape[1] and Y_test.shape[1] == X_test.shape[1]
    scaler = outcome(lambda: ds.standardise(X))
    if scaler is not None:
        assert np.isfinite(scaler.mean).all() and (scaler.scale > 0).all()
        scaled = outcome(lambda: scaler.apply(X))
        if scaled is not None:
            assert scaled.shape == np.shape(X) and np.isfinite(scaled).all()
    gate = outcome(lambda: ds.logic_gate(name))
    if gate is not None:
        assert gate[0].shape[1] == gate[1].shape[1]


# ----------------------------------------------------------------------------- saved files


SAVED = init([2, 3, 1], seed=0)


@fuzz(120)
@given(
    cut=st.one_of(st.none(), st.integers(0, 4000)),
    flips=st.one_of(
        st.just([]), st.lists(st.tuples(st.integers(0, 4000), st.integers(1, 255)), max_size=3)
    ),
    garbage=st.binary(max_size=64),
)
def test_load_on_truncated_and_damaged_files(
    cut: int | None, flips: list[tuple[int, int]], garbage: bytes
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = fnmlp.save(SAVED, os.path.join(directory, "model"))
        content = bytearray(path.read_bytes())
        assert zipfile.is_zipfile(path)
        for position, change in flips:
            content[position % len(content)] ^= change
        damaged = os.path.join(directory, "damaged.npz")
        with open(damaged, "wb") as file:
            end = len(content) if cut is None else cut % (len(content) + 1)
            file.write(bytes(content[:end]) + garbage)
        restored = outcome(lambda: fnmlp.load(damaged))
    if restored is not None:
        # whatever survived the damage is a whole, valid network
        assert restored.dims == SAVED.dims and finite_params(restored)


# ----------------------------------------------------------------------------- schedules


@fuzz(100)
@given(
    make=st.sampled_from(["constant", "step_decay", "exponential_decay", "cosine_decay"]),
    rate=mostly(st.floats(1e-4, 1), st.one_of(st.floats(), PYTHON_JUNK)),
    setting=mostly(st.integers(1, 5), st.one_of(st.floats(), st.integers(), PYTHON_JUNK)),
    patience=mostly(st.integers(1, 5), st.one_of(st.floats(), st.integers(), PYTHON_JUNK)),
    min_delta=mostly(st.floats(0, 1), st.one_of(st.floats(), PYTHON_JUNK)),
    decay=mostly(st.floats(0.1, 1), st.one_of(st.floats(), PYTHON_JUNK)),
)
def test_schedules_and_early_stopping_on_junk(
    make: str, rate: Any, setting: Any, patience: Any, min_delta: Any, decay: Any
) -> None:
    build: dict[str, Callable[[], fnmlp.Schedule]] = {
        "constant": lambda: fnmlp.constant(rate),
        "step_decay": lambda: fnmlp.step_decay(rate, every=setting),
        "exponential_decay": lambda: fnmlp.exponential_decay(rate, rate=decay),
        "cosine_decay": lambda: fnmlp.cosine_decay(rate, steps=setting),
    }
    schedule = outcome(build[make])
    if schedule is not None:
        values = [schedule(step) for step in range(8)]
        assert all(math.isfinite(v) and 0 <= v <= rate for v in values)
        assert outcome(lambda: sgd(schedule)) is not None
    stopping = outcome(lambda: fnmlp.EarlyStopping(patience=patience, min_delta=min_delta))
    if stopping is not None:
        assert stopping.patience >= 1 and stopping.min_delta >= 0


# ----------------------------------------------------------------------------- ragged lists

RAGGED: Any = [[0.0, 1.0], [1.0]]
NET = init([2, 1], seed=0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: forward(NET, RAGGED),
        lambda: predict(NET, RAGGED),
        lambda: accuracy(NET, RAGGED, [[0, 1]]),
        lambda: accuracy(NET, [[0.0, 1.0], [1.0, 0.0]], [[0], [1, 0]]),
        lambda: loss(RAGGED, [[0.0, 1.0]], mean_squared_error),
        lambda: loss([[0.0, 1.0]], RAGGED, mean_squared_error),
        lambda: backward(NET, forward(NET, [[0.0], [1.0]])[1], RAGGED, mean_squared_error),
        lambda: train(
            NET, RAGGED, [[0.0, 1.0]], loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=1
        ),
        lambda: train(
            NET,
            [[0.0], [1.0]],
            [[0], [1, 1]],
            loss=binary_cross_entropy,
            optimizer=sgd(0.1),
            epochs=1,
        ),
        lambda: one_hot([[0], [1, 2]]),
        lambda: labels(RAGGED),
        lambda: ds.Standardiser(RAGGED, RAGGED),
        lambda: ds.split(RAGGED, [[0.0, 1.0]]),
        lambda: ds.standardise(RAGGED),
        lambda: ds.standardise([[0.0, 1.0]]).apply([[0.0, 1.0], [1.0]]),
    ],
)
def test_ragged_lists_are_shape_errors(call: Callable[[], object]) -> None:
    """``np.asarray`` raises a plain ``ValueError`` on ragged lists; fnmlp says what is wrong."""
    try:
        call()
    except fnmlp.ShapeError as error:
        assert "expected" in str(error)
    else:
        raise AssertionError("a ragged list was accepted")
