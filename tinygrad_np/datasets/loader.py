"""Shuffled minibatches over in-memory arrays, or over the items of a map-style data set."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .items import TensorDataset, _as_tensor, collate

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["DataLoader", "batches"]


class DataLoader:
    """Iterate over ``(x_batch, y_batch)`` pairs; each ``iter()`` is one epoch.

    With ``shuffle`` every epoch uses a new permutation from one ``np.random.default_rng(seed)``
    made here (or PyTorch's ``generator=``, a numpy Generator), so epochs differ but a run is
    reproducible. The last, smaller batch is kept unless ``drop_last``. Only the rows of the
    current batch are gathered (fresh arrays, safe to modify); the data set itself is never
    copied.

    >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> loader = DataLoader(x, y, batch_size=2, shuffle=False)
    >>> len(loader), [yb.tolist() for _, yb in loader]
    (3, [[0, 1], [2, 3], [4]])

    PyTorch's form, ``DataLoader(dataset, batch_size=1, shuffle=False)``, takes a map-style
    data set instead (anything with ``__getitem__`` and ``__len__``: a ``TensorDataset``, your
    own ``Dataset``, or a bare array, batched row by row) and PyTorch's defaults; each batch
    is ``collate_fn`` (default: ``collate``, which stacks the items' fields into Tensors, as
    PyTorch's) of its items.
    ``num_workers`` and ``pin_memory`` are accepted (batches are made in this process).

    >>> from tinygrad_np.datasets import TensorDataset
    >>> [yb.tolist() for _, yb in DataLoader(TensorDataset(x, y), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __init__(
        self,
        images: Any,
        labels: ArrayLike | None = None,
        batch_size: int | np.integer[Any] | None = None,
        shuffle: bool | None = None,
        seed: int | None = 0,
        drop_last: bool = False,
        *,
        generator: np.random.Generator | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
    ) -> None:
        self.dataset: Any = None  # PyTorch's form: the data set the items come from
        if labels is None:
            if not (hasattr(images, "__getitem__") and hasattr(images, "__len__")):
                raise TypeError(f"DataLoader: expected (images, labels) arrays or a data set "
                                f"with __getitem__ and __len__, got {type(images).__name__}")
            self.dataset = images
            batch_size = 1 if batch_size is None else batch_size
            shuffle = False if shuffle is None else shuffle
        else:
            batch_size = 128 if batch_size is None else batch_size
            shuffle = True if shuffle is None else shuffle
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers must be an integer >= 0, got {num_workers!r}")
        if self.dataset is None:
            # ndarray subclasses (np.memmap) stay as they are; lists become arrays.
            x = images if isinstance(images, np.ndarray) else np.asarray(images)
            y = labels if isinstance(labels, np.ndarray) else np.asarray(labels)
            if x.ndim == 0 or y.ndim == 0:
                raise ValueError(
                    f"images and labels need a batch axis, got shapes {x.shape} and {y.shape}"
                )
            if len(x) != len(y):
                raise ValueError(
                    f"images and labels differ in length: {len(x)} images, {len(y)} labels"
                )
            self.images: np.ndarray = x
            self.labels: np.ndarray = y
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.collate_fn = collate if collate_fn is None else collate_fn
        self._rng = generator if generator is not None else np.random.default_rng(seed)

    def _count(self) -> int:
        return len(self.dataset) if self.dataset is not None else len(self.images)

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n, b = self._count(), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[Any]:
        # Draw the permutation now, not on the first next(): epochs follow the order of
        # iter() calls.
        order = self._rng.permutation(self._count()) if self.shuffle else None
        return self._epoch(order) if self.dataset is None else self._items(order)

    def _indices(self, order: np.ndarray | None) -> Iterator[np.ndarray]:
        n = self._count()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            stop = min(start + self.batch_size, n)
            # Index arrays, also when not shuffling: the batch is then a copy of just these rows,
            # never a view that in-place ops could use to change the data set.
            yield order[start:stop] if order is not None else np.arange(start, stop)

    def _epoch(self, order: np.ndarray | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for idx in self._indices(order):
            yield self.images[idx], self.labels[idx]

    def _items(self, order: np.ndarray | None) -> Iterator[Any]:
        data = self.dataset
        rows = data if isinstance(data, np.ndarray) else \
            data.arrays if isinstance(data, TensorDataset) else None
        for idx in self._indices(order):
            if rows is not None and self.collate_fn is collate:  # arrays: one gather each
                yield _as_tensor(rows[idx]) if isinstance(rows, np.ndarray) else \
                    tuple(_as_tensor(t[idx]) for t in rows)
            else:
                yield self.collate_fn([data[int(i)] for i in idx])

    def __repr__(self) -> str:
        return (
            f"DataLoader(n={self._count()}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, batches={len(self)})"
        )


def batches(
    images: ArrayLike,
    labels: ArrayLike,
    batch_size: int | np.integer[Any],
    shuffle: bool = True,
    seed: int | None = 0,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of minibatches; the same as ``iter(DataLoader(...))``.

    >>> [yb.tolist() for _, yb in batches(np.zeros((3, 2)), np.arange(3), 2, shuffle=False)]
    [[0, 1], [2]]
    """
    return iter(DataLoader(images, labels, batch_size, shuffle, seed, drop_last))
