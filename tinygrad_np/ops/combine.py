"""Ops that join, stretch, mirror and pad: cat, stack, broadcast_to, flip, pad.

(split, chunk, squeeze and unsqueeze are slices and reshapes of the ops in shape.py.)
"""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError, unbroadcast
from .adjoint import sum_to


def _check_axis(axis, ndim, op, shapes):
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise OpError(f"{op}: axis {axis!r} is out of range for inputs of shapes "
                      f"{', '.join(map(str, shapes))}")
    return int(axis) % ndim


class Cat(Function):
    """Join tensors along an existing axis (numpy's `concatenate`)."""

    __slots__ = ("axis", "ends")

    def forward(ctx, *arrays, axis=0):
        shapes = [a.shape for a in arrays]
        if not arrays:
            raise OpError("cat: expected at least one tensor")
        ndim = arrays[0].ndim
        if ndim == 0 or any(a.ndim != ndim for a in arrays):
            raise OpError(f"cat: inputs of shapes {', '.join(map(str, shapes))}: all must have "
                          f"the same number of dimensions, at least 1")
        axis = _check_axis(axis, ndim, "cat", shapes)
        others = {s[:axis] + s[axis + 1:] for s in shapes}
        if len(others) > 1:
            raise OpError(f"cat: inputs of shapes {', '.join(map(str, shapes))} differ in an "
                          f"axis other than axis {axis}, along which they are joined")
        ctx.axis = axis
        ctx.ends = np.cumsum([s[axis] for s in shapes]).tolist()
        return np.concatenate(arrays, axis=axis)

    def backward(ctx, grad):
        pieces = np.split(grad, ctx.ends[:-1], axis=ctx.axis)
        return tuple(pieces) if len(pieces) > 1 else pieces[0]

    def backward_graph(ctx, grad, out):
        lead = (slice(None),) * ctx.axis
        starts = [0, *ctx.ends[:-1]]
        pieces = tuple([grad[lead + (slice(start, end),)]
                       for start, end in zip(starts, ctx.ends)])
        return pieces if len(pieces) > 1 else pieces[0]


class Stack(Function):
    """Join same-shaped tensors along a new axis."""

    __slots__ = ("axis",)

    def forward(ctx, *arrays, axis=0):
        shapes = [a.shape for a in arrays]
        if not arrays:
            raise OpError("stack: expected at least one tensor")
        if len(set(shapes)) > 1:
            raise OpError(f"stack: inputs of shapes {', '.join(map(str, shapes))}: all must "
                          f"have the same shape")
        ctx.axis = _check_axis(axis, arrays[0].ndim + 1, "stack", shapes)
        return np.stack(arrays, axis=ctx.axis)

    def backward(ctx, grad):
        lead = (slice(None),) * ctx.axis
        pieces = tuple([grad[lead + (i,)] for i in range(grad.shape[ctx.axis])])
        return pieces if len(pieces) > 1 else pieces[0]

    def backward_graph(ctx, grad, out):  # the same indexing, on the Tensor
        lead = (slice(None),) * ctx.axis
        pieces = tuple([grad[lead + (i,)] for i in range(grad.shape[ctx.axis])])
        return pieces if len(pieces) > 1 else pieces[0]


class BroadcastTo(Function):
    """Stretch size-1 axes and add leading ones, as numpy's `broadcast_to` (a read-only
    view: nothing is copied). The gradient sums over what was stretched."""

    __slots__ = ("in_shape",)

    def forward(ctx, x, shape):
        try:
            out = np.broadcast_to(x, shape)
        except ValueError:
            raise OpError(f"broadcast_to: input of shape {x.shape} cannot be broadcast to "
                          f"{tuple(shape)} (each axis must match or be 1, aligned from the "
                          f"right)") from None
        ctx.in_shape = x.shape
        return out

    def backward(ctx, grad):
        return unbroadcast(grad, ctx.in_shape)

    def backward_graph(ctx, grad, out):
        return sum_to(grad, ctx.in_shape)


class Flip(Function):
    """Reverse the order of elements along `axis` (all axes when None)."""

    __slots__ = ("axis",)

    def forward(ctx, x, axis=None):
        if axis is not None:
            axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
            for a in axes:
                _check_axis(a, x.ndim, "flip", [x.shape])
        ctx.axis = axis
        return np.flip(x, axis=axis)

    def backward(ctx, grad):
        return np.flip(grad, axis=ctx.axis)

    def backward_graph(ctx, grad, out):
        return grad.flip(ctx.axis)


# PyTorch's names for the ways to pad, and numpy's (np.pad takes the latter)
PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "edge": "edge",
             "circular": "wrap", "wrap": "wrap"}


class Pad(Function):
    """Pad, `pad_width` as numpy's `pad` takes it: an int, (before, after), or one (before,
    after) per axis. `mode`: "constant" (`value`), "reflect" (mirrored, the edge not
    repeated), "replicate" (the edge repeated; numpy's "edge") or "circular" (wrapped
    around; numpy's "wrap"), as PyTorch's F.pad pads. A padded element's gradient goes back
    to the element it copies."""

    __slots__ = ("inner", "widths", "mode")

    def forward(ctx, x, pad_width, value=0.0, mode="constant"):
        try:
            widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
        except (ValueError, TypeError):
            raise OpError(f"pad: input of shape {x.shape}: pad_width {pad_width!r} must be an "
                          f"int, (before, after) or {x.ndim} (before, after) pairs") from None
        if (widths < 0).any():
            raise OpError(f"pad: input of shape {x.shape}: pad_width {pad_width!r} has a "
                          f"negative width")
        widths = [(int(b), int(a)) for b, a in widths]
        np_mode = PAD_MODES.get(mode) if isinstance(mode, str) else None
        if np_mode is None:
            raise OpError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                          f"'circular', got {mode!r}")
        if np_mode != "constant":
            _check_widths(x.shape, widths, mode, np_mode)
            if value != 0:
                raise OpError(f"pad: a value ({value!r}) is only for mode 'constant', not "
                              f"{mode!r}")
        ctx.inner = tuple([slice(b, b + n) for (b, _), n in zip(widths, x.shape)])
        ctx.widths, ctx.mode = widths, np_mode
        if np_mode == "constant":
            return np.pad(x, widths, mode="constant", constant_values=value)
        return np.pad(x, widths, mode=np_mode)

    def backward(ctx, grad):
        return grad[ctx.inner] if ctx.mode == "constant" else ctx._folded(grad, _fold)

    def backward_graph(ctx, grad, out):
        return grad[ctx.inner] if ctx.mode == "constant" else ctx._folded(grad, _fold_tensor)

    def _folded(ctx, grad, fold):
        # np.pad pads one axis after another, so the gradient folds back the same way, last
        # axis first: each padded row or column is added into the one it copies.
        for axis in reversed(range(grad.ndim)):
            before, after = ctx.widths[axis]
            if before or after:
                grad = fold(grad, axis, before, after, ctx.mode)
        return grad

    def viz_detail(ctx) -> str:  # e.g. "reflect, widths (0, 0), (0, 0), (1, 1)"
        name = {"edge": "replicate", "wrap": "circular"}.get(ctx.mode, ctx.mode)
        return f"{name}, widths " + ", ".join(str(pair) for pair in ctx.widths)


def _check_widths(shape, widths, mode, np_mode):
    """PyTorch's limits: reflect pads less than the axis is long, circular at most as long;
    replicate needs an element to repeat."""
    for axis, ((before, after), n) in enumerate(zip(widths, shape)):
        if not before and not after:
            continue
        if (np_mode == "reflect" and max(before, after) >= n) or \
                (np_mode == "wrap" and max(before, after) > n) or n == 0:
            limit = "less than" if np_mode == "reflect" else "at most"
            raise OpError(f"pad: input of shape {shape}: mode {mode!r} pads axis {axis} by "
                          f"({before}, {after}), which must be {limit} its size {n}")


def _copies(grad, axis, before, after, np_mode):
    """Along one padded axis of `grad`: the input's length n, the index of the inner part,
    and (padded position, the input position it copies) for each padded position."""
    n = grad.shape[axis] - before - after
    sources = np.pad(np.arange(n), (before, after), mode=np_mode)
    inner = [slice(None)] * grad.ndim
    inner[axis] = slice(before, before + n)
    padded = [*range(before), *range(before + n, before + n + after)]
    return n, tuple(inner), [(position, int(sources[position])) for position in padded]


def _at(ndim, axis, where):
    return (slice(None),) * axis + (where,) + (slice(None),) * (ndim - axis - 1)


def _fold(grad, axis, before, after, np_mode):
    """The gradient along one padded axis: the inner part, plus each padded position's
    gradient added where it was copied from (a loop over the few padded positions)."""
    _, inner, copies = _copies(grad, axis, before, after, np_mode)
    out = grad[inner].copy()
    for position, source in copies:
        out[_at(grad.ndim, axis, source)] += grad[_at(grad.ndim, axis, position)]
    return out


def _fold_tensor(grad, axis, before, after, np_mode):
    """`_fold` with Tensor ops (create_graph=True): each padded slice is padded back, with
    zeros, to the place it was copied from, and added."""
    n, inner, copies = _copies(grad, axis, before, after, np_mode)
    out = grad[inner]
    for position, source in copies:
        widths = [(0, 0)] * grad.ndim
        widths[axis] = (source, n - 1 - source)
        out = out + Pad.apply(grad[_at(grad.ndim, axis, slice(position, position + 1))],
                              pad_width=widths)
    return out
