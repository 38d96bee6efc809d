"""How much of tinygrad_np's overhead any eager (define-by-run) engine in Python must pay.

    python benchmarks/eager_floor.py            # about a minute
    python benchmarks/eager_floor.py --quick

A yardstick for `train_step.py`. It times the same training step three ways, interleaved:

1. tinygrad_np, as a user writes it;
2. a *minimal* eager engine, written here in 60 lines: a node per op holding its inputs and a
   backward closure, a topological walk, leaf gradients summed. No checks of any kind (shapes,
   dtypes, gradient counts, freed graphs), no `no_grad`, no retain_grad, no constants of the
   right dtype, no clear errors: the least Python work a graph-recording engine can do per op;
3. the hand-written numpy step (the zero-overhead reference of `train_step.py`).

It first checks that all three compute the same loss and weights. It also runs the step on a
tiny 8-6-4 network, where numpy's work is almost nothing, so the difference to numpy is the
engine's own fixed cost per step, measured without the noise of big arrays.
"""
from __future__ import annotations

import argparse
import timeit
from typing import Any, Callable

import numpy as np

import train_step as bench

LAM, LR = bench.LAM, bench.LR


# -- the minimal engine ------------------------------------------------------------------------
class Node:
    """A value, its gradient, its inputs, and the closure that maps its gradient to theirs."""

    __slots__ = ("data", "grad", "inputs", "backward")

    def __init__(self, data: Any, inputs: tuple = (), backward: Any = None) -> None:
        self.data, self.grad, self.inputs, self.backward = data, None, inputs, backward


def matmul(a: Node, b: Node) -> Node:
    return Node(a.data @ b.data, (a, b),
                lambda g: (g @ b.data.T if a.backward is not None else None, a.data.T @ g))


def add(a: Node, b: Node) -> Node:
    return Node(a.data + b.data, (a, b),
                lambda g: (g, g.sum(axis=0) if g.ndim > b.data.ndim else g))


def relu(a: Node) -> Node:
    return Node(np.maximum(a.data, 0), (a,), lambda g: (g * (a.data > 0),))


def scale(c: float, a: Node) -> Node:
    factor = np.array(c, a.data.dtype)
    return Node(np.asarray(factor * a.data), (a,), lambda g: (g * factor,))


def l2(a: Node) -> Node:
    flat = a.data.reshape(-1)
    return Node(np.asarray(0.5 * flat.dot(flat)), (a,), lambda g: (g * a.data,))


def softmax_cross_entropy(a: Node, labels: Any) -> Node:
    n = len(a.data)
    rows = np.arange(n)
    shifted = a.data - a.data.max(axis=1, keepdims=True)
    picked = shifted[rows, labels]
    probs = np.exp(shifted, out=shifted)
    total = probs.sum(axis=1, keepdims=True)
    loss = np.asarray((np.log(total[:, 0]) - picked).sum() / n)
    probs /= total

    def backward(g: Any) -> tuple:
        step = g / n
        out = probs * step
        out[rows, labels] -= step
        return (out,)
    return Node(loss, (a,), backward)


def run_backward(root: Node) -> None:
    """Reverse topological order by an iterative depth-first walk; leaves sum their shares."""
    order, seen, stack = [], {id(root)}, [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for parent in node.inputs:
            if parent.backward is not None and id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, False))
    grads = {id(root): np.ones_like(root.data)}
    for node in reversed(order):
        for parent, grad in zip(node.inputs, node.backward(grads.pop(id(node)))):
            if grad is None:
                continue
            if parent.backward is None:  # a leaf; in this step every share is a fresh array
                if parent.grad is None:
                    parent.grad = grad
                else:
                    parent.grad += grad
            else:
                previous = grads.get(id(parent))
                grads[id(parent)] = grad if previous is None else previous + grad


def minimal_step(p: dict[str, Any]) -> tuple[bench.Step, Callable[[], list]]:
    W1, b1, W2, b2 = (Node(p[k].copy()) for k in ("W1", "b1", "W2", "b2"))
    params = (W1, b1, W2, b2)

    def step(x: Any, y: Any) -> Any:
        logits = add(matmul(relu(add(matmul(Node(x), W1), b1)), W2), b2)
        loss = add(softmax_cross_entropy(logits, y), scale(LAM, add(l2(W1), l2(W2))))
        for w in params:
            w.grad = None
        run_backward(loss)
        for w in params:
            w.data -= LR * w.grad
        return loss.data

    return step, lambda: [w.data for w in params]


# -- measurement -------------------------------------------------------------------------------
IMPLS = {"tinygrad_np": bench.tinygrad_step, "minimal": minimal_step, "numpy": bench.numpy_step}


def fixed_cost(repeats: int) -> dict[str, float]:
    """Microseconds per step on an 8-6-4 network at batch 4: almost pure Python overhead."""
    sizes = bench.IN, bench.HIDDEN, bench.OUT
    bench.IN, bench.HIDDEN, bench.OUT = 8, 6, 4
    try:
        problem = bench.make_problem(4, "float32")
        steps = {name: make(problem)[0] for name, make in IMPLS.items()}
    finally:
        bench.IN, bench.HIDDEN, bench.OUT = sizes
    x, y = problem["x"], problem["y"]
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(repeats):
        for name, step in steps.items():
            seconds = min(timeit.repeat(lambda s=step: s(x, y), number=1000, repeat=3)) / 1000
            best[name] = min(best[name], seconds * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 8 if args.quick else 40
    bench.pin_malloc_thresholds()

    tiny = fixed_cost(3 if args.quick else 7)
    print("Fixed cost per step (8-6-4 network, batch 4, best of runs): " + ", ".join(
        f"{name} {us:.1f} us" for name, us in tiny.items()))
    print(f"  engine overhead over numpy: tinygrad_np {tiny['tinygrad_np'] - tiny['numpy']:.1f} "
          f"us, minimal engine {tiny['minimal'] - tiny['numpy']:.1f} us")
    print()
    print("| batch | numpy (us) | tinygrad_np / numpy | minimal engine / numpy "
          "| tinygrad_np - numpy (us) | minimal - numpy (us) |")
    print("|---:|---:|---|---|---:|---:|")
    for batch in (32, 128, 1024):
        problem = bench.make_problem(batch, "float32")
        impls = {name: make(problem) for name, make in IMPLS.items()}
        bench.check_agreement(impls, problem, "float32")
        x, y = problem["x"], problem["y"]
        times, _ = bench.time_interleaved(
            {name: (lambda f=v[0]: f(x, y)) for name, v in impls.items()}, rounds, 0.04)
        s = bench.summarize(times)

        def ratio(name: str) -> str:
            return (f"{s[name]['ratio']:.3f} ({s[name]['ratio_low']:.2f}-"
                    f"{s[name]['ratio_high']:.2f})")
        print(f"| {batch} | {s['numpy']['median'] * 1e6:.0f} | {ratio('tinygrad_np')} "
              f"| {ratio('minimal')} | {s['tinygrad_np']['difference'] * 1e6:.0f} "
              f"| {s['minimal']['difference'] * 1e6:.0f} |", flush=True)
    print("\nRatios and differences are paired within rounds (medians over rounds); in "
          "brackets, the 10th-90th percentile of the per-round ratios.")


if __name__ == "__main__":
    main()
