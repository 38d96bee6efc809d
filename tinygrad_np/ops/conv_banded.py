"""conv2d as a banded matmul: for small images, the kernel's columns go into the weight.

im2col copies every kh x kw window: kh * kw times the input. For a small image that copy
and a matmul with one narrow side (out_channels wide) cost more than the arithmetic. The
banded form copies whole input rows instead: output row y of image n needs the kh input rows
under it, and those rows, (kernel row i, channel c, column x) side by side, form one row of
a matrix A (N * Ho rows, kh * C * W' columns, W' the input columns the windows meet); the
kernel's columns go into the weight.
The weight becomes a banded matrix B (kh * C * W', O * Wo): B[(i, c, x'), (o, x)] is
weight[o, c, i, j] where x' = stride * x + dilation * j, zero elsewhere. Then

    out[n, :, y, :] = A[(n, y)] @ B          (the (o, x) columns, per output row)

one matmul, both sides wide, on a copy kh times the input instead of kh * kw times. The
price is B's zeros: W' / kw times the arithmetic, so this form is taken only where that
ratio is small (LeNet's 6->16 conv on 14x14 images: 2.8) and the plain form's matmul
narrow. The backward is the same two matrices: the weight's gradient is A.T @ G folded back
along B's band, the input's is G @ B.T added back row by row (kh adds of whole rows).

>>> x, w = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3))
>>> out, band = banded_forward(x, w, None, (1, 1), (1, 1), (3, 3))
>>> out.shape, band.shape, out[0, 0, 0].tolist()  # each output: 2 * 3 * 3 ones
((1, 3, 3, 3), (30, 9), [18.0, 18.0, 18.0])
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import recycle

Pair = tuple[int, int]

# Taken when B's arithmetic is at most MAX_RATIO times im2col's (r = W' / kw) and r times
# the output channels is at most MAX_SPREAD (the wider im2col's matmul, the better it does
# by itself), with a banded weight of at most MAX_WEIGHT_BYTES. Measured with numpy 2.4's
# OpenBLAS on 2 cores, float32, forward and backward (`benchmarks/conv_banded.py`): banded
# over im2col is 0.82-0.89 for LeNet's 6->16 5x5 conv on 14x14 (r = 2.8), 0.67-0.78 for
# 3->16 5x5 on 8x8, 0.84 for 32->32 3x3 on 4x4; and 1.26 for LeNet's 1->6 5x5 on 28x28
# (r = 6.4), 1.12-1.17 for 16->32 3x3 on 8x8, 1.22-1.32 for 32->64 3x3 on 7x7, 1.16-2.0 for
# 128->128 3x3 on 4x4, none of which it takes.
MAX_RATIO = 3.0
MAX_SPREAD = 64
MAX_WEIGHT_BYTES = 4 << 20
# the rows of A and of the output gradient per batch chunk: about a megabyte, in cache
CHUNK_BYTES = 1 << 20


def banded_fits(x_shape: tuple[int, ...], w_shape: tuple[int, ...], groups: int,
                stride: Pair, dilation: Pair, out_hw: Pair, itemsize: int) -> bool:
    """Whether conv2d of these shapes is taken as a banded matmul (see the module's note)."""
    o, c, kh, kw = w_shape
    wo = out_hw[1]
    used = _used_width(kw, stride[1], dilation[1], wo)
    ratio = used / kw
    return bool(groups == 1 and ratio <= MAX_RATIO and ratio * o <= MAX_SPREAD
                and (kh * c * used + 1) * o * wo * itemsize <= MAX_WEIGHT_BYTES)


def _used_width(kw: int, stride: int, dilation: int, wo: int) -> int:
    """W': the input columns that the Wo windows of a row meet, from the first."""
    return (wo - 1) * stride + (kw - 1) * dilation + 1


def _band_index(kw: int, stride: int, dilation: int, wo: int) -> tuple[Any, Any]:
    """(B's input column, B's output column) of every (j, x): each (kw, Wo)."""
    x = np.arange(wo)[None, :]
    return np.arange(kw)[:, None] * dilation + x * stride, x


def banded_weight(weight: Any, bias: Any, stride: Pair, dilation: Pair, out_hw: Pair,
                  dtype: Any) -> Any:
    """B (kh * C * W' [+ 1], O * Wo): the weight along its band, and the bias as a last row
    (met by a column of ones in A), when there is one."""
    o, c, kh, kw = weight.shape
    wo = out_hw[1]
    used = _used_width(kw, stride[1], dilation[1], wo)
    k = kh * c * used
    band = recycle.zeros(weight, (k + (bias is not None), o * wo), dtype)
    columns, xs = _band_index(kw, stride[1], dilation[1], wo)
    # (kw, Wo, kh * C, O) at once: advanced indices apart put their axes first
    band[:k].reshape(kh * c, used, o, wo)[:, columns, :, xs] = (
        weight.transpose(3, 2, 1, 0).reshape(kw, 1, kh * c, o))
    if bias is not None:
        band[k].reshape(o, wo)[...] = bias.reshape(o, 1)
    return band


def row_windows(xp: Any, kh: int, stride: Pair, dilation: Pair, out_hw: Pair, used: int) -> Any:
    """The padded input's rows under each output row, as a view (N, Ho, kh, C, W'): entry
    (n, y, i, c) is row stride * y + dilation * i of channel c, its first W' columns."""
    n, c, hp, wp = xp.shape
    (sh, _), (dh, _), ho = stride, dilation, out_hw[0]
    if xp.__class__ is np.ndarray and xp.flags.c_contiguous:
        item = xp.itemsize  # made directly: sliding_window_view costs 50 us of Python
        view = np.ndarray((n, ho, kh, c, used), xp.dtype, xp, 0,
                          (c * hp * wp * item, sh * wp * item, dh * wp * item, hp * wp * item,
                           item))
        view.flags.writeable = False  # its rows overlap
        return view
    span = (kh - 1) * dh + 1
    view = sliding_window_view(xp[..., :used].transpose(0, 2, 1, 3), span, axis=1)
    return view[:, :(ho - 1) * sh + 1:sh, :, :, ::dh].transpose(0, 1, 4, 2, 3)


def _chunks(n: int, bytes_per_image: int) -> list[slice]:
    """The batch in runs of about CHUNK_BYTES, all of one size but the last (a last one of
    a few images would cost a whole matmul call's time)."""
    if n == 0:
        return [slice(0, 0)]
    most = max(1, CHUNK_BYTES // max(1, bytes_per_image))
    size = -(-n // -(-n // most))  # as many chunks as `most` needs, evened out
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def banded_forward(xp: Any, weight: Any, bias: Any, stride: Pair, dilation: Pair,
                   out_hw: Pair) -> tuple[Any, Any]:
    """conv2d of the padded input `xp` (N, C, Hp, Wp): (the output (N, O, Ho, Wo), B)."""
    n, c = xp.shape[:2]
    o, _, kh, kw = weight.shape
    ho, wo = out_hw
    used = _used_width(kw, stride[1], dilation[1], wo)
    dtype = np.result_type(xp, weight) if bias is None else np.result_type(xp, weight, bias)
    band = banded_weight(weight, bias, stride, dilation, out_hw, dtype)
    k, height = kh * c * used, band.shape[0]
    view = row_windows(xp, kh, stride, dilation, out_hw, used)
    out = recycle.empty(xp, (n, o, ho, wo), dtype)
    chunks = _chunks(n, ho * height * xp.itemsize)
    first = chunks[0].stop
    # one array for every chunk's rows, one for its products: in cache for the next chunk
    rows_memory = recycle.empty(xp, (first * ho, height))
    product_memory = recycle.empty(out, (first * ho, o * wo))
    if height > k:
        rows_memory[:, k] = 1  # meets the bias row
    for part in chunks:
        m = part.stop - part.start
        rows = rows_memory[:m * ho]
        rows[:, :k].reshape(m, ho, kh, c, used)[...] = view[part]
        product = product_memory[:m * ho]
        np.matmul(rows, band, out=product)
        out[part] = product.reshape(m, ho, o, wo).transpose(0, 2, 1, 3)
    return out, band


def banded_backward(grad: Any, xp: Any, band: Any, w_shape: tuple[int, ...], stride: Pair,
                    dilation: Pair, padding: Pair, x_hw: Pair, need_x: bool, need_w: bool,
                    need_b: bool) -> tuple[Any, Any, Any]:
    """(input, weight, bias) gradients of `banded_forward`, each None where not needed; `xp`
    is the padded input (needed for the weight's), `band` B without its bias row (for the
    input's). The bias's comes with the weight's, as one more column of ones in A."""
    o, c, kh, kw = w_shape
    n, ho, wo = grad.shape[0], grad.shape[2], grad.shape[3]
    (sh, sw), (dh, dw), (ph, pw), (h, w) = stride, dilation, padding, x_hw
    used = _used_width(kw, sw, dw, wo)
    k = kh * c * used
    height = k + 1 if need_b else k
    hp = h + 2 * ph
    chunks = _chunks(n, ho * max(height, o * wo) * grad.itemsize)
    first = chunks[0].stop
    grads_memory = recycle.empty(grad, (first * ho, o * wo))
    if need_w:
        view = row_windows(xp, kh, stride, dilation, (ho, wo), used)
        rows_memory = recycle.empty(xp, (first * ho, height))
        if need_b:
            rows_memory[:, k] = 1
    grad_band: Any = None
    grad_x: Any = None
    if need_x:
        dtype = np.result_type(grad, band)
        grad_x = recycle.empty(grad, (n, c, h, w), dtype)
        band_t = band.T
        cols_memory = recycle.empty(grad, (first * ho, k), dtype)
        image_memory = recycle.empty(grad, (first, hp, c * used), dtype)
        last_row = (ho - 1) * sh + 1
    for part in chunks:
        m = part.stop - part.start
        grads = grads_memory[:m * ho]
        grads.reshape(m, ho, o, wo)[...] = grad[part].transpose(0, 2, 1, 3)
        if need_w:
            rows = rows_memory[:m * ho]
            rows[:, :k].reshape(m, ho, kh, c, used)[...] = view[part]
            piece = np.matmul(rows.T, grads)
            grad_band = piece if grad_band is None else np.add(grad_band, piece, out=grad_band)
        if need_x:
            cols = cols_memory[:m * ho]
            np.matmul(grads, band_t, out=cols)
            pieces = cols.reshape(m, ho, kh, c * used)
            image = image_memory[:m]  # (m, Hp, C * W'): rows whole, added kh times
            if sh == 1 and dh == 1:  # row i's piece covers rows i..i+Ho-1: the first is written
                image[:, :ho] = pieces[:, :, 0]
                image[:, ho:] = 0
                start = 1
            else:
                image[...] = 0
                start = 0
            for i in range(start, kh):  # a loop over kernel rows
                target = image[:, i * dh:i * dh + last_row:sh]
                target += pieces[:, :, i]
            image4 = image.reshape(m, hp, c, used).transpose(0, 2, 1, 3)
            grad_x[part] = _cropped(image4, ph, pw, h, w)
    grad_w = grad_b = None
    if need_w:
        columns, xs = _band_index(kw, sw, dw, wo)
        folded = grad_band[:k].reshape(kh * c, used, o, wo)[:, columns, :, xs].sum(axis=1)
        grad_w = folded.reshape(kw, kh, c, o).transpose(3, 2, 1, 0).copy()
        if need_b:
            grad_b = grad_band[k].reshape(o, wo).sum(axis=-1)
    return grad_x, grad_w, grad_b


def _cropped(image: Any, ph: int, pw: int, h: int, w: int) -> Any:
    """The input's part of the padded image's gradient (N, C, Hp, W'); columns past W' (that
    no window met) get zeros."""
    width = image.shape[3]
    if pw + w <= width:
        return image[:, :, ph:ph + h, pw:pw + w]
    out = np.zeros_like(image, shape=image.shape[:2] + (h, w))
    if width > pw:
        out[:, :, :, :width - pw] = image[:, :, ph:ph + h, pw:]
    return out
