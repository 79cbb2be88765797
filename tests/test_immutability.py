"""Arrays handed out by fnmlp cannot be made writable again, and copies are the record itself."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import attrs
import numpy as np
import pytest

import fnmlp


def _arrays() -> list[tuple[str, Any]]:
    params = fnmlp.init([2, 3, 1], seed=0)
    X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 0.0]])
    Yhat, cache = fnmlp.forward(params, X)
    grads = fnmlp.backward(params, cache, Y, fnmlp.binary_cross_entropy)
    stepped = fnmlp.update(params, grads, 0.1)
    opt = fnmlp.adam(0.1)
    optimised, _ = opt.step(params, grads, opt.init(params))
    result = fnmlp.train(params, X, Y, loss=fnmlp.binary_cross_entropy, optimizer=opt, epochs=3)
    *_, scanned = fnmlp.scan(params, X, Y, loss=fnmlp.binary_cross_entropy, optimizer=opt, epochs=2)
    return [
        ("init W", params.layers[0].W),
        ("Yhat", Yhat),
        ("cache Z", cache.Z[1]),
        ("cache A[0]", cache.A[0]),
        ("grads dW", grads.dW[0]),
        ("grads db", grads.db[1]),
        ("update W", stepped.layers[0].W),
        ("step b", optimised.layers[1].b),
        ("train W", result.params.layers[0].W),
        ("train state W", result.state.params.layers[1].W),
        ("scan W", scanned.params.layers[0].W),
    ]


@pytest.mark.parametrize(("name", "array"), _arrays())
def test_handed_out_arrays_cannot_be_made_writable(name: str, array: Any) -> None:
    with pytest.raises(ValueError, match="read-only"):
        array[...] = 0
    with pytest.raises(ValueError, match="WRITEABLE"):
        array.flags.writeable = True


def test_copies_are_the_record_and_unpickling_relocks() -> None:
    params = fnmlp.init([2, 3, 1], seed=0)
    assert copy.copy(params) is params
    assert copy.deepcopy(params) is params
    again = pickle.loads(pickle.dumps(params))
    assert again is not params
    for old, new in zip(params.layers, again.layers):
        assert np.array_equal(old.W, new.W) and np.array_equal(old.b, new.b)
        assert old.activation is new.activation
        with pytest.raises(ValueError, match="WRITEABLE"):
            new.W.flags.writeable = True


def test_optimiser_states_own_their_arrays() -> None:
    params = fnmlp.init([2, 3, 1], seed=0)
    state = fnmlp.adam(0.1).init(params)
    mine = np.ones_like(params.theta)
    evolved = attrs.evolve(state, mean=mine)
    ours = evolved.mean
    assert ours is not mine and not np.shares_memory(ours, mine)
    assert mine.flags.writeable and not ours.flags.writeable
    with pytest.raises(ValueError, match="WRITEABLE"):
        ours.flags.writeable = True
    mine[...] = 5.0  # the caller's array stays theirs to change
    assert float(evolved.mean[0, 0]) == 1.0
