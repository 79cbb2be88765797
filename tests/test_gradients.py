"""The maths against an oracle: backward agrees with central differences over every parameter.

Two independent numerical gradients are compared with :func:`fnmlp.backward`:
the :mod:`fnmlp.gradcheck` module's, and a plain finite-difference loop over
a forward pass and losses written out here in numpy from the textbook formulas
(sharing no code with fnmlp), as micrograd checks its engine against another
implementation. Then the kink report: notebook 000's check of ``dZ[1]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnmlp
from fnmlp import (
    Activation,
    Layer,
    Loss,
    Params,
    binary_cross_entropy,
    categorical_cross_entropy,
    gradient_check,
    leaky_relu,
    linear,
    mean_squared_error,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from fnmlp.errors import DTypeError, HyperparameterError, LabelError, ShapeError

Array = npt.NDArray[np.float64]
TOLERANCE = 1e-6

# ----------------------------------------------------------------------------- the oracle


def _softmax(Z: Array) -> Array:
    E: Array = np.exp(Z - Z.max(axis=0, keepdims=True))
    out: Array = E / E.sum(axis=0, keepdims=True)
    return out


def _sigmoid(Z: Array) -> Array:
    out: Array = 1.0 / (1.0 + np.exp(-Z))
    return out


ORACLE_ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "relu": lambda Z: np.maximum(Z, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "leaky_relu": lambda Z: np.where(Z > 0, Z, 0.01 * Z),
    "linear": lambda Z: Z,
    "softmax": _softmax,
}


def _bce(P: Array, Y: Array) -> float:
    m: int = Y.shape[1]
    return -float(np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))) / m


def _mse(P: Array, Y: Array) -> float:
    return float(np.mean((P - Y) ** 2))


def _cce(P: Array, Y: Array) -> float:
    m: int = Y.shape[1]
    return -float(np.sum(Y * np.log(P))) / m


ORACLE_LOSSES: dict[str, Callable[[Array, Array], float]] = {
    "binary_cross_entropy": _bce,
    "mean_squared_error": _mse,
    "categorical_cross_entropy": _cce,
}

Weights = list[tuple[Array, Array, str]]


def oracle_forward(weights: Weights, X: Array) -> Array:
    A = X
    for W, b, name in weights:
        A = ORACLE_ACTIVATIONS[name](W @ A + b)
    return A


def oracle_gradients(
    weights: Weights, X: Array, Y: Array, loss_name: str, eps: float = 1e-6
) -> list[tuple[Array, Array]]:
    """Central differences of the loss in every entry of every W and b, one copy per probe."""

    def cost(ws: Weights) -> float:
        return ORACLE_LOSSES[loss_name](oracle_forward(ws, X), Y)

    out = []
    for k, (W, b, name) in enumerate(weights):
        grads = []
        for which, array in ((0, W), (1, b)):
            gradient = np.zeros_like(array)
            for index in np.ndindex(*array.shape):
                costs = []
                for sign in (1.0, -1.0):
                    moved = array.copy()
                    moved[index] += sign * eps
                    pair = (moved, b) if which == 0 else (W, moved)
                    costs.append(cost([*weights[:k], (*pair, name), *weights[k + 1 :]]))
                gradient[index] = (costs[0] - costs[1]) / (2 * eps)
            grads.append(gradient)
        out.append((grads[0], grads[1]))
    return out


def relative_error(a: Array, b: Array) -> float:
    scale = float(np.linalg.norm(a) + np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b)) / scale


# ----------------------------------------------------------------------------- cases

ACTIVATIONS = (relu, sigmoid, tanh, leaky_relu, linear, softmax)
# Every output activation with every loss whose targets it can produce:
# binary cross-entropy needs independent outputs in (0, 1) (a softmax output
# is refused with it); mean squared error takes any output (softmax with it
# exercises the softmax Jacobian-vector product); categorical cross-entropy
# is defined for softmax and for sigmoid outputs.
PAIRS: tuple[tuple[Activation, Loss], ...] = (
    (sigmoid, binary_cross_entropy),
    (relu, mean_squared_error),
    (sigmoid, mean_squared_error),
    (tanh, mean_squared_error),
    (leaky_relu, mean_squared_error),
    (linear, mean_squared_error),
    (softmax, mean_squared_error),
    (softmax, categorical_cross_entropy),
    (sigmoid, categorical_cross_entropy),
)


def targets_for(kind: Loss, n_y: int, m: int, rng: np.random.Generator) -> Array:
    if kind is binary_cross_entropy:
        return rng.integers(0, 2, size=(n_y, m)).astype(np.float64)
    if kind is categorical_cross_entropy:
        return np.eye(n_y)[:, rng.integers(0, n_y, size=m)]
    return rng.normal(size=(n_y, m))


def network(dims: list[int], activations: list[Activation], seed: int) -> Params[np.float64]:
    # N(0, 0.7) weights and biases: generic pre-activations, away from 0 and
    # from saturation, so that no probe lands on a ReLU kink.
    return fnmlp.init(dims, activations=activations, scheme="normal", sigma=0.7, seed=seed)


def as_oracle(params: Params[np.float64]) -> Weights:
    return [(layer.W.copy(), layer.b.copy(), layer.activation.name) for layer in params.layers]


# ----------------------------------------------------------------------------- every pair


@pytest.mark.parametrize("hidden", ACTIVATIONS, ids=[a.name for a in ACTIVATIONS])
@pytest.mark.parametrize("output, kind", PAIRS, ids=[f"{a.name}-{k.name}" for a, k in PAIRS])
def test_backward_agrees_with_central_differences(
    hidden: Activation, output: Activation, kind: Loss
) -> None:
    seed = 100 * ACTIVATIONS.index(hidden) + PAIRS.index((output, kind))
    rng = np.random.default_rng(seed)
    params = network([3, 4, 3, 3], [hidden, hidden, output], seed)
    X = rng.normal(size=(3, 5))
    Y = targets_for(kind, 3, 5, rng)

    _, cache = fnmlp.forward(params, X)
    grads = fnmlp.backward(params, cache, Y, kind)
    report = gradient_check(params, X, Y, kind)
    oracle = oracle_gradients(as_oracle(params), X, Y, kind.name)

    # The forward pass and loss the oracle differentiates are fnmlp's.
    assert np.allclose(oracle_forward(as_oracle(params), X), cache.A[-1], rtol=1e-12, atol=0)
    assert report.kinks == 0, str(report)
    # The module's check passes, W, b and dZ of every layer.
    assert report.passed(TOLERANCE), str(report)
    assert report.worst_error <= TOLERANCE
    for l, (dW_num, db_num) in enumerate(oracle):
        # backward against the oracle, array by array...
        assert relative_error(dW_num, grads.dW[l]) <= TOLERANCE, f"dW[{l + 1}]"
        assert relative_error(db_num, grads.db[l]) <= TOLERANCE, f"db[{l + 1}]"
        # ...and the module's numerical gradient against the oracle's.
        assert relative_error(dW_num, report.numerical.dW[l]) <= TOLERANCE
        assert relative_error(db_num, report.numerical.db[l]) <= TOLERANCE
        # the report's analytic side is backward's, and db[l] sums dZ[l]
        assert np.array_equal(report.analytic.dW[l], grads.dW[l])
        assert np.allclose(
            report.analytic_dZ[l].sum(axis=1, keepdims=True), grads.db[l], rtol=1e-12, atol=1e-15
        )


@given(
    n_x=st.integers(1, 3),
    widths=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    hidden=st.lists(st.sampled_from(ACTIVATIONS), min_size=2, max_size=2),
    pair=st.sampled_from(PAIRS),
    n_y=st.integers(1, 3),
    m=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_backward_agrees_on_random_architectures(
    n_x: int,
    widths: list[int],
    hidden: list[Activation],
    pair: tuple[Activation, Loss],
    n_y: int,
    m: int,
    seed: int,
) -> None:
    output, kind = pair
    rng = np.random.default_rng(seed)
    dims = [n_x, *widths, n_y]
    params = network(dims, [*hidden[: len(widths)], output], seed)
    X = rng.uniform(-1, 1, size=(n_x, m))
    Y = targets_for(kind, n_y, m, rng)
    report = gradient_check(params, X, Y, kind)
    # Away from kinks, backward is the derivative: each array agrees to 1e-6
    # relative, or, where the gradient is too small for a relative error to
    # mean anything (a saturated unit, a tiny input, a stack of leaky slopes),
    # to within the resolution of a central difference: the loss is computed to
    # about 1e-16 |J|, so a probe of size 1e-6 cannot resolve differences much
    # below 1e-10 |J|.
    J = fnmlp.loss(fnmlp.forward(params, X)[0], Y, kind)
    floor = 1e-9 * max(1.0, J)
    for entry in report.layers:
        for check in entry.checks:
            if check.kinks == 0:
                assert check.relative_error <= TOLERANCE or check.max_difference <= floor, str(
                    report
                )
            else:
                assert check.error_away_from_kinks <= TOLERANCE, str(report)
    assert [entry.W.probes for entry in report.layers] == [a * b for a, b in zip(dims[1:], dims)]
    assert [entry.dZ.probes for entry in report.layers if entry.dZ] == [n * m for n in dims[1:]]


# ----------------------------------------------------------------------------- kinks


def notebook_not_params(activation: Activation = relu) -> Params[np.float64]:
    """Notebook 000, cell 3: ``np.random.seed(1)``, dims ``[1, 3, 1]``, ``randn * 0.01``."""
    rs = np.random.RandomState(1)
    W1 = rs.randn(3, 1) * 0.01
    W2 = rs.randn(1, 3) * 0.01
    return Params((Layer(W1, np.zeros((3, 1)), activation), Layer(W2, np.zeros((1, 1)), sigmoid)))


X_NOT = np.array([[0, 1]])
Y_NOT = 1 - X_NOT


def test_the_report_says_why_notebook_000s_check_of_dZ1_disagrees() -> None:
    params = notebook_not_params()
    # The notebook's own epsilon, 1e-7.
    report = gradient_check(params, X_NOT, Y_NOT, binary_cross_entropy, epsilon=1e-7)
    first, second = report.layers
    # Cells 10 and 13-14: dZ[2] agrees; dZ[1] differs in the x = 0 column.
    assert np.allclose(report.analytic_dZ[1], [[-0.25, 0.24997821]], rtol=0, atol=5e-9)
    assert np.allclose(report.numerical_dZ[1], report.analytic_dZ[1], rtol=0, atol=1e-9)
    assert np.allclose(
        report.analytic_dZ[0], [[0.0, -0.00268219], [0.0, 0.0], [0.0, 0.0]], rtol=0, atol=5e-9
    )
    assert np.allclose(
        report.numerical_dZ[0],
        [[0.00134121, -0.00268219], [-0.00108176, 0.0], [0.00287692, 0.0]],
        rtol=0,
        atol=5e-9,
    )
    distance = float(np.linalg.norm(report.numerical_dZ[0] - report.analytic_dZ[0]))
    assert distance == pytest.approx(0.0033534664943288993, rel=1e-6)
    # Z[1] is exactly 0 in the x = 0 column: ReLU'(0) = 0 in backward, while a
    # central difference there sees the average slope 1/2 of the upstream gradient.
    upstream = params.layers[1].W.T @ report.analytic_dZ[1]
    assert np.allclose(report.numerical_dZ[0][:, 0], 0.5 * upstream[:, 0], rtol=1e-6, atol=0)
    # The report counts exactly those probes: the three x = 0 entries of dZ[1],
    # and the three biases of layer 1 (moving b[1] moves Z[1] of x = 0 off 0).
    assert first.dZ is not None and first.dZ.kinks == 3 and first.dZ.probes == 6
    assert (first.W.kinks, first.b.kinks) == (0, 3)
    assert second.kinks == 0 and second.passed(TOLERANCE)
    assert report.kinks == 6
    # They fail the check, and nothing else does: away from the kinks all agree.
    assert not report.ok
    assert [c.name for c in report.failures()] == ["b[1]", "dZ[1]"]
    assert report.passed(TOLERANCE, away_from_kinks=True)
    assert first.W.passed(TOLERANCE)
    # And the report says so in words.
    text = str(report)
    assert "3 of 3 probes of b[1] and 3 of 6 probes of dZ[1]" in text
    assert "kink at z = 0" in text
    assert "their numerical gradient is not the derivative there" in text
    assert "away from the kinks every array passes" in text
    assert "kink" in first.note and second.note == ""


def test_leaky_relu_kinks_are_reported_with_their_average_slope() -> None:
    params = notebook_not_params(leaky_relu)
    report = gradient_check(params, X_NOT, Y_NOT, binary_cross_entropy)
    upstream = params.layers[1].W.T @ report.analytic_dZ[1]
    # backward: slope 0.01 at z = 0; central differences: (1 + 0.01) / 2.
    assert np.allclose(report.analytic_dZ[0][:, 0], 0.01 * upstream[:, 0], rtol=1e-12)
    assert np.allclose(report.numerical_dZ[0][:, 0], 0.505 * upstream[:, 0], rtol=1e-6)
    assert report.layers[0].dZ is not None and report.layers[0].dZ.kinks == 3
    assert report.layers[0].b.kinks == 3
    assert report.passed(TOLERANCE, away_from_kinks=True) and not report.ok


def test_a_kink_in_a_later_layer_is_counted_for_earlier_probes() -> None:
    # Layer 2's unit sits exactly on 0 for the first example (b[2] = -W[2] @ A[1]),
    # so moving any parameter of layer 1 moves it across the kink.
    W1, b1 = np.array([[1.0], [2.0]]), np.array([[0.5], [0.5]])
    A1 = np.tanh(W1 @ np.array([[1.0]]) + b1)
    W2 = np.array([[1.0, -1.0]])
    b2 = -(W2 @ A1)
    params = Params(
        (
            Layer(W1, b1, tanh),
            Layer(W2, b2, relu),
            Layer(np.array([[1.5]]), np.array([[0.1]]), sigmoid),
        )
    )
    report = gradient_check(params, [[1.0, -2.0]], [[1, 0]], binary_cross_entropy)
    assert report.layers[0].W.kinks == 2 and report.layers[0].b.kinks == 2
    assert report.layers[1].dZ is not None and report.layers[1].dZ.kinks == 1
    assert report.layers[2].kinks == 0


# ----------------------------------------------------------------------------- it can fail


def test_a_wrong_derivative_fails_the_check_in_its_layer_only() -> None:
    wrong = Activation("tanh_with_sigmoids_derivative", tanh.fn, sigmoid.derivative)
    rng = np.random.default_rng(3)
    params = network([2, 3, 1], [wrong, sigmoid], 3)
    X, Y = rng.normal(size=(2, 4)), np.array([[0, 1, 1, 0]])
    report = gradient_check(params, X, Y, binary_cross_entropy)
    assert not report.ok
    assert [c.name for c in report.failures()] == ["W[1]", "b[1]", "dZ[1]"]
    assert report.layers[1].passed(TOLERANCE)
    assert report.layers[0].W.relative_error > 0.01
    assert "FAILED at tolerance 1e-06: W[1], b[1], dZ[1]" in str(report)


def test_a_wrong_loss_gradient_fails_the_check_from_the_output_back() -> None:
    doubled = Loss(
        "doubled_gradient_mse",
        mean_squared_error.value,
        lambda Yhat, Y: 2 * mean_squared_error.gradient(Yhat, Y),
        None,
        None,
        "finite values",
    )
    rng = np.random.default_rng(4)
    params = network([2, 3, 2], [tanh, linear], 4)
    X, Y = rng.normal(size=(2, 5)), rng.uniform(size=(2, 5))
    report = gradient_check(params, X, Y, doubled)
    # Twice the gradient: relative error |2g - g| / (|2g| + |g|) = 1/3 everywhere.
    assert all(c.relative_error == pytest.approx(1 / 3, rel=1e-6) for c in report.failures())
    assert len(report.failures()) == 6
    assert gradient_check(params, X, Y, mean_squared_error).ok


# ----------------------------------------------------------------------------- the record


def test_the_report_is_read_only_and_params_untouched() -> None:
    rng = np.random.default_rng(5)
    params = network([2, 3, 2], [relu, softmax], 5)
    before = [(layer.W.copy(), layer.b.copy()) for layer in params.layers]
    X, Y = rng.normal(size=(2, 4)), np.eye(2)[:, [0, 1, 1, 0]]
    X_before, Y_before = X.copy(), Y.copy()
    report = gradient_check(params, X, Y, categorical_cross_entropy)
    for (W, b), layer in zip(before, params.layers):
        assert np.array_equal(W, layer.W) and np.array_equal(b, layer.b)
    assert np.array_equal(X, X_before) and np.array_equal(Y, Y_before)
    assert X.flags.writeable and Y.flags.writeable
    arrays = [
        *report.numerical.dW,
        *report.numerical.db,
        *report.analytic.dW,
        *report.analytic.db,
        *report.analytic_dZ,
        *report.numerical_dZ,
    ]
    assert all(not a.flags.writeable for a in arrays)
    with pytest.raises(ValueError, match="read-only"):
        report.numerical.dW[0][0, 0] = 1.0
    assert "passed at tolerance 1e-06" in str(report)
    assert repr(report).startswith("GradientCheck(ok=True")


def test_float32_params_are_checked_in_float64() -> None:
    rng = np.random.default_rng(6)
    params = fnmlp.init([3, 4, 1], hidden=tanh, seed=6, dtype=np.float32)
    X, Y = rng.normal(size=(3, 5)), np.array([[0, 1, 1, 0, 1]])
    report = gradient_check(params, X, Y, binary_cross_entropy)
    assert params.dtype == np.float32
    assert report.ok and report.worst_error < 1e-8
    assert report.numerical.dW[0].dtype == np.float64
    assert report.analytic.dW[0].dtype == np.float64


def test_deltas_can_be_left_out() -> None:
    rng = np.random.default_rng(7)
    params = network([2, 2, 1], [tanh, sigmoid], 7)
    report = gradient_check(
        params, rng.normal(size=(2, 3)), [[0, 1, 1]], binary_cross_entropy, deltas=False
    )
    assert all(entry.dZ is None for entry in report.layers)
    assert report.analytic_dZ == () and report.numerical_dZ == ()
    assert report.ok and "dZ" not in str(report)


def test_epsilon_is_used_and_tolerance_sets_ok() -> None:
    rng = np.random.default_rng(8)
    params = network([2, 2, 1], [tanh, sigmoid], 8)
    X, Y = rng.normal(size=(2, 3)), [[0, 1, 1]]
    coarse = gradient_check(params, X, Y, binary_cross_entropy, epsilon=1e-2)
    fine = gradient_check(params, X, Y, binary_cross_entropy)
    assert coarse.epsilon == 1e-2 and fine.epsilon == 1e-6
    # a central difference's error shrinks as epsilon^2
    assert coarse.worst_error > 100 * fine.worst_error
    strict = gradient_check(params, X, Y, binary_cross_entropy, epsilon=1e-2, tolerance=1e-12)
    assert not strict.ok and strict.passed(1.0)


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"X": np.zeros((3, 2))}, ShapeError, r"X: expected shape \(2, m\)"),
        ({"X": [[np.nan, 0.0], [0.0, 0.0]]}, fnmlp.NonFiniteError, "X: expected finite"),
        ({"Y": [[0.0, 2.0]]}, LabelError, "Y: binary_cross_entropy expects values in"),
        ({"Y": [[0.0], [1.0]]}, ShapeError, r"Y: expected shape \(1, 2\)"),
        ({"epsilon": -1e-6}, HyperparameterError, "epsilon: expected a positive"),
        ({"tolerance": 0.0}, HyperparameterError, "tolerance: expected a positive"),
        ({"deltas": "no"}, HyperparameterError, r"^deltas: expected a bool, got 'no'$"),
        ({"deltas": 0}, HyperparameterError, r"^deltas: expected a bool, got 0$"),
        ({"kind": relu}, DTypeError, "kind: expected an fnmlp Loss"),
        (
            {"params": network([2, 2, 1], [tanh, linear], 9)},
            HyperparameterError,
            r"^kind: binary_cross_entropy expects probabilities from a sigmoid or softmax "
            r"output layer, got a linear output layer",
        ),
        ({"params": "network"}, DTypeError, "params: expected fnmlp Params, got str"),
    ],
)
def test_bad_input_is_named(change: dict[str, Any], error: type[Exception], message: str) -> None:
    arguments: dict[str, Any] = {
        "params": network([2, 2, 1], [tanh, sigmoid], 9),
        "X": [[0.0, 1.0], [1.0, 0.0]],
        "Y": [[0.0, 1.0]],
        "kind": binary_cross_entropy,
        **change,
    }
    options = {
        key: arguments.pop(key) for key in ("epsilon", "tolerance", "deltas") if key in arguments
    }
    with pytest.raises(error, match=message):
        gradient_check(
            arguments["params"], arguments["X"], arguments["Y"], arguments["kind"], **options
        )


# ----------------------------------------------------------------------------- overflow


def one_linear_unit(weight: float) -> Params[np.float64]:
    return Params((Layer(np.array([[weight]]), np.zeros((1, 1)), linear),))


@pytest.mark.parametrize(
    "params, X, Y, kind, message",
    [
        # the reviewed case: Z[1] of 1e199 cannot be moved by epsilon
        (
            fnmlp.init([2, 3, 1], seed=0),
            [[0.0, 1e200], [1e200, 0.0]],
            [[1, 0]],
            binary_cross_entropy,
            r"^numerical gradient at Z\[1\]\[0, 0\]: expected a probe that moves the entry, "
            r"got none: .* scale X or use a larger epsilon$",
        ),
        # a finite forward and backward pass whose loss overflows at a probe
        (
            one_linear_unit(1e155),
            [[1.0, -1.0]],
            [[0.0, 1.0]],
            mean_squared_error,
            r"^loss at the probe W\[1\]\[0, 0\] \+ epsilon: expected a finite loss, got inf; "
            r".*scale X$",
        ),
        # an analytic gradient that overflows: backward's own error
        (
            one_linear_unit(1.0),
            [[1e300, 1e10]],
            [[0.0, 1.0]],
            mean_squared_error,
            r"^dW\[0\] \(layer 1\): expected a finite gradient, got inf",
        ),
        # the forward pass itself
        (
            one_linear_unit(1e300),
            [[1e10, 1.0]],
            [[0.0, 1.0]],
            mean_squared_error,
            r"^A\[1\] \(layer 1\): expected finite activations, got inf",
        ),
    ],
    ids=["probe-cannot-move", "probe-loss", "analytic-gradient", "forward"],
)
def test_an_overflowing_network_is_a_non_finite_error_not_a_warning_or_nan(
    params: Params[np.float64], X: Any, Y: Any, kind: Loss, message: str
) -> None:
    # filterwarnings = error: a numpy RuntimeWarning escaping would fail here first.
    with pytest.raises(fnmlp.NonFiniteError, match=message):
        gradient_check(params, X, Y, kind)


def test_huge_but_finite_gradients_get_a_finite_relative_error() -> None:
    # Gradients of 1e189: their norms overflow float64 unless scaled first.
    params = fnmlp.init([2, 3, 1], seed=0)
    X = [[0.0, 1e200], [1e200, 0.0]]
    report = gradient_check(params, X, [[1, 0]], binary_cross_entropy, deltas=False)
    assert all(np.isfinite(c.relative_error) for entry in report.layers for c in entry.checks)
    assert report.layers[0].W.max_difference > 1e180  # the gradients really are that large
    assert report.layers[0].W.passed(TOLERANCE) and report.layers[1].W.passed(TOLERANCE)


def test_tolerance_is_inclusive_at_its_boundary() -> None:
    rng = np.random.default_rng(8)
    params = network([2, 2, 1], [tanh, sigmoid], 8)
    X, Y = rng.normal(size=(2, 3)), [[0, 1, 1]]
    report = gradient_check(params, X, Y, binary_cross_entropy)
    worst = report.worst_error
    assert worst > 0
    assert worst == max(c.relative_error for layer in report.layers for c in layer.checks)
    assert report.passed(worst) and not report.passed(float(np.nextafter(worst, 0.0)))
    assert gradient_check(params, X, Y, binary_cross_entropy, tolerance=worst).ok
    below = float(np.nextafter(worst, 0.0))
    assert not gradient_check(params, X, Y, binary_cross_entropy, tolerance=below).ok
    check = report.layers[0].W
    assert check.passed(check.relative_error)
    assert not check.passed(float(np.nextafter(check.relative_error, 0.0)))


def test_a_probe_landing_exactly_on_a_relu_kink_is_counted() -> None:
    # z = 0 * x + b with b = epsilon: the probes b - epsilon and W - epsilon give z = 0 exactly
    # (and the dZ probe too); the other probe gives z = 2 epsilon: a probe onto the kink
    params = Params(
        (
            Layer(np.array([[0.0]]), np.array([[1e-6]]), relu),
            Layer(np.array([[1.0]]), np.array([[0.0]]), sigmoid),
        )
    )
    report = gradient_check(params, [[1.0]], [[1]], binary_cross_entropy, epsilon=1e-6)
    first = report.layers[0]
    assert first.dZ is not None
    assert (first.W.kinks, first.b.kinks, first.dZ.kinks) == (1, 1, 1)
    assert str(report).count("none left") == 3  # every probe of those arrays sat on the kink
    assert report.layers[1].W.kinks == report.layers[1].b.kinks == 0


def test_the_reports_tolerance_is_checked_as_gradient_checks_is() -> None:
    X = np.random.default_rng(0).normal(size=(3, 5))
    report = fnmlp.gradient_check(
        fnmlp.init([3, 4, 1], hidden=fnmlp.tanh, seed=0),
        X,
        [[0, 1, 1, 0, 1]],
        fnmlp.binary_cross_entropy,
    )
    bad: Any
    for bad in (-1.0, 0.0, float("nan"), "x"):
        with pytest.raises(fnmlp.HyperparameterError, match=r"^tolerance: expected a positive"):
            report.passed(bad)
        with pytest.raises(fnmlp.HyperparameterError, match=r"^tolerance: expected a positive"):
            report.failures(bad)
        with pytest.raises(fnmlp.HyperparameterError, match=r"^tolerance: expected a positive"):
            report.layers[0].checks[0].passed(bad)
    assert report.passed() and report.passed(1e-6) and not report.failures(1e-6)
