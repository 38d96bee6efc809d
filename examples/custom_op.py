"""Define a new op with the public Function API, use it in an expression, and gradcheck it.

    python examples/custom_op.py
    python examples/custom_op.py --data DIR --seed 1

Softplus(x) = log(1 + exp(x)), written stably; its derivative is sigmoid(x).
Built-in ops (Add, MatMul, Relu, ...) are defined exactly this way. The expression is a tiny
classifier with Softplus as its hidden activation, on 8 real digits (the MNIST test images,
bundled with tinygrad_np, or those in --data DIR; --dataset fashion-mnist for clothing),
average-pooled to 7x7 pixels so that gradcheck's numerical derivatives take milliseconds.
"""
from __future__ import annotations

from collections.abc import Sequence

import common
import numpy as np

from tinygrad_np import Function, Tensor, gradcheck

NAME = "custom_op"
SUMMARY = (__doc__ or NAME).splitlines()[0]  # the docstring's first line, for --help
BATCH = 8


class Softplus(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large |x|.
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 + np.exp(-x))  # sigmoid(x)


def softplus(x: Tensor) -> Tensor:
    return Softplus.apply(x)


def pooled_digits(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) images in [0, 1] -> (N, 49) float64: the mean of each 4x4 block."""
    n = len(images)
    return images.reshape(n, 7, 4, 7, 4).mean(axis=(2, 4)).reshape(n, 49).astype(np.float64)


def main(argv: Sequence[str] | None = None) -> None:
    parser = common.make_parser(
        NAME, SUMMARY, epochs=1, batch_size=BATCH, lr=1.0,
        ignored=("--epochs", "--batch-size", "--lr", "--limit", "--offline-split", "--out"),
        seed_help="seed of the weights and of which test images are used")
    args = parser.parse_args(argv)
    images, labels = common.load_split(args, "test", flatten=False)
    rng = np.random.default_rng(args.seed)
    pick = np.sort(rng.choice(len(images), BATCH, replace=False))
    x = Tensor(pooled_digits(images[pick]))
    y = labels[pick]
    print(f"{BATCH} {args.dataset} test images {pick.tolist()}, labels {y.tolist()}, "
          f"pooled to 7x7")

    # A small classifier using the new op next to built-in ones.
    w = Tensor(rng.standard_normal((49, 16)) * 0.3, requires_grad=True, name="w")
    v = Tensor(rng.standard_normal((16, 10)) * 0.3, requires_grad=True, name="v")

    def loss_fn(x: Tensor, w: Tensor, v: Tensor) -> Tensor:
        return (softplus(x @ w) @ v).softmax_cross_entropy(y)

    loss = loss_fn(x, w, v)
    loss.backward()
    assert w.grad is not None and v.grad is not None
    print(f"loss = {loss.item():.6f}, |dloss/dw| = {np.linalg.norm(w.grad):.6f}, "
          f"|dloss/dv| = {np.linalg.norm(v.grad):.6f}")

    # gradcheck returns True or raises GradcheckError naming the worst element.
    gradcheck(loss_fn, x, w, v)
    print("gradcheck of Softplus inside the expression: OK")
    gradcheck(softplus, Tensor(rng.standard_normal((4, 4)) * 10))
    print("gradcheck of Softplus alone (inputs of size up to ~30): OK")


if __name__ == "__main__":
    common.run(main, offline_hint=False)
