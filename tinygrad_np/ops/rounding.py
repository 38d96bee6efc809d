"""Piecewise-constant ops and their kin: floor, ceil, round, trunc, sign (gradient 0 wherever
it exists, as PyTorch passes it), and the remainders `remainder` (Python's %, the divisor's
sign) and `fmod` (C's, the dividend's sign), each numpy's own function.
"""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError
from .transcendental import _pair


class _Stepwise(Function):
    """A unary op whose gradient is 0 everywhere it exists."""

    def forward(ctx, x):
        return ctx.rounded(x)

    def rounded(ctx, x):
        raise NotImplementedError

    def backward(ctx, grad):
        return grad * 0  # 0 of grad's dtype and shape (NaN where grad is NaN, as PyTorch's)

    def backward_graph(ctx, grad, out):
        return grad * 0.0


class Floor(_Stepwise):
    def rounded(ctx, x):
        return np.floor(x)


class Ceil(_Stepwise):
    def rounded(ctx, x):
        return np.ceil(x)


class Trunc(_Stepwise):
    def rounded(ctx, x):
        return np.trunc(x)


class Sign(_Stepwise):
    def rounded(ctx, x):
        return np.sign(x)


class Round(_Stepwise):
    """To `decimals` places (negative: tens, hundreds), halves to even, as numpy and
    PyTorch round."""

    __slots__ = ("decimals",)

    def forward(ctx, x, decimals=0):
        if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
            raise OpError(f"round: decimals must be an int, got {decimals!r}")
        ctx.decimals = int(decimals)
        return np.round(x, ctx.decimals)


class Remainder(Function):
    """a - floor(a / b) * b: Python's %, the result has b's sign (PyTorch's remainder)."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.remainder(a, b)

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _pair(ctx, lambda: grad, lambda: -grad * np.floor_divide(a, b))

    def backward_graph(ctx, grad, out):
        a, b = ctx.parents
        quotient = np.floor_divide(a.data, b.data)
        return _pair(ctx, lambda: grad * 1.0, lambda: -grad * quotient, graph=True)


class Fmod(Function):
    """a - trunc(a / b) * b: C's fmod, the result has a's sign (PyTorch's fmod)."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.fmod(a, b)

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _pair(ctx, lambda: grad, lambda: -grad * np.trunc(a / b))

    def backward_graph(ctx, grad, out):
        a, b = ctx.parents
        quotient = np.trunc(a.data / b.data)
        return _pair(ctx, lambda: grad * 1.0, lambda: -grad * quotient, graph=True)
