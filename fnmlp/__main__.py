"""``python -m fnmlp``: train an example network, watch it learn, and see what it learned.

By default it trains the logic gates of notebook 000 (NOT, AND, OR, XOR), one
small network each, and prints every gate's truth table next to the network's
outputs. ``--example`` picks another data set from :mod:`fnmlp.datasets`:
``circles`` and ``moons`` (a ``[2, 32, 32, 1]`` network, as in notebook 004,
with a train/test split), ``spiral`` (three classes, softmax and categorical
cross-entropy) or ``height-weight`` (the table of notebook 001). Training
shows a tqdm progress bar when tqdm is installed and otherwise prints a line
every tenth of the run; ``--plot DIR`` saves learning curves and a decision
boundary as PNG files (needs matplotlib). Run ``python -m fnmlp --help``.

Progress goes to standard error, results to standard output. The exit code is
0 on success, 1 when training fails (for instance a learning rate so large
that it diverges) or plotting is impossible, and 2 for bad arguments.

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
import collections
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np

from fnmlp.activations import Activation, relu, sigmoid, softmax, tanh
from fnmlp.aliases import Inputs, Matrix, Outputs, Targets
from fnmlp.datasets import (
    Dataset,
    Standardiser,
    circles,
    height_weight,
    logic_gate,
    moons,
    spirals,
    split,
    standardise,
)
from fnmlp.errors import FnmlpError
from fnmlp.initialisers import Scheme, init
from fnmlp.losses import Loss, binary_cross_entropy, categorical_cross_entropy
from fnmlp.optimisers import Optimizer, adam, momentum, rmsprop, sgd
from fnmlp.propagation import forward
from fnmlp.records import Params
from fnmlp.runs import History, TrainState
from fnmlp.training import scan

__all__ = ["EXAMPLES", "Example", "Settings", "main", "parser"]

F64 = np.float64
OPTIMIZERS: Mapping[str, Callable[[float], Optimizer[Any]]] = MappingProxyType(
    {"sgd": sgd, "momentum": momentum, "rmsprop": rmsprop, "adam": adam}
)
"""The optimisers ``--optimizer`` can choose, each made from a learning rate."""


@attrs.frozen
class Settings:
    """What one run of the demo uses, from the command line and the example's defaults.

    Attributes:
        epochs: epochs of full-batch training (per network).
        seed: seeds the data, the split and the initial weights.
        optimizer: the optimiser, with its learning rate.
        progress: show a progress bar (or lines without tqdm) on standard error.
        plot_dir: where to write PNG files, or ``None``.

    Examples:
        >>> print(Settings(100, 0, sgd(1.0), False, None).optimizer)
        sgd(learning_rate=1.0)
    """

    epochs: int
    seed: int
    optimizer: Optimizer[Any]
    progress: bool
    plot_dir: Path | None


@attrs.frozen
class Example:
    """One demo: its data set, default settings and how to run it.

    Attributes:
        name: the value of ``--example``.
        summary: one line for ``--help``.
        epochs: the default number of epochs.
        optimizer: the default optimiser's name (a key of ``OPTIMIZERS``).
        rates: the default learning rate for each optimiser.
        run: trains, prints the results and writes the plots.

    Examples:
        >>> print(EXAMPLES["gates"].epochs, EXAMPLES["gates"].optimizer)
        2000 sgd
    """

    name: str
    summary: str
    epochs: int
    optimizer: str
    rates: Mapping[str, float]
    run: Callable[[Settings], None]


# ----------------------------------------------------------------------------- training


def _losses(state: TrainState[F64], held_out: str) -> str:
    entry = state.latest
    if entry is None:
        return ""
    shown = f"loss {entry.train_loss:.4f}"
    if entry.validation_loss is not None:
        shown += f", {held_out} loss {entry.validation_loss:.4f}"
    return shown


def _follow(
    states: Iterator[TrainState[F64]], *, total: int, label: str, progress: bool, held_out: str
) -> TrainState[F64]:
    """Run ``states`` to the end, showing progress on standard error; return the last."""
    state = next(states)
    if not progress:
        tail = collections.deque(states, maxlen=1)
        return tail[0] if tail else state
    sys.stdout.flush()  # what was printed so far comes before the progress on a terminal
    try:
        from tqdm import tqdm
    except ImportError:
        every = max(1, total // 10)
        width = len(str(total))
        for state in states:
            if state.epoch % every == 0 or state.epoch == total:
                shown = _losses(state, held_out)
                print(f"{label}: epoch {state.epoch:>{width}}/{total}  {shown}", file=sys.stderr)
        return state
    with tqdm(total=total, desc=label, unit="epoch", file=sys.stderr, leave=True) as bar:
        logged = state.log
        for state in states:
            bar.update()
            if state.log is not logged:  # a new History entry: show the latest losses
                logged = state.log
                bar.set_postfix_str(_losses(state, held_out), refresh=False)
    return state


def _train(
    params: Params[F64],
    X: Inputs[F64],
    Y: Targets[F64],
    loss: Loss,
    settings: Settings,
    label: str,
    validation: tuple[Inputs[F64], Targets[F64]] | None = None,
) -> TrainState[F64]:
    states = scan(
        params,
        X,
        Y,
        loss=loss,
        optimizer=settings.optimizer,
        epochs=settings.epochs,
        validation=validation,
        log_every=max(1, settings.epochs // 100),
        running_loss=False,
        seed=settings.seed,
    )
    return _follow(
        states, total=settings.epochs, label=label, progress=settings.progress, held_out="test"
    )


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _wrote(path: Path) -> None:
    print(f"wrote {path}")


def _check_fell(history: History, indent: str = "") -> None:
    """Say so when training made the loss worse: the learning rate is usually too large."""
    if history.train_loss[-1] > history.train_loss[0]:
        print(
            f"{indent}note: the training loss rose from {history.train_loss[0]:.4g} to "
            f"{history.train_loss[-1]:.4g}; try a smaller --learning-rate"
        )


# ----------------------------------------------------------------------------- gates

_GATES = (("not", [1, 2, 1]), ("and", [2, 2, 1]), ("or", [2, 2, 1]), ("xor", [2, 3, 1]))


def _run_gates(settings: Settings) -> None:
    print(
        f"Logic gates of notebook 000: one network per gate, tanh hidden units, "
        f"sigmoid output, He init, {settings.optimizer}, {settings.epochs} epochs, "
        f"seed {settings.seed}"
    )
    learned = 0
    for gate, dims in _GATES:
        X, Y = logic_gate(gate)
        start = init(dims, hidden=tanh, output=sigmoid, scheme="he", seed=settings.seed)
        label = f"{gate.upper():<3} {dims}"
        state = _train(start, X, Y, binary_cross_entropy, settings, label)
        params, history = state.params, state.history
        Yhat, _ = forward(params, X)
        print(f"\n{gate.upper()}  {params}")
        inputs = "  ".join(f"x{i + 1}" for i in range(X.shape[0]))
        print(f"  {inputs} | target  output  predicted")
        for column in range(X.shape[1]):
            xs = "  ".join(f"{int(x):>2}" for x in X[:, column])
            target, output = int(Y[0, column]), float(Yhat[0, column])
            print(f"  {xs} | {target:>6}  {output:.4f}  {int(output >= 0.5):>9}")
        correct = round(history.train_accuracy[-1] * X.shape[1])
        learned += correct == X.shape[1]
        print(
            f"  final loss {history.final_loss:.4f}, accuracy "
            f"{_percent(history.train_accuracy[-1])} ({correct}/{X.shape[1]})"
        )
        _check_fell(history, "  ")
        if settings.plot_dir is not None:
            from fnmlp import plot

            path = settings.plot_dir / f"gates-{gate}-learning-curves.png"
            plot.learning_curves(history, title=f"{gate.upper()} {dims}", path=path)
            _wrote(path)
            if X.shape[0] == 2:
                path = settings.plot_dir / f"gates-{gate}-decision-boundary.png"
                plot.decision_boundary(
                    params,
                    X,
                    Y,
                    padding=0.25,
                    class_names=["output 0", "output 1"],
                    title=f"{gate.upper()} {dims}",
                    path=path,
                )
                _wrote(path)
    print(f"\n{learned} of {len(_GATES)} gates learned their truth tables.")


# ----------------------------------------------------------------------------- 2-D data sets


def _two_dimensional(
    settings: Settings,
    name: str,
    data: Dataset[F64],
    description: str,
    dims: list[int],
    output: Activation,
    loss: Loss,
) -> None:
    X, Y = data
    X_train, Y_train, X_test, Y_test = split(X, Y, test_fraction=0.2, seed=settings.seed)
    scaler: Standardiser[F64] = standardise(X_train)
    start = init(dims, hidden=relu, output=output, scheme="he", seed=settings.seed)
    print(
        f"{name}: {description} ({X_train.shape[1]} train, {X_test.shape[1]} test), "
        f"inputs standardised with the training set's statistics"
    )
    print(
        f"{start}, {loss.name}, {settings.optimizer}, {settings.epochs} epochs, seed {settings.seed}"
    )
    state = _train(
        start,
        scaler.apply(X_train),
        Y_train,
        loss,
        settings,
        name,
        validation=(scaler.apply(X_test), Y_test),
    )
    params, history = state.params, state.history
    print("\nepoch  train loss  train acc  test loss  test acc")
    rows = [*range(0, len(history.epochs), 10), len(history.epochs) - 1]
    for row in sorted(set(rows)):
        print(
            f"{history.epochs[row]:>5}  {history.train_loss[row]:>10.4f}  "
            f"{_percent(history.train_accuracy[row]):>9}  {history.validation_loss[row]:>9.4f}  "
            f"{_percent(history.validation_accuracy[row]):>8}"
        )
    print(
        f"\nfinal  train loss {history.train_loss[-1]:.4f}  accuracy "
        f"{_percent(history.train_accuracy[-1])}  |  test loss "
        f"{history.validation_loss[-1]:.4f}  accuracy {_percent(history.validation_accuracy[-1])}"
    )
    _check_fell(history)
    if settings.plot_dir is not None:
        _plot_two_dimensional(settings.plot_dir, name, params, scaler, X, Y, history)


def _plot_two_dimensional(
    directory: Path,
    name: str,
    params: Params[F64],
    scaler: Standardiser[F64],
    X: Inputs[F64],
    Y: Targets[F64],
    history: History,
    axis_labels: tuple[str, str] = ("x1", "x2"),
) -> None:
    from fnmlp import plot

    def network(points: Matrix[F64]) -> Outputs[F64]:
        """The network on raw points: standardise them as the training inputs were."""
        Yhat, _ = forward(params, scaler.apply(points))
        return Yhat

    path = directory / f"{name}-learning-curves.png"
    plot.learning_curves(history, title=f"{name}: {params}", validation_label="test", path=path)
    _wrote(path)
    path = directory / f"{name}-decision-boundary.png"
    plot.decision_boundary(
        network, X, Y, title=f"{name}: {params}", axis_labels=axis_labels, path=path
    )
    _wrote(path)


def _run_circles(settings: Settings) -> None:
    data = circles(400, noise=0.1, seed=settings.seed)
    _two_dimensional(
        settings, "circles", data, "400 points", [2, 32, 32, 1], sigmoid, binary_cross_entropy
    )


def _run_moons(settings: Settings) -> None:
    data = moons(400, noise=0.1, seed=settings.seed)
    _two_dimensional(
        settings, "moons", data, "400 points", [2, 32, 32, 1], sigmoid, binary_cross_entropy
    )


def _run_spiral(settings: Settings) -> None:
    data = spirals(300, classes=3, noise=0.2, seed=settings.seed)
    _two_dimensional(
        settings,
        "spiral",
        data,
        "300 points in 3 classes",
        [2, 32, 32, 3],
        softmax,
        categorical_cross_entropy,
    )


# ----------------------------------------------------------------------------- height/weight


def _run_height_weight(settings: Settings) -> None:
    X, Y = height_weight()
    scaler: Standardiser[F64] = standardise(X)
    scheme: Scheme = "standard"
    start = init([2, 3, 3, 1], hidden=sigmoid, output=sigmoid, scheme=scheme, seed=settings.seed)
    print(
        "The height/weight table of notebook 001: 10 people, weight and height standardised "
        "(raw values of 60 to 312 saturate sigmoid units)"
    )
    print(
        f"{start}, {scheme} init, {binary_cross_entropy.name}, {settings.optimizer}, "
        f"{settings.epochs} epochs, seed {settings.seed}"
    )
    state = _train(start, scaler.apply(X), Y, binary_cross_entropy, settings, "height-weight")
    params, history = state.params, state.history
    Yhat, _ = forward(params, scaler.apply(X))
    print("\nweight  height | target  output  predicted")
    for column in range(X.shape[1]):
        weight, height = (int(v) for v in X[:, column])
        target, output = int(Y[0, column]), float(Yhat[0, column])
        print(f"{weight:>6}  {height:>6} | {target:>6}  {output:.4f}  {int(output >= 0.5):>9}")
    correct = round(history.train_accuracy[-1] * X.shape[1])
    print(
        f"\nfinal loss {history.final_loss:.4f}, accuracy "
        f"{_percent(history.train_accuracy[-1])} ({correct}/{X.shape[1]})"
    )
    _check_fell(history)
    if settings.plot_dir is not None:
        from fnmlp import plot

        def network(points: Matrix[F64]) -> Outputs[F64]:
            Yhat, _ = forward(params, scaler.apply(points))
            return Yhat

        path = settings.plot_dir / "height-weight-learning-curves.png"
        plot.learning_curves(history, title=f"height-weight: {params}", path=path)
        _wrote(path)
        path = settings.plot_dir / "height-weight-decision-boundary.png"
        plot.decision_boundary(
            network,
            X,
            Y,
            title=f"height-weight: {params}",
            axis_labels=("weight", "height"),
            path=path,
        )
        _wrote(path)


# ----------------------------------------------------------------------------- command line

_SMALL_RATES = MappingProxyType({"sgd": 0.5, "momentum": 0.05, "rmsprop": 0.005, "adam": 0.01})
_TABLE_RATES = MappingProxyType({"sgd": 1.0, "momentum": 0.1, "rmsprop": 0.01, "adam": 0.05})

EXAMPLES: Mapping[str, Example] = MappingProxyType(
    {
        example.name: example
        for example in (
            Example(
                "gates",
                "NOT, AND, OR and XOR, one small network each (notebook 000)",
                2000,
                "sgd",
                _TABLE_RATES,
                _run_gates,
            ),
            Example(
                "circles",
                "two noisy concentric circles, [2, 32, 32, 1] (notebook 004)",
                300,
                "adam",
                _SMALL_RATES,
                _run_circles,
            ),
            Example(
                "moons",
                "two interleaving half moons, [2, 32, 32, 1] (notebook 004)",
                300,
                "adam",
                _SMALL_RATES,
                _run_moons,
            ),
            Example(
                "spiral",
                "three spiral arms, [2, 32, 32, 3] softmax with categorical cross-entropy",
                1000,
                "adam",
                _SMALL_RATES,
                _run_spiral,
            ),
            Example(
                "height-weight",
                "the 10-person table of notebook 001, [2, 3, 3, 1] sigmoid",
                2000,
                "sgd",
                _TABLE_RATES,
                _run_height_weight,
            ),
        )
    }
)
"""The examples ``--example`` can choose, by name."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative int, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative int, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """The command line of ``python -m fnmlp``.

    Examples:
        >>> args = parser().parse_args(["--example", "spiral", "--epochs", "50"])
        >>> print(args.example, args.epochs, args.optimizer, args.plot)
        spiral 50 None None
    """
    examples = "\n".join(f"  {e.name:<14} {e.summary}" for e in EXAMPLES.values())
    defaults = "\n".join(
        f"  {e.name:<14} {e.epochs} epochs, {e.optimizer}, learning rates "
        + ", ".join(f"{name} {rate:g}" for name, rate in e.rates.items())
        for e in EXAMPLES.values()
    )
    command = argparse.ArgumentParser(
        prog="python -m fnmlp",
        description=(
            "Train one of fnmlp's example networks with full-batch gradient descent, "
            "show its progress and print what it learned."
        ),
        epilog=(
            f"examples:\n{examples}\n\ndefaults per example:\n{defaults}\n\n"
            "Progress goes to standard error, results to standard output.\n"
            "Exit status: 0 on success, 1 if training or plotting fails, 2 for bad arguments."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "--example",
        choices=list(EXAMPLES),
        default="gates",
        help="the data set and network to train (default: gates; see below)",
    )
    command.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help="epochs of training, per network (default: the example's, see below)",
    )
    command.add_argument(
        "--seed",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="seeds the data, the train/test split and the initial weights (default: 0)",
    )
    command.add_argument(
        "--optimizer",
        choices=list(OPTIMIZERS),
        help="the update rule (default: the example's, see below)",
    )
    command.add_argument(
        "--learning-rate",
        type=_positive_float,
        metavar="RATE",
        help="the optimizer's learning rate (default: the example's rate for that optimizer)",
    )
    command.add_argument(
        "--plot",
        type=Path,
        metavar="DIR",
        help="write learning-curve and decision-boundary PNG files into DIR, creating it "
        "(needs matplotlib: pip install 'fnmlp[plot]')",
    )
    command.add_argument(
        "--no-progress",
        action="store_true",
        help="do not show the progress bar (or, without tqdm, the progress lines)",
    )
    return command


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
        <BLANKLINE>
        weight  height | target  output  predicted
           150      70 |      0  0.0...          0
           254      73 |      1  0.9...          1
        ...
        final loss 0.0..., accuracy 100.0% (10/10)
        0
        >>> main(["--epochs", "0"])
        Traceback (most recent call last):
        ...
        SystemExit: 2
    """
    command = parser()
    args = command.parse_args(argv)
    example = EXAMPLES[args.example]
    plot_dir: Path | None = args.plot
    if plot_dir is not None:
        if plot_dir.exists() and not plot_dir.is_dir():
            command.error(f"argument --plot: {plot_dir} exists and is not a directory")
        try:
            import fnmlp.plot  # noqa: F401  (fail before training, not after)
        except ImportError as error:
            print(f"error: --plot {plot_dir}: {error}", file=sys.stderr)
            return 1
        try:
            plot_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            print(
                f"error: --plot {plot_dir}: cannot create the directory: {error}", file=sys.stderr
            )
            return 1
    name = args.optimizer or example.optimizer
    rate = args.learning_rate if args.learning_rate is not None else example.rates[name]
    settings = Settings(
        epochs=args.epochs or example.epochs,
        seed=args.seed,
        optimizer=OPTIMIZERS[name](rate),
        progress=not args.no_progress,
        plot_dir=plot_dir,
    )
    try:
        example.run(settings)
    except FnmlpError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
