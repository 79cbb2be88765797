"""The report of :func:`~fnmlp.gradient_check`: per array, per layer, and for the network.

An :class:`ArrayCheck` compares one array (``W[l]``, ``b[l]`` or ``dZ[l]``)
of the backward pass with its central differences; a :class:`LayerCheck`
holds one layer's, with a note on the probes that crossed a ReLU kink; a
:class:`GradientCheck` holds every layer's, the arrays compared, and prints as
a table.

Examples:
    >>> W = ArrayCheck("W[1]", 2e-10, 1e-12, probes=6, kinks=0, error_away_from_kinks=2e-10)
    >>> b = ArrayCheck("b[1]", 0.5, 3e-3, probes=3, kinks=3, error_away_from_kinks=0.0)
    >>> layer = LayerCheck(1, "relu", W, b, None)
    >>> print(layer.passed(1e-6), layer.passed(1e-6, away_from_kinks=True))
    False True
"""

from __future__ import annotations

import attrs
import numpy as np

from fnmlp._validate import positive_float
from fnmlp.aliases import Deltas
from fnmlp.records import Grads

__all__ = ["ArrayCheck", "GradientCheck", "LayerCheck"]


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
        return error <= positive_float(tolerance, "tolerance")


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
        >>> from fnmlp import binary_cross_entropy, gradient_check, init, relu, sigmoid
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
            >>> from fnmlp import gradient_check, init, mean_squared_error, tanh
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
            >>> from fnmlp import binary_cross_entropy, gradient_check, init
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
            >>> from fnmlp import gradient_check, init, mean_squared_error, tanh
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
            >>> from fnmlp import binary_cross_entropy, gradient_check, init
            >>> params = init([1, 3, 1], scheme="random", seed=np.random.RandomState(1))
            >>> report = gradient_check(params, [[0, 1]], [[1, 0]], binary_cross_entropy)
            >>> [c.name for c in report.failures()]
            ['b[1]', 'dZ[1]']
        """
        cut = self.tolerance if tolerance is None else positive_float(tolerance, "tolerance")
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
            >>> from fnmlp import binary_cross_entropy, gradient_check, init
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

