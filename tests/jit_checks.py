"""The check the tests of jitted training steps share: a jitted copy of a step equals an
eager copy bit for bit, call after call."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import tinygrad_np as tg


def check_jit_matches_eager(make: Callable[[], tuple[Callable[..., Any], tg.nn.Module]],
                            calls: Iterable[tuple[Any, ...]]) -> Any:
    """`make()` builds a step and the module it trains, from the same seed each time: one
    copy runs eagerly, the other under `jit`. For each call's arguments (the framework
    generator seeded alike before both) the losses must be equal, and then every entry of
    the two modules' state dicts. Returns the jitted step, for its `recordings`."""
    (eager, eager_model), (fn, jit_model) = make(), make()
    jitted = tg.jit(fn)
    for call, args in enumerate(calls):
        tg.manual_seed(call)
        expected = eager(*args).item()
        tg.manual_seed(call)
        assert jitted(*args).item() == expected, f"call {call}"
        replayed = jit_model.state_dict()
        for name, value in eager_model.state_dict().items():
            np.testing.assert_array_equal(replayed[name], value, err_msg=f"{name}, call {call}")
    return jitted
