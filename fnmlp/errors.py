"""The errors fnmlp raises: one hierarchy, each naming argument, expectation and value.

Every error fnmlp raises on bad input is an :class:`FnmlpError`, and also a
``ValueError`` or ``TypeError`` so that code written against plain Python
conventions keeps working; a file that cannot be written raises a
:class:`FileError`, which is also an ``OSError``. Ctrl-C during
:func:`fnmlp.train` raises :class:`TrainingInterrupted`, a
``KeyboardInterrupt`` (not bad input, so not an :class:`FnmlpError`) that
carries the run's state.

Examples:
    >>> import fnmlp
    >>> try:
    ...     fnmlp.init([2, 0, 1])
    ... except fnmlp.ShapeError as error:
    ...     print(error)
    dims[1]: expected a positive int, got 0
    >>> issubclass(fnmlp.ShapeError, ValueError)
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the records sit above the errors; only the annotation needs them
    from fnmlp.runs import TrainState

__all__ = [
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
]


class FnmlpError(Exception):
    """The base of every error fnmlp raises.

    Examples:
        >>> issubclass(ShapeError, FnmlpError)
        True
    """


class ShapeError(FnmlpError, ValueError):
    """An array has the wrong rank or size, or layers do not chain.

    Examples:
        >>> print(ShapeError("X: expected shape (2, m), got (4, 2)"))
        X: expected shape (2, m), got (4, 2)
    """


class DTypeError(FnmlpError, TypeError):
    """An array or value has a type fnmlp cannot use (strings, objects, complex, ...).

    Examples:
        >>> issubclass(DTypeError, TypeError)
        True
    """


class NonFiniteError(FnmlpError, ValueError):
    """An input holds NaN or infinity.

    Examples:
        >>> issubclass(NonFiniteError, ValueError)
        True
    """


class LabelError(FnmlpError, ValueError):
    """Targets lie outside the range that the chosen loss accepts.

    Examples:
        >>> issubclass(LabelError, ValueError)
        True
    """


class HyperparameterError(FnmlpError, ValueError):
    """A learning rate, epoch count, batch size, beta or similar is out of range.

    Examples:
        >>> issubclass(HyperparameterError, ValueError)
        True
    """


class DivergenceError(FnmlpError, ArithmeticError, ValueError):
    """Training produced a non-finite loss or parameter.

    An ``ArithmeticError``, and a ``ValueError`` like every other fnmlp error:
    a learning rate or input scale that makes training diverge is a bad value.

    Attributes:
        epoch: the first epoch after which a parameter or loss was not finite,
            counted as ``TrainState.epoch`` counts (epoch 3 is the third; 0 is
            the starting network).
        layer: the 1-based layer where it appeared: the lowest holding a
            non-finite parameter, else the lowest whose values ``Z``, ``A`` are
            not finite, else the output layer (a loss that overflowed from
            finite outputs); ``None`` when not known.

    Examples:
        >>> error = DivergenceError("training diverged", epoch=3, layer=2)
        >>> (error.epoch, error.layer)
        (3, 2)
    """

    def __init__(self, message: str, *, epoch: int, layer: int | None = None) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.layer = layer


class SerialisationError(FnmlpError, ValueError):
    """A saved file is missing, truncated, tampered with or not an fnmlp file.

    Examples:
        >>> issubclass(SerialisationError, ValueError)
        True
    """


class FileError(FnmlpError, OSError, ValueError):
    """A file fnmlp was asked to write cannot be written.

    Its folder is missing, a folder stands where the file should go, or the
    file system refuses it (read-only, full, no permission). The message names
    the argument, the path and what went wrong in words. It is an ``OSError``
    carrying the operating system's ``errno`` and ``strerror``, with the path
    as ``filename``, so ``except OSError`` keeps working, and a ``ValueError``
    like every fnmlp error: the path given is a bad value. The original error
    is its ``__cause__``.

    Examples:
        >>> import errno
        >>> error = FileError(
        ...     "path: cannot save the figure to 'out/a.png': its folder 'out' does not exist",
        ...     path="out/a.png", errno=errno.ENOENT, strerror="No such file or directory")
        >>> print(error)
        path: cannot save the figure to 'out/a.png': its folder 'out' does not exist
        >>> print(error.filename, error.errno == errno.ENOENT, isinstance(error, OSError))
        out/a.png True True
        >>> issubclass(FileError, ValueError)
        True
    """

    def __init__(
        self, message: str, *, path: str, errno: int | None = None, strerror: str | None = None
    ) -> None:
        super().__init__(message)
        self.filename = path
        self.errno = errno
        self.strerror = strerror

    def __str__(self) -> str:
        # OSError's own str would show "[Errno 2] ...: 'path'" instead of the message.
        return str(self.args[0])


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C (a ``KeyboardInterrupt``) stopped :func:`fnmlp.train`: here is the run so far.

    A ``KeyboardInterrupt``, so that a program that does not look for it
    stops as it always did; ``except TrainingInterrupted`` keeps the work.
    The epoch that was under way when the interrupt came is dropped: the
    state is the one after the last completed epoch, whole and consistent
    (params, optimiser state, epoch, history, best params), and
    ``train(error.state, ...)`` with the same arguments and the remaining
    epochs finishes the run bit-identically to one that was never
    interrupted.

    Attributes:
        state: the :class:`~fnmlp.TrainState` after the last completed epoch.

    Examples:
        >>> from fnmlp import TrainState, init, sgd
        >>> params = init([1, 1], seed=0)
        >>> state = TrainState(params, sgd(0.1).init(params), 3, params, 0, float("inf"), False)
        >>> error = TrainingInterrupted("training interrupted after epoch 3", state=state)
        >>> isinstance(error, KeyboardInterrupt), isinstance(error, FnmlpError), error.state.epoch
        (True, False, 3)
    """

    def __init__(self, message: str, *, state: TrainState[Any]) -> None:
        super().__init__(message)
        self.state = state
