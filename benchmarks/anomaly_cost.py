"""What anomaly mode and gradient hooks cost on the two-layer MNIST step of train_step.py.

    python benchmarks/anomaly_cost.py                          # the modes, this checkout
    python benchmarks/anomaly_cost.py --baseline /path/to/main # plain step: main vs this one

Modes, timed interleaved round by round (the order rotating), median over rounds of each
round's median step time:

* plain: the step as train_step.py writes it (784-100-10 ReLU, batch 32 float32 by default:
  the smallest batch, where the engine's own Python work weighs most);
* gate on: a hook registered on some unrelated tensor, so backward() looks for leaf hooks;
* 4 hooks: a hook computing the gradient norm on each parameter;
* anomaly: the whole step inside detect_anomaly().

--baseline DIR times the plain step of the checkout at DIR and of this one in fresh processes,
alternately (--processes each), as the before/after check of "no slowdown outside anomaly
mode". Run it on an idle machine: other work makes the figures meaningless.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_step  # noqa: E402

import tinygrad_np  # noqa: E402
from tinygrad_np import Tensor, optim, relu  # noqa: E402


def make_step(problem: dict[str, Any], mode: str) -> Callable[[], Any]:
    """One training step in `mode`, as a user writes it."""
    W1, b1, W2, b2 = (Tensor(problem[k].copy(), requires_grad=True)  # noqa: N806 - maths names
                      for k in ("W1", "b1", "W2", "b2"))
    params = [W1, b1, W2, b2]
    sgd = optim.SGD(params, lr=train_step.LR)
    x, y = problem["x"], problem["y"]
    norms: list[float] = []
    if mode == "gate on":
        Tensor([0.0], requires_grad=True).register_hook(lambda g: None)
    elif mode == "4 hooks":
        for p in params:
            p.register_hook(lambda g: norms.append(float(np.linalg.norm(g.data))))

    def step() -> Any:
        logits = relu(Tensor(x) @ W1 + b1) @ W2 + b2
        loss = logits.softmax_cross_entropy(y) + train_step.LAM * (W1.l2() + W2.l2())
        sgd.zero_grad()
        loss.backward()
        sgd.step()
        norms.clear()
        return loss.data

    if mode == "anomaly":
        def checked() -> Any:
            with tinygrad_np.detect_anomaly():
                return step()
        return checked
    return step


def available_modes() -> list[str]:
    modes = ["plain"]
    if hasattr(tinygrad_np, "detect_anomaly"):  # absent in a checkout from before issue 16
        modes += ["gate on", "4 hooks", "anomaly"]
    return modes


def measure(modes: list[str], batch: int, dtype: str, rounds: int, steps: int
            ) -> dict[str, float]:
    """Median over rounds of the median step time (seconds) of each mode."""
    problem = train_step.make_problem(batch, dtype)
    # "gate on" sets a process-wide flag that is never reset: it is measured last, after the
    # modes that must run without it, in its own pass.
    first = [m for m in modes if m not in ("gate on", "4 hooks")]
    later = [m for m in modes if m in ("gate on", "4 hooks")]
    medians: dict[str, list[float]] = {m: [] for m in modes}
    for group in (first, later):
        steppers = {m: make_step(problem, m) for m in group}
        for s in steppers.values():
            for _ in range(20):  # warm up: caches, allocator
                s()
        for r in range(rounds):
            order = group[r % len(group):] + group[:r % len(group)] if group else []
            for m in order:
                times = []
                s = steppers[m]
                for _ in range(steps):
                    start = time.perf_counter()
                    s()
                    times.append(time.perf_counter() - start)
                medians[m].append(statistics.median(times))
    return {m: statistics.median(v) for m, v in medians.items() if v}


def compare(baseline: Path, args: argparse.Namespace) -> None:
    here = Path(__file__).resolve().parents[1]
    results: dict[str, list[float]] = {"baseline": [], "this checkout": []}
    for _ in range(args.processes):
        for label, root in (("baseline", baseline), ("this checkout", here)):
            env = dict(os.environ, PYTHONPATH=str(root))
            out = subprocess.run(
                [sys.executable, __file__, "--only-plain", "--json", "-", "--batch",
                 str(args.batch), "--dtype", args.dtype, "--rounds", str(args.rounds),
                 "--steps", str(args.steps)], env=env, capture_output=True, text=True,
                check=True).stdout
            results[label].append(json.loads(out)["plain"])
    base = statistics.median(results["baseline"])
    mine = statistics.median(results["this checkout"])
    print(f"plain step, batch {args.batch} {args.dtype}, median of {args.processes} processes:")
    print(f"  baseline ({baseline}): {base * 1e6:8.1f} us")
    print(f"  this checkout:        {mine * 1e6:8.1f} us  ({mine / base:.3f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=100, help="steps per mode per round")
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--only-plain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help="write the figures (seconds) as JSON here ('-': stdout)")
    args = parser.parse_args()
    if args.baseline is not None:
        compare(args.baseline, args)
        return
    modes = ["plain"] if args.only_plain else available_modes()
    result = measure(modes, args.batch, args.dtype, args.rounds, args.steps)
    if args.json == "-":
        print(json.dumps(result))
        return
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    plain = result["plain"]
    print(f"two-layer step, batch {args.batch} {args.dtype} ({tinygrad_np.__file__}):")
    for mode, seconds in result.items():
        print(f"  {mode:8s} {seconds * 1e6:8.1f} us  {seconds / plain:6.2f}x")


if __name__ == "__main__":
    main()
