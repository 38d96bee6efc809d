"""Where the LeNet-5 step of `conv_step.py` spends its time: each op body timed in the step.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/conv_parts.py --batch 64
    python benchmarks/conv_parts.py --batch 256 --steps 20
    python benchmarks/conv_parts.py --input-grad-budgets      # the 6->16 conv's input
                                                              # gradient per chunk budget

Every `forward`, `backward` and `backward_in_place` of the engine's ops (and the convs'
weight and input gradients inside their backward) is wrapped with a timer, so the step runs
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

import numpy as np

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
                 "_input_grad"):
        originals.append((conv, name, getattr(conv, name)))
        setattr(conv, name, _timed(getattr(conv, name),
                                   lambda *a, _n=name: f"  conv {_n} (in Conv2d.backward)",
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


def time_input_grad_budgets(batch: int, budgets_mb: list[float]) -> dict[float, float]:
    """The 6->16 conv's input gradient (ms) with each chunk budget, best of 7 rounds."""
    rng = np.random.default_rng(0)
    grad = rng.standard_normal((batch, 16, 10, 10)).astype(np.float32)
    wmat = rng.standard_normal((1, 16, 150)).astype(np.float32)
    chunks = conv.batch_chunks
    result = {}
    try:
        for mb in budgets_mb:
            def budgeted(n: int, per_image: int, budget: int | None = None,
                         _bytes: int = int(mb * (1 << 20))) -> list[slice]:
                return chunks(n, per_image, _bytes)
            conv.batch_chunks = budgeted  # type: ignore[assignment]
            rounds = []
            for _ in range(7):
                start = time.perf_counter()
                for _ in range(10):
                    conv._input_grad_stride_1(grad, wmat, (batch, 6, 14, 14), (5, 5), (1, 1), 1)
                rounds.append((time.perf_counter() - start) / 10 * 1e3)
            result[mb] = min(rounds)
    finally:
        conv.batch_chunks = chunks
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=40, help="timed steps")
    parser.add_argument("--input-grad-budgets", action="store_true",
                        help="time the 6->16 conv's input gradient for chunk budgets of "
                             "0.5 to 16 MB instead")
    args = parser.parse_args(argv)
    if args.input_grad_budgets:
        for mb, ms in time_input_grad_budgets(args.batch, [0.5, 1, 2, 4, 8, 16]).items():
            print(f"budget {mb:>4} MB: {ms:.2f} ms")
        return
    total, parts = time_ops(args.batch, args.steps)
    print(f"batch {args.batch}: {total:.2f} ms a step with the timers")
    for name, ms in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"{name:52s} {ms:7.3f} ms")


if __name__ == "__main__":
    main()
