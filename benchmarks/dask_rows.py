"""Rows for ``fnmlp.dask``: streaming against in-memory ``train``, memory over data sizes, data-parallel overhead.

Usage, from the repository root::

    python -m benchmarks.dask_rows                  # 512 MB throughput; memory from 0.5 GB to 3 GB
    python benchmarks/dask_rows.py --quick          # 64 MB; memory from 50 MB to 300 MB
    python -m benchmarks.dask_rows --blas-threads 0 # BLAS's own thread count

Three measurements, each printed as a markdown table:

- **Throughput**: one epoch of ``fnmlp.train`` on arrays in memory against
  one epoch of ``fnmlp.dask.train_streaming`` on the same data read from
  ``.npy`` files through ``fnmlp.dask.read`` (in the page cache: both files
  are read once before timing), interleaved, median of the repeats; the
  target is a ratio of at least 0.85.
- **Memory**: the peak resident set (``VmHWM``, Linux only) of a fresh
  process that imports fnmlp and dask, makes a short warm-up run and then
  trains one epoch with ``train_streaming`` over the whole file, per data
  size, the chunk size fixed; the target is flat, within 10% from the
  smallest size to the largest. The peak before the epoch is shown too: the
  difference is what the epoch adds (noisy at the scale of a chunk, since
  the allocator keeps some freed memory and returns some). A second epoch
  under ``tracemalloc`` gives the peak of what Python and NumPy allocate
  (the chunks, their shuffled copies, the steps' arrays), without the
  allocator's noise.
- **Data parallel**: two epochs of ``train_data_parallel`` on a LocalCluster
  of 2 worker processes x 1 thread against the same algorithm in this
  process (``client=None``); the difference per step is the cluster's
  overhead (a round trip: the params to each worker, the shards' gradients
  back), paid for nothing on one machine.

The network is ``[32, 64, 1]`` (ReLU, sigmoid), Adam, batches of 256, float32,
on one BLAS thread unless told otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N_X = 32
DIMS = (N_X, 64, 1)
BATCH = 256
CHUNK_MB = 8
MB = 1 << 20


def write(folder: Path, data_mb: float, seed: int = 0) -> tuple[Path, Path]:
    """``X.npy`` (float32, ``(N_X, m)``) and ``Y.npy`` of about ``data_mb`` MB, written in slices."""
    m = int(data_mb * MB) // (4 * (N_X + 1))
    X = np.lib.format.open_memmap(folder / "X.npy", mode="w+", dtype=np.float32, shape=(N_X, m))
    Y = np.lib.format.open_memmap(folder / "Y.npy", mode="w+", dtype=np.float32, shape=(1, m))
    rng = np.random.default_rng(seed)
    w = np.linspace(1.0, -1.0, N_X, dtype=np.float32)[None, :]
    step = 1 << 16
    for start in range(0, m, step):
        block = rng.standard_normal((N_X, min(step, m - start)), dtype=np.float32)
        X[:, start : start + block.shape[1]] = block
        Y[:, start : start + block.shape[1]] = w @ block > 0
    X.flush()
    Y.flush()
    del X, Y
    return folder / "X.npy", folder / "Y.npy"


def columns() -> int:
    return CHUNK_MB * MB // (4 * N_X)


def limits(threads: int) -> Any:
    """One BLAS thread (threadpoolctl), or BLAS's own count for 0."""
    if threads == 0:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(threads)


def settings() -> dict[str, Any]:
    import fnmlp

    return {
        "loss": fnmlp.binary_cross_entropy,
        "optimizer": fnmlp.adam(1e-3),
        "epochs": 1,
        "batch_size": BATCH,
    }


def network() -> Any:
    import fnmlp

    return fnmlp.init(DIMS, hidden=fnmlp.relu, scheme="he", seed=0, dtype=np.float32)


def throughput(folder: Path, data_mb: float, repeats: int) -> list[str]:
    import fnmlp
    import fnmlp.dask

    X_path, Y_path = write(folder, data_mb)
    X, Y = np.load(X_path), np.load(Y_path)  # also puts both files in the page cache
    m = X.shape[1]
    times: dict[str, list[float]] = {"train": [], "stream": []}
    for repeat in range(repeats):
        for name in ("train", "stream") if repeat % 2 == 0 else ("stream", "train"):
            started = time.perf_counter()
            if name == "train":
                fnmlp.train(network(), X, Y, **settings())
            else:
                Xd = fnmlp.dask.read(X_path, columns=columns())
                Yd = fnmlp.dask.read(Y_path, columns=columns())
                fnmlp.dask.train_streaming(network(), Xd, Yd, **settings())
            times[name].append(time.perf_counter() - started)
    train, stream = (statistics.median(times[n]) for n in ("train", "stream"))
    return [
        "| data | examples | `train` in memory, examples/s | `train_streaming` from .npy, examples/s | streaming / in memory | target |",
        "|---|---|---|---|---|---|",
        f"| {data_mb:.0f} MB | {m:,} | {m / train:,.0f} | {m / stream:,.0f} | {train / stream:.2f} | >= 0.85 |",
    ]


MEMORY_RUN = """
import json, sys, time
from pathlib import Path
import fnmlp, fnmlp.dask
from benchmarks.dask_rows import columns, limits, network, settings, status
X = fnmlp.dask.read(sys.argv[1], columns=columns())
Y = fnmlp.dask.read(sys.argv[2], columns=columns())
fnmlp.dask.train_streaming(network(), X[:, : 4 * columns()], Y[:, : 4 * columns()], **settings())
before = status("VmHWM")  # the interpreter, numpy, dask and a short warm-up run
started = time.perf_counter()
with limits(int(sys.argv[3])):
    fnmlp.dask.train_streaming(network(), X, Y, **settings())
seconds = time.perf_counter() - started
peak = status("VmHWM")
import tracemalloc
tracemalloc.start()
with limits(int(sys.argv[3])):
    fnmlp.dask.train_streaming(network(), X, Y, **settings())
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"before": before, "peak": peak, "traced": traced, "seconds": seconds, "m": X.shape[1]}))
"""


def status(field: str) -> int:
    """A ``/proc/self/status`` memory field (Linux), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def memory(folder: Path, sizes: Sequence[float], threads: int) -> list[str]:
    rows = [
        f"| data | examples | peak resident set | before the epoch | traced peak of an epoch | epoch s (chunks of {CHUNK_MB} MB) |",
        "|---|---|---|---|---|---|",
    ]
    peaks, traced = [], []
    for data_mb in sizes:
        X_path, Y_path = write(folder, data_mb)
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_RUN, str(X_path), str(Y_path), str(threads)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        peaks.append(result["peak"])
        traced.append(result["traced"])
        rows.append(
            f"| {data_mb:,.0f} MB | {result['m']:,} | {result['peak'] / MB:.0f} MB | "
            f"{result['before'] / MB:.0f} MB | {result['traced'] / MB:.1f} MB | "
            f"{result['seconds']:.1f} |"
        )
        X_path.unlink()
        Y_path.unlink()
    for name, values, unit in (("peak resident set", peaks, ".0f"), ("traced peak", traced, ".1f")):
        spread = (max(values) - min(values)) / min(values)
        rows.append(
            f"\n{name} from {sizes[0]:,.0f} MB to {sizes[-1]:,.0f} MB of data: "
            f"{min(values) / MB:{unit}} to {max(values) / MB:{unit}} MB, a spread of {spread:.1%} "
            f"(target: within 10%)"
        )
    return rows


def data_parallel(threads: int) -> list[str]:
    import dask.array as da
    from distributed import Client, LocalCluster

    import fnmlp
    import fnmlp.dask

    rows = [
        "| network | examples | chunks | steps | one process, ms/step | 2-worker LocalCluster, ms/step | overhead, ms/step |",
        "|---|---|---|---|---|---|---|",
    ]
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        for dims, batch in (((N_X, 64, 1), BATCH), ((N_X, 1024, 1024, 1), 4096)):
            m = 40 * batch
            Xd = da.random.default_rng(0).standard_normal((N_X, m), chunks=(N_X, m // 2))
            Xd = Xd.astype(np.float32)
            Y = (Xd[:1] > Xd[1:2]).astype(np.float32)  # made where the chunks are
            params = fnmlp.init(dims, hidden=fnmlp.relu, scheme="he", seed=0, dtype=np.float32)
            kwargs: dict[str, Any] = {
                **settings(),
                "epochs": 2,
                "batch_size": batch,
            }
            fnmlp.dask.train_data_parallel(params, Xd, Y, client=client, **{**kwargs, "epochs": 1})
            started = time.perf_counter()
            remote = fnmlp.dask.train_data_parallel(params, Xd, Y, client=client, **kwargs)
            on_cluster = time.perf_counter() - started
            with limits(max(threads, 1)):
                started = time.perf_counter()
                local = fnmlp.dask.train_data_parallel(params, Xd, Y, **kwargs)
                here = time.perf_counter() - started
            assert np.array_equal(remote.params.theta, local.params.theta)
            steps = remote.state.opt_state.count
            rows.append(
                f"| {list(dims)}, batch {batch} | {m:,} | 2 | {steps} | {here / steps * 1e3:.2f} | "
                f"{on_cluster / steps * 1e3:.2f} | {(on_cluster - here) / steps * 1e3:.2f} |"
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="64 MB; memory from 50 MB to 300 MB")
    parser.add_argument("--repeats", type=int, default=None, help="throughput repeats (3, quick 1)")
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads (0: BLAS's own count)"
    )
    args = parser.parse_args(argv)
    data_mb = 64 if args.quick else 512
    sizes = [50, 100, 200, 300] if args.quick else [512, 1024, 2048, 3072]
    repeats = args.repeats or (1 if args.quick else 3)
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{os.cpu_count()} cores, BLAS threads {args.blas_threads or 'default'}\n"
    )
    with tempfile.TemporaryDirectory() as scratch, limits(args.blas_threads):
        folder = Path(scratch)
        print("\n".join(throughput(folder, data_mb, repeats)), end="\n\n", flush=True)
        for name in ("X.npy", "Y.npy"):
            (folder / name).unlink()
        print("\n".join(memory(folder, sizes, args.blas_threads)), end="\n\n", flush=True)
    print("\n".join(data_parallel(args.blas_threads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
