"""A LeNet-style CNN for MNIST from nn modules: conv-relu-pool twice, then two linear layers.

    python examples/mnist_cnn.py                   # full MNIST (downloads it once)
    python examples/mnist_cnn.py --offline-split   # only the 10,000 test images: 8,000 / 2,000
    python examples/mnist_cnn.py --dataset fashion-mnist --epochs 5

The model is `nn.Sequential(Conv2d(1, 6, 5, padding=2), ReLU, MaxPool2d(2), Conv2d(6, 16, 5),
ReLU, MaxPool2d(2), Flatten, Linear(400, 120), ReLU, Linear(120, 10))`: 28x28 -> 6x28x28 ->
6x14x14 -> 16x10x10 -> 16x5x5 -> 400 -> 120 -> 10. It trains with SGD (momentum, weight
decay) under `optim.lr_scheduler.OneCycleLR`, stepped every batch: the learning rate rises
from lr/25 to lr over the first 30% of the steps, then falls along a cosine to lr/250,000,
while the momentum moves the other way between 0.95 and 0.85 (PyTorch's defaults).

Outputs (in --out): weights.npz (the model's state dict; `model.load(path)` reads it),
curves.png (loss and accuracy), misclassified.png, and filters.png: the six learned 5x5
filters of the first layer. The last line printed is `test accuracy: 0.XXXX`.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import common
import numpy as np

from tinygrad_np import nn, no_grad, optim
from tinygrad_np.datasets import DataLoader

NAME = "mnist_cnn"
SUMMARY = (__doc__ or NAME).splitlines()[0]  # the docstring's first line, for --help


def parse_args(argv: Sequence[str] | None) -> Any:
    parser = common.make_parser(NAME, SUMMARY, epochs=15, batch_size=64, lr=0.05,
                                seed_help="seed of the weight initialisation and shuffling")
    model = parser.add_argument_group("model")
    model.add_argument("--hidden", type=common.positive_int, default=120,
                       help="units in the hidden linear layer")
    model.add_argument("--momentum", type=common.nonnegative_float, default=0.9,
                       help="SGD momentum (with the one-cycle schedule: its peak, cycled down "
                            "to momentum - 0.1 and back)")
    model.add_argument("--weight-decay", type=common.nonnegative_float, default=5e-4,
                       help="L2 weight decay of SGD")
    model.add_argument("--constant-lr", action="store_true",
                       help="keep the learning rate fixed instead of the one-cycle schedule")
    return parser.parse_args(argv)


def make_model(hidden: int, seed: int) -> nn.Sequential:
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),  # (N, 16, 5, 5) -> (N, 400)
        nn.Linear(16 * 5 * 5, hidden, init="he", rng=rng), nn.ReLU(),
        nn.Linear(hidden, 10, rng=rng))


def images(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Images in [0, 1] as (N, 1, 28, 28) float32, standardised with the training set's
    mean and standard deviation."""
    return ((x.reshape(-1, 1, 28, 28) - mean) / std).astype(np.float32)


def predict(model: nn.Sequential, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Predicted classes, computed without recording a graph."""
    with no_grad():
        return np.concatenate([model(x[i:i + batch_size]).data.argmax(axis=1)
                               for i in range(0, len(x), batch_size)])


def save_filters(path: Path, weight: np.ndarray, title: str) -> Path:
    """PNG: the first layer's filters (out_channels, 1, kh, kw), each on its own colour scale
    centred on 0 (red positive, blue negative)."""
    plt = common._pyplot()
    count = weight.shape[0]
    fig, axes = plt.subplots(1, count, figsize=(1.2 * count, 1.6), dpi=90, squeeze=False)
    for index, ax in enumerate(axes.flat):
        kernel = weight[index, 0]
        scale = float(np.abs(kernel).max()) or 1.0
        ax.imshow(kernel, cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest")
        ax.set_title(f"filter {index}", fontsize=7, pad=2)
        ax.set_axis_off()
    fig.suptitle(title, fontsize=8)
    fig.tight_layout(pad=0.3)
    return common._save(fig, plt, path)


def main(argv: Sequence[str] | None = None) -> float:
    args = parse_args(argv)
    common.require_matplotlib()
    data = common.load_data(args, flatten=False)
    print(f"data: {data.description}")
    mean, std = float(data.x_train.mean()), float(data.x_train.std())
    x_train, x_test = images(data.x_train, mean, std), images(data.x_test, mean, std)

    model = make_model(args.hidden, args.seed)
    params = model.parameters()
    opt = optim.SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    loader = DataLoader(x_train, data.y_train, batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    total_steps = args.epochs * len(loader)
    schedule = None if args.constant_lr else optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=total_steps, base_momentum=max(args.momentum - 0.1, 0),
        max_momentum=args.momentum, cycle_momentum=args.momentum > 0)
    how = "constant" if schedule is None else f"one-cycle up to {args.lr}"
    print(f"training {sum(p.size for p in params):,} parameters: {args.epochs} epochs of "
          f"{len(loader)} steps, batch {args.batch_size}, lr {how}, momentum "
          f"{args.momentum}, weight decay {args.weight_decay}")
    print(model)

    steps = 0
    step_loss: list[float] = []
    train_acc: list[float] = []
    test_acc: list[float] = []
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        score = common.RunningScore()
        bar = common.progress(loader, desc=f"epoch {epoch}/{args.epochs}")
        for x, y in bar:
            logits = model(x)
            loss = logits.softmax_cross_entropy(y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if schedule is not None:
                schedule.step()
            steps += 1

            value = loss.item()
            step_loss.append(value)
            score.add(value, logits, y)
            score.show(bar)
        bar.close()
        train_acc.append(score.accuracy)
        test_acc.append(float((predict(model, x_test) == data.y_test).mean()))
        print(f"epoch {epoch}: loss {score.loss:.4f}, train accuracy {train_acc[-1]:.4f} "
              f"(running), test accuracy {test_acc[-1]:.4f} "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
    elapsed = time.perf_counter() - start
    print(f"trained in {elapsed:.1f} s ({elapsed / max(steps, 1) * 1e3:.2f} ms per step)")

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    predicted = predict(model, x_test)
    accuracy = float((predicted == data.y_test).mean())
    common.save_curves(out / "curves.png", step_loss, len(loader), train_acc, test_acc,
                       f"LeNet-style CNN on {data.description}")
    wrong = np.flatnonzero(predicted != data.y_test)[:40]
    names = data.classes
    common.save_digit_grid(
        out / "misclassified.png", data.x_test[wrong],
        [f"true {names[data.y_test[i]]}\npred {names[predicted[i]]}" for i in wrong],
        f"misclassified test images: the first {len(wrong)} of "
        f"{int((predicted != data.y_test).sum())}")
    first = model[0].weight.data
    save_filters(out / "filters.png", first,
                 f"the {first.shape[0]} learned 5x5 filters of the first layer "
                 f"(test accuracy {accuracy:.4f})")
    print(f"saved {out / 'curves.png'}, {out / 'misclassified.png'}, {out / 'filters.png'}")
    common.save_and_report(model, out, accuracy)
    return accuracy


if __name__ == "__main__":
    common.run(main)
