"""Second-order gradients at work: Hessian-vector products, Newton's method, a gradient penalty.

    python examples/second_order.py --offline-split

Three uses of `tinygrad_np.grad(..., create_graph=True)`, on MNIST:

1. Hessian-vector products on a two-layer net (784-hidden-10, tanh, softmax cross-entropy,
   float64): H v as the gradient of <gradient, v>, checked against central differences of
   the gradient along v.
2. Newton's method on L2-regularised logistic regression (two digits, 4x4-pooled images:
   49 features and a bias). The Hessian is built row by row from the gradient's own
   gradient; Newton reaches a gradient norm below --tol in a few steps, where gradient
   descent with the best fixed step (1 / the largest curvature) takes hundreds.
3. A gradient penalty ("double backpropagation", Drucker & LeCun 1992): the two-layer net
   trained on cross-entropy + --penalty * mean ||d loss / d input||^2, the penalty's own
   gradient going through the first one. The last line is `test accuracy: 0.XXXX`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import common
import numpy as np

import tinygrad_np as tg
from tinygrad_np import Tensor, grad
from tinygrad_np.datasets import DataLoader

NAME = "second_order"
SUMMARY = (__doc__ or NAME).splitlines()[0]


def init_net(hidden: int, rng: np.random.Generator) -> list[Tensor]:
    """W1, b1, W2, b2 of a 784-hidden-10 net, float64."""
    return [Tensor(rng.standard_normal((784, hidden)) / np.sqrt(784), requires_grad=True),
            Tensor(np.zeros(hidden), requires_grad=True),
            Tensor(rng.standard_normal((hidden, 10)) / np.sqrt(hidden), requires_grad=True),
            Tensor(np.zeros(10), requires_grad=True)]


def net_loss(params: Sequence[Tensor], x: Any, labels: np.ndarray) -> Tensor:
    w1, b1, w2, b2 = params
    return ((x @ w1 + b1).tanh() @ w2 + b2).softmax_cross_entropy(labels)


# -- 1. Hessian-vector products ---------------------------------------------------------------
def hessian_vector_check(params: list[Tensor], x: np.ndarray, labels: np.ndarray,
                         rng: np.random.Generator, eps: float = 1e-5) -> float:
    """max |H v - (g(theta + eps v) - g(theta - eps v)) / 2 eps| over all parameters,
    relative to max |H v|, for a random unit direction v."""
    vs = [rng.standard_normal(p.shape) for p in params]
    norm = np.sqrt(sum((v * v).sum() for v in vs))
    vs = [v / norm for v in vs]
    grads = grad(net_loss(params, x, labels), params, create_graph=True)
    hvp = [h.data for h in grad(grads, params, grad_outputs=[Tensor(v) for v in vs])]

    def gradient_at(shift: float) -> list[np.ndarray]:
        moved = [Tensor(p.data + shift * v, requires_grad=True) for p, v in zip(params, vs)]
        return [g.data for g in grad(net_loss(moved, x, labels), moved)]

    upper, lower = gradient_at(eps), gradient_at(-eps)
    numeric = [(u - lo) / (2 * eps) for u, lo in zip(upper, lower)]
    error = max(np.abs(h - n).max() for h, n in zip(hvp, numeric))
    scale = max(np.abs(h).max() for h in hvp)
    print(f"Hessian-vector product on the 784-{params[0].shape[1]}-10 net "
          f"({sum(p.size for p in params):,} parameters, batch of {len(x)}): "
          f"max |Hv| = {scale:.4g}")
    print(f"max |Hv - finite differences of the gradient| = {error:.3g} "
          f"(relative {error / scale:.2g})")
    return error / scale


# -- 2. Newton's method vs gradient descent ---------------------------------------------------
def pooled(images: np.ndarray) -> np.ndarray:
    """(N, 784) images as (N, 50): 4x4 averages of the 28x28 pixels, and a 1 for the bias."""
    small = images.reshape(-1, 7, 4, 7, 4).mean(axis=(2, 4)).reshape(-1, 49)
    return np.hstack([small, np.ones((len(small), 1))]).astype(np.float64)


def logistic_loss(w: Tensor, features: np.ndarray, targets: np.ndarray, l2: float) -> Tensor:
    return tg.binary_cross_entropy_with_logits(Tensor(features) @ w, targets) \
        + 0.5 * l2 * (w * w).sum()


def hessian(loss: Tensor, w: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """The gradient and the Hessian of `loss` w.r.t. the vector `w`: row i of the Hessian is
    the gradient of the i-th gradient element."""
    g, = grad(loss, w, create_graph=True)
    rows = [grad(g[i], w, retain_graph=True)[0].data for i in range(w.shape[0])]
    return g.data, np.stack(rows)


def newton_vs_gradient_descent(features: np.ndarray, targets: np.ndarray, l2: float,
                               tol: float, max_gd_steps: int) -> tuple[int, int]:
    print(f"logistic regression, {len(features):,} images, {features.shape[1]} weights, "
          f"L2 {l2}: steps until |gradient| < {tol}")
    w = Tensor(np.zeros(features.shape[1]), requires_grad=True)
    newton_steps = 0
    g, h = hessian(logistic_loss(w, features, targets, l2), w)
    largest_curvature = float(np.linalg.eigvalsh(h).max())  # at the start: the GD step size
    while np.linalg.norm(g) >= tol and newton_steps < 50:
        w = Tensor(w.data - np.linalg.solve(h, g), requires_grad=True)
        newton_steps += 1
        loss = logistic_loss(w, features, targets, l2)
        g, h = hessian(loss, w)
        print(f"  Newton step {newton_steps}: loss {loss.item():.10f}, "
              f"|gradient| {np.linalg.norm(g):.3g}")
    lr = 1 / largest_curvature
    w = Tensor(np.zeros(features.shape[1]), requires_grad=True)
    gd_steps = 0
    while gd_steps < max_gd_steps:
        loss = logistic_loss(w, features, targets, l2)
        loss.backward()
        if np.linalg.norm(w.grad) < tol:
            break
        w.data -= lr * w.grad
        w.grad = None
        gd_steps += 1
    reached = "" if gd_steps < max_gd_steps else f" (not reached: stopped at {max_gd_steps})"
    print(f"Newton's method: {newton_steps} steps; gradient descent "
          f"(lr = 1/{largest_curvature:.3g}): {gd_steps} steps{reached}, loss {loss.item():.10f}")
    return newton_steps, gd_steps


# -- 3. a gradient penalty --------------------------------------------------------------------
def train_with_gradient_penalty(params: list[Tensor], loader: DataLoader, epochs: int,
                                lr: float, penalty: float) -> None:
    step, last = 0, epochs * len(loader) - 1
    for epoch in range(1, epochs + 1):
        for x, labels in common.progress(loader, desc=f"penalty epoch {epoch}/{epochs}"):
            x = Tensor(x.astype(np.float64), requires_grad=True)
            loss = net_loss(params, x, labels)
            # d loss / d x inside the loss: create_graph so that its norm can be trained on
            input_grad, = grad(loss, x, create_graph=True)
            # loss is the batch mean, so row i of input_grad is (1/n) d loss_i / d x_i: the
            # mean over i of |d loss_i / d x_i|^2 is n * the sum of input_grad's squares
            size = (input_grad * input_grad).sum() * len(x.data)
            total = loss + penalty * size
            grads = grad(total, params)
            for p, g in zip(params, grads):
                p.data -= lr * g.data
            if step % 10 == 0 or step == last:
                print(f"  step {step}: loss {loss.item():.4f}, "
                      f"mean |d loss_i / d x_i|^2 {size.item():.4g}")
            step += 1


def main(argv: Sequence[str] | None = None) -> float:
    parser = common.make_parser(NAME, SUMMARY, epochs=2, batch_size=50, lr=0.2, limit=2000,
                                ignored=("--out",))
    parser.add_argument("--hidden", type=common.positive_int, default=32,
                        help="hidden units of the two-layer net")
    parser.add_argument("--digits", type=int, nargs=2, default=(3, 5), metavar=("A", "B"),
                        help="the two digits logistic regression tells apart")
    parser.add_argument("--l2", type=common.positive_float, default=1e-2,
                        help="L2 regularisation of the logistic regression")
    parser.add_argument("--tol", type=common.positive_float, default=1e-6,
                        help="gradient norm at which Newton / gradient descent stop")
    parser.add_argument("--gd-steps", type=common.positive_int, default=20000,
                        help="most gradient-descent steps")
    parser.add_argument("--penalty", type=common.nonnegative_float, default=0.5,
                        help="weight of the input-gradient penalty")
    args = parser.parse_args(argv)
    data = common.load_data(args)
    print(data.description)
    rng = np.random.default_rng(args.seed)
    x_train = data.x_train.astype(np.float64)

    params = init_net(args.hidden, rng)
    batch = slice(0, min(args.batch_size, len(x_train)))
    hessian_vector_check(params, x_train[batch], data.y_train[batch], rng)

    a, b = args.digits
    pick = (data.y_train == a) | (data.y_train == b)
    if pick.sum() < 2:
        raise common.ExampleError(f"--digits {a} {b}: fewer than two such training images")
    newton_vs_gradient_descent(pooled(x_train[pick]), (data.y_train[pick] == b).astype(
        np.float64), args.l2, args.tol, args.gd_steps)

    print(f"two-layer net with gradient penalty {args.penalty}:")
    loader = DataLoader(x_train, data.y_train, batch_size=args.batch_size, seed=args.seed)
    train_with_gradient_penalty(params, loader, args.epochs, args.lr, args.penalty)
    w1, b1, w2, b2 = params
    with tg.no_grad():
        scores = (Tensor(data.x_test.astype(np.float64)) @ w1 + b1).tanh() @ w2 + b2
    accuracy = float((scores.data.argmax(axis=1) == data.y_test).mean())
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    common.run(main)
