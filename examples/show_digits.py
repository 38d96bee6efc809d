"""Draw images from the IDX files, with their labels, as a PNG grid.

    python examples/show_digits.py --split test --count 40
    python examples/show_digits.py --dataset fashion-mnist --split train

Reads the files with `tinygrad_np.datasets` (`load_mnist` / `load_fashion_mnist`, which parse
them with `read_idx`) and writes --out/<dataset>_<split>.png.
"""
from __future__ import annotations

from collections.abc import Sequence

import common
import numpy as np

NAME = "show_digits"
SUMMARY = (__doc__ or NAME).splitlines()[0]  # the docstring's first line, for --help


def main(argv: Sequence[str] | None = None) -> None:
    parser = common.make_parser(NAME, SUMMARY, epochs=1, batch_size=1, lr=1.0,
                                ignored=("--epochs", "--batch-size", "--lr", "--limit",
                                         "--offline-split"),
                                seed_help="seed of the --random sample")
    parser.add_argument("--split", choices=("train", "test"), default="test",
                        help="which file pair to read (the MNIST test files are the ones "
                             "available offline)")
    parser.add_argument("--count", type=common.positive_int, default=40,
                        help="how many images to draw")
    parser.add_argument("--random", action="store_true",
                        help="draw a random sample (by --seed) instead of the first images")
    args = parser.parse_args(argv)
    common.require_matplotlib()
    images, labels = common.load_split(args, args.split, normalize=False, flatten=False)
    print(f"read {len(images):,} {args.split} images {images.shape[1:]} {images.dtype}, "
          f"labels {labels.dtype} (counts per class: {np.bincount(labels, minlength=10).tolist()})")
    count = min(args.count, len(images))
    if args.random:
        index = np.sort(np.random.default_rng(args.seed).choice(len(images), count, replace=False))
    else:
        index = np.arange(count)
    names = common.class_names(args.dataset)
    path = args.out / f"{args.dataset}_{args.split}.png"
    common.save_digit_grid(path, images[index], [f"#{i}\n{names[labels[i]]}" for i in index],
                           f"{args.dataset} {args.split} images with their labels")
    print(f"saved {path}")


if __name__ == "__main__":
    common.run(main, offline_hint=False)
