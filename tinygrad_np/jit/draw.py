"""The framework's random generator while recording: draws are written down, so that each
replay draws afresh from `tinygrad_np.random.get_generator()`."""
from __future__ import annotations

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
            recorder.before_draw()
            try:
                return recorder.call(name, args, kwargs, "draw")
            finally:
                recorder.after_draw()
        return draw
