from typing import Any

import numpy as np
import numpy.typing as npt

def train_test_split(
    *arrays: Any,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    random_state: Any = None,
    shuffle: bool = True,
    stratify: Any = None,
) -> list[Any]: ...
def cross_val_score(estimator: Any, X: Any, y: Any = None, **kwargs: Any) -> npt.NDArray[np.float64]: ...

class GridSearchCV:
    best_estimator_: Any
    best_score_: float
    best_params_: dict[str, Any]
    def __init__(self, estimator: Any, param_grid: Any, **kwargs: Any) -> None: ...
    def fit(self, X: Any, y: Any = None, **params: Any) -> GridSearchCV: ...
