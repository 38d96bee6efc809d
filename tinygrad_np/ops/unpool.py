"""Where a max pool's maxima are (PyTorch's `return_indices=True`), and max_unpool2d, which
puts values back there.

An index is the position in the input's H x W plane, row * W + column (per image and
channel), as PyTorch gives it: the first largest element of the window in row-major order,
or, in a window holding NaN, its last NaN (PyTorch's CPU kernel takes an element that is
larger or NaN). Padding is never picked: a window whose elements are all -inf gets its first
element inside the input.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, OpError
from .conv import Pair, check_ndim, pair
from .pool import _adaptive_size, adaptive_axes, first_maxima, pool_args, window_axes


def max_pool_indices(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                     dilation: Any = 1, ceil_mode: bool = False) -> Any:
    """The indices `max_pool2d(x, ...)` takes its maxima from, (N, C, Ho, Wo) int64."""
    kernel, stride, padding, dilation, out_hw, _ = pool_args(
        "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    return first_maxima(x, *window_axes(x.shape, kernel, stride, padding, dilation, out_hw))


def adaptive_max_pool_indices(x: Any, output_size: Any) -> Any:
    """The indices `adaptive_max_pool2d(x, output_size)` takes its maxima from."""
    size = _adaptive_size("adaptive_max_pool2d", x, output_size)
    return first_maxima(x, *adaptive_axes(x.shape, size))


def unpool_size(op: str, x_shape: tuple[int, ...], kernel: tuple[int, ...],
                stride: tuple[int, ...], padding: tuple[int, ...], output_size: Any
                ) -> tuple[int, ...]:
    """max_unpool's output size: PyTorch's (size - 1) * stride - 2 * padding + kernel, or
    `output_size` (its last len(kernel) entries), which must lie strictly between that less
    and plus the stride."""
    default = tuple((size - 1) * s - 2 * p + k for size, k, s, p in
                    zip(x_shape[2:], kernel, stride, padding))
    if output_size is None:
        sizes = default
    else:
        given = tuple(output_size)
        if len(given) == len(kernel) + 2:
            given = given[2:]
        if len(given) != len(kernel) or not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in given):
            raise OpError(f"{op}: output_size must be {len(kernel)} ints (or {len(kernel) + 2} "
                          f"with batch and channels), got {output_size!r}")
        for axis, (v, d, s) in enumerate(zip(given, default, stride)):
            if not d - s < v < d + s:
                raise OpError(f"{op}: invalid output_size {tuple(output_size)} (dim {axis} "
                              f"must be between {d - s} and {d + s}, exclusive)")
        sizes = tuple(int(v) for v in given)
    if any(v < 1 for v in sizes):
        raise OpError(f"{op}: input {x_shape}, kernel {kernel}, stride {stride}, padding "
                      f"{padding} give an empty output {sizes}")
    return sizes


class MaxUnpool2d(Function):
    """The inverse of a max pool (PyTorch's max_unpool2d): zeros of `out_hw`, with x[n, c, i]
    written at position indices[n, c, i] of its image (row * W + column). Where two inputs
    name the same position the last one in C order is written, as in PyTorch's CPU kernel;
    the gradient of each input is the output's gradient at its position."""

    __slots__ = ("index", "x_shape")

    def forward(ctx, x, indices, out_hw, op="max_unpool2d"):  # op: the name errors give
        check_ndim(op, "input", x, 4, "(N, C, H, W)")
        if indices.shape != x.shape:
            raise OpError(f"{op}: indices {indices.shape} must have the input's shape "
                          f"{x.shape}")
        if indices.dtype.kind not in "iu":
            raise OpError(f"{op}: indices must be integers (as a max pool's return_indices "
                          f"gives them), got {indices.dtype}")
        n, c = x.shape[:2]
        plane = out_hw[0] * out_hw[1]
        flat = indices.reshape(n, c, x.shape[2] * x.shape[3])  # (not -1: an empty batch)
        if flat.size and (flat.min() < 0 or flat.max() >= plane):
            bad = flat.min() if flat.min() < 0 else flat.max()
            # (max_unpool1d runs this on rows (N, C, 1, L): it speaks of their length)
            size = f"rows are {out_hw[1]} long" if op == "max_unpool1d" else \
                f"images are {out_hw[0]}x{out_hw[1]}"
            raise OpError(f"{op}: found an invalid max index {int(bad)} (the output {size})")
        # one flat index into the whole output: image (n, c) starts at (n * C + c) * H * W
        where = (flat + (np.arange(n * c).reshape(n, c, 1) * plane)).reshape(-1)
        out = np.zeros_like(x, shape=(n, c) + tuple(out_hw))
        out.reshape(-1)[where] = x.reshape(-1)  # in order: the last of equal positions stays
        ctx.index, ctx.x_shape = where, x.shape
        return out

    def backward(ctx, grad):
        return grad.reshape(-1)[ctx.index].reshape(ctx.x_shape), None

    def backward_graph(ctx, grad, out):
        return grad.reshape(-1)[ctx.index].reshape(ctx.x_shape), None


def unpool_args(op: str, kernel_size: Any, stride: Any, padding: Any
                ) -> tuple[Pair, Pair, Pair]:
    """max_unpool2d's checked kernel, stride (None: the kernel) and padding."""
    kernel = pair(kernel_size, "kernel_size", op, 1)
    step = kernel if stride is None else pair(stride, "stride", op, 1)
    return kernel, step, pair(padding, "padding", op, 0)
