"""Training on data larger than a memory budget: zarr on disk, ``fnmlp.dask.train_streaming``.

Writes a synthetic binary classification set (``X`` of shape ``(n_x, m)``,
one column per example, and its labels ``Y``) to zarr arrays, chunk by chunk,
so that the data never sit in memory whole; the data are several times the
memory budget printed first. ``fnmlp.dask.read`` opens them as dask arrays,
and ``fnmlp.dask.train_streaming`` trains on them a chunk at a time (the next
chunk read while the current one trains). The peak memory training adds (the
resident set's high-water mark above where it started) is measured against
the budget,
and the throughput in examples per second is reported with the accuracy on
held-out data.

Needs the ``dask`` extra and zarr: ``pip install 'fnmlp[dask]' zarr``.

Run it with ``python examples/out_of_core.py`` (``--quick`` for 32 MB of data
instead of 768 MB; ``--out DIR`` keeps the zarr arrays in ``DIR``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import zarr

import fnmlp
import fnmlp.dask

N_X = 32
DIMS = (N_X, 64, 1)
BATCH = 256
SEED = 0
MB = 1 << 20


def rule(
    X: np.ndarray[tuple[int, int], np.dtype[np.float32]],
) -> np.ndarray[tuple[int, int], np.dtype[np.float32]]:
    """The labels: which side of a fixed curved boundary each column lies on."""
    w = np.linspace(1.0, -1.0, X.shape[0], dtype=np.float32)[None, :]
    labels: np.ndarray[tuple[int, int], np.dtype[np.float32]] = (
        w @ X + 0.5 * np.sin(2 * X[:1]) > 0
    ).astype(np.float32)
    return labels


def write(folder: Path, m: int, columns: int) -> tuple[Path, Path]:
    """``X.zarr`` and ``Y.zarr`` in ``folder``, written one chunk of ``columns`` at a time."""
    # random floats do not compress: stored raw, read at the speed of the page cache
    X = zarr.create_array(
        str(folder / "X.zarr"), shape=(N_X, m), chunks=(N_X, columns), dtype="f4", compressors=None
    )
    Y = zarr.create_array(
        str(folder / "Y.zarr"), shape=(1, m), chunks=(1, columns), dtype="f4", compressors=None
    )
    rng = np.random.default_rng(SEED)
    for start in range(0, m, columns):
        block = rng.standard_normal((N_X, min(columns, m - start)), dtype=np.float32)
        X[:, start : start + block.shape[1]] = block
        Y[:, start : start + block.shape[1]] = rule(block)
    return folder / "X.zarr", folder / "Y.zarr"


class Peak:
    """The peak memory a block of code adds: the resident set's high-water mark above its start.

    On Linux the kernel's mark (``VmHWM``) is reset on entry through
    ``/proc/self/clear_refs``, so what ran before does not count; elsewhere
    ``tracemalloc`` traces the Python and NumPy allocations instead.
    """

    def __enter__(self) -> Peak:
        self.kernel = Path("/proc/self/clear_refs").exists()
        if self.kernel:
            Path("/proc/self/clear_refs").write_text("5")  # the high-water mark := the current RSS
            self.start = status("VmRSS")
        else:
            tracemalloc.start()
        self.added = 0
        return self

    def __exit__(self, *exc: object) -> None:
        if self.kernel:
            self.added = max(0, status("VmHWM") - self.start)
        else:
            self.added = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


def status(field: str) -> int:
    """A ``/proc/self/status`` memory field, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def main(argv: list[str] | None = None) -> int:
    """Write, stream, report; 0 when training stayed within the budget and learned the rule."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="32 MB of data and 1 epoch, not 768 MB and 2"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="keep the zarr arrays in this folder"
    )
    args = parser.parse_args(argv)
    data_mb, budget_mb, epochs = (32, 10, 1) if args.quick else (768, 64, 2)
    chunk_mb = (
        budget_mb / 8
    )  # the next chunk, the current one and its shuffled copy fit thrice over
    columns = int(chunk_mb * MB) // (4 * N_X)
    m = (data_mb * MB) // (4 * (N_X + 1))
    print(
        f"memory budget {budget_mb} MB; data {data_mb} MB ({m:,} examples x {N_X} float32 features)"
    )
    print(f"  in chunks of {columns:,} examples ({chunk_mb:.1f} MB)")

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.out if args.out is not None else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        X_path, Y_path = write(folder, m, columns)
        print(f"wrote {folder / 'X.zarr'} and Y.zarr in {time.perf_counter() - started:.1f} s")

        X, Y = fnmlp.dask.read(X_path), fnmlp.dask.read(Y_path)
        X[:, :1].compute()  # zarr's first read imports its codecs: not training's memory
        params = fnmlp.init(DIMS, hidden=fnmlp.relu, scheme="he", seed=SEED, dtype=np.float32)
        with Peak() as peak:
            started = time.perf_counter()
            result = fnmlp.dask.train_streaming(
                params, X, Y, loss=fnmlp.binary_cross_entropy, optimizer=fnmlp.adam(3e-3),
                epochs=epochs, batch_size=BATCH, log_every=1, seed=SEED,
            )  # fmt: skip
            seconds = time.perf_counter() - started
        added = peak.added

    throughput = epochs * m / seconds
    X_test = np.random.default_rng(SEED + 1).standard_normal((N_X, 20_000), dtype=np.float32)
    accuracy = fnmlp.accuracy(result.params, X_test, rule(X_test))
    steps = result.state.opt_state.count
    print(f"trained {epochs} epoch(s), {steps:,} steps of {BATCH}, in {seconds:.1f} s")
    print(f"throughput {throughput:,.0f} examples/s ({epochs * data_mb / seconds:.0f} MB/s)")
    print(f"peak memory added by training {added / MB:.1f} MB (budget {budget_mb} MB)")
    print(f"running loss by epoch {[round(x, 4) for x in result.history.train_loss]}")
    print(f"held-out accuracy {accuracy:.4f}")
    within = added < budget_mb * MB
    print(f"within the budget: {within}")
    return 0 if within and accuracy > 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
