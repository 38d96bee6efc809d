"""The ops that differentiable backwards (`backward_graph`, create_graph=True) are made of,
beyond the ordinary ones: summing back to a shape (the adjoint of broadcasting), scattering
into zeros (the adjoint of indexing), and a dtype cast.

Each is a `Function` like any other, with its own `backward_graph`, so gradients built from
them can be differentiated again, to any order.
"""
from __future__ import annotations

import numpy as np

from ..function import Function, unbroadcast


class SumTo(Function):
    """Sum `x` down to `shape`, undoing numpy broadcasting (`unbroadcast` as an op)."""

    __slots__ = ("in_shape",)

    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return unbroadcast(x, shape)

    def backward(ctx, grad):
        return np.broadcast_to(grad, ctx.in_shape)

    def backward_graph(ctx, grad, out):
        return grad.broadcast_to(ctx.in_shape)


class ScatterAdd(Function):
    """Zeros of `shape` with `x` added at `index` (repeated indices add): the adjoint of
    `array[index]`."""

    __slots__ = ("index", "basic")

    def forward(ctx, x, index, shape, basic=False):
        full = np.zeros_like(x, shape=shape)  # made from x: neutral, and a jit records it
        if basic:  # ints, slices, None, Ellipsis: never the same element twice
            full[index] = x
        else:
            np.add.at(full, index, x)
        ctx.index = index
        return full

    def backward(ctx, grad):
        return grad[ctx.index]

    def backward_graph(ctx, grad, out):
        return grad[ctx.index]


class Cast(Function):
    """`x.astype(dtype)`; the gradient goes back in x's dtype."""

    __slots__ = ("in_dtype",)

    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    def backward(ctx, grad):
        return grad.astype(ctx.in_dtype)

    def backward_graph(ctx, grad, out):
        return Cast.apply(grad, dtype=ctx.in_dtype)


# -- helpers the backward_graph bodies share --------------------------------------------------
def sum_to(grad, shape):
    """`unbroadcast` on Tensors: `grad` summed back to `shape`, differentiably."""
    return grad if grad.data.shape == tuple(shape) else SumTo.apply(grad, shape=tuple(shape))


def scatter_add(grad, index, shape, basic=False):
    """Zeros of `shape` with the Tensor `grad` added at `index`, differentiably."""
    return ScatterAdd.apply(grad, index=index, shape=shape, basic=basic)


def cast_like(tensor, dtype):
    """`tensor` in `dtype` (itself when it already is)."""
    return tensor if tensor.data.dtype == dtype else Cast.apply(tensor, dtype=dtype)


def expand_reduced(grad, shape, axis, keepdims):
    """A reduction's gradient (a Tensor) with its reduced axes back as size 1, ready to
    broadcast against the input of `shape` (`reduce._expand` on Tensors)."""
    if keepdims or not shape:
        return grad
    ndim = len(shape)
    axes = range(ndim) if axis is None else (axis,) if isinstance(axis, (int, np.integer)) \
        else axis
    reduced = {int(a) % ndim for a in axes}
    return grad.reshape(tuple([1 if i in reduced else n for i, n in enumerate(shape)]))
