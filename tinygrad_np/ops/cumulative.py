"""Running products and log-sum-exps along an axis: cumprod and logcumsumexp (cumsum is in
ops/statistics.py), each numpy's own accumulate in the forward.
"""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError


def _axis(op, x, axis):
    if not -max(x.ndim, 1) <= axis < max(x.ndim, 1):  # a 0-d input takes 0 or -1, as PyTorch
        raise OpError(f"{op}: axis {axis} is out of range for input of shape {x.shape}")
    return axis % max(x.ndim, 1)


def _reversed_cumsum(a, axis):
    return np.flip(np.cumsum(np.flip(a, axis=axis), axis=axis), axis=axis)


class Cumprod(Function):
    """Running product along `axis`. Its gradient, d out_j / d x_i = the product of x_k for
    k <= j but k != i, is the reversed running sum of grad * out over x where no x is 0;
    where one is, those lines take the products with x_i left out, one by one (as PyTorch
    gets the gradient at zeros right too)."""

    __slots__ = ("axis",)

    def forward(ctx, x, axis=0):
        ctx.axis = _axis("cumprod", x, axis)
        out = np.cumprod(x, axis=ctx.axis) if x.ndim else x.copy()
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return grad
        axis = ctx.axis
        zeros = x == 0
        # (no division by 0, so no warning: those lines are taken the other way below)
        result = _reversed_cumsum(grad * out, axis) / np.where(zeros, 1, x)
        zero_lines = zeros.any(axis=axis, keepdims=True)
        if zero_lines.any():
            exact = _leave_one_out(np.moveaxis(x, axis, -1), np.moveaxis(grad, axis, -1))
            result = np.where(zero_lines, np.moveaxis(exact, -1, axis), result)
        return result

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        if x.ndim == 0:
            return grad * 1.0
        last = x.swapaxes(ctx.axis, -1) if ctx.axis != x.ndim - 1 else x
        g = grad.swapaxes(ctx.axis, -1) if ctx.axis != x.ndim - 1 else grad
        n = last.shape[-1]
        eye = np.eye(n, dtype=bool)
        # row i: the line with x_i replaced by 1, its running product masked to j >= i
        rows = last.reshape(last.shape[:-1] + (1, n)).broadcast_to(last.shape[:-1] + (n, n))
        products = Cumprod.apply(rows.where(~eye, 1.0), axis=-1)
        later = np.triu(np.ones((n, n), dtype=bool))
        result = (products.where(later, 0.0) * g.reshape(g.shape[:-1] + (1, n))).sum(axis=-1)
        return result.swapaxes(ctx.axis, -1) if ctx.axis != x.ndim - 1 else result


def _leave_one_out(x, grad):
    """sum_j>=i grad_j * prod_{k<=j, k!=i} x_k along the last axis, for every i: (..., n, n)
    running products of the line with x_i set to 1, masked to j >= i."""
    n = x.shape[-1]
    rows = np.repeat(x[..., None, :], n, axis=-2)
    rows[..., np.arange(n), np.arange(n)] = 1
    products = np.cumprod(rows, axis=-1)
    products *= np.triu(np.ones((n, n), dtype=bool))
    return (products * grad[..., None, :]).sum(axis=-1)


class LogCumSumExp(Function):
    """log(running sum of exp(x)) along `axis`, without overflow (numpy's logaddexp
    accumulated). Its gradient, sum_{j >= i} grad_j exp(x_i - out_j), is taken in log space
    for the positive and the negative parts of grad, so it never overflows either."""

    __slots__ = ("axis",)

    def forward(ctx, x, axis=0):
        ctx.axis = _axis("logcumsumexp", x, axis)
        out = np.logaddexp.accumulate(x, axis=ctx.axis) if x.ndim else x.copy()
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return grad
        axis = ctx.axis
        parts = []
        for part in (np.maximum(grad, 0), np.maximum(-grad, 0)):
            some = part > 0  # log(0) = -inf, written as such (no divide-by-zero warning)
            logs = np.where(some, np.log(np.where(some, part, 1)), -np.inf)
            logged = np.flip(np.logaddexp.accumulate(np.flip(logs - out, axis=axis),
                                                     axis=axis), axis=axis)
            parts.append(np.exp(x + logged))
        return parts[0] - parts[1]

    def backward_graph(ctx, grad, out):
        # the same sum with one shift, so that it can be differentiated again (it may
        # overflow where x spans more than ~700, which the array backward does not)
        x = ctx.parents[0]
        if x.ndim == 0:
            return grad * 1.0
        shift = float(np.max(out.data)) if out.data.size else 0.0
        scaled = grad * (shift - out).exp()
        return (x - shift).exp() * scaled.flip(ctx.axis).cumsum(ctx.axis).flip(ctx.axis)
