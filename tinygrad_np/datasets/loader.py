"""Shuffled minibatches over in-memory arrays."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["DataLoader", "batches"]


class DataLoader:
    """Iterate over ``(x_batch, y_batch)`` pairs; each ``iter()`` is one epoch.

    With ``shuffle`` every epoch uses a new permutation from one ``np.random.default_rng(seed)``
    made here, so epochs differ but a run is reproducible. The last, smaller batch is kept unless
    ``drop_last``. Only the rows of the current batch are gathered (fresh arrays, safe to modify);
    the data set itself is never copied.

    >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> loader = DataLoader(x, y, batch_size=2, shuffle=False)
    >>> len(loader), [yb.tolist() for _, yb in loader]
    (3, [[0, 1], [2, 3], [4]])
    """

    def __init__(
        self,
        images: ArrayLike,
        labels: ArrayLike,
        batch_size: int | np.integer[Any] = 128,
        shuffle: bool = True,
        seed: int | None = 0,
        drop_last: bool = False,
    ) -> None:
        # ndarray subclasses (np.memmap) stay as they are; lists become arrays.
        x = images if isinstance(images, np.ndarray) else np.asarray(images)
        y = labels if isinstance(labels, np.ndarray) else np.asarray(labels)
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
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
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n, b = len(self.images), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        # Draw the permutation now, not on the first next(): epochs follow the order of
        # iter() calls.
        n = len(self.images)
        order = self._rng.permutation(n) if self.shuffle else None
        return self._epoch(order)

    def _epoch(self, order: np.ndarray | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = len(self.images)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            stop = min(start + self.batch_size, n)
            # Index arrays, also when not shuffling: the batch is then a copy of just these rows,
            # never a view that in-place ops could use to change the data set.
            idx = order[start:stop] if order is not None else np.arange(start, stop)
            yield self.images[idx], self.labels[idx]

    def __repr__(self) -> str:
        return (
            f"DataLoader(n={len(self.images)}, batch_size={self.batch_size}, "
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
