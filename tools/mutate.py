"""Mutation testing for fnmlp: plant one-line bugs, check that the tests catch each one.

Each mutant in ``MUTANTS`` names a module of ``fnmlp``, an anchor (a piece of
source text found on exactly one line of that module), the text to replace on
that line and its replacement. Every mutant changes behaviour: none is an
equivalent rewrite. The driver copies the repository's ``fnmlp``, ``tests``,
``pyproject.toml`` and ``README.md`` into temporary directories (one per
worker, never touching the working tree), plants each mutant in turn, runs the
test files mapped to its module with ``python -m pytest -x`` and records the
mutant as *caught* (the tests fail) or *survived* (they pass). It prints a
table and the score.

Run from the repository root::

    python tools/mutate.py                 # every mutant, 2 workers
    python tools/mutate.py --jobs 1        # one at a time
    python tools/mutate.py --module _loop  # only one module's mutants
    python tools/mutate.py --only 3,17     # mutants by number (see --list)
    python tools/mutate.py --list          # the mutants, without running them
    python tools/mutate.py --check         # each anchor found once, each mutant compiles

The exit status is 0 when the score reaches ``--threshold`` (95 by default).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parent.parent

# the test files each module's mutants run against, the module's own first: with -x a caught
# mutant stops at its first failure; the shared files behind them exercise every module through
# the public API (train, scan, predict, accuracy...). The whole suite is slower still.
CORE = (
    "test_training.py",
    "test_metrics.py",
    "test_propagation.py",
    "test_one_representation.py",
    "test_optimisers.py",
    "test_errors.py",
)
OWN: dict[str, tuple[str, ...]] = {
    "_kernels": ("test_propagation.py", "test_gradients.py", "test_losses.py", "test_dropout.py"),
    "propagation": (
        "test_propagation.py",
        "test_gradients.py",
        "test_errors.py",
        "test_class_weights.py",
        "test_clipping.py",
        "test_escapes.py",
        "test_dropout.py",
    ),
    "losses": ("test_losses.py", "test_gradients.py", "test_stability.py"),
    "activations": ("test_activations.py", "test_gradients.py", "test_stability.py"),
    "optimisers": ("test_optimisers.py", "test_clipping.py", "test_frozen.py"),
    "_loop": ("test_training.py", "test_plateau.py", "test_interrupt.py", "test_stability.py"),
    "training": (
        "test_training.py",
        "test_validation_split.py",
        "test_labels.py",
        "test_class_weights.py",
    ),
    "records": ("test_records.py", "test_frozen.py", "test_fuzz.py"),
    "runs": ("test_runs.py", "test_runs_saved.py", "test_plateau.py"),
    "metrics": ("test_metrics.py", "test_labels.py"),
    "classes": ("test_labels.py", "test_metrics.py"),
    "gradcheck": ("test_gradients.py",),
    "serialisation": ("test_serialisation.py", "test_runs_saved.py"),
    "schedules": ("test_schedules.py",),
    "_validate": ("test_errors.py", "test_escapes.py"),
}
# the private modules the public ones were split into run their public module's tests
for private, public in (
    ("_checks", "propagation"),
    ("_data", "training"),
    ("_setup", "training"),
    ("_probes", "gradcheck"),
    ("_fingerprint", "runs"),
    ("_npz", "serialisation"),
    ("_paramfiles", "serialisation"),
    ("_optfiles", "serialisation"),
    ("_runfiles", "serialisation"),
    ("_optimizer", "optimisers"),
    ("_updates", "optimisers"),
    ("callbacks", "runs"),
    ("gradreport", "gradcheck"),
    ("steps", "propagation"),
    ("_measure", "_loop"),
    ("_structure", "records"),
):
    OWN[private] = OWN[public]
OWN["_threads"] = ("test_threads.py", *OWN["_kernels"])
TESTS: dict[str, tuple[str, ...]] = {
    module: tuple(dict.fromkeys(own + CORE)) for module, own in OWN.items()
}


@dataclass(frozen=True)
class Mutant:
    """One planted bug: on the line of ``module`` holding ``anchor``, ``old`` becomes ``new``."""

    module: str
    anchor: str
    old: str
    new: str


M = Mutant
MUTANTS: tuple[Mutant, ...] = (
    # _kernels: forward, output delta, value, accuracy
    M("_kernels", "out[-1] = 1", "1", "0"),
    # _threads: the blocks of a split pass, and the caller's errstate in each
    M("_threads", "bounds = [n * i // count for i in range(count + 1)]", "count + 1", "count"),
    M("_threads", "pool.submit(contextvars.copy_context().run, fn,", "contextvars.copy_context().run, ", ""),
    M("_kernels", "reshape(n, m) >= np.uint16(threshold)", ">=", "<"),
    M("_kernels", "dtype.type(2**16 / (2**16 - threshold))", "2**16 - threshold", "2**16 + threshold"),
    M("_kernels", "A1[:-1] *= mask", "*=", "/="),
    M("_kernels", "dZ /= divisor(m if scale", "/=", "*="),
    M("_kernels", "dA *= m / scale", "m / scale", "scale / m"),
    M(
        "_kernels",
        "mean if scale is None else mean * (Y.shape[1] / scale)",
        "Y.shape[1] / scale",
        "scale / Y.shape[1]",
    ),
    M("_kernels", "else (A >= 0.5) == (Y >= 0.5)", "(A >= 0.5)", "(A > 0.5)"),
    M("_kernels", "return int(np.count_nonzero(right)) / size", "/ size", "/ (size + 1)"),
    M(
        "_kernels",
        "A = inputs[l][:-1]",
        "inputs[l][:-1]",
        "inputs[l][1:]",
    ),
    # propagation: input checks, weights, backward, scaling
    M("_checks", "if np.minimum.reduce(weights, None) < 0:", "< 0", "< -1"),
    M("_checks", "if not np.maximum.reduce(weights, None) > 0:", "> 0", ">= 0"),
    M("_checks", "if data.shape[0] != n_x:", "!=", "<"),
    M("_checks", "if n_y > 1 and data.shape == (1, m):", "n_y > 1", "n_y > 2"),
    M("_checks", "if number >= 1:", ">= 1", "> 1"),
    M("propagation", "if weights is None and total < m:", "total < m", "total <= m"),
    M("steps", "g: Matrix[F] = grads.g * np.asarray(factor", "grads.g *", "grads.g + "),
    M("steps", "step: Matrix[F] = np.multiply(g, rate, out)", "g, rate", "g, rate * 2"),
    M("propagation", "if len(cache.A) != len(dims) or any(", "a.shape[0] != n", "a.shape[0] > n"),
    M(
        "propagation",
        "return weights / np.asarray(denominator, params.dtype)",
        "weights /",
        "weights * ",
    ),
    # losses
    M("losses", "clipped: Matrix[F] = np.clip(P, info.tiny, 1 - info.epsneg)", "info.tiny", "0"),
    M("losses", "total = np.sum(Y * np.log(P) + (1 - Y) * np.log1p(-P))", "(1 - Y)", "(1 + Y)"),
    M("losses", "dA: Deltas[F] = (P - Y) / (P * (1 - P))", "(P - Y)", "(Y - P)"),
    M("losses", "total = np.sum(np.logaddexp(0, Z) - Y * Z)", "- Y * Z", "+ Y * Z"),
    M("losses", "return float(np.sum(R * R)) / R.size", "R.size", "R.shape[1]"),
    M("losses", "dA *= 2 / dA.size", "2 /", "1 /"),
    M("losses", "dA: Deltas[F] = -Y / _clip(Yhat)", "-Y", "Y"),
    M(
        "losses",
        "J: Matrix[F] = np.sum(R * R, axis=0, keepdims=True) / R.shape[0]",
        "R.shape[0]",
        "R.shape[1]",
    ),
    M(
        "losses",
        "if np.minimum.reduce(Y, None) >= 0 and np.maximum.reduce(Y, None) <= 1:",
        "<= 1",
        "<= 2",
    ),
    M("losses", "off = np.abs(sums - 1) > (1e-4", "> (1e-4", "> (1e-1"),
    # activations
    M("activations", "    dA *= 1 - A", "1 - A", "1 + A"),
    M(
        "activations",
        "np.subtract(_ONE.get(A.dtype, 1.0), slope, out=slope)",
        "np.subtract",
        "np.add",
    ),
    M("activations", "dZ: Deltas[F] = np.where(Z > 0, dA, dA * LEAKY_SLOPE)", "Z > 0", "Z < 0"),
    M("activations", "LEAKY_SLOPE = 0.01", "0.01", "0.02"),
    M("activations", "_FLOOR = _constant(-87.0, -708.0)", "-708.0", "-750.0"),
    M(
        "activations",
        "np.maximum(Z, _FLOOR.get(Z.dtype, -87.0), out=out)",
        "np.maximum",
        "np.minimum",
    ),
    M("activations", "np.maximum(Z, _ZERO.get(Z.dtype, 0.0), out=out)", "_ZERO", "_ONE"),
    M("activations", "np.tanh(Z, out=out)", "np.tanh", "np.sinh"),
    M(
        "activations",
        "E: Activations[F] = Z - np.maximum.reduce(Z, axis=0, keepdims=True)",
        "np.maximum",
        "np.minimum",
    ),
    M(
        "activations",
        "dZ: Deltas[F] = A * (dA - (dA * A).sum(axis=0, keepdims=True))",
        "dA - ",
        "dA + ",
    ),
    # optimisers: rules, defaults, state checks, clipping
    M(
        "_optimizer",
        "return new, with_moments(state, count + 1, self.moments, news)",
        "count + 1",
        "count + 2",
    ),
    M(
        "_optimizer",
        "if type(count) is not int or count < 0 or optimizer.settings",
        "count < 0",
        "count < -1",
    ),
    M(
        "_optimizer",
        "if not isinstance(count, int) or isinstance(count, bool) or count < 0:",
        "count < 0",
        "count < -1",
    ),
    M("optimisers", "learning_rate: LearningRate, beta: float = 0.9, nesterov", "0.9", "0.8"),
    M(
        "optimisers",
        "learning_rate: LearningRate, rho: float = 0.9, eps: float = 1e-8",
        "0.9",
        "0.8",
    ),
    M(
        "optimisers",
        "learning_rate: LearningRate, beta1: float = 0.9, beta2: float = 0.999, eps",
        "0.999",
        "0.99",
    ),
    M(
        "optimisers",
        "learning_rate: LearningRate, beta1: float = 0.9, beta2: float = 0.999, eps",
        "eps: float = 1e-8",
        "eps: float = 1e-6",
    ),
    M("_updates", "out *= 1 - keep", "1 - keep", "keep"),
    M("_updates", "step: Matrix[F] = g + beta * v if nesterov else v", "g + beta", "g - beta"),
    M("_updates", "c1, c2 = 1 - beta1**t, 1 - beta2**t", "beta1**t", "beta1**count"),
    M("_updates", "rate_t = rate * math.sqrt(c2) / c1", "/ c1", "* c1"),
    M("_updates", "eps_t = eps * math.sqrt(c2)", "eps * math.sqrt(c2)", "eps"),
    M("_updates", "start = p * (1 - decay)", "1 - decay", "1 + decay"),
    M("_updates", "if norm <= max_norm:", "<=", ">="),
    M("_updates", "if not 0 <= number < math.inf:", "0 <= number", "0 < number"),
    M("_updates", "new: Matrix[F] = p - step", "p - step", "p + step"),
    # _loop: evaluation, divergence, early stopping, plateau, logging. Left out as equivalent:
    # ``checkpoint[0] <= epoch`` -> ``<`` in diverge (at equality the replay re-finds the state
    # at hand), and ``max(batch, EVALUATION_COLUMNS)`` -> ``min`` (the same loss, sliced
    # otherwise: only its rounding and the memory differ)
    M("_loop", "improved = bool(monitored < state.best_loss - delta)", "<", "<="),
    M("_loop", "improved = bool(monitored < state.best_loss - delta)", "- delta", "+ delta"),
    M(
        "_loop",
        "stopped = bool(stopping and state.epoch - best[1] >= stopping.patience)",
        ">=",
        ">",
    ),
    M(
        "_measure",
        "return setup.l2 / (2 * setup.X.shape[1]) * float(weights.dot(weights))",
        "(2 *",
        "(1 *",
    ),
    M(
        "_measure",
        'return i + 1, f"layer {i + 1} has non-finite parameters"',
        "return i + 1",
        "return i",
    ),
    M(
        "_measure",
        'if name == "training" and setup.l2 and np.isfinite(',
        "np.isfinite(",
        "not np.isfinite(",
    ),
    M("_measure", "return L, f\"the training loss's L2 penalty is", "return L,", "return L - 1,"),
    M("_measure", "return total / m + extra, correct / (m * per_example)", "+ extra", "- extra"),
    M("_measure", "correct += accuracy if np.isnan(accuracy) else round(", "n * per_example", "n"),
    # sample weights: a batch of zero weights, the weighted training losses, huge weights
    M("_measure", "if not total > 0:", "> 0", ">= 0"),
    M("_measure", "loss = math.fsum(part[0] * s for", "part[0] * s", "part[0] * part[2]"),
    M("_measure", "Y[:, start : start + size], shares(W)))", ", shares(W)", ""),
    M("_measure", "return [float(W.sum()) for W in self.weights]", "W.sum()", "W.shape[1]"),
    M("_checks", "if exponent == 1:", "== 1", "!= 1"),
    M("_loop", "logged = last or done % setup.log_every == 0", "== 0", "== 1"),
    M("_loop", "if setup.plateau is not None and state.epoch > 0:", "> 0", ">= 0"),
    M("_loop", "g += theta * setup.decay", "+=", "-="),
    M("_data", "if min(size, m - start) > 1", "> 1", "> 2"),
    # training: validation split, labels, setup
    M("_data", "n = min(m - 1, max(1, round(fraction * m)))", "m - 1", "m"),
    M("_data", "if m < 2:", "< 2", "< 1"),
    M("_data", "wanted = 2 if n_y == 1 else n_y", "2 if", "1 if"),
    M(
        "_setup",
        "every = every if every is not None else max(1, n_epochs // 100)",
        "// 100",
        "// 10",
    ),
    M("_data", "if fraction >= 1:", ">= 1", "> 1"),
    M(
        "_setup",
        "decay = np.where(structure.weights, number(penalty / m), number(0))",
        "penalty / m",
        "penalty",
    ),
    M(
        "training",
        "chosen = final.best_params if setup.early_stopping is not None else",
        "is not None",
        "is None",
    ),
    M("_data", "if not combined.sum() > 0:", "> 0", ">= 0"),
    # records
    M("_structure", "weights[0, start : start + k * n].reshape(k, n)[-1] = False", "False", "True"),
    M(
        "records",
        "if i and layer.W.shape[1] != layers[i - 1].W.shape[0]:",
        "layers[i - 1]",
        "layers[i]",
    ),
    M(
        "records",
        "if A.ndim != 2 or Z.shape != A.shape or A.shape[1] != m or 0 in A.shape:",
        "Z.shape != A.shape or ",
        "",
    ),
    M(
        "records",
        "if Z.dtype != As[0].dtype or A.dtype != As[0].dtype:",
        "A.dtype !=",
        "Z.dtype !=",
    ),
    M(
        "records",
        "if db.dtype != dW.dtype or dW.dtype != dWs[0].dtype:",
        " or dW.dtype != dWs[0]",
        " and dW.dtype != dWs[0]",
    ),
    M("records", "if i and dW.shape[1] != dWs[i - 1].shape[0]:", "if i and", "if i > 1 and"),
    M("records", "if b.shape != (W.shape[0], 1):", "W.shape[0]", "W.shape[1]"),
    M("records", "if len(Zs) != len(As) or len(As) < 2:", "< 2", "< 1"),
    M("records", 'check_finite(A, f"A[{l}]")', 'check_finite(A, f"A[{l}]")', "None"),
    M("records", "A.shape[1] != m or 0 in A.shape:", "A.shape[1] != m or ", ""),
    # runs: history, plateau, train state
    M("callbacks", "if loss < plateau.best - self.min_delta:", "- self.min_delta", "+ self.min_delta"),
    M("callbacks", "if epoch - plateau.since >= self.patience:", ">=", ">"),
    M("callbacks", "scale = max(plateau.scale * self.factor, self.min_scale)", "max(", "min("),
    M("runs", "if best_epoch > epoch:", ">", ">="),
    M("runs", "if at > epoch:", ">", ">="),
    M("runs", "return self.train_loss[-1]", "[-1]", "[0]"),
    M("runs", "if value < 0:", "< 0", "< -1"),
    M("callbacks", "if factor >= 1:", ">= 1", "> 1"),
    # metrics
    M("metrics", "return freeze((Yhat >= threshold).astype(np.int64))", ">=", ">"),
    M("classes", "return freeze((data[0] >= 0.5).astype(np.int64))", ">=", ">"),
    M("metrics", "total = float(np.vdot(R, R)) / R.size", "R.size", "R.shape[1]"),
    M("metrics", "(1.0 if res == 0 else 0.0) if tot == 0 else 1.0 - res / tot", "1.0 - res", "res"),
    M("classes", "bad = (raw < 0) | (raw >= n)", ">= n", "> n"),
    M("classes", "n = int(raw.max()) + 1 if classes is None", "+ 1 if", "+ 2 if"),
    M("metrics", "if not 0 <= key < k:", "key < k", "key <= k"),
    M("classes", "codes = (data[0] >= 0.5).astype(np.int64)", ">=", ">"),
    # gradcheck
    M("gradreport", "return error <= positive_float(tolerance, \"tolerance\")", "<=", "<"),
    M("_probes", "if np.any(moved & (low <= 0) & (high >= 0)):", "(low <= 0)", "(low < 0)"),
    M("gradcheck", "return float(np.linalg.norm(n - a)) / (", "n - a", "n + a"),
    M("_probes", "value = (J_plus - J_minus) / step / m", "/ step / m", "/ step"),
    M("_probes", 'field, where = ("b", (unit, 0)) if row == original.shape[0] - 1', "- 1", "- 2"),
    M("gradreport", "if c.kinks < c.probes", "<", "<="),
    M("gradreport", "return max(c.relative_error for layer in self.layers", "max(", "min("),
    # serialisation
    M("_npz", "MAX_NAME = 64", "64", "16"),
    M("_npz", "dtype.itemsize > 4 * MAX_NAME", "4 * MAX_NAME", "8 * MAX_NAME"),
    M("_optfiles", "if count < 0:", "< 0", "< -1"),
    M("_paramfiles", "if (dims < 1).any():", "< 1", "< 0"),
    M("_runfiles", "if not ((rates >= 0) & (rates < 1)).all():", "(rates < 1)", "(rates <= 1)"),
    M("_paramfiles", "if not 1 <= L <= len(keys):", "1 <= L", "0 <= L"),
    M("_runfiles", "if k and ((epochs[1:] <= epochs[:-1]).any() or epochs[0] < 0):", "<=", "<"),
    M("_npz", "if value not in (0, 1):", "(0, 1)", "(0, 1, 2)"),
    # schedules
    M(
        "schedules",
        "return learning_rate * factor ** (step // every)",
        "step // every",
        "step // (every + 1)",
    ),
    M("schedules", "return learning_rate * rate**step", "rate**step", "rate ** (step + 1)"),
    M("schedules", "scale: float = (step + 1) ** power_t", "(step + 1)", "step"),
    M("schedules", "progress = min(step, steps) / steps", "min(", "max("),
    M(
        "schedules",
        "return final + (learning_rate - final) * 0.5 * (1 + math.cos",
        "1 + math",
        "1 - math",
    ),
    M("schedules", "if number > 1:", "> 1", ">= 1"),
    M("schedules", "if floor > lr:", ">", ">="),
    # _validate
    M("_validate", "if type(value) is float and 0 < value < math.inf:", "0 < value", "0 <= value"),
    M(
        "_validate",
        "if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero",
        "and not allow_zero",
        "and allow_zero",
    ),
    M(
        "_validate",
        "if number < 0 or (number == 0 and not allow_zero):",
        "number < 0",
        "number < -1",
    ),
    M("_validate", "if raw.shape[0] == 0 or raw.shape[1] == 0:", " or raw.shape[1] == 0", ""),
    M(
        "_validate",
        'narrowed = kind == "f" and raw.dtype.itemsize > np.dtype(dtype).itemsize',
        ">",
        "<",
    ),
)


@dataclass(frozen=True)
class Planted:
    """Where a mutant lands: the module's path, the 1-based line and the mutated source."""

    path: str
    line: int
    source: str


def plant(mutant: Mutant) -> Planted:
    """The module's source with ``mutant`` applied; ``ValueError`` if its anchor is not unique."""
    path = f"fnmlp/{mutant.module}.py"
    lines = (ROOT / path).read_text().splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if mutant.anchor in line]
    if len(hits) != 1:
        raise ValueError(f"{path}: anchor {mutant.anchor!r} found on {len(hits)} lines")
    i = hits[0]
    if mutant.old not in lines[i]:
        raise ValueError(f"{path}:{i + 1}: {mutant.old!r} not on the anchor's line")
    lines[i] = lines[i].replace(mutant.old, mutant.new, 1)
    return Planted(path, i + 1, "".join(lines))


def copy_repository(into: pathlib.Path) -> None:
    """Copy what the tests need (package, tests, config, README) into ``into``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache")
    for name in ("fnmlp", "tests"):
        shutil.copytree(ROOT / name, into / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, into / name)


def run_tests(where: pathlib.Path, module: str, timeout: int) -> tuple[bool, float]:
    """Run ``module``'s test files in ``where``: (whether they passed, seconds)."""
    files = [f"tests/{name}" for name in TESTS[module]]
    env = {**os.environ, "PYTHONPATH": str(where), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "--timeout",
        str(timeout),
        *files,
    ]
    start = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=where, env=env, capture_output=True, timeout=timeout * 10
        )
        passed = done.returncode == 0
    except subprocess.TimeoutExpired:
        passed = False  # a mutant that hangs the tests is caught by their timeout
    return passed, time.monotonic() - start


def worker(numbers: list[int], timeout: int) -> list[tuple[int, int, bool, float]]:
    """Plant each numbered mutant in a private copy; (number, line, caught, seconds) for each."""
    results = []
    with tempfile.TemporaryDirectory(prefix="fnmlp-mutants-") as name:
        where = pathlib.Path(name)
        copy_repository(where)
        for n in numbers:
            planted = plant(MUTANTS[n])
            target = where / planted.path
            original = target.read_text()
            target.write_text(planted.source)
            try:
                passed, seconds = run_tests(where, MUTANTS[n].module, timeout)
            finally:
                target.write_text(original)
            results.append((n, planted.line, not passed, seconds))
            mark = "caught" if not passed else "SURVIVED"
            print(
                f"  [{n:3d}] {mark:8s} {seconds:5.1f}s  {MUTANTS[n].module} {describe(MUTANTS[n])}",
                file=sys.stderr,
                flush=True,
            )
    return results


def check() -> int:
    """Each anchor found once, each mutant changes the text and still compiles."""
    bad = 0
    for n, mutant in enumerate(MUTANTS):
        try:
            planted = plant(mutant)
            compile(planted.source, planted.path, "exec")
        except (ValueError, SyntaxError) as error:
            print(f"[{n}] {error}")
            bad += 1
    print(f"{len(MUTANTS)} mutants, {bad} bad")
    return 1 if bad else 0


def describe(mutant: Mutant) -> str:
    """``old -> new`` for the table."""
    return f"{mutant.old.strip() or repr(mutant.old)} -> {mutant.new.strip() or 'removed'}"


def main() -> int:
    """Parse the arguments, run the chosen mutants and print the table and score."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    parser.add_argument("--module", action="append", help="only this module's mutants")
    parser.add_argument("--only", help="comma-separated mutant numbers")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--check", action="store_true", help="check the anchors and stop")
    parser.add_argument("--timeout", type=int, default=60, help="per-test timeout in seconds")
    parser.add_argument("--threshold", type=float, default=95.0, help="score to pass (percent)")
    args = parser.parse_args()
    if args.check:
        return check()
    chosen = list(range(len(MUTANTS)))
    if args.module:
        chosen = [n for n in chosen if MUTANTS[n].module in args.module]
    if args.only:
        wanted = {int(x) for x in args.only.split(",")}
        chosen = [n for n in chosen if n in wanted]
    if args.list:
        for n in chosen:
            m = MUTANTS[n]
            print(f"[{n:3d}] {m.module:13s} line {plant(m).line:4d}  {describe(m)}")
        return 0
    jobs = max(1, min(args.jobs, len(chosen)))
    shares = [chosen[k::jobs] for k in range(jobs)]
    start = time.monotonic()
    with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
        futures = [pool.submit(worker, share, args.timeout) for share in shares]
        results = sorted(r for f in futures for r in f.result())
    elapsed = time.monotonic() - start
    print(f"{'#':>4}  {'module':13s} {'line':>5}  {'mutation':40s} result")
    per_module: dict[str, list[int]] = {}
    for n, line, caught, _ in results:
        m = MUTANTS[n]
        print(
            f"{n:4d}  {m.module:13s} {line:5d}  {describe(m)[:40]:40s} "
            f"{'caught' if caught else 'SURVIVED'}"
        )
        tally = per_module.setdefault(m.module, [0, 0])
        tally[0] += caught
        tally[1] += 1
    print()
    for module, (got, total) in per_module.items():
        print(f"  {module:13s} {got:3d}/{total:<3d}")
    caught_all = sum(c for c, _ in per_module.values())
    total_all = sum(t for _, t in per_module.values())
    score = 100.0 * caught_all / total_all if total_all else 100.0
    print(f"\nscore: {caught_all}/{total_all} caught ({score:.1f}%) in {elapsed / 60:.1f} min")
    survivors = [n for n, _, caught, _ in results if not caught]
    if survivors:
        print("survivors: " + ", ".join(str(n) for n in survivors))
    return 0 if score >= args.threshold else 1


if __name__ == "__main__":
    raise SystemExit(main())
