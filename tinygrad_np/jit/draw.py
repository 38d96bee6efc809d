"""Random numbers while recording: draws from the framework's generator are written down,
so that each replay draws afresh from `tinygrad_np.random.get_generator()`; a draw from any
other numpy generator, which a replay would freeze, is caught."""
from __future__ import annotations

import random
from typing import Any

import numpy as np


class RecordingGenerator(np.random.Generator):
    """A numpy Generator on the same bit generator as the thread's own; each public method
    it is asked for records a draw (the numbers are the ones the real generator gives)."""

    def __init__(self, real: np.random.Generator, recorder: Any) -> None:
        super().__init__(real.bit_generator)
        self._recorder = recorder

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("_") or name == "bit_generator":
            return super().__getattribute__(name)
        attribute = super().__getattribute__(name)
        if not callable(attribute):
            return attribute
        recorder = super().__getattribute__("_recorder")

        def draw(*args: Any, **kwargs: Any) -> Any:
            recorder.draws.before_draw()
            try:
                return recorder.call(name, args, kwargs, "draw")
            finally:
                recorder.draws.after_draw()
        return draw


class DrawWatch:
    """The random state around one recording: the framework generator drawn through a
    `RecordingGenerator`, and every numpy bit generator's state (`states`, filled by the
    recorder's scan), compared when the recording ends."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.states: dict[Any, Any] = {}
        self.real_generator: Any = None
        self.framework_bits: Any = None
        self.draw_state: Any = None  # the framework generator's state after our last draw
        self.started = False

    def start(self) -> None:
        """Draw the framework's generator through a recording one (the thread's generator
        is not created here: when to create it is the function's business)."""
        from .. import random as framework_random

        self.framework_random = framework_random
        self.started = True
        self.real_generator = framework_random._state.generator
        if self.real_generator is None:
            return
        self.framework_bits = self.real_generator.bit_generator
        self.draw_state = self.framework_bits.state
        self.recording_generator = RecordingGenerator(self.real_generator, self.recorder)
        framework_random._state.generator = self.recording_generator

    def before_draw(self) -> None:
        if not same_state(self.framework_bits.state, self.draw_state):
            self.recorder.give_up("it draws from tinygrad_np's generator without going "
                                  "through tinygrad_np.random.get_generator() (a generator "
                                  "kept from before)")

    def after_draw(self) -> None:
        self.draw_state = self.framework_bits.state

    def stop(self) -> None:
        """Put the thread's generator back; give up on a draw a replay would freeze."""
        if not self.started:
            return
        give_up = self.recorder.give_up
        state = self.framework_random._state
        if self.real_generator is None:
            if state.generator is not None:
                give_up("it drew from tinygrad_np's generator for the first time while "
                        "recording")
        elif state.generator is not self.recording_generator:
            give_up("it seeds tinygrad_np's generator (manual_seed) inside")
        else:
            state.generator = self.real_generator
            self.before_draw()
        for bits, then in self.states.items():
            if bits is not self.framework_bits and not same_state(state_of(bits), then):
                give_up("it draws random numbers from a generator other than "
                        "tinygrad_np.random.get_generator() (numpy's or Python's random); "
                        "a replay would repeat the numbers of the recording")
                break
        self.states = {}


def state_of(generator: Any) -> Any:
    """A numpy bit generator's state, or a Python `random.Random`'s."""
    return generator.getstate() if isinstance(generator, random.Random) else generator.state


def same_state(a: Any, b: Any) -> bool:
    """Two bit generator states (dicts of numbers and arrays) are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_state(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return bool(a == b)
