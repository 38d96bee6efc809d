"""Ops that move elements around without changing them: reshape, transpose, indexing."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .adjoint import scatter_add


class Reshape(Function):
    __slots__ = ("in_shape",)

    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)

    def backward_graph(ctx, grad, out):
        return grad.reshape(ctx.in_shape)


class Transpose(Function):
    """Permute axes (reverse them when `axes` is None), as numpy's `transpose`."""

    __slots__ = ("axes",)

    def forward(ctx, x, axes=None):
        out = x.transpose(axes)  # numpy validates the axes first
        ctx.axes = None if axes is None else tuple([a % x.ndim for a in axes])
        return out

    def backward(ctx, grad):
        if ctx.axes is None:
            return grad.transpose()
        return grad.transpose(np.argsort(ctx.axes))

    def backward_graph(ctx, grad, out):
        if ctx.axes is None:
            return grad.transpose()
        return grad.transpose(tuple([int(a) for a in np.argsort(ctx.axes)]))


def _is_basic(index) -> bool:
    """True for indices made of ints, slices, None and Ellipsis, which never repeat an element."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis
               for p in parts)


class GetItem(Function):
    """`t[index]`: basic slicing and numpy's advanced (integer/boolean array) indexing."""

    __slots__ = ("index",)

    def forward(ctx, x, index):
        index = _unwrap(index)
        ctx.index = index
        ctx.save_for_backward(x)
        try:
            return x[index]
        except IndexError as err:  # still an IndexError (iteration stops on it), with the shape
            raise IndexError(f"getitem: tensor of shape {x.shape}[{_show(index)}]: {err}") \
                from None

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        full = np.zeros_like(x)
        if _is_basic(ctx.index):
            full[ctx.index] = grad
        else:  # an integer array may pick an element twice: add, don't overwrite
            np.add.at(full, ctx.index, grad)
        return full

    def backward_graph(ctx, grad, out):
        return scatter_add(grad, ctx.index, ctx.parents[0].data.shape, _is_basic(ctx.index))


def _show(index):
    """An index as it was written: t[1, ::2] reads 1, ::2."""
    parts = index if isinstance(index, tuple) else (index,)
    return ", ".join(_part(p) for p in parts)


def _part(p):
    if isinstance(p, slice):
        return ":".join("" if v is None else str(v) for v in (p.start, p.stop)) + (
            "" if p.step is None else f":{p.step}")
    if p is Ellipsis:
        return "..."
    if hasattr(p, "shape") and getattr(p, "ndim", 0):
        return f"<{p.dtype} array {p.shape}>"
    return repr(p)


def _unwrap(index):
    """Tensors used as indices stand for their arrays."""
    if isinstance(index, tuple):
        return tuple([p.data if isinstance(p, Tensor) else p for p in index])
    return index.data if isinstance(index, Tensor) else index
