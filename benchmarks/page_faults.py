"""Minor page faults per training step, each implementation alone in a fresh, plain process.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/page_faults.py
    python benchmarks/page_faults.py --steps 200 --batches 32 128

A page fault is counted (getrusage's ru_minflt) where a step touches memory the process did
not have: an array allocated afresh and given back to the OS on every step. Unlike timings,
the counts do not depend on what else the machine runs, so this is safe to run anywhere.
The step and its implementations are those of train_step.py; each (implementation, batch)
runs in its own process (no mallopt, no environment changes), after 50 warm-up steps.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys

import train_step as bench

IMPLS = {"numpy": bench.numpy_step, "tinygrad_np": bench.tinygrad_step,
         "tinygrad_np jit": bench.tinygrad_jit_step}


def faults_per_step(impl: str, batch: int, steps: int, warmup: int = 50) -> float:
    """Minor page faults per step of `impl` at `batch` (float32), in this process."""
    problem = bench.make_problem(batch, "float32")
    step, _ = IMPLS[impl](problem)
    x, y = problem["x"], problem["y"]
    for _ in range(warmup):
        step(x, y)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        step(x, y)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 128, 1024])
    parser.add_argument("--worker", nargs=2, metavar=("IMPL", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(faults_per_step(args.worker[0], int(args.worker[1]), args.steps)))
        return
    print("| implementation | " + " | ".join(f"batch {b}" for b in args.batches) + " |")
    print("|---|" + "---:|" * len(args.batches))
    for impl in IMPLS:
        counts = []
        for batch in args.batches:
            done = subprocess.run([sys.executable, __file__, "--steps", str(args.steps),
                                   "--worker", impl, str(batch)],
                                  stdout=subprocess.PIPE, text=True, check=True)
            counts.append(float(done.stdout.splitlines()[-1]))
        print(f"| {impl} | " + " | ".join(f"{c:.2f}" for c in counts) + " |", flush=True)


if __name__ == "__main__":
    main()
