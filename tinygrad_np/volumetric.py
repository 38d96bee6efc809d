"""3-D convolutions and pools on (N, C, D, H, W), made of the 2-D ops: conv3d,
conv_transpose3d, max_pool3d, avg_pool3d and adaptive_avg_pool3d, with PyTorch's arguments
and meanings (and one unbatched (C, D, H, W) input too).

A 3-D window is a 2-D window on every depth slice, over kd slices: so conv3d is kd conv2d
calls, one per kernel depth, each on every output depth's slice at once (the depth folded
into the batch), added up; conv_transpose3d spreads kd conv_transpose2d results along the
depth; the pools pool each slice in 2-D, then across the depth window (a maximum taken as
the first largest along the depth, so ties go where PyTorch's go; an average with the depth
part of PyTorch's divisor). Gradients, double backward and jit come from those ops.

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> conv3d(Tensor(np.ones((1, 1, 3, 3, 3))), Tensor(np.ones((1, 1, 2, 2, 2)))).shape
(1, 1, 2, 2, 2)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .function import OpError
from .functional import (_unbatched_too, adaptive_avg_pool2d, avg_pool2d, conv2d,
                         conv_transpose2d, max_pool2d)
from .ops.pool import _window_count
from .tensor import Tensor
from .tensor_ops import _tensor, pad, stack, where

__all__ = ["adaptive_avg_pool3d", "avg_pool3d", "conv3d", "conv_transpose3d", "max_pool3d"]

Triple = tuple[int, int, int]


def _triple(value: Any, what: str, op: str, low: int) -> Triple:
    values = (value,) * 3 if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != 3 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                   and v >= low for v in values):
        raise OpError(f"{op}: {what} must be an int >= {low} or 3 of them, got {value!r}")
    return int(values[0]), int(values[1]), int(values[2])


def _volumes(op: str, x: Any) -> Tensor:
    x = _tensor(x)
    if x.ndim != 5:
        raise OpError(f"{op}: input of shape {x.shape} must be (N, C, D, H, W) or (C, D, H, W)")
    return x


def _slices(x: Tensor, start: int, count: int, step: int) -> Tensor:
    """Depth slices start, start + step, ... (count of them), as (N * count, C, H, W)."""
    n, c, _, h, w = x.shape
    picked = x[:, :, start:start + (count - 1) * step + 1:step]
    return picked.transpose(0, 2, 1, 3, 4).reshape(n * count, c, h, w)


def _unfold_depth(y: Tensor, n: int, count: int) -> Tensor:
    """(N * count, C, H, W) back to (N, C, count, H, W)."""
    return y.reshape((n, count) + y.shape[1:]).transpose(0, 2, 1, 3, 4)


def _pad_depth(x: Tensor, before: int, after: int, value: float = 0.0) -> Tensor:
    if not before and not after:
        return x
    return pad(x, [(0, 0), (0, 0), (before, after), (0, 0), (0, 0)], value)


@_unbatched_too(3)
def conv3d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution of x (N, C, D, H, W) with weight (out_channels, C // groups, kd, kh,
    kw), plus bias (out_channels,); stride, padding and dilation an int or a triple, padding
    also "valid" or "same" (stride 1; the extra after, as PyTorch)."""
    op = "conv3d"
    x, w = _volumes(op, x), _tensor(weight)
    if w.ndim != 5:
        raise OpError(f"{op}: weight of shape {w.shape} must be (out_channels, in_channels // "
                      f"groups, kd, kh, kw)")
    if x.shape[1] != w.shape[1] * groups:
        raise OpError(f"{op}: input {x.shape} has {x.shape[1]} channels, but weight {w.shape} "
                      f"with groups={groups} expects {w.shape[1] * groups}")
    (sd, sh, sw), (dd, dh, dw) = _triple(stride, "stride", op, 1), \
        _triple(dilation, "dilation", op, 1)
    kd, kh, kw = w.shape[2:]
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise OpError(f"{op}: padding must be an int, 3 ints, 'valid' or 'same', got "
                          f"{padding!r}")
        if padding == "same":
            if (sd, sh, sw) != (1, 1, 1):
                raise OpError(f"{op}: padding='same' needs stride 1, got {stride!r}")
            sides = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                     for d, k in zip((dd, dh, dw), (kd, kh, kw))]
            x = pad(x, [(0, 0), (0, 0), *sides])
        padding = 0
    pd, ph, pw = _triple(padding, "padding", op, 0)
    x = _pad_depth(x, pd, pd)
    depth = (x.shape[2] - dd * (kd - 1) - 1) // sd + 1
    if depth < 1:
        raise OpError(f"{op}: the kernel's depth {kd} (dilation {dd}) is larger than the "
                      f"padded input's {x.shape[2]} (input {x.shape})")
    n = x.shape[0]
    total: Any = None
    for i in range(kd):  # one conv2d per kernel depth, on every output depth at once
        part = conv2d(_slices(x, i * dd, depth, sd), w[:, :, i], None, (sh, sw), (ph, pw),
                      (dh, dw), groups)
        total = part if total is None else total + part
    out = _unfold_depth(total, n, depth)
    return out if bias is None else out + _tensor(bias).reshape(1, -1, 1, 1, 1)


@_unbatched_too(3)
def conv_transpose3d(x: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """Transposed 3-D convolution (the gradient of conv3d with respect to its input) with
    weight (in_channels, out_channels // groups, kd, kh, kw); output depth
    (D - 1) * stride - 2 * padding + dilation * (kd - 1) + output_padding + 1, and so on."""
    op = "conv_transpose3d"
    x, w = _volumes(op, x), _tensor(weight)
    if w.ndim != 5 or x.shape[1] != w.shape[0]:
        raise OpError(f"{op}: weight of shape {w.shape} must be (in_channels, out_channels // "
                      f"groups, kd, kh, kw) with in_channels = the input's {x.shape[1]}")
    (sd, sh, sw), (dd, dh, dw) = _triple(stride, "stride", op, 1), \
        _triple(dilation, "dilation", op, 1)
    pd, ph, pw = _triple(padding, "padding", op, 0)
    od, oh, ow = _triple(output_padding, "output_padding", op, 0)
    if od >= max(sd, dd):
        raise OpError(f"{op}: output_padding {od} must be smaller than the stride or the "
                      f"dilation along the depth ({sd}, {dd})")
    n, _, depth = x.shape[:3]
    kd = w.shape[2]
    flat = _slices(x, 0, depth, 1)  # every input depth slice, as a batch
    full = (depth - 1) * sd + dd * (kd - 1) + 1 + od
    if full - 2 * pd < 1:
        raise OpError(f"{op}: padding {pd} leaves no output depth (input {x.shape})")
    total: Any = None
    for i in range(kd):
        part = _unfold_depth(conv_transpose2d(flat, w[:, :, i], None, (sh, sw), (ph, pw),
                                              (oh, ow), groups, (dh, dw)), n, depth)
        if sd > 1:  # sd - 1 zero slices after each: the input depth d lands at d * sd
            spread = part.reshape(part.shape[:3] + (1,) + part.shape[3:])
            spread = pad(spread, [(0, 0)] * 3 + [(0, sd - 1)] + [(0, 0)] * 2)
            part = spread.reshape(part.shape[:2] + (depth * sd,) + part.shape[3:])
            part = part[:, :, :(depth - 1) * sd + 1]
        start = i * dd
        part = _pad_depth(part, start, full - start - part.shape[2])
        total = part if total is None else total + part
    out = total[:, :, pd:full - pd]
    return out if bias is None else out + _tensor(bias).reshape(1, -1, 1, 1, 1)


def _depth_windows(op: str, x: Tensor, kernel: int, stride: int, padding: int,
                   dilation: int, ceil_mode: bool, fill: float) -> tuple[Tensor, int]:
    """x padded along the depth (by `fill`, and more after for ceil_mode's last windows),
    and the number of depth windows, as PyTorch counts them."""
    span = dilation * (kernel - 1) + 1
    count = _window_count(x.shape[2], span, stride, padding, ceil_mode)
    if count < 1:
        raise OpError(f"{op}: the kernel's depth {kernel} (dilation {dilation}) is larger than "
                      f"the padded input's {x.shape[2] + 2 * padding} (input {x.shape})")
    extra = max(0, (count - 1) * stride + span - (x.shape[2] + 2 * padding))
    return _pad_depth(x, padding, padding + extra, fill), count


def _depth_slice(x: Tensor, start: int, count: int, step: int) -> Tensor:
    return x[:, :, start:start + (count - 1) * step + 1:step]


def _pool_args(op: str, kernel_size: Any, stride: Any, padding: Any
               ) -> tuple[Triple, Triple, Triple]:
    kernel = _triple(kernel_size, "kernel_size", op, 1)
    steps = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else _triple(stride, "stride", op, 1)
    pads = _triple(padding, "padding", op, 0)
    if any(p > k // 2 for p, k in zip(pads, kernel)):  # PyTorch's rule
        raise OpError(f"{op}: padding {pads} must be at most half the kernel size {kernel}")
    return kernel, steps, pads


@_unbatched_too(3)
def max_pool3d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """Largest value of each 3-D window of x (N, C, D, H, W); padding counts as -inf. Ties
    send the gradient to the window's first largest element in (depth, row, column) order,
    as PyTorch's CPU kernel picks it."""
    op = "max_pool3d"
    if return_indices:
        raise OpError(f"{op}: return_indices=True is not supported (max_pool2d has it)")
    x = _volumes(op, x)
    (kd, kh, kw), (sd, sh, sw), (pd, ph, pw) = _pool_args(op, kernel_size, stride, padding)
    dd, dh, dw = _triple(dilation, "dilation", op, 1)
    n, c, d, h, w = x.shape
    flat = max_pool2d(x.reshape(n, c * d, h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw),
                      ceil_mode)
    planes = flat.reshape((n, c, d) + flat.shape[2:])
    padded, count = _depth_windows(op, planes, kd, sd, pd, dd, ceil_mode, -np.inf)
    best = _depth_slice(padded, 0, count, sd)
    for i in range(1, kd):  # a later depth wins only when larger (or NaN), as PyTorch's
        candidate = _depth_slice(padded, i * dd, count, sd)
        wins = candidate.data > best.data
        if candidate.dtype.kind == "f":
            wins = wins | np.isnan(candidate.data)
        best = where(wins, candidate, best)
    return best


@_unbatched_too(3)
def avg_pool3d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean of each 3-D window of x (N, C, D, H, W), with PyTorch's arguments and meanings
    (zero padding counted unless count_include_pad=False; ceil_mode's clipped windows;
    divisor_override)."""
    op = "avg_pool3d"
    x = _volumes(op, x)
    (kd, kh, kw), (sd, sh, sw), (pd, ph, pw) = _pool_args(op, kernel_size, stride, padding)
    if divisor_override is not None and (isinstance(divisor_override, bool) or not isinstance(
            divisor_override, (int, np.integer)) or divisor_override < 1):
        raise OpError(f"{op}: divisor_override must be None or an int >= 1, got "
                      f"{divisor_override!r}")
    n, c, d, h, w = x.shape
    flat = avg_pool2d(x.reshape(n, c * d, h, w), (kh, kw), (sh, sw), (ph, pw), ceil_mode,
                      count_include_pad, 1 if divisor_override is not None else None)
    planes = flat.reshape((n, c, d) + flat.shape[2:])
    padded, count = _depth_windows(op, planes, kd, sd, pd, 1, ceil_mode, 0.0)
    total = _depth_slice(padded, 0, count, sd)
    for i in range(1, kd):
        total = total + _depth_slice(padded, i, count, sd)
    if divisor_override is not None:
        return total / float(divisor_override)
    # the depth part of PyTorch's divisor: the window clipped to the padded input, or, not
    # counting the padding, to the input itself
    starts = np.arange(count) * sd - pd
    ends = np.minimum(starts + kd, d + pd)
    if not count_include_pad:
        ends, starts = np.minimum(ends, d), np.maximum(starts, 0)
    sizes = (ends - starts).astype(total.dtype)
    return total / sizes.reshape(1, 1, -1, 1, 1)


@_unbatched_too(3)
def adaptive_avg_pool3d(x: Any, output_size: Any) -> Tensor:
    """Average pooling of x (N, C, D, H, W) to output_size (an int or a triple; None keeps
    that size), window i along each axis from floor(i * size / out) to
    ceil((i + 1) * size / out), as PyTorch's."""
    op = "adaptive_avg_pool3d"
    x = _volumes(op, x)
    n, c, d, h, w = x.shape
    sizes = (output_size,) * 3 if isinstance(output_size, (int, np.integer)) or \
        output_size is None else tuple(output_size)
    if len(sizes) != 3:
        raise OpError(f"{op}: output_size must be an int or 3 of them, got {output_size!r}")
    od, oh, ow = (size if s is None else s for s, size in zip(sizes, (d, h, w)))
    if not all(isinstance(s, (int, np.integer)) and s >= 1 for s in (od, oh, ow)):
        raise OpError(f"{op}: output_size must be positive, got {output_size!r}")
    flat = adaptive_avg_pool2d(x.reshape(n, c * d, h, w), (oh, ow))
    planes = flat.reshape((n, c, d) + flat.shape[2:])
    means: list[Tensor] = []
    for i in range(int(od)):
        start, end = (i * d) // od, -(-((i + 1) * d) // od)
        means.append(planes[:, :, start:end].mean(axis=2))
    return stack(means, 2)
