"""Define a new op with the public Function API, use it in an expression, and gradcheck it.

    python examples/custom_op.py

Softplus(x) = log(1 + exp(x)), written stably; its derivative is sigmoid(x).
Built-in ops (Add, MatMul, Relu, ...) are defined exactly this way.
"""
from __future__ import annotations

import argparse

import numpy as np

from tinygrad_np import Function, Tensor, gradcheck


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    # A small regression layer using the new op next to built-in ones.
    x = Tensor(rng.standard_normal((8, 5)))
    w = Tensor(rng.standard_normal((5, 3)), requires_grad=True, name="w")
    target = Tensor(rng.standard_normal((8, 3)))
    loss = ((softplus(x @ w) - target) ** 2).mean()
    loss.backward()
    print(f"loss = {loss.item():.6f}, |dloss/dw| = {np.linalg.norm(w.grad):.6f}")

    # gradcheck returns True or raises GradcheckError naming the worst element.
    gradcheck(lambda x, w: ((softplus(x @ w) - target) ** 2).mean(), x, w)
    print("gradcheck of Softplus inside the expression: OK")
    gradcheck(softplus, Tensor(rng.standard_normal((4, 4)) * 10))
    print("gradcheck of Softplus alone (inputs of size up to ~30): OK")


if __name__ == "__main__":
    main()
