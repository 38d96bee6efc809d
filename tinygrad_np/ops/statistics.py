"""More reductions: var, std, prod, logsumexp, norm (2-norm), and cumsum."""
from __future__ import annotations

import math

import numpy as np

from ..function import Function, OpError
from .adjoint import expand_reduced
from .pointwise import Where
from .reduce import _expand


def _axes(axis, ndim, op):
    """`axis` (None, an int or a tuple, negatives allowed) as a sorted tuple of axes >= 0."""
    axes = tuple(range(ndim)) if axis is None else (axis,) if isinstance(axis, int) else axis
    if not all(isinstance(a, (int, np.integer)) and -ndim <= a < ndim for a in axes):
        raise OpError(f"{op}: axis {axis!r} is out of range for an input with {ndim} "
                      f"dimensions")
    normal = tuple(sorted(a % ndim for a in axes))
    if len(set(normal)) != len(normal):
        raise OpError(f"{op}: axis {axis!r} repeats an axis")
    return normal


def _count(x, axis, op):
    """How many elements each result of a reduction over `axis` combines."""
    return math.prod(x.shape[a] for a in _axes(axis, x.ndim, op))


class Var(Function):
    """Variance, sum((x - mean)^2) / (n - ddof), as numpy's `var`."""

    __slots__ = ("axis", "keepdims", "divisor")

    def forward(ctx, x, axis=None, keepdims=False, ddof=0):
        n = _count(x, axis, "var")
        centred = x - x.mean(axis=axis, keepdims=True)
        ctx.axis, ctx.keepdims, ctx.divisor = axis, keepdims, max(n - ddof, 0)
        ctx.save_for_backward(centred)
        return (centred * centred).sum(axis=axis, keepdims=keepdims) / ctx.divisor

    def backward(ctx, grad):
        centred, = ctx.saved_tensors
        grad = _expand(grad, centred.shape, ctx.axis, ctx.keepdims)
        if not ctx.divisor:
            return grad * _no_freedom(centred, ctx.axis)
        return grad * centred * (2 / ctx.divisor)

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        grad = expand_reduced(grad, x.shape, ctx.axis, ctx.keepdims)
        centred = x - x.mean(axis=ctx.axis, keepdims=True)
        if not ctx.divisor:
            return grad * _no_freedom(centred.data, ctx.axis)
        return grad * centred * (2 / ctx.divisor)


def _no_freedom(centred, axis):
    """Var's d out / d x with no degrees of freedom left (n <= ddof, the forward's nan or
    inf), as PyTorch's rather than Python's ZeroDivisionError: 2 / 0 = inf times x - mean
    over an axis, and over all axes inf, either way nan where x is its mean."""
    if axis is None:
        return np.where(centred == 0, math.nan, math.inf)
    with np.errstate(invalid="ignore"):  # inf * 0 is nan, quietly
        return centred * math.inf


class Std(Function):
    """Standard deviation, sqrt(var) with the same `ddof`."""

    __slots__ = ("axis", "keepdims", "divisor")

    def forward(ctx, x, axis=None, keepdims=False, ddof=0):
        n = _count(x, axis, "std")
        centred = x - x.mean(axis=axis, keepdims=True)
        ctx.axis, ctx.keepdims, ctx.divisor = axis, keepdims, max(n - ddof, 0)
        out = np.sqrt((centred * centred).sum(axis=axis, keepdims=keepdims) / ctx.divisor)
        ctx.save_for_backward(centred, out)
        return out

    def backward(ctx, grad):
        centred, out = ctx.saved_tensors
        # grad / ((n - ddof) std), 0 where std is 0 (a constant line), as PyTorch's, not
        # 0 / 0. With no degrees of freedom left (n <= ddof) it is nan, as PyTorch's: the
        # divisor is then taken as nan, not 0 (no ZeroDivisionError, no inf * 0 warning)
        zero = out == 0
        scale = np.where(zero, 0, grad / (np.where(zero, 1, out) * (ctx.divisor or math.nan)))
        return _expand(scale, centred.shape, ctx.axis, ctx.keepdims) * centred

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        centred = x - x.mean(axis=ctx.axis, keepdims=True)
        zero = out.data == 0
        scale = (grad / (out.where(~zero, 1.0) * (ctx.divisor or math.nan))).where(~zero, 0.0)
        return expand_reduced(scale, x.shape, ctx.axis, ctx.keepdims) * centred


class Prod(Function):
    """Product of the elements. The gradient of each element is the product of all the
    others (prefix times suffix products), so zeros in the input are handled exactly."""

    __slots__ = ("axis", "keepdims")

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axis, ctx.keepdims = axis, keepdims
        ctx.save_for_backward(x)
        return x.prod(axis=axis, keepdims=keepdims)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        axes = _axes(ctx.axis, x.ndim, "prod")
        kept = tuple([a for a in range(x.ndim) if a not in axes])
        order = kept + axes
        moved = x.transpose(order)
        rows = moved.reshape(moved.shape[:len(kept)] + (-1,))  # reduced elements last
        one = np.ones_like(rows[..., :1])
        before = np.cumprod(np.concatenate([one, rows[..., :-1]], axis=-1), axis=-1)
        after = np.flip(np.cumprod(np.flip(np.concatenate([rows[..., 1:], one], axis=-1),
                                           axis=-1), axis=-1), axis=-1)
        others = (before * after).reshape(moved.shape).transpose(np.argsort(order))
        return _expand(grad, x.shape, ctx.axis, ctx.keepdims) * others

    def backward_graph(ctx, grad, out):
        # The product of the others, from Tensor ops, exact with zeros: row i of an (n, n)
        # matrix holds the reduced elements with the i-th replaced by 1, and its product is
        # d out / d x_i. O(n^2) memory per result, only when create_graph=True.
        x = ctx.parents[0]
        axes = _axes(ctx.axis, x.ndim, "prod")
        kept = tuple([a for a in range(x.ndim) if a not in axes])
        order = kept + axes
        moved = x.transpose(order) if x.ndim else x
        lead = moved.shape[:len(kept)]
        rows = moved.reshape(lead + (-1,))
        n = rows.shape[-1]
        square = rows.reshape(lead + (1, n)).broadcast_to(lead + (n, n))
        others = Where.apply(np.eye(n, dtype=bool), 1.0, square).prod(axis=-1)
        others = others.reshape(moved.shape)
        if x.ndim:
            others = others.transpose(tuple([int(a) for a in np.argsort(order)]))
        return expand_reduced(grad, x.shape, ctx.axis, ctx.keepdims) * others


class LogSumExp(Function):
    """log(sum(exp(x))), shifted by the max so it never overflows; the gradient is the
    softmax, taken from the shifted exponentials (exact even when the result is large)."""

    __slots__ = ("axis", "keepdims")

    def forward(ctx, x, axis=None, keepdims=False):
        if x.size:
            top = x.max(axis=axis, keepdims=True)
        else:  # an empty sum (numpy's max has none to take): log(0) = -inf, as PyTorch's
            top = x.max(axis=axis, keepdims=True, initial=-np.inf)
        top = np.where(np.isfinite(top), top, 0)  # all -inf (or an inf): no shift
        e = np.exp(x - top)
        total = e.sum(axis=axis, keepdims=True)
        with np.errstate(divide="ignore"):  # every element -inf: the answer is -inf
            out = np.log(total) + top
        ctx.axis, ctx.keepdims = axis, keepdims
        ctx.save_for_backward(e, total)
        if keepdims:
            return out
        return out.reshape(()) if axis is None else out.squeeze(axis)

    def backward(ctx, grad):
        e, total = ctx.saved_tensors
        return _expand(grad, e.shape, ctx.axis, ctx.keepdims) * (e / total)

    def backward_graph(ctx, grad, out):  # the softmax exp(x - out), from the Tensors
        x = ctx.parents[0]
        shift = expand_reduced(out, x.shape, ctx.axis, ctx.keepdims)
        return expand_reduced(grad, x.shape, ctx.axis, ctx.keepdims) * (x - shift).exp()


class Norm(Function):
    """The 2-norm sqrt(sum(x^2)) over `axis` (all by default). Its gradient x / norm is
    taken as 0 where the norm is 0."""

    __slots__ = ("axis", "keepdims")

    def forward(ctx, x, axis=None, keepdims=False):
        out = np.sqrt((x * x).sum(axis=axis, keepdims=keepdims))
        ctx.axis, ctx.keepdims = axis, keepdims
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        safe = np.where(out == 0, 1, out)
        scale = np.where(out == 0, 0, grad / safe)
        return _expand(scale, x.shape, ctx.axis, ctx.keepdims) * x

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        zero = out.data == 0
        if zero.any():
            scale = Where.apply(zero, 0.0, grad / Where.apply(zero, 1.0, out))
        else:
            scale = grad / out
        return expand_reduced(scale, x.shape, ctx.axis, ctx.keepdims) * x


class Cumsum(Function):
    """Running sum along `axis` (over the flattened input when axis is None, as numpy)."""

    __slots__ = ("axis", "in_shape")

    def forward(ctx, x, axis=None):
        if axis is not None and not -max(x.ndim, 1) <= axis < max(x.ndim, 1):
            raise OpError(f"cumsum: axis {axis} is out of range for input of shape {x.shape}")
        ctx.axis, ctx.in_shape = axis, x.shape
        if not x.ndim and axis is not None:  # along axis 0 (or -1) of a 0-d input: itself,
            return x.copy()  # 0-d as PyTorch's, not numpy's (1,)
        return np.cumsum(x, axis=axis)

    def backward(ctx, grad):
        if not grad.ndim:
            return grad
        axis = -1 if ctx.axis is None else ctx.axis
        # each input element feeds every output at or after it: a reversed running sum
        total = np.flip(np.cumsum(np.flip(grad, axis=axis), axis=axis), axis=axis)
        return total.reshape(ctx.in_shape)

    def backward_graph(ctx, grad, out):
        if not grad.ndim:
            return grad * 1.0
        axis = -1 if ctx.axis is None else ctx.axis
        return grad.flip(axis).cumsum(axis).flip(axis).reshape(ctx.in_shape)
