"""Convolutions on NCHW arrays: conv2d, conv1d and conv_transpose2d, each an im2col and a matmul.

im2col: a strided view shows every kh x kw window of the (padded) input without copying
(`sliding_window_view`, the one numpy-specific call here; CuPy has the same function under
`cupy.lib.stride_tricks`). One reshape copies the windows into, per image, a matrix whose rows
are (input channel, kernel row, kernel column) and whose columns are output pixels; one matmul
with the weight matrix (out_channels, C * kh * kw) then gives every output channel at every
pixel, already in NCHW order. col2im goes back: each of the kh * kw kernel offsets adds its
rows into a strided slice of the image (kh * kw passes, each the size of the output). A
conv's input gradient is a col2im; a transposed conv is a col2im forward and an im2col
backward.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import recycle
from ..function import Function, OpError
from .adjoint import scatter_add
from .combine import Pad
from .conv_banded import banded_backward, banded_fits, banded_forward
from .linalg import _swap_last

Pair = tuple[int, int]


# -- arguments ----------------------------------------------------------------------------------
def pair(value: Any, name: str, op: str, minimum: int, one: bool = False) -> Pair:
    """An int or a pair of ints as a pair, each at least `minimum`; an OpError otherwise.
    With `one`, a single int in a tuple or list too, for both axes (PyTorch's convs and
    pools take `padding=(1,)` so; its adaptive pools, unfold and fold do not)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values: tuple[Any, ...] = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        values = tuple(value)
    elif one and isinstance(value, (tuple, list)) and len(value) == 1:
        values = (value[0], value[0])
    else:
        raise OpError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    for v in values:
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < minimum:
            raise OpError(f"{op}: {name} must be ints >= {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


def conv_padding(padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
                 dilation: tuple[int, ...], op: str) -> Any:
    """A conv's padding: an int or a pair, or PyTorch's "valid" (none) and "same" (the output
    as large as the input: stride 1, and the same padding on both sides)."""
    if not isinstance(padding, str):
        return pair(padding, "padding", op, 0, one=True)
    if padding == "valid":
        return (0,) * len(kernel)
    if padding != "same":
        raise OpError(f"{op}: padding must be an int, a pair of ints, 'valid' or 'same', "
                      f"got {padding!r}")
    if any(s != 1 for s in stride):
        raise OpError(f"{op}: padding='same' needs stride 1, got stride {stride}")
    sides = same_sides(kernel, dilation)
    if any(before != after for before, after in sides):
        raise OpError(f"{op}: padding='same' for kernel {tuple(kernel)} with dilation "
                      f"{dilation} needs more padding on one side than on the other, which is "
                      f"not supported: use an odd kernel size or pad explicitly")
    return tuple([before for before, _ in sides])


def same_sides(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> list[tuple[int, int]]:
    """PyTorch's padding="same" along each axis: (before, after), the dilated kernel's span
    less one split in two, the odd one out after (below, to the right)."""
    return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output length of a conv or pool along one axis (PyTorch's formula, floor mode)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def check_ndim(op: str, what: str, array: Any, ndim: int, layout: str) -> None:
    if array.ndim != ndim:
        raise OpError(f"{op}: {what} must be {ndim}-D {layout}, got shape {array.shape}")


def check_fits(op: str, x_shape: tuple[int, ...], kernel: tuple[int, ...],
               padding: tuple[int, ...], dilation: tuple[int, ...],
               axes: tuple[int, ...] | None = None) -> None:
    """The (dilated) kernel must fit inside the padded input, along each spatial axis (or
    those `axes` of them). The sizes are said per channel, as PyTorch says them, not by
    axis number: an unbatched input has its axes one lower."""
    sizes = [size + 2 * p for size, p in zip(x_shape[2:], padding)]
    for axis, (size, k, d) in enumerate(zip(sizes, kernel, dilation)):
        span = d * (k - 1) + 1
        if span > size and (axes is None or axis in axes):
            raise OpError(f"{op}: kernel {kernel} (dilation {dilation}, spanning {span}) is "
                          f"larger than the padded input: input {x_shape} with padding "
                          f"{padding} is {' x '.join(str(v) for v in sizes)} per channel")


# -- the strided passes -------------------------------------------------------------------------
def pad(x: Any, padding: Pair, value: float = 0.0) -> Any:
    """x (N, C, H, W) with `padding` rows and columns of `value` on each side."""
    ph, pw = padding
    if not ph and not pw:
        return x
    return _surrounded(x, ph, ph, pw, value)


def _surrounded(x: Any, top: int, bottom: int, side: int, value: float,
                right: int | None = None) -> Any:
    """x (N, C, H, W) in a recycled array with `top` and `bottom` rows and `side` columns
    on the left (and `right` on the right, `side` when None) of `value` around it: only
    those are filled, x writes the rest (a recycled array holds its last use's data)."""
    n, c, h, w = x.shape
    right = side if right is None else right
    out = recycle.empty(x, (n, c, h + top + bottom, w + side + right))
    if top:
        out[:, :, :top] = value
    if bottom:
        out[:, :, top + h:] = value
    if side:
        out[:, :, top:top + h, :side] = value
    if right:
        out[:, :, top:top + h, side + w:] = value
    out[:, :, top:top + h, side:side + w] = x
    return out


def windows(xp: Any, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> Any:
    """The (N, C, Ho, Wo, kh, kw) view of every window of the padded input `xp` (no copy)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    view = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    return view[:, :, :out_hw[0] * sh:sh, :out_hw[1] * sw:sw, ::dh, ::dw]


def offsets(kernel: Pair, stride: Pair, dilation: Pair,
            out_hw: Pair) -> Iterator[tuple[int, int, slice, slice]]:
    """For each kernel offset (i, j), in row-major order, the slices of the padded input's
    rows and columns that it meets in the Ho x Wo windows."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    ho, wo = out_hw
    for i in range(kh):
        rows = slice(i * dh, i * dh + (ho - 1) * sh + 1, sh)
        for j in range(kw):
            yield i, j, rows, slice(j * dw, j * dw + (wo - 1) * sw + 1, sw)


def col2im(pieces: Callable[[int, int], Any], target: Any, kernel: Pair, stride: Pair,
           dilation: Pair, out_hw: Pair) -> None:
    """Add each kernel offset's piece into `target` (N, C, Hp, Wp): `pieces(i, j)` is the
    (N, C, Ho, Wo) array that kernel offset (i, j) contributes. kh * kw strided adds."""
    for i, j, rows, cols in offsets(kernel, stride, dilation, out_hw):
        part = target[:, :, rows, cols]
        part += pieces(i, j)


# -- conv2d ---------------------------------------------------------------------------------------
def im2col(x: Any, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, out_hw: Pair,
           groups: int) -> Any:
    """(N, groups, C // groups * kh * kw, Ho * Wo): for each image and group, a matrix whose
    column p holds the window of output pixel p. The reshape is the one copy."""
    return padded_im2col(pad(x, padding), kernel, stride, dilation, out_hw, groups)


def padded_im2col(xp: Any, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair,
                  groups: int) -> Any:
    """`im2col` of an input already padded."""
    n, c = xp.shape[:2]
    (kh, kw), (ho, wo) = kernel, out_hw
    win = windows(xp, kernel, stride, dilation, out_hw)  # (N, C, Ho, Wo, kh, kw)
    win = win.reshape(n, groups, c // groups, ho, wo, kh, kw).transpose(0, 1, 2, 5, 6, 3, 4)
    # the copy as .copy() (C order), not as the reshape: jit then reuses one buffer for it
    return win.copy().reshape(n, groups, c // groups * kh * kw, ho * wo)


def wide_input(x: Any, padding: Pair, dilation: Pair) -> Any:
    """For a stride-1 conv: x padded, with `dh` more zero rows below (N, C, Hp + dh, Wp), so
    that `wide_view` can see every kernel offset's windows as one run of the flat image."""
    (ph, pw), dh = padding, dilation[0]
    return _surrounded(x, ph, ph + dh, pw, 0)


def wide_view(xw: Any, kernel: Pair, dilation: Pair, out_h: int) -> Any:
    """The stride-1 columns on rows Wp wide, as a view (N, C, kh, kw, Ho * Wp): entry
    (i, j, y * Wp + x) is the input under kernel offset (i, j) of output pixel (y, x) for
    x < Wo; the entries x >= Wo hold values from beyond the window's row (they are dropped,
    or met by zeros). Kernel offset (i, j)'s row is the flat image from i * dh * Wp + j * dw
    on, one contiguous run, so copying it moves long runs instead of rows Wo long."""
    n, c, rows, wp = xw.shape
    (kh, kw), (dh, dw) = kernel, dilation
    span = out_h * wp
    if xw.__class__ is np.ndarray and xw.flags.c_contiguous:
        # the same view, made directly: numpy's sliding_window_view and the slicing after it
        # cost 60 us of Python a call, this about 2
        item = xw.itemsize
        view = np.ndarray((n, c, kh, kw, span), xw.dtype, xw, 0,
                          (c * rows * wp * item, rows * wp * item, dh * wp * item, dw * item,
                           item))
        view.flags.writeable = False  # its windows overlap, as sliding_window_view's
        return view
    runs = sliding_window_view(xw.reshape(n, c, rows * wp), span, axis=2)  # (N, C, start, span)
    runs = runs[:, :, :kh * dh * wp].reshape(n, c, kh, dh * wp, span)
    return runs[:, :, :, :(kw - 1) * dw + 1:dw]  # (N, C, kh, kw, span)


def column_view(xp: Any, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> Any:
    """Every column of the input Conv2d saved (`wide_input` for stride 1, else `pad`), as a
    view (N, C, kh, kw, ...): made once per op, cut into batch chunks by slicing."""
    if stride == (1, 1):
        return wide_view(xp, kernel, dilation, out_hw[0])
    return windows(xp, kernel, stride, dilation, out_hw).transpose(0, 1, 4, 5, 2, 3)


# About a megabyte: half the L2 cache of a core, so that a chunk's column matrix is still in
# cache when its matmul reads it, and small enough that malloc recycles it instead of mapping
# fresh (page-faulting) memory for every call.
CHUNK_BYTES = 1 << 20


def batch_chunks(n: int, bytes_per_image: int, budget: int | None = None) -> list[slice]:
    """The batch 0..n cut into runs of images whose per-image intermediates (bytes_per_image
    each) fill about `budget` bytes: the convs loop over these few chunks, never over
    images. An empty batch is one empty chunk (the convs size their buffers by the first)."""
    if n == 0:
        return [slice(0, 0)]
    size = max(1, (budget or CHUNK_BYTES) // max(1, bytes_per_image))
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


_LAYOUTS = {1: ("(N, C, L)", "k)"), 2: ("(N, C, H, W)", "kh, kw)"),
            3: ("(N, C, D, H, W)", "kd, kh, kw)")}  # input, and the weight's kernel axes


def _check_layouts(op: str, x: Any, weight: Any, groups: Any, dims: int, channels: str) -> None:
    """The input's and weight's numbers of axes, the weight's sizes (its first two axes
    named by `channels`) and `groups`, for a conv or a transposed conv of `dims` axes."""
    layout, kernel_axes = _LAYOUTS[dims]
    check_ndim(op, "input", x, dims + 2, layout)
    check_ndim(op, "weight", weight, dims + 2, f"({channels}, " + kernel_axes)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise OpError(f"{op}: groups must be an int >= 1, got {groups!r}")
    check_weight_size(op, weight, channels)


def check_conv(op: str, x: Any, weight: Any, bias: Any, groups: Any, dims: int) -> int:
    """A conv's checked groups, for its input, weight and bias shapes (1, 2 or 3 spatial
    axes)."""
    _check_layouts(op, x, weight, groups, dims, "out_channels, in_channels // groups")
    c, o, cg = x.shape[1], weight.shape[0], weight.shape[1]
    if c % groups or o % groups:
        raise OpError(f"{op}: groups={groups} must divide both the input channels ({c}) and "
                      f"the output channels ({o}); input {x.shape}, weight {weight.shape}")
    if cg * groups != c:
        raise OpError(f"{op}: input {x.shape} has {c} channels, but weight {weight.shape} "
                      f"expects {cg} per group x {groups} groups = {cg * groups}")
    if bias is not None and bias.shape != (o,):
        raise OpError(f"{op}: bias must have shape ({o},), one per output channel of weight "
                      f"{weight.shape}, got {bias.shape}")
    return int(groups)


def check_weight_size(op: str, weight: Any, channels: str) -> None:
    """Every axis of a conv's weight is at least 1: an empty one has no conv to compute."""
    if 0 in weight.shape:
        raise OpError(f"{op}: weight {weight.shape} has an empty axis; its ({channels}) and "
                      f"kernel sizes must all be at least 1")


def conv_geometry(op: str, x: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                  dilation: Any, groups: Any) -> tuple[int, Pair, Pair, Pair, Pair]:
    """A conv's checked arguments: (groups, stride, padding, dilation, output size), or an
    OpError. The same shapes and plain-int arguments come back on every step of a training
    loop, so their result is kept (checking them costs 15 us of Python a call)."""
    key = (op, x.shape, weight.shape, None if bias is None else bias.shape, stride, padding,
           dilation, groups) if _plain(stride, padding, dilation, groups) else None
    return kept(_GEOMETRY, key, _conv_geometry, op, x, weight, bias, stride, padding,
                dilation, groups)


def _conv_geometry(op: str, x: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                   dilation: Any, groups: Any) -> tuple[int, Pair, Pair, Pair, Pair]:
    g = check_conv(op, x, weight, bias, groups, 2)
    stride = pair(stride, "stride", op, 1, one=True)
    dilation = pair(dilation, "dilation", op, 1, one=True)
    kernel = weight.shape[2:]
    padding = conv_padding(padding, kernel, stride, dilation, op)
    check_fits(op, x.shape, kernel, padding, dilation)
    out_hw = (out_size(x.shape[2], kernel[0], stride[0], padding[0], dilation[0]),
              out_size(x.shape[3], kernel[1], stride[1], padding[1], dilation[1]))
    return g, stride, padding, dilation, out_hw


_GEOMETRY: dict[tuple[Any, ...], tuple[int, Pair, Pair, Pair, Pair]] = {}


def kept(table: dict[Any, Any], key: Any, check: Callable[..., Any], *args: Any) -> Any:
    """check(*args), kept in `table` under `key` for the next call with the same key (a
    key of None: not kept). A check that raises keeps nothing. At most 256 are kept: a loop
    over ever new shapes must not grow them forever."""
    if key is None:
        return check(*args)
    known = table.get(key)
    if known is None:
        known = check(*args)
        if len(table) >= 256:
            table.clear()
        table[key] = known
    return known


def _plain(*values: Any) -> bool:
    """Whether each value is an int, a string or a tuple of ints, exactly: keys that cannot
    pass for another argument (True == 1, but True is refused where 1 is not)."""
    for value in values:
        kind = value.__class__
        if kind is tuple:
            if any(item.__class__ is not int for item in value):
                return False
        elif kind is not int and kind is not str:
            return False
    return True


class Conv2d(Function):
    """2-D cross-correlation (PyTorch's conv2d): out[n, o, y, x] = bias[o] + sum over c, i, j
    of weight[o, c, i, j] * x_padded[n, c, stride * y + dilation * i, stride * x + dilation * j]
    (c within o's group)."""

    __slots__ = ("stride", "padding", "dilation", "groups", "x_shape", "w_shape", "out_hw",
                 "banded")

    def forward(ctx, x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
                op="conv2d"):  # op: the name errors give (Conv1d runs this forward too)
        g, stride, padding, dilation, out_hw = conv_geometry(op, x, weight, bias, stride,
                                                             padding, dilation, groups)
        kernel = weight.shape[2:]
        n, c, o = x.shape[0], x.shape[1], weight.shape[0]
        ho, wo = out_hw
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, g
        ctx.x_shape, ctx.w_shape, ctx.out_hw = x.shape, weight.shape, out_hw
        need_x, need_w = ctx.needs_input_grad[:2]
        ctx.banded = banded_fits(x.shape, weight.shape, g, stride, dilation, out_hw, x.itemsize)
        if ctx.banded:  # small images: see conv_banded
            xp = pad(x, padding)
            out, band = banded_forward(xp, weight, bias, stride, dilation, out_hw)
            k = band.shape[0] - (bias is not None)
            ctx.save_for_backward(xp if need_w else None, band[:k] if need_x else None)
            return out
        wide = stride == (1, 1)  # columns Ho * Wp: see wide_view
        xp = wide_input(x, padding, dilation) if wide else pad(x, padding)
        width = xp.shape[3] if wide else wo
        wmat = weight.reshape(g, o // g, -1)  # (groups, out per group, cg * kh * kw)
        k, pixels = wmat.shape[2], ho * width
        # With a bias, it is one more column of the weights, met by a row of ones in the
        # columns: the matmul adds it, and each chunk's product is copied out once.
        wmat_b = wmat if bias is None else np.concatenate([wmat, bias.reshape(g, o // g, 1)], 2)
        height = wmat_b.shape[2]  # rows of a column matrix
        out = recycle.empty(x, (n, g, o // g, ho, wo), np.result_type(x, wmat_b))
        # im2col and matmul a few batch chunks at a time (a loop over chunks, not images):
        # the column matrix of the whole batch would be many megabytes, out of cache
        view = column_view(xp, kernel, stride, dilation, out_hw)
        images = view.reshape((n, g, c // g) + view.shape[2:])  # (N, groups, cg, kh, kw, ...)
        chunks = batch_chunks(n, height * pixels * x.itemsize)
        # one array for every chunk's columns, one for its products: in cache for the next
        cols_memory = np.empty_like(xp, shape=(chunks[0].stop * g * height * pixels,))
        product_memory = np.empty_like(out, shape=(chunks[0].stop * o * pixels,))
        for part in chunks:
            m = part.stop - part.start
            cols = cols_memory[:m * g * height * pixels].reshape(m, g, height, pixels)
            source = images[part]
            cols[:, :, :k].reshape(source.shape)[...] = source
            if height > k and part.start == 0:  # once: a later chunk is never larger
                cols[:, :, k] = 1
            # (chunk, groups, out per group, Ho * width)
            product = product_memory[:m * o * pixels].reshape(m, g, o // g, pixels)
            np.matmul(wmat_b, cols, out=product)
            out[part] = product.reshape(m, g, o // g, ho, width)[..., :wo]
        # the padded input, seen as its columns by group (a view, made once: backward copies
        # them chunk by chunk, in cache, rather than keeping a matrix kh * kw times the
        # input's size alive)
        # (a stride-1 conv on small images keeps the wide input itself: see _batch_last)
        ctx.save_for_backward((xp if _batch_last(ctx) else images) if need_w else None,
                              wmat if need_x else None)
        return out.reshape(n, o, ho, wo)

    def backward(ctx, grad):
        images, wmat = ctx.saved_tensors
        n, c, h, w = ctx.x_shape
        o, cg, kh, kw = ctx.w_shape
        g, (ho, wo) = ctx.groups, ctx.out_hw
        rows = grad.reshape(n, g, o // g, ho * wo)
        need_x, need_w = ctx.needs_input_grad[:2]
        need_b = len(ctx.needs_input_grad) == 3 and ctx.needs_input_grad[2]
        grad_x = grad_w = grad_b = None
        if ctx.banded:  # the bias's gradient with the weight's: see conv_banded
            grad_x, grad_w, grad_b = banded_backward(
                grad, images, wmat, ctx.w_shape, ctx.stride, ctx.dilation, ctx.padding, (h, w),
                need_x, need_w, need_b and need_w)
        else:
            if need_x:
                ph, pw = ctx.padding
                padded = (n, c, h + 2 * ph, w + 2 * pw)
                if ctx.stride == (1, 1):
                    grad_x = _input_grad_stride_1(grad, wmat, padded, (kh, kw), ctx.dilation,
                                                  g)
                else:
                    grad_x = _input_grad(rows, wmat, padded, (kh, kw), ctx.stride,
                                         ctx.dilation, (ho, wo))
                grad_x = crop(grad_x, ctx.padding, (h, w))
            if need_w:
                if _batch_last(ctx):
                    grad_w, grad_b = _weight_grad_batch_last(grad, images, (o, cg, kh, kw),
                                                             ctx.dilation, need_b)
                else:
                    grad_w, grad_b = _weight_grad(grad, images, (o, cg, kh, kw), need_b)
        if need_b and not need_w:
            # the batch summed first (whole rows added), then each channel's pixels: two to
            # three times faster than numpy's one reduction over both axes
            grad_b = rows.sum(axis=0).sum(axis=-1).reshape(o)
        if len(ctx.needs_input_grad) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, grad_b

    def backward_graph(ctx, grad, out):
        return _conv2d_backward_graph(ctx, grad, ctx.parents[0], ctx.parents[1])

    def viz_detail(ctx) -> str:
        return _detail(ctx.w_shape[2:], ctx.stride, ctx.padding, ctx.dilation, ctx.groups)


# -- the same passes on Tensors, for the differentiable backwards (create_graph=True) ------------
def _window_index(kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> tuple[Any, ...]:
    """An index that picks every window of a padded (N, C, Hp, Wp) Tensor:
    `xp[index]` has shape (N, C, Ho, Wo, kh, kw), as `windows` but as integer indexing, whose
    backward (a scatter-add) is itself differentiable."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    rows = (np.arange(out_hw[0]) * sh)[:, None] + (np.arange(kh) * dh)[None, :]
    cols = (np.arange(out_hw[1]) * sw)[:, None] + (np.arange(kw) * dw)[None, :]
    return (slice(None), slice(None), rows[:, None, :, None], cols[None, :, None, :])


def _pad_tensor(t: Any, padding: Pair) -> Any:
    ph, pw = padding
    return Pad.apply(t, pad_width=((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else t


def _im2col_tensor(x: Any, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
                   out_hw: Pair, groups: int) -> Any:
    """`im2col` on a Tensor: (N, groups, C // groups * kh * kw, Ho * Wo)."""
    n, c = x.shape[:2]
    (kh, kw), (ho, wo) = kernel, out_hw
    win = _pad_tensor(x, padding)[_window_index(kernel, stride, dilation, out_hw)]
    win = win.reshape(n, groups, c // groups, ho, wo, kh, kw).transpose((0, 1, 2, 5, 6, 3, 4))
    return win.reshape(n, groups, c // groups * kh * kw, ho * wo)


def _col2im_tensor(cols: Any, padded: tuple[int, ...], kernel: Pair, stride: Pair,
                   dilation: Pair, out_hw: Pair) -> Any:
    """`col2im` on a Tensor: cols (N, C, kh, kw, Ho, Wo) added into zeros of `padded`."""
    pieces = cols.transpose((0, 1, 4, 5, 2, 3))  # (N, C, Ho, Wo, kh, kw), as the index
    return scatter_add(pieces, _window_index(kernel, stride, dilation, out_hw), padded)


def _conv2d_backward_graph(ctx: Any, grad: Any, x: Any, weight: Any) -> Any:
    """Conv2d's backward with Tensor ops: x and weight are its (4-D) input Tensors."""
    n, c, h, w = ctx.x_shape
    o, cg, kh, kw = ctx.w_shape
    g, (ho, wo) = ctx.groups, ctx.out_hw
    needs = ctx.needs_input_grad
    rows = grad.reshape(n, g, o // g, ho * wo)
    grad_x = grad_w = None
    if needs[0]:
        grad_cols = (_swap_last(weight.reshape(g, o // g, -1)) @ rows).reshape(
            n, c, kh, kw, ho, wo)
        ph, pw = ctx.padding
        grad_x = crop(_col2im_tensor(grad_cols, (n, c, h + 2 * ph, w + 2 * pw),
                                             (kh, kw), ctx.stride, ctx.dilation, (ho, wo)),
                              ctx.padding, (h, w))
    if needs[1]:
        cols = _im2col_tensor(x, (kh, kw), ctx.stride, ctx.padding, ctx.dilation, (ho, wo), g)
        grad_w = (rows @ _swap_last(cols)).sum(axis=0).reshape(o, cg, kh, kw)
    if len(needs) == 2:
        return grad_x, grad_w
    return grad_x, grad_w, (rows.sum(axis=(0, 3)).reshape(o) if needs[2] else None)


# Up to this many output pixels per image (on rows Wp wide for stride 1), the weight gradient
# is one matmul per batch chunk (for stride 1 on batch-innermost columns, `_batch_last`;
# otherwise on channel-major ones); above it, one small matmul per image. Measured (numpy
# 2.4's OpenBLAS, 2 cores): LeNet's 6->16 conv (150 x 140 columns per image) is 35% faster as
# one matmul, and batch-innermost 15% faster again; its 1->6 conv (25 x 896) is four times
# slower as one matmul, and 2.3-2.6 times batch-innermost.
ONE_MATMUL_PIXELS = 512


def _weight_grad(grad: Any, view: Any, w_shape: tuple[int, int, int, int],
                 with_bias: bool = False) -> tuple[Any, Any]:
    """A conv's weight gradient (O, C // groups, kh, kw) from its output gradient
    (N, O, Ho, Wo) and its input's `column_view` by group (N, groups, cg, kh, kw,
    pixels...): per batch chunk, the columns copied (in cache) and multiplied by the output
    gradient. With `with_bias`, also the bias gradient (O,), else None: the columns get one
    more row, of ones, so that the same matmul sums each output channel's gradient."""
    o, cg, kh, kw = w_shape
    n, g = view.shape[:2]
    ho, wo = grad.shape[2:]
    pixels = math.prod(view.shape[5:])  # Ho * Wp on rows Wp wide (stride 1), else Ho * Wo
    width = pixels // ho
    k = cg * kh * kw
    chunks = batch_chunks(n, k * pixels * view.itemsize)
    one_matmul = pixels <= ONE_MATMUL_PIXELS
    height = k + 1 if with_bias else k  # rows of a column matrix
    rows: Any
    cols: Any
    part_rows: Any
    # The output gradient of a chunk as matrices (images, groups, out per group, pixels), or
    # for one matmul (groups, out per group, images * pixels), flat, so that a smaller last
    # chunk is a contiguous prefix. One matmul is never on rows Wp wide: stride 1 with few
    # pixels takes `_weight_grad_batch_last`. On rows Wp wide (stride 1, one matmul per
    # image), zeros meet the columns x >= Wo (and the ones); only they are zeroed, the output
    # gradient fills the rest.
    if one_matmul:
        rows = np.empty_like(grad, shape=(o * chunks[0].stop * pixels,))
    elif width != wo:
        rows = np.empty_like(grad, shape=(chunks[0].stop, o, ho, width))
        rows[..., wo:] = 0
    else:
        rows = None
    images_last = (1, 2, 3, 4, 0) + tuple(range(5, view.ndim))  # np.moveaxis(v, 0, 4)
    cols_memory = np.empty_like(view, shape=(chunks[0].stop * g * height * pixels,))
    grad_w: Any = None
    for part in chunks:
        m = part.stop - part.start
        if one_matmul:
            cols = cols_memory[:m * g * height * pixels].reshape(g, height, m, pixels)
            source = view[part].transpose(images_last)  # (groups, cg, kh, kw, images, ...)
            cols[:, :k].reshape(source.shape)[...] = source
            cols = cols.reshape(g, height, m * pixels)
            part_rows = rows[:o * m * pixels].reshape(o, m, ho, wo)
            part_rows[...] = grad[part].swapaxes(0, 1)
            part_rows = part_rows.reshape(g, o // g, m * pixels)
        else:
            cols = cols_memory[:m * g * height * pixels].reshape(m, g, height, pixels)
            source = view[part]  # (images, groups, cg, kh, kw, ...)
            cols[:, :, :k].reshape(source.shape)[...] = source
            if rows is None:
                part_rows = grad[part]
            else:
                part_rows = rows[:m]
                part_rows[..., :wo] = grad[part]
            part_rows = part_rows.reshape(m, g, o // g, pixels)
        if with_bias:
            cols[..., k, :] = 1
        # (K, out per group) = cols @ rows.T: the transposed operand the small one, which
        # BLAS takes faster than the columns transposed
        piece = np.matmul(cols, part_rows.swapaxes(-1, -2))
        if not one_matmul:
            piece = piece.sum(axis=0)
        grad_w = piece if grad_w is None else np.add(grad_w, piece, out=grad_w)
    grad_b = grad_w[:, k].reshape(o) if with_bias else None
    return grad_w[:, :k].swapaxes(1, 2).reshape(o, cg, kh, kw), grad_b


def _batch_last(ctx: Any) -> bool:
    """Whether the weight gradient is taken with the batch innermost: for stride 1, when each
    image has few output pixels (as one matmul, see ONE_MATMUL_PIXELS). There the wide rows
    would carry Wp - Wo columns of zeros in every Wp (40% of LeNet's second conv)."""
    (ho, wo), (kw, dw) = ctx.out_hw, (ctx.w_shape[3], ctx.dilation[1])
    return bool(ctx.stride == (1, 1) and ho * (wo + (kw - 1) * dw) <= ONE_MATMUL_PIXELS)


def _weight_grad_batch_last(grad: Any, xp: Any, w_shape: tuple[int, int, int, int],
                            dilation: Pair, with_bias: bool = False) -> tuple[Any, Any]:
    """`_weight_grad` for a stride-1 conv from its wide input `xp` (N, C, rows, Wp): per batch
    chunk of m images, the images copied batch-innermost (C, Hp, Wp, m), where kernel offset
    (i, j)'s window rows are runs Wo * m long, and the output gradient likewise (O, Ho, Wo,
    m); the columns are then Ho * Wo * m, none of them zero, and one matmul per chunk takes
    them (LeNet's second conv, that function alone: 0.73 -> 0.62 ms at batch 64)."""
    o, cg, kh, kw = w_shape
    n, c = xp.shape[:2]
    g = c // cg
    ho, wo = grad.shape[2:]
    dh, dw = dilation
    hp, wp = ho + (kh - 1) * dh, wo + (kw - 1) * dw  # the input's rows and columns met
    k = cg * kh * kw
    height = k + 1 if with_bias else k  # rows of a column matrix (the last of ones)
    pixels = ho * wo
    chunks = batch_chunks(n, g * height * pixels * xp.itemsize, 2 * CHUNK_BYTES)
    first = chunks[0].stop
    images_memory = np.empty_like(xp, shape=(c * hp * wp * first,))
    cols_memory = np.empty_like(xp, shape=(g * height * pixels * first,))
    rows_memory = np.empty_like(grad, shape=(o * pixels * first,))
    grad_w: Any = None
    for part in chunks:
        m = part.stop - part.start
        images = images_memory[:c * hp * wp * m].reshape(c, hp, wp, m)
        images[...] = xp[part, :, :hp, :wp].transpose(1, 2, 3, 0)
        runs = images.reshape(g, cg, hp, wp * m)
        cols = cols_memory[:g * height * pixels * m].reshape(g, height, pixels * m)
        windows = cols[:, :k].reshape(g, cg, kh, kw, ho, wo * m)
        windows[...] = _offset_rows(runs, (kh, kw), dilation, ho, wo * m, m)
        if with_bias:
            cols[:, k] = 1
        rows = rows_memory[:o * pixels * m].reshape(o, ho, wo, m)
        rows[...] = grad[part].transpose(1, 2, 3, 0)
        # (K, out per group) = cols @ rows.T, as _weight_grad
        piece = np.matmul(cols, rows.reshape(g, o // g, pixels * m).swapaxes(-1, -2))
        grad_w = piece if grad_w is None else np.add(grad_w, piece, out=grad_w)
    grad_b = grad_w[:, k].reshape(o) if with_bias else None
    return grad_w[:, :k].swapaxes(1, 2).reshape(o, cg, kh, kw), grad_b


def _offset_rows(runs: Any, kernel: Pair, dilation: Pair, out_h: int, length: int,
                 m: int) -> Any:
    """Every kernel offset's window rows of batch-innermost images `runs` (G, Cg, Hp, Wp * m)
    as one view (G, Cg, kh, kw, Ho, length): entry (i, j, y) is the run from row i * dh + y,
    column j * dw on. Made directly for numpy arrays (one copy of it then replaces kh * kw
    slice copies, each 1-2 us of numpy's Python); through sliding_window_view otherwise."""
    (kh, kw), (dh, dw) = kernel, dilation
    if runs.__class__ is np.ndarray and runs.flags.c_contiguous:
        item = runs.itemsize
        row = runs.shape[3] * item
        view = np.ndarray(runs.shape[:2] + (kh, kw, out_h, length), runs.dtype, runs, 0,
                          runs.strides[:2] + (dh * row, dw * m * item, row, item))
        view.flags.writeable = False  # its windows overlap
        return view
    span = (dh * (kh - 1) + out_h, dw * m * (kw - 1) + length)
    view = sliding_window_view(runs, span, axis=(2, 3))[:, :, 0, 0]  # (G, Cg, rows, cols)
    return sliding_window_view(view, (out_h, length), axis=(2, 3))[:, :, ::dh, ::dw * m]


def _input_grad(rows: Any, wmat: Any, padded: tuple[int, int, int, int], kernel: Pair,
                stride: Pair, dilation: Pair, out_hw: Pair) -> Any:
    """A conv's input gradient (N, C, Hp, Wp), any stride: per batch chunk, the columns'
    gradient (one matmul) added back into the windows (col2im, kh * kw strided adds)."""
    n, c = padded[:2]
    (kh, kw), (ho, wo) = kernel, out_hw
    target = recycle.zeros(rows, padded)
    w_t = wmat.swapaxes(1, 2)
    for part in batch_chunks(n, c * kh * kw * ho * wo * rows.itemsize):
        grad_cols = np.matmul(w_t, rows[part]).reshape(-1, c, kh, kw, ho, wo)
        col2im(partial(_offset_piece, grad_cols), target[part], kernel, stride, dilation,
               out_hw)
    return target


def _offset_piece(cols: Any, i: int, j: int) -> Any:
    """Kernel offset (i, j)'s piece of cols (N, C, kh, kw, Ho, Wo)."""
    return cols[:, :, i, j]


def _input_grad_stride_1(grad: Any, wmat: Any, padded: tuple[int, int, int, int],
                         kernel: Pair, dilation: Pair, groups: int) -> Any:
    """col2im for stride 1, one long contiguous add per kernel offset and channel, with the
    batch innermost: a chunk of m images is laid out (C, Hp, Wp, m), and the output gradient
    (O, Ho, Wp, m), zero at the columns x >= Wo. Kernel offset (i, j) then moves every pixel
    of every image by the same (i * dh * Wp + j * dw) * m places, so its columns are added in
    one run per channel; a valid pixel never leaves its image and the zeros carry nothing.
    Batch-innermost, the columns are Ho * Wp * m long, without the kernel-high strip of
    rows below each image that a (C, m, Hp, Wp) layout needs (40% fewer for LeNet's 6->16
    conv, whose matmul and adds are that much shorter: 1.08 -> 0.80 ms at batch 64, 4.1 ->
    3.0 ms at 256). A few batch chunks at a time (a loop over chunks, not images)."""
    n, c, hp, wp = padded
    (kh, kw), (dh, dw) = kernel, dilation
    o, ho, wo = grad.shape[1:]
    dtype = np.result_type(grad, wmat)
    out = recycle.empty(grad, padded, dtype)
    w_t = wmat.swapaxes(1, 2)  # (groups, cg * kh * kw, out per group)
    chunks = batch_chunks(n, c * kh * kw * ho * wp * grad.itemsize, 8 * CHUNK_BYTES)
    first = chunks[0].stop
    # one array each for every chunk's output gradient, columns and image gradient: a fresh
    # one per chunk (megabytes) would be a fresh mapping, page-faulted in, whenever malloc
    # hands such sizes back to the system
    rows_memory = np.empty_like(grad, dtype=dtype, shape=(o * ho * wp * first,))
    cols_memory = np.empty_like(grad, dtype=dtype, shape=(c * kh * kw * ho * wp * first,))
    tall_memory = np.empty_like(grad, dtype=dtype, shape=(c * (hp * wp + (kw - 1) * dw) * first,))
    for part in chunks:
        m = part.stop - part.start
        span = ho * wp * m  # the columns of one kernel offset and channel
        rows = rows_memory[:o * span].reshape(o, ho, wp, m)
        if wo < wp and (part.start == 0 or m != first):  # the zeros at x >= Wo, per layout
            rows[:, :, wo:] = 0
        rows[:, :, :wo] = grad[part].transpose(1, 2, 3, 0)
        cols: Any = cols_memory[:c * kh * kw * span].reshape(groups, c // groups * kh * kw, span)
        np.matmul(w_t, rows.reshape(groups, o // groups, span), out=cols)
        cols = cols.reshape(c, kh, kw, span)
        # the images' gradient, (C, Hp * Wp * m) and the last shift's overhang; kernel
        # offset (0, 0) is written rather than added, and only what it misses is zeroed
        tall = tall_memory[:c * (hp * wp + (kw - 1) * dw) * m].reshape(c, -1)
        tall[:, :span] = cols[:, 0, 0]
        tall[:, span:] = 0
        for i in range(kh):  # a loop over kernel offsets
            for j in range(kw):
                if i or j:
                    start = (i * dh * wp + j * dw) * m
                    piece = tall[:, start:start + span]
                    piece += cols[:, i, j]
        # back to (N, C, Hp, Wp), contiguous, for the ops downstream
        out[part] = tall[:, :hp * wp * m].reshape(c, hp, wp, m).transpose(3, 0, 1, 2)
    return out


def crop(target: Any, padding: Pair, size: Pair) -> Any:
    """target (N, C, Hp, Wp), an array or a Tensor, without its `padding` border (and any
    rows and columns past `size` below and to the right: a ceil-mode pool's)."""
    ph, pw = padding
    if not ph and not pw and target.shape[2:] == tuple(size):
        return target
    return target[:, :, ph:ph + size[0], pw:pw + size[1]]


def _detail(kernel: Any, stride: tuple[int, ...], padding: tuple[int, ...],
            dilation: tuple[int, ...] = (1, 1), groups: int = 1) -> str:
    """How viz labels a conv or pool node: kernel 5x5, stride 1, padding 2 (and the rest)."""
    def show(p: Any) -> str:
        return "x".join(str(v) for v in p) if len(set(p)) > 1 else str(p[0])
    parts = [f"kernel {'x'.join(str(k) for k in kernel)}", f"stride {show(stride)}",
             f"padding {show(padding)}"]
    if any(d != 1 for d in dilation):
        parts.append(f"dilation {show(dilation)}")
    if groups != 1:
        parts.append(f"groups {groups}")
    return ", ".join(parts)


# -- conv1d: conv2d on (N, C, 1, L) ---------------------------------------------------------------
class Conv1d(Conv2d):
    """1-D cross-correlation on (N, C, L): conv2d of the input seen as (N, C, 1, L)."""

    __slots__ = ()

    def forward(ctx, x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        op = "conv1d"
        check_conv(op, x, weight, bias, groups, 1)
        stride, dilation = _single(stride, "stride", op, 1), _single(dilation, "dilation", op, 1)
        if isinstance(padding, str):
            padding, = conv_padding(padding, weight.shape[2:], (stride,), (dilation,), op)
        padding = _single(padding, "padding", op, 0)
        check_fits(op, x.shape, weight.shape[2:], (padding,), (dilation,))
        out = Conv2d.forward(ctx, x[:, :, None], weight[:, :, None], bias, (1, stride),
                             (0, padding), (1, dilation), groups, op=op)
        return out[:, :, 0]

    def backward(ctx, grad):
        grads = Conv2d.backward(ctx, grad[:, :, None])
        return tuple([g if g is None or g.ndim == 1 else g[:, :, 0] for g in grads])

    def backward_graph(ctx, grad, out):  # conv2d's, on the inputs seen as (N, C, 1, L)
        x, weight = ctx.parents[:2]
        grads = _conv2d_backward_graph(ctx, grad.reshape(grad.shape[:2] + (1,) + grad.shape[2:]),
                                       x.reshape(ctx.x_shape), weight.reshape(ctx.w_shape))
        return tuple([g if g is None or g.ndim == 1 else g.reshape(g.shape[:2] + g.shape[3:])
                     for g in grads])

    def viz_detail(ctx) -> str:
        return _detail(ctx.w_shape[3:], ctx.stride[1:], ctx.padding[1:], ctx.dilation[1:],
                       ctx.groups)


def _single(value: Any, name: str, op: str, minimum: int) -> int:
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise OpError(f"{op}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


# -- conv_transpose2d: col2im forward, im2col backward ------------------------------------------
def check_transpose(op: str, x: Any, weight: Any, bias: Any, groups: Any, dims: int) -> int:
    """A transposed conv's checked groups, for its input, weight (in_channels, out_channels
    // groups, *kernel) and bias shapes (1, 2 or 3 spatial axes)."""
    _check_layouts(op, x, weight, groups, dims, "in_channels, out_channels // groups")
    c, ci, g = x.shape[1], weight.shape[0], int(groups)
    if c != ci:
        raise OpError(f"{op}: input {x.shape} has {c} channels; weight {weight.shape} "
                      f"expects {ci} (in_channels first)")
    if c % g:
        raise OpError(f"{op}: groups={g} must divide the input channels ({c}); input "
                      f"{x.shape}, weight {weight.shape}")
    o = weight.shape[1] * g
    if bias is not None and bias.shape != (o,):
        raise OpError(f"{op}: bias must have shape ({o},), one per output channel, got "
                      f"{bias.shape}")
    return g


def transpose_sizes(op: str, x: Any, weight: Any, stride: tuple[int, ...],
                    padding: tuple[int, ...], dilation: tuple[int, ...],
                    extra: tuple[int, ...]) -> tuple[int, ...]:
    """A transposed conv's output size per spatial axis, (size - 1) * stride - 2 * padding
    + dilation * (k - 1) + output_padding + 1, each checked to be at least 1, and
    output_padding smaller than the stride or the dilation (PyTorch's rule)."""
    for e, s, d in zip(extra, stride, dilation):
        if e >= max(s, d):
            raise OpError(f"{op}: output_padding {extra} must be smaller than the stride "
                          f"{stride} or the dilation {dilation}")
    sizes = tuple([(size - 1) * s - 2 * p + d * (k - 1) + e + 1 for size, s, p, d, k, e in
                   zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], extra)])
    if min(sizes) < 1:
        raise OpError(f"{op}: input {x.shape}, weight {weight.shape}, padding {padding} "
                      f"give an empty output {sizes}")
    return sizes


class ConvTranspose2d(Function):
    """The adjoint of conv2d (PyTorch's conv_transpose2d), with weight (in_channels,
    out_channels // groups, kh, kw): every input pixel adds its weighted kernel into the
    output at stride spacing; `padding` crops the result, `output_padding` adds rows and
    columns at the bottom and right."""

    __slots__ = ("stride", "padding", "dilation", "groups", "x_shape", "w_shape", "out_hw")

    def forward(ctx, x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                dilation=1):
        op = "conv_transpose2d"
        g = check_transpose(op, x, weight, bias, groups, 2)
        n, c, h, w = x.shape
        _, og, kh, kw = weight.shape
        o = og * g
        stride = pair(stride, "stride", op, 1, one=True)
        padding = pair(padding, "padding", op, 0, one=True)
        dilation = pair(dilation, "dilation", op, 1, one=True)
        extra = pair(output_padding, "output_padding", op, 0, one=True)
        ho, wo = transpose_sizes(op, x, weight, stride, padding, dilation, extra)
        cg = c // g
        # each input pixel times the weight: what it adds at every kernel offset, per channel
        x3 = x.reshape(n, g, cg, h * w)
        wmat = weight.reshape(g, cg, og * kh * kw)
        pieces = np.matmul(wmat.swapaxes(1, 2), x3).reshape(n, o, kh, kw, h, w)
        ph, pw = padding
        target = np.zeros_like(x, shape=(n, o, ho + 2 * ph, wo + 2 * pw))
        col2im(lambda i, j: pieces[:, :, i, j], target, (kh, kw), stride, dilation, (h, w))
        out = crop(target, padding, (ho, wo))
        if bias is not None:
            out += bias.reshape(o, 1, 1)
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, g
        ctx.x_shape, ctx.w_shape, ctx.out_hw = x.shape, weight.shape, (ho, wo)
        need_x, need_w = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x3 if need_w else None, wmat if need_x else None)
        return out

    def backward(ctx, grad):
        x3, wmat = ctx.saved_tensors
        n, c, h, w = ctx.x_shape
        ci, og, kh, kw = ctx.w_shape
        g = ctx.groups
        # im2col of the output gradient at the input's pixels: (N, groups, og * kh * kw, H * W)
        cols = im2col(grad, (kh, kw), ctx.stride, ctx.padding, ctx.dilation, (h, w), g)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = np.matmul(wmat, cols).reshape(n, c, h, w)
        if ctx.needs_input_grad[1]:
            grad_w = np.matmul(x3, cols.swapaxes(2, 3)).sum(axis=0).reshape(ci, og, kh, kw)
        if len(ctx.needs_input_grad) == 2:
            return grad_x, grad_w
        if ctx.needs_input_grad[2]:
            grad_b = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b

    def backward_graph(ctx, grad, out):  # backward's steps with Tensor ops
        x, weight = ctx.parents[:2]
        n, c, h, w = ctx.x_shape
        ci, og, kh, kw = ctx.w_shape
        g = ctx.groups
        needs = ctx.needs_input_grad
        cols = _im2col_tensor(grad, (kh, kw), ctx.stride, ctx.padding, ctx.dilation, (h, w), g)
        grad_x = grad_w = None
        if needs[0]:
            grad_x = (weight.reshape(g, c // g, og * kh * kw) @ cols).reshape(n, c, h, w)
        if needs[1]:
            grad_w = (x.reshape(n, g, c // g, h * w) @ _swap_last(cols)).sum(axis=0).reshape(
                ci, og, kh, kw)
        if len(needs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (grad.sum(axis=(0, 2, 3)) if needs[2] else None)

    def viz_detail(ctx) -> str:
        return _detail(ctx.w_shape[2:], ctx.stride, ctx.padding, ctx.dilation, ctx.groups)
