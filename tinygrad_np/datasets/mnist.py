"""MNIST and Fashion-MNIST: find the IDX files on disk, download them if missing, load as arrays."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NamedTuple, overload

import numpy as np

from .download import DownloadError, download_file
from .idx import read_idx

__all__ = [
    "DATA_ENV_VAR",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_MD5",
    "FASHION_MNIST_MIRRORS",
    "FASHION_MNIST_SIZES",
    "FASHION_MNIST_SYSTEM_DIRS",
    "MNIST_MD5",
    "MNIST_MIRRORS",
    "MNIST_SIZES",
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "Split",
    "load_fashion_mnist",
    "load_mnist",
]

DATA_ENV_VAR = "TINYGRAD_NP_DATA"

# Base URLs tried in order; the file name is appended. Read at call time, so tests and
# users behind a proxy can replace them (monkeypatch or plain assignment).
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
FASHION_MNIST_MIRRORS: tuple[str, ...] = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
)
# MD5 of the original .gz files as the mirrors serve them (the same values torchvision uses).
MNIST_MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
FASHION_MNIST_MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
# Sizes in bytes of the same .gz files. A download may be a little larger (a mirror that
# recompressed the file), never much: anything past _size_cap() is refused while it arrives.
MNIST_SIZES: dict[str, int] = {
    "train-images-idx3-ubyte.gz": 9_912_422,
    "train-labels-idx1-ubyte.gz": 28_881,
    "t10k-images-idx3-ubyte.gz": 1_648_877,
    "t10k-labels-idx1-ubyte.gz": 4_542,
}
FASHION_MNIST_SIZES: dict[str, int] = {
    "train-images-idx3-ubyte.gz": 26_421_880,
    "train-labels-idx1-ubyte.gz": 29_515,
    "t10k-images-idx3-ubyte.gz": 4_422_102,
    "t10k-labels-idx1-ubyte.gz": 5_148,
}
# Where the Debian/Ubuntu package `dataset-fashion-mnist` installs the four .gz files.
FASHION_MNIST_SYSTEM_DIRS: tuple[str, ...] = ("/usr/share/datasets/fashion-mnist",)
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip

_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_NUM_CLASSES = 10
_IMAGE_SHAPE = (28, 28)


class Split(NamedTuple):
    """Images and labels of one split; unpacks as ``x, y = split``."""

    images: np.ndarray
    labels: np.ndarray


class Dataset(NamedTuple):
    """Both splits; unpacks as ``(x_train, y_train), (x_test, y_test) = dataset``."""

    train: Split
    test: Split


class DatasetNotFoundError(FileNotFoundError):
    """Data set files are missing locally and could not (or may not) be downloaded.

    Besides the message: ``missing`` (the file stems not found), ``searched`` (the folders
    looked in, in order) and ``download_error`` (the :class:`DownloadError`, or ``None`` when
    no download was tried).
    """

    missing: tuple[str, ...] = ()
    searched: tuple[Path, ...] = ()
    download_error: DownloadError | None = None


class DatasetError(ValueError):
    """The files are valid IDX but not a valid data set (shapes, counts, label range)."""


class _Source(NamedTuple):
    name: str  # directory name under the cache and under $TINYGRAD_NP_DATA
    title: str
    mirrors: Sequence[str]
    md5: dict[str, str]
    sizes: dict[str, int]
    system_dirs: Sequence[str]


PathArg = str | os.PathLike[str] | None


@overload
def load_mnist(
    root: PathArg = None,
    download: bool = True,
    normalize: bool = False,
    flatten: bool = False,
    one_hot_label: bool = False,
    split: None = None,
) -> Dataset: ...
@overload
def load_mnist(
    root: PathArg = None,
    download: bool = True,
    normalize: bool = False,
    flatten: bool = False,
    one_hot_label: bool = False,
    *,
    split: Literal["train", "test"],
) -> Split: ...
def load_mnist(
    root: PathArg = None,
    download: bool = True,
    normalize: bool = False,
    flatten: bool = False,
    one_hot_label: bool = False,
    split: Literal["train", "test"] | None = None,
) -> Dataset | Split:
    """Load MNIST handwritten digits (60000 train / 10000 test, 28x28 uint8, labels 0..9).

    Files are looked up in ``root`` only if given, else in ``$TINYGRAD_NP_DATA/mnist``,
    ``$TINYGRAD_NP_DATA``, ``~/.cache/tinygrad_np/mnist``; missing ones are downloaded (MD5
    checked) into ``root`` or the cache when ``download`` is true.
    ``normalize``: float32 in [0, 1]; ``flatten``: (N, 784); ``one_hot_label``: (N, 10) float32
    labels, else int64. ``split="train"``/``"test"`` loads and returns only that :class:`Split`.

    >>> (x_train, y_train), (x_test, y_test) = load_mnist()          # doctest: +SKIP
    >>> x, y = load_mnist(split="test", normalize=True, flatten=True)  # doctest: +SKIP
    >>> x.shape, x.dtype, y[:3]                                      # doctest: +SKIP
    ((10000, 784), dtype('float32'), array([7, 2, 1]))
    """
    src = _Source("mnist", "MNIST", MNIST_MIRRORS, MNIST_MD5, MNIST_SIZES, ())
    return _load(src, root, download, normalize, flatten, one_hot_label, split)


@overload
def load_fashion_mnist(
    root: PathArg = None,
    download: bool = True,
    normalize: bool = False,
    flatten: bool = False,
    one_hot_label: bool = False,
    split: None = None,
) -> Dataset: ...
@overload
def load_fashion_mnist(
    root: PathArg = None,
    download: bool = True,
    normalize: bool = False,
    flatten: bool = False,
    one_hot_label: bool = False,
    *,
    split: Literal["train", "test"],
) -> Split: ...
def load_fashion_mnist(
    root: PathArg = None,
    download: bool = True,
    normalize: bool = False,
    flatten: bool = False,
    one_hot_label: bool = False,
    split: Literal["train", "test"] | None = None,
) -> Dataset | Split:
    """Load Fashion-MNIST (Zalando clothing, same shapes as MNIST); see :func:`load_mnist`.

    Also searched, last: ``/usr/share/datasets/fashion-mnist`` (Debian package
    ``dataset-fashion-mnist``). Class names are in ``FASHION_MNIST_CLASSES``.

    >>> d = load_fashion_mnist(download=False)  # doctest: +SKIP
    >>> d.train.images.shape, FASHION_MNIST_CLASSES[d.train.labels[0]]  # doctest: +SKIP
    ((60000, 28, 28), 'Ankle boot')
    """
    src = _Source(
        "fashion-mnist",
        "Fashion-MNIST",
        FASHION_MNIST_MIRRORS,
        FASHION_MNIST_MD5,
        FASHION_MNIST_SIZES,
        FASHION_MNIST_SYSTEM_DIRS,
    )
    return _load(src, root, download, normalize, flatten, one_hot_label, split)


def _default_dir(name: str) -> Path:
    return Path.home() / ".cache" / "tinygrad_np" / name


def _search_dirs(src: _Source, root: PathArg) -> list[Path]:
    if root is not None:
        return [Path(root).expanduser()]  # an explicit root is the only place looked at
    dirs = []
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        base = Path(env).expanduser()
        dirs += [base / src.name, base]
    dirs.append(_default_dir(src.name))
    dirs += [Path(d) for d in src.system_dirs]
    return dirs


def _find(stem: str, dirs: Sequence[Path]) -> Path | None:
    """First directory holding ``stem`` or ``stem.gz`` wins; each file is looked up on its own."""
    for d in dirs:
        for candidate in (d / stem, d / f"{stem}.gz"):
            if candidate.is_file():
                return candidate
    return None


def _load(
    src: _Source,
    root: PathArg,
    download: bool,
    normalize: bool,
    flatten: bool,
    one_hot_label: bool,
    split: str | None,
) -> Dataset | Split:
    if split not in (None, "train", "test"):
        raise ValueError(f"split must be None, 'train' or 'test', got {split!r}")
    parts = ("train", "test") if split is None else (split,)
    dirs = _search_dirs(src, root)
    paths = {stem: _find(stem, dirs) for part in parts for stem in _FILES[part]}
    missing = [stem for stem, p in paths.items() if p is None]
    if missing:
        dest = Path(root).expanduser() if root is not None else _default_dir(src.name)
        if not download:
            raise _not_found(src, missing, dirs, dest, root, None)
        for stem in missing:
            name = f"{stem}.gz"
            try:
                paths[stem] = download_file(
                    name, dest, src.md5[name], src.mirrors, max_bytes=_size_cap(src.sizes[name])
                )
            except DownloadError as exc:
                still = [s for s in missing if paths[s] is None]
                raise _not_found(src, still, dirs, dest, root, exc) from exc

    found = {stem: p for stem, p in paths.items() if p is not None}  # all of them by now
    loaded = {}
    for part in parts:
        image_stem, label_stem = _FILES[part]
        loaded[part] = _read_split(
            found[image_stem], found[label_stem], normalize, flatten, one_hot_label
        )
    return loaded[split] if split is not None else Dataset(loaded["train"], loaded["test"])


def _size_cap(size: int) -> int:
    """The most bytes a download of a file of known ``size`` may have: 1% and 4 KiB above."""
    return size + size // 100 + 4096


def _not_found(
    src: _Source,
    missing: Sequence[str],
    dirs: Sequence[Path],
    dest: Path,
    root: PathArg,
    exc: DownloadError | None,
) -> DatasetNotFoundError:
    searched = "\n".join(f"  {d}" for d in dirs)
    lines = [
        f"{src.title} files missing: {', '.join(f'{m}[.gz]' for m in missing)}",
        f"searched, in this order:\n{searched}",
    ]
    if root is not None:
        lines.append(
            f"put the files (plain or .gz) in {dest} (with root= given, no other place is searched)"
        )
    else:
        lines.append(
            f"put the files (plain or .gz) in {dest}, or pass root=/path/to/dir, "
            f"or set {DATA_ENV_VAR}=/path/to/dir"
        )
    if exc is None:
        lines.append(f"or pass download=True to fetch them from {', '.join(src.mirrors)}")
    else:
        lines.append(f"download failed: {exc}")
    error = DatasetNotFoundError("\n".join(lines))
    error.missing, error.searched, error.download_error = tuple(missing), tuple(dirs), exc
    return error


def _read_split(
    image_path: Path, label_path: Path, normalize: bool, flatten: bool, one_hot_label: bool
) -> Split:
    x, y = _check_and_convert(
        read_idx(image_path), read_idx(label_path), image_path, label_path,
        normalize, flatten, one_hot_label,
    )  # fmt: skip
    return Split(x, y)


def _check_and_convert(
    images: np.ndarray,
    labels: np.ndarray,
    image_path: str | os.PathLike[str],
    label_path: str | os.PathLike[str],
    normalize: bool,
    flatten: bool,
    one_hot_label: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Check that two IDX arrays form an MNIST-shaped data set, then apply the options."""
    if images.ndim != 3 or images.shape[1:] != _IMAGE_SHAPE or images.dtype != np.uint8:
        raise DatasetError(
            f"{image_path}: expected uint8 images of shape (N, 28, 28), "
            f"got {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DatasetError(
            f"{label_path}: expected uint8 labels of shape (N,), got {labels.dtype} {labels.shape}"
        )
    if len(images) != len(labels):
        raise DatasetError(
            f"count mismatch: {image_path} has {len(images)} images but {label_path} "
            f"has {len(labels)} labels"
        )
    bad = np.flatnonzero(labels >= _NUM_CLASSES)
    if bad.size:
        i = int(bad[0])
        raise DatasetError(
            f"{label_path}: label {labels[i]} at index {i} is out of range 0..{_NUM_CLASSES - 1} "
            f"({bad.size} bad labels)"
        )

    x: np.ndarray = images
    if normalize:
        x = images.astype(np.float32)
        x /= np.float32(255)  # divide, not multiply by 1/255: 255 must map to exactly 1.0
    if flatten:
        x = x.reshape(len(x), -1)  # a view, no copy
    y = np.eye(_NUM_CLASSES, dtype=np.float32)[labels] if one_hot_label else labels.astype(np.int64)
    return x, y
