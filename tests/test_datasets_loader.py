"""DataLoader / batches: coverage, reproducibility, shapes, laziness, argument checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_np.datasets import DataLoader, Split, batches


def make(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Image i is filled with i, label i is i: pairing and coverage are easy to check."""
    images = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], (n, 2, 3)).copy()
    return images, np.arange(n)


def epoch_labels(loader: DataLoader) -> list[np.ndarray]:
    return [yb for _, yb in loader]


@given(
    n=st.integers(0, 70),
    batch_size=st.integers(1, 20),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
)
def test_each_sample_once_per_epoch(
    n: int, batch_size: int, shuffle: bool, drop_last: bool
) -> None:
    images, labels = make(n)
    loader = DataLoader(images, labels, batch_size, shuffle=shuffle, drop_last=drop_last)
    for _ in range(2):
        got = list(loader)
        assert len(got) == len(loader)
        sizes = [len(yb) for _, yb in got]
        full, rest = divmod(n, batch_size)
        assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
        seen = np.concatenate([yb for _, yb in got]) if got else np.array([], int)
        if drop_last:
            assert len(np.unique(seen)) == len(seen) == full * batch_size
        else:
            assert sorted(seen.tolist()) == list(range(n))  # all, including the last partial batch
        if not shuffle:
            assert seen.tolist() == list(range(len(seen)))
        for xb, yb in got:
            assert xb.shape == (len(yb), 2, 3) and xb.dtype == np.float32
            np.testing.assert_array_equal(xb[:, 0, 0], yb)  # images stay paired with labels


def test_same_seed_same_order_new_order_each_epoch() -> None:
    images, labels = make(100)
    a = DataLoader(images, labels, batch_size=32, seed=7)
    b = DataLoader(images, labels, batch_size=32, seed=7)
    a1, a2 = np.concatenate(epoch_labels(a)), np.concatenate(epoch_labels(a))
    b1, b2 = np.concatenate(epoch_labels(b)), np.concatenate(epoch_labels(b))
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # epochs differ
    assert not np.array_equal(a1, np.arange(100))  # and are shuffled
    c1 = np.concatenate(epoch_labels(DataLoader(images, labels, batch_size=32, seed=8)))
    assert not np.array_equal(a1, c1)


def test_permutation_drawn_at_iter_time() -> None:
    images, labels = make(50)
    loader = DataLoader(images, labels, batch_size=50, seed=1)
    first, second = iter(loader), iter(loader)
    order_second = next(second)[1]
    order_first = next(first)[1]
    reference = DataLoader(images, labels, batch_size=50, seed=1)
    np.testing.assert_array_equal(order_first, next(iter(reference))[1])
    np.testing.assert_array_equal(order_second, next(iter(reference))[1])


def test_batches_is_one_epoch_of_a_loader() -> None:
    images, labels = make(23)
    got = [yb for _, yb in batches(images, labels, 5, seed=3)]
    want = epoch_labels(DataLoader(images, labels, 5, seed=3))
    assert len(got) == 5 and all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))


def test_len() -> None:
    images, labels = make(10)
    assert len(DataLoader(images, labels, 3)) == 4
    assert len(DataLoader(images, labels, 3, drop_last=True)) == 3
    assert len(DataLoader(images, labels, 10)) == 1
    assert len(DataLoader(images, labels, 11, drop_last=True)) == 0


def test_split_unpacks_into_loader() -> None:
    images, labels = make(6)
    loader = DataLoader(*Split(images, labels), batch_size=4, shuffle=False)
    assert [yb.tolist() for _, yb in loader] == [[0, 1, 2, 3], [4, 5]]


class Recording(np.ndarray):
    """An ndarray that logs how many rows each indexing asks for."""

    log: list[int]

    def __getitem__(self, idx: Any) -> Any:
        rows = len(np.atleast_1d(np.arange(len(self))[idx])) if not isinstance(idx, tuple) else -1
        self.log.append(rows)
        return super().__getitem__(idx)


def recording(arr: np.ndarray) -> Recording:
    rec = arr.view(Recording)
    rec.log = []
    return rec


@pytest.mark.parametrize("shuffle", [True, False])
def test_gathers_only_batch_rows_lazily(shuffle: bool) -> None:
    images, labels = make(1000)
    rec_images, rec_labels = recording(images), recording(labels)
    loader = DataLoader(rec_images, rec_labels, batch_size=64, shuffle=shuffle)
    assert loader.images is rec_images  # kept as given, not converted or copied
    it = iter(loader)
    assert rec_images.log == []  # nothing gathered before the first batch is asked for
    xb, _ = next(it)
    assert rec_images.log == [64] and rec_labels.log == [64]
    xb[...] = -1  # batches are fresh arrays: writing to one leaves the data set alone
    assert (images >= 0).all()
    rest = list(it)
    assert len(rest) == 15 and max(rec_images.log) == 64 and len(rec_images.log) == 16


def test_accepts_lists() -> None:
    loader = DataLoader([[1, 2], [3, 4], [5, 6]], [0, 1, 2], batch_size=2, shuffle=False)
    xb, yb = next(iter(loader))
    assert xb.tolist() == [[1, 2], [3, 4]] and yb.tolist() == [0, 1]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "8"])
def test_bad_batch_size(batch_size: Any) -> None:
    images, labels = make(4)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        DataLoader(images, labels, batch_size)


def test_length_mismatch() -> None:
    images, labels = make(4)
    with pytest.raises(ValueError, match="4 images, 3 labels"):
        DataLoader(images, labels[:3])
    with pytest.raises(ValueError, match="4 images, 3 labels"):
        batches(images, labels[:3], 2)


def test_scalar_inputs_rejected() -> None:
    with pytest.raises(ValueError, match="batch axis"):
        DataLoader(np.float32(1), np.int64(0))


def test_numpy_integer_batch_size() -> None:
    images, labels = make(5)
    assert len(DataLoader(images, labels, np.int64(2))) == 3
