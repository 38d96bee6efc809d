"""Resampling (N, C, L) and (N, C, H, W) arrays: `interpolate` (PyTorch's F.interpolate),
nearest and linear, one spatial axis at a time. Forward is a gather (and for linear a
weighted sum of two); backward folds each output back onto the inputs it took.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, OpError
from .adjoint import scatter_add

_MODES = {"nearest": 0, "nearest-exact": 0, "linear": 1, "bilinear": 2}  # mode: its spatial dims


def _axis_plan(mode: str, size: int, out: int, factor: Any, align_corners: bool,
               dtype: Any, dims: int) -> tuple[Any, Any, Any]:
    """For one axis: the input index each output takes (and, for linear, the next one and
    its weight, else None), computed as PyTorch's CPU kernels compute them, in float32 for
    float32 input (their "opmath") and float64 otherwise."""
    real = np.float32 if dtype == np.float32 else np.float64
    dst = np.arange(out).astype(real)
    if mode == "nearest" or mode == "nearest-exact":
        # PyTorch's 2-D nearest kernel takes two sizes by integer shortcuts, whatever the
        # scale_factor: the same size (a copy) and twice the size (index >> 1); its 1-D
        # kernel does not (only its 1-D backward does, so there the two disagree)
        if mode == "nearest" and dims == 2 and out == size:
            return np.arange(out), None, None
        if mode == "nearest" and dims == 2 and out == 2 * size:
            return np.arange(out) >> 1, None, None
        # compute_scales_value<float>: 1 / scale_factor in double, then float
        scale = np.float32(1.0 / factor) if factor is not None else np.float32(size) / out
        steps = dst.astype(np.float32)  # (i + 0.5) * scale for nearest-exact, in float
        at = (steps + np.float32(0.5)) * scale if mode != "nearest" else steps * scale
        return np.minimum(np.floor(at).astype(np.intp), size - 1), None, None
    if size == out:  # the linear kernels copy an axis whose size stays, whatever the factor
        return np.arange(out), None, None
    if align_corners:
        scale = real((size - 1) / (out - 1)) if out > 1 else real(0)
        src = scale * dst
    else:
        scale = real(1.0 / factor) if factor is not None else real(size) / real(out)
        src = np.maximum(scale * (dst + real(0.5)) - real(0.5), real(0))
    low = np.minimum(src.astype(np.intp), size - 1)
    high = np.minimum(low + 1, size - 1)
    return low, high, src - low


def _fold(grad: Any, axis: int, index: Any, size: int) -> Any:
    """The adjoint of taking `index` (non-decreasing) along `axis` of an input `size` long:
    each input position gets the sum of the outputs that took it (runs, by reduceat)."""
    taken, starts = np.unique(index, return_index=True)
    sums = np.add.reduceat(grad, starts, axis=axis)
    shape = grad.shape[:axis] + (size,) + grad.shape[axis + 1:]
    out = np.zeros_like(grad, shape=shape)
    out[(slice(None),) * axis + (taken,)] = sums
    return out


class Interpolate(Function):
    """Resampling of (N, C, L) or (N, C, H, W) to `size` or by `scale_factor`, as PyTorch's
    F.interpolate: "nearest" (PyTorch's: floor of the scaled index), "nearest-exact", and
    "linear" / "bilinear" (align_corners as PyTorch's). Each spatial axis in turn, the last
    first, as PyTorch's kernels weigh them; the backward folds each axis back. With
    `recompute_scale_factor`, a scale_factor gives the output sizes, and the sizes the
    scale, as PyTorch's."""

    __slots__ = ("plans", "mode")

    def forward(ctx, x, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None):
        op = "interpolate"
        dims = x.ndim - 2
        if mode not in _MODES:
            raise OpError(f"{op}: mode must be 'nearest', 'nearest-exact', 'linear' or "
                          f"'bilinear', got {mode!r}")
        if dims not in (1, 2) or (_MODES[mode] and _MODES[mode] != dims):
            wanted = {"linear": "3-D (N, C, L)", "bilinear": "4-D (N, C, H, W)"}.get(
                mode, "3-D (N, C, L) or 4-D (N, C, H, W)")
            raise OpError(f"{op}: mode {mode!r} needs a {wanted} input, got shape {x.shape}")
        if align_corners is not None and not _MODES[mode]:
            raise OpError(f"{op}: align_corners is only for the linear modes, not {mode!r}")
        if (size is None) == (scale_factor is None):
            raise OpError(f"{op}: give exactly one of size and scale_factor (input {x.shape})")
        spatial = x.shape[2:]
        if size is not None:
            sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * dims
            factors = (None,) * dims
            what = "size"
        else:
            factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) \
                else (scale_factor,) * dims
            what = "scale_factor"
        if len(sizes if size is not None else factors) != dims:
            raise OpError(f"{op}: {what} must be a number or {dims} numbers for input "
                          f"{x.shape}, got {size if size is not None else scale_factor!r}")
        if size is None:
            if not all(isinstance(f, (int, float, np.integer, np.floating)) and
                       not isinstance(f, bool) and f > 0 for f in factors):
                raise OpError(f"{op}: scale_factor must be positive numbers, got "
                              f"{scale_factor!r}")
            sizes = tuple([int(np.floor(n * float(f))) for n, f in zip(spatial, factors)])
            if recompute_scale_factor:
                factors = (None,) * dims
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
                   for n in sizes) or 0 in spatial:
            raise OpError(f"{op}: input {x.shape} to size {sizes}: every size must be an "
                          f"int >= 1, and the input not empty")
        # per axis: (axis, input length, index taken, next index and its weight for linear),
        # the weight in the result's dtype, shaped to meet the axes after `axis`
        ctx.plans, ctx.mode = [], mode
        out = x
        real = x.dtype if x.dtype.kind == "f" else np.float64
        for axis in reversed(range(2, x.ndim)):  # the last axis first
            k = axis - 2
            low, high, weight = _axis_plan(mode, spatial[k], int(sizes[k]),
                                           None if factors[k] is None else float(factors[k]),
                                           bool(align_corners), x.dtype, dims)
            if weight is not None:
                weight = weight.astype(real).reshape((-1,) + (1,) * (x.ndim - 1 - axis))
            ctx.plans.append((axis, spatial[k], low, high, weight))
            source = out
            out = np.take(source, low, axis=axis)  # a new array: np.take copies
            if high is not None:
                out = out * (1 - weight) + np.take(source, high, axis=axis) * weight
        return out

    def backward(ctx, grad):
        for axis, size, low, high, weight in reversed(ctx.plans):
            if high is None:
                grad = _fold(grad, axis, low, size)
            else:
                grad = _fold(grad * (1 - weight), axis, low, size) + \
                    _fold(grad * weight, axis, high, size)
        return grad

    def backward_graph(ctx, grad, out):
        for axis, size, low, high, weight in reversed(ctx.plans):
            shape = grad.shape[:axis] + (size,) + grad.shape[axis + 1:]
            at = (slice(None),) * axis
            if high is None:
                grad = scatter_add(grad, at + (low,), shape)
            else:
                grad = scatter_add(grad * (1 - weight), at + (low,), shape) + \
                    scatter_add(grad * weight, at + (high,), shape)
        return grad

    def viz_detail(ctx) -> str:
        sizes = [len(plan[2]) for plan in reversed(ctx.plans)]
        return f"{ctx.mode} to {'x'.join(str(s) for s in sizes)}"
