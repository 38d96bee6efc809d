"""Why backprop exists, measured: numerical gradients vs `backward()` on the same network.

    python examples/numerical_vs_backprop.py --offline-split

The `TwoLayerNet` of "Deep Learning from Scratch" (784-50-10, sigmoid hidden layer, softmax
cross-entropy, weights drawn from N(0, 0.01^2)), in float64. Two copies start from the same
weights on a small subset of the training images. For the first --numgrad-steps minibatches
one copy gets its gradient from `tinygrad_np.numgrad` (central differences: two loss
evaluations per parameter, 2 x 39,760 forward passes per step), the other from one forward
and one backward pass; both take the same SGD step. The script prints the time per step of
each, the speed-up, and the largest difference between the two gradients. Then backprop
alone trains on the subset for --epochs, its weights go to --out/weights.npz (W1, b1, W2, b2),
and the last line is `test accuracy: 0.XXXX`.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import common
import numpy as np

from tinygrad_np import Tensor, no_grad, numgrad, sigmoid
from tinygrad_np.datasets import DataLoader
from tinygrad_np.metrics import accuracy
from tinygrad_np.nn import save_state

NAME = "numerical_vs_backprop"
SUMMARY = (__doc__ or NAME).splitlines()[0]  # the docstring's first line, for --help


class TwoLayerNet:
    """784 -> hidden (sigmoid) -> 10, the parameters kept in a dict as in the book."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 weight_init_std: float = 0.01, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": Tensor(weight_init_std * rng.standard_normal((input_size, hidden_size)),
                         requires_grad=True, name="W1"),
            "b1": Tensor(np.zeros(hidden_size), requires_grad=True, name="b1"),
            "W2": Tensor(weight_init_std * rng.standard_normal((hidden_size, output_size)),
                         requires_grad=True, name="W2"),
            "b2": Tensor(np.zeros(output_size), requires_grad=True, name="b2"),
        }

    def predict(self, x: Any) -> Tensor:
        p = self.params
        return sigmoid(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]

    def loss(self, x: Any, t: Any) -> Tensor:
        return self.predict(x).softmax_cross_entropy(t)

    def numerical_gradient(self, x: Any, t: Any) -> dict[str, np.ndarray]:
        """Nudge every parameter by +-1e-6 in turn and watch the loss: 2 passes per number."""
        arrays = [p.data for p in self.params.values()]
        with no_grad():  # plain forward passes; nothing needs recording
            grads = numgrad(lambda *_: self.loss(x, t), *arrays)
        return dict(zip(self.params, grads))

    def gradient(self, x: Any, t: Any) -> dict[str, np.ndarray]:
        """One forward pass, one backward pass."""
        for p in self.params.values():
            p.grad = None
        self.loss(x, t).backward()
        return {name: p.grad for name, p in self.params.items()}

    def sgd_step(self, grads: dict[str, np.ndarray], lr: float) -> None:
        for name, p in self.params.items():
            p.data -= lr * grads[name]


def main(argv: Sequence[str] | None = None) -> float:
    parser = common.make_parser(NAME, SUMMARY, epochs=50, batch_size=10, lr=1.0,
                                limit=100)
    parser.add_argument("--numgrad-steps", type=common.positive_int, default=2,
                        help="minibatches whose gradient is also computed numerically "
                             "(each takes seconds)")
    parser.add_argument("--hidden", type=common.positive_int, default=50,
                        help="hidden units (the book's 50; fewer make numgrad faster)")
    args = parser.parse_args(argv)
    data = common.load_data(args)
    x_train = data.x_train.astype(np.float64)  # central differences need float64
    print(f"data: {data.description}")

    numeric_net = TwoLayerNet(784, args.hidden, 10, seed=args.seed)
    backprop_net = TwoLayerNet(784, args.hidden, 10, seed=args.seed)
    count = sum(p.size for p in backprop_net.params.values())
    print(f"TwoLayerNet 784-{args.hidden}-10, {count:,} parameters, float64, batch "
          f"{args.batch_size}")

    loader = DataLoader(x_train, data.y_train, batch_size=args.batch_size, seed=args.seed)
    numeric_time: list[float] = []
    backprop_time: list[float] = []
    worst = 0.0
    # Same minibatches for both: iterate over a list of them.
    batches = [batch for _ in range(-(-args.numgrad_steps // len(loader))) for batch in loader]
    for step, (x, t) in enumerate(batches[:args.numgrad_steps], start=1):
        start = time.perf_counter()
        grad_numeric = numeric_net.numerical_gradient(x, t)
        numeric_time.append(time.perf_counter() - start)
        start = time.perf_counter()
        grad_backprop = backprop_net.gradient(x, t)
        backprop_time.append(time.perf_counter() - start)
        diff = max(float(np.abs(grad_numeric[k] - grad_backprop[k]).max()) for k in grad_numeric)
        worst = max(worst, diff)
        print(f"step {step}: numgrad {numeric_time[-1]:.2f} s, backprop "
              f"{backprop_time[-1] * 1e3:.2f} ms, max |difference| {diff:.2e}", flush=True)
        numeric_net.sgd_step(grad_numeric, args.lr)
        backprop_net.sgd_step(grad_backprop, args.lr)
    apart = max(float(np.abs(numeric_net.params[k].data - backprop_net.params[k].data).max())
                for k in backprop_net.params)

    # Backprop alone: train on the subset, timing every step.
    for epoch in range(1, args.epochs + 1):
        for x, t in common.progress(loader, desc=f"backprop epoch {epoch}/{args.epochs}"):
            start = time.perf_counter()
            grads = backprop_net.gradient(x, t)
            backprop_time.append(time.perf_counter() - start)
            backprop_net.sgd_step(grads, args.lr)

    numeric_step = float(np.mean(numeric_time))
    backprop_step = float(np.median(backprop_time))
    print(f"numerical gradient: {numeric_step:.3f} s per step ({2 * count:,} loss "
          f"evaluations, mean of {len(numeric_time)})")
    print(f"backprop gradient:  {backprop_step * 1e3:.3f} ms per step (one forward + one "
          f"backward, median of {len(backprop_time)})")
    print(f"speed-up: {numeric_step / backprop_step:,.0f}x")
    print(f"max |numerical - backprop| gradient difference: {worst:.3e} (over all {count:,} "
          f"parameters, {len(numeric_time)} step(s))")
    print(f"after those steps the two copies' weights differ by at most {apart:.3e}")
    with no_grad():
        test_acc = accuracy(backprop_net.predict(data.x_test.astype(np.float64)), data.y_test)
    # The backprop-trained weights, as every training example leaves them (W1, b1, W2, b2).
    args.out.mkdir(parents=True, exist_ok=True)
    save_state(args.out / "weights.npz", backprop_net.params)
    print(f"saved {args.out / 'weights.npz'}")
    print(f"test accuracy: {test_acc:.4f}")
    return test_acc


if __name__ == "__main__":
    common.run(main)
