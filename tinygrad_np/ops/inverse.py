"""Square matrices (the last two axes, batched): the inverse, the determinant and the linear
solve A X = B, with their gradients:

    d inv(A)   = -inv(A) dA inv(A)           grad_A = -inv(A)^T G inv(A)^T
    d det(A)   = det(A) tr(inv(A) dA)        grad_A = G det(A) inv(A)^T
    X = A^-1 B                               grad_B = solve(A^T, G),  grad_A = -grad_B X^T
"""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError, unbroadcast
from .adjoint import sum_to
from .linalg import _swap_last


def _square(op, a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise OpError(f"{op}: expected square matrices in the last two axes, got shape "
                      f"{a.shape}")


def _inverse(op, a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise OpError(f"{op}: a matrix of shape {a.shape[-2:]} in the input of shape "
                      f"{a.shape} is singular") from None


class Inverse(Function):
    def forward(ctx, a):
        _square("inv", a)
        out = _inverse("inv", a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        inv_t = ctx.saved_tensors[0].swapaxes(-1, -2)
        return -(inv_t @ grad @ inv_t)

    def backward_graph(ctx, grad, out):  # on Tensors: out carries the graph of the input
        inv_t = _swap_last(out)
        return -(inv_t @ grad @ inv_t)


class Det(Function):
    """The determinant; its gradient uses the inverse, so a singular matrix's is refused."""

    def forward(ctx, a):
        _square("det", a)
        out = np.linalg.det(a)  # a numpy scalar for one matrix: apply makes it 0-d
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        a, det = ctx.saved_tensors
        scale = (grad * det)[..., None, None]
        return (scale * _inverse("det (its gradient)", a).swapaxes(-1, -2)).astype(a.dtype)

    def backward_graph(ctx, grad, out):
        a, = ctx.parents
        scale = (grad * out).reshape(grad.shape + (1, 1))
        return scale * _swap_last(Inverse.apply(a))


class Solve(Function):
    """X with A X = B. B is a vector, or a batch of vectors when its shape is A's without
    the last axis (PyTorch's rule), else a batch of matrices; batch axes broadcast."""

    def forward(ctx, a, b):
        _square("solve", a)
        ctx.vector = b.ndim == 1 or b.shape == a.shape[:-1]
        rhs = b[..., None] if ctx.vector else b
        if rhs.ndim < 2 or rhs.shape[-2] != a.shape[-1]:
            raise OpError(f"solve: B of shape {b.shape} must have {a.shape[-1]} rows (A is "
                          f"{a.shape})")
        a_full = np.broadcast_to(a, np.broadcast_shapes(a.shape[:-2], rhs.shape[:-2])
                                 + a.shape[-2:])
        try:
            x = np.linalg.solve(a_full, rhs)
        except np.linalg.LinAlgError:
            raise OpError(f"solve: A of shape {a.shape} is singular") from None
        ctx.save_for_backward(a_full, x)
        return x[..., 0] if ctx.vector else x

    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        g = grad[..., None] if ctx.vector else grad
        grad_b = np.linalg.solve(a.swapaxes(-1, -2), g)
        grad_a = -(grad_b @ x.swapaxes(-1, -2))
        a_shape, b_shape = ctx.parents[0].shape, ctx.parents[1].shape
        return (unbroadcast(grad_a, a_shape),
                unbroadcast(grad_b[..., 0] if ctx.vector else grad_b, b_shape))

    def backward_graph(ctx, grad, out):
        a, b = ctx.parents
        x = out.reshape(out.shape + (1,)) if ctx.vector else out
        g = grad.reshape(grad.shape + (1,)) if ctx.vector else grad
        grad_b = Solve.apply(_swap_last(a), g)
        grad_a = -(grad_b @ _swap_last(x))
        grad_b = grad_b.reshape(grad_b.shape[:-1]) if ctx.vector else grad_b
        return sum_to(grad_a, a.shape), sum_to(grad_b, b.shape)
