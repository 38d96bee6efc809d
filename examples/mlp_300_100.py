"""The [300, 100] ReLU MLP with an L2 penalty (alpha 1e-4) and Glorot-uniform weights.

    python examples/mlp_300_100.py --offline-split

The network of the classic hand-written backprop tutorials (784-300-100-10, LeCun et al.
1998 report 3.05% test error for it), here in a few lines: `nn.Linear` layers, the loss as
an expression, `optim.SGD` with momentum. Saves the weights to --out/weights.npz
(`MLP().load(path)` reads them back) and prints `test accuracy: 0.XXXX` last.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import common
import numpy as np

from tinygrad_np import Tensor, nn, no_grad, optim
from tinygrad_np.datasets import DataLoader
from tinygrad_np.metrics import accuracy

NAME = "mlp_300_100"
SUMMARY = (__doc__ or NAME).splitlines()[0]  # the docstring's first line, for --help


class MLP(nn.Module):
    """784 -> 300 -> 100 -> 10, ReLU between the layers."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.fc1 = nn.Linear(784, 300, init="glorot", rng=rng)
        self.fc2 = nn.Linear(300, 100, init="glorot", rng=rng)
        self.fc3 = nn.Linear(100, 10, init="glorot", rng=rng)

    def forward(self, x: Any) -> Tensor:
        return self.fc3(self.fc2(self.fc1(x).relu()).relu())


def main(argv: Sequence[str] | None = None) -> float:
    parser = common.make_parser(NAME, SUMMARY, epochs=10, batch_size=32, lr=0.05)
    parser.add_argument("--alpha", type=common.nonnegative_float, default=1e-4,
                        help="L2 penalty on the weights: alpha * sum of 0.5 * w**2")
    parser.add_argument("--momentum", type=common.nonnegative_float, default=0.9)
    args = parser.parse_args(argv)
    data = common.load_data(args)
    print(f"data: {data.description}")

    model = MLP(args.seed)
    weights = [model.fc1.weight, model.fc2.weight, model.fc3.weight]
    opt = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loader = DataLoader(data.x_train, data.y_train, batch_size=args.batch_size, seed=args.seed)
    # lr: from --lr to 0 along half a cosine over the run, stepped after every batch
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * len(loader))
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        bar = common.progress(loader, desc=f"epoch {epoch}/{args.epochs}")
        for x, y in bar:
            loss = model(x).softmax_cross_entropy(y) + args.alpha * sum(w.l2() for w in weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
        bar.close()
        with no_grad():
            test_acc = accuracy(model(data.x_test), data.y_test)
        print(f"epoch {epoch}: test accuracy {test_acc:.4f}", flush=True)
    print(f"trained in {time.perf_counter() - start:.1f} s")

    common.save_and_report(model, args.out, test_acc)
    return test_acc


if __name__ == "__main__":
    common.run(main)
