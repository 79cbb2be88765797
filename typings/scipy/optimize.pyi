from collections.abc import Callable
from typing import Any

class OptimizeResult(dict[str, Any]):
    x: Any
    fun: Any
    nit: int
    nfev: int
    status: int
    message: str
    success: bool

def minimize(
    fun: Callable[..., Any],
    x0: Any,
    args: tuple[Any, ...] = (),
    method: str | None = None,
    jac: Any = None,
    **kwargs: Any,
) -> OptimizeResult: ...
