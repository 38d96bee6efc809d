"""How much of tinygrad_np's overhead any eager (define-by-run) engine in Python must pay.

    python benchmarks/eager_floor.py            # about a minute
    python benchmarks/eager_floor.py --quick

A yardstick for `train_step.py`. It times the same training step five ways, interleaved:

1. tinygrad_np, as a user writes it;
2. a *minimal* eager engine, written here in 60 lines: a node per op holding its inputs and a
   backward closure, a topological walk, leaf gradients summed. No checks of any kind (shapes,
   dtypes, gradient counts, freed graphs), no `no_grad`, no retain_grad, no constants of the
   right dtype, no clear errors: the least Python work a graph-recording engine can do per op;
3. *ops only*: tinygrad_np's own op classes (`MatMul.forward`, `Add.backward`, ...) called in
   a fixed order written out by hand, with no graph at all: what the step would cost if the
   engine's bookkeeping were free;
4. *replayed*: the array calls those op bodies, the walk and SGD make, written out straight
   with no Python around them: what replaying a recorded step would cost if it kept every
   array the ops allocate (no buffer planning);
5. the hand-written numpy step (the zero-overhead reference of `train_step.py`).

It first checks that all five compute the same loss and weights. It also runs the step on a
tiny 8-6-4 network, where numpy's work is almost nothing, so the difference to numpy is the
engine's own fixed cost per step, measured without the noise of big arrays.
"""
from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

import train_step as bench
from tinygrad_np.ops.elementwise import Add, Mul, Relu
from tinygrad_np.ops.linalg import MatMul
from tinygrad_np.ops.nn import L2, SoftmaxCrossEntropy

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
    W1, b1, W2, b2 = (Node(bench.aligned_copy(p[k])) for k in ("W1", "b1", "W2", "b2"))
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


# -- the ops alone ------------------------------------------------------------------------------
def ops_only_step(p: dict[str, Any]) -> tuple[bench.Step, Callable[[], list]]:
    """tinygrad_np's op classes on arrays, in the order the engine would run them."""
    W1, b1, W2, b2 = (bench.aligned_copy(p[k]) for k in ("W1", "b1", "W2", "b2"))
    lam = np.array(LAM, W1.dtype)

    def node(op: type, *needs: bool) -> Any:
        ctx = op()
        ctx.saved_tensors, ctx.needs_input_grad = (), needs
        return ctx

    def step(x: Any, y: Any) -> Any:
        mm1, add1, act = node(MatMul, False, True), node(Add, True, True), node(Relu, True)
        mm2, add2 = node(MatMul, True, True), node(Add, True, True)
        ce, pen1, pen2 = node(SoftmaxCrossEntropy, True), node(L2, True), node(L2, True)
        pens, scaled, total = node(Add, True, True), node(Mul, False, True), node(Add, True, True)
        logits = add2.forward(mm2.forward(act.forward(add1.forward(mm1.forward(x, W1), b1)), W2),
                              b2)
        penalty = scaled.forward(lam, pens.forward(pen1.forward(W1), pen2.forward(W2)))
        loss = total.forward(ce.forward(logits, labels=y), penalty)

        grad_ce, grad_penalty = total.backward(np.array(1, W1.dtype))
        grad_pen1, grad_pen2 = pens.backward(scaled.backward(grad_penalty)[1])
        gW1, gW2 = pen1.backward(grad_pen1), pen2.backward(grad_pen2)
        grad_pre2, gb2 = add2.backward(ce.backward(grad_ce))
        grad_act, gW2_data = mm2.backward(grad_pre2)
        grad_pre1, gb1 = add1.backward(act.backward(grad_act))
        gW1 += mm1.backward(grad_pre1)[1]
        gW2 += gW2_data
        for w, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
            w -= LR * g
        return loss

    return step, lambda: [W1, b1, W2, b2]


def replayed_step(p: dict[str, Any]) -> tuple[bench.Step, Callable[[], list]]:
    """The array calls tinygrad_np makes for this step (its op bodies, the walk's in-place
    sums, SGD), written out straight: what replaying a recorded step would cost without
    planning buffers. Values that do not depend on the data are computed once, as a recorder
    would fold them: the scalar penalty's gradients (the seed times `lam`) and the row indices.
    The label range check stays, as the guard a replay needs."""
    W1, b1, W2, b2 = (bench.aligned_copy(p[k]) for k in ("W1", "b1", "W2", "b2"))
    lam = np.array(LAM, W1.dtype)
    grad_penalty = np.array(1, W1.dtype) * lam  # Mul.backward of the seed, done once
    rows = {}

    def step(x: Any, y: Any) -> Any:
        n, classes = len(x), W2.shape[1]
        if y.astype(np.int64, copy=False).view(np.uint64).max() >= classes:  # the guard
            raise ValueError("labels out of range: run the step as written")
        h_pre = x @ W1 + b1                                    # MatMul, Add
        h = np.maximum(h_pre, 0)                               # Relu
        logits = h @ W2 + b2                                   # MatMul, Add
        at = rows.get(n)                                       # SoftmaxCrossEntropy
        if at is None:
            at = rows[n] = np.arange(n)
        shifted = logits - logits.max(axis=1, keepdims=True)
        picked = shifted[at, y]
        exp = np.exp(shifted, out=shifted)
        total = exp.sum(axis=1, keepdims=True)
        ce = np.asarray((np.log(total[:, 0]) - picked).sum() / n)
        exp /= total
        w1, w2 = W1.reshape(-1), W2.reshape(-1)                # L2, L2, Add, Mul, Add
        penalty = np.asarray(np.asarray(0.5 * w1.dot(w1)) + np.asarray(0.5 * w2.dot(w2)))
        loss = np.asarray(ce + np.asarray(lam * penalty))
        gW1, gW2 = grad_penalty * W1, grad_penalty * W2        # L2.backward
        scale = np.array(1, W1.dtype) / n                      # SoftmaxCrossEntropy.backward
        grad_logits = exp * scale
        grad_logits[at, y] -= scale
        gb2 = grad_logits.sum(axis=0)                          # Add.backward (unbroadcast)
        grad_h = grad_logits @ W2.T                            # MatMul.backward
        gW2 += h.T @ grad_logits                               # the walk's in-place sum
        grad_pre = grad_h * (h_pre > 0)                        # Relu.backward
        gb1 = grad_pre.sum(axis=0)                             # Add.backward
        gW1 += x.T @ grad_pre                                  # MatMul.backward, summed
        for w, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):  # SGD
            w -= LR * g
        return loss

    return step, lambda: [W1, b1, W2, b2]


# -- measurement -------------------------------------------------------------------------------
IMPLS = {"tinygrad_np": bench.tinygrad_step, "minimal": minimal_step, "ops only": ops_only_step,
         "replayed": replayed_step, "numpy": bench.numpy_step}


def fixed_cost(repeats: int) -> dict[str, float]:
    """Microseconds per step on an 8-6-4 network at batch 4: almost pure Python overhead."""
    problem = bench.make_problem(4, "float32", sizes=(8, 6, 4))
    steps = {name: make(problem)[0] for name, make in IMPLS.items()}
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
    print("  over numpy: " + ", ".join(f"{name} {us - tiny['numpy']:.1f} us"
                                       for name, us in tiny.items() if name != "numpy"))
    print()
    engines = [name for name in IMPLS if name != "numpy"]
    print("| batch | numpy (us) | " + " | ".join(f"{name} / numpy" for name in engines) + " | "
          + " | ".join(f"{name} - numpy (us)" for name in engines) + " |")
    print("|---:|---:|" + "---|" * len(engines) + "---:|" * len(engines))
    for batch in (32, 128, 1024):
        problem = bench.make_problem(batch, "float32")
        impls = {name: make(problem) for name, make in IMPLS.items()}
        bench.check_agreement(impls, problem, "float32")
        x, y = problem["x"], problem["y"]
        times, _ = bench.time_interleaved(
            {name: (lambda f=v[0], x=x, y=y: f(x, y)) for name, v in impls.items()}, rounds, 0.04)
        s = bench.summarize(times)
        ratios = [f"{s[n]['ratio']:.3f} ({s[n]['ratio_low']:.2f}-{s[n]['ratio_high']:.2f})"
                  for n in engines]
        differences = [f"{s[n]['difference'] * 1e6:.0f}" for n in engines]
        print(f"| {batch} | {s['numpy']['median'] * 1e6:.0f} | " + " | ".join(ratios) + " | "
              + " | ".join(differences) + " |", flush=True)
    print("\nRatios and differences are paired within rounds (medians over rounds); in "
          "brackets, the 10th-90th percentile of the per-round ratios.")


if __name__ == "__main__":
    main()
