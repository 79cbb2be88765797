"""Benchmark fnmlp against a notebook-style numpy loop, sklearn's MLP and the matmul floor.

Usage, from the repository root::

    python -m benchmarks.run                      # every workload, default repeats
    python benchmarks/run.py --quick              # smoke run, a few seconds
    python -m benchmarks.run --workload tiny,digits --repeats 9
    python -m benchmarks.run --blas-threads 1     # every contestant on one BLAS thread

Prints one markdown table: per contestant the median, min and max time per
training step in µs over the interleaved repeats, the median's ratio to the
notebook loop's and to the matmul floor's in the same run, the peak memory of
an untimed tracemalloc pass, and the test accuracy (digits).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import contextlib
import os
import platform
import time
from collections.abc import Callable, Iterable

import numpy as np

from benchmarks.baselines import MATMUL_FLOOR, NOTEBOOK_LOOP, SKLEARN_MLP
from benchmarks.contest import Contestant
from benchmarks.fnmlp_contestants import (
    FNMLP_PIPELINE_LOOP,
    FNMLP_TRAIN,
    FNMLP_TRAIN_DEFAULT,
    FNMLP_TRAIN_EXACT_LOG,
)
from benchmarks.harness import run_workload
from benchmarks.report import notes, rows, table
from benchmarks.workloads import WORKLOADS, Workload, optional_module

CONTESTANTS = [
    NOTEBOOK_LOOP,
    FNMLP_TRAIN,
    FNMLP_TRAIN_EXACT_LOG,
    FNMLP_TRAIN_DEFAULT,
    FNMLP_PIPELINE_LOOP,
    SKLEARN_MLP,
    MATMUL_FLOOR,
]
"""Every contestant, in table order; the first is the baseline of the ratios."""

DEFAULT_REPEATS, QUICK_REPEATS = 15, 2


def names_from(choices: Iterable[str], what: str) -> Callable[[str], list[str]]:
    """A parser of ``--option a,b`` whose names are among ``choices``; rejects unknown ones."""
    known = list(choices)

    def names(text: str) -> list[str]:
        picked = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in picked if name not in known]
        if unknown or not picked:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {', '.join(unknown) or text!r}; choose from {', '.join(known)}"
            )
        return picked

    return names


workload_names = names_from(WORKLOADS, "workload")
"""Parse ``--workload a,b``; rejects unknown names."""


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--workload",
        type=workload_names,
        default=list(WORKLOADS),
        help=f"comma-separated workloads (default: {','.join(WORKLOADS)})",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help=f"timed runs per contestant (default {DEFAULT_REPEATS}, {QUICK_REPEATS} with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="short runs and a smaller wide set: a smoke test"
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="limit BLAS to this many threads for every contestant (needs threadpoolctl); "
        "on a machine other processes keep busy, a multi-threaded product waits for a core",
    )
    parser.add_argument(
        "--contestants",
        default=None,
        help="comma-separated substrings of contestant names to keep (the baseline always runs)",
    )
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = QUICK_REPEATS if args.quick else DEFAULT_REPEATS
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.blas_threads is not None and args.blas_threads < 1:
        parser.error("--blas-threads must be at least 1")
    return args


def blas_limit(threads: int | None) -> contextlib.AbstractContextManager[object]:
    """A context limiting BLAS to ``threads`` threads (threadpoolctl), or doing nothing."""
    if threads is None:
        return contextlib.nullcontext()
    optional_module("sklearn.neural_network")  # load its BLAS too, so that the limit reaches it
    threadpoolctl = optional_module("threadpoolctl")
    if threadpoolctl is None:
        raise SystemExit("--blas-threads needs threadpoolctl: pip install threadpoolctl")
    limit: contextlib.AbstractContextManager[object] = threadpoolctl.threadpool_limits(
        limits=threads, user_api="blas"
    )
    return limit


def blas() -> str:
    """The BLAS libraries numpy uses and their thread counts, if threadpoolctl can tell."""
    threadpoolctl = optional_module("threadpoolctl")
    if threadpoolctl is None:
        return "BLAS threads unknown (no threadpoolctl)"
    pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
    return (
        ", ".join(
            f"{p.get('internal_api')} {p.get('version')} with {p.get('num_threads')} thread(s)"
            for p in pools
        )
        or "no BLAS found by threadpoolctl"
    )


def selected(filter_text: str | None) -> list[Contestant]:
    """Contestants whose names contain one of the comma-separated substrings, plus the baseline."""
    if filter_text is None:
        return CONTESTANTS
    keys = [key.strip() for key in filter_text.split(",") if key.strip()]
    return [c for c in CONTESTANTS if c.is_baseline or any(k in c.name for k in keys)]


def environment() -> str:
    """One line on the machine and library versions the numbers come from."""
    sklearn = optional_module("sklearn")
    fnmlp = optional_module("fnmlp")
    fnmlp_path = Path(fnmlp.__file__).parent if fnmlp is not None else "nowhere (not importable)"
    return (
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"sklearn {getattr(sklearn, '__version__', 'not installed')}, "
        f"{os.cpu_count()} cpus, {blas()}, fnmlp from {fnmlp_path}"
    )


def describe(w: Workload, repeats: int) -> str:
    """A line saying what one workload ran."""
    steps = w.epochs * w.steps_per_epoch
    return (
        f"- {w.name}: {w.description}; {w.epochs} epoch(s) x {w.steps_per_epoch} step(s) "
        f"= {steps} steps per timed run, {repeats} interleaved repeats"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the selected workloads and print the table."""
    args = parse(argv)
    started = time.perf_counter()
    contestants = selected(args.contestants)
    body: list[tuple[str, ...]] = []
    problems: dict[str, list[str]] = {}
    with blas_limit(args.blas_threads):
        print(environment())
        for name in args.workload:
            w = WORKLOADS[name](quick=args.quick)
            repeats = args.repeats * w.repeat_factor
            print(describe(w, repeats), flush=True)
            results = run_workload(w, contestants, repeats)
            body.extend(rows(w, results))
            for line in notes(results):
                problems.setdefault(line, []).append(w.name)
    print()
    print(table(body))
    if problems:
        print("\nnot measured:")
        print("\n".join(f"{line} ({', '.join(names)})" for line, names in problems.items()))
    print(f"\ntotal wall time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
