"""Resampling (N, C, L), (N, C, H, W) and (N, C, D, H, W) arrays: `interpolate` (PyTorch's
F.interpolate), nearest, linear and bicubic, one spatial axis at a time. Forward is a gather
(for linear a weighted sum of two, for bicubic of four); backward folds each output back onto
the inputs it took.
"""
from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from ..function import Function, OpError
from .adjoint import scatter_add

# mode: the spatial dims it needs (0: any of 1, 2, 3); "area" is adaptive pooling, in
# functional.interpolate
_MODES = {"nearest": 0, "nearest-exact": 0, "linear": 1, "bilinear": 2, "bicubic": 2,
          "trilinear": 3}
_LAYOUTS = {1: "3-D (N, C, L)", 2: "4-D (N, C, H, W)", 3: "5-D (N, C, D, H, W)"}


def cubic_near(x: Any, a: float) -> Any:
    """Keys' cubic convolution kernel for |x| <= 1 (arrays or Tensors alike)."""
    return ((a + 2) * x - (a + 3)) * x * x + 1


def cubic_far(x: Any, a: float) -> Any:
    """Keys' cubic convolution kernel for 1 < |x| < 2."""
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def cubic_taps(t: Any, a: float = -0.75) -> list[Any]:
    """The weights of the four taps around a point at fraction t past the second, as
    PyTorch's get_cubic_upsample_coefficients computes them (a = -0.75, PyTorch's and
    OpenCV's; the constants are exact in float32, so t's dtype is kept)."""
    rest = 1 - t
    return [cubic_far(t + 1, a), cubic_near(t, a), cubic_near(rest, a), cubic_far(rest + 1, a)]


def _axis_plan(mode: str, size: int, out: int, factor: Any, align_corners: bool,
               dtype: Any, dims: int) -> tuple[list[Any], list[Any] | None]:
    """For one axis: the input indices each output takes, one array per tap, and their
    weights (None for nearest: one tap, taken as it is), computed as PyTorch's CPU kernels
    compute them, in float32 for float32 input (their "opmath") and float64 otherwise."""
    real = np.float32 if dtype == np.float32 else np.float64
    dst = np.arange(out).astype(real)
    if mode == "nearest" or mode == "nearest-exact":
        # PyTorch's 2-D nearest kernel takes two sizes by integer shortcuts, whatever the
        # scale_factor: the same size (a copy) and twice the size (index >> 1); its 1-D and
        # 3-D kernels do not (only their backwards do, so there the two disagree: ours is
        # the forward's gradient)
        if mode == "nearest" and dims == 2 and out == size:
            return [np.arange(out)], None
        if mode == "nearest" and dims == 2 and out == 2 * size:
            return [np.arange(out) >> 1], None
        # compute_scales_value<float>: 1 / scale_factor in double, then float
        scale = np.float32(1.0 / factor) if factor is not None else np.float32(size) / out
        steps = dst.astype(np.float32)  # (i + 0.5) * scale for nearest-exact, in float
        at = (steps + np.float32(0.5)) * scale if mode != "nearest" else steps * scale
        return [np.minimum(np.floor(at).astype(np.intp), size - 1)], None
    cubic = mode == "bicubic"
    if size == out and not cubic:  # the linear kernels copy an axis whose size stays
        return [np.arange(out)], None
    if align_corners:
        scale = real((size - 1) / (out - 1)) if out > 1 else real(0)
        src = scale * dst
    else:
        scale = real(1.0 / factor) if factor is not None else real(size) / real(out)
        src = scale * (dst + real(0.5)) - real(0.5)
        if not cubic:  # cubic keeps a source before the first pixel (its taps clamp)
            src = np.maximum(src, real(0))
    if cubic:  # PyTorch's guard_index_and_lambda, then four taps clamped to the axis
        start = np.minimum(np.floor(src).astype(np.intp), size - 1)
        t = np.minimum(np.maximum(src - start, real(0)), real(1))
        return [np.clip(start - 1 + j, 0, size - 1) for j in range(4)], cubic_taps(t)
    low = np.minimum(src.astype(np.intp), size - 1)
    weight = src - low  # the next input's
    return [low, np.minimum(low + 1, size - 1)], [1 - weight, weight]


def _antialiased(mode: str, size: int, out: int, factor: Any, align_corners: bool,
                 dtype: Any) -> tuple[list[Any], list[Any] | None]:
    """`_axis_plan` for antialias=True (PyTorch's, after PIL): each output averages the inputs
    under a filter (triangle for bilinear, Keys' cubic with a = -0.5 for bicubic) stretched
    by the scale when shrinking, its weights normalised to sum to 1. An axis whose size
    stays is left as it is."""
    if size == out:
        return [np.arange(out)], None
    real = np.float32 if dtype == np.float32 else np.float64
    if align_corners:
        scale = real((size - 1) / (out - 1)) if out > 1 else real(0)
    else:
        scale = real(1.0 / factor) if factor is not None else real(size) / real(out)
    reach = real(1 if mode == "bilinear" else 2)  # half the filter's width, unstretched
    support, stretch = (reach * scale, 1 / scale) if scale >= 1 else (reach, real(1))
    center = scale * (np.arange(out).astype(real) + real(0.5))
    first = np.maximum((center - support + real(0.5)).astype(np.intp), 0)
    count = np.minimum((center + support + real(0.5)).astype(np.intp), size) - first
    j = np.arange(int(np.ceil(support)) * 2 + 1)[:, None]  # (taps, out)
    x = np.abs((j + first - center + real(0.5)) * stretch)
    if mode == "bilinear":
        weights = np.maximum(real(0), 1 - x)
    else:  # PIL's cubic, a = -0.5
        weights = np.where(x < 1, cubic_near(x, -0.5), np.where(x < 2, cubic_far(x, -0.5), 0))
    weights = np.where(j < count, weights, 0).astype(real)
    total = weights.sum(axis=0)
    weights = np.where(total != 0, weights / np.where(total != 0, total, 1), weights)
    return [np.minimum(first + k, size - 1) for k in range(len(j))], list(weights)


def _fold(grad: Any, axis: int, index: Any, size: int) -> Any:
    """The adjoint of taking `index` (non-decreasing) along `axis` of an input `size` long:
    each input position gets the sum of the outputs that took it (runs, by reduceat)."""
    taken, starts = np.unique(index, return_index=True)
    sums = np.add.reduceat(grad, starts, axis=axis)
    shape = grad.shape[:axis] + (size,) + grad.shape[axis + 1:]
    out = np.zeros_like(grad, shape=shape)
    out[(slice(None),) * axis + (taken,)] = sums
    return out


def resample_sizes(op: str, shape: tuple[int, ...], size: Any, scale_factor: Any,
                   dims: int) -> tuple[tuple[int, ...], tuple[Any, ...]]:
    """interpolate's checked output sizes, and the scale factor of each axis (None where
    `size` gives them): exactly one of size and scale_factor, a number or `dims` of them;
    a factor gives floor(size * factor), as PyTorch's."""
    if (size is None) == (scale_factor is None):
        raise OpError(f"{op}: give exactly one of size and scale_factor (input {shape})")
    spatial = shape[2:]
    given = size if size is not None else scale_factor
    values = tuple(given) if isinstance(given, (tuple, list)) else (given,) * dims
    if len(values) != dims:
        raise OpError(f"{op}: {'size' if size is not None else 'scale_factor'} must be a "
                      f"number or {dims} numbers for input {shape}, got {given!r}")
    if size is not None:
        sizes, factors = values, (None,) * dims
    else:
        if not all(isinstance(f, (int, float, np.integer, np.floating)) and
                   not isinstance(f, bool) and f > 0 for f in values):
            raise OpError(f"{op}: scale_factor must be positive numbers, got "
                          f"{scale_factor!r}")
        sizes = tuple([int(np.floor(n * float(f))) for n, f in zip(spatial, values)])
        factors = values
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
               for n in sizes) or 0 in spatial:
        raise OpError(f"{op}: input {shape} to size {sizes}: every size must be an "
                      f"int >= 1, and the input not empty")
    return tuple([int(n) for n in sizes]), factors


class Interpolate(Function):
    """Resampling of (N, C, L), (N, C, H, W) or (N, C, D, H, W) to `size` or by
    `scale_factor`, as PyTorch's F.interpolate: "nearest" (PyTorch's: floor of the scaled
    index), "nearest-exact", "linear" / "bilinear" / "trilinear", and "bicubic" (cubic
    convolution with a = -0.75, taps beyond the border clamped to it; align_corners as
    PyTorch's). Each spatial axis in turn, the last first, as PyTorch's kernels weigh them;
    the backward folds each axis back. With `recompute_scale_factor`, a scale_factor gives
    the output sizes, and the sizes the scale, as PyTorch's."""

    __slots__ = ("plans", "mode")

    def forward(ctx, x, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
        op = "interpolate"
        dims = x.ndim - 2
        if antialias and (mode not in ("bilinear", "bicubic") or x.ndim != 4):
            raise OpError(f"{op}: antialias=True is for the bilinear and bicubic modes on a "
                          f"4-D (N, C, H, W) input, got mode {mode!r} and shape {x.shape}")
        if mode not in _MODES:
            raise OpError(f"{op}: mode must be 'nearest', 'nearest-exact', 'linear', "
                          f"'bilinear', 'bicubic', 'trilinear' or 'area', got {mode!r}")
        if dims not in _LAYOUTS or (_MODES[mode] and _MODES[mode] != dims):
            wanted = _LAYOUTS[_MODES[mode]] if _MODES[mode] else \
                "3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W)"
            raise OpError(f"{op}: mode {mode!r} needs a {wanted} input, got shape {x.shape}")
        if align_corners is not None and not _MODES[mode]:
            raise OpError(f"{op}: align_corners is only for the linear modes, not {mode!r}")
        spatial = x.shape[2:]
        sizes, factors = resample_sizes(op, x.shape, size, scale_factor, dims)
        if size is None and recompute_scale_factor:
            factors = (None,) * dims
        # per axis: (axis, input length, index taken, next index and its weight for linear),
        # the weight in the result's dtype, shaped to meet the axes after `axis`
        ctx.plans, ctx.mode = [], mode
        out = x
        real = x.dtype if x.dtype.kind == "f" else np.float64
        plan = _antialiased if antialias else partial(_axis_plan, dims=dims)
        for axis in reversed(range(2, x.ndim)):  # the last axis first
            k = axis - 2
            taps, weights = plan(mode, spatial[k], int(sizes[k]),
                                 None if factors[k] is None else float(factors[k]),
                                 bool(align_corners), x.dtype)
            if weights is not None:  # shaped to meet the axes after `axis`
                weights = [w.astype(real).reshape((-1,) + (1,) * (x.ndim - 1 - axis))
                           for w in weights]
            ctx.plans.append((axis, spatial[k], taps, weights))
            source = out
            out = np.take(source, taps[0], axis=axis)  # a new array: np.take copies
            if weights is not None:  # left to right, as PyTorch's kernels add them
                out = out * weights[0]
                for tap, weight in zip(taps[1:], weights[1:]):
                    out = out + np.take(source, tap, axis=axis) * weight
        return out

    def backward(ctx, grad):
        for axis, size, taps, weights in reversed(ctx.plans):
            if weights is None:
                grad = _fold(grad, axis, taps[0], size)
                continue
            folded = _fold(grad * weights[0], axis, taps[0], size)
            for tap, weight in zip(taps[1:], weights[1:]):
                folded = folded + _fold(grad * weight, axis, tap, size)
            grad = folded
        return grad

    def backward_graph(ctx, grad, out):
        for axis, size, taps, weights in reversed(ctx.plans):
            shape = grad.shape[:axis] + (size,) + grad.shape[axis + 1:]
            at = (slice(None),) * axis
            if weights is None:
                grad = scatter_add(grad, at + (taps[0],), shape)
                continue
            folded = scatter_add(grad * weights[0], at + (taps[0],), shape)
            for tap, weight in zip(taps[1:], weights[1:]):
                folded = folded + scatter_add(grad * weight, at + (tap,), shape)
            grad = folded
        return grad

    def viz_detail(ctx) -> str:
        sizes = [len(plan[2][0]) for plan in reversed(ctx.plans)]
        return f"{ctx.mode} to {'x'.join(str(s) for s in sizes)}"
