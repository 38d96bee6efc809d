"""Where the tests find the real data, offline. Missing data fails a test, with a message
saying where to put it; it never skips (a skipped accuracy test would pass unnoticed).

- MNIST: the test files (t10k-*) and the train labels in `shared/data/mnist`, in the
  `shared/` folder that lies beside the project root (CI clones the repository with `shared/`
  next to it). The 60,000 training images are not there: tests use the offline split (train
  on the first 8,000 test images, evaluate on the last 2,000), as `--offline-split` does.
- Fashion-MNIST: all four files in /usr/share/datasets/fashion-mnist (Debian/Ubuntu package
  `dataset-fashion-mnist`).
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from tinygrad_np.datasets import load_fashion_mnist, load_mnist

MNIST_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
MNIST_TEST_STEMS = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
ALL_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", *MNIST_TEST_STEMS)
SHARED_MNIST_STEMS = ("train-labels-idx1-ubyte", *MNIST_TEST_STEMS)  # all but train images
OFFLINE_TRAIN = 8000  # the same split as examples/common.py's --offline-split


class Data(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _missing(folder: Path, stems: tuple[str, ...]) -> list[str]:
    return [s for s in stems if not (folder / s).is_file() and not (folder / f"{s}.gz").is_file()]


def mnist_dir() -> Path:
    """The folder with the offline MNIST files, or a test failure that says what is missing."""
    missing = _missing(MNIST_DIR, SHARED_MNIST_STEMS)
    if missing:
        pytest.fail(f"offline MNIST data not found: {', '.join(m + '[.gz]' for m in missing)} "
                    f"missing in {MNIST_DIR} (the shared/ folder beside the project root; "
                    f"CI clones the repository with shared/ next to it). Put the MNIST test "
                    f"files and train labels there.", pytrace=False)
    return MNIST_DIR


def fashion_dir() -> Path:
    """The folder with the four Fashion-MNIST files, or a test failure saying what is missing."""
    missing = _missing(FASHION_DIR, ALL_STEMS)
    if missing:
        pytest.fail(f"Fashion-MNIST not found: {', '.join(m + '[.gz]' for m in missing)} "
                    f"missing in {FASHION_DIR}; install it with "
                    f"`apt-get install dataset-fashion-mnist`.", pytrace=False)
    return FASHION_DIR


def _read_only(*arrays: np.ndarray) -> Data:
    for a in arrays:
        a.flags.writeable = False  # shared between tests through the cache: nobody may edit
    return Data(*arrays)


@functools.lru_cache(maxsize=1)
def _mnist_offline_split(folder: Path) -> Data:
    x, y = load_mnist(root=folder, download=False, normalize=True, flatten=True, split="test")
    return _read_only(x[:OFFLINE_TRAIN], y[:OFFLINE_TRAIN], x[OFFLINE_TRAIN:], y[OFFLINE_TRAIN:])


def mnist_offline_split() -> Data:
    """Real MNIST digits, float32 (N, 784) in [0, 1]: 8,000 to train on, 2,000 to test."""
    return _mnist_offline_split(mnist_dir())


@functools.lru_cache(maxsize=1)
def _fashion(folder: Path) -> Data:
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(
        root=folder, download=False, normalize=True, flatten=True)
    return _read_only(x_train, y_train, x_test, y_test)


def fashion_mnist() -> Data:
    """Full Fashion-MNIST, float32 (N, 784) in [0, 1]: 60,000 train, 10,000 test."""
    return _fashion(fashion_dir())
