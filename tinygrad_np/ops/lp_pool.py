"""The last step of PyTorch's power-average pooling (F.lp_pool2d / lp_pool1d): the p-th root
of each window's sum of x ** p, which the pool computes as area * avg_pool(x ** p)."""
from __future__ import annotations

import numpy as np

from ..function import Function


class LpRoot(Function):
    """(area * mean) ** (1 / p), as PyTorch's (sign(mean) * relu(|mean|) * area) ** (1 / p):
    NaN where a negative sum has no real root (odd p), and no gradient through a window
    whose sum is 0, where the root's slope is infinite (PyTorch's relu passes none at 0)."""

    __slots__ = ("area", "root")

    def forward(ctx, mean, area, norm_type):
        ctx.area, ctx.root = area, 1.0 / norm_type
        total = mean * area
        ctx.save_for_backward(total)
        with np.errstate(invalid="ignore"):  # a negative sum's root: NaN, as PyTorch's
            return total ** ctx.root

    def backward(ctx, grad):
        total, = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = ctx.root * ctx.area * total ** (ctx.root - 1)
        return grad * np.where(total != 0, slope, 0)

    def backward_graph(ctx, grad, out):
        from ..tensor_ops import where  # (tensor_ops imports the ops)

        mean, = ctx.parents
        total = mean * ctx.area
        safe = where(total.data != 0, total, 1.0)  # the slope where it is finite
        slope = safe ** (ctx.root - 1) * (ctx.root * ctx.area)
        return grad * where(total.data != 0, slope, 0.0)
