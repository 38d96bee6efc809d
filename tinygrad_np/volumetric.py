"""3-D convolutions and pools on (N, C, D, H, W), made of the 2-D ops: conv3d,
conv_transpose3d, max_pool3d, avg_pool3d, lp_pool3d, adaptive_avg_pool3d and
adaptive_max_pool3d, with PyTorch's arguments and meanings (and one unbatched (C, D, H, W)
input too). Bad input is refused here, in the 3-D function's words and shapes, before any
2-D op sees it.

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
from .functional import (_extreme, _indices_wanted, _infinite, _unbatched_too,
                         adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, conv2d,
                         conv_transpose2d, max_pool2d)
from .ops.conv import check_conv, check_fits, check_transpose, transpose_sizes
from .ops.lp_pool import LpRoot
from .ops.pool import _adaptive_windows, _lowest, _window_count
from .tensor import Tensor
from .tensor_ops import _tensor, pad, stack, where

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "conv3d",
           "conv_transpose3d", "lp_pool3d", "max_pool3d"]

Triple = tuple[int, int, int]


def _triple(value: Any, what: str, op: str, low: int, one: bool = False) -> Triple:
    """An int or 3 of them, each at least `low`; with `one`, a single int in a tuple too
    (PyTorch's convs and pools take `padding=(1,)` for every axis)."""
    values = (value,) * 3 if isinstance(value, (int, np.integer)) else tuple(value)
    if one and len(values) == 1:
        values = values * 3
    if len(values) != 3 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                   and v >= low for v in values):
        raise OpError(f"{op}: {what} must be an int >= {low} or 3 of them, got {value!r}")
    return int(values[0]), int(values[1]), int(values[2])


def _volumes(op: str, x: Any) -> Tensor:
    x = _tensor(x)
    if x.ndim != 5:
        raise OpError(f"{op}: input of shape {x.shape} must be (N, C, D, H, W) or (C, D, H, W)")
    return x


def _bias(bias: Any) -> Tensor | None:
    return None if bias is None else _tensor(bias)


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
    groups = check_conv(op, x, w, _bias(bias), groups, 3)
    (sd, sh, sw), (dd, dh, dw) = _triple(stride, "stride", op, 1, one=True), \
        _triple(dilation, "dilation", op, 1, one=True)
    kernel = w.shape[2:]
    kd = kernel[0]
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise OpError(f"{op}: padding must be an int, 3 ints, 'valid' or 'same', got "
                          f"{padding!r}")
        if padding == "same":
            if (sd, sh, sw) != (1, 1, 1):
                raise OpError(f"{op}: padding='same' needs stride 1, got {stride!r}")
            sides = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                     for d, k in zip((dd, dh, dw), kernel)]
            x = pad(x, [(0, 0), (0, 0), *sides])
        padding = 0
    pd, ph, pw = _triple(padding, "padding", op, 0, one=True)
    if x.shape[2] + 2 * pd - dd * (kd - 1) - 1 < 0:
        raise OpError(f"{op}: the kernel's depth {kd} (dilation {dd}) is larger than the "
                      f"padded input's {x.shape[2] + 2 * pd} (input {x.shape})")
    check_fits(op, x.shape, kernel, (pd, ph, pw), (dd, dh, dw))  # rows and columns too
    x = _pad_depth(x, pd, pd)
    depth = (x.shape[2] - dd * (kd - 1) - 1) // sd + 1
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
    groups = check_transpose(op, x, w, _bias(bias), groups, 3)
    strides, dilations = _triple(stride, "stride", op, 1, one=True), \
        _triple(dilation, "dilation", op, 1, one=True)
    pads = _triple(padding, "padding", op, 0, one=True)
    extras = _triple(output_padding, "output_padding", op, 0, one=True)
    transpose_sizes(op, x, w, strides, pads, dilations, extras)
    (sd, sh, sw), (dd, dh, dw), (pd, ph, pw), (od, oh, ow) = strides, dilations, pads, extras
    n, _, depth = x.shape[:3]
    kd = w.shape[2]
    flat = _slices(x, 0, depth, 1)  # every input depth slice, as a batch
    full = (depth - 1) * sd + dd * (kd - 1) + 1 + od
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


def _depth_slice(x: Tensor, start: int, count: int, step: int) -> Tensor:
    return x[:, :, start:start + (count - 1) * step + 1:step]


def _pool_args(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any,
               dilation: Any = 1, ceil_mode: Any = False
               ) -> tuple[Triple, Triple, Triple, Triple, int]:
    """A 3-D pool's checked kernel, stride (None: the kernel), padding and dilation, and its
    number of depth windows; every window must fit, said for the user's input, as PyTorch
    counts them (with ceil_mode the last may run off the end)."""
    kernel = _triple(kernel_size, "kernel_size", op, 1, one=True)
    steps = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else _triple(stride, "stride", op, 1, one=True)
    pads = _triple(padding, "padding", op, 0, one=True)
    dilations = _triple(dilation, "dilation", op, 1, one=True)
    if any(p > k // 2 for p, k in zip(pads, kernel)):  # PyTorch's rule
        raise OpError(f"{op}: padding {pads} must be at most half the kernel size {kernel}")
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise OpError(f"{op}: ceil_mode must be True or False, got {ceil_mode!r}")
    counts = [_window_count(size, d * (k - 1) + 1, s, p, bool(ceil_mode)) for size, k, s, p, d
              in zip(x.shape[2:], kernel, steps, pads, dilations)]
    if counts[0] < 1:
        raise OpError(f"{op}: the kernel's depth {kernel[0]} (dilation {dilations[0]}) is "
                      f"larger than the padded input's {x.shape[2] + 2 * pads[0]} (input "
                      f"{x.shape})")
    if min(counts) < 1:
        check_fits(op, x.shape, kernel, pads, dilations,
                   axes=tuple([axis for axis in (1, 2) if counts[axis] < 1]))
    return kernel, steps, pads, dilations, counts[0]


def _depth_max(planes: Tensor, positions: list[Any], inside: list[Any]) -> tuple[Tensor, Any]:
    """The maximum across depth windows of planes (N, C, D, Ho, Wo), and the input depth of
    each (N, C, count, Ho, Wo): offset j of the windows meets the depth slices at
    positions[j] (count,), those inside[j] existing (padding and past a shorter window do
    not). As PyTorch's kernels pick: a window's first existing slice starts it, a later one
    takes over when larger or NaN (ties stay with the first, NaN goes to the last)."""
    d = planes.shape[2]
    best: Any = None
    chosen: Any = None
    found: Any = None  # windows with an existing slice so far
    for at, ok in zip(positions, inside):  # a loop over the kernel's depth offsets
        candidate = planes[:, :, np.clip(at, 0, d - 1)]
        ok = ok.reshape(1, 1, -1, 1, 1)
        if best is None:
            best, found = candidate, ok
            chosen = np.broadcast_to(at.reshape(1, 1, -1, 1, 1), candidate.shape).copy()
            continue
        wins = candidate.data > best.data
        if candidate.dtype.kind == "f":
            wins |= np.isnan(candidate.data)
        wins = ok & (wins | ~found)
        best = where(wins, candidate, best)
        chosen = np.where(wins, at.reshape(1, 1, -1, 1, 1), chosen)
        found = found | ok
    if not found.all():  # a dilated window that skips the whole input: -inf, as PyTorch's
        best = where(found, best, _lowest(best.dtype))
    return best, chosen


def _volume_index(chosen: Any, plane_index: Any, shape: tuple[int, ...]) -> Tensor:
    """PyTorch's 3-D indices, depth * H * W + row * W + column, from each window's chosen
    depth and the 2-D indices (row * W + column) of every depth slice, (N, C * D, Ho, Wo)."""
    n, c, d, h, w = shape
    planes = plane_index.data.reshape((n, c, d) + plane_index.shape[2:])
    return Tensor(chosen * (h * w) + np.take_along_axis(planes, chosen, axis=2))


@_unbatched_too(3)
def max_pool3d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Largest value of each 3-D window of x (N, C, D, H, W); padding counts as -inf. Ties
    send the gradient to the window's first largest element in (depth, row, column) order,
    a window holding NaN to its last NaN, as PyTorch's CPU kernel picks them. With
    `return_indices`, (output, indices): depth * H * W + row * W + column, PyTorch's."""
    op = "max_pool3d"
    wanted = _indices_wanted(op, return_indices)
    x = _volumes(op, x)
    (kd, kh, kw), (sd, sh, sw), (pd, ph, pw), (dd, dh, dw), count = _pool_args(
        op, x, kernel_size, stride, padding, dilation, ceil_mode)
    n, c, d, h, w = x.shape
    flat = max_pool2d(x.reshape(n, c * d, h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw),
                      ceil_mode, wanted)
    flat, plane_index = flat if wanted else (flat, None)
    planes = flat.reshape((n, c, d) + flat.shape[2:])
    starts = np.arange(count) * sd - pd
    positions = [starts + i * dd for i in range(kd)]
    best, chosen = _depth_max(planes, positions, [(p >= 0) & (p < d) for p in positions])
    return (best, _volume_index(chosen, plane_index, x.shape)) if wanted else best


@_unbatched_too(3)
def avg_pool3d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean of each 3-D window of x (N, C, D, H, W), with PyTorch's arguments and meanings
    (zero padding counted unless count_include_pad=False; ceil_mode's clipped windows;
    divisor_override)."""
    op = "avg_pool3d"
    x = _volumes(op, x)
    (kd, kh, kw), (sd, sh, sw), (pd, ph, pw), _, count = _pool_args(
        op, x, kernel_size, stride, padding, 1, ceil_mode)
    if not isinstance(count_include_pad, (bool, np.bool_)):
        raise OpError(f"{op}: count_include_pad must be True or False, got "
                      f"{count_include_pad!r}")
    if divisor_override is not None and (isinstance(divisor_override, bool) or not isinstance(
            divisor_override, (int, np.integer)) or divisor_override < 1):
        raise OpError(f"{op}: divisor_override must be None or an int >= 1, got "
                      f"{divisor_override!r}")
    _kernel_within(op, x, (kd, kh, kw))
    n, c, d, h, w = x.shape
    flat = avg_pool2d(x.reshape(n, c * d, h, w), (kh, kw), (sh, sw), (ph, pw), ceil_mode,
                      count_include_pad, 1 if divisor_override is not None else None)
    planes = flat.reshape((n, c, d) + flat.shape[2:])
    extra = max(0, (count - 1) * sd + kd - (d + 2 * pd))  # ceil_mode's last windows
    padded = _pad_depth(planes, pd, pd + extra, 0.0)
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


def _kernel_within(op: str, x: Tensor, kernel: Triple) -> None:
    """PyTorch's avg_pool3d (unlike its 2-D one and max_pool3d) needs the kernel within the
    input itself, padding and ceil_mode not counted."""
    if any(size < k for size, k in zip(x.shape[2:], kernel)):
        raise OpError(f"{op}: input {x.shape} is smaller than the kernel {kernel} (each "
                      f"kernel size must be at most the input's, not counting padding)")


@_unbatched_too(3)
def lp_pool3d(x: Any, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """PyTorch's F.lp_pool3d: each 3-D window's (sum of x ** p) ** (1 / p), p = norm_type,
    as volume * avg_pool3d(x ** p), then the root; p = inf or -inf: the largest or smallest
    |x| of each window, as PyTorch 2.13's."""
    op = "lp_pool3d"
    x = _volumes(op, x)
    kd, kh, kw = _triple(kernel_size, "kernel_size", op, 1)  # 3 of them, as PyTorch's
    _pool_args(op, x, kernel_size, stride, 0, 1, ceil_mode)
    if _infinite(norm_type):
        return _extreme(max_pool3d, x, norm_type, kernel_size, stride, ceil_mode)
    _kernel_within(op, x, (kd, kh, kw))
    mean = avg_pool3d(x ** norm_type, kernel_size, stride, 0, ceil_mode)
    return LpRoot.apply(mean, area=kd * kh * kw, norm_type=float(norm_type))


def _adaptive_sizes(op: str, x: Tensor, output_size: Any) -> Triple:
    """An adaptive 3-D pool's checked output size (an int or 3, None keeping that input
    size); no spatial axis of the input may be empty (every window needs an element)."""
    if 0 in x.shape[2:]:
        raise OpError(f"{op}: input {x.shape} has an empty spatial axis; every window needs "
                      f"an element")
    sizes = (output_size,) * 3 if isinstance(output_size, (int, np.integer)) or \
        output_size is None else tuple(output_size)
    if len(sizes) != 3:
        raise OpError(f"{op}: output_size must be an int or 3 of them, got {output_size!r}")
    od, oh, ow = (size if s is None else s for s, size in zip(sizes, x.shape[2:]))
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1
               for s in (od, oh, ow)):
        raise OpError(f"{op}: output_size must be positive, got {output_size!r}")
    return int(od), int(oh), int(ow)


@_unbatched_too(3)
def adaptive_avg_pool3d(x: Any, output_size: Any) -> Tensor:
    """Average pooling of x (N, C, D, H, W) to output_size (an int or a triple; None keeps
    that size), window i along each axis from floor(i * size / out) to
    ceil((i + 1) * size / out), as PyTorch's."""
    op = "adaptive_avg_pool3d"
    x = _volumes(op, x)
    od, oh, ow = _adaptive_sizes(op, x, output_size)
    n, c, d, h, w = x.shape
    flat = adaptive_avg_pool2d(x.reshape(n, c * d, h, w), (oh, ow))
    planes = flat.reshape((n, c, d) + flat.shape[2:])
    means: list[Tensor] = []
    for i in range(od):
        start, end = (i * d) // od, -(-((i + 1) * d) // od)
        means.append(planes[:, :, start:end].mean(axis=2))
    return stack(means, 2)


@_unbatched_too(3)
def adaptive_max_pool3d(x: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The largest value of each of PyTorch's adaptive 3-D windows of x (N, C, D, H, W), to
    output_size (an int or a triple; None keeps that size): `adaptive_max_pool2d` on every
    depth slice, then the first largest across each depth window (or its last NaN), so that
    ties and `return_indices` (depth * H * W + row * W + column) are PyTorch's."""
    op = "adaptive_max_pool3d"
    wanted = _indices_wanted(op, return_indices)
    x = _volumes(op, x)
    od, oh, ow = _adaptive_sizes(op, x, output_size)
    n, c, d, h, w = x.shape
    flat = adaptive_max_pool2d(x.reshape(n, c * d, h, w), (oh, ow), wanted)
    flat, plane_index = flat if wanted else (flat, None)
    planes = flat.reshape((n, c, d) + flat.shape[2:])
    starts, lengths = _adaptive_windows(d, od)
    positions = [starts + j for j in range(int(lengths.max()))]
    best, chosen = _depth_max(planes, positions, [j < lengths for j in range(len(positions))])
    return (best, _volume_index(chosen, plane_index, x.shape)) if wanted else best
