"""Elementwise ops. Binary ones broadcast like numpy; `unbroadcast` sums their gradients back."""
from __future__ import annotations

import numpy as np

from ..function import Function, unbroadcast


class Add(Function):
    __slots__ = ("a_shape", "b_shape")

    def forward(ctx, a, b):
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return a + b

    def backward(ctx, grad):
        return unbroadcast(grad, ctx.a_shape), unbroadcast(grad, ctx.b_shape)


class Sub(Function):
    __slots__ = ("a_shape", "b_shape")

    def forward(ctx, a, b):
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return a - b

    def backward(ctx, grad):
        return unbroadcast(grad, ctx.a_shape), unbroadcast(-grad, ctx.b_shape)


class Mul(Function):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(grad * b, a.shape) if need_a else None,
                unbroadcast(grad * a, b.shape) if need_b else None)


class Div(Function):
    def forward(ctx, a, b):
        out = a / b
        ctx.save_for_backward(a, b, out)
        return out

    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_over_b = grad / b
        return (unbroadcast(grad_over_b, a.shape) if need_a else None,
                unbroadcast(-grad_over_b * out, b.shape) if need_b else None)


class Neg(Function):
    def forward(ctx, x):
        return -x

    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """`base ** exponent`; either may be a tensor (d/d exponent = out * log(base))."""

    def forward(ctx, base, exponent):
        out = base ** exponent
        ctx.save_for_backward(base, exponent, out)
        return out

    def backward(ctx, grad):
        base, exponent, out = ctx.saved_tensors
        need_base, need_exponent = ctx.needs_input_grad
        grad_base = grad_exponent = None
        # Where the derivative is 0 the formulas read 0 * inf; give 0 there, as PyTorch does:
        # x ** 0 is 1 for every x (0 ** -1 is inf), and 0 ** p for p >= 0 is constant in p
        # (log(0) is -inf). The inf/NaN they make first is replaced, so numpy's warning is not
        # wanted; elsewhere (0 ** -1 in the forward, say) the inf is real and stays.
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_base:
                d_base = np.where(exponent == 0, 0, exponent * base ** (exponent - 1))
                grad_base = unbroadcast(grad * d_base, base.shape)
            if need_exponent:
                d_exponent = np.where((base == 0) & (exponent >= 0), 0, out * np.log(base))
                grad_exponent = unbroadcast(grad * d_exponent, exponent.shape)
        return grad_base, grad_exponent


class Exp(Function):
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out


class Log(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad / (2 * out)


class Abs(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * np.sign(x)


class Relu(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (x > 0)


class Sigmoid(Function):
    def forward(ctx, x):
        # exp of -|x| never overflows; pick 1/(1+e) or e/(1+e) by sign for full precision.
        e = np.exp(-np.abs(x))
        positive = 1 / (1 + e)
        out = np.where(x >= 0, positive, e * positive)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out * (1 - out)


class Tanh(Function):
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (1 - out * out)
