"""scikit-learn estimators on fnmlp: ``MLPClassifier`` and ``MLPRegressor``, drop-in.

Change one import and keep the rest of a scikit-learn program (pipelines, grid
search, cross-validation, pandas frames, string labels, sparse inputs, pickles):

    from fnmlp.sklearn import MLPClassifier      # was: from sklearn.neural_network

The estimators take scikit-learn's constructor parameters with the same
defaults, meanings and positional order (``MLPRegressor``'s first is ``loss``,
``"squared_error"`` or ``"poisson"``: pass ``hidden_layer_sizes`` by name), and
set the same fitted attributes (rows are examples, ``coefs_[i]`` is
``(n_in, n_out)``), plus fnmlp's own ``params_`` (the network of the last fit
as a :class:`~fnmlp.Params`, one column per example) and ``state_`` (the
:class:`~fnmlp.TrainState` that ``partial_fit`` and ``warm_start`` resume
from, bit-identically). As in scikit-learn, ``coefs_`` and ``intercepts_``
are writable arrays, and they are the model: edited in place or reassigned,
they are what ``predict`` and ``score`` use and what the next ``partial_fit``
or ``warm_start`` fit starts from (with the optimiser's moments kept while
the layer sizes are unchanged); that fit then makes them ``params_`` and
``state_``'s network. Data in float32 trains and predicts in float32, any
other in float64, as in scikit-learn; fnmlp's own parameter ``dtype``
(``numpy.float32`` or ``numpy.float64``) forces one. Needs the ``sklearn``
extra: ``pip install "fnmlp[sklearn]"``; ``import fnmlp`` alone never imports
scikit-learn.

How scikit-learn's settings map onto fnmlp's training (``B`` the batch size,
``m`` the training set's size, ``n_y`` the number of outputs):

- ``solver="sgd"`` is :func:`fnmlp.momentum` (``nesterov=nesterovs_momentum``),
  or :func:`fnmlp.sgd` when ``momentum=0``; ``"adam"`` is :func:`fnmlp.adam`;
  ``"lbfgs"`` is scipy's L-BFGS-B over the packed parameters
  (:attr:`fnmlp.Params.theta`), with the value and gradient from
  :func:`fnmlp.value_and_gradient`. The stochastic solvers' epochs are the states of
  one :func:`fnmlp.scan` (one per learning rate), so tolerances, early
  stopping and the adaptive rate are decided between epochs, as scikit-learn
  does, and a run of ``k`` epochs is :func:`fnmlp.train` for ``k`` epochs.
- ``alpha``: scikit-learn adds ``alpha / (2 B) * sum ||W||^2`` to each batch's
  loss; :func:`fnmlp.train`'s ``l2`` adds ``l2 / (2 m) * sum ||W||^2`` to every
  step, so ``l2 = alpha * m / B``: the same penalty and gradient for every batch
  of ``B`` examples. (The shorter last batch of an epoch, when ``B`` does not
  divide ``m``, gets ``alpha / B`` where scikit-learn uses ``alpha / r`` for its
  ``r`` examples.) With ``shuffle=False``, sparse inputs and ``lbfgs``, every
  batch is its own full-batch step and the penalty is exactly scikit-learn's.
- ``sample_weight``: each batch minimises its weighted mean loss
  ``sum_j w_j J_j / sum_j w_j`` (the ``sample_weight`` of :func:`fnmlp.scan`
  and :func:`fnmlp.value_and_gradient`), and scikit-learn divides the
  batch's penalty by ``sum_j w_j`` instead of ``B``. fnmlp's shuffled epochs
  take one ``l2`` for every batch, that of a batch of average weight
  (``l2 = alpha * m / (B * mean(w))``); where every batch is its own step
  (``shuffle=False``, sparse inputs, ``lbfgs``, or one batch holding the
  whole set) each gets exactly scikit-learn's ``alpha / sum_j w_j``. The
  early-stopping score is weighted by the validation part's weights. Integer
  weights act as repeated rows; zero weights as removed ones.
- The regressor minimises scikit-learn's squared error ``sum (Yhat - Y)^2 / (2 m)``
  (summed over outputs), whose gradient is ``2 / n_y`` times smaller than that
  of :data:`fnmlp.mean_squared_error` (a mean over all entries); the learning
  rate, ``l2`` and Adam's ``epsilon`` are scaled by the same factor so that
  every step is scikit-learn's. ``loss_`` is reported as scikit-learn reports
  it (half the mean squared error over all entries, plus the penalty). With
  ``loss="poisson"`` the output layer is :data:`exponential` and the loss
  :data:`half_poisson_deviance`, scikit-learn's half Poisson deviance (summed
  over outputs), whose fused delta ``(exp(Z[L]) - Y) / m`` is scikit-learn's:
  no scaling; targets must be ``>= 0``.
- ``learning_rate="invscaling"`` is :func:`fnmlp.invscaling` evaluated at
  ``t_``, the number of examples seen, once per epoch; ``"adaptive"`` divides
  the rate by 5 whenever the loss (or validation score) stalls for
  ``n_iter_no_change`` epochs, and stops below ``1e-6``. Both need
  ``solver="sgd"``.
- Initial weights are scikit-learn's (Glorot uniform, drawn in the same order
  from ``check_random_state(random_state)``), and so is the validation split
  of ``early_stopping`` (stratified for a binary classifier). The shuffle of each
  epoch is fnmlp's, seeded by a number drawn from the same generator.

Differences a user could see: ``warm_start`` and ``partial_fit`` resume the
optimiser's moments and rate (scikit-learn restarts the optimiser on every
``fit``); fnmlp's Adam adds ``epsilon`` to the root of the bias-corrected
second moment (as torch does) where scikit-learn adds it to the uncorrected
one, a difference of order ``epsilon``; a momentum velocity accumulates
gradients rather than steps, so a change of rate (``invscaling``,
``adaptive``) applies to the whole velocity at once; a run that diverges
raises :class:`fnmlp.DivergenceError` (a ``ValueError``) at once; with
non-uniform ``sample_weight`` and shuffled mini-batches, the penalty of a
batch is that of a batch of average weight (see above). A batch whose weights
are all zero has no weighted mean: scikit-learn's step divides by zero (and
its fit ends in non-finite weights); in fnmlp's shuffled epochs it gives a
zero gradient (the optimiser's step with ``g = 0``, as :func:`fnmlp.train`
documents), and the batch-by-batch paths (``shuffle=False``, sparse inputs)
skip that batch. ``loss="poisson"`` refuses negative targets with
:class:`fnmlp.LabelError` (scikit-learn's fit ends in a NaN loss). ``coefs_``
and ``intercepts_`` assigned in another dtype are used in the fitted
network's (scikit-learn computes in the wider).

Examples:
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from fnmlp.sklearn import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> model = MLPClassifier((16,), learning_rate_init=0.01, max_iter=500, random_state=0)
    >>> model.fit(X, y).score(X, y) > 0.95
    True
    >>> print(model.params_)
    Params([4, 16, 3], relu -> softmax, float64)
    >>> [c.shape for c in model.coefs_], model.n_iter_
    ([(4, 16), (16, 3)], 224)
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import scipy.optimize
import scipy.sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

import fnmlp
from fnmlp import Activation, Layer, Loss, Optimizer, Params, TrainState
from fnmlp._validate import check_finite
from fnmlp.errors import HyperparameterError, LabelError

__all__ = ["MLPClassifier", "MLPRegressor"]

ACTIVATIONS: dict[str, Activation] = {
    "identity": fnmlp.linear,
    "logistic": fnmlp.sigmoid,
    "tanh": fnmlp.tanh,
    "relu": fnmlp.relu,
}
"""scikit-learn's activation names and the fnmlp activations they are."""


def _exp(Z: npt.NDArray[Any]) -> npt.NDArray[Any]:
    with np.errstate(over="ignore"):  # inf, which training reports as a divergence
        A: npt.NDArray[Any] = np.exp(Z)
    return A


def _exp_vjp(Z: npt.NDArray[Any], A: npt.NDArray[Any], dA: npt.NDArray[Any]) -> npt.NDArray[Any]:
    dZ: npt.NDArray[Any] = dA * A
    return dZ


exponential = Activation("exp", _exp, _exp_vjp)
"""``exp``: the output activation of ``MLPRegressor(loss="poisson")`` (a log link).

Its example is :class:`MLPRegressor`'s.
"""


def _positive(P: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Predictions kept at or above the dtype's smallest normal number, so that logs stay finite."""
    kept: npt.NDArray[Any] = np.maximum(P, np.finfo(P.dtype).tiny)
    return kept


def _ylogy(Y: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``Y log Y`` with ``0 log 0 = 0``."""
    ylogy: npt.NDArray[Any] = Y * np.log(np.where(Y > 0, Y, 1))
    return ylogy


def _poisson_columns(Yhat: npt.NDArray[Any], Y: npt.NDArray[Any]) -> npt.NDArray[Any]:
    # y log(y / yhat) - y + yhat, with 0 log 0 = 0 (an infinite yhat: NaN, a divergence)
    with np.errstate(over="ignore", invalid="ignore"):
        J: npt.NDArray[Any] = np.sum(
            _ylogy(Y) - Y * np.log(_positive(Yhat)) - Y + Yhat,
            axis=0,
            keepdims=True,
        )
    return J


def _poisson_logit_columns(Z: npt.NDArray[Any], Y: npt.NDArray[Any]) -> npt.NDArray[Any]:
    # the same with yhat = exp(z): exp(z) - y z + y log y - y
    with np.errstate(over="ignore"):
        J: npt.NDArray[Any] = np.sum(np.exp(Z) - Y * Z + _ylogy(Y) - Y, axis=0, keepdims=True)
    return J


def _poisson(Yhat: npt.NDArray[Any], Y: npt.NDArray[Any]) -> float:
    m: int = Y.shape[1]
    return float(_poisson_columns(Yhat, Y).sum()) / m


def _poisson_logits(Z: npt.NDArray[Any], Y: npt.NDArray[Any]) -> float:
    m: int = Y.shape[1]
    return float(_poisson_logit_columns(Z, Y).sum()) / m


def _poisson_gradient(Yhat: npt.NDArray[Any], Y: npt.NDArray[Any]) -> npt.NDArray[Any]:
    with np.errstate(over="ignore"):  # a prediction of 0 for a positive count: -inf
        dA: npt.NDArray[Any] = 1 - Y / _positive(Yhat)
    dA /= Y.shape[1]
    return dA


def _counts(Y: npt.NDArray[Any], name: str) -> None:
    """Raise ``LabelError`` unless every entry of ``Y`` is finite and non-negative."""
    check_finite(Y, name)
    if np.minimum.reduce(Y, None) < 0:
        where = tuple(int(i) for i in np.argwhere(Y < 0)[0])
        raise LabelError(
            f"{name}: half_poisson_deviance expects values >= 0, got {Y[where]} at index {where}"
        )


half_poisson_deviance = Loss(
    "half_poisson_deviance",
    _poisson,
    _poisson_gradient,
    exponential,
    _poisson_logits,
    "values >= 0",
    check=_counts,
    per_example=_poisson_columns,
    per_example_logits=_poisson_logit_columns,
)
"""``(1/m) sum[Y log(Y / Yhat) - Y + Yhat]`` (summed over outputs), scikit-learn's ``"poisson"``.

Half the Poisson deviance, as scikit-learn's ``MLPRegressor(loss="poisson")``
minimises it; it fuses with :data:`exponential`, whose delta is
``dZ[L] = (exp(Z[L]) - Y) / m``, scikit-learn's. Its example is :class:`MLPRegressor`'s.
"""

OUTPUTS: dict[str, Activation] = {
    "identity": fnmlp.linear,
    "logistic": fnmlp.sigmoid,
    "softmax": fnmlp.softmax,
    "exp": exponential,
}
"""The output activations (``out_activation_``) and the fnmlp activations they are."""

ROWS = 4096
"""Examples per forward pass when predicting, and per dense slice of a sparse input."""

SHARD_BYTES = 2**19
"""The widest layer's activations per shard of an L-BFGS evaluation, in bytes.

``lbfgs`` evaluates the loss and gradient in shards of equal size (at most
``ROWS`` examples) whose gradients add up to the whole set's
(:func:`fnmlp.value_and_gradient` with ``total``): each shard's
temporaries are then reused by the allocator and stay in cache, where those
of one pass over the whole set are returned to the system and faulted in
again at every evaluation. On the ``digits lbfgs`` row of
``benchmarks/sklearn_fit.py`` the fit takes half the time.
"""


# ----------------------------------------------------------------------------- the core calls


def _train(
    state: TrainState[Any],
    X: npt.NDArray[Any],
    Y: npt.NDArray[Any],
    *,
    kind: Loss,
    optimizer: Optimizer[Any],
    epochs: int,
    batch_size: int | None,
    l2: float,
    seed: int,
    sample_weight: npt.NDArray[Any] | None,
) -> Iterator[tuple[TrainState[Any], float]]:
    """``epochs`` epochs of fnmlp's training on ``(X, Y)`` (columns are examples) from ``state``.

    Lazily yields, after each epoch, the state and the epoch's loss (the
    running mean of its batch losses, with the penalty): :func:`fnmlp.scan`,
    the states :func:`fnmlp.train` folds over, so that the estimator decides
    between epochs whether to go on. Each state is handed out without its
    history: the estimator keeps the curve itself, and a state that grew an
    entry per epoch would pickle ever deeper.
    """
    states = fnmlp.scan(
        state,
        X,
        Y,
        loss=kind,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        l2=l2,
        log_every=1,
        running_loss=True,
        sample_weight=sample_weight,
    )
    next(states)  # the starting state

    def stripped(new: TrainState[Any]) -> tuple[TrainState[Any], float]:
        entry = new.latest
        assert entry is not None  # every epoch is logged at its end
        # the estimator keeps its own record of the run (its l2 and batch size follow
        # each partial_fit's data), so the state carries no fingerprint to check
        return attrs.evolve(new, log=None, checkpoint=None, fingerprint=None), entry.train_loss

    return map(stripped, states)


# ----------------------------------------------------------------------------- helpers


def _squares(params: Params[Any]) -> float:
    """``sum ||W||^2`` over the layers (the biases are not penalised)."""
    weights = params.theta[params.structure.weights]
    return float(weights.dot(weights))


def _rows(X: Any, dtype: np.dtype[Any]) -> Iterator[npt.NDArray[Any]]:
    """Slices of ``ROWS`` examples of ``X`` (rows are examples), dense, in ``dtype``."""
    for start in range(0, X.shape[0], ROWS):
        part = X[start : start + ROWS]
        yield (part.toarray() if scipy.sparse.issparse(part) else part).astype(dtype, copy=False)


def _outputs(params: Params[Any], X: Any) -> npt.NDArray[Any]:
    """The network's outputs on ``X`` (rows are examples), ``(n, n_y)``, a new writable array."""
    return np.concatenate([fnmlp.forward(params, part.T)[0].T for part in _rows(X, params.dtype)])


def _with_theta(like: Params[Any], theta: npt.NDArray[Any]) -> Params[Any]:
    """The network ``like`` with its packed parameters ``theta`` (``(N,)``, any float dtype).

    Built through the checked constructors from views of ``theta``
    (:meth:`~fnmlp.records.Structure.split`): a copy of ``N`` numbers, which
    an L-BFGS evaluation's passes over the data dwarf.
    """
    structure = like.structure
    flat = np.asarray(theta, dtype=structure.dtype).reshape(1, structure.size)
    Ws, bs = structure.split(flat)
    return Params(tuple(Layer(W, b, a) for W, b, a in zip(Ws, bs, like.activations)))


def _in_dtype(params: Params[Any], dtype: np.dtype[Any]) -> Params[Any]:
    """The network ``params`` with every array cast to ``dtype``."""
    return Params(
        tuple(
            Layer(layer.W.astype(dtype), layer.b.astype(dtype), layer.activation)
            for layer in params.layers
        )
    )


def _number(
    value: object,
    name: str,
    *,
    low: float,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = True,
    integer: bool = False,
) -> Any:
    """``value`` checked to be a (real or integral) number in the given interval."""
    number = math.nan
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if real and (not integer or isinstance(value, numbers.Integral)):
        number = float(value)  # type: ignore[arg-type]  # a numbers.Real, narrowed above
    above = number > low if low_open else number >= low
    inside = above and (number < high if high_open else number <= high)
    if not inside:
        what = "an int" if integer else "a number"
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        bounds = f"{left}{low:g}, {high:g}{right}"
        raise HyperparameterError(f"{name}: expected {what} in {bounds}, got {value!r}")
    return value


def _choice(value: object, name: str, options: Sequence[str]) -> str:
    if not (isinstance(value, str) and value in options):
        raise HyperparameterError(f"{name}: expected one of {list(options)}, got {value!r}")
    return value


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise HyperparameterError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


@attrs.frozen
class _Settings:
    """The estimator's parameters, checked at ``fit`` (scikit-learn's rule: never in ``__init__``)."""

    hidden: tuple[int, ...]
    activation: Activation
    dtype: np.dtype[Any] | None


# ----------------------------------------------------------------------------- the estimators


class _MLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, solvers, fitted attributes."""

    _stochastic = ("sgd", "adam")

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
        dtype: Any = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype

    # -- what the subclasses say

    def _loss_kind(self) -> Loss:
        raise NotImplementedError

    def _scale(self) -> float:
        """fnmlp's loss over scikit-learn's (the regressor's ``2 / n_y``)."""
        return 1.0

    def _data_share(self) -> float:
        """scikit-learn's loss over fnmlp's, before the penalty (the squared error's 1/2)."""
        return 1.0

    def _reported(
        self, value: float, l2: float, m: int, after: Params[Any], before: Params[Any]
    ) -> float:
        """scikit-learn's ``loss_`` from fnmlp's penalised loss ``value`` over ``m`` examples.

        fnmlp's history adds the penalty of the params ``after`` the steps;
        scikit-learn adds that of the params ``before`` each step.
        """
        c, share = self._scale(), self._data_share()
        if not l2:
            return share * value
        if before is after and share == 1 and c == 1:
            return value
        penalty_after = l2 / (2 * m) * _squares(after)
        penalty_before = penalty_after if before is after else l2 / (2 * m) * _squares(before)
        return share * (value - penalty_after) + penalty_before / c

    def _validate_input(
        self, X: Any, y: Any, incremental: bool, reset: bool
    ) -> tuple[Any, npt.NDArray[Any], npt.NDArray[Any] | None]:
        raise NotImplementedError

    def _score_outputs(self, outputs: npt.NDArray[Any], y: Any, weights: Any) -> float:
        raise NotImplementedError

    def _out_activation(self) -> str:
        raise NotImplementedError

    # -- parameters

    def _settings(self) -> _Settings:
        sizes = self.hidden_layer_sizes
        hidden = tuple(sizes) if isinstance(sizes, (Sequence, np.ndarray)) else (sizes,)
        for size in hidden:
            _number(size, "hidden_layer_sizes", low=1, integer=True)
        activation = ACTIVATIONS[_choice(self.activation, "activation", list(ACTIVATIONS))]
        _choice(self.solver, "solver", ["lbfgs", "sgd", "adam"])
        _number(self.alpha, "alpha", low=0)
        if self.batch_size != "auto":
            _number(self.batch_size, "batch_size", low=1, integer=True)
        _choice(self.learning_rate, "learning_rate", ["constant", "invscaling", "adaptive"])
        _number(self.learning_rate_init, "learning_rate_init", low=0, low_open=True)
        _number(self.power_t, "power_t", low=0)
        _number(self.max_iter, "max_iter", low=1, integer=True)
        _number(self.tol, "tol", low=0)
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            _flag(getattr(self, name), name)
        _number(self.momentum, "momentum", low=0, high=1, high_open=False)
        _number(self.validation_fraction, "validation_fraction", low=0, high=1)
        if self.early_stopping and not self.validation_fraction:  # as train_test_split needs
            raise HyperparameterError(
                f"validation_fraction: expected a number in (0, 1) with early_stopping=True, "
                f"got {self.validation_fraction!r}"
            )
        _number(self.beta_1, "beta_1", low=0, high=1)
        _number(self.beta_2, "beta_2", low=0, high=1)
        _number(self.epsilon, "epsilon", low=0, low_open=True)
        if self.n_iter_no_change != math.inf:
            _number(self.n_iter_no_change, "n_iter_no_change", low=1, integer=True)
        _number(self.max_fun, "max_fun", low=1, integer=True)
        self._check_loss()
        if self.dtype is None:
            return _Settings(tuple(int(size) for size in hidden), activation, None)
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            dtype = None
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise HyperparameterError(
                f"dtype: expected None, numpy.float64 or numpy.float32, got {self.dtype!r}"
            )
        return _Settings(tuple(int(size) for size in hidden), activation, np.dtype(dtype))

    def _check_loss(self) -> None:
        """Check the regressor's ``loss``; the classifier has none."""

    # -- fitting

    def _weights(self, sample_weight: Any, X: Any) -> tuple[npt.NDArray[Any] | None, float]:
        """``(weights, alpha's factor)``: the weights (``None`` if equal) and ``m / sum(weights)``.

        scikit-learn divides each batch's penalty by the sum of its weights
        where it would divide by its size, so ``alpha`` acts as ``alpha``
        times that factor for a batch of average weights (and exactly, for
        every batch, when the weights are equal: equal weights ``w`` are no
        weights and ``alpha / w``).
        """
        if sample_weight is None:
            return None, 1.0
        # scikit-learn's checks: one weight per example, none negative, not all zero
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if np.all(weights == weights[0]):
            return None, 1.0 / float(weights[0])
        return weights, weights.shape[0] / float(weights.sum())

    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> Any:
        settings = self._settings()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "state_") or (not self.warm_start and not incremental)
        if not first:
            self._resume_from_coefs()
        X, Y, labels = self._validate_input(X, y, incremental, reset=first)
        dtype = settings.dtype
        if dtype is None:  # scikit-learn's: float32 data in float32, the fitted network's dtype
            dtype = X.dtype if first else self.params_.dtype
        X = X.astype(dtype, copy=False)
        Y = Y.astype(dtype, copy=False)
        weights, factor = self._weights(sample_weight, X)
        rng = check_random_state(self.random_state)
        units = [X.shape[1], *settings.hidden, Y.shape[1]]
        if first:
            self._initialize(units, settings.activation, dtype, rng)
        elif list(self.params_.dims) != units or self.params_.dtype != dtype:
            raise ValueError(
                f"warm_start and partial_fit: expected a network of layer sizes "
                f"{list(self.params_.dims)} in {self.params_.dtype}, as fitted, but the "
                f"parameters and data make {units} in {dtype}"
            )
        elif self._out_activation() != self.out_activation_:
            raise ValueError(
                f"warm_start and partial_fit: expected the output activation "
                f"{self.out_activation_!r} of the fitted network, but the parameters make "
                f"{self._out_activation()!r}"
            )
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, Y, weights, factor)
        else:
            self._fit_stochastic(X, Y, labels, weights, factor, rng, incremental)
        return self

    def _initialize(
        self, units: list[int], activation: Activation, dtype: np.dtype[Any], rng: Any
    ) -> None:
        """scikit-learn's Glorot-uniform draws, in its order, as an fnmlp network."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = units[-1]
        self.n_layers_ = len(units)
        self.out_activation_ = self._out_activation()
        factor = 2.0 if self.activation == "logistic" else 6.0
        layers = []
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(units)):
            bound = np.sqrt(factor / (fan_in + fan_out))
            coef = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)
            intercept = rng.uniform(-bound, bound, fan_out).astype(dtype)
            last = i == len(units) - 2
            kind = OUTPUTS[self.out_activation_] if last else activation
            layers.append(Layer(coef.T, intercept[:, None], kind))
        params = Params(tuple(layers))
        self._publish(params)
        self.state_: TrainState[Any] = TrainState(params, None, 0, params, 0, math.inf, False)
        self._optimiser_key: tuple[Any, ...] | None = None
        self._rate = float(self.learning_rate_init)
        self._seed: int | None = None
        if self.solver in self._stochastic:
            self._start_curves()

    def _start_curves(self) -> None:
        """The stochastic solvers' bookkeeping: loss curve, best loss or score, stalls."""
        self.loss_curve_: list[float] = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -math.inf
            self.best_loss_: float | None = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = math.inf

    def _publish(self, params: Params[Any]) -> None:
        """``params_``, and scikit-learn's ``coefs_`` and ``intercepts_``: writable copies of it.

        As in scikit-learn, ``coefs_[i]`` (``(n_in, n_out)``) and
        ``intercepts_[i]`` (``(n_out,)``) are the model: prediction, and fits
        that resume, read them (:meth:`_network`), so that editing or
        reassigning them changes the network.
        """
        self.params_: Params[Any] = params
        self.coefs_ = [np.array(layer.W.T, order="C") for layer in params.layers]
        self.intercepts_ = [np.array(layer.b[:, 0]) for layer in params.layers]

    def _network(self) -> Params[Any]:
        """The network of ``coefs_`` and ``intercepts_``: ``params_`` while they are equal to it.

        A network built from them (in ``params_``'s dtype and activations)
        once a user has edited or reassigned them; the estimator is not
        changed. Comparing them with ``params_`` costs a pass over the
        parameters, which any pass over the data dwarfs.
        """
        params: Params[Any] = self.params_
        coefs, intercepts = list(self.coefs_), list(self.intercepts_)
        layers = params.layers
        if not len(coefs) == len(intercepts) == len(layers):
            raise ValueError(
                f"coefs_ and intercepts_: expected {len(layers)} arrays each, one per layer, "
                f"got {len(coefs)} and {len(intercepts)}"
            )
        same = all(
            np.shape(coef) == layer.W.T.shape
            and np.shape(intercept) == layer.b[:, 0].shape
            and np.array_equal(coef, layer.W.T)
            and np.array_equal(intercept, layer.b[:, 0])
            for coef, intercept, layer in zip(coefs, intercepts, layers)
        )
        if same:
            return params
        dtype = params.dtype
        return Params(
            tuple(
                Layer(
                    np.asarray(coef, dtype=dtype).T,
                    np.asarray(intercept, dtype=dtype).reshape(-1, 1),
                    layer.activation,
                )
                for coef, intercept, layer in zip(coefs, intercepts, layers)
            )
        )

    def _resume_from_coefs(self) -> None:
        """Before a resumed fit: ``params_`` and ``state_`` made the network of ``coefs_``.

        The optimiser's state (its moments) is kept when the layer sizes are
        unchanged, as every resumed fit keeps it (scikit-learn keeps it for
        ``partial_fit`` and restarts it on a ``warm_start`` fit: see the module's
        notes); otherwise it starts afresh.
        """
        network = self._network()
        if network is self.params_:
            return
        same = network.dims == self.params_.dims
        opt_state = self.state_.opt_state if same else None
        self.state_ = attrs.evolve(
            self.state_, params=network, best_params=network, opt_state=opt_state
        )
        self._publish(network)

    def _optimizer(self, rate: float) -> Optimizer[Any]:
        """The fnmlp optimiser of ``solver`` at scikit-learn's learning ``rate``."""
        c = self._scale()
        if self.solver == "adam":
            return fnmlp.adam(rate, self.beta_1, self.beta_2, float(self.epsilon) * c)
        if self.momentum:
            return fnmlp.momentum(rate / c, float(self.momentum), bool(self.nesterovs_momentum))
        return fnmlp.sgd(rate / c)

    def _epoch_rate(self) -> float:
        """scikit-learn's learning rate for the next epoch."""
        if self.solver == "sgd" and self.learning_rate == "invscaling":
            return fnmlp.invscaling(float(self.learning_rate_init), power_t=self.power_t)(self.t_)
        if self.solver == "sgd" and self.learning_rate == "adaptive":
            return self._rate
        return float(self.learning_rate_init)

    def _resumable(self, state: TrainState[Any], optimizer: Optimizer[Any]) -> TrainState[Any]:
        """``state`` with an optimiser state ``optimizer`` accepts: its own, at the new rate.

        A state from another solver or other optimiser settings (changed by
        ``set_params`` between ``warm_start`` fits) starts the optimiser afresh.
        """
        key = (
            self.solver,
            self.momentum,
            self.nesterovs_momentum,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            self._scale(),
        )
        fresh = optimizer.init(state.params)
        if state.opt_state is None or key != self._optimiser_key:
            self._optimiser_key = key
            return attrs.evolve(state, opt_state=fresh)
        if state.opt_state.learning_rate != fresh.learning_rate:
            changed = attrs.evolve(state.opt_state, learning_rate=fresh.learning_rate)
            return attrs.evolve(state, opt_state=changed)
        return state

    def _split(
        self, X: Any, Y: npt.NDArray[Any], labels: Any, weights: Any, rng: Any
    ) -> tuple[Any, npt.NDArray[Any], Any, Any, Any, Any]:
        """scikit-learn's split for early stopping: ``(X, Y, weights, X_val, y_val, w_val)``.

        Stratified by the labels for a classifier of one output (binary), as
        scikit-learn does; multi-class and multi-label targets and the
        regressor's are split at random.
        """
        arrays = [X, Y] if weights is None else [X, Y, weights]
        stratify = labels if self.n_outputs_ == 1 else None
        try:
            parts = train_test_split(
                *arrays, random_state=rng, test_size=self.validation_fraction, stratify=stratify
            )
        except ValueError:  # a class too rare to stratify on
            parts = train_test_split(*arrays, random_state=rng, test_size=self.validation_fraction)
        X_train, X_val, Y_train, Y_val = parts[:4]
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the "
                "size of your dataset."
            )
        w_train, w_val = (None, None) if weights is None else parts[4:6]
        return X_train, Y_train, w_train, X_val, self._targets(Y_val), w_val

    def _targets(self, Y: npt.NDArray[Any]) -> Any:
        return Y

    def _fit_stochastic(
        self,
        X: Any,
        Y: npt.NDArray[Any],
        labels: Any,
        weights: npt.NDArray[Any] | None,
        factor: float,
        rng: Any,
        incremental: bool,
    ) -> None:
        early = bool(self.early_stopping)
        X_val = y_val = w_val = None
        if early:
            X, Y, weights, X_val, y_val, w_val = self._split(X, Y, labels, weights, rng)
        if not hasattr(self, "loss_curve_"):  # stochastic after an lbfgs fit
            self._start_curves()
        if self._seed is None:
            self._seed = int(rng.randint(np.iinfo(np.int32).max))
        m = X.shape[0]
        if self.batch_size == "auto":
            B = min(200, m)
        else:
            if self.batch_size > m:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is going "
                    "to be clipped",
                    stacklevel=3,
                )
            B = int(np.clip(self.batch_size, 1, m))
        if weights is not None:  # the weights of the examples trained on
            factor = m / float(weights.sum())
        c, alpha = self._scale(), float(self.alpha)
        kind = self._loss_kind()
        whole_epochs = self.shuffle and not scipy.sparse.issparse(X)
        # fnmlp's layout, contiguous, so that each epoch's gather reads whole columns
        X_cols: Any = np.ascontiguousarray(X.T) if whole_epochs else None
        Y_cols: Any = np.ascontiguousarray(Y.T) if whole_epochs else None
        l2 = c * alpha * factor * m / B
        state = self.state_
        best = self.params_
        epochs: Iterator[tuple[TrainState[Any], float]] | None = None
        rate = math.nan
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            if self._epoch_rate() != rate:  # the first epoch, or a new rate
                rate = self._epoch_rate()
                optimizer = self._optimizer(rate)
                state = self._resumable(state, optimizer)
                if whole_epochs:
                    epochs = _train(
                        state,
                        X_cols,
                        Y_cols,
                        kind=kind,
                        optimizer=optimizer,
                        epochs=1 if incremental else self.max_iter - self.n_iter_,
                        batch_size=B,
                        l2=l2,
                        seed=self._seed,
                        sample_weight=weights,
                    )
            if epochs is not None:
                state, value = next(epochs)
                loss = self._reported(value, l2, m, state.params, state.params)
            else:
                state, loss = self._batches(state, X, Y, weights, optimizer, B, c * alpha * factor)
            self.n_iter_ += 1
            self.t_ += m
            self.loss_ = loss
            self.loss_curve_.append(loss)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
            best = self._count_improvement(state.params, best, X_val, y_val, w_val)
            if self._no_improvement_count > self.n_iter_no_change:
                what = "Validation score" if early else "Training loss"
                message = (
                    f"{what} did not improve more than tol={self.tol:f} for "
                    f"{self.n_iter_no_change} consecutive epochs."
                )
                adaptive = self.solver == "sgd" and self.learning_rate == "adaptive"
                if adaptive and self._rate > 1e-6:
                    self._rate /= 5.0
                    self._no_improvement_count = 0
                    if self.verbose:
                        print(f"{message} Setting learning rate to {self._rate:f}")
                else:
                    if self.verbose:
                        print(f"{message} Stopping.")
                    break
            if incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                    f"the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        if early:  # scikit-learn restores the best params, and goes on from them
            state = attrs.evolve(state, params=best)
        self.state_ = state
        self._publish(state.params)

    def _batches(
        self,
        state: TrainState[Any],
        X: Any,
        Y: npt.NDArray[Any],
        weights: npt.NDArray[Any] | None,
        optimizer: Optimizer[Any],
        B: int,
        l2: float,
    ) -> tuple[TrainState[Any], float]:
        """One epoch batch by batch, each a full-batch step (sparse rows densified one batch at a time).

        For sparse inputs and ``shuffle=False``; the order is shuffled by a
        generator seeded with ``(seed, t_)`` when ``shuffle``. ``l2`` is the
        penalty of a batch of average weight; each batch gets scikit-learn's
        own, ``alpha`` over the sum of its weights. A batch whose weights are
        all zero makes no step (scikit-learn's would divide by zero).
        """
        m = X.shape[0]
        assert self._seed is not None  # drawn before the first epoch
        order = (
            np.random.default_rng((self._seed, self.t_)).permutation(m)
            if self.shuffle
            else np.arange(m)
        )
        kind, total = self._loss_kind(), 0.0
        mean_weight = 1.0 if weights is None else float(weights.mean())
        for start in range(0, m, B):
            rows = order[start : start + B]
            batch_weights = None if weights is None else weights[rows]
            batch_l2 = l2
            if batch_weights is not None:
                if not batch_weights.sum() > 0:
                    continue
                batch_l2 = l2 * rows.size * mean_weight / float(batch_weights.sum())
            part = X[rows]
            dense = part.toarray() if scipy.sparse.issparse(part) else part
            before = state.params
            state, value = next(
                _train(
                    state,
                    dense.T,
                    Y[rows].T,
                    kind=kind,
                    optimizer=optimizer,
                    epochs=1,
                    batch_size=None,
                    l2=batch_l2,
                    seed=self._seed,
                    sample_weight=batch_weights,
                )
            )
            total += self._reported(value, batch_l2, rows.size, state.params, before) * rows.size
        return state, total / m

    def _count_improvement(
        self, params: Params[Any], best: Params[Any], X_val: Any, y_val: Any, w_val: Any
    ) -> Params[Any]:
        """scikit-learn's bookkeeping of stalled epochs; the best params under early stopping."""
        tol = float(self.tol)
        if X_val is not None:
            score = self._score_outputs(_outputs(params, X_val), y_val, w_val)
            assert self.validation_scores_ is not None and self.best_validation_score_ is not None
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                return params
            return best
        assert self.best_loss_ is not None
        if self.loss_curve_[-1] > self.best_loss_ - tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])
        return best

    def _shards(
        self, X: Any, Y: npt.NDArray[Any], weights: npt.NDArray[Any] | None
    ) -> list[tuple[Any, npt.NDArray[Any], npt.NDArray[Any] | None]]:
        """The training set as L-BFGS's shards ``(X, Y, weights)``, ``X`` and ``Y`` as columns.

        Equal shards of at most ``ROWS`` examples and ``SHARD_BYTES`` of the
        widest layer's activations. A dense ``X`` is laid out once here; a
        sparse one stays sparse (rows are examples), densified one shard at
        a time by each evaluation. The weights are scaled to a mean of 1, so
        that each shard's loss with ``total=m`` is its part of the weighted
        mean; shards whose weights are all zero, which add nothing, are left out.
        """
        m, dims = X.shape[0], self.params_.dims
        width = SHARD_BYTES // (max(dims) * self.params_.dtype.itemsize)
        most = max(1, min(ROWS, width))
        count = -(-m // most)
        size = -(-m // count)
        if weights is not None:
            weights = weights * (m / float(weights.sum()))
        shards = []
        for start in range(0, m, size):
            rows = slice(start, start + size)
            w = None if weights is None else weights[rows]
            if w is not None and not w.sum() > 0:
                continue
            part = X[rows] if scipy.sparse.issparse(X) else np.ascontiguousarray(X[rows].T)
            shards.append((part, np.ascontiguousarray(Y[rows].T), w))
        return shards

    def _fit_lbfgs(
        self, X: Any, Y: npt.NDArray[Any], weights: npt.NDArray[Any] | None, factor: float
    ) -> None:
        """Full-batch L-BFGS-B (scipy) over the packed parameters ``theta``, as scikit-learn's.

        Each evaluation is :func:`fnmlp.value_and_gradient` at the network of
        scipy's point, shard by shard (see ``SHARD_BYTES``), plus the penalty
        ``l2 / (2 m) * sum ||W||^2`` (with ``l2 = alpha * m / sum(weights)``:
        scikit-learn's ``alpha / (2 sum(weights))``) and its gradient
        ``l2 / m * W``, in the packed layout of ``theta``. The order of the
        parameters differs from scikit-learn's (weights then biases, layer by
        layer), which L-BFGS does not see: its steps depend on the parameters
        only through dot products and elementwise operations.
        """
        c, m, kind = self._scale(), X.shape[0], self._loss_kind()
        like: Params[Any] = self.params_
        dtype, mask = like.dtype, like.structure.weights[0]
        l2 = c * float(self.alpha) * factor  # factor: m / sum(weights)
        shards = self._shards(X, Y, weights)
        sparse = scipy.sparse.issparse(X)

        def value_and_gradient(theta: npt.NDArray[np.float64]) -> tuple[float, Any]:
            try:
                params = _with_theta(like, theta)
                value, g = 0.0, None
                for X_part, Y_part, w in shards:
                    dense = X_part.toarray().astype(dtype, copy=False).T if sparse else X_part
                    v, grads = fnmlp.value_and_gradient(
                        params, dense, Y_part, kind, total=m, sample_weight=w
                    )
                    value += v
                    g = grads.g[0] if g is None else g + grads.g[0]
            except fnmlp.NonFiniteError:  # a line search probing too far: reject the point
                return math.inf, np.zeros_like(theta)
            assert g is not None  # the weights sum to more than zero: some shard counts
            if l2:
                W = params.theta[0] * mask
                value += l2 / (2 * m) * float(W.dot(W))
                g = g + (l2 / m) * W
            return value / c, (g / c if c != 1 else g).astype(np.float64)

        result = scipy.optimize.minimize(
            value_and_gradient,
            like.theta[0].astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
        )
        self.n_iter_ = min(int(result.nit), int(self.max_iter))
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={result.status}): {result.message}. Increase the number of "
                f"iterations (max_iter, max_fun) or scale the data.",
                ConvergenceWarning,
                stacklevel=3,
            )
        params = _with_theta(like, result.x)
        self.loss_ = self._reported(float(result.fun) * c, l2, m, params, params)
        self.state_ = TrainState(params, None, self.state_.epoch, params, 0, self.loss_, False)
        self._publish(params)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Fit the network to ``X`` (rows are examples) and targets ``y``.

        Args:
            X: ``(n_samples, n_features)``, an array, a DataFrame or a scipy
                sparse matrix (densified one batch at a time).
            y: ``(n_samples,)`` or ``(n_samples, n_outputs)``: labels of any
                type for the classifier (0/1 indicator columns for multi-label),
                numbers for the regressor.
            sample_weight: ``(n_samples,)`` non-negative weights, not all zero.

        Returns:
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _check_solver(self) -> bool:
        if self.solver not in self._stochastic:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is "
                f"not stochastic."
            )
        return True

    def _predict_outputs(self, X: Any) -> npt.NDArray[Any]:
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False
        )
        network = self._network()
        if X.dtype != network.dtype and X.dtype == np.float64:  # scikit-learn's upcast
            network = _in_dtype(network, X.dtype)
        return _outputs(network, X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(ClassifierMixin, _MLP):
    """scikit-learn's ``MLPClassifier``, trained by fnmlp.

    Binary and multi-label targets get a sigmoid output and
    :data:`fnmlp.binary_cross_entropy`, multi-class ones a softmax and
    :data:`fnmlp.categorical_cross_entropy`; labels may be of any type. See
    the module's notes for how each parameter maps onto fnmlp. Parameters,
    defaults and fitted attributes are scikit-learn's, plus ``dtype``
    (``None``: float32 data in float32, any other in float64, as scikit-learn
    does; or ``numpy.float32`` or ``numpy.float64`` for every fit), ``params_``
    and ``state_``.

    Examples:
        >>> import numpy as np
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 10)
        >>> y = np.array(["no", "yes", "yes", "no"] * 10)
        >>> model = MLPClassifier((8,), activation="tanh", solver="lbfgs", random_state=0)
        >>> print(model.fit(X, y).predict([[0.0, 1.0], [1.0, 1.0]]))
        ['yes' 'no']
        >>> model.classes_, model.predict_proba(X[:1]).shape
        (array(['no', 'yes'], dtype='<U3'), (1, 2))
    """

    def _loss_kind(self) -> Loss:
        if self.out_activation_ == "softmax":
            return fnmlp.categorical_cross_entropy
        return fnmlp.binary_cross_entropy

    def _out_activation(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(
        self, X: Any, y: Any, incremental: bool, reset: bool
    ) -> tuple[Any, npt.NDArray[Any], npt.NDArray[Any] | None]:
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        f"warm_start can only be used where `y` has the same classes as in "
                        f"the previous call to fit. Previously got {self.classes_}, `y` has "
                        f"{classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        Y = self._label_binarizer.transform(y)
        multilabel = self._label_binarizer.y_type_.startswith("multilabel")
        return X, np.asarray(Y, dtype=np.float64), None if multilabel else y

    def _targets(self, Y: npt.NDArray[Any]) -> Any:
        return self._label_binarizer.inverse_transform(Y)

    def _labels(self, outputs: npt.NDArray[Any]) -> Any:
        if self.n_outputs_ == 1:
            outputs = outputs.ravel()
        return self._label_binarizer.inverse_transform(outputs)

    def _score_outputs(self, outputs: npt.NDArray[Any], y: Any, weights: Any) -> float:
        return float(accuracy_score(y, self._labels(outputs), sample_weight=weights))

    @available_if(_MLP._check_solver)
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> MLPClassifier:
        """One epoch over ``(X, y)``, resumed from ``state_`` (or from edited ``coefs_``).

        Args:
            X: ``(n_samples, n_features)`` inputs.
            y: ``(n_samples,)`` labels (or indicator columns for multi-label).
            sample_weight: ``(n_samples,)`` non-negative weights, not all zero.
            classes: every class of the whole data; required on the first call.

        Returns:
            The updated estimator.
        """
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not np.array_equal(self.classes_, unique_labels(classes)):
            raise ValueError(
                f"`classes={unique_labels(classes)!r}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_!r}"
            )
        fitted: MLPClassifier = self._fit(X, y, sample_weight, incremental=True)
        return fitted

    def predict(self, X: Any) -> Any:
        """The predicted label of each row of ``X``, as in ``classes_``."""
        return self._labels(self._predict_outputs(X))

    def predict_proba(self, X: Any) -> npt.NDArray[Any]:
        """``(n_samples, n_classes)`` probabilities, columns in the order of ``classes_``."""
        outputs = self._predict_outputs(X)
        if self.n_outputs_ == 1:
            p = outputs[:, 0]
            binary: npt.NDArray[Any] = np.stack([1 - p, p], axis=1)
            return binary
        return outputs

    def predict_log_proba(self, X: Any) -> npt.NDArray[Any]:
        """The log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):  # a probability of 0 is a log of -inf
            logs: npt.NDArray[Any] = np.log(self.predict_proba(X))
        return logs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _MLP):
    """scikit-learn's ``MLPRegressor``, trained by fnmlp.

    One output per target column. ``loss="squared_error"`` (the default) is a
    linear output layer minimising the squared error; ``loss="poisson"`` an
    exponential output layer (:data:`exponential`, ``out_activation_ ==
    "exp"``) minimising :data:`half_poisson_deviance`, for targets ``>= 0``
    (counts, rates). As in scikit-learn, ``loss`` is the first positional
    parameter: pass the hidden layers' sizes by name. Parameters, defaults
    and fitted attributes are scikit-learn's, plus ``dtype``, ``params_`` and
    ``state_`` (see :class:`MLPClassifier`). See the module's notes for how
    each parameter maps onto fnmlp.

    Examples:
        >>> import numpy as np
        >>> X = np.linspace(-1, 1, 50)[:, None]
        >>> y = np.column_stack([2 * X[:, 0], -X[:, 0]])
        >>> model = MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0)
        >>> model.fit(X, y).score(X, y) > 0.99, model.predict(X).shape, model.out_activation_
        (True, (50, 2), 'identity')
        >>> counts = np.exp(X[:, 0] + 1).round()
        >>> poisson = MLPRegressor("poisson", (8,), solver="lbfgs", random_state=0).fit(X, counts)
        >>> poisson.out_activation_, bool(poisson.predict(X).min() > 0)
        ('exp', True)
        >>> print(poisson.params_.activations[-1], half_poisson_deviance.fuses_with)
        Activation(exp) Activation(exp)
        >>> Z = np.array([[0.0, 1.0]])
        >>> print(exponential.fn(Z).round(4), exponential.derivative(Z, exponential.fn(Z), Z).round(4))
        [[1.     2.7183]] [[0.     2.7183]]
        >>> Yhat, Y = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]])
        >>> print(half_poisson_deviance.value(Yhat, Y), half_poisson_deviance.gradient(Yhat, Y))
        1.0 [[0.  0.5]]
    """

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dtype=dtype,
        )
        self.loss = loss

    def _check_loss(self) -> None:
        options = ["squared_error", "poisson"]
        if not isinstance(self.loss, str):
            raise HyperparameterError(
                f"loss: expected one of {options}, got {self.loss!r} (loss is the first "
                f"positional parameter, as in scikit-learn: pass "
                f"hidden_layer_sizes={self.loss!r} by name)"
            )
        _choice(self.loss, "loss", options)

    def _poisson(self) -> bool:
        """Whether the fitted network is ``loss="poisson"``'s (``loss`` itself, before a fit)."""
        if hasattr(self, "out_activation_"):
            return bool(self.out_activation_ == "exp")
        return bool(self.loss == "poisson")

    def _loss_kind(self) -> Loss:
        return half_poisson_deviance if self._poisson() else fnmlp.mean_squared_error

    def _out_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _scale(self) -> float:
        # scikit-learn's half Poisson deviance sums over outputs, as fnmlp's does
        return 1.0 if self._poisson() else 2.0 / self.n_outputs_

    def _data_share(self) -> float:
        # scikit-learn's squared error: half fnmlp's mean squared error
        return 1.0 if self._poisson() else 0.5

    def _validate_input(
        self, X: Any, y: Any, incremental: bool, reset: bool
    ) -> tuple[Any, npt.NDArray[Any], npt.NDArray[Any] | None]:
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if self.loss == "poisson" and Y.size and np.min(Y) < 0:
            where = tuple(int(i) for i in np.argwhere(Y < 0)[0])
            raise LabelError(
                f"y: loss='poisson' expects targets >= 0 (counts, rates), got {Y[where]} at "
                f"index {where[: y.ndim]}"
            )
        return X, np.asarray(Y, dtype=np.float64), None

    def _score_outputs(self, outputs: npt.NDArray[Any], y: Any, weights: Any) -> float:
        if not np.all(np.isfinite(outputs)):
            return math.nan
        return float(r2_score(y, outputs, sample_weight=weights))

    @available_if(_MLP._check_solver)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over ``(X, y)``, resumed from ``state_``.

        Args:
            X: ``(n_samples, n_features)`` inputs.
            y: ``(n_samples,)`` or ``(n_samples, n_outputs)`` targets.
            sample_weight: ``(n_samples,)`` non-negative weights, not all zero.

        Returns:
            The updated estimator.
        """
        fitted: MLPRegressor = self._fit(X, y, sample_weight, incremental=True)
        return fitted

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """``(n_samples,)`` predictions, or ``(n_samples, n_outputs)`` for several targets."""
        outputs = self._predict_outputs(X)
        return outputs.ravel() if outputs.shape[1] == 1 else outputs
