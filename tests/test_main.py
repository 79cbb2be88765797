"""``python -m fnmlp``: the README's first command trains, reports, plots and refuses bad input."""

from __future__ import annotations

import doctest
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import fnmlp
import fnmlp.__main__ as demo
from fnmlp.__main__ import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FINAL = re.compile(
    r"^final  train loss (\d+\.\d{4})  accuracy (\d+\.\d)%  \|  "
    r"test loss (\d+\.\d{4})  accuracy (\d+\.\d)%$",
    re.MULTILINE,
)


def python_m_fnmlp(*args: str, options: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *options, "-m", "fnmlp", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    """Every command-line run, started together so that they overlap, then collected."""
    commands = {
        "default": (),
        "circles": ("--example", "circles", "--epochs", "30"),
        "moons": ("--example", "moons", "--epochs", "30", "--no-progress"),
        # -X importtime lists every module the run imports, on standard error
        "spiral": ("--example", "spiral", "--epochs", "30", "--no-progress"),
        "height-weight": ("--example", "height-weight", "--epochs", "30", "--no-progress"),
        "bad example": ("--example", "mnist"),
    }
    started = {
        name: python_m_fnmlp(*args, options=("-X", "importtime") if name == "spiral" else ())
        for name, args in commands.items()
    }
    done = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=120)
        done[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    yield done


# ----------------------------------------------------------------------------- as a command


def test_the_default_run_learns_every_logic_gate_with_a_progress_bar(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    run = runs["default"]
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for gate, dims in (
        ("NOT", "[1, 2, 1]"),
        ("AND", "[2, 2, 1]"),
        ("OR", "[2, 2, 1]"),
        ("XOR", "[2, 3, 1]"),
    ):
        assert f"\n{gate}  Params({dims}, tanh -> sigmoid, float64)\n" in out
    # fnmlp.train's tqdm bar, finished once per gate
    assert run.stderr.count("training: 100%") == 4
    assert run.stderr.count("2000/2000") >= 4
    # XOR's truth table, with the network's outputs rounded to the targets.
    table = re.findall(r"^\s+(\d)\s+(\d) \|\s+(\d)\s+(\d\.\d{4})\s+(\d)$", out, re.MULTILINE)
    xor = table[-4:]
    assert [(x1, x2, target) for x1, x2, target, _, _ in xor] == [
        ("0", "0", "0"), ("0", "1", "1"), ("1", "0", "1"), ("1", "1", "0"),
    ]  # fmt: skip
    for _, _, target, output, predicted in table:
        assert predicted == target
        assert abs(float(output) - int(target)) < 0.05
    assert out.count("accuracy 100.0%") == 4
    assert re.findall(r"final loss (\d\.\d{4})", out) and all(
        float(loss) < 0.01 for loss in re.findall(r"final loss (\d\.\d{4})", out)
    )
    assert out.rstrip().endswith("4 of 4 gates learned their truth tables.")


@pytest.mark.parametrize("example", ["circles", "moons", "spiral"])
def test_each_two_dimensional_example_reports_train_and_test_results(
    runs: dict[str, subprocess.CompletedProcess[str]], example: str
) -> None:
    run = runs[example]
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"{example}: ")
    assert "inputs standardised with the training set's statistics" in run.stdout
    output = "softmax" if example == "spiral" else "sigmoid"
    assert f"relu -> relu -> {output}, float64), " in run.stdout
    assert "30 epochs, seed 0" in run.stdout
    assert "epoch  train loss  train acc  test loss  test acc" in run.stdout
    rows = re.findall(
        r"^\s*(\d+)\s+\d+\.\d{4}\s+\d+\.\d%\s+\d+\.\d{4}\s+\d+\.\d%$", run.stdout, re.M
    )
    assert rows[0] == "0" and rows[-1] == "30"
    assert FINAL.search(run.stdout) is not None


def test_the_circles_run_shows_its_progress_bar_on_standard_error(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    run = runs["circles"]
    assert "training: 100%" in run.stderr and "30/30" in run.stderr
    assert "training: 100%" not in run.stdout


def test_no_progress_means_nothing_on_standard_error(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    assert runs["moons"].stderr == ""
    assert runs["height-weight"].stderr == ""


def test_the_height_weight_example_prints_its_table(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    run = runs["height-weight"]
    assert run.returncode == 0, run.stderr
    assert "weight  height | target  output  predicted" in run.stdout
    rows = re.findall(r"^\s+(\d+)\s+(\d+) \|\s+([01])\s+\d\.\d{4}\s+([01])$", run.stdout, re.M)
    assert [(w, h, t) for w, h, t, _ in rows][:2] == [("150", "70", "0"), ("254", "73", "1")]
    assert len(rows) == 10
    assert re.search(r"^final loss \d\.\d{4}, accuracy \d+\.\d% \(\d+/10\)$", run.stdout, re.M)


def test_help_explains_every_option_and_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--example",
        "--epochs",
        "--seed",
        "--optimizer",
        "--learning-rate",
        "--plot",
        "--no-progress",
    ):
        assert option in out
    for name in (
        "gates",
        "circles",
        "moons",
        "spiral",
        "height-weight",
        "sgd",
        "momentum",
        "rmsprop",
        "adam",
    ):
        assert name in out
    assert "pip install 'fnmlp[plot]'" in " ".join(out.split())
    assert out.startswith("usage: python -m fnmlp")


def test_a_bad_argument_exits_with_status_2(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    run = runs["bad example"]
    assert run.returncode == 2
    assert "argument --example: invalid choice: 'mnist'" in run.stderr
    assert run.stdout == ""


def test_the_demo_does_not_import_matplotlib_unless_asked_to_plot(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    imported = [line.split("|")[-1].strip() for line in runs["spiral"].stderr.splitlines()]
    assert "fnmlp.training" in imported  # the list is real
    assert not [name for name in imported if name.split(".")[0] in ("matplotlib", "tqdm")]


# ----------------------------------------------------------------------------- in process


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "argument --epochs: expected a positive int, got '0'"),
        (["--epochs", "ten"], "argument --epochs: expected a positive int, got 'ten'"),
        (["--seed", "-1"], "argument --seed: expected a non-negative int, got '-1'"),
        (["--plot", ""], "argument --plot: expected a folder, got ''"),
        (["--learning-rate", "-0.1"], "argument --learning-rate: expected a positive finite number, got '-0.1'"),
        (["--learning-rate", "nan"], "argument --learning-rate: expected a positive finite number, got 'nan'"),
        (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
        (["--batch-size", "3"], "unrecognized arguments: --batch-size 3"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_before_training(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_the_default_moons_run_generalises(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--example", "moons", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "300 epochs, seed 0" in out and "adam(learning_rate=0.01," in out
    final = FINAL.search(out)
    assert final is not None
    train_loss, train_accuracy, test_loss, test_accuracy = map(float, final.groups())
    assert train_accuracy >= 99.0 and test_accuracy >= 95.0
    assert train_loss < 0.05 and test_loss < 0.1


def test_the_optimizer_and_learning_rate_options_are_used(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--example", "height-weight", "--no-progress", "--optimizer", "momentum"]
    assert main([*args, "--learning-rate", "0.3", "--epochs", "400"]) == 0
    out = capsys.readouterr().out
    assert "momentum(learning_rate=0.3" in out and "400 epochs" in out
    assert "accuracy 100.0% (10/10)" in out


def test_the_same_seed_prints_the_same_run_and_another_seed_another(
    capsys: pytest.CaptureFixture[str],
) -> None:
    outputs = []
    for seed in ("3", "3", "4"):
        assert main(["--example", "spiral", "--epochs", "20", "--no-progress", "--seed", seed]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]


def test_without_tqdm_the_run_is_the_same_without_a_progress_bar(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--epochs", "50", "--no-progress"]) == 0
    quiet = capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert main(["--epochs", "50"]) == 0
    assert capsys.readouterr() == (quiet, "")


def test_a_diverging_run_exits_with_status_1_and_says_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [
        "--example",
        "circles",
        "--optimizer",
        "sgd",
        "--learning-rate",
        "1e300",
        "--epochs",
        "5",
    ]
    assert main([*args, "--no-progress"]) == 1
    assert "error: training diverged" in capsys.readouterr().err


def test_a_rising_loss_is_pointed_out(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--example", "moons", "--optimizer", "sgd", "--learning-rate", "1e4", "--epochs", "20"]
    assert main([*args, "--no-progress"]) == 0
    assert "try a smaller --learning-rate" in capsys.readouterr().out
    # a loss grown huge but finite (before a later gate diverges) is printed in a few digits
    assert main(["--learning-rate", "1e308", "--epochs", "50", "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "final loss 7.43e+307" in out
    assert max(map(len, out.split())) < 30


def test_plot_writes_learning_curves_and_decision_boundaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "new" / "plots"
    assert (
        main(["--example", "spiral", "--epochs", "20", "--no-progress", "--plot", str(directory)])
        == 0
    )
    out = capsys.readouterr().out
    names = sorted(path.name for path in directory.iterdir())
    assert names == ["spiral-decision-boundary.png", "spiral-learning-curves.png"]
    for name in names:
        data = (directory / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000
        assert f"wrote {directory / name}" in out


def test_plot_for_the_gates_draws_each_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Rendering is tested above and in test_plot.py; here, which pictures the gates get.
    import fnmlp.plot

    drawn: list[tuple[str, str, object]] = []

    def curves(history: fnmlp.History, **options: Any) -> None:
        assert history.epochs[-1] == 10
        drawn.append(("curves", Path(options["path"]).name, options["title"]))

    def boundary(model: object, X: Any, Y: Any, **options: Any) -> None:
        assert isinstance(model, fnmlp.Params) and np.shape(X)[0] == 2
        drawn.append(("boundary", Path(options["path"]).name, options["title"]))

    monkeypatch.setattr(fnmlp.plot, "learning_curves", curves)
    monkeypatch.setattr(fnmlp.plot, "decision_boundary", boundary)
    assert main(["--epochs", "10", "--no-progress", "--plot", str(tmp_path)]) == 0
    assert drawn == [
        ("curves", "gates-not-learning-curves.png", "NOT [1, 2, 1]"),
        ("curves", "gates-and-learning-curves.png", "AND [2, 2, 1]"),
        ("boundary", "gates-and-decision-boundary.png", "AND [2, 2, 1]"),
        ("curves", "gates-or-learning-curves.png", "OR [2, 2, 1]"),
        ("boundary", "gates-or-decision-boundary.png", "OR [2, 2, 1]"),
        ("curves", "gates-xor-learning-curves.png", "XOR [2, 3, 1]"),
        ("boundary", "gates-xor-decision-boundary.png", "XOR [2, 3, 1]"),
    ]
    out = capsys.readouterr().out
    assert all(f"wrote {tmp_path / name}" in out for _, name, _ in drawn)


def test_plot_without_matplotlib_says_how_to_install_it_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [name for name in sys.modules if name.split(".")[0] == "matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "fnmlp.plot", raising=False)
    assert main(["--example", "moons", "--plot", str(tmp_path / "plots")]) == 1
    captured = capsys.readouterr()
    assert "pip install 'fnmlp[plot]'" in captured.err
    assert captured.out == ""  # nothing was trained
    assert not (tmp_path / "plots").exists()


def test_plot_into_a_file_is_a_bad_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "file.txt"
    existing.write_text("not a directory")
    with pytest.raises(SystemExit) as exit_:
        main(["--plot", str(existing)])
    assert exit_.value.code == 2
    assert "exists and is not a directory" in capsys.readouterr().err


def test_the_module_docstrings_run() -> None:
    # pytest's --doctest-modules skips __main__.py files, so its examples run here.
    results = doctest.testmod(
        demo, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert results.attempted >= 6
    assert results.failed == 0


# ----------------------------------------------------------------------------- files and streams


def test_plot_into_an_empty_name_is_a_bad_argument_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # Path("") would be the current folder
    with pytest.raises(SystemExit) as exit_:
        main(["--example", "spiral", "--epochs", "5", "--no-progress", "--plot", ""])
    assert exit_.value.code == 2
    assert "argument --plot: expected a folder, got ''" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_plot_into_a_folder_that_cannot_be_made_says_why_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file.txt").write_text("a file, not a folder")
    plots = tmp_path / "file.txt" / "plots"
    assert main(["--example", "spiral", "--no-progress", "--plot", str(plots)]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"error: --plot {plots}: cannot create the folder: Not a directory\n"
    assert captured.out == ""  # nothing was trained


def test_a_plot_that_cannot_be_written_ends_the_run_with_status_1_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "spiral-learning-curves.png"
    taken.mkdir()  # a folder where the picture should go
    args = ["--example", "spiral", "--epochs", "5", "--no-progress", "--plot", str(tmp_path)]
    assert main(args) == 1
    assert capsys.readouterr().err == (
        f"error: path: cannot save the figure to {str(taken)!r}: it is a folder\n"
    )


def test_a_reader_that_stops_after_one_line_ends_the_run_quietly_with_status_141() -> None:
    # As `python -m fnmlp | head -1`: unbuffered, each line is written as it comes; the
    # reader goes away while the first gate trains, so the next line meets a closed pipe.
    run = python_m_fnmlp("--epochs", "10000", "--no-progress", options=("-u",))
    assert run.stdout is not None and run.stderr is not None
    assert run.stdout.readline().startswith("Logic gates of notebook 000")
    run.stdout.close()
    assert run.wait(timeout=60) == 141
    assert run.stderr.read() == ""  # no traceback, no "Exception ignored"
    run.stderr.close()


# Without a progress bar, the output is written when the run ends; with one, what was
# printed before training is written first, so that it comes before the bar.
WHEN_WRITTEN = pytest.mark.parametrize("progress", [(), ("--no-progress",)], ids=["bar", "end"])


@WHEN_WRITTEN
def test_output_to_a_closed_pipe_ends_the_run_quietly_with_status_141(
    progress: tuple[str, ...],
) -> None:
    run = python_m_fnmlp("--example", "spiral", "--epochs", "5", *progress)
    assert run.stdout is not None
    run.stdout.close()
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 141
    assert stderr == ""  # no traceback, no "Exception ignored"


@WHEN_WRITTEN
def test_output_to_a_full_disk_says_so_in_one_line_with_status_1(
    progress: tuple[str, ...],
) -> None:
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-m", "fnmlp", "--example", "spiral", "--epochs", "5", *progress],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert run.returncode == 1
    assert run.stderr.splitlines()[-1] == "error: cannot write the output: No space left on device"
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr


def test_ctrl_c_ends_the_run_with_status_130_and_one_line() -> None:
    run = subprocess.Popen(
        [sys.executable, "-u", "-m", "fnmlp", "--example", "spiral", "--epochs", "1000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Python turns SIGINT into KeyboardInterrupt only where it is not ignored, and a
        # test runner started in the background may pass on an ignored SIGINT.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert run.stdout is not None
        assert run.stdout.readline().startswith("spiral: 300 points")
        assert run.stdout.readline().startswith("Params([2, 32, 32, 3]")  # training starts
        time.sleep(0.2)
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=30)
    finally:
        run.kill()
        run.communicate()
    assert run.returncode == 130
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert stderr.splitlines()[-1] == "interrupted"
    assert "final" not in stdout
