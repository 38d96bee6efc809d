"""Draw the graph of a two-layer MNIST classifier's loss, plain and with gradients.

    python examples/draw_graph.py                  # writes out/graph/mnist_loss*.svg|png
    python examples/draw_graph.py --out docs/images --rankdir TB

Uses a batch of real MNIST test digits: the ones bundled with tinygrad_np, or those in
`--data DIR`; if that folder lacks them, random pixels of the same shape, which make the same
picture apart from the numbers. Nothing is downloaded. Rendering needs Graphviz's `dot`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from tinygrad_np import Tensor, relu, viz


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python examples/draw_graph.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/graph"),
                        help="directory for the pictures (default: out/graph)")
    parser.add_argument("--data", type=Path, default=None,
                        help="directory holding the MNIST test files (default: the copy "
                             "bundled with tinygrad_np)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--rankdir", choices=["LR", "TB"], default="LR",
                        help="layout: LR left to right (default), TB top to bottom")
    parser.add_argument("--batch", type=int, default=8,
                        help="digits in the batch; only the shapes show (default: 8)")
    return parser.parse_args(argv)


def load_batch(data: Path | None, batch: int, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray]:
    """A batch of MNIST test digits, or random ones of the same shape if none are found."""
    try:
        from tinygrad_np.datasets import load_mnist, load_mnist_sample

        if data is None:
            x, y = load_mnist_sample(0, normalize=True, flatten=True).test
        else:
            x, y = load_mnist(root=data, download=False, split="test", normalize=True,
                              flatten=True)
        print(f"using {batch} MNIST test digits")
        return x[:batch], y[:batch]
    except (ImportError, OSError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"MNIST not available ({reason}); using {batch} random images instead "
              f"(same shapes, so the same picture apart from the numbers)")
        x = rng.random((batch, 784), dtype=np.float32)
        y = rng.integers(0, 10, size=batch)
        return x, y


def build_loss(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, lam: float = 1e-4
               ) -> Tensor:
    """Cross-entropy of a 784-100-10 ReLU network plus an L2 penalty on the weights."""
    def param(shape: tuple[int, ...], name: str, scale: float) -> Tensor:
        data = (rng.standard_normal(shape) * scale).astype(np.float32)
        return Tensor(data, requires_grad=True, name=name)

    W1 = param((784, 100), "W1", np.sqrt(2 / 784))
    b1 = Tensor(np.zeros(100, np.float32), requires_grad=True, name="b1")
    W2 = param((100, 10), "W2", np.sqrt(2 / 100))
    b2 = Tensor(np.zeros(10, np.float32), requires_grad=True, name="b2")
    xt = Tensor(x, name="x")
    loss = (relu(xt @ W1 + b1) @ W2 + b2).softmax_cross_entropy(y) + lam * (W1.l2() + W2.l2())
    loss.name = "loss"
    return loss


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x, y = load_batch(args.data, args.batch, rng)
    loss = build_loss(x, y, rng)
    viz.retain_grads(loss)  # before backward: keep every intermediate's gradient to show it
    loss.backward()
    print(f"loss = {loss.item():.4f}")
    try:
        for stem, show_grads in (("mnist_loss", False), ("mnist_loss_grads", True)):
            for suffix in (".svg", ".png"):
                path = viz.draw(loss, args.out / f"{stem}{suffix}", show_grads=show_grads,
                                rankdir=args.rankdir)
                print(f"wrote {path}")
    except viz.GraphvizNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
