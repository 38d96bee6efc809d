"""What a weight off a 64-byte boundary costs the MNIST training step (784-100-10, batch 128,
float32), for hand-written numpy and for tinygrad_np under jit: the same step, with its
weights and input at an offset of 0 (aligned) or 16 bytes (what numpy's malloc often gives)
from a cache line.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/alignment.py

About 30 seconds, one plain process, interleaved rounds; run it on an idle machine.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any


try:  # the benchmark's own step definitions, run from the repository root
    from benchmarks import train_step as bench
except ImportError:  # run as a script from benchmarks/
    import train_step as bench  # type: ignore[no-redef]


def steps(batch: int, offset: int) -> dict[str, tuple[Callable[..., Any], Any, Any]]:
    """Both steps, their weights and input `offset` bytes past a 64-byte boundary."""
    problem = bench.make_problem(batch, "float32")
    x = bench.aligned_copy(problem["x"], offset)
    return {f"{name} +{offset}": (make(problem, offset=offset)[0], x, problem["y"])
            for name, make in (("numpy", bench.numpy_step), ("jit", bench.tinygrad_jit_step))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    print(bench.blas_info())
    runs: dict[str, tuple[Callable[..., Any], Any, Any]] = {}
    for offset in (0, 16):
        runs.update(steps(args.batch, offset))
    for step, x, y in runs.values():
        for _ in range(30):
            step(x, y)
    times: dict[str, list[float]] = {name: [] for name in runs}
    repeats = max(20, 20000 // args.batch)
    for _ in range(args.rounds):
        for name, (step, x, y) in runs.items():
            start = time.perf_counter()
            for _ in range(repeats):
                step(x, y)
            times[name].append((time.perf_counter() - start) / repeats)
    median = {name: statistics.median(t) for name, t in times.items()}
    print(f"batch {args.batch}, median of {args.rounds} interleaved rounds:")
    for name, seconds in median.items():
        impl = name.split()[0]
        print(f"  {name:>10} bytes: {seconds * 1e3:.3f} ms  "
              f"({seconds / median[f'{impl} +0']:.2f}x the aligned step)")


if __name__ == "__main__":
    main()
