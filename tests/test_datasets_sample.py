"""load_mnist_sample: the MNIST test set shipped inside the package, from a checkout and from
an installed wheel."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from real_data import BUNDLED_MNIST_DIR

from tinygrad_np.datasets import Dataset, DatasetError, Split, load_mnist, load_mnist_sample
from tinygrad_np.datasets import mnist as mnist_mod
from tinygrad_np.datasets import sample as sample_mod

REPO = Path(__file__).resolve().parents[1]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_default_split_is_8000_and_2000() -> None:
    data = load_mnist_sample()
    assert isinstance(data, Dataset) and isinstance(data.train, Split)
    (x_train, y_train), (x_test, y_test) = data
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert x_train.dtype == x_test.dtype == np.uint8
    assert y_train.dtype == y_test.dtype == np.int64
    assert y_train[:5].tolist() == [7, 2, 1, 0, 4]  # the well-known first test digits
    both = np.concatenate([y_train, y_test])
    assert np.bincount(both, minlength=10).tolist() == MNIST_TEST_COUNTS
    assert x_train.max() == 255 and x_train.min() == 0


def test_same_arrays_as_load_mnist_on_the_test_files() -> None:
    x, y = load_mnist(BUNDLED_MNIST_DIR, download=False, split="test", normalize=True,
                      flatten=True, one_hot_label=True)  # fmt: skip
    (x_train, y_train), (x_test, y_test) = load_mnist_sample(
        3000, normalize=True, flatten=True, one_hot_label=True
    )
    assert x_train.shape == (3000, 784) and x_train.dtype == np.float32
    assert y_train.shape == (3000, 10) and y_train.dtype == np.float32
    np.testing.assert_array_equal(np.concatenate([x_train, x_test]), x)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), y)
    assert x_train.max() == 1.0


def test_each_call_returns_fresh_writable_arrays() -> None:
    first = load_mnist_sample(10)
    first.train.images[:] = 0
    assert load_mnist_sample(10).train.images.max() == 255


@pytest.mark.parametrize("train_size", [0, 1, 9999, 10000])
def test_train_size_edges(train_size: int) -> None:
    (x_train, _), (x_test, y_test) = load_mnist_sample(train_size, flatten=True)
    assert len(x_train) == train_size and len(x_test) == len(y_test) == 10000 - train_size
    assert x_test.shape[1:] == (784,)


@pytest.mark.parametrize("train_size", [-1, 10001, 10**9])
def test_train_size_out_of_range(train_size: int) -> None:
    with pytest.raises(ValueError, match=rf"train_size must be between 0 and 10000 .*got "
                                         rf"{train_size}$"):  # fmt: skip
        load_mnist_sample(train_size)


@pytest.mark.parametrize("train_size", [8000.0, "8000", True, None])
def test_train_size_must_be_an_int(train_size: object) -> None:
    with pytest.raises(TypeError, match="train_size must be an int, got"):
        load_mnist_sample(train_size)  # type: ignore[arg-type]


def test_bundled_files_are_the_official_ones() -> None:
    for name in sample_mod.MNIST_SAMPLE_FILES:
        data = (BUNDLED_MNIST_DIR / name).read_bytes()
        assert hashlib.md5(data).hexdigest() == mnist_mod.MNIST_MD5[name]
        assert len(data) == mnist_mod.MNIST_SIZES[name]


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled folder that load_mnist_sample reads instead of the real one."""
    folder = tmp_path / "data"
    shutil.copytree(BUNDLED_MNIST_DIR, folder)
    monkeypatch.setattr(sample_mod, "_data_dir", lambda: folder)
    return folder


def test_the_copy_loads(copied: Path) -> None:
    assert load_mnist_sample(5).train.labels.tolist() == [7, 2, 1, 0, 4]


@pytest.mark.parametrize("name", ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
def test_damaged_file_is_a_dataset_error(copied: Path, name: str) -> None:
    path = copied / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit, deep inside the compressed stream
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match=rf"bundled MNIST file .*{name} is damaged: MD5 "
                                           rf"[0-9a-f]{{32}}, expected "
                                           rf"{mnist_mod.MNIST_MD5[name]}"):  # fmt: skip
        load_mnist_sample()


def test_missing_file_is_a_dataset_error(copied: Path) -> None:
    (copied / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz is missing from this "
                                           "installation"):  # fmt: skip
        load_mnist_sample()


def test_a_built_wheel_carries_the_data(tmp_path: Path) -> None:
    """Build the wheel as a user would, pip-install it into an empty folder, and load the
    digits from there in a process that cannot see the checkout."""
    src, wheels, site = tmp_path / "src", tmp_path / "wheels", tmp_path / "site"
    # A copy of what the build reads, so the build writes nothing into the checkout.
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "tinygrad_np", src / "tinygrad_np",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # Build isolation, as `pip install .` does: setuptools comes from the package index.
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(src)], check=True,
                   capture_output=True, cwd=tmp_path)  # fmt: skip
    (wheel,) = wheels.glob("tinygrad_np-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, cwd=tmp_path)  # fmt: skip
    code = (
        "import tinygrad_np, numpy as np; from tinygrad_np.datasets import load_mnist_sample; "
        "(x, y), (xt, yt) = load_mnist_sample(normalize=True, flatten=True); "
        "print(tinygrad_np.__file__); print(x.shape, xt.shape, y[:5].tolist(), "
        "np.bincount(np.concatenate([y, yt])).tolist())"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)  # ahead of the venv's editable install of the checkout
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True, cwd=tmp_path, env=env)  # fmt: skip
    where, arrays = done.stdout.splitlines()
    assert Path(where).resolve().is_relative_to(site.resolve()), where
    assert arrays == f"(8000, 784) (2000, 784) [7, 2, 1, 0, 4] {MNIST_TEST_COUNTS}"
