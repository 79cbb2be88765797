"""``init``: a network's first parameters, from a seed and one of the notebooks' schemes.

Schemes (``n_prev`` is the previous layer's size):

=============  =====================================  ===========
scheme         weights                                bias
=============  =====================================  ===========
``random``     ``N(0, 1) * 0.01`` (notebook 000)      zero
``standard``   ``N(0, 1)`` (notebooks 001, 004)       ``N(0, 1)``
``normal``     ``N(0, sigma)`` (notebook 002)         ``N(0, sigma)``
``xavier``     ``N(0, 1) * sqrt(1 / n_prev)``         zero
``he``         ``N(0, 1) * sqrt(2 / n_prev)``         zero
=============  =====================================  ===========

Examples:
    >>> import numpy as np
    >>> from fnmlp import init, tanh
    >>> np.set_printoptions(precision=4)
    >>> params = init([2, 3, 1], scheme="xavier", hidden=tanh, seed=0)
    >>> print(params)
    Params([2, 3, 1], tanh -> sigmoid, float64)
    >>> print(params.layers[1].W)
    [[ 0.7529  0.5468 -0.4063]]
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np

from fnmlp._validate import check_activation, check_dtype, describe, positive_float, positive_int
from fnmlp.activations import Activation, relu, sigmoid
from fnmlp.errors import DTypeError, FnmlpError, HyperparameterError, NonFiniteError, ShapeError
from fnmlp.records import Layer, Params

__all__ = ["SCHEMES", "Scheme", "init"]

Scheme = Literal["random", "standard", "normal", "xavier", "he"]
SCHEMES: tuple[Scheme, ...] = ("random", "standard", "normal", "xavier", "he")

Seed = int | np.random.Generator | np.random.RandomState | None


def _physical_memory() -> int | None:
    """This machine's physical memory in bytes, or ``None`` where the OS does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return None


def _in_bytes(size: int) -> str:
    """``size`` bytes for people: ``"7.3 TiB"``."""
    if size < 1024:
        return f"{size} bytes"
    scaled = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        scaled /= 1024
        if scaled < 1024:
            return f"{scaled:.1f} {unit}"
    return f"{scaled / 1024:.1f} PiB"


def check_fits(nbytes: int, name: str, expected: str, got: str) -> None:
    """Raise ``ShapeError`` before allocating ``nbytes`` that this machine cannot spare.

    The policy, for every result fnmlp allocates from a size the caller chose
    (``init``'s layer sizes, ``one_hot``'s class count, ...): a function may
    hold at most **half of this machine's physical memory** at once, counting
    its result and its own temporaries. Whatever comes next (a product with the
    result, a difference from it, its gradient) needs at least one more array
    of the same size, so a larger result could not be used even where it could
    be allocated. Where the operating system does not report its memory, the
    check passes and the caller turns numpy's own ``MemoryError`` into a
    ``ShapeError``.

    Args:
        nbytes: the bytes the caller is about to hold at its peak.
        name: the argument that chose the size, named first in the message.
        expected: what was expected of it (``"layer sizes whose parameters fit
            in memory"``).
        got: the value given, with what it implies (``"[10, 10]: 110 parameters"``).

    Raises:
        ShapeError: ``"{name}: expected {expected}, got {got}, needing about
            {size} ({nbytes} bytes), more than half of this machine's {memory}
            of physical memory"``.

    Examples:
        >>> check_fits(8 * 10**3, "classes", "a class count that fits in memory", "1000")
        >>> check_fits(2**60, "classes", "a class count that fits in memory", "2**57")
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: classes: expected a class count that fits in memory, got 2**57, needing about 1024.0 PiB (1152921504606846976 bytes), more than half of this machine's ...
    """
    memory = _physical_memory()
    if memory is not None and 2 * nbytes > memory:
        raise ShapeError(
            f"{name}: expected {expected}, got {got}, needing about {_in_bytes(nbytes)} "
            f"({nbytes} bytes), more than half of this machine's {_in_bytes(memory)} of "
            f"physical memory"
        )


def _check_fits(sizes: Sequence[int], itemsize: int) -> None:
    """:func:`check_fits` for parameters of layer sizes ``sizes``.

    The parameters take ``count * itemsize`` bytes; while a layer is drawn its
    weights also exist twice in float64 (the draw and its scaled copy).
    """
    pairs = list(itertools.pairwise(sizes))
    count = sum(n * n_prev + n for n_prev, n in pairs)
    need = count * itemsize + 2 * 8 * max(n * n_prev for n_prev, n in pairs)
    expected = "layer sizes whose parameters fit in memory"
    check_fits(need, "dims", expected, f"{list(sizes)}: {count} parameters")


def _generator(seed: Seed) -> np.random.Generator | np.random.RandomState:
    if isinstance(seed, (np.random.Generator, np.random.RandomState)):
        return seed
    if seed is None:
        return np.random.default_rng()
    candidate: object = seed  # checked at run time: callers may send anything
    if (
        isinstance(candidate, (int, np.integer))
        and not isinstance(candidate, bool)
        and int(candidate) >= 0
    ):
        return np.random.default_rng(int(candidate))
    raise DTypeError(
        f"seed: expected a non-negative int, a numpy.random.Generator or None, got {seed!r}"
    )


@overload
def init(  # type: ignore[overload-overlap]  # type[float32] vs type[float64]
    dims: Sequence[int],
    *,
    activations: Sequence[Activation] | None = None,
    hidden: Activation = relu,
    output: Activation = sigmoid,
    scheme: Scheme = "he",
    sigma: float | None = None,
    seed: Seed = None,
    dtype: type[np.float32],
) -> Params[np.float32]: ...


@overload
def init(
    dims: Sequence[int],
    *,
    activations: Sequence[Activation] | None = None,
    hidden: Activation = relu,
    output: Activation = sigmoid,
    scheme: Scheme = "he",
    sigma: float | None = None,
    seed: Seed = None,
    dtype: type[np.float64] = np.float64,
) -> Params[np.float64]: ...


def init(
    dims: Sequence[int],
    *,
    activations: Sequence[Activation] | None = None,
    hidden: Activation = relu,
    output: Activation = sigmoid,
    scheme: Scheme = "he",
    sigma: float | None = None,
    seed: Seed = None,
    dtype: type[np.float32] | type[np.float64] = np.float64,
) -> Params[Any]:
    """Make a network's parameters for layer sizes ``dims = [n_x, n_1, ..., n_L]``.

    Args:
        dims: the layer sizes, input first; at least two.
        activations: one activation per layer (``len(dims) - 1`` of them);
            when given, ``hidden`` and ``output`` are not used.
        hidden: the activation of every hidden layer.
        output: the activation of the output layer.
        scheme: ``"random"``, ``"standard"``, ``"normal"``, ``"xavier"`` or ``"he"``
            (see the module's table).
        sigma: the standard deviation for ``scheme="normal"`` (required there,
            refused elsewhere).
        seed: an int, a ``numpy.random.Generator`` (advanced by the draws) or
            ``None`` for fresh entropy. A legacy ``numpy.random.RandomState``
            also works, to replay a notebook's ``np.random.seed`` draws.
            Weights are drawn layer by layer, ``W`` before ``b``.
        dtype: ``numpy.float64`` (default) or ``numpy.float32``; the draws are
            made in float64 and rounded, so both agree to float32 precision.

    Returns:
        The network, its arrays read-only.

    Raises:
        ShapeError: if ``dims`` has fewer than two sizes, one is not a positive
            int, or the parameters would not fit in memory.
        HyperparameterError: for an unknown scheme, a bad ``sigma`` or the wrong
            number of activations.
        DTypeError: for a bad ``seed``, ``dtype`` or activation.
        NonFiniteError: for a ``sigma`` so large that draws overflow ``dtype``.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import linear, tanh
        >>> init([4, 8, 8, 2], activations=[tanh, tanh, linear], seed=1)
        Params([4, 8, 8, 2], tanh -> tanh -> linear, float64)
        >>> init([2, 3, 1], scheme="normal", sigma=0.5, seed=0, dtype=np.float32)
        Params([2, 3, 1], relu -> sigmoid, float32)
        >>> init([2, 1], scheme="glorot")
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: scheme: expected one of 'random', 'standard', 'normal', 'xavier', 'he', got 'glorot'
        >>> init([10**8, 10**8])
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: dims: expected layer sizes whose parameters fit in memory, got [100000000, 100000000]: 10000000100000000 parameters, needing about ...
    """
    if isinstance(dims, np.ndarray) and dims.ndim == 1:
        dims = dims.tolist()
    if isinstance(dims, (str, bytes)) or not isinstance(dims, Sequence):
        raise ShapeError(f"dims: expected a sequence of layer sizes, got {describe(dims)}")
    if len(dims) < 2:
        raise ShapeError(f"dims: expected at least two sizes [n_x, ..., n_L], got {list(dims)}")
    sizes = []
    for i, n in enumerate(dims):
        try:
            sizes.append(positive_int(n, f"dims[{i}]"))
        except HyperparameterError as error:
            raise ShapeError(str(error)) from None
    given: object = scheme  # checked at run time: callers may send anything
    if not isinstance(given, str) or given not in SCHEMES:
        valid = ", ".join(repr(s) for s in SCHEMES)
        shown = repr(given) if isinstance(given, str) else describe(given)
        raise HyperparameterError(f"scheme: expected one of {valid}, got {shown}")
    if scheme == "normal":
        if sigma is None:
            raise HyperparameterError(
                "sigma: expected a positive number for scheme='normal', got None"
            )
        sigma = positive_float(sigma, "sigma")
    elif sigma is not None:
        raise HyperparameterError(
            f"sigma: only used with scheme='normal', got {sigma!r} with {scheme!r}"
        )
    float_dtype = check_dtype(dtype)
    n_layers = len(sizes) - 1
    if activations is None:
        if n_layers > 1:
            check_activation(hidden, "hidden")
        chosen = [hidden] * (n_layers - 1) + [check_activation(output, "output")]
    else:
        sequence: object = activations  # checked at run time: callers may send anything
        if isinstance(sequence, (str, bytes)) or not isinstance(sequence, Sequence):
            raise DTypeError(
                f"activations: expected a sequence of {n_layers} fnmlp Activations, "
                f"got {describe(activations)}"
            )
        chosen = [check_activation(a, f"activations[{i}]") for i, a in enumerate(activations)]
        if len(chosen) != n_layers:
            raise HyperparameterError(
                f"activations: expected {n_layers} (one per layer of {sizes}), got {len(chosen)}"
            )
    _check_fits(sizes, float_dtype.itemsize)
    rng = _generator(seed)
    try:
        return Params(_draw(rng, sizes, chosen, scheme, sigma, float_dtype))
    except (MemoryError, ValueError) as error:
        if isinstance(error, FnmlpError):
            raise
        raise ShapeError(
            f"dims: expected layer sizes whose parameters fit in memory, got {list(sizes)} "
            f"({type(error).__name__}: {error})"
        ) from None


def _draw(
    rng: np.random.Generator | np.random.RandomState,
    sizes: Sequence[int],
    chosen: Sequence[Activation],
    scheme: Scheme,
    sigma: float | None,
    float_dtype: np.dtype[Any],
) -> tuple[Layer[Any], ...]:
    """The layers' arrays, drawn layer by layer, ``W`` before ``b``.

    Only ``scheme="normal"`` can overflow (a huge ``sigma``, or one that fits
    float64 but not float32): the arithmetic runs without warnings and the
    first non-finite layer is reported as a ``NonFiniteError`` naming ``sigma``.
    """
    layers = []
    for l, (n_prev, n, activation) in enumerate(zip(sizes, sizes[1:], chosen), start=1):
        W = (
            rng.standard_normal((n, n_prev))
            if isinstance(rng, np.random.Generator)
            else rng.randn(n, n_prev)
        )
        b = np.zeros((n, 1))
        if scheme == "random":
            W = W * 0.01
        elif scheme == "xavier":
            W = W * np.sqrt(1.0 / n_prev)
        elif scheme == "he":
            W = W * np.sqrt(2.0 / n_prev)
        else:
            draw = (
                rng.standard_normal((n, 1))
                if isinstance(rng, np.random.Generator)
                else rng.randn(n, 1)
            )
            scale = 1.0 if scheme == "standard" else float(sigma or 1.0)
            with np.errstate(over="ignore"):
                W, b = W * scale, draw * scale
        with np.errstate(over="ignore"):
            W, b = W.astype(float_dtype), b.astype(float_dtype)
        for key, array in (("W", W), ("b", b)):
            if not np.isfinite(array).all():
                raise NonFiniteError(
                    f"sigma: expected a standard deviation whose draws are finite in "
                    f"{float_dtype}, got {sigma!r}: layer {l}'s {key} overflows to infinity"
                )
        layers.append(Layer(W, b, activation))
    return tuple(layers)
