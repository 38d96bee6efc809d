"""Data sets for tinygrad_np: an IDX reader, MNIST / Fashion-MNIST loaders, the MNIST test set
bundled in the package (``load_mnist_sample``, no download), minibatch iteration.

>>> from tinygrad_np.datasets import load_mnist, DataLoader  # doctest: +SKIP
>>> (x_train, y_train), (x_test, y_test) = load_mnist(  # doctest: +SKIP
...     normalize=True, flatten=True)
>>> for xb, yb in DataLoader(x_train, y_train, batch_size=128):  # doctest: +SKIP
...     pass
"""

from .download import ChecksumError, DownloadError, download_file
from .idx import IDXError, read_idx
from .items import ConcatDataset, Subset, TensorDataset, collate, random_split
from .loader import DataLoader, batches
from .mnist import (
    FASHION_MNIST_CLASSES,
    Dataset,
    DatasetError,
    DatasetNotFoundError,
    Split,
    load_fashion_mnist,
    load_mnist,
)
from .sample import load_mnist_sample

__all__ = [
    "FASHION_MNIST_CLASSES",
    "ChecksumError",
    "ConcatDataset",
    "Subset",
    "TensorDataset",
    "collate",
    "random_split",
    "DataLoader",
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "DownloadError",
    "IDXError",
    "Split",
    "batches",
    "download_file",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist_sample",
    "read_idx",
]
