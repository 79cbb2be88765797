# Only the names fnmlp.dask, its tests, example and benchmarks use: see typings/README.md.
from typing import Any

from dask import array as array
from dask import config as config
from dask.delayed import delayed as delayed

def compute(*args: Any, scheduler: str | None = None, **kwargs: Any) -> tuple[Any, ...]: ...
def persist(*args: Any, scheduler: str | None = None, **kwargs: Any) -> tuple[Any, ...]: ...
