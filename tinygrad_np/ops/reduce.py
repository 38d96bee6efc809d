"""Reductions over all axes, one axis or several, with or without `keepdims`."""
from __future__ import annotations

import numpy as np

from ..function import Function
from .adjoint import expand_reduced
from .compare import GraphConstant


def _expand(grad, shape, axis, keepdims):
    """Give a reduced gradient back its reduced axes (as size 1), ready to broadcast."""
    if keepdims or not shape:  # a 0-d input (numpy takes axis 0 or -1 there): nothing to expand
        return grad
    if axis is None:
        return grad.reshape((1,) * len(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return np.expand_dims(grad, tuple([a % len(shape) for a in axes]))


def _axis_of_0d(axis):
    """numpy's sum/max/min take axis 0 or -1 on a 0-d array, mean does not: the same
    rule for all four, so a 0-d mean(axis=0) is the value itself."""
    if axis in (0, -1):
        return None
    return axis  # numpy's own AxisError (an OpError from apply) for anything else


class Sum(Function):
    __slots__ = ("shape", "axis", "keepdims")

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return x.sum(axis=axis, keepdims=keepdims)

    def backward(ctx, grad):
        return np.broadcast_to(_expand(grad, ctx.shape, ctx.axis, ctx.keepdims), ctx.shape)

    def backward_graph(ctx, grad, out):
        return expand_reduced(grad, ctx.shape, ctx.axis, ctx.keepdims).broadcast_to(ctx.shape)


class Mean(Function):
    __slots__ = ("shape", "axis", "keepdims", "count")

    def forward(ctx, x, axis=None, keepdims=False):
        if not x.ndim and axis is not None:
            axis = _axis_of_0d(axis)  # as sum/max/min (and PyTorch's mean) take it
        out = x.mean(axis=axis, keepdims=keepdims)
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        ctx.count = x.size // max(out.size, 1) if x.size else 1
        return out

    def backward(ctx, grad):
        grad = _expand(grad, ctx.shape, ctx.axis, ctx.keepdims) / ctx.count
        return np.broadcast_to(grad, ctx.shape)

    def backward_graph(ctx, grad, out):
        grad = expand_reduced(grad, ctx.shape, ctx.axis, ctx.keepdims) / ctx.count
        return grad.broadcast_to(ctx.shape)


class _Extreme(Function):
    """Max or Min: the gradient goes to the elements equal to the result, shared among ties.
    A NaN result over all axes is its NaNs', which share the gradient, as PyTorch's max()
    and min(); over an axis a line with a NaN gets NaN gradients, as PyTorch's amax/amin."""

    __slots__ = ("axis", "keepdims")
    method = "max"

    def forward(ctx, x, axis=None, keepdims=False):
        out = getattr(x, type(ctx).method)(axis=axis, keepdims=keepdims)
        ctx.axis, ctx.keepdims = axis, keepdims
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        hit = _hits(x, out, ctx.axis, ctx.keepdims)
        count = hit.sum(axis=ctx.axis, keepdims=True)
        return hit * (_expand(grad, x.shape, ctx.axis, ctx.keepdims) / count)

    def backward_graph(ctx, grad, out):  # which elements hit is constant where none tie
        x = ctx.parents[0].data
        hit = _hits(x, out.data, ctx.axis, ctx.keepdims)
        share = (hit / hit.sum(axis=ctx.axis, keepdims=True)).astype(x.dtype, copy=False)
        return expand_reduced(grad, x.shape, ctx.axis, ctx.keepdims) * share


def _hits(x, out, axis, keepdims):
    """Where x holds Max's or Min's result: equal to it, or, over all axes, NaN where it is."""
    if axis is None and out != out:  # a 0-d result: one cheap test
        return x != x
    return x == _expand(out, x.shape, axis, keepdims)


class Max(_Extreme):
    method = "max"


class Min(_Extreme):
    method = "min"


class ArgMax(GraphConstant):
    """Index of the largest value (the first, on ties); int64, no gradient."""

    def forward(ctx, x, axis=None, keepdims=False):
        return x.argmax(axis=axis, keepdims=keepdims)  # a number for axis=None: made 0-d


class ArgMin(GraphConstant):
    """Index of the smallest value (the first, on ties); int64, no gradient."""

    def forward(ctx, x, axis=None, keepdims=False):
        return x.argmin(axis=axis, keepdims=keepdims)
