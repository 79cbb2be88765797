"""Large element-wise passes over row blocks on several cores, when asked for.

NumPy's products use every core BLAS has, its element-wise passes one. On a
wide network the activations and their derivatives are passes over arrays of
megabytes between the products: :func:`rows` splits such a pass into one
row block per core and runs the blocks in a thread pool (NumPy lets go of the
GIL in a pass over a large array), and runs a small pass as it is. The blocks
are disjoint and each element is computed by the same operations either way,
so the result is the same to the bit, under the caller's ``np.errstate``.

Splitting is opt-in: ``FNMLP_NUM_THREADS=n`` (read at each call) splits over
up to ``n`` of the process's CPUs; unset, every pass runs on one core. On 2
cores with OpenBLAS's two threads, a wide net's training step took
0.99-1.15x as long with the passes split as without (OpenBLAS's threads keep
the second core busy for a while after each product), so one core is the
default; with ``OPENBLAS_THREAD_TIMEOUT=4`` (its threads sleep sooner) the
split step took 0.98x. The pool is made on first use and kept, like BLAS's
threads (a forked child makes its own); it holds no values between calls.

Examples:
    >>> import numpy as np
    >>> Z = np.arange(-3.0, 3.0).reshape(2, 3)
    >>> out = np.empty_like(Z)
    >>> rows(lambda z, o: np.maximum(z, 0, out=o), Z, out)
    >>> out
    array([[0., 0., 0.],
           [0., 1., 2.]])
"""

from __future__ import annotations

import contextvars
import itertools
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["THRESHOLD", "rows", "workers"]

THRESHOLD = 1 << 20
"""Elements from which a pass is split (a 1024 x 1024 float32 array).

Below it, handing a block to another thread costs more than it saves:
``python -m benchmarks.threads`` on 2 quiet cores measured a hand-off of
about 60 µs, splitting at 2^18 elements 1.3-1.8x slower than one call for
ReLU's passes (Adam's: 0.96x), at 2^20 0.69-0.88x, at 2^22 0.48-0.59x.
Inside a training step there was no gain: see the module's docstring.
"""

_pools: dict[int, ThreadPoolExecutor] = {}
# A forked child has none of its parent's threads: it makes pools of its own.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_pools.clear)


def workers() -> int:
    """How many cores a large pass is split over: ``FNMLP_NUM_THREADS``, at most the process's CPUs; 1 unset."""
    value = os.environ.get("FNMLP_NUM_THREADS", "").strip()
    if not value.isdigit() or int(value) < 2:
        return 1
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return min(available, int(value))


def _pool(size: int) -> ThreadPoolExecutor:
    pool = _pools.get(size)
    if pool is None:
        pool = _pools.setdefault(size, ThreadPoolExecutor(size, thread_name_prefix="fnmlp"))
    return pool


def rows(fn: Callable[..., object], first: Any, *rest: Any, axis: int = 0) -> None:
    """``fn(first, *rest)``, as one call or over row blocks of every array in parallel.

    ``fn`` is an element-wise pass that writes its result into one of the
    arrays (what it returns is ignored), so a block of its arguments gives
    the block of its result. The arguments of ``first``'s shape are split;
    any other (a scalar, say) is passed whole to every block. ``axis=1`` splits the columns (of the packed
    ``(1, N)`` parameters, say) instead of the rows.
    """
    if first.size < THRESHOLD:
        fn(first, *rest)
        return
    count = workers()
    n = first.shape[axis]
    if count < 2 or n < count:
        fn(first, *rest)
        return
    bounds = [n * i // count for i in range(count + 1)]
    blocks = [(slice(None),) * axis + (slice(a, b),) for a, b in itertools.pairwise(bounds)]
    shape = first.shape
    split = [isinstance(x, np.ndarray) and x.shape == shape for x in rest]

    def block(at: tuple[slice, ...]) -> list[Any]:
        return [first[at], *(x[at] if cut else x for x, cut in zip(rest, split))]

    pool = _pool(count - 1)
    # each block runs in a copy of the caller's context: NumPy keeps np.errstate there
    futures: list[Future[object]] = [
        pool.submit(contextvars.copy_context().run, fn, *block(at)) for at in blocks[1:]
    ]
    fn(*block(blocks[0]))
    for future in futures:
        future.result()
