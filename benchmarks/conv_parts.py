"""Where the LeNet-5 step of `conv_step.py` spends its time: each op body timed in the step.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/conv_parts.py --batch 64
    python benchmarks/conv_parts.py --batch 256 --steps 20

Every `forward`, `backward` and `backward_in_place` of the engine's ops (and the convs'
weight and input gradients inside their backward, and the banded form's forward and
backward: the 6->16 conv's) is wrapped with a timer, so the step runs
a little slower than in `conv_step.py`; the shares are what to read. The eager step only:
a jit replay runs none of these bodies.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conv_step  # noqa: E402 - the step itself, as conv_step.py times it

from tinygrad_np.function import Function  # noqa: E402
from tinygrad_np.ops import conv  # noqa: E402

Totals = defaultdict[str, float]


def _timed(function: Callable[..., Any], label: Callable[..., str], totals: Totals
           ) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = function(*args, **kwargs)
        totals[label(*args)] += time.perf_counter() - start
        return result
    return timed


def _op_classes(base: type) -> list[type]:
    found: list[type] = []
    stack: list[type] = [base]
    while stack:
        subclasses: list[type] = stack.pop().__subclasses__()
        found.extend(subclasses)
        stack.extend(subclasses)
    return found


def time_ops(batch: int, steps: int) -> tuple[float, dict[str, float]]:
    """The wrapped eager step's time and each op body's total, both in ms per step."""
    totals: Totals = defaultdict(float)
    originals: list[tuple[Any, str, Any]] = []
    for cls in _op_classes(Function):
        for name in ("forward", "backward", "backward_in_place"):
            if name in cls.__dict__:
                originals.append((cls, name, cls.__dict__[name]))
                setattr(cls, name, _timed(cls.__dict__[name],
                                          lambda *a, _k=f"{cls.__name__}.{name}": _k, totals))
    for name in ("_weight_grad", "_weight_grad_batch_last", "_input_grad_stride_1",
                 "_input_grad", "banded_forward", "banded_backward"):
        where = "forward" if name == "banded_forward" else "backward"
        originals.append((conv, name, getattr(conv, name)))
        setattr(conv, name, _timed(getattr(conv, name),
                                   lambda *a, _n=name, _w=where: f"  conv {_n} (in Conv2d.{_w})",
                                   totals))
    try:
        problem = conv_step.make_problem(batch)
        step, _ = conv_step.tinygrad_step(problem)
        for _ in range(5):
            step(problem["x"], problem["y"])
        totals.clear()
        start = time.perf_counter()
        for _ in range(steps):
            step(problem["x"], problem["y"])
        total = (time.perf_counter() - start) / steps * 1e3
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    return total, {k: v / steps * 1e3 for k, v in totals.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=40, help="timed steps")
    args = parser.parse_args(argv)
    total, parts = time_ops(args.batch, args.steps)
    print(f"batch {args.batch}: {total:.2f} ms a step with the timers")
    for name, ms in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"{name:52s} {ms:7.3f} ms")


if __name__ == "__main__":
    main()
