"""PyTorch's `torch.linalg` basics on square matrices (the last two axes, batched): `inv`,
`det` and `solve`, each an op with its gradient (`ops/inverse.py`); a singular matrix is
an `OpError`, not a matrix of infinities. And the norms: `vector_norm`, `matrix_norm` and
`norm`, made of other ops.

>>> import numpy as np
>>> from tinygrad_np import Tensor, linalg
>>> a = Tensor(np.array([[2.0, 0.0], [0.0, 4.0]]))
>>> linalg.inv(a).tolist(), round(linalg.det(a).item(), 12)  # det by LU: rounding
([[0.5, 0.0], [0.0, 0.25]], 8.0)
>>> linalg.solve(a, Tensor(np.array([2.0, 2.0]))).tolist()
[1.0, 0.5]
"""
from __future__ import annotations

import math
from typing import Any

from .function import OpError
from .ops.inverse import Det, Inverse, Solve
from .tensor import Tensor
from .tensor_ops import _tensor

__all__ = ["det", "inv", "matrix_norm", "norm", "solve", "vector_norm"]


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


def _axes(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim


def vector_norm(x: Any, ord: Any = 2, dim: Any = None,  # noqa: A002 - PyTorch's name
                keepdim: bool = False) -> Tensor:
    """The p-norm of `x` taken as a vector (every element, or along `dim`, one axis or
    several): the p-th root of the sum of |x| ** p; `ord` inf the largest |x|, -inf the
    smallest, 0 the count of non-zero elements. PyTorch's gradients: none through a zero
    norm, ties of inf-norms share theirs.

    >>> vector_norm(Tensor([3.0, -4.0])).item(), vector_norm(Tensor([3.0, -4.0]), 1).item()
    (5.0, 7.0)
    """
    from .composite import _p_norm  # made of ops that import linalg's neighbours

    x = _tensor(x)
    axis = _axes(dim)
    kept = _p_norm(x, ord, axis, "vector_norm")
    if keepdim:
        return kept
    if axis is None:
        return kept.reshape(())
    return kept.squeeze(axis)


def matrix_norm(a: Any, ord: Any = "fro", dim: tuple[int, int] = (-2, -1),  # noqa: A002
                keepdim: bool = False) -> Tensor:
    """A norm of each matrix (the axes `dim`): "fro" (the default: the root of the sum of
    squares), 1 / -1 (the largest / smallest column sum of |a|), inf / -inf (row sums).
    The spectral and nuclear norms (2, -2, "nuc") need singular values, which this
    library does not compute: an OpError.

    >>> matrix_norm(Tensor([[1.0, -2.0], [3.0, 4.0]]), 1).item()
    6.0
    """
    a = _tensor(a)
    if len(dim) != 2 or a.ndim < 2:
        raise OpError(f"matrix_norm: needs two axes of a tensor of at least two, got dim={dim} "
                      f"for shape {a.shape}")
    rows, cols = (d % a.ndim for d in dim)
    if ord == "fro":
        return vector_norm(a, 2, (rows, cols), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        along, across = (rows, cols) if ord in (1, -1) else (cols, rows)  # sum, then extreme
        sums = abs(a).sum(axis=along, keepdims=True)
        picked = sums.max(axis=across, keepdims=True) if ord > 0 else \
            sums.min(axis=across, keepdims=True)
        return picked if keepdim else picked.squeeze((rows, cols))
    raise OpError(f"matrix_norm: ord={ord!r} is not supported (\"fro\", 1, -1, inf, -inf; the "
                  f"spectral and nuclear norms need singular values)")


def norm(a: Any, ord: Any = None, dim: Any = None,  # noqa: A002 - PyTorch's name
         keepdim: bool = False) -> Tensor:
    """PyTorch's `torch.linalg.norm`: with `ord` None the 2-norm of every element (or along
    `dim`); with `ord` and one axis (or a 1-D input) `vector_norm`; with two axes (or a 2-D
    input) `matrix_norm`.

    >>> norm(Tensor([[3.0, 0.0], [0.0, 4.0]])).item()
    5.0
    """
    a = _tensor(a)
    axis = _axes(dim)
    if ord is None:
        return vector_norm(a, 2, axis, keepdim)
    two_axes = (isinstance(axis, tuple) and len(axis) == 2) or (axis is None and a.ndim == 2)
    if two_axes:
        return matrix_norm(a, ord, axis if axis is not None else (-2, -1), keepdim)
    if isinstance(ord, str):
        raise OpError(f"norm: ord={ord!r} is a matrix norm: give two axes (dim=(-2, -1))")
    return vector_norm(a, ord, axis, keepdim)
