"""Watch a network learn through hooks: gradient norms per layer, one layer's gradient clipped.

    python examples/grad_hooks.py --offline-split
    python examples/grad_hooks.py --offline-split --clip 0.5 --anomaly   # checked first epoch
    python examples/grad_hooks.py --offline-split --anomaly-demo         # what a NaN looks like

A 784-100-10 ReLU network trained by SGD. Nothing in the training loop changes: all the
observing is done by hooks registered once, before training.

* `p.register_hook(fn)` on every parameter: `fn(grad)` sees each parameter's complete
  gradient (a Tensor) at every step, before it is added into `.grad`, and logs its norm.
* One more hook on the first layer's weight clips its gradient to norm --clip (it returns the
  replacement, so the optimizer only ever sees the clipped gradient).
* `layer.register_forward_hook(fn)` on each Linear logs the fraction of its outputs > 0.

With --anomaly the first epoch runs inside `tinygrad_np.detect_anomaly()` (no false alarm,
same numbers, slower). --anomaly-demo ends with a deliberately wrong loss (the log of the
raw logits) run in anomaly mode: the error names the op, the statistics and this file's line,
and the graph is drawn to --out/anomaly.dot with the failing op in red.
Prints `test accuracy: 0.XXXX` last; saves the weights to --out/weights.npz.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

import common
import numpy as np

from tinygrad_np import AnomalyError, Tensor, detect_anomaly, nn, no_grad, optim
from tinygrad_np.datasets import DataLoader
from tinygrad_np.metrics import accuracy

NAME = "grad_hooks"
SUMMARY = (__doc__ or NAME).splitlines()[0]  # the docstring's first line, for --help


class NormLog:
    """Gradient norms per parameter, per epoch: filled by hooks."""

    def __init__(self) -> None:
        self.norms: dict[str, list[float]] = {}

    def hook(self, name: str) -> Any:
        self.norms[name] = []

        def log_norm(grad: Tensor) -> None:  # returns None: the gradient is kept as it is
            self.norms[name].append(float(np.sqrt(np.sum(np.square(grad.data, dtype=np.float64)))))
        return log_norm

    def report(self) -> str:
        parts = [f"{name} {np.mean(values):.4f} (max {np.max(values):.4f})"
                 for name, values in self.norms.items() if values]
        for values in self.norms.values():
            values.clear()
        return ", ".join(parts)


def clip_to(max_norm: float, counter: dict[str, int]) -> Any:
    """A hook that scales a gradient down to norm `max_norm` when it is longer."""
    def clip(grad: Tensor) -> Tensor | None:
        norm = float(np.sqrt(np.sum(np.square(grad.data, dtype=np.float64))))
        if norm <= max_norm:
            return None
        counter["clipped"] += 1
        return grad * (max_norm / norm)
    return clip


def active_fraction(log: dict[str, list[float]], name: str) -> Any:
    """A forward hook: the fraction of a layer's outputs that are > 0 (alive after ReLU)."""
    log[name] = []

    def hook(module: nn.Module, inputs: tuple[Any, ...], output: Tensor) -> None:
        log[name].append(float(np.mean(output.data > 0)))
    return hook


def anomaly_demo(model: nn.Module, x: np.ndarray, y: np.ndarray, out: Any) -> None:
    """A wrong loss, -mean(log(logits)): the log of a negative logit is NaN."""
    print("anomaly demo: a loss that takes the log of the raw logits, in anomaly mode")
    with detect_anomaly(), np.errstate(invalid="ignore"):  # the error says it; numpy needn't
        try:
            logits = model(x)
            loss = -(logits.log()).mean()
            loss.backward()
        except AnomalyError as err:
            print(f"AnomalyError: {err}")
            out.mkdir(parents=True, exist_ok=True)
            path = err.draw(out / "anomaly.dot")
            print(f"drew the graph around the failing op to {path}")
            return
    print("no anomaly found")  # not reached with these logits


def main(argv: Sequence[str] | None = None) -> float:
    parser = common.make_parser(NAME, SUMMARY, epochs=3, batch_size=32, lr=0.1)
    group = parser.add_argument_group("hooks")
    group.add_argument("--hidden", type=common.positive_int, default=100,
                       help="units in the hidden layer")
    group.add_argument("--clip", type=common.positive_float, default=1.0,
                       help="clip the first layer's weight gradient to this norm (a hook)")
    group.add_argument("--anomaly", action="store_true",
                       help="run the first epoch inside detect_anomaly()")
    group.add_argument("--anomaly-demo", action="store_true",
                       help="end with a NaN-making loss in anomaly mode: print the error, "
                            "draw --out/anomaly.dot")
    args = parser.parse_args(argv)
    data = common.load_data(args)
    print(f"data: {data.description}")

    model = nn.Sequential(nn.Linear(784, args.hidden, rng=args.seed), nn.ReLU(),
                          nn.Linear(args.hidden, 10, rng=args.seed + 1))
    first = model[0]
    # The hooks: registered once, the training loop below knows nothing of them.
    norms = NormLog()
    clipped = {"clipped": 0}
    first.weight.register_hook(norms.hook("layers.0.weight before clipping"))
    first.weight.register_hook(clip_to(args.clip, clipped))  # runs second: sees the raw grad
    for name, p in model.named_parameters():
        p.register_hook(norms.hook(name))  # after the clip: the norm the optimizer sees
    alive: dict[str, list[float]] = {}
    handles = [first.register_forward_hook(active_fraction(alive, "layers.0")),
               model[2].register_forward_hook(active_fraction(alive, "layers.2"))]

    opt = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loader = DataLoader(data.x_train, data.y_train, batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    print(f"training 784-{args.hidden}-10 ReLU: {args.epochs} epochs of {len(loader)} steps; "
          f"layers.0.weight's gradient clipped to norm {args.clip} by a hook")
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        checked = args.anomaly and epoch == 1
        with detect_anomaly() if checked else contextlib.nullcontext():
            for x, y in common.progress(loader, desc=f"epoch {epoch}/{args.epochs}"):
                loss = model(x).softmax_cross_entropy(y)
                opt.zero_grad()
                loss.backward()
                opt.step()
        seconds = time.perf_counter() - start
        steps = len(loader)
        fractions = ", ".join(f"{name} {np.mean(v):.3f}" for name, v in alive.items())
        for values in alive.values():
            values.clear()
        print(f"epoch {epoch}{' (anomaly mode)' if checked else ''}: {seconds:.2f} s; "
              f"clipped {clipped['clipped']}/{steps} steps")
        print(f"  gradient norms, mean over the epoch: {norms.report()}")
        print(f"  fraction of outputs > 0 (forward hooks): {fractions}")
        clipped["clipped"] = 0
    for handle in handles:
        handle.remove()  # no more logging: evaluation runs the plain modules
    with no_grad():
        test_acc = accuracy(model(data.x_test), data.y_test)
    if args.anomaly_demo:
        anomaly_demo(model, data.x_test[:8], data.y_test[:8], args.out)
    common.save_and_report(model, args.out, test_acc)
    return test_acc


if __name__ == "__main__":
    common.run(main)
