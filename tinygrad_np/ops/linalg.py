"""Matrix product for 1-D, 2-D and batched (broadcast) operands, as numpy's `@`."""
from __future__ import annotations

import numpy as np

from .. import recycle
from ..function import Function, OpError, unbroadcast
from .adjoint import sum_to


class MatMul(Function):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return a @ b
        except ValueError:  # checked only on failure, to keep the hot path to one call
            raise OpError(_mismatch(a, b)) from None

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case, without reshaping
            grad_b = None
            if need_b:
                # a big weight's gradient goes into a recycled array: the walk adds it into
                # the weight's .grad, and the optimizer's update then reuses the array while
                # it is still in cache (see SGD._plain_step)
                target = recycle.out(b) if grad.dtype is b.dtype is a.dtype else None
                grad_b = a.T @ grad if target is None else np.matmul(a.T, grad, out=target)
            return (grad @ b.T if need_a else None), grad_b
        # Treat vectors as matrices (a row on the left, a column on the right), then undo.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:  # first: for vector . vector the gradient is 0-d
            grad = grad[..., None]
        if a.ndim == 1:
            grad = grad[..., None, :]
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ b2.swapaxes(-1, -2)
            grad_a = unbroadcast(grad_a[..., 0, :] if a.ndim == 1 else grad_a, a.shape)
        if need_b:
            grad_b = a2.swapaxes(-1, -2) @ grad
            grad_b = unbroadcast(grad_b[..., 0] if b.ndim == 1 else grad_b, b.shape)
        return grad_a, grad_b

    def backward_graph(ctx, grad, out):  # backward's steps, on Tensors
        a, b = ctx.parents
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:
            return (grad @ b.T if need_a else None), (a.T @ grad if need_b else None)
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        if b.ndim == 1:
            grad = grad.reshape(grad.shape + (1,))
        if a.ndim == 1:
            grad = grad.reshape(grad.shape[:-1] + (1,) + grad.shape[-1:])
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ _swap_last(b2)
            grad_a = sum_to(grad_a[..., 0, :] if a.ndim == 1 else grad_a, a.shape)
        if need_b:
            grad_b = _swap_last(a2) @ grad
            grad_b = sum_to(grad_b[..., 0] if b.ndim == 1 else grad_b, b.shape)
        return grad_a, grad_b


def _swap_last(t):
    """A Tensor with its last two axes swapped (ndarray.swapaxes(-1, -2))."""
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return t.transpose(tuple(axes))


def _mismatch(a, b) -> str:
    """Why `a @ b` fails, in terms of the two shapes."""
    if a.ndim == 0 or b.ndim == 0:
        return (f"MatMul: both operands need at least 1 dimension, got shapes {a.shape} and "
                f"{b.shape} (use * to scale by a scalar)")
    inner = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != inner:
        return (f"MatMul: shapes {a.shape} and {b.shape} are not aligned: the last axis of the "
                f"left ({a.shape[-1]}) must equal the {'only' if b.ndim == 1 else 'second-to-last'}"
                f" axis of the right ({inner})")
    return (f"MatMul: the batch axes of shapes {a.shape} and {b.shape} do not broadcast "
            f"(all but the last two axes must)")
