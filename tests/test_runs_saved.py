"""Whole runs saved and resumed, and runs that refuse to go on with other settings.

``save(state, path)`` writes a :class:`TrainState` to one ``.npz`` file and
``train(load(path, kind=TrainState), ...)`` goes on bit-identically; what
cannot be rebuilt without pickle is refused, saying what to do. A resumed run
keeps its loss, l2, batch size, seed, dropout and schedule (its fingerprint).
"""

from __future__ import annotations

import functools
import pathlib
import zipfile
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest
from typing_extensions import assert_type

import fnmlp
from fnmlp import (
    EarlyStopping,
    Fingerprint,
    HyperparameterError,
    Loss,
    Optimizer,
    Params,
    Schedule,
    SerialisationError,
    TrainResult,
    TrainState,
    adam,
    adamw,
    binary_cross_entropy,
    constant,
    cosine_decay,
    exponential_decay,
    init,
    invscaling,
    load,
    mean_squared_error,
    momentum,
    rmsprop,
    save,
    scan,
    sgd,
    step_decay,
    train,
)
from fnmlp.datasets import moons
from fnmlp.serialisation import Saved

X, Y = moons(48, noise=0.2, seed=0)
X_VAL, Y_VAL = moons(24, noise=0.2, seed=1)
SETTINGS: dict[str, Any] = {"loss": binary_cross_entropy, "batch_size": 16, "log_every": 5}

RATES: dict[str, Callable[[], float | Schedule]] = {
    "float": lambda: 0.05,
    "constant": lambda: constant(0.05),
    "step_decay": lambda: step_decay(0.05, every=7, factor=0.5),
    "exponential_decay": lambda: exponential_decay(0.05, rate=0.99),
    "invscaling": lambda: invscaling(0.05, power_t=0.25),
    "cosine_decay": lambda: cosine_decay(0.05, steps=40, final=0.001),
}
OPTIMISERS: dict[str, Callable[[Any], Optimizer[Any]]] = {
    "sgd": sgd,
    "momentum": lambda lr: momentum(lr, beta=0.8),
    "nesterov": lambda lr: momentum(lr, nesterov=True),
    "rmsprop": lambda lr: rmsprop(lr, rho=0.95, eps=1e-7),
    "adam": adam,
    "adamw": lambda lr: adamw(lr, weight_decay=0.05),
}


def round_trip(state: TrainState[Any], tmp_path: pathlib.Path) -> TrainState[Any]:
    written = save(state, tmp_path / "run")
    assert written.name == "run.npz"
    return load(written, kind=TrainState)


def assert_same_result(a: TrainResult[Any], b: TrainResult[Any]) -> None:
    assert a.params.theta.tobytes() == b.params.theta.tobytes()
    assert a.state.opt_state.count == b.state.opt_state.count
    assert a.history.epochs == b.history.epochs
    assert a.history.train_loss == b.history.train_loss
    assert a.history.validation_loss == b.history.validation_loss
    assert (a.state.best_epoch, a.state.best_loss, a.state.stopped) == (
        b.state.best_epoch,
        b.state.best_loss,
        b.state.stopped,
    )
    assert a.state.best_params.theta.tobytes() == b.state.best_params.theta.tobytes()


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("rate", RATES, ids=str)
@pytest.mark.parametrize("name", OPTIMISERS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_a_saved_run_goes_on_bit_identically(
    tmp_path: pathlib.Path, name: str, rate: str, dtype: type[Any]
) -> None:
    def optimizer() -> Optimizer[Any]:
        return OPTIMISERS[name](RATES[rate]())  # made afresh, as a new process would

    start = init([2, 5, 1], seed=3, dtype=dtype)
    kwargs = {**SETTINGS, "l2": 0.01, "seed": 7}
    first = train(start, X, Y, optimizer=optimizer(), epochs=10, **kwargs)
    loaded = round_trip(first.state, tmp_path)
    assert loaded.params.dtype == np.dtype(dtype) and loaded.epoch == 10
    assert type(loaded.opt_state) is type(first.state.opt_state)
    for field in attrs.fields(type(loaded.opt_state)):
        mine, theirs = (
            getattr(first.state.opt_state, field.name),
            getattr(loaded.opt_state, field.name),
        )
        if isinstance(mine, np.ndarray):
            assert mine.tobytes() == theirs.tobytes() and theirs.dtype == mine.dtype
            assert not theirs.flags.writeable
        elif isinstance(mine, Schedule):
            assert fnmlp.runs.same_schedule(mine, theirs)
        else:
            assert type(mine) is type(theirs) and mine == theirs
    resumed = train(loaded, X, Y, optimizer=optimizer(), epochs=10, **kwargs)
    once = train(start, X, Y, optimizer=optimizer(), epochs=20, **kwargs)
    assert_same_result(resumed, once)


def test_every_field_comes_back(tmp_path: pathlib.Path) -> None:
    kwargs: dict[str, Any] = {
        **SETTINGS,
        "validation": (X_VAL, Y_VAL),
        "early_stopping": EarlyStopping(patience=50),
        "running_loss": False,
    }
    state = train(init([2, 6, 1], seed=1), X, Y, optimizer=adam(0.01), epochs=12, **kwargs).state
    loaded = round_trip(state, tmp_path)
    assert (loaded.epoch, loaded.best_epoch, loaded.best_loss, loaded.stopped) == (
        state.epoch,
        state.best_epoch,
        state.best_loss,
        state.stopped,
    )
    assert loaded.best_params.theta.tobytes() == state.best_params.theta.tobytes()
    assert loaded.log is not None and state.log is not None
    history, before = loaded.history, state.history
    assert history.epochs == before.epochs == (0, 5, 10, 12)
    assert history.train_loss == before.train_loss
    assert history.train_accuracy == before.train_accuracy
    assert history.validation_loss == before.validation_loss
    assert history.validation_accuracy == before.validation_accuracy
    assert loaded.checkpoint is not None and state.checkpoint is not None
    assert loaded.checkpoint[0] == state.checkpoint[0]
    assert loaded.checkpoint[1].theta.tobytes() == state.checkpoint[1].theta.tobytes()
    assert loaded.checkpoint[2].mean.tobytes() == state.checkpoint[2].mean.tobytes()
    assert loaded.fingerprint is not None
    assert loaded.fingerprint.loss is binary_cross_entropy
    assert (loaded.fingerprint.batch_size, loaded.fingerprint.seed) == (16, 0)


def test_a_stopped_run_and_a_run_without_history_or_fingerprint_come_back(
    tmp_path: pathlib.Path,
) -> None:
    kwargs: dict[str, Any] = {
        **SETTINGS,
        "validation": (X_VAL, Y_VAL),
        "early_stopping": EarlyStopping(patience=2),
    }
    stopped = train(init([2, 3, 1], seed=0), X, Y, optimizer=sgd(5.0), epochs=200, **kwargs)
    assert stopped.state.stopped
    loaded = round_trip(stopped.state, tmp_path)
    assert loaded.stopped
    resumed = train(loaded, X, Y, optimizer=sgd(5.0), epochs=5, **kwargs)
    again = train(stopped.state, X, Y, optimizer=sgd(5.0), epochs=5, **kwargs)
    assert_same_result(resumed, again)

    params = init([2, 3, 1], seed=0)
    bare: TrainState[Any] = TrainState(params, sgd(0.1).init(params), 0, params, 0, np.inf, False)
    restored = round_trip(bare, tmp_path)
    assert restored.log is None and restored.checkpoint is None and restored.fingerprint is None
    assert restored.best_loss == np.inf


def test_a_run_file_loads_with_kind_none_and_not_as_params(tmp_path: pathlib.Path) -> None:
    state = train(init([2, 3, 1], seed=0), X, Y, optimizer=sgd(0.1), epochs=2, **SETTINGS).state
    path = save(state, tmp_path / "run")
    assert isinstance(load(path, kind=None), TrainState)
    with pytest.raises(
        SerialisationError, match="the file holds a run; load it with kind=TrainState"
    ):
        load(path)
    with pytest.raises(SerialisationError, match="expected 'fnmlp-run', got 'fnmlp-params'"):
        load(save(state.params, tmp_path / "net"), kind=TrainState)


# ----------------------------------------------------------------------------- what cannot be saved


def sign_rule(
    p: npt.NDArray[Any], g: npt.NDArray[Any], moments: tuple[Any, ...], count: int, decayed: Any
) -> tuple[npt.NDArray[Any], tuple[Any, ...]]:
    return p - 0.01 * np.sign(g), ()


@attrs.frozen
class SignState:
    count: int = 0


def test_a_custom_optimiser_state_is_refused_saying_what_to_do(tmp_path: pathlib.Path) -> None:
    sign: Optimizer[SignState] = Optimizer("sign", lambda params: SignState(), sign_rule)
    state = train(init([2, 3, 1], seed=0), X, Y, optimizer=sign, epochs=2, **SETTINGS).state
    with pytest.raises(SerialisationError) as caught:
        save(state, tmp_path / "run")
    message = str(caught.value)
    assert message.startswith("state.opt_state: expected the state of a built-in optimiser")
    assert "got SignState" in message and "save state.params with fnmlp.save" in message
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file


def test_a_schedule_of_ones_own_is_refused_saying_what_to_do(tmp_path: pathlib.Path) -> None:
    mine = Schedule("halving", lambda t: 0.1 / 2 ** (t // 10))
    state = train(init([2, 3, 1], seed=0), X, Y, optimizer=sgd(mine), epochs=2, **SETTINGS).state
    with pytest.raises(SerialisationError) as caught:
        save(state, tmp_path / "run")
    message = str(caught.value)
    assert message.startswith("state.opt_state.learning_rate: expected a built-in schedule")
    assert "a schedule of your own named 'halving'" in message
    assert "start a new run from them" in message
    # a built-in's function under another name, or with arguments it would refuse, is no built-in
    disguised = Schedule("fast", constant(0.1).fn)
    with pytest.raises(SerialisationError, match="a schedule of your own named 'fast'"):
        save(attrs.evolve(state, opt_state=sgd(disguised).init(state.params)), tmp_path / "x")


def test_a_loss_of_ones_own_is_refused_saying_what_to_do(tmp_path: pathlib.Path) -> None:
    mine = attrs.evolve(binary_cross_entropy, name="my_bce")
    state = train(
        init([2, 3, 1], seed=0),
        X,
        Y,
        optimizer=sgd(0.1),
        epochs=2,
        **{
            **SETTINGS,
            "loss": mine,
        },
    ).state
    with pytest.raises(SerialisationError, match=r"^state.fingerprint.loss: expected a built-in"):
        save(state, tmp_path / "run")


def test_a_state_without_an_optimiser_state_is_refused(tmp_path: pathlib.Path) -> None:
    params = init([2, 3, 1], seed=0)
    state: TrainState[Any] = TrainState(params, None, 0, params, 0, np.inf, False)
    with pytest.raises(SerialisationError, match="got NoneType"):
        save(state, tmp_path / "run")


# ----------------------------------------------------------------------------- tampered run files


def run_file(tmp_path: pathlib.Path) -> pathlib.Path:
    kwargs = {**SETTINGS, "seed": 2}
    optimizer = momentum(cosine_decay(0.1, steps=30))
    state = train(init([2, 3, 1], seed=0), X, Y, optimizer=optimizer, epochs=6, **kwargs).state
    return save(state, tmp_path / "run")


def rewrite(path: pathlib.Path, **changes: Any) -> pathlib.Path:
    with np.load(path, allow_pickle=False) as archive:
        members = {key: archive[key] for key in archive.files}
    for key, value in changes.items():
        if value is None:
            del members[key]
        else:
            members[key] = np.asarray(value)
    out = path.with_name("tampered.npz")
    np.savez(out, **members)
    return out


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        (
            {"opt_kind": "lion"},
            "opt_kind: expected one of ['adam', 'momentum', 'rmsprop', 'sgd'], got 'lion'",
        ),
        ({"opt_beta": np.array(1.5)}, "opt_momentum: beta: expected a number in [0, 1], got 1.5"),
        ({"opt_nesterov": np.array(2)}, "opt_nesterov: expected 0 or 1, got 2"),
        ({"opt_count": np.array(-1)}, "count"),
        (
            {"opt_velocity": np.zeros((1, 5))},
            "opt_velocity: expected a float64 array of shape (1, 13)",
        ),
        ({"opt_velocity": np.full((1, 13), np.nan)}, "opt_velocity"),
        ({"opt_schedule": "warmup"}, "opt_schedule: expected one of"),
        ({"opt_schedule_args": np.array([0.1, 0.0, 2.5])}, "steps: expected a whole number"),
        ({"opt_schedule_args": np.array([-0.1, 0.0, 30.0])}, "learning_rate: expected a positive"),
        ({"opt_schedule": None}, "missing ['opt_learning_rate']"),
        ({"stopped": np.array(3)}, "stopped: expected 0 or 1, got 3"),
        ({"stopped": np.array(2)}, "stopped: expected 0 or 1, got 2"),
        (
            {"fingerprint_dropout": np.array([1.0])},
            "fingerprint_dropout: expected rates in [0, 1), got [1.0]",
        ),
        ({"has_checkpoint": None}, "missing ['has_checkpoint']"),
        ({"has_fingerprint": np.array(0)}, "extra ['fingerprint_batch_size'"),
        ({"checkpoint_theta": None}, "missing ['checkpoint_theta']"),
        ({"best_loss": np.array(np.nan)}, "best_loss: expected a finite float, got nan"),
        ({"best_epoch": np.array(9)}, "best_epoch: expected an int in [0, epoch] = [0, 6], got 9"),
        ({"checkpoint_epoch": np.array(7)}, "checkpoint[0]: expected an epoch in [0, epoch]"),
        ({"log_epochs": np.array([5, 5])}, "log_epochs: expected increasing non-negative epochs"),
        ({"log_values": np.full((2, 4), np.inf)}, "log_values: expected finite numbers"),
        ({"log_entries": np.array(3)}, "log_epochs: expected int epochs of shape (3,)"),
        ({"fingerprint_loss": "hinge"}, "fingerprint_loss: expected one of"),
        ({"fingerprint_seed": np.array(-2)}, "seed: expected a non-negative int, got -2"),
        ({"fingerprint_l2": np.array(np.inf)}, "fingerprint_l2: expected a finite float, got inf"),
        ({"fingerprint_schedule": "", "fingerprint_schedule_args": np.zeros(3)}, "no arguments"),
        ({"theta": np.zeros((1, 12))}, "theta: expected a float64 array of shape (1, 13)"),
        ({"theta": np.zeros((1, 13), np.float32)}, "theta: expected a float64 array as recorded"),
        ({"opt_kind": np.array(["momentum"], dtype=object)}, "Python objects (pickled)"),
        ({"version": np.array(2)}, "expected format version 1, got 2; it was written by a newer"),
        ({"plateau": np.array([1.0, 0.5, np.inf])}, "plateau: expected [scale in [0, 1], best"),
        ({"plateau": np.array([1.0, 0.5, 1e300])}, "plateau: expected [scale in [0, 1], best"),
        ({"plateau": np.array([1.0, 0.5, np.nan])}, "plateau: expected [scale in [0, 1], best"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, str) else None,
)
def test_a_tampered_run_file_is_refused_naming_the_member(
    tmp_path: pathlib.Path, changes: dict[str, Any], fragment: str
) -> None:
    path = rewrite(run_file(tmp_path), **changes)
    if any(isinstance(v, np.ndarray) and v.dtype == object for v in changes.values()):
        with np.load(path, allow_pickle=True) as archive:
            members = {key: archive[key] for key in archive.files}
        np.savez(path, allow_pickle=True, **members)
    with pytest.raises(SerialisationError) as caught:
        load(path, kind=TrainState)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert fragment in message


def test_a_run_file_is_read_without_pickle_and_holds_plain_arrays(tmp_path: pathlib.Path) -> None:
    path = run_file(tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert all(name.endswith(".npy") for name in names)
    with np.load(path, allow_pickle=False) as archive:
        kinds = {archive[key].dtype.kind for key in archive.files}
        assert str(archive["magic"]) == "fnmlp-run" and int(archive["version"]) == 1
    assert kinds <= {"U", "i", "f"}


# ----------------------------------------------------------------------------- fingerprints


def first_run(**changes: Any) -> TrainState[Any]:
    kwargs: dict[str, Any] = {**SETTINGS, "optimizer": sgd(0.1), "l2": 0.01, "seed": 1, **changes}
    return train(init([2, 3, 1], seed=0), X, Y, epochs=3, **kwargs).state


def wrong(value: Any) -> Any:
    """``value``, of a type the checks must refuse, past the type checker."""
    return value


SAME: dict[str, Any] = {**SETTINGS, "optimizer": sgd(0.1), "l2": 0.01, "seed": 1}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seed": 2}, "seed: expected 1, the seed of the run being resumed"),
        ({"batch_size": 8}, "batch_size: expected 16, the batch_size of the run"),
        ({"batch_size": None}, "batch_size: expected 16, the batch_size of the run"),
        ({"l2": 0.02}, "l2: expected 0.01, the l2 of the run"),
        ({"l2": 0.0}, "l2: expected 0.01, the l2 of the run"),
        ({"dropout": 0.5}, "dropout: expected (), the dropout of the run"),
        (
            {"loss": mean_squared_error},
            "loss: expected binary_cross_entropy, the loss of the run being resumed "
            "(its TrainState.fingerprint), got mean_squared_error",
        ),
        (
            {"loss": attrs.evolve(binary_cross_entropy, check=lambda Y, name: None)},
            "got another Loss named binary_cross_entropy (other functions or fields)",
        ),
    ],
    ids=lambda value: str(value)[:30] if isinstance(value, str) else None,
)
@pytest.mark.parametrize("how", ["train", "scan"])
def test_resuming_with_other_settings_is_refused_naming_the_setting(
    changes: dict[str, Any], message: str, how: str
) -> None:
    state = first_run()
    kwargs = {**SAME, **changes}
    with pytest.raises(HyperparameterError) as caught:
        if how == "train":
            train(state, X, Y, epochs=2, **kwargs)
        else:
            scan(state, X, Y, epochs=2, **kwargs)
    text = str(caught.value)
    assert message in text
    assert "to start a new run from its network, call train(state.params, ...) instead" in text
    train(state.params, X, Y, epochs=2, **kwargs)  # a new run from its params is fine


def test_dropout_is_part_of_the_run_and_of_its_file(tmp_path: pathlib.Path) -> None:
    kwargs = {**SAME, "dropout": 0.25}
    state = train(init([2, 4, 3, 1], seed=0), X, Y, epochs=5, **kwargs).state
    assert state.fingerprint is not None and state.fingerprint.dropout == (0.25, 0.25)
    with pytest.raises(HyperparameterError, match=r"^dropout: expected \(0.25, 0.25\)"):
        train(state, X, Y, epochs=1, **{**kwargs, "dropout": [0.25, 0.5]})
    loaded = round_trip(state, tmp_path)
    assert loaded.fingerprint is not None and loaded.fingerprint.dropout == (0.25, 0.25)
    resumed = train(loaded, X, Y, epochs=5, **kwargs)
    once = train(init([2, 4, 3, 1], seed=0), X, Y, epochs=10, **kwargs)
    assert_same_result(resumed, once)
    plain = round_trip(train(init([2, 4, 3, 1], seed=0), X, Y, epochs=1, **SAME).state, tmp_path)
    assert plain.fingerprint is not None and plain.fingerprint.dropout == ()


def test_a_schedule_under_the_same_name_must_be_the_same_function() -> None:
    def halving(rate: float) -> Schedule:
        return Schedule("halving", lambda t: rate / 2 ** (t // 10))

    state = first_run(optimizer=sgd(halving(0.1)))
    # the same closure made again is the same function: the run goes on
    train(state, X, Y, epochs=2, **{**SAME, "optimizer": sgd(halving(0.1))})
    # built-in schedules made again are the same too
    cosine = first_run(optimizer=momentum(cosine_decay(0.1, steps=9)))
    train(cosine, X, Y, epochs=2, **{**SAME, "optimizer": momentum(cosine_decay(0.1, steps=9))})
    for other in (halving(0.2), Schedule("halving", lambda t: 0.1)):
        with pytest.raises(HyperparameterError) as caught:
            train(state, X, Y, epochs=2, **{**SAME, "optimizer": sgd(other)})
        assert str(caught.value).startswith(
            "optimizer: expected the learning-rate schedule 'halving' of the run being resumed"
        )
        assert "train(state.params, ...)" in str(caught.value)


def test_data_epochs_and_logging_may_change_and_the_rate_through_the_optimiser_state() -> None:
    state = first_run()
    X2, Y2 = moons(20, noise=0.1, seed=9)
    other = train(state, X2, Y2, epochs=4, **{**SAME, "log_every": 1, "running_loss": False})
    assert other.state.epoch == 7 and other.state.fingerprint is not None
    # a new learning rate by the optimiser state, as the scikit-learn estimators change it
    faster = attrs.evolve(state, opt_state=attrs.evolve(state.opt_state, learning_rate=0.5))
    done = train(faster, X, Y, epochs=2, **{**SAME, "optimizer": sgd(0.5)})
    assert done.state.opt_state.learning_rate == 0.5


def test_a_state_without_a_fingerprint_resumes_with_any_settings_and_gets_one() -> None:
    state = attrs.evolve(first_run(), fingerprint=None)
    result = train(state, X, Y, epochs=2, **{**SAME, "seed": 5, "batch_size": 4})
    assert result.state.fingerprint is not None
    assert (result.state.fingerprint.seed, result.state.fingerprint.batch_size) == (5, 4)
    with pytest.raises(HyperparameterError, match=r"^seed: expected 5"):
        train(result.state, X, Y, epochs=1, **{**SAME, "batch_size": 4})


def test_every_state_a_run_makes_carries_its_fingerprint() -> None:
    kwargs = {**SAME, "validation": (X_VAL, Y_VAL), "early_stopping": EarlyStopping(patience=9)}
    states = list(scan(init([2, 3, 1], seed=0), X, Y, epochs=4, **kwargs))
    fingerprints = {id(state.fingerprint) for state in states}
    assert len(fingerprints) == 1 and states[0].fingerprint is not None
    fingerprint = states[0].fingerprint
    assert (fingerprint.loss, fingerprint.l2, fingerprint.batch_size, fingerprint.seed) == (
        binary_cross_entropy,
        0.01,
        16,
        1,
    )
    assert fingerprint.schedule is None


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ((mean_squared_error.name, 0.0, None, 0), fnmlp.DTypeError, "loss: expected an fnmlp Loss"),
        ((mean_squared_error, -1.0, None, 0), HyperparameterError, "l2: expected a non-negative"),
        ((mean_squared_error, 0.0, 0, 0), HyperparameterError, "batch_size: expected a positive"),
        ((mean_squared_error, 0.0, None, -1), HyperparameterError, "seed: expected a non-negative"),
        (
            (mean_squared_error, 0.0, None, 0, 0.1),
            fnmlp.DTypeError,
            "schedule: expected a Schedule",
        ),
    ],
)
def test_a_fingerprint_is_checked_when_built(
    fields: tuple[Any, ...], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{message}"):
        Fingerprint(*fields)


def test_a_train_state_checks_its_fingerprint_checkpoint_and_log() -> None:
    state = first_run()
    with pytest.raises(fnmlp.DTypeError, match=r"^fingerprint: expected a Fingerprint or None"):
        attrs.evolve(state, fingerprint=wrong("seed 1"))
    with pytest.raises(fnmlp.DTypeError, match=r"^checkpoint: expected None or \(epoch, params"):
        attrs.evolve(state, checkpoint=wrong((1, 2, 3)))
    with pytest.raises(fnmlp.ShapeError, match=r"^checkpoint\[1\]: expected the layer sizes"):
        attrs.evolve(state, checkpoint=(1, init([2, 4, 1], seed=0), state.opt_state))
    with pytest.raises(fnmlp.DTypeError, match=r"^log: expected None or a log"):
        attrs.evolve(state, log=wrong([1, 2]))


def test_loss_equality_is_by_fields_so_a_pickled_or_rebuilt_loss_is_the_same() -> None:
    import pickle

    state = first_run()
    thawed: Loss = pickle.loads(pickle.dumps(binary_cross_entropy))
    train(state, X, Y, epochs=1, **{**SAME, "loss": thawed})
    rebuilt = attrs.evolve(binary_cross_entropy)  # every field the built-in's
    assert rebuilt is not binary_cross_entropy
    train(state, X, Y, epochs=1, **{**SAME, "loss": rebuilt})


def test_same_schedule_compares_partials_and_closures() -> None:
    same = fnmlp.runs.same_schedule
    assert same(step_decay(0.1, every=3), step_decay(0.1, every=3))
    assert not same(step_decay(0.1, every=3), step_decay(0.1, every=4))
    assert not same(
        Schedule("a", functools.partial(max, 1)), Schedule("a", functools.partial(min, 1))
    )
    assert not same(constant(0.1), Schedule("constant 0.1", lambda t: 0.1))


def test_load_is_typed_by_its_kind(tmp_path: pathlib.Path) -> None:
    """The return type follows ``kind`` (checked by the project's mypy run over the tests)."""
    state = first_run()
    run_path = save(state, tmp_path / "run")
    net_path = save(state.params, tmp_path / "net")
    assert_type(load(run_path, kind=TrainState), TrainState[Any])
    assert_type(load(net_path), Params[Any])
    assert_type(load(run_path, kind=None), Saved)
    wrong_params: Params[Any] = load(run_path, kind=TrainState)  # type: ignore[assignment]
    wrong_state: TrainState[Any] = load(net_path)  # type: ignore[assignment]
    either: TrainState[Any] = load(run_path, kind=None)  # type: ignore[assignment]
    assert isinstance(wrong_params, TrainState) and isinstance(either, TrainState)
    assert isinstance(wrong_state, Params)
    with pytest.raises(SerialisationError):
        load(net_path, kind=TrainState)
