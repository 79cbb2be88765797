"""Stateless transforms of the gradient, and :func:`chain` to put them before an optimiser.

=========================  ===================================================
``clip_by_global_norm(c)``  ``g * c / max(||g||, c)`` over the whole network
``clip_by_value(c)``        every entry of ``g`` clipped to ``[-c, c]``
``chain(t1, ..., opt)``     an optimiser whose rule sees ``tk(...t1(g))``
=========================  ===================================================

A :class:`Transform` keeps no state, so a chain's state is its optimiser's:
a run can be resumed with clipping added, removed or changed.

Examples:
    >>> import numpy as np
    >>> from fnmlp import Grads, Layer, Params, linear, sgd
    >>> params = Params((Layer(np.zeros((1, 1)), np.zeros((1, 1)), linear),))
    >>> grads = Grads(dW=(np.array([[3.0]]),), db=(np.array([[4.0]]),))
    >>> opt = chain(clip_by_global_norm(1.0), sgd(1.0))
    >>> new, state = opt.step(params, grads, opt.init(params))
    >>> print(new.theta, global_norm(grads.g))
    [[-0.6 -0.8]] 5.0
"""

from __future__ import annotations

import functools
from typing import TypeVar

from fnmlp._optimizer import GradientFunction, Optimizer, Transform
from fnmlp._updates import chain_update, clip_norm, clip_value, global_norm
from fnmlp._validate import positive_float
from fnmlp.errors import DTypeError

__all__ = [
    "GradientFunction",
    "Transform",
    "chain",
    "clip_by_global_norm",
    "clip_by_value",
    "global_norm",
]

S = TypeVar("S")


def clip_by_global_norm(max_norm: float) -> Transform:
    """Scale the gradient down to a global norm of at most ``max_norm``: optax's name.

    ``g * max_norm / max(||g||, max_norm)``, where ``||g||`` is the norm of
    every entry of every layer's ``dW`` and ``db`` together (Keras's
    ``global_clipnorm``, torch's ``clip_grad_norm_``). The direction is kept.
    Use it in :func:`chain`.

    Args:
        max_norm: a positive finite number.

    Raises:
        HyperparameterError: if ``max_norm`` is not positive and finite.

    Examples:
        >>> import numpy as np
        >>> clip = clip_by_global_norm(1.0)
        >>> print(clip, clip.apply(np.array([[3.0, 4.0]])))
        clip_by_global_norm(max_norm=1.0) [[0.6 0.8]]
        >>> clip_by_global_norm(0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: max_norm: expected a positive finite number, got 0
    """
    bound = positive_float(max_norm, "max_norm")
    return Transform(f"clip_by_global_norm(max_norm={bound})", functools.partial(clip_norm, bound))


def clip_by_value(max_value: float) -> Transform:
    """Clip every entry of the gradient to ``[-max_value, max_value]``.

    Keras's ``clipvalue``, torch's ``clip_grad_value_``, optax's ``clip``.
    Use it in :func:`chain`.

    Args:
        max_value: a positive finite number.

    Raises:
        HyperparameterError: if ``max_value`` is not positive and finite.

    Examples:
        >>> import numpy as np
        >>> print(clip_by_value(0.5).apply(np.array([[3.0, -0.25, -4.0]])))
        [[ 0.5  -0.25 -0.5 ]]
        >>> clip_by_value(-1.0)
        Traceback (most recent call last):
        ...
        fnmlp.errors.HyperparameterError: max_value: expected a positive finite number, got -1.0
    """
    bound = positive_float(max_value, "max_value")
    return Transform(f"clip_by_value(max_value={bound})", functools.partial(clip_value, bound))


def chain(*parts: Transform | Optimizer[S]) -> Optimizer[S]:
    """An optimiser that applies ``transforms`` to the gradient, in order, then ``optimizer``'s rule.

    ``chain(t1, ..., tk, optimizer)``, after optax's ``chain``: each step's
    gradient ``g`` (the whole network's, L2's term included) becomes
    ``tk(...t1(g))`` before the optimiser's rule sees it, in
    :meth:`Optimizer.step` and :func:`fnmlp.train` alike (both run the
    chained rule through :func:`apply_rule`). The transforms keep no state,
    so the chain's state is the optimiser's own, checked as fast as its
    (same type, settings and shapes): a run can be resumed with clipping
    added, removed or changed, as with ``l2``. The chain pickles when its
    parts do (the built-ins do).

    Args:
        *parts: zero or more :class:`Transform` values such as
            :func:`clip_by_global_norm`, then one :class:`Optimizer`.

    Returns:
        An :class:`Optimizer` with the optimiser's state type, moments and
        settings, named after its parts.

    Raises:
        DTypeError: unless the parts are transforms followed by one optimiser.

    Examples:
        >>> import numpy as np
        >>> from fnmlp import Grads, Layer, Params, linear, sgd
        >>> params = Params((Layer(np.zeros((1, 1)), np.zeros((1, 1)), linear),))
        >>> grads = Grads(dW=(np.array([[30.0]]),), db=(np.array([[40.0]]),))
        >>> opt = chain(clip_by_global_norm(1.0), sgd(0.1))
        >>> print(opt)
        chain(clip_by_global_norm(max_norm=1.0), sgd(learning_rate=0.1))
        >>> new, state = opt.step(params, grads, opt.init(params))
        >>> print(new.theta, state)
        [[-0.06 -0.08]] SgdState(learning_rate=0.1, count=1)
        >>> chain(sgd(0.1), clip_by_value(1.0))
        Traceback (most recent call last):
        ...
        fnmlp.errors.DTypeError: chain: expected transforms then one Optimizer last, got a Transform last
    """
    if not parts or not isinstance(parts[-1], Optimizer):
        last = f"a {type(parts[-1]).__name__} last" if parts else "nothing"
        raise DTypeError(f"chain: expected transforms then one Optimizer last, got {last}")
    optimizer: Optimizer[S] = parts[-1]
    transforms: list[Transform] = []
    for i, transform in enumerate(parts[:-1]):
        if isinstance(transform, Transform):
            transforms.append(transform)
        else:
            raise DTypeError(
                f"chain: expected a Transform such as clip_by_global_norm(1.0) at position {i}, "
                f"got {type(transform).__name__} (the Optimizer comes last, and only one)"
            )
    if not transforms:
        return optimizer
    names = ", ".join([*(t.name for t in transforms), optimizer.name])
    return Optimizer(
        f"chain({names})",
        optimizer.init,
        functools.partial(chain_update, tuple(transforms), optimizer.update),
        optimizer.moments,
        settings=optimizer.settings,
        state_type=optimizer.state_type,
    )

