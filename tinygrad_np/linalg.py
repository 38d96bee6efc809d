"""PyTorch's `torch.linalg` basics on square matrices (the last two axes, batched): `inv`,
`det` and `solve`, each an op with its gradient (`ops/inverse.py`); a singular matrix is
an `OpError`, not a matrix of infinities.

>>> import numpy as np
>>> from tinygrad_np import Tensor, linalg
>>> a = Tensor(np.array([[2.0, 0.0], [0.0, 4.0]]))
>>> linalg.inv(a).tolist(), round(linalg.det(a).item(), 12)  # det by LU: rounding
([[0.5, 0.0], [0.0, 0.25]], 8.0)
>>> linalg.solve(a, Tensor(np.array([2.0, 2.0]))).tolist()
[1.0, 0.5]
"""
from __future__ import annotations

from typing import Any

from .ops.inverse import Det, Inverse, Solve
from .tensor import Tensor

__all__ = ["det", "inv", "solve"]


def inv(a: Any) -> Tensor:
    """The inverse of each matrix."""
    return Inverse.apply(a)


def det(a: Any) -> Tensor:
    """The determinant of each matrix (its gradient needs the matrix to be invertible)."""
    return Det.apply(a)


def solve(a: Any, b: Any) -> Tensor:
    """X with A X = B: B of shape (n,) or A's shape without its last axis (vectors), else
    (..., n, k) (matrices), PyTorch's rule; the batch axes broadcast. As `inv(a) @ b`, but
    without forming the inverse."""
    return Solve.apply(a, b)
