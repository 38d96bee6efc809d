"""More elementwise ops: sin, cos, log1p, expm1, square, maximum, minimum, where, clip.

Binary ones broadcast like numpy; `unbroadcast` sums their gradients back.
"""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError, unbroadcast
from .adjoint import sum_to


class Sin(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * np.cos(x)

    def backward_graph(ctx, grad, out):
        return grad * ctx.parents[0].cos()


class Cos(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * np.sin(x)

    def backward_graph(ctx, grad, out):
        return -grad * ctx.parents[0].sin()


class Log1p(Function):
    """log(1 + x), accurate for tiny x."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 + x)

    def backward_graph(ctx, grad, out):
        return grad / (1 + ctx.parents[0])


class Expm1(Function):
    """exp(x) - 1, accurate for tiny x."""

    def forward(ctx, x):
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out + 1)

    def backward_graph(ctx, grad, out):
        return grad * (out + 1)


class Square(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.square(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (2 * x)

    def backward_graph(ctx, grad, out):
        return grad * (2 * ctx.parents[0])


class Maximum(Function):
    """Elementwise max of two operands; where they tie, each gets half the gradient
    (as in PyTorch)."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share = (a > b) + 0.5 * (a == b)  # a's share of the gradient: 1, 1/2 or 0
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(grad * share, a.shape) if need_a else None,
                unbroadcast(grad * (1 - share), b.shape) if need_b else None)

    def backward_graph(ctx, grad, out):  # the shares are constant where no two tie
        a, b = ctx.parents
        return _shared(ctx, grad, (a.data > b.data) + 0.5 * (a.data == b.data))


class Minimum(Function):
    """Elementwise min of two operands; ties share the gradient equally."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share = (a < b) + 0.5 * (a == b)
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(grad * share, a.shape) if need_a else None,
                unbroadcast(grad * (1 - share), b.shape) if need_b else None)

    def backward_graph(ctx, grad, out):
        a, b = ctx.parents
        return _shared(ctx, grad, (a.data < b.data) + 0.5 * (a.data == b.data))


def _shared(ctx, grad, share):
    """Maximum's and Minimum's gradients on Tensors: `share` of it to a, the rest to b."""
    a, b = ctx.parents
    need_a, need_b = ctx.needs_input_grad
    share = share.astype(grad.data.dtype, copy=False)
    return (sum_to(grad * share, a.shape) if need_a else None,
            sum_to(grad * (1 - share), b.shape) if need_b else None)


class Where(Function):
    """`a` where `cond` is true, else `b` (numpy's `where`; all three broadcast). `cond`
    gets no gradient."""

    __slots__ = ("cond",)

    def forward(ctx, cond, a, b):
        if cond.dtype.kind != "b":
            cond = cond != 0  # numpy's truth of a number
        ctx.cond = cond
        ctx.save_for_backward(a, b)
        return np.where(cond, a, b)

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        cond = ctx.cond
        _, need_a, need_b = ctx.needs_input_grad
        zero = grad.dtype.type(0)
        return (None,
                unbroadcast(np.where(cond, grad, zero), a.shape) if need_a else None,
                unbroadcast(np.where(cond, zero, grad), b.shape) if need_b else None)

    def backward_graph(ctx, grad, out):
        _, a, b = ctx.parents
        _, need_a, need_b = ctx.needs_input_grad
        return (None,
                sum_to(Where.apply(ctx.cond, grad, 0.0), a.shape) if need_a else None,
                sum_to(Where.apply(ctx.cond, 0.0, grad), b.shape) if need_b else None)


class Clip(Function):
    """Clamp to [min, max] (either may be None). The gradient passes where
    min <= x <= max, as in PyTorch's clamp."""

    __slots__ = ("inside",)

    def forward(ctx, x, min=None, max=None):  # PyTorch's and numpy's names
        if min is None and max is None:
            raise OpError(f"clip: input {x.shape}: give at least one of min and max")
        out = x
        inside = None
        if min is not None:
            out = np.maximum(out, min)
            inside = x >= min
        if max is not None:
            out = np.minimum(out, max)
            inside = x <= max if inside is None else inside & (x <= max)
        ctx.inside = inside
        return out

    def backward(ctx, grad):
        return grad * ctx.inside

    def backward_graph(ctx, grad, out):
        return grad * ctx.inside
