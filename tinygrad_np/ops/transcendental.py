"""The other transcendental ops: tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh,
log2, log10, exp2, and the binary atan2, hypot, logaddexp and xlogy.

Each forward is numpy's own function (so values are numpy's to the bit) and each backward
its derivative, as PyTorch writes it; binary ones broadcast like numpy and `unbroadcast`
sums their gradients back.
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Function, unbroadcast
from .adjoint import sum_to

LN2, LN10 = math.log(2.0), math.log(10.0)


class Tan(Function):
    def forward(ctx, x):
        out = np.tan(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # 1 + tan^2, from the output, as PyTorch's
        out, = ctx.saved_tensors
        return grad * (1 + out * out)

    def backward_graph(ctx, grad, out):
        return grad * (1 + out * out)


class Asin(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsin(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / np.sqrt(1 - x * x)

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        return grad / (1 - x * x).sqrt()


class Acos(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccos(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad / np.sqrt(1 - x * x)

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        return -grad / (1 - x * x).sqrt()


class Atan(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 + x * x)

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        return grad / (1 + x * x)


class Sinh(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * np.cosh(x)

    def backward_graph(ctx, grad, out):
        return grad * Cosh.apply(ctx.parents[0])


class Cosh(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * np.sinh(x)

    def backward_graph(ctx, grad, out):
        return grad * Sinh.apply(ctx.parents[0])


class Asinh(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / np.sqrt(x * x + 1)

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        return grad / (x * x + 1).sqrt()


class Acosh(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccosh(x)

    def backward(ctx, grad):  # 1 / sqrt(x^2 - 1), as (x - 1)(x + 1) to keep precision near 1
        x, = ctx.saved_tensors
        return grad / np.sqrt((x - 1) * (x + 1))

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        return grad / ((x - 1) * (x + 1)).sqrt()


class Atanh(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctanh(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 - x * x)

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        return grad / (1 - x * x)


class Log2(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * LN2)

    def backward_graph(ctx, grad, out):
        return grad / (ctx.parents[0] * LN2)


class Log10(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * LN10)

    def backward_graph(ctx, grad, out):
        return grad / (ctx.parents[0] * LN10)


class Exp2(Function):
    def forward(ctx, x):
        out = np.exp2(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out * LN2)

    def backward_graph(ctx, grad, out):
        return grad * (out * LN2)


def _pair(ctx, grad_a, grad_b, graph=False):
    """A binary op's two gradients, each summed back to its operand's shape if wanted."""
    a, b = ctx.parents
    need_a, need_b = ctx.needs_input_grad
    fit = sum_to if graph else unbroadcast
    return (fit(grad_a(), a.shape) if need_a else None,
            fit(grad_b(), b.shape) if need_b else None)


class Atan2(Function):
    """atan2(y, x): the angle of the point (x, y), in (-pi, pi]. At the origin the gradient
    is 0, as PyTorch's (its 1 / (x^2 + y^2) taken as 0 there), not 0/0."""

    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        squares = x * x + y * y
        scale = grad / np.where(squares == 0, np.inf, squares)  # grad / inf = 0, no warning
        return _pair(ctx, lambda: scale * x, lambda: -scale * y)

    def backward_graph(ctx, grad, out):
        y, x = ctx.parents
        squares = x * x + y * y
        scale = grad / squares.where(squares.data != 0, math.inf)
        return _pair(ctx, lambda: scale * x, lambda: -scale * y, graph=True)


class Hypot(Function):
    """sqrt(a^2 + b^2), without overflow for large a or b."""

    def forward(ctx, a, b):
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        scale = grad / out
        return _pair(ctx, lambda: scale * a, lambda: scale * b)

    def backward_graph(ctx, grad, out):
        a, b = ctx.parents
        scale = grad / out
        return _pair(ctx, lambda: scale * a, lambda: scale * b, graph=True)


class LogAddExp(Function):
    """log(exp(a) + exp(b)), without overflow."""

    def forward(ctx, a, b):
        out = np.logaddexp(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        return _pair(ctx, lambda: grad * np.exp(a - out), lambda: grad * np.exp(b - out))

    def backward_graph(ctx, grad, out):
        a, b = ctx.parents
        return _pair(ctx, lambda: grad * (a - out).exp(), lambda: grad * (b - out).exp(),
                     graph=True)


class XLogY(Function):
    """x * log(y), 0 where x is 0 (even where y is 0 or inf), as PyTorch's xlogy: the term
    x log x of an entropy. NaN in y stays NaN."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = x * np.log(y)
        return np.where((x == 0) & ~np.isnan(y), 0, out).astype(out.dtype, copy=False)

    def backward(ctx, grad):  # d/dx = log(y), 0 where x and y are 0 (PyTorch's); d/dy = x / y
        x, y = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return _pair(ctx, lambda: grad * np.where((x == 0) & (y == 0), 0, np.log(y)),
                         lambda: grad * x / y)

    def backward_graph(ctx, grad, out):
        x, y = ctx.parents
        logged = ((x.data != 0) | (y.data != 0)).astype(y.dtype)  # xlogy(1, y) = log(y)
        return _pair(ctx, lambda: grad * XLogY.apply(logged, y), lambda: grad * x / y,
                     graph=True)
