"""The members of an optimiser's state and of a learning-rate schedule, written and read back.

Only the built-in optimisers and schedules are stored, by name and numbers,
so that a run file is read without pickle; each is rebuilt through its public
constructor, which checks the recorded settings as it checks a user's.
"""

from __future__ import annotations

import functools
import math
import pathlib
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from fnmlp._npz import (
    float_member,
    floats,
    int_member,
    read_member,
    scalar_float,
    scalar_int,
    scalar_str,
)
from fnmlp.errors import FnmlpError, SerialisationError
from fnmlp.optimisers import (
    AdamState,
    MomentumState,
    RMSPropState,
    SgdState,
    adamw,
    momentum,
    rmsprop,
    sgd,
)
from fnmlp.records import Params
from fnmlp.runs import same_schedule
from fnmlp.schedules import (
    Schedule,
    constant,
    cosine_decay,
    exponential_decay,
    invscaling,
    step_decay,
)

WHAT_TO_DO = (
    "save state.params with fnmlp.save instead and start a new run from them, "
    "or keep the state in memory (pickle, at your own risk with untrusted files)"
)


Builder = Callable[[list[float]], Schedule]


def _build_constant(a: list[float]) -> Schedule:
    return constant(a[0])


def _build_step_decay(a: list[float]) -> Schedule:
    return step_decay(a[0], factor=a[1], every=whole(a[2], "every"))


def _build_exponential_decay(a: list[float]) -> Schedule:
    return exponential_decay(a[0], rate=a[1])


def _build_invscaling(a: list[float]) -> Schedule:
    return invscaling(a[0], power_t=a[1])


def _build_cosine_decay(a: list[float]) -> Schedule:
    return cosine_decay(a[0], final=a[1], steps=whole(a[2], "steps"))


def whole(value: float, name: str) -> int:
    if not (math.isfinite(value) and value == int(value)):
        raise SerialisationError(f"{name}: expected a whole number of steps, got {value!r}")
    return int(value)


# The built-in schedules: the name a file records, the module-level function
# each is a partial of (by name, in fnmlp.schedules) and how to rebuild it from
# the partial's arguments through the public constructor, which checks them.
SCHEDULES: dict[str, tuple[str, int, Builder]] = {
    "constant": ("_constant", 1, _build_constant),
    "step_decay": ("_step_decay", 3, _build_step_decay),
    "exponential_decay": ("_exponential_decay", 2, _build_exponential_decay),
    "invscaling": ("_invscaling", 2, _build_invscaling),
    "cosine_decay": ("_cosine_decay", 3, _build_cosine_decay),
}


# Each built-in optimiser state: the name a file records, its settings besides
# the learning rate (a bool for nesterov, floats else) and its moments.
OPTIMISERS: dict[type[Any], tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    SgdState: ("sgd", (), ()),
    MomentumState: ("momentum", ("beta", "nesterov"), ("velocity",)),
    RMSPropState: ("rmsprop", ("rho", "eps"), ("square",)),
    AdamState: ("adam", ("beta1", "beta2", "eps", "weight_decay"), ("mean", "square")),
}
OPTIMISER_NAMES = {name: kind for kind, (name, _, _) in OPTIMISERS.items()}


def schedule_kind(schedule: Schedule, name: str) -> tuple[str, list[float]]:
    """The name and arguments that rebuild a built-in ``schedule``, or ``SerialisationError``."""
    fn = schedule.fn
    if isinstance(fn, functools.partial) and getattr(fn.func, "__module__", None) == (
        "fnmlp.schedules"
    ):
        for kind, (function, arity, build) in SCHEDULES.items():
            args = fn.args
            if fn.func.__name__ != function or len(args) != arity or fn.keywords:
                continue
            if all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
                values = [float(a) for a in args]
                try:
                    rebuilt = build(values)
                except FnmlpError:
                    break
                if same_schedule(rebuilt, schedule):
                    return kind, values
            break
    raise SerialisationError(
        f"{name}: expected a built-in schedule ({', '.join(SCHEDULES)}) that load can "
        f"rebuild without pickle, got a schedule of your own named {schedule.name!r}: "
        f"{WHAT_TO_DO}"
    )


def rate_members(prefix: str, rate: object, name: str) -> dict[str, npt.NDArray[Any]]:
    if isinstance(rate, Schedule):
        kind, values = schedule_kind(rate, name)
        return {
            f"{prefix}schedule": np.array(kind),
            f"{prefix}schedule_args": np.array(values, dtype=np.float64),
        }
    return {f"{prefix}learning_rate": float_member(rate, name)}


def opt_members(
    prefix: str, state: object, params: Params[Any], name: str
) -> dict[str, npt.NDArray[Any]]:
    """The members of a built-in optimiser's ``state``, each key starting with ``prefix``."""
    described = OPTIMISERS.get(type(state))
    if described is None:
        raise SerialisationError(
            f"{name}: expected the state of a built-in optimiser (SgdState, MomentumState, "
            f"RMSPropState, AdamState) that load can rebuild without pickle, got "
            f"{type(state).__name__}: {WHAT_TO_DO}"
        )
    kind, settings, moments = described
    members = {
        f"{prefix}kind": np.array(kind),
        f"{prefix}count": int_member(getattr(state, "count"), f"{name}.count"),  # noqa: B009
        **rate_members(prefix, getattr(state, "learning_rate"), f"{name}.learning_rate"),  # noqa: B009
    }
    for setting in settings:
        value = getattr(state, setting)
        if setting == "nesterov":
            if not isinstance(value, bool):
                raise SerialisationError(f"{name}.nesterov: expected a bool, got {value!r:.60}")
            members[f"{prefix}{setting}"] = np.array(int(value), dtype=np.int64)
        else:
            members[f"{prefix}{setting}"] = float_member(value, f"{name}.{setting}")
    for moment in moments:
        array = getattr(state, moment)
        if not (
            isinstance(array, np.ndarray)
            and array.shape == params.theta.shape
            and array.dtype == params.dtype
        ):
            raise SerialisationError(
                f"{name}.{moment}: expected a {params.theta.shape} {params.dtype} array like "
                f"params.theta, got {array!r:.80}"
            )
        members[f"{prefix}{moment}"] = array
    return members


def opt_keys(
    target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str], prefix: str
) -> set[str]:
    """The members of the optimiser state stored under ``prefix``, from its recorded kind."""
    if f"{prefix}kind" not in keys:
        raise SerialisationError(
            f"{target}: expected a {prefix}kind member naming the optimiser state, got none"
        )
    kind = scalar_str(target, archive, f"{prefix}kind", "an optimiser name")
    if kind not in OPTIMISER_NAMES:
        raise SerialisationError(
            f"{target}: {prefix}kind: expected one of {sorted(OPTIMISER_NAMES)}, got {kind!r}"
        )
    _, settings, moments = OPTIMISERS[OPTIMISER_NAMES[kind]]
    rate = ("schedule", "schedule_args") if f"{prefix}schedule" in keys else ("learning_rate",)
    return {f"{prefix}{k}" for k in ("kind", "count", *rate, *settings, *moments)}


def read_schedule(
    target: pathlib.Path, archive: zipfile.ZipFile, keys: set[str], prefix: str
) -> Schedule | None:
    if f"{prefix}schedule" not in keys:
        return None
    kind = scalar_str(target, archive, f"{prefix}schedule", "a schedule name")
    if kind == "" and prefix == "fingerprint_":  # a constant rate
        read_member(target, archive, f"{prefix}schedule_args", "f", (0,), "no arguments")
        return None
    if kind not in SCHEDULES:
        raise SerialisationError(
            f"{target}: {prefix}schedule: expected one of {sorted(SCHEDULES)}, got {kind!r}"
        )
    _, arity, build = SCHEDULES[kind]
    key = f"{prefix}schedule_args"
    args = read_member(target, archive, key, "f", (arity,), f"{arity} float64 arguments")
    try:
        return build([float(a) for a in args])
    except SerialisationError as error:
        raise SerialisationError(f"{target}: {key}: {error}") from error
    except FnmlpError as error:
        raise SerialisationError(f"{target}: {key}: {error}") from error


def read_opt_state(
    target: pathlib.Path,
    archive: zipfile.ZipFile,
    keys: set[str],
    prefix: str,
    shape: tuple[int, int],
    dtype: np.dtype[Any],
) -> object:
    """The built-in optimiser state stored under ``prefix``, checked by its optimiser's constructor."""
    kind = scalar_str(target, archive, f"{prefix}kind", "an optimiser name")
    rate: float | Schedule | None = read_schedule(target, archive, keys, prefix)
    if rate is None:
        rate = scalar_float(target, archive, f"{prefix}learning_rate")
    count = scalar_int(target, archive, f"{prefix}count")
    if count < 0:
        raise SerialisationError(
            f"{target}: {prefix}count: expected a non-negative step count, got {count}"
        )

    def number(name: str) -> float:
        return scalar_float(target, archive, f"{prefix}{name}")

    def moment(name: str) -> npt.NDArray[Any]:
        return floats(target, archive, f"{prefix}{name}", shape, dtype, f"{prefix}{name}")

    # each optimiser's constructor checks the recorded settings, as it checks a user's
    try:
        if kind == "sgd":
            sgd(rate)
            return SgdState(rate, count)
        if kind == "momentum":
            nesterov = scalar_int(target, archive, f"{prefix}nesterov")
            if nesterov not in (0, 1):
                raise SerialisationError(
                    f"{target}: {prefix}nesterov: expected 0 or 1, got {nesterov}"
                )
            beta = number("beta")
            momentum(rate, beta=beta, nesterov=bool(nesterov))
            return MomentumState(rate, beta, bool(nesterov), count, moment("velocity"))
        if kind == "rmsprop":
            rho, eps = number("rho"), number("eps")
            rmsprop(rate, rho=rho, eps=eps)
            return RMSPropState(rate, rho, eps, count, moment("square"))
        beta1, beta2, eps, decay = (number(k) for k in ("beta1", "beta2", "eps", "weight_decay"))
        adamw(rate, beta1, beta2, eps, weight_decay=decay)
        return AdamState(rate, beta1, beta2, eps, decay, count, moment("mean"), moment("square"))
    except SerialisationError:
        raise
    except FnmlpError as error:
        raise SerialisationError(f"{target}: {prefix}{kind}: {error}") from error
