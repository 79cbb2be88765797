from typing import Any

import numpy as np
import numpy.typing as npt

def _check_sample_weight(
    sample_weight: Any, X: Any, *, dtype: Any = None, ensure_non_negative: bool = False, copy: bool = False
) -> npt.NDArray[np.floating[Any]]: ...
def check_is_fitted(estimator: Any, attributes: Any = None, *, msg: str | None = None, all_or_any: Any = all) -> None: ...
def column_or_1d(y: Any, *, dtype: Any = None, warn: bool = False, device: Any = None) -> Any: ...
def validate_data(
    _estimator: Any, /, X: Any = "no_validation", y: Any = "no_validation", reset: bool = True,
    validate_separately: Any = False, skip_check_array: bool = False, **check_params: Any
) -> Any: ...
