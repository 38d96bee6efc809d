"""PyTorch's other shape, indexing and product functions, made of other ops (slices, numpy
indexing, `cat`, `where`, matmul), so their gradients, double backward and jit come with
them: roll, diff, rot90, fliplr, flipud, narrow, select, unbind, movedim, swapaxes,
diagonal, trace, diag, repeat_interleave, sliding_windows (`Tensor.unfold`), index_select,
take, masked_fill, masked_select, scatter, scatter_add, index_add, index_copy, index_fill,
median, quantile, outer, inner, kron, cross, mm, mv, bmm, addmm, baddbmm, unflatten, ravel;
and, without gradients, argsort, nonzero (argwhere), unique.

>>> from tinygrad_np import Tensor
>>> roll(Tensor([1.0, 2.0, 3.0]), 1).tolist()
[3.0, 1.0, 2.0]
"""
from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from .function import OpError
from .ops.adjoint import scatter_add as _scatter_into
from .selection import ValuesIndices, _along, _integers, gather, sort
from .tensor import Tensor
from .tensor_ops import _axis, _tensor, cat, flip, stack, where
from .torch_keywords import torch_keywords

__all__ = ["addmm", "argsort", "argwhere", "baddbmm", "bmm", "cross", "cummax", "cummin", "diag",
           "diagonal", "diff", "fliplr", "flipud", "index_add", "index_copy", "index_fill",
           "index_select", "inner", "kron", "masked_fill", "masked_select", "median", "mm",
           "movedim", "mv", "narrow", "nonzero", "outer", "quantile", "ravel",
           "repeat_interleave", "roll", "rot90", "scatter", "scatter_add", "select",
           "sliding_windows", "swapaxes", "take", "trace", "unbind", "unflatten", "unique"]


def _ints(value: Any) -> tuple[int, ...]:
    return (int(value),) if isinstance(value, (int, np.integer)) else tuple(int(v) for v in value)


def _at(axis: int, index: Any) -> tuple[Any, ...]:
    """The index that applies `index` along `axis` and leaves the axes before it whole."""
    return (slice(None),) * axis + (index,)


# -- moving elements ------------------------------------------------------------------------------
def roll(x: Any, shifts: Any, dims: Any = None) -> Tensor:
    """Elements shifted along `dims` by `shifts`, those that fall off coming back at the other
    end, as PyTorch's torch.roll (no dims: over the flattened tensor, then reshaped)."""
    x = _tensor(x)
    if dims is None:
        return roll(x.reshape(-1), _ints(shifts)[0], 0).reshape(x.shape)
    shifts, dims = _ints(shifts), _ints(dims)
    if len(shifts) != len(dims):
        raise OpError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    for shift, dim in zip(shifts, dims):
        axis = _axis(dim, x.ndim, "roll", x.shape)
        size = x.shape[axis]
        cut = -shift % size if size else 0
        if cut:
            x = cat([x[_at(axis, slice(cut, None))], x[_at(axis, slice(0, cut))]], axis)
    return x


@torch_keywords
def diff(x: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """The n-th forward difference along `axis`, out[i] = x[i + 1] - x[i], after `prepend`
    and `append` are joined at the ends (PyTorch's torch.diff; `axis` for its `dim`)."""
    x = _tensor(x)
    axis = _axis(axis, x.ndim, "diff", x.shape)
    parts = [p for p in (prepend, x, append) if p is not None]
    x = cat([_tensor(p) for p in parts], axis) if len(parts) > 1 else x
    for _ in range(n):
        x = x[_at(axis, slice(1, None))] - x[_at(axis, slice(None, -1))]
    return x


def rot90(x: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotated by 90 degrees k times, from the first of `dims` towards the second (PyTorch's
    torch.rot90)."""
    x = _tensor(x)
    first, second = (_axis(d, x.ndim, "rot90", x.shape) for d in dims)
    if first == second:
        raise OpError(f"rot90: dims {tuple(dims)} must be two different axes")
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, (first, second))
    order = list(range(x.ndim))
    order[first], order[second] = order[second], order[first]
    return flip(x, second).transpose(order) if k == 1 else flip(x.transpose(order), second)


def fliplr(x: Any) -> Tensor:
    """Flipped left to right (axis 1); at least 2-D."""
    x = _tensor(x)
    if x.ndim < 2:
        raise OpError(f"fliplr: input of shape {x.shape} must be at least 2-D")
    return flip(x, 1)


def flipud(x: Any) -> Tensor:
    """Flipped upside down (axis 0); at least 1-D."""
    x = _tensor(x)
    if x.ndim < 1:
        raise OpError("flipud: input must be at least 1-D")
    return flip(x, 0)


def movedim(x: Any, source: Any, destination: Any) -> Tensor:
    """Axes `source` moved to `destination`, the others in order (numpy's moveaxis)."""
    x = _tensor(x)
    perm = list(range(x.ndim))
    src = [_axis(s, x.ndim, "movedim", x.shape) for s in _ints(source)]
    dst = [_axis(d, x.ndim, "movedim", x.shape) for d in _ints(destination)]
    if len(src) != len(dst):
        raise OpError(f"movedim: source {source} and destination {destination} must have the "
                      f"same length")
    rest = [a for a in perm if a not in src]
    result: list[int | None] = [None] * x.ndim
    for s, d in zip(src, dst):
        result[d] = s
    fill = iter(rest)
    return x.transpose([a if a is not None else next(fill) for a in result])


@torch_keywords
def swapaxes(x: Any, axis0: int, axis1: int) -> Tensor:
    """Two axes exchanged (PyTorch's `t.transpose(0, 1)`, `swapaxes`, `swapdims`)."""
    x = _tensor(x)
    a, b = (_axis(d, x.ndim, "swapaxes", x.shape) for d in (axis0, axis1))
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    return x.transpose(order)


@torch_keywords
def narrow(x: Any, dim: int, start: int, length: int) -> Tensor:
    """`length` elements along `dim` from `start` on."""
    x = _tensor(x)
    axis = _axis(dim, x.ndim, "narrow", x.shape)
    size = x.shape[axis]
    start = start + size if start < 0 else start
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise OpError(f"narrow: start {start} and length {length} do not fit axis {axis} of "
                      f"size {size} (input {x.shape})")
    return x[_at(axis, slice(start, start + length))]


@torch_keywords
def select(x: Any, dim: int, index: int) -> Tensor:
    """The slice at `index` along `dim`, that axis removed."""
    x = _tensor(x)
    axis = _axis(dim, x.ndim, "select", x.shape)
    if not -x.shape[axis] <= index < x.shape[axis]:
        raise OpError(f"select: index {index} is out of range for axis {axis} of size "
                      f"{x.shape[axis]} (input {x.shape})")
    return x[_at(axis, int(index))]


@torch_keywords
def unbind(x: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Every slice along `dim`, that axis removed."""
    x = _tensor(x)
    axis = _axis(dim, x.ndim, "unbind", x.shape)
    return tuple(x[_at(axis, i)] for i in range(x.shape[axis]))


@torch_keywords
def repeat_interleave(x: Any, repeats: Any, dim: int | None = None) -> Tensor:
    """Each element repeated `repeats` times (an int, or one count per element) along `dim`
    (no dim: over the flattened tensor), as PyTorch's (numpy's `repeat`)."""
    x = _tensor(x)
    if dim is None:
        x, dim = x.reshape(-1), 0
    axis = _axis(dim, x.ndim, "repeat_interleave", x.shape)
    counts = _integers(repeats)
    if (counts < 0).any():
        raise OpError(f"repeat_interleave: repeats must not be negative, got {repeats!r}")
    return x[_at(axis, np.repeat(np.arange(x.shape[axis]), counts))]


def sliding_windows(x: Any, dimension: int, size: int, step: int) -> Tensor:
    """Every window of `size` elements along `dimension`, `step` apart, as a new last axis
    (PyTorch's `Tensor.unfold`): (..., n, ...) becomes (..., (n - size) // step + 1, ...,
    size)."""
    x = _tensor(x)
    axis = _axis(dimension, max(x.ndim, 1), "unfold", x.shape)
    length = x.shape[axis] if x.ndim else 1
    if size < 0 or step < 1 or size > length:
        raise OpError(f"unfold: windows of size {size} every {step} do not fit axis {axis} of "
                      f"size {length} (input {x.shape})")
    if x.ndim == 0:
        return x.reshape(1)
    starts = np.arange(0, length - size + 1, step)
    windows = x[_at(axis, starts[:, None] + np.arange(size))]  # (..., count, size, ...)
    return movedim(windows, axis + 1, -1)


# -- diagonals ---------------------------------------------------------------------------------
def diagonal(x: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes, `offset` above the main one, as the last
    axis (PyTorch's torch.diagonal)."""
    x = _tensor(x)
    a, b = (_axis(d, x.ndim, "diagonal", x.shape) for d in (dim1, dim2))
    if a == b:
        raise OpError(f"diagonal: dim1 and dim2 must be different axes, got {dim1} and {dim2}")
    planes = movedim(x, (a, b), (-2, -1))
    rows, cols = planes.shape[-2:]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    count = max(0, builtins.min(rows - start_row, cols - start_col))
    steps = np.arange(count)
    return planes[..., start_row + steps, start_col + steps]


def trace(x: Any) -> Tensor:
    """The sum of a matrix's diagonal."""
    x = _tensor(x)
    if x.ndim != 2:
        raise OpError(f"trace: input of shape {x.shape} must be a matrix")
    return diagonal(x).sum()


def diag(x: Any, diagonal: int = 0) -> Tensor:
    """A vector's square matrix with it on the `diagonal`-th diagonal, or a matrix's
    `diagonal`-th diagonal as a vector (PyTorch's torch.diag)."""
    x = _tensor(x)
    if x.ndim == 2:
        return globals()["diagonal"](x, diagonal)
    if x.ndim != 1:
        raise OpError(f"diag: input of shape {x.shape} must be a vector or a matrix")
    n = x.shape[0]
    size = n + abs(diagonal)
    # every entry picks x's element on the diagonal, or a zero appended at index n
    picks = np.full((size, size), n)
    steps = np.arange(n)
    picks[steps + max(-diagonal, 0), steps + max(diagonal, 0)] = steps
    return cat([x, Tensor(np.zeros(1, dtype=x.dtype))])[picks]


# -- picking -----------------------------------------------------------------------------------
@torch_keywords
def index_select(x: Any, dim: int, index: Any) -> Tensor:
    """The entries at the integer `index` (a vector) along `dim`."""
    x = _tensor(x)
    axis = _axis(dim, x.ndim, "index_select", x.shape)
    picks = _integers(index)
    if picks.ndim > 1 or picks.dtype.kind not in "iu":
        raise OpError(f"index_select: index must be a vector of integers, got shape "
                      f"{picks.shape} and dtype {picks.dtype}")
    return x[_at(axis, picks.reshape(-1))]


def take(x: Any, index: Any) -> Tensor:
    """The elements of the flattened tensor at `index` (any shape)."""
    return _tensor(x).reshape(-1)[_integers(index)]


def masked_fill(x: Any, mask: Any, value: Any) -> Tensor:
    """`value` where `mask` (bool, broadcast to x) is true, x elsewhere; a Tensor value gets
    the gradient of the places it fills."""
    x = _tensor(x)
    mask = _integers(mask)
    if mask.dtype.kind != "b":
        raise OpError(f"masked_fill: mask must be bool, got {mask.dtype}")
    return where(np.broadcast_to(mask, x.shape), value, x)


def masked_select(x: Any, mask: Any) -> Tensor:
    """The elements where `mask` (bool, broadcast with x) is true, as a vector."""
    x = _tensor(x)
    mask = _integers(mask)
    if mask.dtype.kind != "b":
        raise OpError(f"masked_select: mask must be bool, got {mask.dtype}")
    shape = np.broadcast_shapes(x.shape, mask.shape)
    return x.broadcast_to(shape)[np.broadcast_to(mask, shape)]


def _scattered(op: str, x: Tensor, dim: int, index: Any, src: Any) -> tuple[int, Any, Tensor]:
    """(axis, the index along it as a full advanced index, src as a Tensor over index's shape)."""
    axis = _axis(dim, x.ndim, op, x.shape)
    picks = _integers(index)
    if picks.ndim != x.ndim or picks.dtype.kind not in "iu":
        raise OpError(f"{op}: index of shape {picks.shape} must be integers with the "
                      f"{x.ndim} axes of input {x.shape}")
    if picks.size and (picks.min() < 0 or picks.max() >= x.shape[axis]):
        raise OpError(f"{op}: index values must be in [0, {x.shape[axis]}) for axis {axis}")
    values = _tensor(src) if isinstance(src, (Tensor, np.ndarray)) else None
    if values is None:  # a number: that value everywhere index points
        values = Tensor(np.full(picks.shape, src, dtype=x.dtype))
    elif values.shape != picks.shape:
        if values.ndim != picks.ndim or builtins.any(
                i > s for i, s in zip(picks.shape, values.shape)):
            raise OpError(f"{op}: src of shape {values.shape} must be at least index's shape "
                          f"{picks.shape} on every axis")
        values = values[tuple(slice(0, n) for n in picks.shape)]
    return axis, _along(picks, axis), values


@torch_keywords
def scatter_add(x: Any, dim: int, index: Any, src: Any) -> Tensor:
    """x with src[i][j][k] added at out[index[i][j][k]][j][k] (for dim 0, and so on), as
    PyTorch's out-of-place `scatter_add`; indices may repeat (their values add up)."""
    x = _tensor(x)
    _, full, values = _scattered("scatter_add", x, dim, index, src)
    return x + _scatter_into(values, full, x.shape)


@torch_keywords
def scatter(x: Any, dim: int, index: Any, src: Any) -> Tensor:
    """x with out[index[i][j][k]][j][k] = src[i][j][k] (for dim 0, and so on), as PyTorch's
    out-of-place `scatter`; src may be a number. Where an index repeats, PyTorch's result
    is undefined and so this one is refused."""
    x = _tensor(x)
    _, full, values = _scattered("scatter", x, dim, index, src)
    hits = np.zeros(x.shape, dtype=np.int64)
    np.add.at(hits, full, 1)
    if (hits > 1).any():
        raise OpError("scatter: index names the same place twice (PyTorch's result would "
                      "depend on the order); use scatter_add")
    return where(hits > 0, _scatter_into(values, full, x.shape), x)


def _index_along(op: str, x: Tensor, dim: int, index: Any) -> tuple[int, tuple[Any, ...]]:
    """(axis, the index that picks `index`, a 1-D int array, along it), checked."""
    axis = _axis(dim, max(x.ndim, 1), op, x.shape)
    picks = _integers(index)
    if picks.ndim > 1 or picks.dtype.kind not in "iu":
        raise OpError(f"{op}: index must be a 1-D integer array, got {picks.dtype} of shape "
                      f"{picks.shape}")
    picks = picks.reshape(-1)
    size = x.shape[axis] if x.ndim else 1
    if picks.size and (picks.min() < 0 or picks.max() >= size):
        raise OpError(f"{op}: index values must be in [0, {size}) for axis {axis} of shape "
                      f"{x.shape}")
    return axis, (slice(None),) * axis + (picks,)


def _source(op: str, x: Tensor, axis: int, count: int, source: Any) -> Tensor:
    values = _tensor(source)
    expected = x.shape[:axis] + (count,) + x.shape[axis + 1:]
    if values.shape != expected:
        raise OpError(f"{op}: source of shape {values.shape} must be {expected} (input "
                      f"{x.shape} with axis {axis} as long as index)")
    return values


@torch_keywords
def index_add(x: Any, dim: int, index: Any, source: Any, alpha: float = 1.0) -> Tensor:
    """x with alpha * source[..., i, ...] added at x[..., index[i], ...] along `dim`, as
    PyTorch's out-of-place `index_add`; indices may repeat (their values add up).

    >>> index_add(Tensor(np.zeros(3)), 0, np.array([0, 0, 2]), Tensor([1.0, 2.0, 5.0])).tolist()
    [3.0, 0.0, 5.0]
    """
    x = _tensor(x)
    axis, full = _index_along("index_add", x, dim, index)
    values = _source("index_add", x, axis, len(full[-1]), source)
    return x + _scatter_into(values if alpha == 1 else values * alpha, full, x.shape)


@torch_keywords
def index_copy(x: Any, dim: int, index: Any, source: Any) -> Tensor:
    """x with x[..., index[i], ...] = source[..., i, ...] along `dim`, as PyTorch's
    out-of-place `index_copy`; an index given twice is refused (PyTorch's result would
    depend on the order)."""
    x = _tensor(x)
    axis, full = _index_along("index_copy", x, dim, index)
    values = _source("index_copy", x, axis, len(full[-1]), source)
    if len(np.unique(full[-1])) != len(full[-1]):
        raise OpError("index_copy: index names the same place twice (PyTorch's result would "
                      "depend on the order)")
    hits = np.zeros(x.shape, dtype=bool)
    hits[full] = True
    return where(hits, _scatter_into(values, full, x.shape), x)


@torch_keywords
def index_fill(x: Any, dim: int, index: Any, value: Any) -> Tensor:
    """x with `value` at x[..., index[i], ...] along `dim`, as PyTorch's `index_fill`; a
    Tensor value (0-d) gets the gradient of the places it fills."""
    x = _tensor(x)
    _, full = _index_along("index_fill", x, dim, index)
    hits = np.zeros(x.shape, dtype=bool)
    hits[full] = True
    return where(hits, value, x)


# -- order statistics --------------------------------------------------------------------------
@torch_keywords
def argsort(x: Any, dim: int = -1, descending: bool = False) -> Tensor:
    """The indices that sort x along `dim` (stable); int64, no gradient."""
    return sort(x, dim, descending)[1]


@torch_keywords
def median(x: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """PyTorch's torch.median: the lower of the two middle values for an even count, or NaN
    where there is one (NaN is the largest value). Without `dim` of all the elements, its
    gradient shared evenly among the elements equal to it (or the NaNs); with it (values,
    indices) along `dim` (a `ValuesIndices`), the gradient to the element picked (the first
    NaN, where there are some), as PyTorch's."""
    x = _tensor(x)
    if dim is None:
        values, _ = sort(x.reshape(-1))  # NaN last
        data, count = values.data, values.shape[0]
        nans = int((data != data).sum())
        if nans:
            low, high = count - nans, count
        else:
            middle = data[(count - 1) // 2]
            low = int(np.searchsorted(data, middle, "left"))
            high = int(np.searchsorted(data, middle, "right"))
        # the run of values equal to the median: their max is it, the gradient shared by all
        return values[low:high].max()
    axis = _axis(dim, max(x.ndim, 1), "median", x.shape)
    values, order = sort(x, axis)
    if not x.ndim:
        return ValuesIndices(values, Tensor(order.data))
    count = x.shape[axis]
    nans = (values.data != values.data).sum(axis=axis, keepdims=True)
    # the first NaN (NaN sorts last, stably) where the line has one, else the middle one
    position = np.where(nans > 0, count - nans, (count - 1) // 2)
    picked, index = gather(values, axis, position), np.take_along_axis(order.data, position, axis)
    if not keepdim:
        picked, index = picked.squeeze(axis), index.squeeze(axis)
    return ValuesIndices(picked, Tensor(index))


@torch_keywords
def quantile(x: Any, q: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The q-th quantiles (q in [0, 1], a number or a vector, which then comes first),
    interpolating linearly between the two nearest sorted values, as PyTorch's default."""
    x = _tensor(x)
    qs = np.asarray(q, dtype=np.float64)
    if (qs < 0).any() or (qs > 1).any():
        raise OpError(f"quantile: q must be in [0, 1], got {q!r}")
    if dim is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = _axis(dim, x.ndim, "quantile", x.shape)
    values, _ = sort(x, axis)
    count = x.shape[axis]
    results = []
    for level in qs.reshape(-1):
        position = level * (count - 1)
        low, high = int(np.floor(position)), int(np.ceil(position))
        low_value = values[_at(axis, slice(low, low + 1))]
        high_value = values[_at(axis, slice(high, high + 1))]
        result = low_value + (high_value - low_value) * float(position - low)
        results.append(result if keepdim and dim is not None else result.squeeze(axis))
    if qs.ndim == 0:
        return results[0]
    return stack(results, 0)


def _running_extreme(op: str, x: Any, dim: int, larger: bool) -> ValuesIndices:
    x = _tensor(x)
    axis = _axis(dim, max(x.ndim, 1), op, x.shape)
    if x.ndim == 0:
        return ValuesIndices(x * 1.0, Tensor(np.zeros((), np.int64)))
    data = x.data
    best = (np.fmax if larger else np.fmin).accumulate(data, axis=axis)
    # the latest place holding the running extreme, as PyTorch's (or its latest NaN's)
    positions = np.arange(data.shape[axis]).reshape((-1,) + (1,) * (data.ndim - axis - 1))
    nan = np.isnan(data) if data.dtype.kind == "f" else np.zeros(data.shape, bool)
    seen_nan = np.logical_or.accumulate(nan, axis=axis)
    holds = np.where(seen_nan, nan, data == best)
    indices = np.maximum.accumulate(np.where(holds, positions, 0), axis=axis).astype(np.int64)
    return ValuesIndices(gather(x, axis, indices), Tensor(indices))


@torch_keywords
def cummax(x: Any, dim: int) -> ValuesIndices:
    """(values, indices): the running maximum along `dim` and where it is (the latest place
    on ties, and NaN once one is met, as PyTorch's); the values' gradient goes there.

    >>> [t.tolist() for t in cummax(Tensor([1.0, 3.0, 3.0, 2.0]), 0)]
    [[1.0, 3.0, 3.0, 3.0], [0, 1, 2, 2]]
    """
    return _running_extreme("cummax", x, dim, True)


@torch_keywords
def cummin(x: Any, dim: int) -> ValuesIndices:
    """(values, indices): the running minimum along `dim` and where it is."""
    return _running_extreme("cummin", x, dim, False)


def nonzero(x: Any) -> Tensor:
    """The indices of the non-zero elements, one row each, (count, ndim) int64."""
    return Tensor(np.argwhere(_integers(x)).astype(np.int64))


argwhere = nonzero


def ravel(x: Any) -> Tensor:
    """All elements in one axis, in C order."""
    return _tensor(x).reshape(-1)


@torch_keywords
def unflatten(x: Any, axis: int, sizes: Sequence[int]) -> Tensor:
    """Axis `axis` split into axes of `sizes` (one may be -1), as PyTorch's unflatten.

    >>> unflatten(Tensor(np.zeros((2, 6))), 1, (3, -1)).shape
    (2, 3, 2)
    """
    x = _tensor(x)
    axis = _axis(axis, x.ndim, "unflatten", x.shape)
    return x.reshape(x.shape[:axis] + tuple(int(n) for n in sizes) + x.shape[axis + 1:])


@torch_keywords
def unique(x: Any, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Any:
    """The sorted distinct values (no gradient), and with `return_inverse` / `return_counts`
    where each element went and how often each value occurs, as PyTorch's torch.unique."""
    data = _integers(x)
    out = np.unique(data, return_inverse=True, return_counts=True, axis=dim)
    values, inverse, counts = out
    results: list[Tensor] = [Tensor(values)]
    if return_inverse:
        results.append(Tensor(inverse.reshape(data.shape if dim is None else -1)
                              .astype(np.int64)))
    if return_counts:
        results.append(Tensor(counts.astype(np.int64)))
    return results[0] if len(results) == 1 else tuple(results)


# -- products ------------------------------------------------------------------------------------
def outer(a: Any, b: Any) -> Tensor:
    """The outer product of two vectors, (n, m)."""
    a, b = _tensor(a), _tensor(b)
    if a.ndim != 1 or b.ndim != 1:
        raise OpError(f"outer: inputs {a.shape} and {b.shape} must be vectors")
    return a.reshape(-1, 1) * b.reshape(1, -1)


def inner(a: Any, b: Any) -> Tensor:
    """Sums over the last axis of both: (..., k) and (..., k) give a.shape[:-1] +
    b.shape[:-1] (a number for two vectors); numbers multiply."""
    a, b = _tensor(a), _tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise OpError(f"inner: inputs {a.shape} and {b.shape} must have the same last axis")
    flat = a.reshape(-1, a.shape[-1]) @ b.reshape(-1, b.shape[-1]).T
    return flat.reshape(a.shape[:-1] + b.shape[:-1])


def kron(a: Any, b: Any) -> Tensor:
    """The Kronecker product: every element of a times the whole of b, in blocks."""
    a, b = _tensor(a), _tensor(b)
    ndim = builtins.max(a.ndim, b.ndim)
    a = a.reshape((1,) * (ndim - a.ndim) + a.shape)
    b = b.reshape((1,) * (ndim - b.ndim) + b.shape)
    # (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...): the axes interleaved, then merged
    blocks = a.reshape(tuple(v for n in a.shape for v in (n, 1))) * \
        b.reshape(tuple(v for n in b.shape for v in (1, n)))
    return blocks.reshape(tuple(m * n for m, n in zip(a.shape, b.shape)))


@torch_keywords
def cross(a: Any, b: Any, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along `dim` (broadcast), as torch.linalg.cross."""
    a, b = _tensor(a), _tensor(b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    axis = _axis(dim, len(shape), "cross", shape)
    if shape[axis] != 3:
        raise OpError(f"cross: inputs {a.shape} and {b.shape} must have size 3 on axis {axis}")
    ax, ay, az = (a[_at(axis, i)] for i in range(3))
    bx, by, bz = (b[_at(axis, i)] for i in range(3))
    return stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], axis)


def _check_ndim(op: str, what: str, x: Tensor, ndim: int) -> None:
    if x.ndim != ndim:
        raise OpError(f"{op}: {what} of shape {x.shape} must be {ndim}-D")


def mm(a: Any, b: Any) -> Tensor:
    """Matrix times matrix, (n, k) @ (k, m)."""
    a, b = _tensor(a), _tensor(b)
    _check_ndim("mm", "the first input", a, 2)
    _check_ndim("mm", "the second input", b, 2)
    return a @ b


def mv(a: Any, v: Any) -> Tensor:
    """Matrix times vector, (n, k) @ (k,)."""
    a, v = _tensor(a), _tensor(v)
    _check_ndim("mv", "the matrix", a, 2)
    _check_ndim("mv", "the vector", v, 1)
    return a @ v


def bmm(a: Any, b: Any) -> Tensor:
    """A batch of matrix products, (B, n, k) @ (B, k, m), no broadcasting of the batch."""
    a, b = _tensor(a), _tensor(b)
    _check_ndim("bmm", "the first input", a, 3)
    _check_ndim("bmm", "the second input", b, 3)
    if a.shape[0] != b.shape[0]:
        raise OpError(f"bmm: batch sizes differ: {a.shape} and {b.shape}")
    return a @ b


def addmm(x: Any, a: Any, b: Any, beta: float = 1.0, alpha: float = 1.0) -> Tensor:
    """beta * x + alpha * (a @ b), x broadcast; with beta 0, x is not read (its NaNs do not
    spread), as PyTorch's."""
    return _scaled_sum(x, mm(a, b), beta, alpha)


def baddbmm(x: Any, a: Any, b: Any, beta: float = 1.0, alpha: float = 1.0) -> Tensor:
    """beta * x + alpha * bmm(a, b)."""
    return _scaled_sum(x, bmm(a, b), beta, alpha)


def _scaled_sum(x: Any, product: Tensor, beta: float, alpha: float) -> Tensor:
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return scaled
    x = _tensor(x)
    return (x if beta == 1 else x * beta) + scaled
