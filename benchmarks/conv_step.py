"""Time one LeNet-5 training step: tinygrad_np (eager and jit) vs PyTorch on the CPU.

    python benchmarks/conv_step.py            # batch 64 and 256, about a minute
    python benchmarks/conv_step.py --quick    # fewer, shorter rounds (a smoke run)

The step: conv 1->6 5x5 pad 2, ReLU, max-pool 2, conv 6->16 5x5, ReLU, max-pool 2, linear
400->120, ReLU, 120->84, ReLU, 84->10, mean softmax cross-entropy, backward, plain SGD
(lr 0.01), float32, on fixed synthetic 28x28 images. Every implementation starts from the
same weights and must give the same loss and updated weights (relative 1e-4) after three
steps before anything is timed; then they are timed interleaved, round by round, and each
ratio is the median over rounds of the per-round ratio, so slow swings of the machine
cancel. One plain process runs everything. Run it on an idle machine; benchmark with
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_np as tg
from tinygrad_np import Tensor, optim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import aligned_copy, pin_malloc_thresholds  # noqa: E402 - as train_step.py

LR = 0.01
BATCHES = (64, 256)
# name: shape, in PyTorch's layout for the convs; (in, out) for the linear layers (x @ W + b)
SHAPES = {"c1w": (6, 1, 5, 5), "c1b": (6,), "c2w": (16, 6, 5, 5), "c2b": (16,),
          "f1w": (400, 120), "f1b": (120,), "f2w": (120, 84), "f2b": (84,),
          "f3w": (84, 10), "f3b": (10,)}
FAN_IN = {"c1": 25, "c2": 150, "f1": 400, "f2": 120, "f3": 84}
Step = Callable[[Any, Any], Any]
Impl = tuple[Step, Callable[[], list]]


def make_problem(batch: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Synthetic images in [0, 1], labels, and PyTorch-style uniform(+-1/sqrt(fan_in)) weights."""
    rng = np.random.default_rng(seed)
    problem = {"x": rng.random((batch, 1, 28, 28)).astype(np.float32),
               "y": rng.integers(0, 10, batch)}
    for name, shape in SHAPES.items():
        bound = 1 / np.sqrt(FAN_IN[name[:2]])
        problem[name] = rng.uniform(-bound, bound, shape).astype(np.float32)
    return problem


def tinygrad_step(p: dict[str, np.ndarray], jitted: bool = False) -> Impl:
    w = {k: Tensor(aligned_copy(p[k]), requires_grad=True) for k in SHAPES}
    sgd = optim.SGD(list(w.values()), lr=LR)

    def loss_and_grads(x: Any, y: Any) -> Tensor:
        h = tg.max_pool2d(tg.relu(tg.conv2d(x, w["c1w"], w["c1b"], padding=2)), 2)
        h = tg.max_pool2d(tg.relu(tg.conv2d(h, w["c2w"], w["c2b"])), 2)
        h = h.reshape(h.shape[0], -1)
        h = tg.relu(h @ w["f1w"] + w["f1b"])
        h = tg.relu(h @ w["f2w"] + w["f2b"])
        loss = (h @ w["f3w"] + w["f3b"]).softmax_cross_entropy(y)
        loss.backward()
        return loss

    run = tg.jit(loss_and_grads) if jitted else loss_and_grads

    def step(x: Any, y: Any) -> Any:
        sgd.zero_grad()
        loss = run(x, y)
        sgd.step()
        return loss.item()

    return step, lambda: [t.data for t in w.values()]


def torch_step(p: dict[str, np.ndarray]) -> Impl | None:
    try:
        import torch
        import torch.nn.functional as F  # noqa: N812 - PyTorch's own spelling
    except ImportError:
        return None
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", len(os.sched_getaffinity(0)))))
    w = {k: torch.tensor(p[k].copy(), requires_grad=True) for k in SHAPES}
    sgd = torch.optim.SGD(list(w.values()), lr=LR)

    def step(x: Any, y: Any) -> Any:
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        h = F.max_pool2d(F.relu(F.conv2d(x, w["c1w"], w["c1b"], padding=2)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w["c2w"], w["c2b"])), 2)
        h = h.reshape(h.shape[0], -1)
        h = F.relu(h @ w["f1w"] + w["f1b"])
        h = F.relu(h @ w["f2w"] + w["f2b"])
        loss = F.cross_entropy(h @ w["f3w"] + w["f3b"], y)
        sgd.zero_grad()
        loss.backward()
        sgd.step()
        return loss.item()

    return step, lambda: [t.detach().numpy() for t in w.values()]


def implementations(problem: dict[str, np.ndarray]) -> dict[str, Impl]:
    impls = {"tinygrad_np": tinygrad_step(problem),
             "tinygrad_np jit": tinygrad_step(problem, jitted=True)}
    torch_impl = torch_step(problem)
    if torch_impl is not None:
        impls["torch"] = torch_impl
    return impls


def check_agreement(impls: dict[str, Impl], problem: dict[str, np.ndarray], steps: int = 3,
                    tol: float = 1e-4) -> None:
    """`steps` steps of each from the same start: the same last loss and the same weights as
    the first implementation, or an AssertionError naming the one that differs."""
    results = {}
    for name, (step, weights) in impls.items():
        for _ in range(steps):
            loss = float(step(problem["x"], problem["y"]))
        results[name] = (loss, [np.array(a, copy=True) for a in weights()])
    (base, (ref_loss, ref_weights)), *others = results.items()
    for name, (loss, weights) in others:
        assert abs(loss - ref_loss) <= tol * abs(ref_loss), \
            f"{name}: loss {loss} differs from {base}'s {ref_loss}"
        for key, got, ref in zip(SHAPES, weights, ref_weights):
            np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * np.abs(ref).max(),
                                       err_msg=f"{name}: updated {key} differs from {base}'s")


def time_interleaved(steps: dict[str, Callable[[], Any]], rounds: int,
                     seconds_per_round: float) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Each implementation's median step time in every round (rounds rotate the order), and
    its page faults per step."""
    for step in steps.values():  # warm up (and let jit record)
        for _ in range(5):
            step()
    counts = {}
    for name, step in steps.items():
        start = time.perf_counter()
        for _ in range(5):
            step()
        counts[name] = max(3, int(seconds_per_round / ((time.perf_counter() - start) / 5)))
    medians: dict[str, list[float]] = {name: [] for name in steps}
    faults = dict.fromkeys(steps, 0)
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            record = []
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for _ in range(counts[name]):
                start = time.perf_counter()
                steps[name]()
                record.append(time.perf_counter() - start)
            faults[name] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
            medians[name].append(statistics.median(record))
    return medians, {name: faults[name] / (counts[name] * rounds) for name in steps}


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed (pip install threadpoolctl to see the BLAS kernel)"
    return "; ".join(f"{pool.get('internal_api')} {pool.get('version')} "
                     f"{pool.get('architecture', '')} threads={pool.get('num_threads')} "
                     f"({os.path.basename(pool.get('filepath', ''))})"
                     for pool in threadpool_info())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 short rounds per batch size")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per batch size")
    parser.add_argument("--pin-malloc", action="store_true",
                        help="diagnostic: pin glibc's malloc thresholds (see train_step.py); "
                             "default: a plain process, as a user's")
    parser.add_argument("--omp-passive", action="store_true",
                        help="diagnostic: OMP_WAIT_POLICY=PASSIVE, so PyTorch's OpenMP threads "
                             "sleep between ops instead of spinning (PyTorch is then much "
                             "slower: 5.9 against 3.3 ms a step at batch 64 here)")
    args = parser.parse_args(argv)
    if args.omp_passive and os.environ.get("OMP_WAIT_POLICY") != "PASSIVE":
        # read by libgomp when torch loads: start again with it set
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    pinned = args.pin_malloc and pin_malloc_thresholds()
    rounds = args.rounds or (3 if args.quick else 15)
    seconds = 0.1 if args.quick else 0.5
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, tinygrad_np "
          f"{tg.__version__}, cores {len(os.sched_getaffinity(0))}, load "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"BLAS: {blas_info()}; malloc thresholds {'pinned' if pinned else 'not pinned'}; "
          f"OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    print(f"{'batch':>5}  {'implementation':<16} {'ms/step':>8}  {'vs torch (p10-p90)':<20} "
          f"{'faults/step':>11}")
    for batch in BATCHES:
        problem = make_problem(batch)
        check_agreement(implementations(problem), problem)
        impls = implementations(problem)
        x, y = problem["x"], problem["y"]
        steps = {name: (lambda step=step, x=x, y=y: step(x, y))
                 for name, (step, _) in impls.items()}
        medians, faults = time_interleaved(steps, rounds, seconds)
        for name, ms in medians.items():
            ratio = ""
            if "torch" in medians:
                per_round = [mine / theirs for mine, theirs in zip(ms, medians["torch"])]
                low, *_, high = (statistics.quantiles(per_round, n=10, method="inclusive")
                                 if len(per_round) > 1 else per_round * 2)
                ratio = f"{statistics.median(per_round):.2f}x ({low:.2f}-{high:.2f})"
            print(f"{batch:>5}  {name:<16} {statistics.median(ms) * 1e3:8.2f}  {ratio:<20} "
                  f"{faults[name]:11.1f}", flush=True)


if __name__ == "__main__":
    main()
