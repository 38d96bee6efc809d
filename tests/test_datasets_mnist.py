"""load_mnist / load_fashion_mnist on the real files, search order, and data set checks."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest
from real_data import FASHION_DIR, MNIST_DIR, fashion_dir, mnist_dir

from tinygrad_np.datasets import (
    Dataset,
    DatasetError,
    DatasetNotFoundError,
    Split,
    load_fashion_mnist,
    load_mnist,
)
from tinygrad_np.datasets import mnist as mnist_mod

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty HOME and no $TINYGRAD_NP_DATA, so only what a test puts in place is found."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TINYGRAD_NP_DATA", raising=False)
    return home


def write_idx(path: Path, arr: np.ndarray, dims: tuple[int, ...] | None = None) -> Path:
    dims = arr.shape if dims is None else dims
    data = (
        bytes([0, 0, 8, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims) + arr.tobytes()
    )
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def fake_split(
    directory: Path,
    part: str,
    n: int = 20,
    *,
    gz: bool = True,
    n_labels: int | None = None,
    labels: np.ndarray | None = None,
    image_shape: tuple[int, int] = (28, 28),
) -> tuple[Path, Path]:
    """Write a small MNIST-shaped split; image i is filled with i so pairs can be checked."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    images = np.broadcast_to(np.arange(n, dtype=np.uint8)[:, None, None], (n, *image_shape)).copy()
    if labels is None:
        labels = (np.arange(n if n_labels is None else n_labels) % 10).astype(np.uint8)
    img_stem, lbl_stem = STEMS[part]
    return write_idx(directory / (img_stem + suffix), images), write_idx(
        directory / (lbl_stem + suffix), labels
    )


def fake_dataset(directory: Path, n: int = 20, gz: bool = True) -> None:
    fake_split(directory, "train", n, gz=gz)
    fake_split(directory, "test", n, gz=gz)


# ---- real MNIST (the test split, bundled in the package) ---------------------------------------


@pytest.fixture(scope="module")
def mnist_test() -> Split:
    return load_mnist(mnist_dir(), download=False, split="test")


def test_real_test_split(mnist_test: Split) -> None:
    x, y = mnist_test
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,) and y.dtype == np.int64
    assert np.bincount(y, minlength=10).tolist() == MNIST_TEST_COUNTS
    assert y[:5].tolist() == [7, 2, 1, 0, 4]
    assert x.max() == 255 and x.min() == 0


def test_normalize_flatten_one_hot(mnist_test: Split) -> None:
    x, y = load_mnist(
        mnist_dir(), download=False, normalize=True, flatten=True, one_hot_label=True, split="test"
    )
    assert x.shape == (10000, 784) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_allclose(x, mnist_test.images.reshape(10000, 784) / 255.0, rtol=1e-6)
    assert y.shape == (10000, 10) and y.dtype == np.float32
    assert set(np.unique(y).tolist()) == {0.0, 1.0} and (y.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(y.argmax(axis=1), mnist_test.labels)


def test_flatten_alone_keeps_uint8(mnist_test: Split) -> None:
    x, y = load_mnist(mnist_dir(), download=False, flatten=True, split="test")
    assert x.shape == (10000, 784) and x.dtype == np.uint8
    np.testing.assert_array_equal(x, mnist_test.images.reshape(10000, -1))
    np.testing.assert_array_equal(y, mnist_test.labels)


def test_missing_train_files_error(isolated: Path) -> None:
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(mnist_dir(), download=False)
    msg = str(info.value)
    missing_line = msg.splitlines()[0]
    assert missing_line == (
        "MNIST files missing: train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]"
    )
    assert str(MNIST_DIR) in msg and "download=True" in msg
    assert isinstance(info.value, FileNotFoundError)


def test_default_mirror_md5s_match_real_files() -> None:
    for path in sorted(mnist_dir().glob("*.gz")):
        assert hashlib.md5(path.read_bytes()).hexdigest() == mnist_mod.MNIST_MD5[path.name], path


def test_bad_split_value() -> None:
    with pytest.raises(ValueError, match="split must be"):
        load_mnist(mnist_dir(), download=False, split="validation")  # type: ignore[call-overload]


# ---- real Fashion-MNIST from the Debian package --------------------------------------------------


@pytest.fixture(scope="module")
def fashion() -> Dataset:
    fashion_dir()  # a clear failure, naming the Debian package, if it is not installed
    # Found through the default search (empty HOME, no env var), which proves the system dir
    # is used.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", "/nonexistent-home-for-tests")
        mp.delenv("TINYGRAD_NP_DATA", raising=False)
        return load_fashion_mnist(download=False)


def test_fashion_real(fashion: Dataset) -> None:
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == x_test.dtype == np.uint8
    assert y_train.dtype == y_test.dtype == np.int64
    assert np.bincount(y_train, minlength=10).tolist() == [6000] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [1000] * 10
    assert mnist_mod.FASHION_MNIST_CLASSES[y_train[0]] == "Ankle boot"
    assert mnist_mod.FASHION_MNIST_SYSTEM_DIRS == (str(FASHION_DIR),)


# ---- search order ------------------------------------------------------------------------------


def test_root_is_the_only_place(
    isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dataset(tmp_path / "env")
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(tmp_path / "root", download=False)
    msg = str(info.value)
    assert str(tmp_path / "root") in msg and str(tmp_path / "env") not in msg
    fake_dataset(tmp_path / "root", n=7)
    assert len(load_mnist(tmp_path / "root", download=False).train.images) == 7


def test_env_subdir_then_env_then_cache(
    isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / "env"
    fake_dataset(isolated / ".cache" / "tinygrad_np" / "mnist", n=5)
    assert len(load_mnist(download=False).test.images) == 5  # no env var: the cache
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(env))
    fake_dataset(env, n=6)
    assert len(load_mnist(download=False).test.images) == 6  # $TINYGRAD_NP_DATA beats the cache
    fake_dataset(env / "mnist", n=8, gz=False)
    assert len(load_mnist(download=False).test.images) == 8  # $TINYGRAD_NP_DATA/mnist beats both


def test_each_file_found_on_its_own(
    isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / "env"
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(env))
    _, lbl = fake_split(env / "mnist", "test", n=12)
    lbl.rename(env / lbl.name)  # labels one level up, images in the named subfolder
    x, y = load_mnist(download=False, split="test")
    assert len(x) == len(y) == 12
    np.testing.assert_array_equal(x[:, 0, 0], np.arange(12))


def test_fashion_cache_before_system_dir(
    isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mnist_mod, "FASHION_MNIST_SYSTEM_DIRS", (str(tmp_path / "sys"),))
    fake_dataset(tmp_path / "sys", n=9)
    assert len(load_fashion_mnist(download=False).train.images) == 9
    fake_dataset(isolated / ".cache" / "tinygrad_np" / "fashion-mnist", n=4)
    assert len(load_fashion_mnist(download=False).train.images) == 4


def test_missing_everywhere_lists_search_order(
    isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(tmp_path / "env"))
    monkeypatch.setattr(
        mnist_mod, "FASHION_MNIST_SYSTEM_DIRS", (str(tmp_path / "sys"),)
    )  # the real one is full
    with pytest.raises(DatasetNotFoundError) as info:
        load_fashion_mnist(download=False, split="test")
    msg = str(info.value)
    cache = isolated / ".cache" / "tinygrad_np" / "fashion-mnist"
    expected = [tmp_path / "env" / "fashion-mnist", tmp_path / "env", cache, tmp_path / "sys"]
    listed = [line.strip() for line in msg.splitlines() if line.startswith("  ")]
    assert listed == [str(d) for d in expected], msg
    assert "t10k-images-idx3-ubyte" in msg and "train-images" not in msg
    assert f"put the files (plain or .gz) in {cache}" in msg
    assert "root=" in msg and "TINYGRAD_NP_DATA" in msg


# ---- inconsistent data sets --------------------------------------------------------------------


def test_count_mismatch_names_both_files(tmp_path: Path) -> None:
    img, lbl = fake_split(tmp_path, "test", n=20, n_labels=19)
    with pytest.raises(DatasetError) as info:
        load_mnist(tmp_path, download=False, split="test")
    msg = str(info.value)
    assert str(img) in msg and str(lbl) in msg and "20 images" in msg and "19 labels" in msg


def test_label_out_of_range(tmp_path: Path) -> None:
    labels = np.array([1, 2, 3, 10, 4], np.uint8)
    _, lbl = fake_split(tmp_path, "test", n=5, labels=labels)
    with pytest.raises(DatasetError) as info:
        load_mnist(tmp_path, download=False, split="test")
    msg = str(info.value)
    assert str(lbl) in msg and "label 10 at index 3" in msg and "0..9" in msg


def test_wrong_image_shape(tmp_path: Path) -> None:
    img, _ = fake_split(tmp_path, "test", n=3, image_shape=(27, 28))
    with pytest.raises(DatasetError, match="shape \\(N, 28, 28\\)") as info:
        load_mnist(tmp_path, download=False, split="test")
    assert str(img) in str(info.value)


def test_damaged_file_surfaces_idx_error(tmp_path: Path) -> None:
    img, _ = fake_split(tmp_path, "test", n=3)
    img.write_bytes(img.read_bytes()[:-5])
    with pytest.raises(ValueError, match="corrupt gzip stream") as info:
        load_mnist(tmp_path, download=False, split="test")
    assert str(img) in str(info.value)
