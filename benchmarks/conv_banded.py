"""When conv2d is faster as a banded matmul (`tinygrad_np/ops/conv_banded.py`) than as
im2col: both forms timed on the same convs, forward and backward, float32.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/conv_banded.py
    python benchmarks/conv_banded.py --batch 128 --quick

Each row is one conv layer's forward plus backward (the input's gradient too, unless it is a
first layer), the median of interleaved rounds, with the banded form forced on and off;
"taken" says which form conv2d picks by itself for those shapes (W'/kw is the banded form's
extra arithmetic). About a minute; run it on an idle machine.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

import tinygrad_np as tg
from tinygrad_np import Tensor
from tinygrad_np.ops import conv_banded

# (name, in channels, out channels, image size, kernel, padding, input needs its gradient)
LAYERS = [
    ("LeNet conv1 1->6 5x5 p2 on 28", 1, 6, 28, 5, 2, False),
    ("LeNet conv2 6->16 5x5 on 14", 6, 16, 14, 5, 0, True),
    ("3->16 5x5 on 8", 3, 16, 8, 5, 0, True),
    ("16->32 3x3 p1 on 8", 16, 32, 8, 3, 1, True),
    ("32->64 3x3 p1 on 7", 32, 64, 7, 3, 1, True),
    ("32->32 3x3 p1 on 4", 32, 32, 4, 3, 1, True),
    ("64->64 3x3 p1 on 4", 64, 64, 4, 3, 1, True),
    ("128->128 3x3 p1 on 4", 128, 128, 4, 3, 1, True),
]


def layer_step(batch: int, c: int, o: int, size: int, k: int, padding: int, need_x: bool,
               seed: int = 0) -> Callable[[], None]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, c, size, size)).astype(np.float32)
    w = Tensor(rng.standard_normal((o, c, k, k)).astype(np.float32) * 0.1, requires_grad=True)
    b = Tensor(np.zeros(o, np.float32), requires_grad=True)
    out_size = size + 2 * padding - k + 1
    g = rng.standard_normal((batch, o, out_size, out_size)).astype(np.float32)

    def step() -> None:
        w.grad = b.grad = None
        xt = Tensor(x, requires_grad=need_x)
        tg.conv2d(xt, w, b, padding=padding).backward(g)
    return step


def timed(step: Callable[[], None], seconds: float) -> float:
    """Median ms of `step` over about `seconds`."""
    step()
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="2 short rounds per layer")
    args = parser.parse_args(argv)
    rounds, seconds = (2, 0.05) if args.quick else (5, 0.2)
    print(f"batch {args.batch}, float32, forward + backward, ms (median of {rounds} rounds)")
    print(f"{'layer':<32} {'Wp/kw':>6} {'im2col':>8} {'banded':>8} {'banded/im2col':>14} "
          f"{'taken':>7}")
    defaults = _limits()
    try:
        for name, c, o, size, k, padding, need_x in LAYERS:
            step = layer_step(args.batch, c, o, size, k, padding, need_x)
            per_form: dict[str, list[float]] = {"im2col": [], "banded": []}
            for _ in range(rounds):
                for form, limits in (("im2col", (0.0, 0.0, 0)), ("banded", FORCED)):
                    _limits(limits)
                    per_form[form].append(timed(step, seconds))
            _limits(defaults)
            out_size = size + 2 * padding - k + 1
            taken = conv_banded.banded_fits((args.batch, c, size, size), (o, c, k, k), 1,
                                            (1, 1), (1, 1), (out_size, out_size), 4)
            plain, banded = (statistics.median(per_form[f]) for f in ("im2col", "banded"))
            print(f"{name:<32} {(size + 2 * padding) / k:>6.1f} {plain:>8.3f} {banded:>8.3f} "
                  f"{banded / plain:>14.2f} {'banded' if taken else 'im2col':>7}")
    finally:
        _limits(defaults)


FORCED = (float("inf"), float("inf"), 1 << 62)


def _limits(limits: tuple[float, float, int] | None = None) -> tuple[float, float, int]:
    """conv_banded's (MAX_RATIO, MAX_SPREAD, MAX_WEIGHT_BYTES); set to `limits` if given."""
    old = (conv_banded.MAX_RATIO, conv_banded.MAX_SPREAD, conv_banded.MAX_WEIGHT_BYTES)
    if limits is not None:
        conv_banded.MAX_RATIO, conv_banded.MAX_SPREAD, conv_banded.MAX_WEIGHT_BYTES = limits
    return old


if __name__ == "__main__":
    main()
