"""Type tests in the numpy manner, and ``mypy --strict`` over the whole project.

``tests/typing/pass/*.py`` must type-check clean under strict mypy and run;
``tests/typing/fail/*.py`` hold one wrong use per line, each ending in
``# type: ignore[<code>]``, checked with ``warn_unused_ignores`` so that a case
that stops failing (or fails for another reason) breaks the run.

The cases are checked as a user who installed fnmlp would check them: copied
to a temporary directory outside the repository, with a config of their own
and no ``MYPYPATH``, so mypy must find fnmlp as an installed package. mypy
only reads an installed package's inline types when it ships ``py.typed``
(without it, every import is ``import-untyped``), so this also shows that the
marker ships and works.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).resolve().parent / "typing"
PASS = sorted((CASES / "pass").glob("*.py"))
FAIL = sorted((CASES / "fail").glob("*.py"))

USER_CONFIG = """\
[mypy]
strict = True
warn_unused_ignores = True
enable_error_code = ignore-without-code, redundant-expr, truthy-bool
"""


def clean_env() -> dict[str, str]:
    """The environment without anything that would point mypy or Python at the repository."""
    return {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def user_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cases copied to a fresh directory, as ``pass_*.py`` and ``fail_*.py``."""
    where = tmp_path_factory.mktemp("typing-as-a-user")
    for kind, files in (("pass", PASS), ("fail", FAIL)):
        for path in files:
            shutil.copy(path, where / f"{kind}_{path.name}")
    (where / "mypy.ini").write_text(USER_CONFIG)
    return where


@pytest.fixture(scope="module")
def user_mypy(user_dir: Path) -> subprocess.CompletedProcess[str]:
    """One strict mypy run over every case, verbose so that the log shows where fnmlp came from."""
    return run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "mypy.ini",
            "--cache-dir",
            str(user_dir / ".mypy_cache"),
            "--verbose",
            ".",
        ],
        user_dir,
    )


def test_there_are_cases() -> None:
    assert len(PASS) >= 3 and len(FAIL) >= 3
    ignores = sum(f.read_text().count("# type: ignore[") for f in FAIL)
    assert ignores >= 40


def test_every_ignore_names_its_error_code() -> None:
    # A bare "# type: ignore" would hide a case that fails for another reason.
    for path in FAIL:
        with path.open("rb") as source:
            comments = [
                token
                for token in tokenize.tokenize(source.readline)
                if token.type == tokenize.COMMENT and "type: ignore" in token.string
            ]
        assert comments, path.name
        for token in comments:
            assert re.fullmatch(r"# type: ignore\[[a-z-]+(, [a-z-]+)*\]", token.string), (
                f"{path.name}:{token.start[0]}: expected '# type: ignore[<code>]', got {token.string!r}"
            )


def test_cases_type_check_for_a_user_who_installed_fnmlp(
    user_mypy: subprocess.CompletedProcess[str],
) -> None:
    report = user_mypy.stdout
    assert user_mypy.returncode == 0, f"mypy found problems in the type tests:\n{report}"
    assert f"Success: no issues found in {len(PASS) + len(FAIL)} source files" in report


def test_mypy_read_the_installed_fnmlp(
    user_dir: Path, user_mypy: subprocess.CompletedProcess[str]
) -> None:
    # Where the interpreter imports fnmlp from, seen from outside the repository ...
    located = run([sys.executable, "-c", "import fnmlp; print(fnmlp.__file__)"], user_dir)
    assert located.returncode == 0, located.stderr
    installed = Path(located.stdout.strip())
    assert installed.name == "__init__.py" and (installed.parent / "py.typed").is_file()
    # ... is where mypy parsed it from: found through the install, not skipped.
    assert f"Parsing {installed} (fnmlp)" in user_mypy.stderr
    assert "import-untyped" not in user_mypy.stdout and "import-not-found" not in user_mypy.stdout


@pytest.mark.parametrize("case", PASS, ids=lambda p: p.name)
def test_pass_cases_run(case: Path, user_dir: Path) -> None:
    ran = run([sys.executable, "-W", "error", str(user_dir / f"pass_{case.name}")], user_dir)
    assert ran.returncode == 0, ran.stderr


def test_the_project_is_mypy_strict_clean() -> None:
    """``mypy`` with the project's own config (``files``: fnmlp, tests, examples, benchmarks)."""
    checked = run([sys.executable, "-m", "mypy"], ROOT)
    assert checked.returncode == 0, (
        f"mypy --strict over the project:\n{checked.stdout}{checked.stderr}"
    )
    assert "Success: no issues found" in checked.stdout
