"""Functions of PyTorch's `torch.` namespace that are Tensor methods here (`torch.sum(x, 1)`
is `x.sum(1)`), and a few that combine several tensors (`meshgrid`, `broadcast_tensors`,
`tensordot`, `cdist`, `hstack`, `vstack`), for code written against `torch.`:

>>> import numpy as np
>>> import tinygrad_np as tg
>>> x = tg.Tensor(np.array([[1.0, -2.0], [3.0, -4.0]]))
>>> tg.sum(x, dim=1).tolist(), tg.abs(x).max().item(), tg.flatten(x).shape
([-1.0, -1.0], 4.0, (4,))

Each takes what its method takes, in the same order, but `tg.max(x, 1)` / `tg.min(x, 1)`,
which are PyTorch's (values, indices) as in `torch.max(outputs, 1)` (the method `x.max(1)`
keeps numpy's reading: values only); see the methods for what each does. Built from the
ops, so gradients, double backward and `jit` come with them. The ones named as Python
builtins (`sum`, `max`, `min`, `abs`, `pow`) are attributes of the package but left out of
`from tinygrad_np import *`.
"""
from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .function import OpError
from .tensor import Tensor
from .tensor_ops import _tensor, cat
from .tensor_ops import where as _where_of_three

__all__ = ["add", "broadcast_tensors", "cdist", "clone", "concat", "div", "divide", "flatten",
           "hstack", "meshgrid", "mul", "multiply", "neg", "negative", "numel", "permute",
           "reshape", "std_mean", "sub", "subtract", "t", "tensordot", "transpose", "var_mean",
           "vstack", "where"]
BUILTIN_NAMES = ["abs", "max", "min", "pow", "sum"]  # exported as attributes only


def sum(x: Any, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A001 - torch.sum
    return _tensor(x).sum(*args, **kwargs)


def max(x: Any, dim: Any = None, keepdim: bool = False, **kwargs: Any) -> Any:  # noqa: A001
    """PyTorch's `torch.max`: the largest value; `max(x, dim)` (values, indices) along `dim`
    (PyTorch's reading of the number, where the method `x.max(1)` reads numpy's);
    `max(x, other)` with a Tensor the elementwise maximum."""
    return _extreme(_tensor(x).max, dim, keepdim, kwargs)


def min(x: Any, dim: Any = None, keepdim: bool = False, **kwargs: Any) -> Any:  # noqa: A001
    """PyTorch's `torch.min`, as `max`."""
    return _extreme(_tensor(x).min, dim, keepdim, kwargs)


def _extreme(method: Any, dim: Any, keepdim: bool, kwargs: dict[str, Any]) -> Any:
    if dim is None or isinstance(dim, Tensor):
        return method(dim, **kwargs) if dim is not None else method(**kwargs)
    return method(dim=dim, keepdim=keepdim, **kwargs)


def abs(x: Any) -> Tensor:  # noqa: A001 - torch.abs
    return _tensor(x).abs()


def pow(x: Any, exponent: Any) -> Tensor:  # noqa: A001 - torch.pow
    if not isinstance(x, Tensor) and isinstance(exponent, Tensor):
        return x ** exponent  # a number to a tensor's power: Tensor.__rpow__
    return _tensor(x) ** exponent


def neg(x: Any) -> Tensor:
    return -_tensor(x)


negative = neg


def add(x: Any, other: Any, *, alpha: float = 1.0) -> Tensor:
    return _tensor(x).add(other, alpha=alpha)


def sub(x: Any, other: Any, *, alpha: float = 1.0) -> Tensor:
    return _tensor(x).sub(other, alpha=alpha)


subtract = sub


def mul(x: Any, other: Any) -> Tensor:
    return _tensor(x) * other


multiply = mul


def div(x: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    return _tensor(x).div(other, rounding_mode=rounding_mode)


divide = div


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """PyTorch's `torch.flatten`: axes start_dim..end_dim into one, every axis by default
    (the method's `x.flatten()` with no arguments keeps the first axis)."""
    return _tensor(x).flatten(start_dim, end_dim)


def reshape(x: Any, shape: Any) -> Tensor:
    return _tensor(x).reshape(shape)


def transpose(x: Any, dim0: int, dim1: int) -> Tensor:
    """PyTorch's `torch.transpose(x, dim0, dim1)`: the two axes swapped."""
    return _tensor(x).transpose(dim0, dim1)


def permute(x: Any, dims: Any) -> Tensor:
    return _tensor(x).permute(dims)


def t(x: Any) -> Tensor:
    return _tensor(x).t()


def clone(x: Any) -> Tensor:
    return _tensor(x).clone()


def numel(x: Any) -> int:
    return _tensor(x).numel()


def concat(tensors: Any, dim: int = 0) -> Tensor:
    return cat(tensors, axis=dim)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """`where(cond, a, b)`: a where cond is true, b elsewhere (gradients to both); with the
    condition alone, PyTorch's `torch.where(cond)`: a tuple of index tensors, one per axis,
    of the true elements (as `nonzero(as_tuple=True)`)."""
    if input is None and other is None:
        cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
        return tuple(Tensor(i.astype(np.int64)) for i in np.nonzero(cond))
    if input is None or other is None:
        raise TypeError("where: give the condition alone, or the condition and both values")
    return _where_of_three(condition, input, other)


def hstack(tensors: Any) -> Tensor:
    """Joined along the second axis (the first for 1-D tensors), as numpy's and PyTorch's."""
    parts = [_tensor(x) for x in tensors]
    return cat(parts, axis=0 if parts and parts[0].ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    """Rows stacked: 1-D tensors become rows of a matrix, others are joined on axis 0."""
    parts = [_tensor(x) for x in tensors]
    return cat([x.reshape(1, -1) if x.ndim == 1 else x for x in parts], axis=0)


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """Each tensor broadcast to their common shape (gradients summed back)."""
    parts = [_tensor(x) for x in tensors]
    try:
        shape = np.broadcast_shapes(*(x.shape for x in parts))
    except ValueError:
        raise OpError(f"broadcast_tensors: shapes {[x.shape for x in parts]} do not "
                      f"broadcast together") from None
    return tuple(x.broadcast_to(shape) for x in parts)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors, `indexing="ij"` (matrix, PyTorch's default) or
    "xy" (Cartesian: the first two axes swapped, numpy's default)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    parts = [_tensor(x) for x in tensors]
    if any(x.ndim != 1 for x in parts):
        raise OpError(f"meshgrid: expected 1-D tensors, got shapes {[x.shape for x in parts]}")
    sizes = [x.shape[0] for x in parts]
    if indexing == "xy" and len(parts) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, x in enumerate(parts):
        axis = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(parts) >= 2 else i
        shape = [1] * len(parts)
        shape[axis] = x.shape[0]
        grids.append(x.reshape(shape).broadcast_to(tuple(sizes)))
    return tuple(grids)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Sum of products over `dims`: an int (the last `dims` axes of a with the first of b)
    or a pair of axis lists, as PyTorch's and numpy's (`axes=`) tensordot; one matmul."""
    a, b = _tensor(a), _tensor(b)
    if isinstance(dims, (int, np.integer)):
        axes_a = list(range(a.ndim - int(dims), a.ndim))
        axes_b = list(range(int(dims)))
    else:
        axes_a, axes_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    axes_a = [d % a.ndim for d in axes_a] if a.ndim else axes_a
    axes_b = [d % b.ndim for d in axes_b] if b.ndim else axes_b
    if len(axes_a) != len(axes_b) or any(a.shape[i] != b.shape[j]
                                         for i, j in zip(axes_a, axes_b)):
        raise OpError(f"tensordot: axes {axes_a} of {a.shape} and {axes_b} of {b.shape} must "
                      f"pair up axes of the same sizes")
    free_a = [d for d in range(a.ndim) if d not in axes_a]
    free_b = [d for d in range(b.ndim) if d not in axes_b]
    inner = math.prod(a.shape[d] for d in axes_a)
    left = a.permute(free_a + axes_a).reshape(-1, inner)
    right = b.permute(axes_b + free_b).reshape(inner, -1)
    return (left @ right).reshape(tuple(a.shape[d] for d in free_a)
                                  + tuple(b.shape[d] for d in free_b))


def cdist(x1: Any, x2: Any, p: float = 2.0) -> Tensor:
    """Distances between each row of x1 (..., P, M) and each row of x2 (..., R, M): the p-norm
    of their difference, (..., P, R), as PyTorch's `torch.cdist`."""
    from .linalg import vector_norm
    x1, x2 = _tensor(x1), _tensor(x2)
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise OpError(f"cdist: expected (..., P, M) and (..., R, M), got {x1.shape} and "
                      f"{x2.shape}")
    difference = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(difference, p, dim=-1)


def var_mean(x: Any, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """(variance, mean), with `var`'s arguments (PyTorch's words give PyTorch's n - 1)."""
    x = _tensor(x)
    return x.var(*args, **kwargs), _mean_like(x, args, kwargs)


def std_mean(x: Any, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """(standard deviation, mean), with `std`'s arguments."""
    x = _tensor(x)
    return x.std(*args, **kwargs), _mean_like(x, args, kwargs)


def _mean_like(x: Tensor, args: tuple, kwargs: dict) -> Tensor:
    """The mean over the axes var/std were given, positionally or by either name."""
    axis = args[0] if args else kwargs.get("dim", kwargs.get("axis"))
    keep = args[1] if len(args) > 1 else kwargs.get("keepdim", kwargs.get("keepdims", False))
    if isinstance(axis, list):
        axis = tuple(axis)
    return x.mean(axis, keepdims=builtins.bool(keep))
