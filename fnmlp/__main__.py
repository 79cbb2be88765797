"""``python -m fnmlp``: train an example network, watch it learn, and see what it learned.

By default it trains the logic gates of notebook 000 (NOT, AND, OR, XOR), one
small network each, and prints every gate's truth table next to the network's
outputs. ``--example`` picks another data set from :mod:`fnmlp.datasets`:
``circles`` and ``moons`` (a ``[2, 32, 32, 1]`` network, as in notebook 004,
with a train/test split), ``spiral`` (three classes, softmax and categorical
cross-entropy) or ``height-weight`` (the table of notebook 001). The demo only
calls the library: :func:`fnmlp.train` (with its progress bar when tqdm is
installed) and, for ``--plot DIR``, :mod:`fnmlp.plot`, which saves learning
curves and a decision boundary as PNG files. Run ``python -m fnmlp --help``.

Progress goes to standard error, results to standard output. The exit code is
0 on success; 1 when training fails (a learning rate so large that it
diverges), the plots cannot be written or standard output cannot be written
(a full disk), with a one-line message on standard error; 2 for bad arguments;
130 on Ctrl-C, with the message ``interrupted``; and 141 (128 + SIGPIPE, what a
shell reports for a program stopped by a closed pipe) when the reader of the
output goes away, as in ``python -m fnmlp | head -1``: silently, the rest of
the output sent to ``os.devnull`` as the Python documentation recommends.

Examples:
    >>> from fnmlp.__main__ import main
    >>> main(["--example", "moons", "--epochs", "60", "--no-progress"])
    moons: 400 points (320 train, 80 test), inputs standardised with the training set's statistics
    Params([2, 32, 32, 1], relu -> relu -> sigmoid, float64), binary_cross_entropy, adam(learning_rate=0.01, ...), 60 epochs, seed 0
    <BLANKLINE>
    epoch  train loss  train acc  test loss  test acc
        0      1.0161      50.6%     1.0435     47.5%
       10      0.2500      89.7%     0.3048     86.2%
    ...
       60      0.0294      98.8%     0.0475     98.8%
    <BLANKLINE>
    final  train loss 0.0294  accuracy 98.8%  |  test loss 0.0475  accuracy 98.8%
    0
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

import fnmlp
from fnmlp.datasets import circles, height_weight, logic_gate, moons, spirals, split, standardise

__all__ = ["main", "parser"]


@attrs.frozen
class _Settings:
    """One run's settings: from the command line, else the example's defaults."""

    epochs: int
    seed: int
    optimizer: fnmlp.Optimizer[Any]
    progress: bool
    plot_dir: Path | None


def _fit(s: _Settings, params: Any, X: Any, Y: Any, **more: Any) -> fnmlp.TrainResult[Any]:
    """:func:`fnmlp.train` with the run's settings, from epoch 0; a note if the loss rose."""
    if s.progress:  # what was printed so far comes before the progress bar on a terminal
        sys.stdout.flush()
    result = fnmlp.train(
        params, X, Y, optimizer=s.optimizer, epochs=s.epochs, seed=s.seed, progress=s.progress,
        log_every=max(1, s.epochs // 100), running_loss=False, **more,  # from epoch 0, ~100 entries
    )  # fmt: skip
    first, last = result.history.train_loss[0], result.history.train_loss[-1]
    if last > first:
        print(f"note: the training loss rose from {first:.4g} to {last:.4g}; ", end="")
        print("try a smaller --learning-rate")
    return result


def _plot(s: _Settings, stem: str, title: str, result: Any, X: Any, Y: Any, **how: Any) -> None:
    """Save the learning curves and, for two inputs, the decision boundary into ``--plot DIR``."""
    if s.plot_dir is None:
        return
    from fnmlp import plot

    path = s.plot_dir / f"{stem}-learning-curves.png"
    plot.learning_curves(result.history, title=title, validation_label="test", path=path)
    print(f"wrote {path}")
    if X.shape[0] == 2:
        path = s.plot_dir / f"{stem}-decision-boundary.png"
        plot.decision_boundary(result.params, X, Y, title=title, path=path, **how)
        print(f"wrote {path}")


def _table(s: _Settings, stem: str, title: str, params: Any, data: Any, **how: Any) -> bool:
    """Train on a table and print it with the network's outputs; True if all are right.

    ``data`` is ``(X, Y, names of X's rows, what the network sees: X or X standardised)``.
    """
    X, Y, names, inputs = data
    result = _fit(s, params, inputs, Y, loss=fnmlp.binary_cross_entropy)
    Yhat, _ = fnmlp.forward(result.params, inputs)
    predicted = fnmlp.predict(result.params, inputs)
    widths = [max(2, len(name)) for name in names]
    header = "  ".join(f"{name:>{width}}" for name, width in zip(names, widths))
    print(f"  {header} | target  output  predicted")
    for j in range(X.shape[1]):
        row = "  ".join(f"{int(x):>{width}}" for x, width in zip(X[:, j], widths))
        print(f"  {row} | {int(Y[0, j]):>6}  {Yhat[0, j]:.4f}  {predicted[0, j]:>9}")
    right, m = int((predicted == Y).sum()), X.shape[1]
    print(f"final loss {result.history.final_loss:.4g}, accuracy {right / m:.1%} ({right}/{m})")
    _plot(s, stem, title, result, inputs, Y, **how)
    return bool(right == m)


def _gates(s: _Settings) -> None:
    what = "one network per gate, tanh hidden units, sigmoid output, He init"
    print(f"Logic gates of notebook 000: {what}, {s.optimizer}, {s.epochs} epochs, seed {s.seed}")
    gates = {"not": [1, 2, 1], "and": [2, 2, 1], "or": [2, 2, 1], "xor": [2, 3, 1]}
    learned = 0
    for gate, dims in gates.items():
        X, Y = logic_gate(gate)
        params = fnmlp.init(dims, hidden=fnmlp.tanh, output=fnmlp.sigmoid, scheme="he", seed=s.seed)
        print(f"\n{gate.upper()}  {params}")
        data = (X, Y, [f"x{i + 1}" for i in range(len(X))], X)
        how = {"padding": 0.25, "class_names": ["output 0", "output 1"]}
        learned += _table(s, f"gates-{gate}", f"{gate.upper()} {dims}", params, data, **how)
    print(f"\n{learned} of {len(gates)} gates learned their truth tables.")


def _height_weight(s: _Settings) -> None:
    X, Y = height_weight()
    params = fnmlp.init([2, 3, 3, 1], hidden=fnmlp.sigmoid, scheme="standard", seed=s.seed)
    why = "raw values of 60 to 312 saturate sigmoid units"
    print(f"The height/weight table of notebook 001: 10 people, standardised ({why})")
    print(f"{params}, standard init, binary_cross_entropy, {s.optimizer}, ", end="")
    print(f"{s.epochs} epochs, seed {s.seed}\n")
    data = (X, Y, ["weight", "height"], standardise(X).apply(X))
    axes = ("weight (standardised)", "height (standardised)")
    _table(s, "height-weight", f"height-weight: {params}", params, data, axis_labels=axes)


def _points(name: str, make: Callable[..., Any], s: _Settings, **how: Any) -> None:
    """Train on 80% of the points ``make`` draws, test on the rest (as notebook 004)."""
    X, Y = make(seed=s.seed, **how)
    X_train, Y_train, X_test, Y_test = split(X, Y, test_fraction=0.2, seed=s.seed)
    scaler = standardise(X_train)
    binary = len(Y) == 1
    output = fnmlp.sigmoid if binary else fnmlp.softmax
    loss = fnmlp.binary_cross_entropy if binary else fnmlp.categorical_cross_entropy
    params = fnmlp.init([2, 32, 32, len(Y)], output=output, scheme="he", seed=s.seed)
    points = f"{X.shape[1]} points" + ("" if binary else f" in {len(Y)} classes")
    print(f"{name}: {points} ({X_train.shape[1]} train, {X_test.shape[1]} test), ", end="")
    print("inputs standardised with the training set's statistics")
    print(f"{params}, {loss.name}, {s.optimizer}, {s.epochs} epochs, seed {s.seed}")
    test = (scaler.apply(X_test), Y_test)
    result = _fit(s, params, scaler.apply(X_train), Y_train, loss=loss, validation=test)
    h = result.history
    print("\nepoch  train loss  train acc  test loss  test acc")
    for i in sorted({*range(0, len(h.epochs), 10), len(h.epochs) - 1}):
        print(f"{h.epochs[i]:>5}  {h.train_loss[i]:>10.4f}  {h.train_accuracy[i]:>9.1%}  ", end="")
        print(f"{h.validation_loss[i]:>9.4f}  {h.validation_accuracy[i]:>8.1%}")
    train = f"train loss {h.train_loss[-1]:.4f}  accuracy {h.train_accuracy[-1]:.1%}"
    held_out = f"test loss {h.validation_loss[-1]:.4f}  accuracy {h.validation_accuracy[-1]:.1%}"
    print(f"\nfinal  {train}  |  {held_out}")
    axes = ("x1 (standardised)", "x2 (standardised)")
    _plot(s, name, f"{name}: {params}", result, scaler.apply(X), Y, axis_labels=axes)


@attrs.frozen
class _Example:
    """An ``--example``: a line for ``--help``, how it runs, its default epochs and optimiser."""

    summary: str
    run: Callable[[_Settings], None]
    epochs: int
    optimizer: str
    rates: Mapping[str, float]


_TABLE = MappingProxyType({"sgd": 1.0, "momentum": 0.1, "rmsprop": 0.01, "adam": 0.05})
_CLOUD = MappingProxyType({"sgd": 0.5, "momentum": 0.05, "rmsprop": 0.005, "adam": 0.01})
_NET = "[2, 32, 32, 1] (notebook 004)"
# fmt: off
_EXAMPLES = MappingProxyType({
    "gates": _Example("NOT, AND, OR and XOR, one small network each (notebook 000)",
                      _gates, 2000, "sgd", _TABLE),
    "circles": _Example(f"two noisy concentric circles, {_NET}",
                        partial(_points, "circles", circles, m=400, noise=0.1), 300, "adam", _CLOUD),
    "moons": _Example(f"two interleaving half moons, {_NET}",
                      partial(_points, "moons", moons, m=400, noise=0.1), 300, "adam", _CLOUD),
    "spiral": _Example("three spiral arms, [2, 32, 32, 3] softmax with categorical cross-entropy",
                       partial(_points, "spiral", spirals, m=300, classes=3, noise=0.2), 1000,
                       "adam", _CLOUD),
    "height-weight": _Example("the 10-person table of notebook 001, [2, 3, 3, 1] sigmoid",
                              _height_weight, 2000, "sgd", _TABLE),
})
_OPTIMIZERS: Mapping[str, Callable[[float], fnmlp.Optimizer[Any]]] = MappingProxyType({
    "sgd": fnmlp.sgd, "momentum": fnmlp.momentum, "rmsprop": fnmlp.rmsprop, "adam": fnmlp.adam})
# fmt: on


def _number(kind: type[Any], expected: str, fits: Callable[[Any], bool]) -> Callable[[str], Any]:
    """An argparse ``type``: read a ``kind``, refuse what does not fit."""

    def read(text: str) -> Any:
        with contextlib.suppress(ValueError):
            if fits(value := kind(text)):
                return value
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")

    return read


def _folder(text: str) -> Path:
    if not text:  # Path("") is the current folder: refuse it rather than write there unasked
        raise argparse.ArgumentTypeError("expected a folder, got ''")
    return Path(text)


def parser() -> argparse.ArgumentParser:
    """The command line of ``python -m fnmlp``.

    Examples:
        >>> args = parser().parse_args(["--example", "spiral", "--epochs", "50"])
        >>> print(args.example, args.epochs, args.optimizer, args.plot)
        spiral 50 None None
    """
    examples = "".join(f"\n  {name:<14} {e.summary}" for name, e in _EXAMPLES.items())
    defaults = "".join(
        f"\n  {name:<14} {e.epochs} epochs, {e.optimizer}, learning rates "
        + ", ".join(f"{rule} {rate:g}" for rule, rate in e.rates.items())
        for name, e in _EXAMPLES.items()
    )
    command = argparse.ArgumentParser(
        prog="python -m fnmlp",
        description="Train one of fnmlp's example networks with full-batch gradient descent,\n"
        "show its progress and print what it learned.",
        epilog=f"examples:{examples}\n\ndefaults per example:{defaults}\n\n"
        "Progress goes to standard error, results to standard output.\n"
        "Exit status: 0 on success, 1 if training, plotting or writing the output fails,\n"
        "2 for bad arguments, 130 if interrupted, 141 if the output's reader goes away.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    count = _number(int, "a positive int", lambda n: n > 0)
    seed = _number(int, "a non-negative int", lambda n: n >= 0)
    rate = _number(float, "a positive finite number", lambda x: math.isfinite(x) and x > 0)
    theirs = "(default: the example's, see below)"
    add = command.add_argument
    # fmt: off
    add("--example", choices=list(_EXAMPLES), default="gates",
        help="the data set and network to train (default: gates; see below)")
    add("--epochs", type=count, metavar="N", help=f"epochs of training, per network {theirs}")
    add("--seed", type=seed, default=0, metavar="N",
        help="seeds the data, the train/test split and the initial weights (default: 0)")
    add("--optimizer", choices=list(_OPTIMIZERS), help=f"the update rule {theirs}")
    add("--learning-rate", type=rate, metavar="RATE", help=f"the learning rate {theirs}")
    add("--plot", type=_folder, metavar="DIR",
        help="write learning-curve and decision-boundary PNG files into DIR, creating it "
        "(needs matplotlib: pip install 'fnmlp[plot]')")
    add("--no-progress", action="store_true",
        help="no progress bar (there is none without tqdm: pip install 'fnmlp[progress]')")
    # fmt: on
    return command


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with the command-line arguments ``argv``; return the exit code.

    Args:
        argv: the arguments after ``python -m fnmlp``; by default ``sys.argv[1:]``.

    Returns:
        0 on success, 1 if training diverges or the plots cannot be written.
        Bad arguments print a usage message and raise ``SystemExit(2)``.

    Examples:
        >>> main(["--example", "height-weight", "--epochs", "300", "--no-progress"])
        The height/weight table of notebook 001: ...
        final loss 0.0..., accuracy 100.0% (10/10)
        0
        >>> main(["--plot", ""])
        Traceback (most recent call last):
        ...
        SystemExit: 2
    """
    command = parser()
    args = command.parse_args(argv)
    example = _EXAMPLES[args.example]
    if args.plot is not None:
        try:
            importlib.import_module("fnmlp.plot")  # fail before training, not after
        except ImportError as error:
            return _error(f"--plot {args.plot}: {error}")
        try:
            args.plot.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            command.error(f"argument --plot: {args.plot} exists and is not a directory")
        except OSError as error:
            return _error(f"--plot {args.plot}: cannot create the folder: {error.strerror}")
    name = args.optimizer or example.optimizer
    optimizer = _OPTIMIZERS[name](args.learning_rate or example.rates[name])
    progress = not args.no_progress and importlib.util.find_spec("tqdm") is not None
    try:
        example.run(
            _Settings(args.epochs or example.epochs, args.seed, optimizer, progress, args.plot)
        )
    except fnmlp.FnmlpError as error:
        return _error(str(error))
    return 0


def _command() -> int:
    """:func:`main` as a command: Ctrl-C, a closed pipe or a full disk end it without a traceback."""
    try:
        try:
            return main()
        finally:
            sys.stdout.flush()  # here, where a failure can be handled, not at exit
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:
        _to_devnull(sys.stdout, sys.stderr)  # whatever is left to write goes nowhere
        return 141
    except OSError as error:  # standard output on a full disk, say
        _to_devnull(sys.stdout)
        _say(f"error: cannot write the output: {error.strerror or error}")
        return 1


def _say(message: str) -> None:
    """Print ``message`` on standard error, unless that too is closed or full."""
    try:
        print(message, file=sys.stderr, flush=True)
    except OSError:
        _to_devnull(sys.stderr)


def _to_devnull(*streams: Any) -> None:
    """Point ``streams`` at os.devnull, so that what is left to write, even at exit, goes nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in streams:
        os.dup2(devnull, stream.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(_command())
