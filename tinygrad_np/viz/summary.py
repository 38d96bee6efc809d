"""Numbers for the gradient view: value and gradient summaries, and the trouble they show."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Stats:
    """A summary of one array. `lo`/`hi` are over its finite elements (None if it has none);
    `norm` is the 2-norm over all elements (NaN as soon as one is NaN)."""

    size: int
    nan: int
    inf: int
    lo: float | None
    hi: float | None
    norm: float

    @property
    def finite(self) -> bool:
        return self.nan == 0 and self.inf == 0


def stats(array: Any) -> Stats | None:
    """Summarise a numeric array; None for what has no numbers to summarise."""
    array = np.asarray(array)
    if array.dtype.kind not in "biuf" or array.size == 0:
        return None
    if array.dtype.kind == "f":
        nan = int(np.count_nonzero(np.isnan(array)))
        inf = int(np.count_nonzero(np.isinf(array)))
        finite = array[np.isfinite(array)] if nan or inf else array
    else:
        nan = inf = 0
        finite = array
    lo = float(finite.min()) if finite.size else None
    hi = float(finite.max()) if finite.size else None
    # float64 sum of squares: a float32 one overflows to inf from |x| ~ 1e19 on.
    norm = float(np.sqrt(np.sum(np.square(array, dtype=np.float64))))
    return Stats(int(array.size), nan, inf, lo, hi, norm)


def fmt(x: float) -> str:
    """A number in 4 significant digits, as the labels show it."""
    return f"{x:.4g}"


def describe_values(s: Stats) -> str:
    """'value 2.303' for one element, else 'value min -1 max 3'."""
    if s.lo is None or s.hi is None:
        return "value: no finite element"
    if s.size == 1:
        return f"value {fmt(s.lo)}"
    return f"value min {fmt(s.lo)} max {fmt(s.hi)}"


def describe_grad(s: Stats) -> str:
    """'grad norm 1.5 min -1 max 1' (min/max over the finite elements)."""
    text = f"grad norm {fmt(s.norm)}"
    if s.lo is not None and s.hi is not None and s.size > 1:
        text += f" min {fmt(s.lo)} max {fmt(s.hi)}"
    return text


def nonfinite_note(s: Stats, what: str) -> str | None:
    """'NaN x3 in grad!' style warning, or None when every element is finite."""
    parts = []
    if s.nan:
        parts.append(f"NaN x{s.nan}")
    if s.inf:
        parts.append(f"inf x{s.inf}")
    return f"{', '.join(parts)} in {what}!" if parts else None


def is_dead_relu(op: Any, output: Any) -> bool:
    """A ReLU (class named Relu, any case) whose whole output is zero: nothing flows back."""
    if type(op).__name__.lower() != "relu":
        return False
    data = np.asarray(output.data)
    return data.size > 0 and not np.any(data)
