"""Every example in ``examples/`` runs (with ``--quick`` settings) and shows what it claims."""

from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import fnmlp

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = (
    "notebook000_logic_gates",
    "notebook001_height_weight",
    "notebook002_mse",
    "notebook003_optimisers",
    "notebook004_two_moons",
    "multiclass_spiral",
    "class_weights",
    "out_of_core",
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` as a module without putting ``examples`` on sys.path."""
    spec = importlib.util.spec_from_file_location(f"fnmlp_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name: str, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Call the example's ``main(args)``; return its exit code and what it printed."""
    code = load(name).main(args)
    assert isinstance(code, int)
    return code, capsys.readouterr().out


def numbers(pattern: str, text: str) -> list[float]:
    """Every float captured by ``pattern``'s first group in ``text``."""
    return [float(x) for x in re.findall(pattern, text)]


def assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    assert len(data) > 10_000, f"{path} is suspiciously small ({len(data)} bytes)"


def hide_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import matplotlib`` (and ``from fnmlp import plot``) fail as if not installed."""
    for key in [k for k in sys.modules if k == "matplotlib" or k.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, key, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "fnmlp.plot", None)
    monkeypatch.delattr(fnmlp, "plot", raising=False)


# ----------------------------------------------------------------------------- 000


def test_logic_gates_learn_truth_tables_from_the_notebooks_weights(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run("notebook000_logic_gates", ["--quick"], capsys)
    assert code == 0
    # Every gate learns its truth table.
    tables = re.findall(r"rounded\s+(\[\[.*?\]\])\n\s+truth table (\[\[.*?\]\])\s+(\w+)", out)
    assert [(rounded, truth) for rounded, truth, _ in tables] == [
        ("[[1, 0]]", "[[1, 0]]"),
        ("[[0, 0, 0, 1]]", "[[0, 0, 0, 1]]"),
        ("[[0, 1, 1, 1]]", "[[0, 1, 1, 1]]"),
        ("[[0, 1, 1, 0]]", "[[0, 1, 1, 0]]"),
    ]
    # The notebook's seeds and initial weights: the cost before the first update is
    # the notebook's printed "cost at iteration 0", for each gate.
    first = numbers(r"\n\s+0\s+(\S+)\s+\S+\n", out)
    notebook = [0.6931257326865512, 0.6931537991507776, 0.6931186561290182, 0.693152806790345]
    assert first == pytest.approx(notebook, rel=1e-12)
    # Eleven costs per gate (every epochs/10), falling from there.
    blocks = [b for b in out.split("\n\n") if re.match(r"\n?(NOT|AND|OR|XOR) \[", b)]
    assert len(blocks) == 4
    for block in blocks:
        costs = numbers(r"\n\s+\d+\s+(\d\S*)", block)
        assert len(costs) == 11
        assert costs[-1] < costs[0] / 50


def test_logic_gates_gradient_check_explains_the_kink(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run("notebook000_logic_gates", ["--quick"], capsys)
    assert code == 0
    assert "cost of the first forward pass: 0.6931036106682773" in out
    assert "moved a ReLU pre-activation across or onto its kink at z = 0" in out
    assert "FAILED at tolerance 1e-06: b[1], dZ[1]; away from the kinks every array passes" in out
    on_kink = re.search(r"numerical dZ\[1\] on the kink\s+\[(.*)\]", out)
    half = re.search(r"0\.5 \* \(W\[2\]\.T @ dZ\[2\]\)\s+\[(.*)\]", out)
    assert on_kink is not None and half is not None
    # The notebook's numerical dZ1 in the x = 0 column, and half the upstream gradient.
    assert [float(x) for x in on_kink.group(1).split()] == [0.00134121, -0.00108176, 0.00287692]
    assert on_kink.group(1) == half.group(1)
    assert "Away from the kinks every array agrees: True" in out


# ----------------------------------------------------------------------------- 001


def test_height_weight_states_every_shape_and_learns_the_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run("notebook001_height_weight", ["--quick"], capsys)
    assert code == 0
    stated = re.findall(
        r"^\s+(\w+\[?\d?\]?)\s+(\(\d+, \d+\))\s+expected (\(\d+, \d+\))\s+(\w+)$", out, re.M
    )
    names = [name for name, *_ in stated]
    for l in (1, 2, 3):
        for array in ("W", "b", "Z", "A", "dW", "db"):
            assert f"{array}[{l}]" in names
    assert {"X", "Y"} <= set(names)
    assert all(actual == expected and verdict == "ok" for _, actual, expected, verdict in stated)
    assert ("W[2]", "(3, 3)") in [(name, actual) for name, actual, *_ in stated]
    assert ("Z[3]", "(1, 10)") in [(name, actual) for name, actual, *_ in stated]
    # Raw inputs saturate the sigmoids: every example gets (almost) the same output.
    spread = numbers(r"spread of the outputs across examples: (\S+)", out)
    assert spread and spread[0] < 1e-3
    # db from dZ matches a finite difference; the notebook's db from dW does not.
    fnmlp_error = numbers(r"fnmlp \(sum of dZ\[2\]\):.*error (\S+)", out)[0]
    notebook_error = numbers(r"notebook \(sum of dW\[2\]\):.*error (\S+)", out)[0]
    assert fnmlp_error < 1e-8 < 1e-3 < notebook_error
    assert "accuracy 1.0\n" in out
    assert "predicted [0, 1, 1, 0, 0, 1, 1, 0, 1, 0]" in out


# ----------------------------------------------------------------------------- 002


def test_mse_loss_printed_each_epoch_falls(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run("notebook002_mse", [], capsys)
    assert code == 0
    losses = numbers(r"epoch\s+\d+\s+(\S+)", out)
    assert len(losses) == 101  # before training and after each of the 100 epochs
    assert all(b < a for a, b in itertools.pairwise(losses))
    assert losses[-1] < losses[0] / 5
    # The notebook's dW summed over the m = 4 examples while its db averaged.
    assert "the notebook's dW is 4.00 x the gradient (m = 4), its db 1.00 x" in out
    assert "predicted [[0, 1, 1, 0]]" in out


# ----------------------------------------------------------------------------- 003


def test_optimisers_table_and_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = run("notebook003_optimisers", ["--quick", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "tanh -> leaky_relu -> sigmoid" in out
    for scheme in fnmlp.SCHEMES:
        assert re.search(rf"^\s+{scheme}\s+\d", out, re.M)
    rows = re.findall(
        r"^\s+(GD|mini-batch GD|Momentum|RMSProp|Adam)\s+(\w+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)",
        out,
        re.M,
    )
    assert [row[0] for row in rows] == ["GD", "mini-batch GD", "Momentum", "RMSProp", "Adam"]
    train_loss = {row[0]: float(row[3]) for row in rows}
    test_accuracy = {row[0]: float(row[6]) for row in rows}
    assert all(0.9 <= a <= 1 for a in test_accuracy.values())
    # 20 epochs of 15 mini-batch steps beat 20 full-batch steps with Adam and Momentum.
    assert train_loss["Adam"] < train_loss["GD"] and train_loss["Momentum"] < train_loss["GD"]
    assert_png(tmp_path / "optimisers.png")


def test_optimisers_without_matplotlib_still_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hide_matplotlib(monkeypatch)
    code, out = run("notebook003_optimisers", ["--quick", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "no plot: matplotlib is not installed" in out
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- 004


def test_two_moons_curves_every_10_epochs_and_pngs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = run("notebook004_two_moons", ["--quick", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "recorded every 10 epochs (21 entries)" in out
    rows = re.findall(
        r"^\s+(\d+)\s+(\d\.\d{4})\s+(\d\.\d{4})\s+(\d\.\d{3})\s+(\d\.\d{3})$", out, re.M
    )
    assert [int(row[0]) for row in rows] == list(range(0, 201, 20))
    first, last = rows[0], rows[-1]
    assert float(last[1]) < float(first[1]) and float(last[2]) < float(first[2])
    assert float(last[4]) >= 0.85
    assert_png(tmp_path / "moons_learning_curves.png")
    assert_png(tmp_path / "moons_decision_boundary.png")


def test_two_moons_without_matplotlib_still_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hide_matplotlib(monkeypatch)
    code, out = run(
        "notebook004_two_moons", ["--quick", "--no-progress", "--out", str(tmp_path)], capsys
    )
    assert code == 0
    assert "no plots:" in out
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- spiral


def test_spiral_softmax_beats_softmax_regression(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = run("multiclass_spiral", ["--quick", "--out", str(tmp_path)], capsys)
    assert code == 0
    found = re.search(
        r"test accuracy: softmax regression (\S+), \[2, 64, 64, 3\] network (\S+)", out
    )
    assert found is not None
    linear, deep = float(found.group(1)), float(found.group(2))
    assert deep >= 0.9 and linear < 0.7
    matrix = re.findall(r"class \d: \[(\d+), (\d+), (\d+)\]", out)
    assert len(matrix) == 3
    assert sum(int(x) for row in matrix for x in row) == 150  # the test set
    assert_png(tmp_path / "spiral_decision_boundary.png")


# ----------------------------------------------------------------------------- class weights


def test_balanced_class_weights_lift_the_rare_class(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run("class_weights", ["--quick"], capsys)
    assert code == 0
    assert "train classes [999, 51]" in out  # 95/5
    rare = numbers(r"of class 1 \(rare\) (\S+)", out)
    balanced = numbers(r"  balanced accuracy (\S+)", out)
    assert len(rare) == len(balanced) == 2
    assert rare[1] > rare[0] + 0.2  # the rare class's recall, unweighted then balanced
    assert balanced[1] > balanced[0] + 0.1
    found = re.search(r"unweighted (\S+), class_weight='balanced' (\S+)", out)
    assert found is not None and float(found.group(2)) > float(found.group(1))


# ----------------------------------------------------------------------------- out of core


def test_out_of_core_streams_zarr_larger_than_its_budget(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = run("out_of_core", ["--quick", "--out", str(tmp_path)], capsys)
    assert code == 0, out
    budget = numbers(r"memory budget (\d+) MB", out)[0]
    data = numbers(r"; data (\d+) MB", out)[0]
    assert data >= 3 * budget
    assert (tmp_path / "X.zarr").is_dir() and (tmp_path / "Y.zarr").is_dir()
    added = numbers(r"peak memory added by training (\S+) MB", out)
    assert added and added[0] < budget
    assert numbers(r"throughput (\d+) examples/s", out.replace(",", ""))[0] > 0
    assert numbers(r"held-out accuracy (\S+)", out)[0] > 0.9
    assert "within the budget: True" in out


# ----------------------------------------------------------------------------- all


@pytest.mark.parametrize("name", NAMES)
def test_every_example_explains_itself_and_its_flags(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    module = load(name)
    assert module.__doc__ and "Run it with" in module.__doc__
    with pytest.raises(SystemExit) as exit_:
        module.main(["--help"])
    assert exit_.value.code == 0
    assert "--quick" in capsys.readouterr().out


def test_an_example_runs_as_a_script() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "notebook002_mse.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "falling every epoch: True" in done.stdout


# ----------------------------------------------------------------------------- dropout


def test_dropout_on_the_digits_reports_both_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run("dropout_digits", ["--quick"], capsys)
    assert code == 0
    without = numbers(r"without dropout +test accuracy (\S+)", out)
    dropped = numbers(r"dropout 0.5 +test accuracy (\S+)", out)
    assert len(without) == len(dropped) == 1
    assert min(without + dropped) > 0.8  # both learn the digits in 15 epochs
    assert numbers(r"took (\S+)x as long as without", out)
