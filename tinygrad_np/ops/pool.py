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
from .conv import (CHUNK_BYTES, Pair, _detail, _single, _surrounded,
                   _window_index, batch_chunks, _plain, check_fits, check_ndim, crop, kept,
                   offsets, pad, pair)


def pool_args(op: str, x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any = 1,
              ceil_mode: bool = False) -> tuple[Pair, Pair, Pair, Pair, Pair, Pair]:
    """Checked (kernel, stride, padding, dilation, output size, extra); stride None means the
    kernel size; `extra` is the rows and columns of padding that ceil_mode's last windows
    need below and to the right. Kept for plain-int arguments and the input's shape, as a
    conv's (`conv_geometry`)."""
    key = (op, x.shape, kernel_size, stride, padding, dilation, ceil_mode) \
        if _plain(kernel_size, padding, dilation) and (stride is None or _plain(stride)) and \
        isinstance(ceil_mode, bool) else None
    return kept(_POOLS, key, _pool_args, op, x, kernel_size, stride, padding, dilation,
                ceil_mode)


_POOLS: dict[tuple[Any, ...], tuple[Pair, Pair, Pair, Pair, Pair, Pair]] = {}


def _pool_args(op: str, x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: Any) -> tuple[Pair, Pair, Pair, Pair, Pair, Pair]:
    check_ndim(op, "input", x, 4, "(N, C, H, W)")
    kernel = pair(kernel_size, "kernel_size", op, 1, one=True)  # (2,) as 2, as PyTorch's
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else pair(stride, "stride", op, 1, one=True)
    padding = pair(padding, "padding", op, 0, one=True)
    dilation = pair(dilation, "dilation", op, 1, one=True)
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise OpError(f"{op}: ceil_mode must be True or False, got {ceil_mode!r}")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:  # PyTorch's rule
        raise OpError(f"{op}: padding {padding} must be at most half the kernel size "
                      f"{kernel} (input {x.shape})")
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    out_hw = [_window_count(size, span, s, p, bool(ceil_mode))
              for size, span, s, p in zip(x.shape[2:], spans, stride, padding)]
    if min(out_hw) < 1:
        check_fits(op, x.shape, kernel, padding, dilation)  # says which axis is too small
    extra = [max(0, (count - 1) * s + span - (size + 2 * p))
             for count, size, span, s, p in zip(out_hw, x.shape[2:], spans, stride, padding)]
    return kernel, stride, padding, dilation, (out_hw[0], out_hw[1]), (extra[0], extra[1])


def _window_count(size: int, span: int, stride: int, padding: int, ceil_mode: bool) -> int:
    """How many windows fit along an axis, as PyTorch counts them. With ceil_mode the last
    one may run off the end, so that a kernel wider than the padded input still gives one
    window (then clipped to the input), as long as it starts inside the input or its left
    padding; 0 or less: none fits."""
    room = size + 2 * padding - span
    count = (-(-room // stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (count - 1) * stride >= size + padding:
        count -= 1
    return count


def pool_pad(x: Any, padding: Pair, extra: Pair, value: float) -> Any:
    """x padded by `value` on every side, and `extra` more below and to the right."""
    (ph, pw), (eh, ew) = padding, extra
    if not eh and not ew:
        return pad(x, padding, value)
    return _surrounded(x, ph, ph + eh, pw, value, pw + ew)


class MaxPool2d(Function):
    """Largest value of each window; padding counts as -inf. With `dilation`, a window's
    elements are that far apart; with `ceil_mode`, windows that run off the bottom or the
    right of the padded input still count (as long as they start inside it), as in PyTorch.

    Ties: the whole gradient of a window goes to its first largest element in row-major
    order within the window (top row first, then left to right), as PyTorch's CPU kernel
    picks it. A NaN in a window makes the output NaN (as in PyTorch) and the gradient goes
    to the window's last NaN; a window of only -inf sends it to its first element inside the
    input, never to the padding: wherever PyTorch's index (`return_indices`) points.
    """

    __slots__ = ("kernel", "stride", "padding", "dilation", "x_shape", "out_hw")

    def forward(ctx, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        kernel, stride, padding, dilation, out_hw, extra = pool_args(
            "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
        xp = pool_pad(x, padding, extra, _lowest(x.dtype))
        out = _separable_max(xp, kernel, stride, dilation, out_hw)
        ctx.kernel, ctx.stride, ctx.padding, ctx.dilation, ctx.x_shape, ctx.out_hw = (
            kernel, stride, padding, dilation, x.shape, out_hw)
        ctx.save_for_backward(xp, out)
        return out

    def backward(ctx, grad):
        xp, out = ctx.saved_tensors
        if _unusual(out, ctx.padding):
            return _route_by_index(ctx, xp, grad)
        # windows side by side (stride >= span) meet disjoint slices: assign, don't add;
        # when they also tile the whole input, every element is assigned and none need zeroing
        spans = [d * (k - 1) + 1 for k, d in zip(ctx.kernel, ctx.dilation)]
        apart = all(s >= span for s, span in zip(ctx.stride, spans))
        tiled = apart and ctx.stride == ctx.kernel and ctx.dilation == (1, 1) and all(
            o * k == size for o, k, size in zip(ctx.out_hw, ctx.kernel, xp.shape[2:]))
        target = (recycle.empty if tiled else recycle.zeros)(grad, xp.shape)
        windows = list(offsets(ctx.kernel, ctx.stride, ctx.dilation, ctx.out_hw))
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
        if _unusual(top, ctx.padding):
            n, c, h, w = ctx.x_shape
            index = _pytorch_index(ctx, xp)
            return scatter_add(grad, (np.arange(n)[:, None, None, None],
                                      np.arange(c)[None, :, None, None], index // w, index % w),
                               ctx.x_shape)
        n, c, ho, wo = top.shape
        row, col = np.zeros(top.shape, dtype=np.intp), np.zeros(top.shape, dtype=np.intp)
        found = np.zeros(top.shape, dtype=bool)
        (dh, dw) = ctx.dilation
        for i, j, rows, cols in offsets(ctx.kernel, ctx.stride, ctx.dilation, ctx.out_hw):
            hit = (xp[:, :, rows, cols] == top) & ~found  # the first maximum, as backward
            row[hit], col[hit] = i * dh, j * dw
            found |= hit
        row += (np.arange(ho) * ctx.stride[0])[:, None]
        col += np.arange(wo) * ctx.stride[1]
        index = (np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], row, col)
        return crop(scatter_add(grad, index, xp.shape), ctx.padding, ctx.x_shape[2:])

    def viz_detail(ctx) -> str:
        return _detail(ctx.kernel, ctx.stride, ctx.padding, ctx.dilation)


def _unusual(out: Any, padding: Pair) -> bool:
    """Whether some window's gradient goes elsewhere than to its first maximum in the padded
    window: one holding NaN (PyTorch's goes to its last NaN) or, with padding, one of only
    -inf (to its first element inside the input). One maximum of the output, and with
    padding one minimum: nothing more where neither is there."""
    if out.dtype.kind != "f" or not out.size:
        return False
    if np.isnan(out.max()):  # numpy's max propagates NaN
        return True
    return bool(padding[0] or padding[1]) and bool(out.min() == -np.inf)


def _pytorch_index(ctx: Any, xp: Any) -> Any:
    """(N, C, Ho, Wo): row * W + column of the element each window's gradient goes to, as
    PyTorch's max_pool2d returns it (`first_maxima`), from the padded input saved."""
    x = crop(xp, ctx.padding, ctx.x_shape[2:])
    return first_maxima(x, *window_axes(x.shape, ctx.kernel, ctx.stride, ctx.padding,
                                        ctx.dilation, ctx.out_hw))


def _route_by_index(ctx: Any, xp: Any, grad: Any) -> Any:
    """MaxPool2d's backward for the windows `_unusual` finds: each window's gradient added
    at PyTorch's index (overlapping windows may share one)."""
    n, c, h, w = ctx.x_shape
    flat = _pytorch_index(ctx, xp) + np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    target = np.zeros_like(grad, shape=(n * c * h * w,))
    np.add.at(target, flat.reshape(-1), grad.reshape(-1))
    return target.reshape(ctx.x_shape)


def window_axes(x_shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair,
                dilation: Pair, out_hw: Pair) -> list[Any]:
    """For `first_maxima`: each window's rows (Ho, kh) and which of them are inside the
    input (not padding), then the same for its columns (Wo, kw)."""
    axes = []
    for size, k, s, p, d, out in zip(x_shape[2:], kernel, stride, padding, dilation, out_hw):
        at = np.arange(out)[:, None] * s + np.arange(k)[None, :] * d - p  # (out, k)
        axes += [at, (at >= 0) & (at < size)]
    return axes


def adaptive_axes(x_shape: tuple[int, ...], size: Pair) -> list[Any]:
    """`window_axes` for PyTorch's adaptive windows (a shorter one's missing elements not
    inside)."""
    axes = []
    for length, out in zip(x_shape[2:], size):
        starts, lengths = _adaptive_windows(length, out)
        steps = np.arange(int(lengths.max()))[None, :]
        axes += [starts[:, None] + steps, steps < lengths[:, None]]
    return axes


def first_maxima(x: Any, rows: Any, row_ok: Any, cols: Any, col_ok: Any) -> Any:
    """(N, C, Ho, Wo) int64: for each window, row * W + col of its first largest element in
    row-major order (its last NaN if it holds one), as PyTorch's CPU kernels pick it (an
    element larger or NaN replaces the one so far). `rows` (Ho, kh) and `cols` (Wo, kw) are
    the windows' rows and columns in the input, `row_ok` / `col_ok` which of them exist
    (padding, or past a shorter adaptive window, does not): a window of only -inf gets its
    first element that exists."""
    w = x.shape[3]
    ho, wo = rows.shape[0], cols.shape[0]
    rows, cols = np.clip(rows, 0, x.shape[2] - 1), np.clip(cols, 0, w - 1)
    best: Any = None
    index: Any = None
    found: Any = None  # windows with an element inside the input so far
    for i in range(rows.shape[1]):  # a loop over kernel offsets, as the pools'
        for j in range(cols.shape[1]):
            r, q = rows[:, i][:, None], cols[:, j][None, :]  # (Ho, 1), (1, Wo)
            value = x[:, :, r, q]  # (N, C, Ho, Wo)
            ok = np.broadcast_to(row_ok[:, i][:, None] & col_ok[:, j][None, :], value.shape)
            position = np.broadcast_to(r * w + q, (ho, wo))
            if best is None:  # made from the values, so that a jit records them
                best = value.copy()
                found = np.zeros_like(value, dtype=bool)
                found |= ok
                index = np.empty_like(value, dtype=np.int64)
                index[...] = position
                continue
            take = ok & (~found | (value > best))
            if value.dtype.kind == "f":
                take |= ok & np.isnan(value)
            np.copyto(best, value, where=take)
            np.copyto(index, position, where=take)
            found |= ok
    return index


def _lowest(dtype: Any) -> Any:
    """What never wins a maximum: -inf, or an integer image's smallest value."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _separable_max(xp: Any, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> Any:
    """Each window's maximum as the maximum over its rows of the maximum over its columns:
    kh + kw - 2 elementwise maxima instead of kh * kw - 1. The rows come first, on whole
    rows of the input (contiguous, where numpy's vectorised loop runs), then the columns,
    with stride, on the smaller result. Exact (a maximum does not round), and a NaN still
    wins, since np.maximum propagates it."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    last_row = (ho - 1) * sh + 1  # the rows and columns used
    width = (wo - 1) * sw + (kw - 1) * dw + 1
    rows = [xp[:, :, i * dh:i * dh + last_row:sh, :width] for i in range(kh)]  # (N, C, Ho, width)
    top = rows[0] if kh == 1 else np.maximum(rows[0], rows[1], out=recycle.out(rows[0]))
    for row in rows[2:]:
        np.maximum(top, row, out=top)
    last_col = (wo - 1) * sw + 1
    if kw == 1:
        return recycle.copy(top[..., :last_col:sw])  # never a view of the input
    first = top[..., 0:last_col:sw]
    out = np.maximum(first, top[..., dw:dw + last_col:sw], out=recycle.out(first))
    for j in range(2, kw):
        np.maximum(out, top[..., j * dw:j * dw + last_col:sw], out=out)
    return out


def _route_to_maxima(xp: Any, out: Any, grad: Any, target: Any,
                     windows: list[tuple[int, int, slice, slice]], apart: bool) -> None:
    """Add each window's gradient into `target` at the window's first maximum (row-major),
    one pass per kernel offset; `apart`: the windows are disjoint, so assign instead.
    There is no NaN (`_unusual` saw to it), so a window no earlier offset served has its
    maximum at the last offset: that offset's comparison (a strided pass over the input)
    is skipped."""
    last = len(windows) - 1
    # a 1x1 window has no earlier offset and nothing to skip, an empty chunk nothing to do
    skip_last = last > 0 and out.size > 0
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
    """Mean of each window. As PyTorch's defaults, zero padding counts in the mean
    (count_include_pad=True), so a window divides by kh * kw; with count_include_pad=False
    it divides by the input elements it holds. With `ceil_mode`, windows that run off the
    bottom or the right still count (as long as they start inside the input or its padding)
    and divide by the part that lies within the padded input, as in PyTorch;
    `divisor_override` divides every window by that number instead. Integer images average
    in float64, as numpy's mean does."""

    __slots__ = ("kernel", "stride", "padding", "x_shape", "out_hw", "divisor", "extra")
    kernel: Pair  # set by _avg_pool, which AdaptiveAvgPool2d shares
    stride: Pair
    padding: Pair
    x_shape: tuple[int, ...]
    out_hw: Pair
    divisor: Any  # what each window's sum is divided by: a number, or one per window (Ho, Wo)
    extra: Pair

    def forward(ctx, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                count_include_pad=True, divisor_override=None):
        op = "avg_pool2d"
        kernel, stride, padding, _, out_hw, extra = pool_args(op, x, kernel_size, stride,
                                                              padding, 1, ceil_mode)
        if not isinstance(count_include_pad, (bool, np.bool_)):
            raise OpError(f"{op}: count_include_pad must be True or False, got "
                          f"{count_include_pad!r}")
        if divisor_override is not None and (
                not isinstance(divisor_override, (int, np.integer)) or
                isinstance(divisor_override, bool) or divisor_override < 1):
            raise OpError(f"{op}: divisor_override must be None or an int >= 1, got "
                          f"{divisor_override!r}")
        if divisor_override is not None:
            divisor = int(divisor_override)
        elif count_include_pad and extra == (0, 0):
            divisor = kernel[0] * kernel[1]
        else:
            divisor = _window_sizes(x.shape[2:], kernel, stride, padding, out_hw,
                                    bool(count_include_pad))
        return _avg_pool(ctx, x, kernel, stride, padding, out_hw, extra, divisor)

    def backward(ctx, grad):
        share = _divided(grad, ctx.divisor)
        n, c, h, w = ctx.x_shape
        (ph, pw), (eh, ew) = ctx.padding, ctx.extra
        target = recycle.zeros(grad, (n, c, h + 2 * ph + eh, w + 2 * pw + ew))
        for _, _, rows, cols in offsets(ctx.kernel, ctx.stride, (1, 1), ctx.out_hw):
            part = target[:, :, rows, cols]
            part += share
        return crop(target, ctx.padding, ctx.x_shape[2:])

    def backward_graph(ctx, grad, out):  # each output's share added into its window
        kh, kw = ctx.kernel
        n, c, h, w = ctx.x_shape
        ho, wo = ctx.out_hw
        (ph, pw), (eh, ew) = ctx.padding, ctx.extra
        share = _divided(grad, ctx.divisor).reshape(n, c, ho, wo, 1, 1).broadcast_to(
            (n, c, ho, wo, kh, kw))
        full = scatter_add(share, _window_index(ctx.kernel, ctx.stride, (1, 1), ctx.out_hw),
                           (n, c, h + 2 * ph + eh, w + 2 * pw + ew))
        return crop(full, ctx.padding, (h, w))

    def viz_detail(ctx) -> str:
        return _detail(ctx.kernel, ctx.stride, ctx.padding)


def _divided(grad: Any, divisor: Any) -> Any:
    return grad / divisor if isinstance(divisor, int) else grad / divisor.astype(grad.dtype)


def _window_sizes(size: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair,
                  out_hw: Pair, with_padding: bool) -> Any:
    """(Ho, Wo): how many elements each window divides by, PyTorch's way: the window clipped
    to the padded input, or (without the padding) to the input itself."""
    lengths = []
    for n, k, s, p, o in zip(size, kernel, stride, padding, out_hw):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not with_padding:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        lengths.append(end - start)
    return (lengths[0][:, None] * lengths[1]).astype(np.float64)


def _averageable(x: Any) -> Any:
    """x, or integer and bool images in float64: their mean is a float, as numpy's (and
    .mean()) is."""
    return x.astype(np.float64) if x.dtype.kind in "biu" else x


def _avg_pool(ctx: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair, out_hw: Pair,
              extra: Pair = (0, 0), divisor: Any = None) -> Any:
    """Each window's sum, divided by `divisor` (a number or one per window; None: the number
    of kernel offsets)."""
    x = _averageable(x)
    xp = pool_pad(x, padding, extra, 0.0)
    pieces = [xp[:, :, rows, cols] for _, _, rows, cols in offsets(kernel, stride, (1, 1),
                                                                   out_hw)]
    out = pieces[0].copy(order="K") if len(pieces) == 1 else \
        np.add(pieces[0], pieces[1], out=recycle.out(pieces[0]))
    for piece in pieces[2:]:
        out += piece
    divisor = len(pieces) if divisor is None else divisor
    if isinstance(divisor, int):
        if divisor != 1:
            out /= divisor
    else:
        out /= divisor.astype(out.dtype)
    ctx.kernel, ctx.stride, ctx.padding, ctx.x_shape, ctx.out_hw = (
        kernel, stride, padding, x.shape, out_hw)
    ctx.divisor, ctx.extra = divisor, extra
    return out


def _adaptive_size(op: str, x: Any, output_size: Any) -> Pair:
    """An adaptive pool's checked output size (an int or a pair, None keeping that input
    size) for its (N, C, H, W) input."""
    check_ndim(op, "input", x, 4, "(N, C, H, W)")
    _not_empty(op, x)
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple([x.shape[2 + a] if s is None else s
                             for a, s in enumerate(output_size)])
    return pair(output_size, "output_size", op, 1)


class AdaptiveAvgPool2d(AvgPool2d):
    """Average pooling to a given output size (oh, ow); `None` keeps that input size. Where
    the output size divides the input's, windows of (H // oh, W // ow), side by side; else
    PyTorch's windows, rows floor(i * H / oh) to ceil((i + 1) * H / oh) (and so for columns),
    which may overlap: each window's sum, as 0/1 matrices on both sides of the image (two
    matmuls), divided by its size."""

    __slots__ = ("sums",)

    def forward(ctx, x, output_size):
        size = _adaptive_size("adaptive_avg_pool2d", x, output_size)
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
    starts, lengths = _adaptive_windows(size, out)
    at = np.arange(size)
    inside = (at >= starts[:, None]) & (at < (starts + lengths)[:, None])
    return inside.astype(dtype), lengths.astype(dtype)


def _uneven_average(ctx: Any, x: Any, size: Pair) -> Any:
    x = _averageable(x)
    h, w = x.shape[2:]
    rows, row_lengths = _window_matrix(h, size[0], x.dtype)
    cols, col_lengths = _window_matrix(w, size[1], x.dtype)
    counts = row_lengths[:, None] * col_lengths  # each window's size, (oh, ow)
    ctx.sums = (rows, cols, counts)
    ctx.x_shape = x.shape
    return rows @ x @ cols.T / counts


class _OnLines:
    """What a 1-D pool adds to its 2-D one: its (N, C, L) gradient goes in as (N, C, 1, L),
    and comes back out as (N, C, L) (forward does the same to the input)."""

    __slots__ = ()

    def backward(ctx, grad):
        return super().backward(grad[:, :, None])[:, :, 0]

    def backward_graph(ctx, grad, out):
        return _flat(super().backward_graph(_tall(grad), out))


def _size1d(op: str, x: Any, output_size: Any) -> int:
    """An adaptive 1-D pool's checked output size for its (N, C, L) input: an int (or a
    1-tuple), None keeping the input's."""
    check_ndim(op, "input", x, 3, "(N, C, L)")
    _not_empty(op, x)
    if output_size is None or output_size == (None,):
        return int(x.shape[2])
    return _single(output_size, "output_size", op, 1)


def _not_empty(op: str, x: Any) -> None:
    """An adaptive pool's every window needs an element: no spatial axis may be empty (the
    batch may, as PyTorch's)."""
    if 0 in x.shape[2:]:
        raise OpError(f"{op}: input {x.shape} has an empty spatial axis; every window needs "
                      f"an element")


def _adaptive_windows(size: int, out: int) -> tuple[Any, Any]:
    """PyTorch's adaptive windows along one axis: starts floor(i * size / out), lengths up to
    ceil((i + 1) * size / out)."""
    index = np.arange(out)
    starts = index * size // out
    return starts, -(-(index + 1) * size // out) - starts


def _gathered(x: Any, axis: int, starts: Any, lengths: Any, lowest: Any) -> Any:
    """x with `axis` replaced by (windows, longest window): each window's elements in order,
    and `lowest` after the end of a shorter one (it never wins a maximum)."""
    longest = int(lengths.max())
    at = starts[:, None] + np.arange(longest)  # (windows, longest)
    inside = np.arange(longest) < lengths[:, None]
    picked = np.take(x, np.minimum(at, x.shape[axis] - 1).reshape(-1), axis=axis)
    picked = picked.reshape(x.shape[:axis] + at.shape + x.shape[axis + 1:])
    shape = (1,) * axis + inside.shape + (1,) * (x.ndim - axis - 1)
    return np.where(inside.reshape(shape), picked, lowest)


class AdaptiveMaxPool2d(Function):
    """The largest value of each of PyTorch's adaptive windows (floor(i * H / oh) to
    ceil((i + 1) * H / oh), and so for columns; they may differ in size and overlap). Ties
    and NaN as `MaxPool2d`: the gradient goes to the window's first largest element in
    row-major order, or to its last NaN."""

    __slots__ = ("rows", "cols", "x_shape")

    def forward(ctx, x, output_size):
        op = "adaptive_max_pool2d"
        oh, ow = _adaptive_size(op, x, output_size)
        h, w = x.shape[2:]
        lowest = _lowest(x.dtype)
        (row_starts, row_lengths), (col_starts, col_lengths) = (_adaptive_windows(h, oh),
                                                                _adaptive_windows(w, ow))
        # columns first, then rows: the first maximum of the first row holding the window's
        # maximum is the first in row-major order
        by_cols = _gathered(x, 3, col_starts, col_lengths, lowest)  # (N, C, H, ow, longest)
        col_best = by_cols.max(axis=4)
        col_pick = by_cols.argmax(axis=4)  # (N, C, H, ow)
        by_rows = _gathered(col_best, 2, row_starts, row_lengths, lowest)  # (N, C, oh, L, ow)
        out = by_rows.max(axis=3)
        row_pick = by_rows.argmax(axis=3)  # (N, C, oh, ow)
        rows = row_starts[:, None] + row_pick
        cols = col_starts + np.take_along_axis(col_pick, rows, axis=2)
        if out.dtype.kind == "f" and out.size and np.isnan(out.max()):
            # argmax picks a window's first NaN, PyTorch its last: its index, as
            # adaptive_max_pool2d(return_indices=True) gives it
            index = first_maxima(x, *adaptive_axes(x.shape, (oh, ow)))
            rows, cols = index // w, index % w
        ctx.rows, ctx.cols, ctx.x_shape = rows, cols, x.shape
        return out

    def _index(ctx) -> tuple[Any, ...]:
        n, c = ctx.x_shape[:2]
        return (np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None],
                ctx.rows, ctx.cols)

    def backward(ctx, grad):
        target = np.zeros_like(grad, shape=ctx.x_shape)
        np.add.at(target, ctx._index(), grad)  # adaptive windows may overlap: add
        return target

    def backward_graph(ctx, grad, out):
        return scatter_add(grad, ctx._index(), ctx.x_shape)

    def viz_detail(ctx) -> str:
        return f"output {ctx.rows.shape[2]}x{ctx.rows.shape[3]}"


class AdaptiveMaxPool1d(_OnLines, AdaptiveMaxPool2d):
    """`AdaptiveMaxPool2d` on (N, C, L)."""

    __slots__ = ()

    def forward(ctx, x, output_size):
        size = _size1d("adaptive_max_pool1d", x, output_size)
        return AdaptiveMaxPool2d.forward(ctx, x[:, :, None], (1, size))[:, :, 0]

    def viz_detail(ctx) -> str:
        return f"output {ctx.rows.shape[3]}"


# -- the 1-D pools: the 2-D ones on (N, C, 1, L), as conv1d is conv2d's ----------------------
def _pool1d_args(op: str, x: Any, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any = 1, ceil_mode: Any = False) -> tuple[int, int, int, int]:
    """Checked (kernel, stride, padding, dilation) of a 1-D pool, so that errors speak of
    the 1-D input and settings rather than the (N, C, 1, L) view."""
    check_ndim(op, "input", x, 3, "(N, C, L)")
    kernel = _single(kernel_size, "kernel_size", op, 1)
    step = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else _single(stride, "stride", op, 1)
    pad_, spread = _single(padding, "padding", op, 0), _single(dilation, "dilation", op, 1)
    if pad_ > kernel // 2:
        raise OpError(f"{op}: padding {pad_} must be at most half the kernel size {kernel} "
                      f"(input {x.shape})")
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise OpError(f"{op}: ceil_mode must be True or False, got {ceil_mode!r}")
    span = spread * (kernel - 1) + 1
    if _window_count(x.shape[2], span, step, pad_, bool(ceil_mode)) < 1:
        check_fits(op, x.shape, (kernel,), (pad_,), (spread,))
    return kernel, step, pad_, spread


class MaxPool1d(_OnLines, MaxPool2d):
    """`MaxPool2d` on (N, C, L): the largest value of each window, ties as there."""

    __slots__ = ()

    def forward(ctx, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        k, s, p, d = _pool1d_args("max_pool1d", x, kernel_size, stride, padding, dilation,
                                  ceil_mode)
        return MaxPool2d.forward(ctx, x[:, :, None], (1, k), (1, s), (0, p), (1, d),
                                 ceil_mode)[:, :, 0]

    def viz_detail(ctx) -> str:
        return _detail(ctx.kernel[1:], ctx.stride[1:], ctx.padding[1:], ctx.dilation[1:])


class AvgPool1d(_OnLines, AvgPool2d):
    """`AvgPool2d` on (N, C, L)."""

    __slots__ = ()

    def forward(ctx, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                count_include_pad=True):
        k, s, p, _ = _pool1d_args("avg_pool1d", x, kernel_size, stride, padding,
                                  ceil_mode=ceil_mode)
        return AvgPool2d.forward(ctx, x[:, :, None], (1, k), (1, s), (0, p), ceil_mode,
                                 count_include_pad)[:, :, 0]

    def viz_detail(ctx) -> str:
        return _detail(ctx.kernel[1:], ctx.stride[1:], ctx.padding[1:])


class AdaptiveAvgPool1d(_OnLines, AdaptiveAvgPool2d):
    """`AdaptiveAvgPool2d` on (N, C, L), PyTorch's windows."""

    __slots__ = ()

    def forward(ctx, x, output_size):
        size = _size1d("adaptive_avg_pool1d", x, output_size)
        return AdaptiveAvgPool2d.forward(ctx, x[:, :, None], (1, size))[:, :, 0]

    def viz_detail(ctx) -> str:
        if ctx.sums is None:
            return _detail(ctx.kernel[1:], ctx.stride[1:], ctx.padding[1:])
        return f"output {ctx.sums[1].shape[0]}, windows of uneven size"


def _tall(t: Any) -> Any:
    """(N, C, L) as (N, C, 1, L), for tensors and arrays alike."""
    return t.reshape(t.shape[:2] + (1,) + t.shape[2:])


def _flat(t: Any) -> Any:
    return t.reshape(t.shape[:2] + t.shape[3:])
