"""fnmlp.plot: labelled, legended figures, PNG files, one batched forward pass, no pyplot."""

from __future__ import annotations

import errno
import importlib
import io
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from matplotlib.figure import Figure

import fnmlp
import fnmlp.plot
from fnmlp.aliases import Matrix
from fnmlp.datasets import logic_gate, moons, spirals, split
from fnmlp.plot import decision_boundary, learning_curves

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
F64 = np.float64


def legend_texts(figure: Figure) -> list[str]:
    """The entries of the figure's legend (decision_boundary puts it on the figure)."""
    legends = list(figure.legends) + [
        legend for axes in figure.axes if (legend := axes.get_legend()) is not None
    ]
    return [text.get_text() for legend in legends for text in legend.get_texts()]


def assert_png(path: Path) -> None:
    assert path.is_file(), path
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 10_000  # a real picture, not an empty canvas


@pytest.fixture(scope="module")
def xor() -> tuple[fnmlp.TrainResult[F64], Matrix[F64], Matrix[F64]]:
    X, Y = logic_gate("xor")
    result = fnmlp.train(
        fnmlp.init([2, 3, 1], hidden=fnmlp.tanh, seed=0),
        X,
        Y,
        loss=fnmlp.binary_cross_entropy,
        optimizer=fnmlp.sgd(1.0),
        epochs=1500,
    )
    assert result.history.train_accuracy[-1] == 1.0
    return result, X, Y


@pytest.fixture(scope="module")
def moons_run() -> tuple[fnmlp.TrainResult[F64], Matrix[F64], Matrix[F64]]:
    X, Y = moons(200, noise=0.1, seed=0)
    X_train, Y_train, X_test, Y_test = split(X, Y, seed=0)
    result = fnmlp.train(
        fnmlp.init([2, 16, 16, 1], seed=0),
        X_train,
        Y_train,
        loss=fnmlp.binary_cross_entropy,
        optimizer=fnmlp.adam(0.02),
        epochs=200,
        validation=(X_test, Y_test),
        log_every=10,
    )
    return result, X, Y


# ----------------------------------------------------------------------------- learning curves


def test_learning_curves_label_both_panels_with_train_and_validation_legends(
    moons_run: tuple[fnmlp.TrainResult[F64], Matrix[F64], Matrix[F64]], tmp_path: Path
) -> None:
    result, _, _ = moons_run
    path = tmp_path / "curves.png"
    figure = learning_curves(result.history, title="moons", path=path)
    assert isinstance(figure, Figure)
    loss_axes, accuracy_axes = figure.axes
    assert loss_axes.get_xlabel() == accuracy_axes.get_xlabel() == "epoch"
    assert loss_axes.get_ylabel().startswith("loss")
    assert accuracy_axes.get_ylabel() == "accuracy"
    for axes in figure.axes:
        legend = axes.get_legend()
        assert legend is not None
        assert [t.get_text() for t in legend.get_texts()] == ["train", "validation"]
    assert figure.get_suptitle() == "moons"
    # The curves are the history, against its epochs.
    train_line = loss_axes.get_lines()[0]
    np.testing.assert_array_equal(train_line.get_xdata(), result.history.epochs)
    np.testing.assert_array_equal(train_line.get_ydata(), result.history.train_loss)
    validation_line = accuracy_axes.get_lines()[1]
    np.testing.assert_array_equal(validation_line.get_ydata(), result.history.validation_accuracy)
    assert_png(path)


def test_learning_curves_without_accuracy_or_validation_have_one_panel() -> None:
    X = np.array([[0.0, 1.0, 2.0]])
    result = fnmlp.train(
        fnmlp.init([1, 1], output=fnmlp.linear, seed=0),
        X,
        2 * X,
        loss=fnmlp.mean_squared_error,
        optimizer=fnmlp.sgd(0.1),
        epochs=20,
    )
    assert result.history.train_accuracy == ()
    figure = learning_curves(result.history)
    (axes,) = figure.axes
    assert axes.get_xlabel() == "epoch"
    assert legend_texts(figure) == ["train"]


def test_learning_curves_use_a_log_scale_only_when_the_loss_spans_decades() -> None:
    falling = fnmlp.History((0, 1, 2), (1.0, 0.1, 0.001), (), (), (), 2)
    flat = fnmlp.History((0, 1, 2), (1.0, 0.8, 0.5), (), (), (), 2)
    assert learning_curves(falling).axes[0].get_yscale() == "log"
    assert learning_curves(flat).axes[0].get_yscale() == "linear"
    assert learning_curves(flat).axes[0].get_ylabel() == "loss"


def test_learning_curves_name_the_held_out_data_as_asked() -> None:
    history = fnmlp.History((0, 5), (0.7, 0.2), (0.5, 1.0), (0.8, 0.3), (0.4, 0.9), 5)
    figure = learning_curves(history, validation_label="test")
    assert legend_texts(figure) == ["train", "test", "train", "test"]


def test_learning_curves_reject_what_is_not_a_history() -> None:
    with pytest.raises(fnmlp.DTypeError, match=r"history: expected an fnmlp History, got dict"):
        learning_curves({"loss": [1.0]})  # type: ignore[arg-type]
    with pytest.raises(fnmlp.ShapeError, match="history: expected at least one recorded epoch"):
        learning_curves(fnmlp.History((), (), (), (), (), 0))
    with pytest.raises(fnmlp.DTypeError, match="title: expected a str or None, got int"):
        learning_curves(fnmlp.History((0,), (0.5,), (), (), (), 0), title=3)  # type: ignore[arg-type]


def test_the_suffix_of_path_chooses_the_format(tmp_path: Path) -> None:
    history = fnmlp.History((0, 1), (0.7, 0.2), (), (), (), 1)
    learning_curves(history, path=tmp_path / "curves.svg")
    assert b"<svg" in (tmp_path / "curves.svg").read_bytes()[:1000]
    learning_curves(history, path=str(tmp_path / "curves"))
    assert (tmp_path / "curves").read_bytes().startswith(PNG_MAGIC)
    # a suffix that names no format is part of the name: PNG
    for name in ("run.2024", "curves.final"):
        learning_curves(history, path=tmp_path / name)
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)


# ----------------------------------------------------------------------------- decision boundary


def test_decision_boundary_calls_a_predictor_once_with_the_whole_grid(tmp_path: Path) -> None:
    calls: list[Matrix[F64]] = []

    def above_diagonal(points: Matrix[F64]) -> npt.NDArray[np.int64]:
        calls.append(points.copy())
        return (points[1:] > points[:1]).astype(np.int64)

    X = np.array([[0.0, 4.0, 1.0, 3.0], [2.0, 0.0, 3.0, 1.0]])
    Y = np.array([[1, 0, 1, 0]])
    path = tmp_path / "boundary.png"
    figure = decision_boundary(above_diagonal, X, Y, resolution=30, padding=0.5, path=path)
    assert len(calls) == 1
    (grid,) = calls
    assert grid.shape == (2, 30 * 30) and grid.dtype == np.float64
    # padding is a fraction of each feature's range: x1 spans 4, x2 spans 3.
    assert (grid[0].min(), grid[0].max()) == pytest.approx((-2.0, 6.0))
    assert (grid[1].min(), grid[1].max()) == pytest.approx((-1.5, 4.5))
    axes = figure.axes[0]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x1", "x2")
    assert legend_texts(figure) == ["class 0", "class 1", "decision boundary"]
    assert_png(path)


def test_decision_boundary_runs_a_network_in_one_forward_pass(
    xor: tuple[fnmlp.TrainResult[F64], Matrix[F64], Matrix[F64]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, X, Y = xor
    shapes: list[tuple[int, ...]] = []
    real_forward = fnmlp.forward

    def counting_forward(params: fnmlp.Params[Any], data: Any) -> Any:
        shapes.append(np.shape(data))
        return real_forward(params, data)

    monkeypatch.setattr("fnmlp.plot.forward", counting_forward)
    decision_boundary(result.params, X, Y, resolution=40)
    assert shapes == [(2, 1600)]


def test_a_binary_network_is_shaded_by_its_probability_and_separates_xor(
    xor: tuple[fnmlp.TrainResult[F64], Matrix[F64], Matrix[F64]],
) -> None:
    result, X, Y = xor
    figure = decision_boundary(result.params, X, Y, resolution=61, padding=0.25)
    axes, colorbar = figure.axes
    assert colorbar.get_ylabel() == "P(class 1)"
    image = np.asarray(axes.get_images()[0].get_array())
    assert image.shape == (61, 61)
    # The shading is the network's probability on the grid, row j = x2, column i = x1.
    x = np.linspace(-0.25, 1.25, 61)
    expected, _ = fnmlp.forward(result.params, np.stack([np.tile(x, 61), np.repeat(x, 61)]))
    np.testing.assert_allclose(image, expected.reshape(61, 61))
    # Grid points at the four corners of the truth table: the shading separates the classes.
    at = {0.0: 10, 1.0: 50}  # x[10] == 0, x[50] == 1
    for (x1, x2), label in zip(X.T, Y[0]):
        assert (image[at[x2], at[x1]] >= 0.5) == bool(label)
    assert legend_texts(figure) == ["class 0", "class 1", "decision boundary"]


def test_a_trained_network_draws_a_boundary_that_separates_the_moons(
    moons_run: tuple[fnmlp.TrainResult[F64], Matrix[F64], Matrix[F64]],
) -> None:
    result, X, Y = moons_run
    resolution = 120
    figure = decision_boundary(result.params, X, Y, resolution=resolution)
    image = np.asarray(figure.axes[0].get_images()[0].get_array())
    x0, x1, y0, y1 = figure.axes[0].get_images()[0].get_extent()
    columns = np.round((X[0] - x0) / (x1 - x0) * (resolution - 1)).astype(int)
    rows = np.round((X[1] - y0) / (y1 - y0) * (resolution - 1)).astype(int)
    shaded = image[rows, columns] >= 0.5
    assert np.mean(shaded == (Y[0] == 1)) >= 0.95


def test_several_outputs_shade_the_argmax_class_with_a_legend_per_class() -> None:
    X, Y = spirals(60, classes=3, seed=0)

    def nearest_axis(points: Matrix[F64]) -> Matrix[F64]:
        # three scores per point: class 0 right, class 1 up, class 2 left
        scores: Matrix[F64] = np.stack([points[0], points[1], -points[0]])
        return scores

    figure = decision_boundary(
        nearest_axis, X, Y, resolution=20, class_names=["red", "green", "blue"]
    )
    (axes,) = figure.axes  # no colour bar for classes
    assert legend_texts(figure) == ["red", "green", "blue", "decision boundary"]
    image = np.asarray(axes.get_images()[0].get_array())
    assert set(np.unique(image)) <= {0, 1, 2}
    assert image[10, -1] == 0 and image[-1, 10] == 1 and image[10, 0] == 2


def test_integer_labels_from_a_predictor_are_shaded_as_classes() -> None:
    X = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    Y = np.array([[0, 1, 2]])

    def thirds(points: Matrix[F64]) -> npt.NDArray[np.int64]:
        labels: npt.NDArray[np.int64] = np.clip(np.floor(points[:1] * 1.5), 0, 2).astype(np.int64)
        return labels

    figure = decision_boundary(thirds, X, Y, resolution=10)
    assert legend_texts(figure) == ["class 0", "class 1", "class 2", "decision boundary"]


def test_decision_boundary_leaves_its_inputs_alone(
    xor: tuple[fnmlp.TrainResult[F64], Matrix[F64], Matrix[F64]],
) -> None:
    result, X, Y = xor
    X_mine, Y_mine = np.array(X), np.array(Y)
    decision_boundary(result.params, X_mine, Y_mine, resolution=10)
    np.testing.assert_array_equal(X_mine, X)
    np.testing.assert_array_equal(Y_mine, Y)
    assert X_mine.flags.writeable and Y_mine.flags.writeable


def constant_half(points: Matrix[F64]) -> Matrix[F64]:
    half: Matrix[F64] = np.full((1, points.shape[1]), 0.5)
    return half


@pytest.mark.parametrize(
    ("model", "X", "Y", "options", "error", "message"),
    [
        (constant_half, np.zeros((4, 2)), [[0, 1, 0, 1]], {}, fnmlp.ShapeError, r"X: expected 2 rows \(x1, x2\) .* got shape \(4, 2\)"),
        (constant_half, np.zeros((2, 4)), [[0, 1, 0]], {}, fnmlp.ShapeError, r"Y: expected 4 columns, one per example of X, got shape \(1, 3\)"),
        (constant_half, np.zeros((2, 2)), [[0, 0.5]], {}, fnmlp.LabelError, r"Y: expected class labels 0, 1, 2, ... \(or one-hot columns\), got 0.5 at column 1"),
        (constant_half, np.zeros((2, 2)), [[0, 1]], {"resolution": 1}, fnmlp.HyperparameterError, r"resolution: expected an int >= 2, got 1"),
        (constant_half, np.zeros((2, 2)), [[0, 1]], {"padding": -0.1}, fnmlp.HyperparameterError, r"padding: expected a non-negative finite number, got -0.1"),
        (constant_half, np.array([[0.0, 1.0], [0.0, 1.0]]), [[0, 1]], {"padding": 1e308}, fnmlp.HyperparameterError, r"^padding: expected a margin that keeps the plotted plane within float64, got 1e\+308"),
        (constant_half, np.array([[-1e308, 1e308], [0.0, 1.0]]), [[0, 1]], {}, fnmlp.NonFiniteError, r"^X: expected points whose spread fits in float64"),
        (constant_half, np.zeros((2, 2)), [[0, 1]], {"resolution": 10**9}, fnmlp.ShapeError, r"^resolution: expected a grid that fits in memory, got 1000000000: "),
        (constant_half, np.zeros((2, 2)), [[0, 1]], {"class_names": ["one"]}, fnmlp.ShapeError, r"class_names: expected at least 2 names, one per class, got 1"),
        (lambda G: G[0], np.zeros((2, 2)), [[0, 1]], {"resolution": 5}, fnmlp.ShapeError, r"model: expected an output of shape \(1, 25\) or \(c, 25\) for a \(2, 25\) grid, got shape \(25,\)"),
        (lambda G: G[:1] + 3.5, np.zeros((2, 2)), [[0, 1]], {}, fnmlp.LabelError, r"model output: expected probabilities of class 1 in \[0, 1\], class labels"),
        (lambda G: G[:1] * np.nan, np.zeros((2, 2)), [[0, 1]], {}, fnmlp.NonFiniteError, r"model output: expected finite values, got nan"),
        ("network", np.zeros((2, 2)), [[0, 1]], {}, fnmlp.DTypeError, r"model: expected fnmlp Params or a callable .* got str"),
        (fnmlp.init([3, 1], seed=0), np.zeros((2, 2)), [[0, 1]], {}, fnmlp.ShapeError, r"model: expected a network with 2 inputs \(x1, x2\), got dims \[3, 1\]"),
    ],
)  # fmt: skip
def test_decision_boundary_names_what_is_wrong(
    model: Any, X: Any, Y: Any, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        decision_boundary(model, X, Y, **options)


# ----------------------------------------------------------------------------- saving


HISTORY = fnmlp.History((0, 1), (0.7, 0.2), (), (), (), 1)


def draw(kind: str, path: Any) -> Figure:
    """Save either figure to ``path``: both go through the same saving code."""
    if kind == "learning_curves":
        return learning_curves(HISTORY, path=path)
    return decision_boundary(lambda G: G[:1] > 0, [[-1.0, 1.0], [0.0, 0.0]], [[0, 1]],
                             resolution=4, path=path)  # fmt: skip


def cannot_write(kind: str, path: Any, errno_: int, reason: str) -> fnmlp.FileError:
    with pytest.raises(OSError) as caught:  # what plain Python code catches
        draw(kind, path)
    error = caught.value
    assert isinstance(error, fnmlp.FileError) and isinstance(error, ValueError)  # as all fnmlp's
    assert str(error) == f"path: cannot save the figure to {str(path)!r}: {reason}"
    assert error.errno == errno_ and error.filename == str(path)
    assert isinstance(error.__cause__, OSError) and error.__cause__.errno == errno_
    return error


KINDS = pytest.mark.parametrize("kind", ["learning_curves", "decision_boundary"])


@KINDS
def test_a_missing_folder_is_named(kind: str, tmp_path: Path) -> None:
    folder = tmp_path / "no" / "such"
    cannot_write(
        kind, folder / "plot.png", errno.ENOENT, f"its folder {str(folder)!r} does not exist"
    )
    assert not (tmp_path / "no").exists()


@KINDS
def test_a_path_that_is_a_folder_is_refused(kind: str, tmp_path: Path) -> None:
    cannot_write(kind, tmp_path, errno.EISDIR, "it is a folder")
    assert list(tmp_path.iterdir()) == []


@KINDS
def test_a_path_under_a_file_is_refused(kind: str, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("a file, not a folder")
    path = tmp_path / "file.txt" / "plot.png"
    cannot_write(kind, path, errno.ENOTDIR, "a part of it that should be a folder is a file")
    assert (tmp_path / "file.txt").read_text() == "a file, not a folder"


@KINDS
def test_a_file_system_that_refuses_writing_is_named(kind: str) -> None:
    # /sys refuses new files even to root, whom file modes do not stop: with EACCES, or
    # EROFS where it is mounted read-only.
    path = "/sys/fnmlp-plot.png"
    with pytest.raises(fnmlp.FileError) as caught:
        draw(kind, path)
    code = caught.value.errno
    assert code in (errno.EACCES, errno.EPERM, errno.EROFS)
    assert str(caught.value) == f"path: cannot save the figure to {path!r}: {os.strerror(code)}"
    assert not Path(path).exists()


@KINDS
def test_a_full_device_is_named_and_left_alone(kind: str) -> None:
    cannot_write(kind, "/dev/full", errno.ENOSPC, "No space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # not replaced, not removed


def test_a_write_that_fails_halfway_leaves_no_truncated_picture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FullDisk(io.FileIO):
        def write(self, data: Any) -> int:
            super().write(bytes(data)[:100])
            raise OSError(errno.ENOSPC, "No space left on device")

    path = tmp_path / "old.png"
    path.write_bytes(b"an earlier picture")
    # fnmlp.plot's own name "open", which shadows the builtin there alone.
    monkeypatch.setattr(fnmlp.plot, "open", FullDisk, raising=False)
    cannot_write("learning_curves", path, errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_path_is_refused() -> None:
    cannot_write("learning_curves", "", errno.ENOENT, "No such file or directory")


# ----------------------------------------------------------------------------- the optional extra


def test_without_matplotlib_the_import_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [name for name in sys.modules if name.split(".")[0] == "matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "fnmlp.plot")
    with pytest.raises(
        ImportError, match=r"fnmlp\.plot needs matplotlib.*pip install 'fnmlp\[plot\]'"
    ):
        importlib.import_module("fnmlp.plot")


def test_fnmlp_does_not_import_matplotlib_and_plot_does_not_use_pyplot() -> None:
    script = textwrap.dedent(
        """
        import sys
        import fnmlp
        print("matplotlib" in sys.modules)
        from fnmlp.plot import decision_boundary, learning_curves
        figure = decision_boundary(lambda G: G[:1] > 0, [[-1.0, 1.0], [0.0, 0.0]], [[0, 1]],
                                   resolution=10)
        print("matplotlib.pyplot" in sys.modules)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert run.stdout.split() == ["False", "False"], run.stderr
