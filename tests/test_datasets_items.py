"""datasets/items.py and its PyTorch path tinygrad_np.utils.data: map-style data sets,
random_split, collate, and DataLoader over them with PyTorch's defaults."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np.utils.data import (ConcatDataset, DataLoader, Dataset, Subset, TensorDataset,
                                    default_collate, random_split)

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


def test_tensor_dataset_subset_and_concat_index_like_pytorchs():
    data = TensorDataset(X, tg.Tensor(Y))  # Tensors are read as their arrays
    assert len(data) == 10
    row, label = data[3]
    assert row.tolist() == [6.0, 7.0] and label == 3
    assert Subset(data, [4, 1])[1][1] == 1 and len(Subset(data, [4, 1])) == 2
    joined = data + Subset(data, [0])
    assert isinstance(joined, ConcatDataset) and len(joined) == 11
    assert joined[10][1] == 0 and joined[-1][1] == 0
    with pytest.raises(IndexError):
        joined[11]  # noqa: B018
    with pytest.raises(ValueError, match="same first axis"):
        TensorDataset(X, np.arange(3))


def test_random_split_counts_fractions_and_seeds():
    parts = random_split(TensorDataset(X, Y), [7, 3], seed=0)
    labels = sorted(int(part[i][1]) for part in parts for i in range(len(part)))
    assert [len(p) for p in parts] == [7, 3] and labels == list(range(10))
    again = random_split(TensorDataset(X, Y), [7, 3], seed=0)
    assert parts[0].indices == again[0].indices
    # PyTorch 2.13 gives [4, 3, 3] for these fractions of 10 (the remainder from the first)
    assert [len(p) for p in random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]
    with pytest.raises(ValueError, match="add up to 9"):
        random_split(range(10), [5, 4])


def test_collate_stacks_fields_as_pytorchs_default():
    batch = default_collate([{"x": np.zeros(2), "y": 1, "name": "a"},
                             {"x": np.ones(2), "y": 2, "name": "b"}])
    assert batch["x"].shape == (2, 2) and batch["y"].tolist() == [1, 2]
    assert batch["name"] == ["a", "b"]
    rows, labels = default_collate([(np.zeros(3), 0), (np.ones(3), 1)])
    assert rows.shape == (2, 3) and labels.tolist() == [0, 1]


def test_data_loader_takes_a_data_set_with_pytorchs_defaults():
    loader = DataLoader(TensorDataset(X, Y))  # PyTorch's defaults: batches of 1, in order
    assert len(loader) == 10 and [int(y[0]) for _, y in loader] == list(range(10))
    assert [y.tolist() for _, y in DataLoader(TensorDataset(X, Y), batch_size=4)] == \
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]

    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full(2, i), i * i

    rows, labels = next(iter(DataLoader(Squares(), batch_size=3)))
    assert rows.tolist() == [[0, 0], [1, 1], [2, 2]] and labels.tolist() == [0, 1, 4]
    shuffled = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, drop_last=True,
                          generator=np.random.default_rng(1), num_workers=2)
    seen = [y.tolist() for _, y in shuffled]
    assert len(seen) == 3 and all(len(b) == 3 for b in seen)
    assert seen != [[0, 1, 2], [3, 4, 5], [6, 7, 8]]  # shuffled: not the rows in order
    assert [b.tolist() for b in DataLoader(np.arange(5), batch_size=2)] == [[0, 1], [2, 3], [4]]
    summed = DataLoader(Squares(), batch_size=5, collate_fn=lambda items: sum(i for _, i in items))
    assert list(summed) == [30]
    with pytest.raises(TypeError, match="a data set with __getitem__ and __len__"):
        DataLoader(3)


def test_pytorch_style_items_and_batches_are_tensors():
    data = TensorDataset(X.astype(np.float32), Y)
    row, label = data[2]
    assert isinstance(row, tg.Tensor) and row.dtype == np.float32 and int(label) == 2
    for xb, yb in DataLoader(data, batch_size=4):
        xb, yb = xb.to("cpu"), yb.to(tg.device("cpu"))
        assert isinstance(xb, tg.Tensor) and xb.size(0) == yb.size(0)
        assert xb.view(-1, 1, 2).shape == (xb.size(0), 1, 2)
    rows, labels = default_collate([(np.zeros(3), 0), (np.ones(3), 1)])
    assert isinstance(rows, tg.Tensor) and isinstance(labels, tg.Tensor)
