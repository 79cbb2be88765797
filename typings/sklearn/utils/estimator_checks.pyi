from collections.abc import Callable, Iterable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

def parametrize_with_checks(
    estimators: Iterable[Any],
    *,
    legacy: bool = True,
    expected_failed_checks: Callable[[Any], dict[str, str]] | None = None,
) -> Callable[[_F], _F]: ...
