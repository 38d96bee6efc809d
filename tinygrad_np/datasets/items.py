"""PyTorch's map-style data sets, `torch.utils.data`'s: a `Dataset` is anything with
`__getitem__(i)` and `__len__()`; `TensorDataset` pairs arrays (or Tensors) row by row,
`Subset` picks rows of another, `ConcatDataset` joins several, `random_split` cuts one into
shuffled parts. `DataLoader(dataset, batch_size=...)` batches any of them (`collate`
stacks the items' fields).

>>> import numpy as np
>>> data = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> row, label = data[1]
>>> len(data), row.tolist(), int(label)
(5, [2.0, 3.0], 1)

Items and batches are Tensors, as PyTorch's (`xb.to(device)`, `yb.size(0)`, `xb.view(...)`
work on them); they share the arrays' memory where an array does.
>>> train, test = random_split(data, [3, 2], seed=0)
>>> len(train), len(test)
(3, 2)
"""
from __future__ import annotations

import bisect
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["ConcatDataset", "Dataset", "Subset", "TensorDataset", "collate", "random_split"]


class Dataset:
    """The base of map-style data sets: subclass it and write `__getitem__` and `__len__`
    (as with PyTorch's `torch.utils.data.Dataset`); `a + b` concatenates two."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Any) -> ConcatDataset:
        return ConcatDataset([self, other])


def _as_tensor(values: Any) -> Any:
    from ..tensor import Tensor  # the data sets load without the engine until used
    return Tensor(np.asarray(values))


def _values(x: Any) -> Any:
    """A Tensor's array; arrays and lists as arrays."""
    data = getattr(x, "data", None)
    if data is not None and hasattr(x, "grad_fn"):  # a Tensor
        return data
    return x if isinstance(x, np.ndarray) else np.asarray(x)


class TensorDataset(Dataset):
    """Rows of arrays (or Tensors) of the same length, item i the tuple of their rows i, as
    Tensors (`.tensors` holds the whole ones, `.arrays` their arrays)."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one array")
        self.arrays = tuple(_values(t) for t in tensors)
        lengths = {len(t) if t.ndim else -1 for t in self.arrays}
        if len(lengths) != 1 or -1 in lengths:
            raise ValueError(f"TensorDataset: every array needs the same first axis, got "
                             f"shapes {[t.shape for t in self.arrays]}")
        self.tensors = tuple(_as_tensor(t) for t in self.arrays)

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(_as_tensor(t[index]) for t in self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])


class Subset(Dataset):
    """The items `indices` of `dataset`, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, [int(i) for i in indices]

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several data sets one after the other."""

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: give at least one data set")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"ConcatDataset: index out of range for {len(self)} items")
        part = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[part - 1] if part else 0
        return self.datasets[part][index - start]

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])


def random_split(dataset: Any, lengths: Sequence[float], seed: int | None = None,
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """`dataset` cut into shuffled, non-overlapping `Subset`s of `lengths` (counts, or
    fractions adding up to 1, the remainder handed out one by one from the first, as
    PyTorch's), from `generator`, or `np.random.default_rng(seed)`."""
    n = len(dataset)
    if all(isinstance(k, numbers.Integral) for k in lengths):
        counts = [int(k) for k in lengths]
    elif abs(sum(lengths) - 1) < 1e-9 and all(0 <= k <= 1 for k in lengths):
        counts = [int(np.floor(n * k)) for k in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        raise ValueError(f"random_split: lengths {list(lengths)} must be counts or fractions "
                         f"that add up to 1")
    if sum(counts) != n:
        raise ValueError(f"random_split: the lengths add up to {sum(counts)}, the data set "
                         f"has {n} items")
    rng = generator if generator is not None else np.random.default_rng(seed)
    order = rng.permutation(n)
    parts, start = [], 0
    for count in counts:
        parts.append(Subset(dataset, order[start:start + count].tolist()))
        start += count
    return parts


def collate(items: Sequence[Any]) -> Any:
    """A batch from a list of items, as PyTorch's default collate: tuples field by field,
    dicts key by key, arrays, Tensors and numbers stacked into one Tensor each (strings
    into a list)."""
    first = items[0]
    if isinstance(first, tuple | list):
        fields = [collate([item[i] for item in items]) for i in range(len(first))]
        return tuple(fields) if isinstance(first, tuple) else fields
    if isinstance(first, dict):
        return {key: collate([item[key] for item in items]) for key in first}
    if isinstance(first, str | bytes):
        return list(items)
    return _as_tensor(np.stack([_values(item) for item in items]))
