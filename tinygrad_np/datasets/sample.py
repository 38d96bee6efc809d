"""The MNIST test set shipped inside the package: real digits with no download and no network.

The two files in ``tinygrad_np/datasets/data/`` are the official ``t10k-images-idx3-ubyte.gz``
and ``t10k-labels-idx1-ubyte.gz`` (10,000 digits, 1.65 MB) as the MNIST mirrors serve them,
byte for byte: their MD5s are the ones in ``MNIST_MD5``. MNIST is by Yann LeCun and Corinna
Cortes and is licensed CC BY-SA 3.0 (see docs/datasets.md).
"""

from __future__ import annotations

import hashlib
import io
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from .idx import read_idx_stream
from .mnist import MNIST_MD5, Dataset, DatasetError, Split, _check_and_convert

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11 on

__all__ = ["MNIST_SAMPLE_FILES", "MNIST_SAMPLE_SIZE", "load_mnist_sample"]

MNIST_SAMPLE_FILES: tuple[str, str] = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
MNIST_SAMPLE_SIZE = 10_000  # digits in the bundled files
_PACKAGE = "tinygrad_np.datasets"
_FOLDER = "data"


def load_mnist_sample(
    train_size: int = 8000,
    normalize: bool = False,
    flatten: bool = False,
    one_hot_label: bool = False,
) -> Dataset:
    """The 10,000 MNIST test digits bundled with the package, split in two.

    The first ``train_size`` images (0 to 10,000) are the training split, the other
    ``10000 - train_size`` the test split. Same arrays and options as :func:`load_mnist`:
    images ``(N, 28, 28)`` uint8 (``normalize``: float32 in [0, 1]; ``flatten``:
    ``(N, 784)``), labels int64 (``one_hot_label``: ``(N, 10)`` float32). Both files' MD5s
    are checked on every call; a damaged installation raises :class:`DatasetError`. Nothing
    is downloaded.

    >>> (x_train, y_train), (x_test, y_test) = load_mnist_sample()
    >>> x_train.shape, x_test.shape, y_train[:5].tolist()
    ((8000, 28, 28), (2000, 28, 28), [7, 2, 1, 0, 4])
    """
    if isinstance(train_size, bool) or not isinstance(train_size, (int, np.integer)):
        raise TypeError(
            f"load_mnist_sample: train_size must be an int, got {type(train_size).__name__} "
            f"{train_size!r}"
        )
    if not 0 <= train_size <= MNIST_SAMPLE_SIZE:
        raise ValueError(
            f"load_mnist_sample: train_size must be between 0 and {MNIST_SAMPLE_SIZE} (the "
            f"bundled set has {MNIST_SAMPLE_SIZE:,} digits), got {train_size}"
        )
    image_name, label_name = MNIST_SAMPLE_FILES
    images = _read_bundled(image_name)
    labels = _read_bundled(label_name)
    if len(images) != MNIST_SAMPLE_SIZE:
        raise DatasetError(
            f"bundled {image_name}: expected {MNIST_SAMPLE_SIZE} images, got {len(images)}"
        )
    x, y = _check_and_convert(
        images, labels, image_name, label_name, normalize, flatten, one_hot_label
    )
    n = int(train_size)
    return Dataset(Split(x[:n], y[:n]), Split(x[n:], y[n:]))


def _data_dir() -> Traversable:
    """The bundled files' folder, through importlib.resources: works from a checkout, an
    installed wheel or a zip import alike."""
    return resources.files(_PACKAGE) / _FOLDER


def _read_bundled(name: str) -> np.ndarray:
    """One bundled file, MD5-checked, parsed from memory."""
    where = f"{_PACKAGE}/{_FOLDER}/{name}"
    try:
        data = (_data_dir() / name).read_bytes()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise DatasetError(
            f"the bundled MNIST file {where} is missing from this installation of "
            f"tinygrad_np; reinstall the package ({exc})"
        ) from exc
    got = hashlib.md5(data, usedforsecurity=False).hexdigest()
    expected = MNIST_MD5[name]
    if got != expected:
        raise DatasetError(
            f"the bundled MNIST file {where} is damaged: MD5 {got}, expected {expected} "
            f"({len(data):,} bytes); reinstall the package"
        )
    return read_idx_stream(io.BytesIO(data), where)
