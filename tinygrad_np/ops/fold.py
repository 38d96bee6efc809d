"""im2col and col2im as ops of their own: PyTorch's F.unfold and F.fold.

unfold copies every kh x kw block of the (padded) input into a column, (N, C * kh * kw, L)
with L the number of blocks, rows ordered (channel, kernel row, kernel column) and blocks
row-major: the matrix a conv multiplies by its weights. fold is its adjoint: each column's
values added back where its block lies (overlaps summed), then the padding cropped. Each
one's gradient is the other, so both are differentiable to any order.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, OpError
from .conv import Pair, col2im, crop, out_size, pad, padded_im2col, pair


def fold_args(op: str, hw: tuple[int, ...], kernel_size: Any, dilation: Any, padding: Any,
              stride: Any) -> tuple[Pair, Pair, Pair, Pair, Pair]:
    """(kernel, dilation, padding, stride, blocks along H and W) for an image of size hw."""
    kernel = pair(kernel_size, "kernel_size", op, 1)
    dilation, stride = pair(dilation, "dilation", op, 1), pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
    blocks = tuple(out_size(size, k, s, p, d) for size, k, s, p, d in
                   zip(hw, kernel, stride, padding, dilation))
    if min(blocks) < 1:
        raise OpError(f"{op}: an image of size {tuple(hw)} with kernel_size={kernel}, "
                      f"dilation={dilation}, padding={padding}, stride={stride} has no "
                      f"sliding block (the blocks would be {blocks}); each size must be at "
                      f"least 1")
    return kernel, dilation, padding, stride, (blocks[0], blocks[1])


def _columns(x: Any, kernel: Pair, dilation: Pair, padding: Pair, stride: Pair,
             blocks: Pair) -> Any:
    """im2col of x (N, C, H, W): (N, C * kh * kw, L)."""
    n, c = x.shape[:2]
    cols = padded_im2col(pad(x, padding), kernel, stride, dilation, blocks, 1)
    return cols.reshape(n, c * kernel[0] * kernel[1], blocks[0] * blocks[1])


def _image(cols: Any, hw: Pair, kernel: Pair, dilation: Pair, padding: Pair, stride: Pair,
           blocks: Pair) -> Any:
    """col2im of cols (N, C * kh * kw, L) into (N, C, H, W), overlaps added."""
    n = cols.shape[0]
    (kh, kw), (ph, pw) = kernel, padding
    c = cols.shape[1] // (kh * kw)
    pieces = cols.reshape(n, c, kh, kw, blocks[0], blocks[1])
    target = np.zeros_like(cols, shape=(n, c, hw[0] + 2 * ph, hw[1] + 2 * pw))
    col2im(lambda i, j: pieces[:, :, i, j], target, kernel, stride, dilation, blocks)
    return crop(target, padding, hw)


class Unfold(Function):
    """F.unfold: the sliding blocks of x (N, C, H, W) as columns (N, C * kh * kw, L)."""

    __slots__ = ("settings", "hw")

    def forward(ctx, x, kernel_size, dilation=1, padding=0, stride=1):
        if x.ndim != 4:
            raise OpError(f"unfold: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape "
                          f"{x.shape}")
        ctx.settings = fold_args("unfold", x.shape[2:], kernel_size, dilation, padding, stride)
        ctx.hw = x.shape[2:]
        return _columns(x, *ctx.settings)

    def backward(ctx, grad):
        return _image(grad, ctx.hw, *ctx.settings)

    def backward_graph(ctx, grad, out):
        kernel, dilation, padding, stride, _ = ctx.settings
        return Fold.apply(grad, output_size=ctx.hw, kernel_size=kernel, dilation=dilation,
                          padding=padding, stride=stride)


class Fold(Function):
    """F.fold: columns (N, C * kh * kw, L) added back into images (N, C, *output_size)."""

    __slots__ = ("settings",)

    def forward(ctx, x, output_size, kernel_size, dilation=1, padding=0, stride=1):
        op = "fold"
        if x.ndim != 3:
            raise OpError(f"{op}: input must be 3-D (N, C * kh * kw, L) or 2-D "
                          f"(C * kh * kw, L), got shape {x.shape}")
        hw = pair(output_size, "output_size", op, 1)
        settings = fold_args(op, hw, kernel_size, dilation, padding, stride)
        kernel, dilation, padding, stride, blocks = settings
        if x.shape[1] % (kernel[0] * kernel[1]):
            raise OpError(f"{op}: input {x.shape}: its dimension 1 ({x.shape[1]}) must be "
                          f"divisible by the product of kernel_size {kernel}")
        if x.shape[2] != blocks[0] * blocks[1]:
            raise OpError(f"{op}: output_size={hw}, kernel_size={kernel}, dilation={dilation}, "
                          f"padding={padding}, stride={stride} give {blocks[0]} * {blocks[1]} "
                          f"= {blocks[0] * blocks[1]} sliding blocks, but input {x.shape} has "
                          f"{x.shape[2]} in its dimension 2")
        ctx.settings = settings
        return _image(x, hw, *settings)

    def backward(ctx, grad):
        return _columns(grad, *ctx.settings)

    def backward_graph(ctx, grad, out):
        kernel, dilation, padding, stride, _ = ctx.settings
        return Unfold.apply(grad, kernel_size=kernel, dilation=dilation, padding=padding,
                            stride=stride)
