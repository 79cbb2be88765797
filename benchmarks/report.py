"""Format results as a markdown table: times, ratios, peak memory and test accuracy.

Ratios are of medians from the same run: ``x notebook`` against the notebook
loop, ``x floor`` against the matmul floor.
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.harness import Result
from benchmarks.workloads import Workload

__all__ = ["COLUMNS", "rows", "table"]

COLUMNS = (
    "workload",
    "contestant",
    "median µs/step",
    "min",
    "max",
    "x notebook",
    "x floor",
    "peak memory",
    "test acc",
)


def microseconds(value: float) -> str:
    """``12.3`` below 100 µs, whole µs above."""
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def size(n_bytes: int | None) -> str:
    """Bytes as KiB or MiB."""
    if n_bytes is None:
        return "-"
    if n_bytes < 1024**2:
        return f"{n_bytes / 1024:.1f} KiB"
    return f"{n_bytes / 1024**2:.1f} MiB"


def ratio(result: Result, reference: Result | None) -> str:
    """``result``'s median over ``reference``'s, or ``-``."""
    if reference is None or not reference.ok:
        return "-"
    return f"{result.median_us / reference.median_us:.2f}"


def find(results: Sequence[Result], *, baseline: bool) -> Result | None:
    """The baseline (``baseline=True``) or the floor among ``results``."""
    for result in results:
        flag = result.contestant.is_baseline if baseline else result.contestant.is_floor
        if flag:
            return result
    return None


def rows(w: Workload, results: Sequence[Result]) -> list[tuple[str, ...]]:
    """One table row per contestant; unavailable or failed ones say so."""
    notebook, floor = find(results, baseline=True), find(results, baseline=False)
    out: list[tuple[str, ...]] = []
    for r in results:
        name = r.contestant.name
        if not r.ok:
            word = r.status.split(":", 1)[0]
            out.append((w.name, name, word, "", "", "", "", "", ""))
            continue
        accuracy = "-" if r.accuracy is None else f"{r.accuracy:.4f}"
        out.append(
            (
                w.name,
                name,
                microseconds(r.median_us),
                microseconds(min(r.times_us)),
                microseconds(max(r.times_us)),
                ratio(r, notebook),
                ratio(r, floor),
                size(r.peak_bytes),
                accuracy,
            )
        )
    return out


def table(body: Sequence[tuple[str, ...]], columns: Sequence[str] = COLUMNS) -> str:
    """A markdown table under ``columns``, each padded to its widest cell."""
    widths = [max(len(row[i]) for row in [columns, *body]) for i in range(len(columns))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(n) for c, n in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (n + 2) for n in widths) + "|"
    return "\n".join([line(columns), rule, *(line(row) for row in body)])


def notes(results: Sequence[Result]) -> list[str]:
    """Why each unavailable or failed contestant did not run."""
    return [f"- {r.contestant.name}: {r.status}" for r in results if not r.ok]
