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
    """Elementwise max of two operands. As in PyTorch, each side gets the gradient unless
    the other beats it: where they tie each gets half, and where one is NaN (the result)
    both get all of it, since no comparison with a NaN holds."""
    promotes = True

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        whole = 1 - 0.5 * (a == b)  # 1, or 1/2 on a tie; a side that is beaten gets 0
        return (unbroadcast(grad * (whole - (b > a)), a.shape) if need_a else None,
                unbroadcast(grad * (whole - (a > b)), b.shape) if need_b else None)

    def backward_graph(ctx, grad, out):  # the shares are constant where no two tie
        a, b = ctx.parents[0].data, ctx.parents[1].data
        return _shared(ctx, grad, b > a, a > b)


class Minimum(Function):
    """Elementwise min of two operands; ties share the gradient equally, and where one is
    NaN both get all of it (PyTorch's rule, as Maximum's)."""
    promotes = True

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        whole = 1 - 0.5 * (a == b)
        return (unbroadcast(grad * (whole - (b < a)), a.shape) if need_a else None,
                unbroadcast(grad * (whole - (a < b)), b.shape) if need_b else None)

    def backward_graph(ctx, grad, out):
        a, b = ctx.parents[0].data, ctx.parents[1].data
        return _shared(ctx, grad, b < a, a < b)


def _shared(ctx, grad, a_beaten, b_beaten):
    """Maximum's and Minimum's gradients on Tensors: to each side a share of `grad`, 1/2
    where they tie and 0 where it is beaten."""
    a, b = ctx.parents
    need_a, need_b = ctx.needs_input_grad
    whole = 1 - 0.5 * (a.data == b.data)
    share_a, share_b = ((whole - beaten).astype(grad.data.dtype, copy=False)
                        for beaten in (a_beaten, b_beaten))
    return (sum_to(grad * share_a, a.shape) if need_a else None,
            sum_to(grad * share_b, b.shape) if need_b else None)


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


class ClipTensors(Function):
    """Clip with Tensor bounds, which get gradients too: `forward(x, *bounds)` with the
    bounds given, min then max (`lower` and `upper` say which). PyTorch's clamp rules: x gets
    the gradient where min <= x <= max, min where x < min < max, and max where x > max or
    max < min (the result is then max). A NaN anywhere gives none of them any, but max < min
    still does."""

    __slots__ = ("lower", "upper")

    def forward(ctx, x, *bounds, lower=True, upper=True):
        ctx.lower, ctx.upper = lower, upper
        ctx.save_for_backward(x, *bounds)
        out = np.maximum(x, bounds[0]) if lower else x
        return np.minimum(out, bounds[-1]) if upper else out

    def backward(ctx, grad):
        inputs = ctx.saved_tensors
        masks = _clip_masks(inputs, ctx.lower, ctx.upper)
        return tuple([unbroadcast(grad * mask, array.shape) if need else None
                      for mask, array, need in zip(masks, inputs, ctx.needs_input_grad)])

    def backward_graph(ctx, grad, out):
        masks = _clip_masks([t.data for t in ctx.parents], ctx.lower, ctx.upper)
        dtype = grad.data.dtype
        return tuple([sum_to(grad * mask.astype(dtype), t.shape) if need else None
                      for mask, t, need in zip(masks, ctx.parents, ctx.needs_input_grad)])


def _clip_masks(inputs, lower, upper):
    """Where each of ClipTensors' inputs (x, then the bounds given) gets the gradient."""
    if lower and upper:
        x, low, high = inputs
        return (x >= low) & (x <= high), (x < low) & (low < high), (x > high) | (high < low)
    x, bound = inputs
    return (x >= bound, x < bound) if lower else (x <= bound, x > bound)
