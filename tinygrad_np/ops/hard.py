"""The piecewise activations of mobile nets and bounded ReLUs: hardtanh (and relu6),
hardsigmoid, hardswish, with PyTorch's values and gradients at every edge."""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError


class Hardtanh(Function):
    """x clipped to [min_val, max_val]; the gradient passes strictly inside only (PyTorch's
    hardtanh and relu6; `clip` passes it on the edges too)."""

    __slots__ = ("inside",)

    def forward(ctx, x, min_val=-1.0, max_val=1.0):
        if not min_val <= max_val:
            raise OpError(f"hardtanh: input {x.shape}: min_val ({min_val}) must be at most "
                          f"max_val ({max_val})")
        ctx.inside = (x > min_val) & (x < max_val)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    def backward(ctx, grad):
        return grad * ctx.inside

    def backward_graph(ctx, grad, out):
        return grad * ctx.inside.astype(out.data.dtype)


class Hardsigmoid(Function):
    """0 for x <= -3, 1 for x >= 3, x / 6 + 1 / 2 between; the gradient 1 / 6 strictly
    between."""

    __slots__ = ("inside",)

    def forward(ctx, x):
        ctx.inside = (x > -3) & (x < 3)
        return np.where(x <= -3, 0, np.where(x >= 3, 1, x / 6 + 0.5)).astype(x.dtype)

    def backward(ctx, grad):
        return grad * (ctx.inside / 6).astype(grad.dtype)

    def backward_graph(ctx, grad, out):
        return grad * (ctx.inside / 6).astype(out.data.dtype)


class Hardswish(Function):
    """x * hardsigmoid(x): 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between; the gradient
    (PyTorch's) 0 up to -3, x / 3 + 1 / 2 strictly between, 1 from 3 on."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.where(x <= -3, 0, np.where(x >= 3, x, x * (x + 3) / 6)).astype(x.dtype)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        # picked piece by piece, so that x = +-inf gets its slope 1 or 0, not inf * 0 = NaN
        return grad * np.where((x > -3) & (x < 3), x / 3 + 0.5, x >= 3).astype(x.dtype)

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        return grad * _hardswish_slope(x.data, x)


def _hardswish_slope(values, x):
    """d hardswish / dx at `values`, as x / 3 + 1 / 2 on (-3, 3) (x a Tensor of those
    values, for create_graph: the middle piece's slope depends on x), 1 from 3 on, 0 up to
    -3."""
    middle = ((values > -3) & (values < 3)).astype(values.dtype)
    above = (values >= 3).astype(values.dtype)
    return x * (middle / 3) + (middle * 0.5 + above)
