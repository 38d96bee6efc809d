"""A two-layer network for MNIST, written as the maths: `relu(x @ W1 + b1) @ W2 + b2`.

    python examples/mnist_two_layer.py                   # full MNIST (downloads it once)
    python examples/mnist_two_layer.py --offline-split   # only the 10,000 test images
    python examples/mnist_two_layer.py --dataset fashion-mnist --epochs 5

Four named tensors are the whole model. The loss is softmax cross-entropy plus an L2
penalty; `loss.backward()` fills `W1.grad` ... and `optim.SGD` with momentum updates the
weights in place (v = momentum * v + grad; p -= lr * v). The learning rate falls to zero
along half a cosine over the run (`optim.lr_scheduler.CosineAnnealingLR`, stepped after every
batch). Before training, `gradcheck` compares `backward()` with numerical
derivatives of the very same loss on a small float64 batch.

With no network and no MNIST on disk, the first command says so in one line on stderr and
trains on the 10,000 MNIST test digits bundled with tinygrad_np (8,000 train, 2,000 test),
as --offline-split does.

Outputs (in --out): weights.npz (W1, b1, W2, b2; read it with `tinygrad_np.nn.load_state` or
`np.load(..., allow_pickle=False)`), curves.png (loss and accuracy) and misclassified.png.
The last line printed is `test accuracy: 0.XXXX`.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import common
import numpy as np

from tinygrad_np import Tensor, gradcheck, no_grad, optim, relu
from tinygrad_np.datasets import DataLoader
from tinygrad_np.nn import init, save_state

NAME = "mnist_two_layer"
SUMMARY = (__doc__ or NAME).splitlines()[0]  # the docstring's first line, for --help


def parse_args(argv: Sequence[str] | None) -> Any:
    parser = common.make_parser(NAME, SUMMARY, epochs=10, batch_size=32, lr=0.05)
    model = parser.add_argument_group("model")
    model.add_argument("--hidden", type=common.positive_int, default=100,
                       help="units in the hidden layer")
    model.add_argument("--momentum", type=common.nonnegative_float, default=0.9,
                       help="SGD momentum (0: plain SGD)")
    model.add_argument("--lam", type=common.nonnegative_float, default=1e-4,
                       help="L2 penalty: lam * (W1.l2() + W2.l2()), l2 = 0.5 * sum of squares")
    model.add_argument("--constant-lr", action="store_true",
                       help="keep the learning rate fixed instead of the cosine decay to 0")
    return parser.parse_args(argv)


def forward(x: Any, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Tensor:
    """The network: logits (N, 10) for images x (N, 784)."""
    return relu(x @ W1 + b1) @ W2 + b2


def loss_fn(x: Any, y: Any, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor,
            lam: float) -> tuple[Tensor, Tensor]:
    """Mean cross-entropy plus the L2 penalty on the weights (not the biases); also the logits."""
    logits = forward(x, W1, b1, W2, b2)
    loss = logits.softmax_cross_entropy(y) + lam * (W1.l2() + W2.l2())
    return loss, logits


def predict(x: np.ndarray, params: Sequence[Tensor], batch_size: int = 2000) -> np.ndarray:
    """Predicted classes, computed without recording a graph."""
    with no_grad():
        return np.concatenate([forward(x[i:i + batch_size], *params).data.argmax(axis=1)
                               for i in range(0, len(x), batch_size)])


def check_gradients(data: common.Data, params: Sequence[Tensor], lam: float) -> None:
    """gradcheck the loss w.r.t. all four tensors on 8 images, in float64."""
    start = time.perf_counter()
    x = data.x_train[:8].astype(np.float64)
    y = data.y_train[:8]
    copies = [Tensor(p.data.astype(np.float64)) for p in params]
    gradcheck(lambda W1, b1, W2, b2: loss_fn(x, y, W1, b1, W2, b2, lam)[0], *copies)
    sizes = sum(p.size for p in params)
    print(f"gradcheck OK (backward() vs central differences of the loss on a float64 batch "
          f"of {len(x)}: {sizes:,} parameters, {time.perf_counter() - start:.2f} s)")


def main(argv: Sequence[str] | None = None) -> float:
    args = parse_args(argv)
    common.require_matplotlib()
    data = common.load_data(args)
    print(f"data: {data.description}")

    # The model: four named tensors. Glorot-uniform weights, zero biases.
    rng = np.random.default_rng(args.seed)
    H = args.hidden
    W1 = Tensor(init.glorot_uniform((784, H), rng), requires_grad=True, name="W1")
    b1 = Tensor(np.zeros(H, dtype=np.float32), requires_grad=True, name="b1")
    W2 = Tensor(init.glorot_uniform((H, 10), rng), requires_grad=True, name="W2")
    b2 = Tensor(np.zeros(10, dtype=np.float32), requires_grad=True, name="b2")
    params = [W1, b1, W2, b2]
    lam = args.lam

    check_gradients(data, params, lam)

    loader = DataLoader(data.x_train, data.y_train, batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    total_steps = args.epochs * len(loader)
    opt = optim.SGD(params, lr=args.lr, momentum=args.momentum)
    # lr: from --lr to 0 along half a cosine, one step per batch (none with --constant-lr)
    schedule = None if args.constant_lr else \
        optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
    step = 0
    step_loss: list[float] = []
    train_acc: list[float] = []
    test_acc: list[float] = []
    print(f"training 784-{H}-10 ReLU: {args.epochs} epochs of {len(loader)} steps, batch "
          f"{args.batch_size}, lr {args.lr} ({'constant' if args.constant_lr else 'cosine to 0'}"
          f"), momentum {args.momentum}, L2 lam {lam}")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        score = common.RunningScore()
        bar = common.progress(loader, desc=f"epoch {epoch}/{args.epochs}")
        for x, y in bar:
            loss, logits = loss_fn(x, y, W1, b1, W2, b2, lam)
            opt.zero_grad()            # backward() adds into .grad: start each step from 0
            loss.backward()
            opt.step()                 # v = momentum * v + grad;  p -= lr * v (in place)
            if schedule is not None:
                schedule.step()
            step += 1

            value = loss.item()
            step_loss.append(value)
            score.add(value, logits, y)
            score.show(bar)
        bar.close()
        train_acc.append(score.accuracy)
        test_acc.append(float((predict(data.x_test, params) == data.y_test).mean()))
        print(f"epoch {epoch}: loss {score.loss:.4f}, train accuracy {train_acc[-1]:.4f} "
              f"(running), test accuracy {test_acc[-1]:.4f}", flush=True)
    elapsed = time.perf_counter() - start
    print(f"trained in {elapsed:.1f} s ({elapsed / max(step, 1) * 1e3:.2f} ms per step)")

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    save_state(out / "weights.npz", {"W1": W1, "b1": b1, "W2": W2, "b2": b2})
    predicted = predict(data.x_test, params)
    accuracy = float((predicted == data.y_test).mean())
    common.save_curves(out / "curves.png", step_loss, len(loader), train_acc, test_acc,
                       f"784-{H}-10 ReLU on {data.description}")
    wrong = np.flatnonzero(predicted != data.y_test)[:40]
    names = data.classes
    common.save_digit_grid(
        out / "misclassified.png", data.x_test[wrong],
        [f"true {names[data.y_test[i]]}\npred {names[predicted[i]]}" for i in wrong],
        f"misclassified test images: the first {len(wrong)} of "
        f"{int((predicted != data.y_test).sum())}")
    print(f"saved {out / 'weights.npz'}, {out / 'curves.png'}, {out / 'misclassified.png'}")
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    common.run(main)
