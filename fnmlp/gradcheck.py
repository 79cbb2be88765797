"""``gradient_check``: :func:`fnmlp.backward` against central differences, layer by layer.

Every entry of every ``W[l]`` and ``b[l]`` is probed: the loss is evaluated
with that one entry moved by ``+epsilon`` and by ``-epsilon``, and
``(J(+) - J(-)) / (2 epsilon)`` is compared with the backward pass. The deltas
``dZ[l] = dJ/dZ[l]`` are probed the same way, entry by entry of each ``Z[l]``.
Each array is summarised by the relative error
``||num - ana|| / (||num|| + ||ana||)`` (0 when both are 0) and the largest
absolute difference.

ReLU and leaky ReLU have a kink at ``z = 0`` where they have no derivative.
Backward uses a convention there (``relu'(0) = 0``, ``leaky_relu'(0) = 0.01``),
while a central difference whose probe moves a pre-activation across or onto
0 sees the average of the slopes on either side. The check counts such probes
in every array and says so in its report, with the error over the other
probes alongside, instead of just printing a distance. That is why notebook
000's check of ``dZ[1]`` disagrees: with ``x = 0`` and zero biases,
``Z[1]`` is exactly 0 in that column.

The check always computes in float64: float32 params are cast up (float32's
rounding would drown a central difference), so it checks the maths of the
backward pass, not float32 rounding.

Examples:
    >>> import numpy as np
    >>> from fnmlp import binary_cross_entropy, gradient_check, init, tanh
    >>> X = np.random.default_rng(0).normal(size=(3, 5))
    >>> Y = np.array([[0, 1, 1, 0, 1]])
    >>> report = gradient_check(init([3, 4, 1], hidden=tanh, seed=0), X, Y,
    ...                         binary_cross_entropy)
    >>> print(report.ok, report.worst_error < 1e-8, report.kinks)
    True True 0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from fnmlp._checks import check_inputs, check_output_for, check_targets_for
from fnmlp._probes import (
    Float64,
    Mask,
    backward_deltas,
    in_float64,
    probe_deltas,
    probe_parameters,
)
from fnmlp._validate import first_nonfinite, positive_float
from fnmlp.aliases import Deltas
from fnmlp.errors import DTypeError, HyperparameterError, NonFiniteError
from fnmlp.losses import Loss
from fnmlp.propagation import backward, forward
from fnmlp.records import Grads, Params, lock

__all__ = ["ArrayCheck", "GradientCheck", "LayerCheck", "gradient_check"]

DEFAULT_EPSILON = 1e-6
DEFAULT_TOLERANCE = 1e-6


@attrs.frozen(eq=False)
class ArrayCheck:
    """The comparison of one array: ``W[l]``, ``b[l]`` or ``dZ[l]``.

    Attributes:
        name: which array, as ``"W[1]"``, ``"b[1]"`` or ``"dZ[1]"``.
        relative_error: ``||num - ana|| / (||num|| + ||ana||)`` over every probe.
        max_difference: the largest ``|num - ana|`` of one entry.
        probes: how many entries were probed (all of them).
        kinks: how many probes moved a ReLU or leaky ReLU pre-activation (of
            this layer or a later one) across or onto its kink at ``z = 0``.
        error_away_from_kinks: the relative error over the other probes (0 when
            there are none).

    Examples:
        >>> check = ArrayCheck("b[1]", 0.5, 3e-3, probes=3, kinks=3,
        ...                    error_away_from_kinks=0.0)
        >>> print(check.passed(1e-6), check.passed(1e-6, away_from_kinks=True))
        False True
    """

    name: str
    relative_error: float
    max_difference: float
    probes: int
    kinks: int
    error_away_from_kinks: float

    def passed(self, tolerance: float, *, away_from_kinks: bool = False) -> bool:
        """Whether the relative error is at most ``tolerance``.

        Args:
            tolerance: the largest relative error that passes.
            away_from_kinks: judge only the probes that crossed no kink.

        Examples:
            >>> ArrayCheck("W[2]", 2e-10, 1e-12, 3, 0, 2e-10).passed(1e-6)
            True
        """
        error = self.error_away_from_kinks if away_from_kinks else self.relative_error
        return error <= tolerance


@attrs.frozen(eq=False)
class LayerCheck:
    """The checks of one layer's ``W``, ``b`` and (when asked) ``dZ``.

    Attributes:
        layer: the layer's 1-based index ``l``.
        activation: the name of its activation.
        W: the check of ``dW[l]``.
        b: the check of ``db[l]``.
        dZ: the check of ``dZ[l]``, or ``None`` when deltas were not checked.

    Examples:
        >>> W = ArrayCheck("W[1]", 1e-10, 1e-12, 3, 0, 1e-10)
        >>> b = ArrayCheck("b[1]", 0.55, 2.9e-3, 3, 3, 0.0)
        >>> entry = LayerCheck(1, "relu", W, b, None)
        >>> print(entry.kinks, entry.passed(1e-6))
        3 False
        >>> print(entry.note)
        layer 1: 3 of 3 probes of b[1] moved a ReLU pre-activation across or onto its kink at z = 0; their numerical gradient is not the derivative there (a central difference averages the slopes on either side; backward uses relu'(0) = 0, leaky_relu'(0) = 0.01)
    """

    layer: int
    activation: str
    W: ArrayCheck
    b: ArrayCheck
    dZ: ArrayCheck | None

    @property
    def checks(self) -> tuple[ArrayCheck, ...]:
        """The layer's array checks: ``W``, ``b`` and ``dZ`` when present.

        Examples:
            >>> check = ArrayCheck("W[1]", 0.0, 0.0, 1, 0, 0.0)
            >>> [c.name for c in LayerCheck(1, "tanh", check, check, None).checks]
            ['W[1]', 'W[1]']
        """
        return (self.W, self.b) if self.dZ is None else (self.W, self.b, self.dZ)

    @property
    def kinks(self) -> int:
        """How many probes of this layer's arrays crossed a kink.

        Examples:
            >>> check = ArrayCheck("W[1]", 0.0, 0.0, 4, 1, 0.0)
            >>> LayerCheck(1, "relu", check, check, check).kinks
            3
        """
        return sum(check.kinks for check in self.checks)

    @property
    def max_difference(self) -> float:
        """The largest ``|num - ana|`` over the layer's arrays.

        Examples:
            >>> W = ArrayCheck("W[1]", 0.0, 2e-12, 1, 0, 0.0)
            >>> b = ArrayCheck("b[1]", 0.0, 5e-12, 1, 0, 0.0)
            >>> LayerCheck(1, "tanh", W, b, None).max_difference
            5e-12
        """
        return max(check.max_difference for check in self.checks)

    @property
    def note(self) -> str:
        """What the kinks mean for this layer's numbers, or ``""`` when no probe hit one.

        Examples:
            >>> check = ArrayCheck("W[1]", 0.0, 0.0, 1, 0, 0.0)
            >>> LayerCheck(1, "relu", check, check, None).note
            ''
        """
        hit = [f"{c.kinks} of {c.probes} probes of {c.name}" for c in self.checks if c.kinks]
        if not hit:
            return ""
        return (
            f"layer {self.layer}: {' and '.join(hit)} moved a ReLU pre-activation across or "
            "onto its kink at z = 0; their numerical gradient is not the derivative there "
            "(a central difference averages the slopes on either side; backward uses "
            "relu'(0) = 0, leaky_relu'(0) = 0.01)"
        )

    def passed(self, tolerance: float, *, away_from_kinks: bool = False) -> bool:
        """Whether every array of the layer passes at ``tolerance``.

        Examples:
            >>> check = ArrayCheck("W[1]", 3e-10, 0.0, 1, 0, 3e-10)
            >>> LayerCheck(1, "tanh", check, check, None).passed(1e-9)
            True
        """
        return all(c.passed(tolerance, away_from_kinks=away_from_kinks) for c in self.checks)


@attrs.frozen(eq=False)
class GradientCheck:
    """The report of :func:`gradient_check`: one :class:`LayerCheck` per layer.

    ``str(report)`` is a table with a note for every layer where probes
    crossed a kink. The arrays compared are kept, read-only, for a closer look.

    Attributes:
        layers: one entry per layer, in order.
        network: the checked network's description, e.g. ``Params([2, 3, 1], ...)``.
        examples: the number of examples ``m`` the loss was averaged over.
        epsilon: the probe size.
        tolerance: the relative error :attr:`ok` accepts.
        analytic: the backward pass's gradients (in float64).
        numerical: the central differences, in the same layout.
        analytic_dZ: the backward pass's ``dZ[l]``, one per layer; empty when
            deltas were not checked.
        numerical_dZ: the central differences of the loss in each ``Z[l]``.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import binary_cross_entropy, init, relu, sigmoid
        >>> params = init([1, 3, 1], scheme="random", seed=np.random.RandomState(1))
        >>> report = gradient_check(params, [[0, 1]], [[1, 0]], binary_cross_entropy)
        >>> print(report)
        gradient check of Params([1, 3, 1], relu -> sigmoid, float64) on 2 examples: central differences, epsilon 1e-06, in float64
        layer  activation  array  probes  kinks  relative error  max |num - ana|  away from kinks
            1  relu        W[1]        3      0         ...e-...          ...e-...
            1  relu        b[1]        3      3         5.6e-01          2.9e-03         none left
            1  relu        dZ[1]       6      3         4.8e-01          2.9e-03           ...e-...
            2  sigmoid     W[2]        3      0         ...e-...          ...e-...
            2  sigmoid     b[2]        1      0         ...e-...          ...e-...
            2  sigmoid     dZ[2]       2      0         ...e-...          ...e-...
        layer 1: 3 of 3 probes of b[1] and 3 of 6 probes of dZ[1] moved a ReLU pre-activation across or onto its kink at z = 0; their numerical gradient is not the derivative there (a central difference averages the slopes on either side; backward uses relu'(0) = 0, leaky_relu'(0) = 0.01)
        FAILED at tolerance 1e-06: b[1], dZ[1]; away from the kinks every array passes
    """

    layers: tuple[LayerCheck, ...]
    network: str
    examples: int
    epsilon: float
    tolerance: float
    analytic: Grads[np.float64]
    numerical: Grads[np.float64]
    analytic_dZ: tuple[Deltas[np.float64], ...]
    numerical_dZ: tuple[Deltas[np.float64], ...]

    @property
    def ok(self) -> bool:
        """Whether every array passes at the report's own ``tolerance``.

        Examples:
            >>> import numpy as np
            >>> from fnmlp import init, mean_squared_error, tanh
            >>> params = init([2, 2], activations=[tanh], seed=0)
            >>> gradient_check(params, [[1, 2], [3, 4]], [[0, 1], [1, 0]], mean_squared_error).ok
            True
        """
        return self.passed()

    @property
    def kinks(self) -> int:
        """How many probes crossed a kink, over every layer and array.

        Examples:
            >>> import numpy as np
            >>> from fnmlp import binary_cross_entropy, init
            >>> params = init([1, 3, 1], scheme="random", seed=np.random.RandomState(1))
            >>> gradient_check(params, [[0, 1]], [[1, 0]], binary_cross_entropy).kinks
            6
        """
        return sum(layer.kinks for layer in self.layers)

    @property
    def worst_error(self) -> float:
        """The largest relative error of any array.

        Examples:
            >>> import numpy as np
            >>> from fnmlp import init, mean_squared_error, tanh
            >>> params = init([2, 2], activations=[tanh], seed=0)
            >>> report = gradient_check(params, [[1, 2], [3, 4]], [[0, 1], [1, 0]],
            ...                         mean_squared_error)
            >>> print(report.worst_error < 1e-8)
            True
        """
        return max(c.relative_error for layer in self.layers for c in layer.checks)

    def failures(
        self, tolerance: float | None = None, *, away_from_kinks: bool = False
    ) -> tuple[ArrayCheck, ...]:
        """The array checks that do not pass at ``tolerance`` (the report's by default).

        Examples:
            >>> import numpy as np
            >>> from fnmlp import binary_cross_entropy, init
            >>> params = init([1, 3, 1], scheme="random", seed=np.random.RandomState(1))
            >>> report = gradient_check(params, [[0, 1]], [[1, 0]], binary_cross_entropy)
            >>> [c.name for c in report.failures()]
            ['b[1]', 'dZ[1]']
        """
        cut = self.tolerance if tolerance is None else tolerance
        return tuple(
            c
            for layer in self.layers
            for c in layer.checks
            if not c.passed(cut, away_from_kinks=away_from_kinks)
        )

    def passed(self, tolerance: float | None = None, *, away_from_kinks: bool = False) -> bool:
        """Whether every array's relative error is at most ``tolerance``.

        Args:
            tolerance: the largest relative error that passes; the report's
                ``tolerance`` by default.
            away_from_kinks: judge each array only by its probes that crossed
                no kink.

        Examples:
            >>> import numpy as np
            >>> from fnmlp import binary_cross_entropy, init
            >>> params = init([1, 3, 1], scheme="random", seed=np.random.RandomState(1))
            >>> report = gradient_check(params, [[0, 1]], [[1, 0]], binary_cross_entropy)
            >>> print(report.passed(), report.passed(away_from_kinks=True))
            False True
        """
        return not self.failures(tolerance, away_from_kinks=away_from_kinks)

    def __str__(self) -> str:
        header = (
            f"gradient check of {self.network} on {self.examples} examples: "
            f"central differences, epsilon {self.epsilon:g}, in float64"
        )
        rows = [
            header,
            "layer  activation  array  probes  kinks  relative error  max |num - ana|  "
            "away from kinks",
        ]
        for layer in self.layers:
            for c in layer.checks:
                away = ""
                if c.kinks:  # "none left" when every probe of the array sat on a kink
                    away = (
                        f"{c.error_away_from_kinks:16.1e}"
                        if c.kinks < c.probes
                        else "       none left"
                    )
                rows.append(
                    f"{layer.layer:5d}  {layer.activation:<10}  {c.name:<5}  {c.probes:6d}  "
                    f"{c.kinks:5d}  {c.relative_error:14.1e}  {c.max_difference:15.1e}  {away}".rstrip()
                )
        rows.extend(layer.note for layer in self.layers if layer.note)
        failed = self.failures()
        if not failed:
            rows.append(f"passed at tolerance {self.tolerance:g}")
        else:
            names = ", ".join(c.name for c in failed)
            verdict = f"FAILED at tolerance {self.tolerance:g}: {names}"
            if self.kinks and self.passed(away_from_kinks=True):
                verdict += "; away from the kinks every array passes"
            rows.append(verdict)
        return "\n".join(rows)

    def __repr__(self) -> str:
        return (
            f"GradientCheck(ok={self.ok}, worst_error={self.worst_error:.1e}, "
            f"kinks={self.kinks}, layers={len(self.layers)})"
        )


# ----------------------------------------------------------------------------- helpers


def _relative_error(num: npt.NDArray[np.float64], ana: npt.NDArray[np.float64]) -> float:
    # Both scaled by the largest entry first: the norms of gradients beyond
    # 1e154 would overflow (and those of denormals underflow) in float64.
    top = max(float(np.max(np.abs(num), initial=0.0)), float(np.max(np.abs(ana), initial=0.0)))
    if top == 0:
        return 0.0
    n, a = num / top, ana / top
    return float(np.linalg.norm(n - a)) / (float(np.linalg.norm(n)) + float(np.linalg.norm(a)))


def _compare(name: str, num: Float64, ana: Float64, kinks: Mask) -> ArrayCheck:
    clean = ~kinks
    return ArrayCheck(
        name,
        _relative_error(num, ana),
        float(np.max(np.abs(num - ana))),
        probes=num.size,
        kinks=int(kinks.sum()),
        error_away_from_kinks=_relative_error(num[clean], ana[clean]),
    )


# ----------------------------------------------------------------------------- public


def gradient_check(
    params: Params[Any],
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    kind: Loss,
    *,
    epsilon: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    deltas: bool = True,
    dropout: float | Sequence[float] | None = None,
    rng: np.random.Generator | int | None = None,
) -> GradientCheck:
    """Compare :func:`fnmlp.backward` with central differences over every parameter.

    Each entry ``p`` of every ``W[l]`` and ``b[l]`` is moved to ``p + epsilon``
    and to ``p - epsilon`` in a copy of the network (``params`` is not
    touched) and ``(J(+) - J(-)) / (2 epsilon)`` is compared with the
    backward pass's ``dW[l]``, ``db[l]``. With ``deltas`` the same is done for
    every entry of every ``Z[l]`` against the backward pass's ``dZ[l]``, as
    notebook 000 checks its deltas. The loss is the one training reports
    (from the logits where the output and loss fuse).

    The check costs two forward passes per parameter, so it is meant for
    small networks and a handful of examples. It always computes in float64;
    float32 ``params`` are cast up.

    A relative error means little for an array whose gradient is as small as
    the rounding noise of a central difference, about ``1e-16 * |J| / epsilon``
    per probe (``1e-10`` for the default ``epsilon`` and a loss near 1): a
    saturated sigmoid or tanh, inputs near 0 or a chain of leaky slopes can
    make a correct array fail. Its ``max_difference`` then shows that the
    disagreement is at that level.

    Args:
        params: the network.
        X: inputs of shape ``(n_x, m)``.
        Y: targets of shape ``(n_y, m)``, in ``kind``'s range.
        kind: the :class:`~fnmlp.Loss` to differentiate.
        epsilon: the probe size; ``1e-6`` by default.
        tolerance: the largest relative error the report's ``ok`` accepts.
        deltas: also check ``dZ[l]`` for every layer (a probe of ``Z[l][i, j]``
            runs only example ``j`` forward: every fnmlp loss is a mean over examples).
        dropout: dropout rates, as :func:`fnmlp.forward` takes them: the masks
            are drawn once from ``rng`` and held fixed for every probe, so the
            check covers the gradient of a dropout step.
        rng: the masks' random source, with ``dropout``.

    Returns:
        A :class:`GradientCheck` report: per layer, the relative error and
        largest difference of ``W``, ``b`` (and ``dZ``), and how many probes
        crossed a ReLU kink, with a note saying what that means.

    Raises:
        DTypeError: if ``params`` is not :class:`~fnmlp.Params` or ``kind`` not a Loss.
        ShapeError, NonFiniteError, LabelError: for bad ``X`` or ``Y``.
        HyperparameterError: for an ``epsilon`` or ``tolerance`` that is not
            positive and finite, a ``deltas`` that is not a bool, or a
            cross-entropy after an output layer that does not give
            probabilities (as :func:`fnmlp.train` refuses it).
        NonFiniteError: if the network overflows: the forward pass, a gradient
            of the backward pass, the loss at a probe, or a central difference
            is not finite (the message names which, and where). The numbers
            would mean nothing.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import categorical_cross_entropy, init, one_hot, softmax, tanh
        >>> rng = np.random.default_rng(1)
        >>> params = init([4, 5, 3], activations=[tanh, softmax], seed=rng)
        >>> X, Y = rng.normal(size=(4, 6)), one_hot([0, 2, 1, 1, 0, 2], classes=3)
        >>> report = gradient_check(params, X, Y, categorical_cross_entropy)
        >>> print(report.ok, report.worst_error < 1e-8)
        True True
        >>> print([(entry.layer, entry.W.probes, entry.b.probes) for entry in report.layers])
        [(1, 20, 5), (2, 15, 3)]
        >>> gradient_check(params, X, Y, categorical_cross_entropy, epsilon=0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: epsilon: expected a positive finite number, got 0
        >>> gradient_check(params, X * 1e200, Y, categorical_cross_entropy)
        Traceback (most recent call last):
        ...
        fnmlp.errors.NonFiniteError: numerical gradient at Z[1][0, 0]: expected a probe that moves the entry, got none: ...
    """
    if not isinstance(params, Params):
        raise DTypeError(f"params: expected fnmlp Params, got {type(params).__name__}")
    if not isinstance(kind, Loss):
        raise DTypeError(f"kind: expected an fnmlp Loss, got {type(kind).__name__}")
    check_output_for(params, kind, "kind")
    eps = DEFAULT_EPSILON if epsilon is None else positive_float(epsilon, "epsilon")
    tol = positive_float(tolerance, "tolerance")
    if not isinstance(deltas, (bool, np.bool_)):
        raise HyperparameterError(f"deltas: expected a bool, got {deltas!r}")
    net = in_float64(params)
    data = check_inputs(net, X)
    targets = check_targets_for(net, Y, data.shape[1], kind)
    _, cache = forward(net, data, dropout=dropout, rng=rng)  # the masks stay fixed
    analytic = backward(net, cache, targets, kind)
    # The probes run unchecked kernels; every number they give is checked as it comes.
    with np.errstate(all="ignore"):
        dWs, dbs, kinks_W, kinks_b = probe_parameters(net, cache, targets, kind, eps)
        numerical: Grads[np.float64] = Grads(dW=tuple(dWs), db=tuple(dbs))
        analytic_dZ: tuple[Deltas[np.float64], ...] = ()
        numerical_dZ: tuple[Deltas[np.float64], ...] = ()
        kinks_dZ: list[Mask] = []
        if deltas:
            exact = backward_deltas(net, cache, targets, kind)
            bad = first_nonfinite(exact)
            if bad is not None:
                l = bad[0] + 1
                raise NonFiniteError(
                    f"dZ[{l}] (layer {l}): expected a finite delta from the backward pass, got "
                    f"{bad[1]}; the inputs or weights are too large: scale X"
                )
            analytic_dZ = tuple(lock(dZ) for dZ in exact)
            probed, kinks_dZ = probe_deltas(net, cache.Z, targets, kind, eps, cache.masks)
            numerical_dZ = tuple(probed)
        entries = []
        for k, layer in enumerate(net.layers):
            l = k + 1
            dZ = (
                _compare(f"dZ[{l}]", numerical_dZ[k], analytic_dZ[k], kinks_dZ[k])
                if deltas
                else None
            )
            entries.append(
                LayerCheck(
                    l,
                    layer.activation.name,
                    _compare(f"W[{l}]", dWs[k], analytic.dW[k], kinks_W[k]),
                    _compare(f"b[{l}]", dbs[k], analytic.db[k], kinks_b[k]),
                    dZ,
                )
            )
    return GradientCheck(
        tuple(entries),
        repr(params),
        data.shape[1],
        eps,
        tol,
        analytic,
        numerical,
        analytic_dZ,
        numerical_dZ,
    )
