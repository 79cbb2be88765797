"""What training does with the monitored loss after every epoch: stop early, or slow down.

:class:`EarlyStopping` ends a run whose loss has stopped improving;
:class:`ReduceLROnPlateau` scales the optimiser's steps down when it stalls,
keeping where it is in a :class:`Plateau` (part of the run's
:class:`~fnmlp.TrainState`). Keras's callbacks of the same names.

Examples:
    >>> from fnmlp import binary_cross_entropy, init, sgd, train
    >>> result = train(init([1, 1], seed=0), [[0.0, 1.0]], [[1, 0]],
    ...                loss=binary_cross_entropy, optimizer=sgd(0.1), epochs=4,
    ...                reduce_lr_on_plateau=ReduceLROnPlateau(factor=0.5, patience=1))
    >>> result.state.plateau.scale <= 1.0
    True
"""

from __future__ import annotations

import math

import attrs

from fnmlp._validate import positive_float, positive_int
from fnmlp.errors import HyperparameterError

__all__ = ["EarlyStopping", "Plateau", "ReduceLROnPlateau"]


@attrs.frozen(eq=False)
class EarlyStopping:
    """Stop when the validation loss has not improved by ``min_delta`` for ``patience`` epochs.

    Under early stopping, validation is measured after every epoch, so the
    epoch a run stops at does not depend on ``log_every`` or ``epochs``.
    Training returns the best params.

    Attributes:
        patience: epochs without improvement before stopping (positive).
        min_delta: the smallest decrease that counts as improvement (>= 0).

    Examples:
        >>> EarlyStopping(patience=0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: patience: expected a positive int, got 0
    """

    patience: int = attrs.field(default=10)
    min_delta: float = attrs.field(default=0.0)

    def __attrs_post_init__(self) -> None:
        # kept as Python numbers: a numpy float32 would compare losses in float32
        object.__setattr__(self, "patience", positive_int(self.patience, "patience"))
        delta = positive_float(self.min_delta, "min_delta", allow_zero=True)
        object.__setattr__(self, "min_delta", delta)


@attrs.frozen(eq=False)
class ReduceLROnPlateau:
    """Multiply the learning rate by ``factor`` when the monitored loss stalls for ``patience`` epochs.

    Keras' ``ReduceLROnPlateau``, and scikit-learn's ``learning_rate="adaptive"``
    with ``factor=0.2``. The monitored loss is the validation loss when
    :func:`fnmlp.train` has validation data, else the training loss (the
    epoch's running mean by default), judged after every epoch. A reduction
    scales every later step the optimiser takes, which for every built-in
    optimiser is its learning rate times the scale; the scale lives in
    :attr:`TrainState.plateau`, so a resumed run goes on with it.

    Attributes:
        factor: the multiplier at each reduction, in ``(0, 1)``.
        patience: epochs without an improvement of more than ``min_delta``
            before a reduction (and between two reductions).
        min_delta: the smallest decrease that counts as improvement (>= 0).
        min_scale: the scale never goes below this, in ``[0, 1)``.

    Examples:
        >>> ReduceLROnPlateau(factor=0.5, patience=3)
        ReduceLROnPlateau(factor=0.5, patience=3, min_delta=0.0, min_scale=0.0)
        >>> ReduceLROnPlateau(factor=1.5)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: factor: expected a number in (0, 1), got 1.5
    """

    factor: float = attrs.field(default=0.1)
    patience: int = attrs.field(default=10)
    min_delta: float = attrs.field(default=0.0)
    min_scale: float = attrs.field(default=0.0)

    def __attrs_post_init__(self) -> None:
        factor = positive_float(self.factor, "factor")
        if factor >= 1:
            raise HyperparameterError(f"factor: expected a number in (0, 1), got {self.factor!r}")
        patience = positive_int(self.patience, "patience")
        delta = positive_float(self.min_delta, "min_delta", allow_zero=True)
        least = positive_float(self.min_scale, "min_scale", allow_zero=True)
        if least >= 1:
            raise HyperparameterError(
                f"min_scale: expected a number in [0, 1), got {self.min_scale!r}"
            )
        # kept as Python numbers: a numpy float32 factor would make the scale one
        for name, value in (("factor", factor), ("patience", patience), ("min_delta", delta)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "min_scale", least)

    def judge(self, plateau: Plateau, loss: float, epoch: int) -> Plateau:
        """The plateau's state after ``epoch`` epochs whose monitored loss is ``loss``.

        Examples:
            >>> rule = ReduceLROnPlateau(factor=0.5, patience=2)
            >>> state = Plateau()
            >>> for epoch, loss in enumerate([1.0, 0.9, 0.95, 0.92, 0.91], 1):
            ...     state = rule.judge(state, loss, epoch)
            ...     print(epoch, state.scale)
            1 1.0
            2 1.0
            3 1.0
            4 0.5
            5 0.5
        """
        if loss < plateau.best - self.min_delta:
            return Plateau(plateau.scale, float(loss), epoch)
        if epoch - plateau.since >= self.patience:
            scale = max(plateau.scale * self.factor, self.min_scale)
            return Plateau(scale, plateau.best, epoch)
        return plateau


@attrs.frozen
class Plateau:
    """Where :class:`ReduceLROnPlateau` is: the scale of the steps, the best loss, and since when.

    Attributes:
        scale: what every step of the optimiser is multiplied by (1 until a reduction).
        best: the lowest monitored loss so far.
        since: the epoch of the last improvement or reduction.

    Examples:
        >>> Plateau()
        Plateau(scale=1.0, best=inf, since=0)
    """

    scale: float = 1.0
    best: float = float("inf")
    since: int = 0

    def __attrs_post_init__(self) -> None:
        scale, best, since = self.scale, self.best, self.since  # callers may send anything
        checked: tuple[object, object, object] = (scale, best, since)
        if not (isinstance(checked[0], float) and 0 <= scale <= 1):
            raise HyperparameterError(f"scale: expected a float in [0, 1], got {scale!r}")
        if not isinstance(checked[1], float) or math.isnan(best):
            raise HyperparameterError(f"best: expected a float or inf, got {best!r}")
        if not isinstance(checked[2], int) or isinstance(checked[2], bool) or since < 0:
            raise HyperparameterError(f"since: expected a non-negative int, got {since!r}")

