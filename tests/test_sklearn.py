"""fnmlp.sklearn: scikit-learn's estimator checks, equivalence with its MLPs, and what users rely on.

The equivalence tests start both libraries from the same initial weights
(fnmlp draws scikit-learn's Glorot-uniform weights in its order), so where the
batches are the same (``shuffle=False``, or one batch holding the whole set)
the two runs agree to rounding; with shuffled mini-batches each library
shuffles its own way and the test accuracy or R2 is compared over seeds.
Every test runs on one BLAS thread: the machines that run the suite are shared.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from sklearn import datasets, neural_network
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

import fnmlp
import fnmlp.sklearn as fnmlp_sklearn
from fnmlp.sklearn import MLPClassifier, MLPRegressor


@pytest.fixture(autouse=True)
def one_blas_thread() -> Iterator[None]:
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def quiet_fit(model: Any, X: Any, y: Any) -> Any:
    """``model.fit(X, y)`` with ConvergenceWarning silenced (short runs on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def scaled_split(X: Any, y: Any, seed: int = 0) -> tuple[Any, Any, Any, Any]:
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


# ----------------------------------------------------------------------------- packaging


def test_import_fnmlp_does_not_import_sklearn() -> None:
    code = "import sys, fnmlp; print(any(m.split('.')[0] in ('sklearn', 'scipy') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- estimator checks


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
def test_sklearn_estimator_checks(estimator: Any, check: Callable[[Any], None]) -> None:
    # Every check passes, the sample-weight ones included (an integer weight is a repeated row).
    # ConvergenceWarning: the checks fit tiny data for the default 200 epochs, not to converge
    check(estimator)


# ----------------------------------------------------------------------------- equivalence


def same_run(ours: Any, theirs: Any, X: Any, y: Any, rtol: float) -> None:
    quiet_fit(ours, X, y)
    quiet_fit(theirs, X, y)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=rtol)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="sgd", learning_rate_init=0.05),
        dict(solver="sgd", learning_rate_init=0.05, momentum=0.0, learning_rate="invscaling"),
        dict(solver="sgd", learning_rate_init=0.05, nesterovs_momentum=False, alpha=0.01),
        # epsilon: fnmlp adds it to the corrected root, scikit-learn to the uncorrected one
        dict(
            solver="adam", learning_rate_init=0.01, activation="tanh", batch_size=64, epsilon=1e-14
        ),
        dict(solver="lbfgs", activation="logistic"),
    ],
    ids=["sgd", "invscaling", "momentum-alpha", "adam", "lbfgs"],
)
def test_classifier_steps_are_sklearns(settings: dict[str, Any]) -> None:
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    common: dict[str, Any] = dict(
        hidden_layer_sizes=(12,), max_iter=15, shuffle=False, random_state=3
    )
    ours = MLPClassifier(**common, **settings)
    theirs = neural_network.MLPClassifier(**common, **settings)
    same_run(ours, theirs, X, y, rtol=1e-8)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_regressor_steps_are_sklearns(solver: str) -> None:
    X, y = datasets.make_regression(120, 6, n_targets=3, noise=1.0, random_state=0)
    y = y / y.std()
    common: dict[str, Any] = dict(
        hidden_layer_sizes=(10,),
        max_iter=10,
        shuffle=False,
        random_state=1,
        solver=solver,
        learning_rate_init=0.01,
        alpha=0.1,
        batch_size=40,
        epsilon=1e-14,
    )
    same_run(MLPRegressor(**common), neural_network.MLPRegressor(**common), X, y, rtol=1e-8)


@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="sgd", learning_rate_init=0.05),
        dict(solver="adam", learning_rate_init=0.01, epsilon=1e-14),
        dict(solver="adam", learning_rate_init=0.01, epsilon=1e-14, early_stopping=True),
        dict(solver="lbfgs"),
    ],
    ids=["sgd", "adam", "early-stopping", "lbfgs"],
)
@pytest.mark.parametrize("task", ["classifier", "regressor"])
def test_weighted_steps_are_sklearns(task: str, settings: dict[str, Any]) -> None:
    # Batches of unequal weight sums (some weights zero): each batch's weighted mean loss,
    # and its penalty alpha / (2 sum of its weights), as scikit-learn's.
    rng = np.random.default_rng(0)
    ours: type[Any]
    theirs: type[Any]
    if task == "classifier":
        X, y = datasets.load_wine(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        ours, theirs = MLPClassifier, neural_network.MLPClassifier
    else:
        X, y = datasets.make_regression(150, 6, n_targets=2, noise=1.0, random_state=0)
        y = y / y.std()
        ours, theirs = MLPRegressor, neural_network.MLPRegressor
    weights = rng.choice([0.0, 0.5, 1.0, 3.0], size=len(y))
    common: dict[str, Any] = dict(
        hidden_layer_sizes=(10,),
        max_iter=12,
        shuffle=False,
        random_state=2,
        alpha=0.5,
        batch_size=40,
        **settings,
    )
    mine, ref = ours(**common), theirs(**common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mine.fit(X, y, sample_weight=weights)
        ref.fit(X, y, sample_weight=weights)
    assert mine.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(mine.loss_, ref.loss_, rtol=1e-8)
    if settings.get("early_stopping"):
        assert mine.validation_scores_ is not None
        np.testing.assert_allclose(mine.validation_scores_, ref.validation_scores_, rtol=1e-8)
    for a, b in zip(mine.coefs_ + mine.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8)


def test_weighted_full_batches_through_scan_are_sklearns() -> None:
    # Shuffled dense data go through fnmlp.scan with the weights; one batch holds the whole
    # set, so the order does not matter (beyond rounding) and the penalty is exact.
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    weights = np.random.default_rng(1).uniform(0.0, 2.0, size=len(y))
    common: dict[str, Any] = dict(
        hidden_layer_sizes=(8,),
        max_iter=10,
        random_state=0,
        alpha=0.3,
        batch_size=569,
        learning_rate_init=0.01,
        epsilon=1e-14,
    )
    mine, ref = MLPClassifier(**common), neural_network.MLPClassifier(**common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mine.fit(X, y, sample_weight=weights)
        ref.fit(X, y, sample_weight=weights)
    # the epoch's penalty is measured after its step (scikit-learn: before), hence the rtol
    np.testing.assert_allclose(mine.loss_curve_, ref.loss_curve_, rtol=1e-3)
    for a, b in zip(mine.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8)


def test_weights_steer_shuffled_mini_batches() -> None:
    # Shuffled mini-batches (fnmlp's own shuffle): a class weighted up is predicted more
    # often, a class weighted to zero is (almost) never predicted.
    X, y = datasets.load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(8,),
        max_iter=40,
        batch_size=16,
        learning_rate_init=0.01,
        random_state=0,
    )
    plain = quiet_fit(MLPClassifier(**settings), X, y)
    ignored = MLPClassifier(**settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ignored.fit(X, y, sample_weight=np.where(y == 1, 0.0, 1.0))
    assert np.mean(plain.predict(X) == 1) > 0.2
    assert np.mean(ignored.predict(X) == 1) < 0.05


CLASSIFICATION = {
    "digits": datasets.load_digits,
    "breast_cancer": datasets.load_breast_cancer,
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
}


@pytest.mark.parametrize("name", list(CLASSIFICATION))
def test_classifier_accuracy_as_sklearns(name: str) -> None:
    # Shuffled mini-batches, each library its own shuffle: the mean test accuracy over
    # 5 seeds is at least scikit-learn's mean minus one standard deviation (of its seeds).
    X, y = CLASSIFICATION[name](return_X_y=True)
    X_train, X_test, y_train, y_test = scaled_split(X, y)
    settings: dict[str, Any] = dict(hidden_layer_sizes=(32,), max_iter=30, batch_size=32)
    ours, theirs = [], []
    for seed in range(5):
        model = quiet_fit(MLPClassifier(**settings, random_state=seed), X_train, y_train)
        ours.append(model.score(X_test, y_test))
        ref = neural_network.MLPClassifier(**settings, random_state=seed)
        theirs.append(quiet_fit(ref, X_train, y_train).score(X_test, y_test))
    assert np.mean(ours) >= np.mean(theirs) - np.std(theirs) - 1e-12, (ours, theirs)


@pytest.mark.parametrize("name", ["diabetes", "make_regression"])
def test_regressor_r2_as_sklearns(name: str) -> None:
    if name == "diabetes":
        X, y = datasets.load_diabetes(return_X_y=True)
    else:
        X, y = datasets.make_regression(400, 10, noise=5.0, random_state=0)
    X_train, X_test, y_train, y_test = scaled_split(X, y / np.std(y))
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(32,), max_iter=40, batch_size=32, learning_rate_init=0.01
    )
    ours, theirs = [], []
    for seed in range(5):
        model = quiet_fit(MLPRegressor(**settings, random_state=seed), X_train, y_train)
        ours.append(model.score(X_test, y_test))
        ref = neural_network.MLPRegressor(**settings, random_state=seed)
        theirs.append(quiet_fit(ref, X_train, y_train).score(X_test, y_test))
    assert np.mean(ours) >= np.mean(theirs) - np.std(theirs) - 1e-12, (ours, theirs)


# ----------------------------------------------------------------------------- where users live


def test_pipeline_in_grid_search_and_cross_validation() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), solver="lbfgs", random_state=0))
    grid = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1.0]}, cv=3, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
        scores = cross_val_score(pipe, X, y, cv=3)
    assert grid.best_score_ > 0.9 and scores.mean() > 0.9
    assert isinstance(grid.best_estimator_[-1].params_, fnmlp.Params)


def test_string_labels_binary_multiclass_and_multilabel() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = quiet_fit(MLPClassifier((8,), solver="lbfgs", random_state=0), X, names)
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]
    assert model.out_activation_ == "softmax" and model.predict(X[:3]).dtype == names.dtype
    proba = model.predict_proba(X)
    assert proba.flags.writeable  # the caller's array, as scikit-learn hands it out
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba))
    binary = quiet_fit(MLPClassifier((8,), solver="lbfgs", random_state=0), X, names == "setosa")
    assert binary.out_activation_ == "logistic" and binary.predict_proba(X).shape == (150, 2)
    assert binary.score(X, names == "setosa") == 1.0
    Y = np.column_stack([y == 0, y == 2]).astype(int)
    multi = quiet_fit(MLPClassifier((8,), solver="lbfgs", random_state=0), X, Y)
    assert multi.n_outputs_ == 2 and multi.predict(X).shape == (150, 2)
    assert multi.score(X, Y) > 0.9


def test_dataframe_and_feature_names() -> None:
    pd = pytest.importorskip("pandas")
    frame = datasets.load_wine(as_frame=True)
    X, y = frame.data, frame.target
    model = quiet_fit(MLPClassifier((8,), max_iter=20, random_state=0), X, y)
    assert list(model.feature_names_in_) == list(X.columns) and model.n_features_in_ == 13
    assert model.predict(X.iloc[:5]).shape == (5,)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(pd.DataFrame(X.values, columns=[f"x{i}" for i in range(13)]))


def test_sparse_csr_is_densified_one_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = datasets.make_classification(300, 20, random_state=0)
    X[np.abs(X) < 1.0] = 0.0
    sparse = scipy.sparse.csr_matrix(X)
    densified: list[int] = []
    toarray = scipy.sparse.csr_matrix.toarray

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        densified.append(self.shape[0])
        return toarray(self, *args, **kwargs)

    monkeypatch.setattr(scipy.sparse.csr_matrix, "toarray", counted)
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(8,), max_iter=10, batch_size=50, random_state=0, learning_rate_init=0.01
    )
    for shuffle in (False, True):
        on_sparse = quiet_fit(MLPClassifier(**settings, shuffle=shuffle), sparse, y)
        assert densified and max(densified) == 50  # one batch at a time
        on_dense = quiet_fit(MLPClassifier(**settings, shuffle=shuffle), X, y)
        if not shuffle:  # the same batches: the same run
            for a, b in zip(on_sparse.coefs_, on_dense.coefs_):
                np.testing.assert_array_equal(a, b)
        densified.clear()
        assert on_sparse.score(sparse, y) > 0.7
        assert max(densified) <= fnmlp_sklearn.ROWS  # predictions in slices of ROWS examples
        densified.clear()
    lbfgs = MLPClassifier((8,), solver="lbfgs", max_iter=20, random_state=0)
    monkeypatch.setattr(fnmlp_sklearn, "ROWS", 64)
    quiet_fit(lbfgs, sparse, y)
    assert 0 < max(densified) <= 64 and lbfgs.score(X, y) > 0.8
    dense = quiet_fit(MLPClassifier((8,), solver="lbfgs", max_iter=20, random_state=0), X, y)
    np.testing.assert_allclose(lbfgs.coefs_[0], dense.coefs_[0], rtol=1e-8, atol=1e-10)


def test_partial_fit_resumes_bit_identically() -> None:
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(8,), random_state=0, tol=0.0, n_iter_no_change=99
    )
    once = quiet_fit(MLPClassifier(**settings, max_iter=4), X, y)
    stepwise = MLPClassifier(**settings)
    for _ in range(4):
        stepwise.partial_fit(X, y, classes=[0, 1])
    for a, b in zip(once.coefs_, stepwise.coefs_):
        np.testing.assert_array_equal(a, b)
    assert once.loss_curve_ == stepwise.loss_curve_ and stepwise.t_ == 4 * len(y)
    # chunks, with a pickle of the run in the middle, as one uninterrupted run
    chunks = np.array_split(np.arange(len(y)), 3)
    whole = MLPClassifier(**settings).partial_fit(X[chunks[0]], y[chunks[0]], classes=[0, 1])
    resumed = pickle.loads(pickle.dumps(whole))
    for rows in chunks[1:]:
        whole.partial_fit(X[rows], y[rows])
        resumed.partial_fit(X[rows], y[rows])
    assert whole.state_.epoch == resumed.state_.epoch == 3
    for a, b in zip(whole.params_.layers, resumed.params_.layers):
        np.testing.assert_array_equal(a.W, b.W)


def test_partial_fit_needs_classes_and_a_stochastic_solver() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X, y)
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    with pytest.raises(ValueError, match=r"not in `self\.classes_`"):
        MLPClassifier().partial_fit(X[:100], y[:100], classes=[0, 1]).partial_fit(X, y)


def test_warm_start_resumes_bit_identically() -> None:
    X, y = datasets.make_regression(200, 5, noise=1.0, random_state=0)
    y = y / y.std()
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(8,),
        random_state=0,
        tol=0.0,
        n_iter_no_change=99,
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.05,
        batch_size=32,
    )
    once = quiet_fit(MLPRegressor(**settings, max_iter=12), X, y)
    model = quiet_fit(MLPRegressor(**settings, max_iter=5, warm_start=True), X, y)
    quiet_fit(model.set_params(max_iter=7), X, y)
    for a, b in zip(once.coefs_ + once.intercepts_, model.coefs_ + model.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert model.loss_curve_ == once.loss_curve_ and model.n_iter_ == 7 and model.t_ == 2400


def test_early_stopping_keeps_the_best_validation_score() -> None:
    X, y = datasets.load_digits(return_X_y=True)
    model = MLPClassifier(
        (16,),
        early_stopping=True,
        n_iter_no_change=3,
        max_iter=200,
        learning_rate_init=0.01,
        random_state=0,
    )
    model.fit(X / 16, y)
    assert model.validation_scores_ is not None
    assert model.n_iter_ < 200 and len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_) > 0.9
    best = int(np.argmax(model.validation_scores_))
    assert model.n_iter_ - best - 1 == 4  # stalls counted past n_iter_no_change
    ref = neural_network.MLPClassifier(
        (16,), early_stopping=True, n_iter_no_change=3, learning_rate_init=0.01, random_state=0
    ).fit(X / 16, y)
    assert abs(model.best_validation_score_ - ref.best_validation_score_) < 0.03
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=np.arange(10))


def test_adaptive_rate_divides_by_five_when_stalled() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.1,
        tol=10.0,
        n_iter_no_change=1,
        max_iter=30,
        random_state=0,
    )
    model = MLPClassifier(**settings).fit(X, y)  # every epoch after the first stalls by tol=10
    # the first division after 3 epochs, then one every 2, the eighth to 0.1 / 5**8 < 1e-6
    assert model.n_iter_ == 19 == neural_network.MLPClassifier(**settings).fit(X, y).n_iter_
    assert model.state_.opt_state.learning_rate == pytest.approx(0.1 / 5**8)


def test_lbfgs_honours_max_iter_and_max_fun() -> None:
    X, y = datasets.load_diabetes(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        model = MLPRegressor(
            hidden_layer_sizes=(16,), solver="lbfgs", max_iter=5, random_state=0
        ).fit(X, y)
    assert model.n_iter_ == 5 and not hasattr(model, "loss_curve_")
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_fun=3, random_state=0).fit(X, y)


def test_convergence_warning_when_max_iter_is_reached() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        MLPClassifier(max_iter=3).fit(X, y)


def test_joblib_round_trip_and_clone() -> None:
    joblib = pytest.importorskip("joblib")
    X, y = datasets.load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = quiet_fit(MLPClassifier((8,), max_iter=10, random_state=0, dtype=np.float32), X, y)
    path = pytest.importorskip("pathlib").Path(pytest.importorskip("tempfile").mkdtemp())
    joblib.dump(model, path / "model.joblib")
    loaded = joblib.load(path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.params_.dtype == np.float32 and loaded.coefs_[0].dtype == np.float32
    fresh = clone(model).set_params(max_iter=5)
    assert fresh.get_params()["dtype"] is np.float32 and not hasattr(fresh, "params_")


def test_bad_input_follows_sklearn_conventions() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier().fit(bad, y)
    model = MLPClassifier((4,), solver="lbfgs", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
    with pytest.raises(fnmlp.HyperparameterError, match=r"momentum: expected a number in \[0, 1\]"):
        MLPClassifier(solver="sgd", momentum=1.5).fit(X, y)
    with pytest.raises(fnmlp.HyperparameterError, match="activation: expected one of"):
        MLPClassifier(activation="softplus").fit(X, y)
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        MLPClassifier().fit(X, y, sample_weight=np.arange(150.0) - 1)
    few = np.zeros(150)
    few[:3] = 1.0  # shuffled batches of 2 that draw only zero weights: a zero gradient
    drawn = MLPClassifier((4,), batch_size=2, max_iter=3, random_state=0, solver="sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        drawn.fit(X, y, sample_weight=few)
    assert drawn.n_iter_ == 3 and all(np.isfinite(drawn.loss_curve_))
    assert all(np.isfinite(w).all() for w in drawn.coefs_)
    with pytest.raises(ValueError, match="at least one non-zero"):
        MLPClassifier().fit(X, y, sample_weight=np.zeros(150))


def test_equal_sample_weights_scale_alpha_as_sklearn() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    common: dict[str, Any] = dict(
        hidden_layer_sizes=(6,), solver="lbfgs", alpha=1.0, max_iter=20, random_state=0
    )
    weighted = MLPClassifier(**common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted.fit(X, y, sample_weight=np.full(150, 2.0))
        halved = MLPClassifier(**{**common, "alpha": 0.5}).fit(X, y)
    for a, b in zip(weighted.coefs_, halved.coefs_):
        np.testing.assert_array_equal(a, b)


def test_fitted_attributes_are_params() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    model = quiet_fit(MLPClassifier((5, 4), max_iter=3, random_state=0), X, y)
    assert [c.shape for c in model.coefs_] == [(4, 5), (5, 4), (4, 3)]
    assert [b.shape for b in model.intercepts_] == [(5,), (4,), (3,)]
    assert model.n_layers_ == 4 and model.n_outputs_ == 3 and model.t_ == 450
    for coef, layer in zip(model.coefs_, model.params_.layers):
        np.testing.assert_array_equal(coef, layer.W.T)
        assert coef.flags.writeable and not np.shares_memory(coef, layer.W)
    assert isinstance(model.state_, fnmlp.TrainState) and model.state_.epoch == 3
    assert len(model.loss_curve_) == 3 and model.best_loss_ == min(model.loss_curve_)


# ----------------------------------------------------------------------------- scikit-learn 1.9


def sklearn_outputs(model: Any, X: Any) -> Any:
    """scikit-learn's forward pass over ``model.coefs_`` and ``model.intercepts_``."""
    functions: dict[str, Callable[[Any], Any]] = {
        "relu": lambda Z: np.maximum(Z, 0),
        "identity": lambda Z: Z,
        "exp": np.exp,
        "softmax": lambda Z: (
            np.exp(Z - Z.max(1, keepdims=True))
            / np.exp(Z - Z.max(1, keepdims=True)).sum(1, keepdims=True)
        ),
    }
    A = X
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        last = i == len(model.coefs_) - 1
        A = functions[model.out_activation_ if last else model.activation](A @ W + b)
    return A


def test_edited_coefs_are_the_model_as_in_sklearn() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    model = quiet_fit(MLPClassifier((6,), max_iter=20, random_state=0), X, y)
    params = model.params_
    before = model.predict_proba(X)
    model.coefs_[1][:, 0] += 5.0  # in place: class 0 gets far more likely
    edited = model.predict_proba(X)
    np.testing.assert_allclose(edited, sklearn_outputs(model, X), rtol=1e-12)
    assert edited[:, 0].mean() > before[:, 0].mean() + 0.2
    assert model.params_ is params  # predicting reads coefs_ but changes nothing
    model.coefs_ = [np.zeros_like(c) for c in model.coefs_]  # reassigned
    model.intercepts_ = [*model.intercepts_[:-1], np.array([0.0, 0.0, 1.0])]
    assert (model.predict(X) == 2).all() and model.score(X, y) == pytest.approx(1 / 3)


def test_fits_resume_from_edited_coefs_as_sklearn() -> None:
    X, y = datasets.make_regression(80, 4, noise=1.0, random_state=0)
    y = y / y.std()
    common: dict[str, Any] = dict(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate_init=0.01,
        shuffle=False,
        random_state=0,
        batch_size=20,
    )
    ours, theirs = MLPRegressor(**common), neural_network.MLPRegressor(**common)
    for model in (ours, theirs):
        model.partial_fit(X, y)
        model.coefs_[0][0, :] = 0.5  # in place
        model.intercepts_[1] = model.intercepts_[1] + 1.0  # reassigned
        model.partial_fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=1e-8)
    np.testing.assert_array_equal(ours.params_.layers[0].W.T, ours.coefs_[0])  # params_ follows
    # warm_start and lbfgs start from the edited network too
    warm = quiet_fit(MLPRegressor(**{**common, "max_iter": 3, "warm_start": True}), X, y)
    ref = quiet_fit(
        neural_network.MLPRegressor(**{**common, "max_iter": 3, "warm_start": True}), X, y
    )
    for model in (warm, ref):
        model.coefs_ = [c * 0.5 for c in model.coefs_]
        quiet_fit(model.set_params(solver="lbfgs"), X, y)
    for a, b in zip(warm.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_signatures_are_sklearns() -> None:
    import inspect

    def parameters(function: Any) -> list[tuple[str, Any, Any]]:
        return [
            (p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()
        ]

    for ours, theirs in [
        (MLPRegressor.__init__, neural_network.MLPRegressor.__init__),
        (MLPClassifier.__init__, neural_network.MLPClassifier.__init__),
    ]:
        assert parameters(ours)[:-1] == parameters(theirs)  # fnmlp's own dtype comes last
        assert parameters(ours)[-1][0] == "dtype"
    assert parameters(MLPClassifier().partial_fit) == parameters(
        neural_network.MLPClassifier().partial_fit
    )
    assert parameters(MLPRegressor().partial_fit) == parameters(
        neural_network.MLPRegressor().partial_fit
    )
    assert MLPRegressor("poisson", (7,)).get_params()["hidden_layer_sizes"] == (7,)


def test_partial_fit_takes_sample_weight_before_classes() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    weights = np.where(y == 0, 2.0, 1.0)
    positional = MLPClassifier((4,), random_state=0).partial_fit(X, y, weights, [0, 1, 2])
    named = MLPClassifier((4,), random_state=0)
    named.partial_fit(X, y, classes=[0, 1, 2], sample_weight=weights)
    np.testing.assert_array_equal(positional.coefs_[0], named.coefs_[0])


def poisson_problem() -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1])).astype(float)
    return X, y


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_poisson_steps_are_sklearns(solver: str) -> None:
    X, y = poisson_problem()
    common: dict[str, Any] = dict(
        loss="poisson",
        hidden_layer_sizes=(6,),
        solver=solver,
        max_iter=10,
        shuffle=False,
        random_state=0,
        learning_rate_init=0.01,
        alpha=0.1,
        batch_size=40,
        epsilon=1e-14,
    )
    ours, theirs = MLPRegressor(**common), neural_network.MLPRegressor(**common)
    same_run(ours, theirs, X, y, rtol=1e-8)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-8)
    Y2 = np.column_stack([y, 2 * y])  # two outputs: scikit-learn sums the deviance over them
    same_run(MLPRegressor(**common), neural_network.MLPRegressor(**common), X, Y2, rtol=1e-8)


def test_poisson_gradient_checks_and_needs_counts() -> None:
    X, y = poisson_problem()
    params = fnmlp.init([3, 4, 2], seed=0, output=fnmlp_sklearn.exponential)
    Y = np.vstack([y[:8], y[8:16]])
    check = fnmlp.gradient_check(params, X[:8].T, Y, fnmlp_sklearn.half_poisson_deviance)
    assert check.passed(), check
    assert fnmlp.losses.fuses(fnmlp_sklearn.half_poisson_deviance, fnmlp_sklearn.exponential)
    # the unfused chain rule (dJ/dYhat, then exp's derivative) is the fused delta
    Z = np.array([[0.3, -1.0, 2.0]])
    A, T = np.exp(Z), np.array([[1.0, 0.0, 4.0]])
    chain = fnmlp_sklearn.exponential.derivative(
        Z, A, fnmlp_sklearn.half_poisson_deviance.gradient(A, T)
    )
    np.testing.assert_allclose(chain, (A - T) / 3, rtol=1e-12)
    with pytest.raises(fnmlp.LabelError, match=r"loss='poisson' expects targets >= 0"):
        MLPRegressor(loss="poisson").fit(X, y - 1)
    with pytest.raises(fnmlp.HyperparameterError, match="loss: expected one of"):
        MLPRegressor(loss="absolute_error").fit(X, y)
    with pytest.raises(fnmlp.HyperparameterError, match=r"pass hidden_layer_sizes=\(4,\)"):
        MLPRegressor((4,)).fit(X, y)  # type: ignore[arg-type]  # the old positional call
    model = quiet_fit(MLPRegressor(loss="poisson", max_iter=5, random_state=0), X, y)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), model.predict(X))


def test_float32_data_trains_and_predicts_in_float32_as_sklearn() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    X32 = X.astype(np.float32)
    for theirs, ours in [
        (neural_network.MLPClassifier, MLPClassifier),
        (neural_network.MLPRegressor, MLPRegressor),
    ]:
        ref = quiet_fit(theirs(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X32, y)
        model = quiet_fit(ours(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X32, y)
        assert model.params_.dtype == model.coefs_[0].dtype == ref.coefs_[0].dtype == np.float32
        method = "predict_proba" if hasattr(ref, "predict_proba") else "predict"
        for data in (X32, X):  # float64 data meets float32 weights in float64, as in scikit-learn
            assert getattr(model, method)(data).dtype == getattr(ref, method)(data).dtype
        forced = quiet_fit(
            ours(hidden_layer_sizes=(4,), max_iter=3, random_state=0, dtype=np.float64), X32, y
        )
        assert forced.coefs_[0].dtype == np.float64
        plain = quiet_fit(ours(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, y)
        assert plain.coefs_[0].dtype == np.float64


def test_parameter_ranges_are_sklearns() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    quiet_fit(MLPClassifier((4,), solver="sgd", momentum=1.0, max_iter=2), X, y)
    quiet_fit(MLPClassifier((4,), validation_fraction=0.0, max_iter=2), X, y)
    for name, value in [("beta_1", 1.0), ("beta_2", 1.0), ("validation_fraction", 1.0)]:
        with pytest.raises(
            fnmlp.HyperparameterError, match=rf"{name}: expected a number in \[0, 1\)"
        ):
            settings: dict[str, Any] = {name: value}
            MLPClassifier(**settings).fit(X, y)
    # scikit-learn's train_test_split refuses a test_size of 0; fnmlp says which parameter it is
    with pytest.raises(fnmlp.HyperparameterError, match=r"validation_fraction: .* \(0, 1\) with"):
        MLPClassifier(early_stopping=True, validation_fraction=0.0).fit(X, y)
