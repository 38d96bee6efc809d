"""Where the tests find the real data, offline, with nothing beside the clone. Missing data
fails a test, with a message saying where to put it; it never skips (a skipped accuracy test
would pass unnoticed).

- MNIST: the 10,000 test digits bundled in the package (`tinygrad_np/datasets/data/`, read
  by `load_mnist_sample`). The 60,000 training images are not there: tests use the offline
  split (train on the first 8,000 test images, evaluate on the last 2,000), as
  `--offline-split` does.
- Fashion-MNIST: all four files in /usr/share/datasets/fashion-mnist (Debian/Ubuntu package
  `dataset-fashion-mnist`, which scripts/install-os-deps.sh installs).
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

import tinygrad_np.datasets
from tinygrad_np.datasets import load_fashion_mnist, load_mnist_sample
from tinygrad_np.datasets.sample import MNIST_SAMPLE_FILES

# The bundled files as a folder, for what takes a directory (`--data DIR`, `root=`).
BUNDLED_MNIST_DIR = Path(tinygrad_np.datasets.__file__).resolve().parent / "data"
MNIST_DIR = BUNDLED_MNIST_DIR
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
MNIST_TEST_STEMS = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
ALL_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", *MNIST_TEST_STEMS)
OFFLINE_TRAIN = 8000  # the same split as examples/common.py's --offline-split


class Data(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _missing(folder: Path, stems: tuple[str, ...]) -> list[str]:
    return [s for s in stems if not (folder / s).is_file() and not (folder / f"{s}.gz").is_file()]


def mnist_dir() -> Path:
    """The folder holding the bundled MNIST test files, or a test failure naming what is
    missing (a broken checkout)."""
    missing = [name for name in MNIST_SAMPLE_FILES if not (MNIST_DIR / name).is_file()]
    if missing:
        pytest.fail(f"bundled MNIST files missing in {MNIST_DIR}: {', '.join(missing)}; they "
                    f"are part of the repository (git checkout -- {MNIST_DIR})", pytrace=False)
    return MNIST_DIR


def fashion_dir() -> Path:
    """The folder with the four Fashion-MNIST files, or a test failure saying what is missing."""
    missing = _missing(FASHION_DIR, ALL_STEMS)
    if missing:
        pytest.fail(f"Fashion-MNIST not found: {', '.join(m + '[.gz]' for m in missing)} "
                    f"missing in {FASHION_DIR}; install it with "
                    f"`sh scripts/install-os-deps.sh` (apt-get install dataset-fashion-mnist).",
                    pytrace=False)
    return FASHION_DIR


def _read_only(*arrays: np.ndarray) -> Data:
    for a in arrays:
        a.flags.writeable = False  # shared between tests through the cache: nobody may edit
    return Data(*arrays)


@functools.lru_cache(maxsize=1)
def mnist_offline_split() -> Data:
    """Real MNIST digits, float32 (N, 784) in [0, 1]: 8,000 to train on, 2,000 to test."""
    (x_train, y_train), (x_test, y_test) = load_mnist_sample(
        OFFLINE_TRAIN, normalize=True, flatten=True)
    return _read_only(x_train, y_train, x_test, y_test)


@functools.lru_cache(maxsize=1)
def _fashion(folder: Path) -> Data:
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(
        root=folder, download=False, normalize=True, flatten=True)
    return _read_only(x_train, y_train, x_test, y_test)


def fashion_mnist() -> Data:
    """Full Fashion-MNIST, float32 (N, 784) in [0, 1]: 60,000 train, 10,000 test."""
    return _fashion(fashion_dir())
