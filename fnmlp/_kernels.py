"""The one forward and one backward kernel: the maths every fnmlp function runs.

The network is the packed layout of :class:`fnmlp.Params`: layer ``l`` is
the block ``Q[l] = [W[l].T; b[l].T]`` and its input carries a row of ones,
so that

    Z[l] = Q[l].T @ [A[l-1]; 1]                      (forward, one product)
    dQ[l] = [A[l-1]; 1] @ dZ[l].T                    (dW[l].T and db[l].T, one product)
    dZ[l-1] = g'(Z[l-1]) * (W[l].T @ dZ[l])          (W[l].T is Q[l][:-1], contiguous rows)

with the ``1/m`` folded into the output delta ``dZ[L]``, fused to
``(A[L] - Y) / m`` for sigmoid with binary cross-entropy and softmax with
categorical cross-entropy. ``forward``, ``backward``, ``gradient``,
``opt.step``, ``gradient_check``, ``train`` and ``scan`` all call these.

No checks here: callers validate at their boundary. Every array a kernel
writes into is one its caller allocated for it and has not handed out.

Examples:
    >>> import numpy as np
    >>> from fnmlp import binary_cross_entropy, init
    >>> params = init([2, 3, 1], seed=0)
    >>> X1 = np.array([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]])        # [X; 1]
    >>> Y = np.array([[1.0, 0.0]])
    >>> blocks = params.structure.blocks(params.theta)
    >>> Zs, inputs, Z, A = forward(blocks, params.activations, X1)
    >>> dZ = output_delta(binary_cross_entropy, params.activations[-1], Z, A, Y)
    >>> g = np.empty((1, params.structure.size))
    >>> backward(blocks, params.activations, Zs, inputs, dZ, params.structure.blocks(g))
    >>> g.shape
    (1, 13)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from fnmlp import _threads
from fnmlp._validate import describe, number
from fnmlp.activations import Activation
from fnmlp.aliases import Activations, Deltas, F, Matrix, Outputs, Targets
from fnmlp.errors import DTypeError, HyperparameterError, ShapeError
from fnmlp.losses import Loss, fuses

__all__ = [
    "accuracy_of",
    "backward",
    "divisor",
    "forward",
    "output_delta",
    "returned",
    "value",
    "with_ones",
]


def with_ones(Z: Activations[F]) -> Matrix[F]:
    """A new ``(n + 1, m)`` array whose last row is ones, the rest left to be written."""
    out: Matrix[F] = np.empty((Z.shape[0] + 1, Z.shape[1]), Z.dtype)
    out[-1] = 1
    return out


def dropout_masks(
    rng: np.random.Generator,
    rates: Sequence[float],
    dims: Sequence[int],
    m: int,
    dtype: np.dtype[Any],
) -> tuple[Matrix[Any] | None, ...]:
    """Inverted-dropout masks for the hidden layers: ``keep / p`` with ``keep ~ Bernoulli(p)``.

    One ``(n_l, m)`` mask per hidden layer, ``None`` where the rate is 0. Each
    entry is 16 random bits, kept when at least the threshold
    ``t = round(rate * 2**16)`` (at most ``2**16 - 1``). So the rate is
    rounded to a multiple of ``2**-16``, the keep probability is exactly
    ``p = (2**16 - t) / 2**16`` and the kept entries are ``1 / p``: the mask's
    expectation is exactly 1. The bits of every layer come from one draw of
    full-range 64-bit integers, each read as four little-endian 16-bit ones
    (a quarter of a 64-bit draw per entry, where a float32 uniform takes half
    of one and a conversion); they do not depend on ``dtype``: the same
    generator gives the same masks in float32 and float64.

    The 64-bit integers are ``rng.integers(0, 2**64 - 1, endpoint=True)``'s;
    for numpy's bit generators of 64-bit words (all but MT19937, whose words
    are 32-bit) they are the raw words, read without ``integers``' 4 µs a
    call and its slower steps after (benchmark ``dropout_step``, float32:
    a step with dropout 1.155x one without through ``integers``, 1.12x
    through the raw words). Through the raw words, on ``[64, 256, 256, 10]``
    at batch 32, the masks of a step are drawn in 22 µs, not 40 as float32
    uniforms; a step with dropout costs 1.12x one without, not 1.16x
    (float64: 1.07x, not 1.10x).
    """
    layers = [(rate, n) for rate, n in zip(rates, dims[1:-1])]
    counts = [-(-n * m // 4) if rate else 0 for rate, n in layers]  # 64-bit words per layer
    wide = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64)
    if isinstance(rng.bit_generator, wide):
        words = rng.bit_generator.random_raw(sum(counts))
    else:
        words = rng.integers(0, 2**64 - 1, size=sum(counts), dtype=np.uint64, endpoint=True)
    bits = words.astype("<u8", copy=False).view("<u2")
    masks: list[Matrix[Any] | None] = []
    start = 0
    for (rate, n), count in zip(layers, counts):
        if not rate:
            masks.append(None)
            continue
        threshold = min(round(rate * 2**16), 2**16 - 1)
        keep = bits[4 * start : 4 * start + n * m].reshape(n, m) >= np.uint16(threshold)
        mask: Matrix[Any] = np.multiply(keep, dtype.type(2**16 / (2**16 - threshold)), dtype=dtype)
        masks.append(mask)
        start += count
    return tuple(masks)


def returned(value: object, like: Matrix[F], record: Activation | Loss, part: str) -> Matrix[F]:
    """``value``, what a record's function returned, if it is an array shaped and typed as ``like``.

    The built-in records' functions always are; a user's own ``Activation`` or
    ``Loss`` may not be, and a wrong shape would broadcast silently.

    Examples:
        >>> from fnmlp import relu
        >>> returned(np.zeros((1, 3)), np.zeros((2, 3)), relu, "fn")
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: relu's fn: expected an array of shape (2, 3) float64 like its input, got (1, 3) float64
    """
    if isinstance(value, np.ndarray) and value.shape == like.shape and value.dtype == like.dtype:
        return value
    got = f"{value.shape} {value.dtype}" if isinstance(value, np.ndarray) else describe(value)
    error = (
        ShapeError if isinstance(value, np.ndarray) and value.shape != like.shape else DTypeError
    )
    raise error(
        f"{record.name}'s {part}: expected an array of shape {like.shape} {like.dtype} like its "
        f"input, got {got}"
    )


def forward(
    blocks: Sequence[Matrix[F]],
    activations: Sequence[Activation],
    X1: Matrix[F],
    *,
    keep: bool = True,
    masks: Sequence[Matrix[F] | None] = (),
) -> tuple[list[Activations[F]], list[Matrix[F]], Outputs[F], Outputs[F]]:
    """``(Zs, inputs, Z[L], A[L])`` of the network ``blocks`` on ``X1 = [X; 1]``.

    ``Zs`` are the hidden layers' ``Z[1..L-1]`` and ``inputs`` every layer's
    input ``[A[l-1]; 1]`` (the first is ``X1``); with ``keep=False`` both are
    empty and each layer's values are dropped once the next is made. Each
    hidden layer's ``[A; 1]`` is a new array (reusing scratch arrays across
    steps won under 10% on the benchmarks: 5% on tiny, 1% on wide). A hidden
    layer with a dropout mask passes on ``A * mask`` (inverted dropout).
    """
    Zs: list[Activations[F]] = []
    inputs: list[Matrix[F]] = [X1] if keep else []
    A1 = X1
    last = len(blocks) - 1
    for l in range(last):
        Z: Activations[F] = blocks[l].T.dot(A1)
        A1 = with_ones(Z)
        activation = activations[l]
        if activation.into is None:
            A1[:-1] = returned(activation.fn(Z), Z, activation, "fn")
        elif activation.elementwise and Z.size >= _threads.THRESHOLD:
            _threads.rows(activation.into, Z, A1[:-1])
        else:  # (rows' own test, made here to save a call on small layers)
            activation.into(Z, A1[:-1])
        mask = masks[l] if masks else None
        if mask is not None:
            A1[:-1] *= mask
        if keep:
            Zs.append(Z)
            inputs.append(A1)
    Z = blocks[last].T.dot(A1)
    output = activations[last]
    A: Outputs[F] = returned(output.fn(Z), Z, output, "fn")
    return Zs, inputs, Z, A


@functools.lru_cache(maxsize=64)
def divisor(m: int, dtype: np.dtype[Any]) -> Any:
    """``m`` as a read-only 0-d array of ``dtype``: the number a division by ``m`` casts it to.

    Cached: a batch size recurs every step, and the cast costs as much as
    the division on a small batch.
    """
    number = np.asarray(m, dtype)
    number.setflags(write=False)
    return number


def output_delta(
    kind: Loss,
    activation: Activation,
    Z: Outputs[F],
    A: Outputs[F],
    Y: Targets[F],
    scale: Any = None,
    fused: bool | None = None,
) -> Deltas[F]:
    """``dZ[L]``: fused ``(A - Y) / m`` where the pair allows, the chain rule otherwise.

    ``fused`` is ``fuses(kind, activation)``, worked out here unless given.

    ``scale`` replaces the ``1/m`` of the mean: an int ``total`` for a shard
    of a batch of ``total`` examples (``1/total``; with ``total = m``, bit for
    bit the mean), or a ``(1, m)`` row ``w_j / sum(w)`` of per-example weights.
    """
    m = Y.shape[1]
    if fuses(kind, activation) if fused is None else fused:
        dZ: Deltas[F] = A - Y
        if scale is None or isinstance(scale, int):
            dZ /= divisor(m if scale is None else scale, Y.dtype)
        else:
            dZ *= scale
        return dZ
    dA: Deltas[F] = returned(kind.gradient(A, Y), A, kind, "gradient")
    if isinstance(scale, int):
        dA *= m / scale  # the gradient's 1/m exchanged for 1/total (exactly 1 when equal)
    elif scale is not None:
        dA *= scale * m  # the gradient's 1/m exchanged for the weights
    return returned(activation.derivative(Z, A, dA), Z, activation, "derivative")


def backward(
    blocks: Sequence[Matrix[F]],
    activations: Sequence[Activation],
    Zs: Sequence[Activations[F]],
    inputs: Sequence[Matrix[F]],
    dZ: Deltas[F],
    out: Sequence[Matrix[F]],
    deltas: list[Deltas[F]] | None = None,
    masks: Sequence[Matrix[F] | None] = (),
) -> None:
    """Write each layer's ``dQ[l] = [A[l-1]; 1] @ dZ[l].T`` into ``out[l]``, last layer first.

    ``Zs`` and ``inputs`` are a kept :func:`forward` pass's, ``dZ`` the output
    delta; ``out`` are the (C-contiguous) blocks of the packed gradient;
    ``masks`` the pass's dropout masks, if any. When ``deltas`` is a list,
    every ``dZ[l]`` is appended to it, ``dZ[L]`` first. The input's gradient
    ``dA[0]`` is never computed.
    """
    for l in range(len(blocks) - 1, -1, -1):
        inputs[l].dot(dZ.T, out[l])
        if deltas is not None:
            deltas.append(dZ)
        if l:
            dA: Deltas[F] = blocks[l][:-1].dot(dZ)
            activation, Z = activations[l - 1], Zs[l - 1]
            mask = masks[l - 1] if masks else None
            if mask is None:
                A = inputs[l][:-1]
            else:  # the layer passed on g(Z) * mask: its derivative gets g(Z) itself
                dA *= mask
                A = returned(activation.fn(Z), Z, activation, "fn")
            if activation.derivative_into is None:
                dZ = returned(activation.derivative(Z, A, dA), Z, activation, "derivative")
                continue
            # dA is this loop's own to overwrite
            if activation.elementwise and dA.size >= _threads.THRESHOLD:
                _threads.rows(activation.derivative_into, Z, A, dA)
            else:
                activation.derivative_into(Z, A, dA)
            dZ = dA


def value(
    kind: Loss,
    activation: Activation,
    Z: Outputs[F],
    A: Outputs[F],
    Y: Targets[F],
    scale: Any = None,
) -> float:
    """The loss of one pass's output ``(Z, A)``: from the logits where the pair fuses.

    ``scale`` as in :func:`output_delta`: an int ``total`` or a ``(1, m)``
    row of normalised weights (which needs the loss's ``per_example`` form).
    """
    logits = kind.from_logits is not None and fuses(kind, activation)
    if scale is None or isinstance(scale, int):
        mean = kind.from_logits(Z, Y) if logits and kind.from_logits else kind.value(A, Y)
        mean = number(mean, f"{kind.name}'s value")
        return mean if scale is None else mean * (Y.shape[1] / scale)
    if logits and kind.per_example_logits is not None:
        per = kind.per_example_logits(Z, Y)
    elif kind.per_example is not None:
        per = kind.per_example(A, Y)
    else:
        raise HyperparameterError(
            f"loss: expected a Loss with a per_example form for weighted examples, got "
            f"{kind.name}, which has none"
        )
    total: float = float(per.ravel().dot(np.ravel(scale)))
    return total


def accuracy_of(A: Outputs[F], Y: Targets[F], multiclass: bool) -> float:
    """The fraction of right answers in outputs ``A``: arg-max per column, or each entry at 0.5."""
    # a count over a size: the mean of the booleans, without np.mean's overhead
    right = A.argmax(axis=0) == Y.argmax(axis=0) if multiclass else (A >= 0.5) == (Y >= 0.5)
    size: int = right.size
    return int(np.count_nonzero(right)) / size
