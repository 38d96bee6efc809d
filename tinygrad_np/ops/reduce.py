"""Reductions over all axes, one axis or several, with or without `keepdims`."""
from __future__ import annotations

import numpy as np

from ..function import Function


def _expand(grad, shape, axis, keepdims):
    """Give a reduced gradient back its reduced axes (as size 1), ready to broadcast."""
    if keepdims:
        return grad
    if axis is None:
        return grad.reshape((1,) * len(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return np.expand_dims(grad, tuple(a % len(shape) for a in axes))


class Sum(Function):
    __slots__ = ("shape", "axis", "keepdims")

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return x.sum(axis=axis, keepdims=keepdims)

    def backward(ctx, grad):
        return np.broadcast_to(_expand(grad, ctx.shape, ctx.axis, ctx.keepdims), ctx.shape)


class Mean(Function):
    __slots__ = ("shape", "axis", "keepdims", "count")

    def forward(ctx, x, axis=None, keepdims=False):
        out = x.mean(axis=axis, keepdims=keepdims)
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        ctx.count = x.size // max(out.size, 1) if x.size else 1
        return out

    def backward(ctx, grad):
        grad = _expand(grad, ctx.shape, ctx.axis, ctx.keepdims) / ctx.count
        return np.broadcast_to(grad, ctx.shape)


class _Extreme(Function):
    """Max or Min: the gradient goes to the elements equal to the result, shared among ties."""

    __slots__ = ("axis", "keepdims")
    method = "max"

    def forward(ctx, x, axis=None, keepdims=False):
        out = getattr(x, type(ctx).method)(axis=axis, keepdims=keepdims)
        ctx.axis, ctx.keepdims = axis, keepdims
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        hit = x == _expand(out, x.shape, ctx.axis, ctx.keepdims)
        count = hit.sum(axis=ctx.axis, keepdims=True)
        return hit * (_expand(grad, x.shape, ctx.axis, ctx.keepdims) / count)


class Max(_Extreme):
    method = "max"


class Min(_Extreme):
    method = "min"
