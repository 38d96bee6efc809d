"""Functions made of other ops, with no `Function` of their own: `tile` (and the method
`Tensor.repeat`, PyTorch's name for it), `tril`, `triu`, `normalize`, `cosine_similarity`,
`pixel_shuffle`, `pixel_unshuffle`, `channel_shuffle`, `linear`, `bilinear`.
Their gradients, double backward and jit come from the ops they are made of.

>>> from tinygrad_np import Tensor
>>> tile(Tensor([1.0, 2.0]), (2, 2)).tolist()
[[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .function import OpError
from .tensor import Tensor
from .tensor_ops import _tensor, where
from .torch_keywords import takes_input, torch_keywords

__all__ = ["bilinear", "channel_shuffle", "cosine_similarity", "linear", "normalize",
           "pixel_shuffle", "pixel_unshuffle", "tile", "tril", "triu"]


def tile(x: Any, reps: Any) -> Tensor:
    """x repeated `reps` times along each axis, as numpy's `tile` (and PyTorch's
    `x.repeat(*reps)`): a reshape that puts a size-1 axis before each, a broadcast, and a
    reshape back, so each copy's gradient adds into the original.
    """
    x = _tensor(x)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    if not all(isinstance(r, (int, np.integer)) and not isinstance(r, bool) and r >= 0
               for r in reps):
        raise OpError(f"tile: reps must be ints >= 0, got {reps!r} (input {x.shape})")
    shape = (1,) * (len(reps) - x.ndim) + x.shape  # more reps than axes: new leading axes
    reps = (1,) * (len(shape) - len(reps)) + reps
    spread = x.reshape(tuple(v for n in shape for v in (1, n)))
    wide = spread.broadcast_to(tuple(v for r, n in zip(reps, shape) for v in (r, n)))
    return wide.reshape(tuple(r * n for r, n in zip(reps, shape)))


def _triangle(x: Any, k: int, op: str, keep: Any) -> Tensor:
    x = _tensor(x)
    if x.ndim < 2:
        raise OpError(f"{op}: input of shape {x.shape} must have at least 2 axes")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise OpError(f"{op}: diagonal must be an int, got {k!r}")
    mask = keep(np.ones(x.shape[-2:], dtype=bool), int(k))
    return x * mask.astype(x.dtype if x.dtype.kind == "f" else np.float64)


def tril(x: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (above `diagonal` zeroed), as PyTorch's.

    >>> tril(Tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[1.0, 0.0], [3.0, 4.0]]
    """
    return _triangle(x, diagonal, "tril", np.tril)


def triu(x: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (below `diagonal` zeroed), as PyTorch's.

    >>> triu(Tensor([[1.0, 2.0], [3.0, 4.0]]), 1).tolist()
    [[0.0, 2.0], [0.0, 0.0]]
    """
    return _triangle(x, diagonal, "triu", np.triu)


@torch_keywords
def normalize(x: Any, p: float = 2.0, axis: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along `axis`, as PyTorch's F.normalize (dim=1 by default): any
    real p, inf the largest |x|, -inf the smallest, 0 the number of non-zero entries (a
    count, so no gradient), with PyTorch's gradients (where the norm is clamped to eps, none
    through it; a zero entry passes none through |x| ** p, for p < 1 too).

    >>> normalize(Tensor([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    >>> normalize(Tensor([[3.0, -4.0, 1.0]]), p=float("inf")).tolist()
    [[0.75, -1.0, 0.25]]
    """
    x = _tensor(x)
    size = _p_norm(x, p, axis)
    # PyTorch's clamp_min: the whole gradient to the norm where it is at least eps
    return x / where(size.data < eps, eps, size)


def _p_norm(x: Tensor, p: Any, axis: Any, op: str = "normalize") -> Tensor:
    """||x||_p along `axis` (an int, a tuple, or None for all), kept, as torch.norm: the p-th
    root of the sum of |x| ** p, or for p = inf, -inf, 0 the largest |x|, the smallest, the
    count of non-zero entries; `op` names the caller in the error of a bad p."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or math.isnan(p):
        raise OpError(f"{op}: p must be a real number (or inf), got {p!r}")
    if p == 2:
        return x.norm(axis=axis, keepdims=True)
    if p == math.inf:
        return abs(x).max(axis=axis, keepdims=True)
    if p == -math.inf:
        return abs(x).min(axis=axis, keepdims=True)
    if p == 0:
        return Tensor((x.data != 0).sum(axis=axis, keepdims=True).astype(x.dtype))
    if p == 1:
        return abs(x).sum(axis=axis, keepdims=True)
    # |0| ** p is 0 (p > 0) or inf (p < 0), with no gradient: its slope, inf for p < 1, times
    # the 0 of |x|'s would be NaN
    zero = x.data == 0
    powered = where(zero, 0.0 if p > 0 else math.inf, where(zero, 1.0, abs(x)) ** p)
    total = powered.sum(axis=axis, keepdims=True)
    # a zero norm passes no gradient, as PyTorch's (its root's slope is infinite there)
    empty = (total.data == 0) | np.isinf(total.data)
    return where(empty, 0.0, where(empty, 1.0, total) ** (1.0 / p))


@torch_keywords
def cosine_similarity(x1: Any, x2: Any, axis: int = 1, eps: float = 1e-8) -> Tensor:
    """(x1 / max(||x1||, eps)) . (x2 / max(||x2||, eps)) along `axis`, as PyTorch 2.13's
    F.cosine_similarity: each norm clamped to eps on its own (not their product), the inputs
    broadcast first, and, as PyTorch clamps in place under no_grad, the gradient taken
    through each norm as if it were not clamped.

    >>> round(cosine_similarity(Tensor([[1.0, 0.0]]), Tensor([[1.0, 1.0]])).item(), 6)
    0.707107
    """
    a, b = _tensor(x1), _tensor(x2)
    if a.shape != b.shape:
        shape = np.broadcast_shapes(a.shape, b.shape)
        a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    return ((a / _clamped_norm(a, axis, eps)) * (b / _clamped_norm(b, axis, eps))).sum(axis=axis)


def _clamped_norm(x: Tensor, axis: int, eps: float) -> Tensor:
    """||x|| along `axis`, kept, at least eps; where clamped, the value is exactly eps
    (size - size is 0) and the gradient still the norm's."""
    size = x.norm(axis=axis, keepdims=True)
    return where(size.data < eps, size - size.detach() + eps, size)


def _factor(value: Any, op: str, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise OpError(f"{op}: {name} must be an int >= 1, got {value!r}")
    return int(value)


@takes_input
def pixel_shuffle(x: Any, upscale_factor: int) -> Tensor:
    """PyTorch's F.pixel_shuffle: (*, C * r * r, H, W) to (*, C, H * r, W * r), each group of
    r * r channels laid out as an r x r block of pixels (a reshape, a transpose, a reshape).

    >>> import numpy as np
    >>> pixel_shuffle(Tensor(np.arange(4.0).reshape(1, 4, 1, 1)), 2).tolist()
    [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    x = _tensor(x)
    r = _factor(upscale_factor, "pixel_shuffle", "upscale_factor")
    if x.ndim < 3:
        raise OpError(f"pixel_shuffle: input {x.shape} needs at least 3 axes, "
                      f"(*, C * r * r, H, W)")
    if x.shape[-3] % (r * r):
        raise OpError(f"pixel_shuffle: input {x.shape} needs (*, C * r * r, H, W) with its "
                      f"channels divisible by upscale_factor ** 2 = {r * r}")
    *lead, c, h, w = x.shape
    blocks = x.reshape((*lead, c // (r * r), r, r, h, w))
    n = len(lead)
    order = tuple(range(n)) + tuple(n + i for i in (0, 3, 1, 4, 2))  # (C, H, r, W, r)
    return blocks.transpose(order).reshape((*lead, c // (r * r), h * r, w * r))


@takes_input
def pixel_unshuffle(x: Any, downscale_factor: int) -> Tensor:
    """PyTorch's F.pixel_unshuffle, the inverse of `pixel_shuffle`: (*, C, H * r, W * r) to
    (*, C * r * r, H, W).

    >>> import numpy as np
    >>> pixel_unshuffle(Tensor(np.arange(4.0).reshape(1, 1, 2, 2)), 2).reshape(-1).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    x = _tensor(x)
    r = _factor(downscale_factor, "pixel_unshuffle", "downscale_factor")
    if x.ndim < 3:
        raise OpError(f"pixel_unshuffle: input {x.shape} needs at least 3 axes, (*, C, H, W)")
    if x.shape[-2] % r or x.shape[-1] % r:
        raise OpError(f"pixel_unshuffle: input {x.shape} needs (*, C, H, W) with H and W "
                      f"divisible by downscale_factor = {r}")
    *lead, c, h, w = x.shape
    pixels = x.reshape((*lead, c, h // r, r, w // r, r))
    n = len(lead)
    order = tuple(range(n)) + tuple(n + i for i in (0, 2, 4, 1, 3))  # (C, r, r, H, W)
    return pixels.transpose(order).reshape((*lead, c * r * r, h // r, w // r))


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """PyTorch's F.linear: x @ weight.T + bias, with weight (out_features, in_features), as
    PyTorch lays it out (`nn.Linear` here keeps its weight as (in, out) and computes
    x @ weight + bias).

    >>> linear(Tensor([[1.0, 2.0]]), Tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])).tolist()
    [[1.0, 3.0, 4.0]]
    """
    w = _tensor(weight)
    if w.ndim not in (1, 2):
        raise OpError(f"linear: weight must be (out_features, in_features) or (in_features,), "
                      f"got {w.shape}")
    out = _tensor(x) @ w.T
    return out if bias is None else out + bias


def channel_shuffle(x: Any, groups: int) -> Tensor:
    """PyTorch's F.channel_shuffle: the channels of x (N, C, *) seen as (groups, C // groups)
    and read out the other way round (ShuffleNet's mixing between grouped convolutions).

    >>> import numpy as np
    >>> channel_shuffle(Tensor(np.arange(4.0).reshape(1, 4, 1)), 2).data[0, :, 0].tolist()
    [0.0, 2.0, 1.0, 3.0]
    """
    x = _tensor(x)
    g = _factor(groups, "channel_shuffle", "groups")
    if x.ndim < 3 or x.shape[1] % g:
        raise OpError(f"channel_shuffle: input {x.shape} needs (N, C, *) with C divisible by "
                      f"groups = {g}")
    n, c, *rest = x.shape
    order = (0, 2, 1) + tuple(range(3, x.ndim + 1))
    return x.reshape((n, g, c // g, *rest)).transpose(order).reshape(x.shape)


def bilinear(x1: Any, x2: Any, weight: Any, bias: Any = None) -> Tensor:
    """PyTorch's F.bilinear: y[..., o] = x1 . weight[o] . x2 + bias[o], with weight
    (out_features, in1_features, in2_features) and inputs (*, in1) and (*, in2).

    >>> import numpy as np
    >>> bilinear(Tensor([[1.0, 2.0]]), Tensor([[3.0]]), Tensor(np.ones((1, 2, 1)))).tolist()
    [[9.0]]
    """
    a, b, w = _tensor(x1), _tensor(x2), _tensor(weight)
    if w.ndim != 3 or a.shape[-1:] != w.shape[1:2] or b.shape[-1:] != w.shape[2:] or \
            a.shape[:-1] != b.shape[:-1]:
        raise OpError(f"bilinear: inputs {a.shape} and {b.shape} and weight {w.shape}: "
                      f"expected (*, in1), (*, in2) and (out, in1, in2)")
    out_features, in1, in2 = w.shape
    lead = a.shape[:-1]
    rows = a.reshape((-1, in1)) @ w.transpose(1, 0, 2).reshape((in1, out_features * in2))
    out = (rows.reshape((-1, out_features, in2)) * b.reshape((-1, 1, in2))).sum(axis=-1)
    out = out.reshape((*lead, out_features))
    return out if bias is None else out + bias
