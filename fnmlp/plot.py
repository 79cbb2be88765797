"""Pictures of training: learning curves from a :class:`~fnmlp.History`, decision boundaries.

This module needs matplotlib, the ``plot`` extra (``pip install 'fnmlp[plot]'``);
``import fnmlp`` never imports it. Figures are drawn on
``matplotlib.figure.Figure`` with the Agg canvas, never through ``pyplot``: no
global figure state is touched, nothing needs a display, and a figure is freed
when it is no longer referenced. Each function returns its ``Figure`` and, given
``path``, also saves it (as PNG unless the path's suffix names another format);
a path that cannot be written (a missing folder, a folder, a read-only or full
file system) raises :class:`~fnmlp.FileError`, leaving no truncated file behind.

Examples:
    >>> import numpy as np
    >>> import fnmlp
    >>> from fnmlp.datasets import logic_gate
    >>> from fnmlp.plot import decision_boundary, learning_curves
    >>> X, Y = logic_gate("xor")
    >>> result = fnmlp.train(fnmlp.init([2, 3, 1], hidden=fnmlp.tanh, seed=0), X, Y,
    ...                      loss=fnmlp.binary_cross_entropy, optimizer=fnmlp.sgd(1.0),
    ...                      epochs=2000)
    >>> figure = learning_curves(result.history, title="XOR")
    >>> print([axes.get_ylabel() for axes in figure.axes])
    ['loss (log scale)', 'accuracy']
    >>> figure = decision_boundary(result.params, X, Y, padding=0.25)
    >>> print(figure.axes[0].get_xlabel(), figure.axes[0].get_ylabel())
    x1 x2
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

try:
    from matplotlib import colormaps
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap, to_rgb
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter
except ImportError as error:
    raise ImportError(
        "fnmlp.plot needs matplotlib, which is not installed: "
        "pip install 'fnmlp[plot]' (or pip install matplotlib)"
    ) from error

from fnmlp._validate import as_data, check_finite, positive_float, positive_int
from fnmlp.aliases import Matrix
from fnmlp.errors import (
    DTypeError,
    FileError,
    HyperparameterError,
    LabelError,
    NonFiniteError,
    ShapeError,
)
from fnmlp.initialisers import check_fits
from fnmlp.propagation import forward
from fnmlp.records import Params
from fnmlp.runs import History

__all__ = ["Predictor", "decision_boundary", "learning_curves"]

Predictor: TypeAlias = Callable[[Matrix[np.float64]], npt.ArrayLike]
"""Maps a ``(2, k)`` grid of points to ``(1, k)`` probabilities or labels, or ``(c, k)`` scores."""

PathLike: TypeAlias = str | os.PathLike[str]

# matplotlib's "tab10", the default colour cycle: class k is drawn in _COLOURS[k].
_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")
_DPI = 120


# ----------------------------------------------------------------------------- helpers


def _figure(width: float, height: float) -> Figure:
    """A figure with its own Agg canvas: no pyplot, no display needed."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: PathLike | None) -> None:
    if path is None:
        return
    if not isinstance(path, (str, os.PathLike)):
        raise DTypeError(f"path: expected a str or os.PathLike, got {type(path).__name__}")
    target = os.fspath(path)
    suffix = os.path.splitext(target)[1].lower().lstrip(".")
    if suffix not in figure.canvas.get_supported_filetypes():
        suffix = "png"  # "run.2024", "curves.final": a name, not a format
    image = io.BytesIO()  # drawn in full before the file is touched
    figure.savefig(image, format=suffix, dpi=_DPI)
    opened = False
    try:
        with open(target, "wb") as file:
            opened = True
            file.write(image.getbuffer())
    except OSError as error:
        if opened and os.path.isfile(target):  # a truncated picture, never a device (/dev/full)
            with contextlib.suppress(OSError):
                os.remove(target)
        raise _cannot_write(target, error) from error


def _cannot_write(target: str, error: OSError) -> FileError:
    """The :class:`FileError` for a figure that could not be written to ``target``."""
    folder = os.path.dirname(target) or "."
    if isinstance(error, FileNotFoundError) and not os.path.isdir(folder):
        reason = f"its folder {folder!r} does not exist"
    elif isinstance(error, IsADirectoryError):
        reason = "it is a folder"
    elif isinstance(error, NotADirectoryError):
        reason = "a part of it that should be a folder is a file"
    else:
        reason = error.strerror or str(error)  # "No space left on device", "Read-only file system"
    return FileError(
        f"path: cannot save the figure to {target!r}: {reason}",
        path=target,
        errno=error.errno,
        strerror=error.strerror,
    )


def _check_title(title: object) -> str | None:
    if title is not None and not isinstance(title, str):
        raise DTypeError(f"title: expected a str or None, got {type(title).__name__}")
    return title


def _colours(n: int) -> list[tuple[float, float, float]]:
    if n <= len(_COLOURS):
        return [to_rgb(c) for c in _COLOURS[:n]]
    turbo = colormaps["turbo"]
    return [to_rgb(turbo(x)) for x in np.linspace(0.05, 0.95, n)]


def _pale(colour: tuple[float, float, float], amount: float = 0.6) -> tuple[float, float, float]:
    """``colour`` blended towards white, for backgrounds under full-colour points."""
    r, g, b = colour
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


# ----------------------------------------------------------------------------- learning curves


def _curve(
    axes: Axes, epochs: Sequence[int], values: Sequence[float], label: str, colour: str
) -> None:
    marker = "o" if len(epochs) <= 30 else None
    axes.plot(epochs, values, label=label, color=colour, marker=marker, markersize=3, linewidth=1.6)


def learning_curves(
    history: History,
    *,
    title: str | None = None,
    validation_label: str = "validation",
    path: PathLike | None = None,
) -> Figure:
    """Plot loss, and accuracy when recorded, against the epoch, for training and validation.

    One panel for the loss (on a log scale when it falls by more than a factor
    of 100) and, when the history has accuracies (the cross-entropy losses),
    one for the accuracy. Validation curves are drawn when the history has them.

    Args:
        history: what :func:`~fnmlp.train` recorded (``result.history``).
        title: a title over the panels.
        validation_label: the legend's name for the validation curves (say
            ``"test"`` when the held-out data are a test set).
        path: where to save the figure; PNG unless the suffix names another
            format matplotlib writes (``.pdf``, ``.svg``, ...).

    Returns:
        The ``matplotlib.figure.Figure``: its axes are labelled ``epoch`` and
        ``loss``/``accuracy`` and carry legends.

    Raises:
        DTypeError: if ``history`` is not a :class:`~fnmlp.History`, or ``title``,
            ``validation_label`` or ``path`` has the wrong type.
        ShapeError: if the history records no epoch.
        FileError: if ``path`` cannot be written: its folder is missing, it is
            a folder, or the file system refuses it (read-only, full).

    Examples:
        >>> from fnmlp import History
        >>> history = History((0, 10, 20), (0.7, 0.4, 0.3), (0.5, 0.8, 0.9),
        ...                   (0.7, 0.5, 0.45), (0.5, 0.7, 0.8), 20)
        >>> figure = learning_curves(history, title="a run")
        >>> for axes in figure.axes:
        ...     print(axes.get_title(), axes.get_xlabel(), axes.get_ylabel(),
        ...           [t.get_text() for t in axes.get_legend().get_texts()])
        Loss epoch loss ['train', 'validation']
        Accuracy epoch accuracy ['train', 'validation']
        >>> learning_curves(history, path="no/such/folder/curves.png")
        Traceback (most recent call last):
        ...
        fnmlp.errors.FileError: path: cannot save the figure to 'no/such/folder/curves.png': its folder 'no/such/folder' does not exist
    """
    if not isinstance(history, History):
        raise DTypeError(f"history: expected an fnmlp History, got {type(history).__name__}")
    heading = _check_title(title)
    if not isinstance(validation_label, str):
        raise DTypeError(f"validation_label: expected a str, got {type(validation_label).__name__}")
    epochs = history.epochs
    if not epochs:
        raise ShapeError("history: expected at least one recorded epoch, got none")
    has_accuracy = bool(history.train_accuracy)
    figure = _figure(11.0 if has_accuracy else 6.0, 4.2)
    panels = figure.subplots(1, 2 if has_accuracy else 1, squeeze=False)[0]

    loss_axes: Axes = panels[0]
    _curve(loss_axes, epochs, history.train_loss, "train", _COLOURS[0])
    if history.validation_loss:
        _curve(loss_axes, epochs, history.validation_loss, validation_label, _COLOURS[1])
    losses = np.array(history.train_loss + history.validation_loss)
    log_scale = bool(losses.min() > 0 and losses.max() / losses.min() >= 100)
    if log_scale:
        loss_axes.set_yscale("log")
    loss_axes.set_ylabel("loss (log scale)" if log_scale else "loss")
    loss_axes.set_title("Loss")

    if has_accuracy:
        accuracy_axes: Axes = panels[1]
        _curve(accuracy_axes, epochs, history.train_accuracy, "train", _COLOURS[0])
        if history.validation_accuracy:
            _curve(
                accuracy_axes, epochs, history.validation_accuracy, validation_label, _COLOURS[1]
            )
        accuracy_axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        accuracy_axes.set_ylabel("accuracy")
        accuracy_axes.set_title("Accuracy")

    for axes in panels:
        axes.set_xlabel("epoch")
        axes.grid(True, alpha=0.3)
        axes.legend()
    if heading is not None:
        figure.suptitle(heading)
    _save(figure, path)
    return figure


# ----------------------------------------------------------------------------- decision boundary


def _targets_to_classes(Y: npt.ArrayLike, m: int) -> tuple[npt.NDArray[np.int64], int]:
    """Class indices from ``(1, m)`` labels or ``(c, m)`` one-hot columns, and the row count."""
    targets: Matrix[np.float64] = as_data(Y, "Y", np.float64)
    if targets.shape[1] != m:
        raise ShapeError(
            f"Y: expected {m} columns, one per example of X, got shape {targets.shape}"
        )
    if targets.shape[0] > 1:
        classes: npt.NDArray[np.int64] = targets.argmax(axis=0).astype(np.int64)
        return classes, targets.shape[0]
    row = targets[0]
    bad = (row < 0) | (row != np.round(row))
    if bad.any():
        position = int(np.argmax(bad))
        raise LabelError(
            f"Y: expected class labels 0, 1, 2, ... (or one-hot columns), "
            f"got {row[position]} at column {position}"
        )
    labels: npt.NDArray[np.int64] = row.astype(np.int64)
    return labels, 1


def _predict_grid(model: Params[Any] | Predictor, grid: Matrix[np.float64]) -> Matrix[Any]:
    """The model's output on every grid point: one call, one batched forward pass."""
    k = grid.shape[1]
    if isinstance(model, Params):
        if model.dims[0] != 2:
            raise ShapeError(
                f"model: expected a network with 2 inputs (x1, x2), got dims {list(model.dims)}"
            )
        Yhat, _ = forward(model, grid)
        return Yhat
    if not callable(model):
        raise DTypeError(
            f"model: expected fnmlp Params or a callable mapping (2, k) points to (1, k) "
            f"outputs, got {type(model).__name__}"
        )
    raw = np.asarray(model(grid))
    if raw.ndim != 2 or raw.shape[1] != k:
        raise ShapeError(
            f"model: expected an output of shape (1, {k}) or (c, {k}) for a (2, {k}) grid, "
            f"got shape {raw.shape}"
        )
    if raw.dtype.kind not in "biuf":
        raise DTypeError(f"model: expected a numeric output, got dtype {raw.dtype}")
    out: Matrix[Any] = raw.astype(np.float64)
    check_finite(out, "model output")
    return out


def _interpret(
    out: Matrix[Any], from_params: bool
) -> tuple[npt.NDArray[np.float64] | None, npt.NDArray[np.int64]]:
    """``(probability of class 1 or None, predicted class)`` for each grid point."""
    if out.shape[0] > 1:
        classes: npt.NDArray[np.int64] = out.argmax(axis=0).astype(np.int64)
        return None, classes
    row: npt.NDArray[np.float64] = out[0].astype(np.float64)
    in_unit = bool(row.min() >= 0 and row.max() <= 1)
    integral = bool(np.all(row == np.round(row)) and row.min() >= 0)
    if from_params:
        labels: npt.NDArray[np.int64] = (row >= 0.5).astype(np.int64)
        return (row if in_unit else None), labels
    if integral:
        return None, row.astype(np.int64)
    if in_unit:
        return row, (row >= 0.5).astype(np.int64)
    raise LabelError(
        "model output: expected probabilities of class 1 in [0, 1], class labels 0, 1, 2, ... "
        f"or per-class scores of shape (c, k), got values in [{row.min():.4g}, {row.max():.4g}]"
    )


def _grid_axis(values: npt.NDArray[np.float64], padding: float, resolution: int) -> Any:
    low, high = float(values.min()), float(values.max())
    with np.errstate(over="ignore", invalid="ignore"):
        span = high - low if high > low else 1.0
        axis = np.linspace(low - padding * span, high + padding * span, resolution)
    if not np.isfinite(span):
        raise NonFiniteError(
            f"X: expected points whose spread fits in float64, got a coordinate from {low:.4g} "
            f"to {high:.4g}: scale X"
        )
    if not np.isfinite(axis).all():
        raise HyperparameterError(
            f"padding: expected a margin that keeps the plotted plane within float64, got "
            f"{padding!r} around data from {low:.4g} to {high:.4g}"
        )
    return axis


def decision_boundary(
    model: Params[Any] | Predictor,
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    *,
    resolution: int = 200,
    padding: float = 0.1,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
    axis_labels: tuple[str, str] = ("x1", "x2"),
    path: PathLike | None = None,
) -> Figure:
    """Shade what a classifier predicts over the plane and scatter the data on top.

    The model sees the whole ``resolution x resolution`` grid at once, as one
    ``(2, resolution**2)`` input: one batched forward pass, not one per point.
    A binary model's probability of class 1 is shaded continuously, with the
    0.5 contour drawn as the decision boundary; a multi-class model's predicted
    class is shaded in pale class colours. The data are drawn in the full
    class colours, one marker per class, with a legend below the axes.

    Args:
        model: fnmlp ``Params`` with 2 inputs (one sigmoid output: its
            probability; several outputs: the arg-max class), or a callable
            mapping a ``(2, k)`` float64 grid to ``(1, k)`` probabilities of
            class 1, ``(1, k)`` integer class labels, or ``(c, k)`` class scores.
        X: the data, shape ``(2, m)``, one column per example.
        Y: their classes: ``(1, m)`` labels 0, 1, 2, ... or ``(c, m)`` one-hot.
        resolution: grid points along each axis (at least 2).
        padding: the margin around the data on each side, as a fraction of
            each feature's range.
        title: the axes' title (by default "Decision boundary").
        class_names: a name per class for the legend (by default "class 0", ...).
        axis_labels: the labels of the two axes.
        path: where to save the figure; PNG unless the suffix names another
            format matplotlib writes.

    Returns:
        The ``matplotlib.figure.Figure``.

    Raises:
        ShapeError: if ``X`` is not ``(2, m)``, ``Y`` does not have ``m``
            columns, the network does not take 2 inputs, the callable's output
            is not ``(c, k)``, or ``class_names`` is too short.
        LabelError: if ``Y`` holds something other than class labels, or the
            callable's output is neither probabilities, labels nor scores.
        HyperparameterError: for ``resolution < 2`` or a negative ``padding``.
        DTypeError: for a model that is neither ``Params`` nor callable.
        NonFiniteError: for NaN or infinity in ``X``, ``Y`` or the model's output.
        FileError: if ``path`` cannot be written: its folder is missing, it is
            a folder, or the file system refuses it (read-only, full).

    Examples:
        >>> import numpy as np
        >>> calls = []
        >>> def above_diagonal(points):
        ...     calls.append(points.shape)
        ...     return (points[1:] > points[:1]).astype(int)
        >>> X = np.array([[0.0, 1.0, 0.2, 0.9], [1.0, 0.0, 0.8, 0.1]])
        >>> Y = np.array([[1, 0, 1, 0]])
        >>> figure = decision_boundary(above_diagonal, X, Y, resolution=50,
        ...                            class_names=["below", "above"])
        >>> calls
        [(2, 2500)]
        >>> legend = figure.legends[0]
        >>> print(figure.axes[0].get_title(), [t.get_text() for t in legend.get_texts()])
        Decision boundary ['below', 'above', 'decision boundary']
        >>> decision_boundary(above_diagonal, X.T, Y)
        Traceback (most recent call last):
        ...
        fnmlp.errors.ShapeError: X: expected 2 rows (x1, x2) with one column per example, got shape (4, 2)
    """
    data: Matrix[np.float64] = as_data(X, "X", np.float64)
    if data.shape[0] != 2:
        raise ShapeError(
            f"X: expected 2 rows (x1, x2) with one column per example, got shape {data.shape}"
        )
    truth, target_rows = _targets_to_classes(Y, data.shape[1])
    steps = positive_int(resolution, "resolution")
    if steps < 2:
        raise HyperparameterError(f"resolution: expected an int >= 2, got {steps}")
    margin = positive_float(padding, "padding", allow_zero=True)
    # the grid, its two coordinates and the model's outputs on it, in float64
    points = steps * steps
    check_fits(
        4 * 8 * points, "resolution", "a grid that fits in memory", f"{steps}: {points} points"
    )
    heading = _check_title(title)
    pair: object = axis_labels  # checked at run time: callers may send anything
    if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(s, str) for s in pair)):
        raise DTypeError(f"axis_labels: expected a pair of str, got {axis_labels!r}")

    g1 = _grid_axis(data[0], margin, steps)
    g2 = _grid_axis(data[1], margin, steps)
    G1, G2 = np.meshgrid(g1, g2)
    grid: Matrix[np.float64] = np.stack([G1.ravel(), G2.ravel()])
    out = _predict_grid(model, grid)
    probability, predicted = _interpret(out, isinstance(model, Params))

    n_classes = max(2, int(truth.max()) + 1, int(predicted.max()) + 1, out.shape[0], target_rows)
    if class_names is None:
        names = [f"class {c}" for c in range(n_classes)]
    elif isinstance(class_names, str) or not all(isinstance(n, str) for n in class_names):
        raise DTypeError(f"class_names: expected a sequence of str, got {class_names!r}")
    elif len(class_names) < n_classes:
        raise ShapeError(
            f"class_names: expected at least {n_classes} names, one per class, "
            f"got {len(class_names)}"
        )
    else:
        names = list(class_names)
    colours = _colours(n_classes)

    figure = _figure(7.0 if probability is not None else 6.2, 5.2)
    axes = figure.add_subplot()
    extent = (float(g1[0]), float(g1[-1]), float(g2[0]), float(g2[-1]))
    shape = (steps, steps)
    if probability is not None:
        shading = LinearSegmentedColormap.from_list(
            "fnmlp_probability", [_pale(colours[0], 0.45), (1.0, 1.0, 1.0), _pale(colours[1], 0.45)]
        )
        image = axes.imshow(
            probability.reshape(shape),
            origin="lower",
            extent=extent,
            aspect="auto",
            cmap=shading,
            vmin=0.0,
            vmax=1.0,
            interpolation="bilinear",
        )
        figure.colorbar(image, ax=axes, label=f"P({names[1]})")
        surface = probability.reshape(shape)
        levels = [0.5]
    else:
        image = axes.imshow(
            predicted.reshape(shape),
            origin="lower",
            extent=extent,
            aspect="auto",
            cmap=ListedColormap([_pale(c) for c in colours]),
            vmin=-0.5,
            vmax=n_classes - 0.5,
            interpolation="nearest",
        )
        surface = predicted.reshape(shape).astype(np.float64)
        levels = [c + 0.5 for c in range(n_classes - 1)]
    low, high = float(surface.min()), float(surface.max())
    inside = [level for level in levels if low < level < high]
    if inside:
        axes.contour(G1, G2, surface, levels=inside, colors="k", linewidths=1.4, linestyles="--")

    size = 40.0 if data.shape[1] <= 300 else 18.0
    for c in range(n_classes):
        chosen = truth == c
        if chosen.any():
            axes.scatter(
                data[0, chosen],
                data[1, chosen],
                s=size,
                color=colours[c],
                marker=_MARKERS[c % len(_MARKERS)],
                edgecolors="k",
                linewidths=0.6,
                label=names[c],
                zorder=3,
            )
    handles, _ = axes.get_legend_handles_labels()
    if inside:
        handles.append(
            Line2D([], [], color="k", linestyle="--", linewidth=1.4, label="decision boundary")
        )
    # Below the axes, where it hides neither data nor boundary.
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
    axes.set_xlim(extent[0], extent[1])
    axes.set_ylim(extent[2], extent[3])
    axes.set_xlabel(axis_labels[0])
    axes.set_ylabel(axis_labels[1])
    axes.set_title(heading if heading is not None else "Decision boundary")
    _save(figure, path)
    return figure
