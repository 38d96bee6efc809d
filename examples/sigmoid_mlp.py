"""A 784-30-10 network with a sigmoid hidden layer, trained by plain minibatch SGD.

    python examples/sigmoid_mlp.py --offline-split

The network of the classic theory tutorial (Nielsen, "Neural Networks and Deep Learning",
chapters 1-3: 30 sigmoid hidden units, minibatches of 10), with the cross-entropy loss of
its chapter 3 (here on softmax outputs), in a few lines. Saves the weights to
--out/weights.npz and prints `test accuracy: 0.XXXX` last.
"""
from __future__ import annotations

import time
from collections.abc import Sequence

import common

from tinygrad_np import nn, no_grad, optim
from tinygrad_np.datasets import DataLoader
from tinygrad_np.metrics import accuracy

NAME = "sigmoid_mlp"
SUMMARY = (__doc__ or NAME).splitlines()[0]  # the docstring's first line, for --help


def main(argv: Sequence[str] | None = None) -> float:
    parser = common.make_parser(NAME, SUMMARY, epochs=10, batch_size=10, lr=0.5)
    parser.add_argument("--hidden", type=common.positive_int, default=30,
                        help="sigmoid units in the hidden layer")
    args = parser.parse_args(argv)
    data = common.load_data(args)
    print(f"data: {data.description}")

    model = nn.Sequential(nn.Linear(784, args.hidden, rng=args.seed), nn.Sigmoid(),
                          nn.Linear(args.hidden, 10, rng=args.seed + 1))
    opt = optim.SGD(model.parameters(), lr=args.lr)
    loader = DataLoader(data.x_train, data.y_train, batch_size=args.batch_size, seed=args.seed)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        for x, y in common.progress(loader, desc=f"epoch {epoch}/{args.epochs}"):
            loss = model(x).softmax_cross_entropy(y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with no_grad():
            test_acc = accuracy(model(data.x_test), data.y_test)
        print(f"epoch {epoch}: test accuracy {test_acc:.4f}", flush=True)
    print(f"trained in {time.perf_counter() - start:.1f} s")

    common.save_and_report(model, args.out, test_acc)
    return test_acc


if __name__ == "__main__":
    common.run(main)
