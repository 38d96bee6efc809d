"""Elementwise ops. Binary ones broadcast like numpy; `unbroadcast` sums their gradients back."""
from __future__ import annotations

import numpy as np

from .. import recycle
from ..function import Function, unbroadcast
from .adjoint import sum_to


_BOOL = np.dtype(bool)


class Add(Function):
    promotes = True
    __slots__ = ("a_shape", "b_shape")

    def forward(ctx, a, b):
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return a + b

    def backward(ctx, grad):
        shape, a_shape, b_shape = grad.shape, ctx.a_shape, ctx.b_shape
        return (grad if a_shape == shape else unbroadcast(grad, a_shape),
                grad if b_shape == shape else unbroadcast(grad, b_shape))

    def backward_graph(ctx, grad, out):  # the same, on Tensors (create_graph=True)
        need_a, need_b = ctx.needs_input_grad
        return (sum_to(grad, ctx.a_shape) if need_a else None,
                sum_to(grad, ctx.b_shape) if need_b else None)


class Sub(Function):
    promotes = True
    __slots__ = ("a_shape", "b_shape")

    def forward(ctx, a, b):
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return a - b

    def backward(ctx, grad):
        return unbroadcast(grad, ctx.a_shape), unbroadcast(-grad, ctx.b_shape)

    def backward_graph(ctx, grad, out):
        need_a, need_b = ctx.needs_input_grad
        return (sum_to(grad, ctx.a_shape) if need_a else None,
                sum_to(-grad, ctx.b_shape) if need_b else None)


class Mul(Function):
    promotes = True
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(grad * b, a.shape) if need_a else None,
                unbroadcast(grad * a, b.shape) if need_b else None)

    def backward_graph(ctx, grad, out):
        a, b = ctx.parents
        need_a, need_b = ctx.needs_input_grad
        return (sum_to(grad * b, a.shape) if need_a else None,
                sum_to(grad * a, b.shape) if need_b else None)


class Div(Function):
    promotes = True
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

    def backward_graph(ctx, grad, out):
        a, b = ctx.parents
        need_a, need_b = ctx.needs_input_grad
        grad_over_b = grad / b
        return (sum_to(grad_over_b, a.shape) if need_a else None,
                sum_to(-grad_over_b * out, b.shape) if need_b else None)


class Neg(Function):
    def forward(ctx, x):
        return -x

    def backward(ctx, grad):
        return -grad

    def backward_graph(ctx, grad, out):
        return -grad


class Pow(Function):
    """`base ** exponent`; either may be a tensor (d/d exponent = out * log(base))."""
    promotes = True

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

    def backward_graph(ctx, grad, out):
        base, exponent = ctx.parents
        need_base, need_exponent = ctx.needs_input_grad
        grad_base = grad_exponent = None
        if need_base:  # 0 where exponent == 0, as backward; masked only where the formula
            # reads 0 * inf (base 0 too): elsewhere it is 0 already, and its own derivative
            # with respect to the exponent (1 / base) must stay in the graph
            d_base = exponent * base ** (exponent - 1)
            zero = (exponent.data == 0) & (base.data == 0)
            if zero.any():
                d_base = Where.apply(zero, 0.0, d_base)
            grad_base = sum_to(grad * d_base, base.shape)
        if need_exponent:  # 0 where base == 0 <= exponent; log of 1 there keeps it finite
            zero = (base.data == 0) & (exponent.data >= 0)
            log_base = (Where.apply(zero, 1.0, base) if zero.any() else base).log()
            d_exponent = out * log_base
            if zero.any():
                d_exponent = Where.apply(zero, 0.0, d_exponent)
            grad_exponent = sum_to(grad * d_exponent, exponent.shape)
        return grad_base, grad_exponent


class Exp(Function):
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out

    def backward_graph(ctx, grad, out):
        return grad * out


class Log(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / x

    def backward_graph(ctx, grad, out):
        return grad / ctx.parents[0]


class Sqrt(Function):
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad / (2 * out)

    def backward_graph(ctx, grad, out):
        return grad / (2 * out)


class Abs(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * np.sign(x)

    def backward_graph(ctx, grad, out):  # the sign is constant where the derivative exists
        return grad * np.sign(ctx.parents[0].data)


class Relu(Function):
    in_place_backward = True

    def forward(ctx, x):
        ctx.save_for_backward(x)
        if x.nbytes < recycle.MIN_BYTES:  # small: malloc reuses it, and no call to ask
            return np.maximum(x, 0)
        return np.maximum(x, 0, out=recycle.out(x))  # big ones recycled: no page faults

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (x > 0)

    def backward_in_place(ctx, grad):  # grad is the walk's alone: masked where it lies
        x, = ctx.saved_tensors
        # a mask of fewer bytes than recycle keeps is made as usual, without asking it
        mask = recycle.out(x, None, _BOOL) if x.size >= recycle.MIN_BYTES else None
        grad *= (x > 0) if mask is None else np.greater(x, 0, out=mask)
        return grad

    def backward_graph(ctx, grad, out):
        return grad * (ctx.parents[0].data > 0)


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

    def backward_graph(ctx, grad, out):
        return grad * out * (1 - out)


class Tanh(Function):
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (1 - out * out)

    def backward_graph(ctx, grad, out):
        return grad * (1 - out * out)


from .pointwise import Where  # noqa: E402 (pointwise needs nothing from here)
