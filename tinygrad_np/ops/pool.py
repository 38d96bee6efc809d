"""Pooling on NCHW arrays: max_pool2d, avg_pool2d, adaptive_avg_pool2d.

Each is a loop over the kernel offsets, never over windows: offset (i, j) meets one strided
slice of the padded input, the size of the output, so a 2x2 average is three elementwise
sums of whole arrays. A maximum is separable: over each window's rows, then its columns
(a 2x2 max-pool is two elementwise maxima). The backwards walk the kh * kw slices.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import recycle
from ..function import Function, OpError
from .adjoint import scatter_add
from .conv import (CHUNK_BYTES, Pair, _crop_tensor, _detail, _window_index, batch_chunks,
                   _plain, check_fits, check_ndim, crop, kept, offsets, out_size, pad, pair)


def pool_args(op: str, x: Any, kernel_size: Any, stride: Any,
              padding: Any) -> tuple[Pair, Pair, Pair, Pair]:
    """Checked (kernel, stride, padding, output size); stride None means the kernel size.
    Kept for plain-int arguments and the input's shape, as a conv's (`conv_geometry`)."""
    key = (op, x.shape, kernel_size, stride, padding) \
        if _plain(kernel_size, padding) and (stride is None or _plain(stride)) else None
    return kept(_POOLS, key, _pool_args, op, x, kernel_size, stride, padding)


_POOLS: dict[tuple[Any, ...], tuple[Pair, Pair, Pair, Pair]] = {}


def _pool_args(op: str, x: Any, kernel_size: Any, stride: Any,
               padding: Any) -> tuple[Pair, Pair, Pair, Pair]:
    check_ndim(op, "input", x, 4, "(N, C, H, W)")
    kernel = pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise OpError(f"{op}: padding {padding} must be at most half the kernel size "
                      f"{kernel} (input {x.shape})")
    check_fits(op, x.shape, kernel, padding, (1, 1))
    out_hw = (out_size(x.shape[2], kernel[0], stride[0], padding[0], 1),
              out_size(x.shape[3], kernel[1], stride[1], padding[1], 1))
    return kernel, stride, padding, out_hw


class MaxPool2d(Function):
    """Largest value of each window; padding counts as -inf.

    Ties: the whole gradient of a window goes to its first largest element in row-major
    order within the window (top row first, then left to right), as PyTorch's CPU kernel
    picks it. A NaN in a window makes the output NaN (as in PyTorch) and that window then
    passes no gradient back.
    """

    __slots__ = ("kernel", "stride", "padding", "x_shape", "out_hw")

    def forward(ctx, x, kernel_size, stride=None, padding=0):
        kernel, stride, padding, out_hw = pool_args("max_pool2d", x, kernel_size, stride,
                                                    padding)
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min  # integer images
        xp = pad(x, padding, lowest)
        out = _separable_max(xp, kernel, stride, out_hw)
        ctx.kernel, ctx.stride, ctx.padding, ctx.x_shape, ctx.out_hw = (
            kernel, stride, padding, x.shape, out_hw)
        ctx.save_for_backward(xp, out)
        return out

    def backward(ctx, grad):
        xp, out = ctx.saved_tensors
        # windows side by side (stride >= kernel) meet disjoint slices: assign, don't add;
        # when they also tile the whole input, every element is assigned and none need zeroing
        apart = all(s >= k for s, k in zip(ctx.stride, ctx.kernel))
        tiled = apart and ctx.stride == ctx.kernel and all(
            o * k == size for o, k, size in zip(ctx.out_hw, ctx.kernel, xp.shape[2:]))
        target = (recycle.empty if tiled else recycle.zeros)(grad, xp.shape)
        windows = list(offsets(ctx.kernel, ctx.stride, (1, 1), ctx.out_hw))
        # A few batch chunks at a time (a loop over chunks, not images): every kernel offset
        # reads the same cache lines of the input, which then are still in cache.
        n, c, hp, wp = xp.shape
        for part in batch_chunks(n, c * hp * wp * xp.itemsize, CHUNK_BYTES // 2):
            _route_to_maxima(xp[part], out[part], grad[part], target[part], windows, apart)
        return crop(target, ctx.padding, ctx.x_shape[2:])

    def backward_graph(ctx, grad, out):
        # Which element of each window is its maximum is constant where the derivative
        # exists: the gradient is routed there by a (differentiable) scatter-add.
        xp, top = ctx.saved_tensors
        n, c, ho, wo = top.shape
        row, col = np.zeros(top.shape, dtype=np.intp), np.zeros(top.shape, dtype=np.intp)
        found = np.zeros(top.shape, dtype=bool)
        for i, j, rows, cols in offsets(ctx.kernel, ctx.stride, (1, 1), ctx.out_hw):
            hit = (xp[:, :, rows, cols] == top) & ~found  # the first maximum, as backward
            row[hit], col[hit] = i, j
            found |= hit
        row += (np.arange(ho) * ctx.stride[0])[:, None]
        col += np.arange(wo) * ctx.stride[1]
        index = (np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], row, col)
        if not found.all():  # a window holding NaN passes no gradient
            grad = grad * found
        return _crop_tensor(scatter_add(grad, index, xp.shape), ctx.padding, ctx.x_shape[2:])

    def viz_detail(ctx) -> str:
        return _detail(ctx.kernel, ctx.stride, ctx.padding)


def _separable_max(xp: Any, kernel: Pair, stride: Pair, out_hw: Pair) -> Any:
    """Each window's maximum as the maximum over its rows of the maximum over its columns:
    kh + kw - 2 elementwise maxima instead of kh * kw - 1. The rows come first, on whole
    rows of the input (contiguous, where numpy's vectorised loop runs), then the columns,
    with stride, on the smaller result. Exact (a maximum does not round), and a NaN still
    wins, since np.maximum propagates it."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_hw
    last_row, width = (ho - 1) * sh + 1, (wo - 1) * sw + kw  # the rows and columns used
    rows = [xp[:, :, i:i + last_row:sh, :width] for i in range(kh)]  # (N, C, Ho, width)
    top = rows[0] if kh == 1 else np.maximum(rows[0], rows[1], out=recycle.out(rows[0]))
    for row in rows[2:]:
        np.maximum(top, row, out=top)
    last_col = (wo - 1) * sw + 1
    if kw == 1:
        return recycle.copy(top[..., :last_col:sw])  # never a view of the input
    first = top[..., 0:last_col:sw]
    out = np.maximum(first, top[..., 1:1 + last_col:sw], out=recycle.out(first))
    for j in range(2, kw):
        np.maximum(out, top[..., j:j + last_col:sw], out=out)
    return out


def _route_to_maxima(xp: Any, out: Any, grad: Any, target: Any,
                     windows: list[tuple[int, int, slice, slice]], apart: bool) -> None:
    """Add each window's gradient into `target` at the window's first maximum (row-major),
    one pass per kernel offset; `apart`: the windows are disjoint, so assign instead.
    Without a NaN, a window no earlier offset served has its maximum at the last offset:
    that offset's comparison (a strided pass over the input) is skipped."""
    last = len(windows) - 1
    # a NaN among the maxima makes their maximum NaN (numpy's max propagates it, and unlike a
    # sum of inf and -inf raises no floating-point warning); a 1x1 window has no earlier
    # offset and nothing to skip, an empty chunk no maximum to take
    skip_last = last > 0 and out.size > 0 and (out.dtype.kind != "f"
                                               or not np.isnan(out.max()))
    taken: Any = None  # windows whose maximum already got the gradient
    for k, (_, _, rows, cols) in enumerate(windows):
        if k == last and skip_last:
            hit = np.logical_not(taken, out=taken)  # every window not yet served
        else:
            hit = xp[:, :, rows, cols] == out
        if taken is None:
            taken = hit
        elif hit is not taken:
            np.greater(hit, taken, out=hit)  # a hit, and not in a window already served
            if k < last:
                taken |= hit
        part = target[:, :, rows, cols]
        if apart:
            np.multiply(grad, hit, out=part)
        else:
            part += grad * hit


class AvgPool2d(Function):
    """Mean of each window; zero padding counts in the mean (PyTorch's default,
    count_include_pad=True), so every window divides by kh * kw. Integer images average in
    float64, as numpy's mean does."""

    __slots__ = ("kernel", "stride", "padding", "x_shape", "out_hw")
    kernel: Pair  # set by _avg_pool, which AdaptiveAvgPool2d shares
    stride: Pair
    padding: Pair
    x_shape: tuple[int, ...]
    out_hw: Pair

    def forward(ctx, x, kernel_size, stride=None, padding=0):
        return _avg_pool(ctx, x, *pool_args("avg_pool2d", x, kernel_size, stride, padding))

    def backward(ctx, grad):
        kh, kw = ctx.kernel
        share = grad / (kh * kw)
        n, c, h, w = ctx.x_shape
        ph, pw = ctx.padding
        target = recycle.zeros(grad, (n, c, h + 2 * ph, w + 2 * pw))
        for _, _, rows, cols in offsets(ctx.kernel, ctx.stride, (1, 1), ctx.out_hw):
            part = target[:, :, rows, cols]
            part += share
        return crop(target, ctx.padding, ctx.x_shape[2:])

    def backward_graph(ctx, grad, out):  # each output's share added into its window
        kh, kw = ctx.kernel
        n, c, h, w = ctx.x_shape
        ho, wo = ctx.out_hw
        ph, pw = ctx.padding
        share = (grad / (kh * kw)).reshape(n, c, ho, wo, 1, 1).broadcast_to(
            (n, c, ho, wo, kh, kw))
        full = scatter_add(share, _window_index(ctx.kernel, ctx.stride, (1, 1), ctx.out_hw),
                           (n, c, h + 2 * ph, w + 2 * pw))
        return _crop_tensor(full, ctx.padding, (h, w))

    def viz_detail(ctx) -> str:
        return _detail(ctx.kernel, ctx.stride, ctx.padding)


def _avg_pool(ctx: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair, out_hw: Pair) -> Any:
    if x.dtype.kind in "biu":  # the mean of integers is a float, as numpy's (and .mean()) is
        x = x.astype(np.float64)
    xp = pad(x, padding)
    pieces = [xp[:, :, rows, cols] for _, _, rows, cols in offsets(kernel, stride, (1, 1),
                                                                   out_hw)]
    out = pieces[0].copy(order="K") if len(pieces) == 1 else \
        np.add(pieces[0], pieces[1], out=recycle.out(pieces[0]))
    for piece in pieces[2:]:
        out += piece
    if len(pieces) > 1:
        out /= len(pieces)
    ctx.kernel, ctx.stride, ctx.padding, ctx.x_shape, ctx.out_hw = (
        kernel, stride, padding, x.shape, out_hw)
    return out


class AdaptiveAvgPool2d(AvgPool2d):
    """Average pooling to a given output size (oh, ow); `None` keeps that input size. Where
    the output size divides the input's, windows of (H // oh, W // ow), side by side; else
    PyTorch's windows, rows floor(i * H / oh) to ceil((i + 1) * H / oh) (and so for columns),
    which may overlap: each window's sum, as 0/1 matrices on both sides of the image (two
    matmuls), divided by its size."""

    __slots__ = ("sums",)

    def forward(ctx, x, output_size):
        op = "adaptive_avg_pool2d"
        check_ndim(op, "input", x, 4, "(N, C, H, W)")
        if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
            wanted = tuple([x.shape[2 + a] if s is None else s for a, s in enumerate(output_size)])
        else:
            wanted = output_size
        size = pair(wanted, "output_size", op, 1)
        h, w = x.shape[2:]
        if h % size[0] or w % size[1]:
            return _uneven_average(ctx, x, size)
        ctx.sums = None
        kernel = (h // size[0], w // size[1])
        return _avg_pool(ctx, x, kernel, kernel, (0, 0), size)

    def backward(ctx, grad):
        if ctx.sums is None:
            return AvgPool2d.backward(ctx, grad)
        rows, cols, counts = ctx.sums  # the window sums' adjoint: the share of each, spread
        return rows.T @ (grad / counts) @ cols

    def backward_graph(ctx, grad, out):
        if ctx.sums is None:
            return AvgPool2d.backward_graph(ctx, grad, out)
        rows, cols, counts = ctx.sums
        return rows.T @ (grad / counts) @ cols

    def viz_detail(ctx) -> str:
        if ctx.sums is None:
            return AvgPool2d.viz_detail(ctx)
        rows, cols, _ = ctx.sums
        return f"output {rows.shape[0]}x{cols.shape[0]}, windows of uneven size"


def _window_matrix(size: int, out: int, dtype: Any) -> tuple[Any, Any]:
    """(out, size) 0/1 rows marking PyTorch's adaptive windows along one axis, and their
    lengths."""
    index = np.arange(out)
    starts, ends = index * size // out, -(-(index + 1) * size // out)
    at = np.arange(size)
    inside = (at >= starts[:, None]) & (at < ends[:, None])
    return inside.astype(dtype), (ends - starts).astype(dtype)


def _uneven_average(ctx: Any, x: Any, size: Pair) -> Any:
    if x.dtype.kind in "biu":  # as _avg_pool: the mean of integers is a float
        x = x.astype(np.float64)
    h, w = x.shape[2:]
    rows, row_lengths = _window_matrix(h, size[0], x.dtype)
    cols, col_lengths = _window_matrix(w, size[1], x.dtype)
    counts = row_lengths[:, None] * col_lengths  # each window's size, (oh, ow)
    ctx.sums = (rows, cols, counts)
    ctx.x_shape = x.shape
    return rows @ x @ cols.T / counts
