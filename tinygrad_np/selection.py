"""Picking elements along an axis: `gather`, `sort`, `topk`, and `one_hot` labels.

The picking is one `GetItem` (numpy's advanced indexing) with an index made for the axis, so
gradients, double backward and jit come from that op: each picked element's gradient goes
back to where it was picked (added, where one was picked twice).

>>> from tinygrad_np import Tensor
>>> values, indices = topk(Tensor([[1.0, 5.0, 3.0]]), 2)
>>> values.tolist(), indices.tolist()
([[5.0, 3.0]], [[1, 2]])
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .function import OpError
from .ops.shape import GetItem
from .tensor import Tensor
from .tensor_ops import _axis, _data, _tensor
from .torch_keywords import torch_keywords

__all__ = ["ValuesIndices", "gather", "kthvalue", "msort", "one_hot", "sort", "topk"]


class ValuesIndices(NamedTuple):
    """(values, indices), as PyTorch's `torch.return_types`: unpacks as a pair, or read
    `.values` and `.indices`. The values are differentiable, the indices (int64) are not."""

    values: Tensor
    indices: Tensor


def _along(index: Any, axis: int) -> tuple[Any, ...]:
    """The advanced index that takes `index` (an int array) along `axis` and every other
    axis as it is, over index's shape."""
    shape = index.shape
    grids = [np.arange(n).reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1))
             for d, n in enumerate(shape)]
    grids[axis] = index
    return tuple(grids)


def _integers(x: Any) -> Any:
    """Indices or labels as an array: a Tensor's data, an array as it is (a jit's stand-in
    too, so that a replay reads the labels of the day), anything else through np.asarray."""
    x = _data(x)
    return x if hasattr(x, "dtype") and hasattr(x, "shape") else np.asarray(x)


@torch_keywords
def gather(x: Any, axis: int, index: Any) -> Tensor:
    """out[i][j][k] = x[index[i][j][k]][j][k] for axis 0 (and so on), as PyTorch's
    `torch.gather(x, dim, index)`: index has x's number of axes, is no longer than x on the
    others, and its values lie in [0, x.shape[axis]).

    >>> gather(Tensor([[1.0, 2.0], [3.0, 4.0]]), 1, [[0, 0], [1, 0]]).tolist()
    [[1.0, 1.0], [4.0, 3.0]]
    """
    x = _tensor(x)
    index = _integers(index)
    shape = x.shape
    axis = _axis(axis, max(x.ndim, 1), "gather", shape)
    if index.dtype.kind not in "iu" or index.ndim != x.ndim or any(
            i > n for d, (i, n) in enumerate(zip(index.shape, shape)) if d != axis):
        raise OpError(f"gather: index of shape {index.shape} and dtype {index.dtype} must be "
                      f"integers with the {x.ndim} axes of input {shape}, none longer than "
                      f"the input's but axis {axis}")
    if index.size and (index.min() < 0 or index.max() >= shape[axis]):
        raise OpError(f"gather: index values must be in [0, {shape[axis]}) for axis {axis} of "
                      f"input {shape}, got {index.min()} to {index.max()}")
    return GetItem.apply(x, index=_along(index, axis))


@torch_keywords
def sort(x: Any, axis: int = -1, descending: bool = False) -> ValuesIndices:
    """(values, indices) along `axis`, as PyTorch's `torch.sort`; the values are
    differentiable, the indices (int64) are not. Equal values keep their order (a stable
    sort, PyTorch's stable=True; its default makes no promise for ties). NaN is the largest
    value, as in PyTorch: last, or first when descending.

    >>> values, indices = sort(Tensor([3.0, 1.0, 2.0]), descending=True)
    >>> values.tolist(), indices.tolist()
    ([3.0, 2.0, 1.0], [0, 2, 1])
    """
    x = _tensor(x)
    axis = _axis(axis, max(x.ndim, 1), "sort", x.shape)  # a 0-d input sorts as one value
    if x.ndim == 0:
        return ValuesIndices(GetItem.apply(x, index=()), Tensor(np.zeros((), np.int64)))
    data = x.data
    if descending:  # ascending on the reversed line, reversed: ties stay in order, and NaN,
        # last in numpy's ascending order, comes first (the largest, as in PyTorch)
        back = (slice(None),) * axis + (slice(None, None, -1),)
        order = (data.shape[axis] - 1) - np.argsort(data[back], axis=axis, kind="stable")[back]
    else:
        order = np.argsort(data, axis=axis, kind="stable")
    return ValuesIndices(GetItem.apply(x, index=_along(order, axis)),
                         Tensor(order.astype(np.int64)))


def _sorted_for_k(op: str, x: Any, k: Any, axis: int, least: int,
                  descending: bool) -> tuple[Tensor, int, Tensor, Tensor]:
    """(x, axis, values, indices) of `sort` along axis, once k is checked: an int from
    `least` to the axis's length."""
    x = _tensor(x)
    axis = _axis(axis, max(x.ndim, 1), op, x.shape)
    size = x.shape[axis] if x.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not least <= k <= size:
        raise OpError(f"{op}: k must be an int in [{least}, {size}] for axis {axis} of input "
                      f"{x.shape}, got {k!r}")
    values, indices = sort(x, axis, descending=descending)
    return x, axis, values, indices


@torch_keywords
def topk(x: Any, k: int, axis: int = -1, largest: bool = True,
         sorted: bool = True) -> ValuesIndices:  # noqa: A002 - PyTorch's name
    """The k largest (or smallest) values along `axis` and their indices, as PyTorch's
    `torch.topk`, largest first (ties in index order); `sorted` is accepted, and the result
    is always sorted.

    >>> values, indices = topk(Tensor([2.0, 7.0, 7.0, 1.0]), 2, largest=True)
    >>> values.tolist(), indices.tolist()
    ([7.0, 7.0], [1, 2])
    """
    x, axis, values, indices = _sorted_for_k("topk", x, k, axis, 0, descending=largest)
    if x.ndim == 0:
        return ValuesIndices(values, indices)
    keep = (slice(None),) * axis + (slice(0, int(k)),)
    return ValuesIndices(values[keep], Tensor(indices.data[keep]))


@torch_keywords
def kthvalue(x: Any, k: int, axis: int = -1, keepdims: bool = False) -> ValuesIndices:
    """The k-th smallest value along `axis` (k from 1) and its index, as PyTorch's
    `torch.kthvalue`; among equal values the first in order. The gradient goes to it.

    >>> kthvalue(Tensor([3.0, 1.0, 2.0]), 2).values.item()
    2.0
    """
    x, axis, values, indices = _sorted_for_k("kthvalue", x, k, axis, 1, descending=False)
    if x.ndim == 0:
        return ValuesIndices(values, indices)
    pick = (slice(None),) * axis + (slice(int(k) - 1, int(k)),)
    values, indices = values[pick], Tensor(indices.data[pick])
    if not keepdims:
        values, indices = values.squeeze(axis), Tensor(indices.data.squeeze(axis))
    return ValuesIndices(values, indices)


def msort(x: Any) -> Tensor:
    """PyTorch's `torch.msort`: the values sorted along the first axis."""
    return sort(x, 0).values


def extreme_along(x: Tensor, op: str, axis: Any, dim: int, keepdim: bool) -> ValuesIndices:
    """PyTorch's `x.max(dim)` / `x.min(dim)`: the values and indices of each first largest
    (smallest) element along `dim`, a NaN counting as largest and smallest; the gradient goes
    to the element picked (where the `axis` form shares it among ties)."""
    if axis is not None:
        raise TypeError(f"Tensor.{op}() got both 'axis' and 'dim' (PyTorch's name for it, "
                        f"which gives PyTorch's (values, indices)): pass one")
    flat = x.reshape(1) if x.ndim == 0 else x  # PyTorch takes dim 0 or -1 of a 0-d tensor
    dim = _axis(dim, flat.ndim, op, x.shape)
    pick = flat.argmax if op == "max" else flat.argmin
    indices = pick(dim, keepdims=True)
    values = gather(flat, dim, indices)
    if x.ndim == 0 or not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return ValuesIndices(values, indices)


def one_hot(labels: Any, num_classes: int = -1) -> Tensor:
    """Integer labels of any shape as rows of 0s and a 1, shape labels.shape + (classes,),
    int64, as PyTorch's F.one_hot (classes: the largest label + 1 when num_classes is -1).

    >>> one_hot([0, 2], 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    values = _integers(labels)
    if values.dtype.kind not in "iu":
        raise OpError(f"one_hot: labels must be integers, got {values.dtype}")
    classes = int(values.max()) + 1 if num_classes == -1 and values.size else num_classes
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes < 0:
        raise OpError(f"one_hot: num_classes must be -1 or an int >= 0, got {num_classes!r}")
    if values.size and (values.min() < 0 or values.max() >= classes):
        raise OpError(f"one_hot: labels of shape {values.shape} must be in [0, {classes}), "
                      f"got {values.min()} to {values.max()}")
    return Tensor((values[..., None] == np.arange(classes)).astype(np.int64))
