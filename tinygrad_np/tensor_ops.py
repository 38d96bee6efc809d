"""The ops a PyTorch user reaches for first, as functions: elementwise maths and activations,
reductions, shape ops, and layers (dropout, batch norm, layer norm, embedding).

Each accepts Tensors, arrays or numbers, is exported as `tinygrad_np.<name>`, and is the same
op as the Tensor method of that name where PyTorch has one. Axes are spelled as numpy
spells them (`axis`, `keepdims`).

>>> import tinygrad_np as tg
>>> x = tg.Tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
>>> y = tg.where(x.data > 0, x, 0.0).sum() + tg.gelu(x).mean()
>>> y.backward()
>>> x.grad.shape
(2, 2)
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .function import OpError
from .ops.activation import Elu, Erf, Gelu, LeakyRelu, LogSigmoid, Mish, PRelu, Silu, Softplus
from .ops.hard import Hardsigmoid, Hardswish, Hardtanh
from .ops.combine import BroadcastTo, Cat, Flip, Pad, Stack
from .ops.normalization import BatchNorm, Dropout, Embedding, GroupNorm, LayerNorm
from .ops.pointwise import (Clip, ClipTensors, Cos, Expm1, Log1p, Maximum, Minimum, Sin, Square,
                            Where)
from .ops.reduce import ArgMax, ArgMin
from .ops.shape import GetItem, Reshape
from .ops.statistics import Cumsum, LogSumExp, Norm, Prod, Std, Var
from .tensor import Axis, Tensor
from .torch_keywords import torch_keywords, variance_arguments

__all__ = [
    "argmax", "argmin", "batch_norm", "broadcast_to", "cat", "chunk", "clamp", "clip",
    "concatenate", "cos", "cumsum", "dropout", "elu", "embedding", "erf", "expand", "expm1",
    "flip", "gelu", "layer_norm", "leaky_relu", "log1p", "logsumexp", "maximum", "minimum",
    "norm", "pad", "prod", "silu", "sin", "softplus", "split", "square", "squeeze", "stack",
    "std", "unsqueeze", "var", "where",
]


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _tensor_like(x: Any, like: Tensor) -> Tensor:
    """x as a Tensor of `like`'s dtype (a Tensor as it is): an array through its own astype,
    so that a jit's stand-in stays one and a replay reads the values of the day."""
    if isinstance(x, Tensor):
        return x
    if hasattr(x, "astype"):
        return Tensor(x.astype(like.dtype, copy=False))
    return Tensor(x, dtype=like.dtype)


# -- elementwise ------------------------------------------------------------------------------
def sin(x: Any) -> Tensor:
    return Sin.apply(x)


def cos(x: Any) -> Tensor:
    return Cos.apply(x)


def log1p(x: Any) -> Tensor:
    """log(1 + x), accurate for tiny x."""
    return Log1p.apply(x)


def expm1(x: Any) -> Tensor:
    """exp(x) - 1, accurate for tiny x."""
    return Expm1.apply(x)


def square(x: Any) -> Tensor:
    return Square.apply(x)


def erf(x: Any) -> Tensor:
    """The error function (within 3 ulp of `math.erf` in float64).

    >>> round(erf(Tensor([0.5])).item(), 6)
    0.5205
    """
    return Erf.apply(x)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max, broadcasting; ties share the gradient equally (as in PyTorch)."""
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min, broadcasting; ties share the gradient equally."""
    return Minimum.apply(a, b)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """`a` where `cond` is true, `b` elsewhere; all three broadcast. `cond` is a bool Tensor
    or array (numbers count as numpy counts them: nonzero is true) and gets no gradient.

    >>> where(np.array([True, False]), Tensor([1.0, 2.0]), 0.0).tolist()
    [1.0, 0.0]
    """
    if isinstance(cond, Tensor) and cond.requires_grad:
        cond = cond.detach()
    return Where.apply(cond, a, b)


def clip(x: Any, min: Any = None, max: Any = None) -> Tensor:  # PyTorch's names
    """Clamp to [min, max] (either may be None); the gradient passes where min <= x <= max.
    Tensor bounds that require grad get theirs as PyTorch's (`ClipTensors`).

    >>> clip(Tensor([-2.0, 0.5, 3.0]), -1, 1).tolist()
    [-1.0, 0.5, 1.0]
    """
    if (isinstance(min, Tensor) and min.requires_grad) or (
            isinstance(max, Tensor) and max.requires_grad):  # else numbers: the fast path
        bounds = [bound for bound in (min, max) if bound is not None]
        return ClipTensors.apply(x, *bounds, lower=min is not None, upper=max is not None)
    return Clip.apply(x, min=_data(min), max=_data(max))


clamp = clip


def leaky_relu(x: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def elu(x: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return Elu.apply(x, alpha=alpha)


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, and x where beta * x > threshold (as PyTorch).

    >>> round(softplus(Tensor([0.0])).item(), 6)
    0.693147
    """
    return Softplus.apply(x, beta=beta, threshold=threshold)


def silu(x: Any, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    return Silu.apply(x)


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient passes strictly inside (PyTorch's).

    >>> hardtanh(Tensor([-2.0, 0.5, 3.0])).tolist()
    [-1.0, 0.5, 1.0]
    """
    return Hardtanh.apply(x, min_val=min_val, max_val=max_val)


def relu6(x: Any, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): `hardtanh(x, 0, 6)`.

    >>> relu6(Tensor([-1.0, 3.0, 9.0])).tolist()
    [0.0, 3.0, 6.0]
    """
    return Hardtanh.apply(x, min_val=0.0, max_val=6.0)


def hardsigmoid(x: Any, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6, PyTorch's piecewise-linear sigmoid.

    >>> hardsigmoid(Tensor([-4.0, 0.0, 1.5])).tolist()
    [0.0, 0.5, 0.75]
    """
    return Hardsigmoid.apply(x)


def hardswish(x: Any, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6 (MobileNetV3's).

    >>> hardswish(Tensor([-4.0, 1.0, 4.0])).tolist()
    [0.0, 0.6666666865348816, 4.0]
    """
    return Hardswish.apply(x)


def mish(x: Any, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)).

    >>> round(mish(Tensor([1.0], dtype="float64")).item(), 6)
    0.865098
    """
    return Mish.apply(x)


def logsigmoid(x: Any) -> Tensor:
    """log(sigmoid(x)), finite for any x.

    >>> logsigmoid(Tensor([-1000.0, 0.0])).tolist()
    [-1000.0, -0.6931471824645996]
    """
    return LogSigmoid.apply(x)


def prelu(x: Any, weight: Any) -> Tensor:
    """x for x > 0, weight * x otherwise; weight (1,) or one learned slope per channel.

    >>> prelu(Tensor([[-2.0, -2.0]]), Tensor([0.5, 0.25])).tolist()
    [[-1.0, -0.5]]
    """
    return PRelu.apply(x, weight)


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """x * Phi(x): exact with erf ("none", PyTorch's default) or PyTorch's tanh formula.

    >>> round(gelu(Tensor([1.0], dtype="float64")).item(), 10)
    0.8413447461
    """
    return Gelu.apply(x, approximate=approximate)


# -- reductions -------------------------------------------------------------------------------
@torch_keywords  # only for several axes as a list: both spellings are parameters here
def var(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *,
        dim: Axis = None, keepdim: bool | None = None, correction: int | None = None,
        unbiased: bool | None = None) -> Tensor:
    """Variance, dividing by n - ddof: numpy's default ddof 0. In PyTorch's words (`dim`,
    `keepdim`, `correction`, `unbiased`) PyTorch's default, n - 1, as PyTorch would.

    >>> var(Tensor([1.0, 2.0, 3.0, 4.0])).item()
    1.25
    >>> round(var(Tensor([1.0, 2.0, 3.0, 4.0]), dim=0).item(), 4)
    1.6667
    """
    axis, keepdims, ddof = variance_arguments("var", axis, keepdims, ddof, dim, keepdim,
                                              correction, unbiased)
    return Var.apply(x, axis=axis, keepdims=keepdims, ddof=ddof)


@torch_keywords  # only for several axes as a list: both spellings are parameters here
def std(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *,
        dim: Axis = None, keepdim: bool | None = None, correction: int | None = None,
        unbiased: bool | None = None) -> Tensor:
    """Standard deviation, sqrt(var(...)) with the same arguments and defaults."""
    axis, keepdims, ddof = variance_arguments("std", axis, keepdims, ddof, dim, keepdim,
                                              correction, unbiased)
    return Std.apply(x, axis=axis, keepdims=keepdims, ddof=ddof)


@torch_keywords
def prod(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Product; the gradient is exact with zeros in the input.

    >>> t = Tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> prod(t).backward()
    >>> t.grad.tolist()
    [0.0, 6.0, 0.0]
    """
    return Prod.apply(x, axis=axis, keepdims=keepdims)


@torch_keywords
def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))), finite for any finite x.

    >>> round(logsumexp(Tensor([1000.0, 1000.0])).item(), 3)  # 1000 + log(2), no overflow
    1000.693
    """
    return LogSumExp.apply(x, axis=axis, keepdims=keepdims)


@torch_keywords
def norm(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The 2-norm over `axis` (all axes by default).

    >>> norm(Tensor([3.0, 4.0])).item()
    5.0
    """
    return Norm.apply(x, axis=axis, keepdims=keepdims)


@torch_keywords
def cumsum(x: Any, axis: int | None = None) -> Tensor:
    """Running sum along `axis` (over the flattened input when None, as numpy)."""
    return Cumsum.apply(x, axis=axis)


@torch_keywords
def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest value (of the flattened input when axis is None); int64, no
    gradient. An op like any other, so a jitted step replays it (not numpy's own argmax of
    the data, whose numbers a recording could only take as they were)."""
    return ArgMax.apply(_tensor(x), axis=axis, keepdims=keepdims)


@torch_keywords
def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the smallest value; int64, no gradient."""
    return ArgMin.apply(_tensor(x), axis=axis, keepdims=keepdims)


# -- shape ------------------------------------------------------------------------------------
def _sequence(tensors: Any, op: str) -> Sequence[Any]:
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, Sequence):
        raise OpError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    return tensors


@torch_keywords
def cat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.

    >>> cat([Tensor([[1.0]]), Tensor([[2.0], [3.0]])]).shape
    (3, 1)
    """
    return Cat.apply(*_sequence(tensors, "cat"), axis=axis)


concatenate = cat


@torch_keywords
def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis.

    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])], axis=1).shape
    (2, 2)
    """
    return Stack.apply(*_sequence(tensors, "stack"), axis=axis)


def _axis(axis: Any, ndim: int, op: str, shape: tuple[int, ...]) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) \
            or not -ndim <= axis < ndim:
        raise OpError(f"{op}: axis {axis!r} is out of range for input of shape {shape}")
    return int(axis) % ndim


def _slices(x: Tensor, bounds: list[tuple[int, int]], axis: int) -> list[Tensor]:
    lead = (slice(None),) * axis
    return [GetItem.apply(x, index=lead + (slice(start, stop),)) for start, stop in bounds]


def split(x: Any, sections_or_indices: Any, axis: int | None = None, *,
          dim: int | None = None) -> list[Tensor]:
    """numpy's `split`: an int N cuts `axis` into N equal parts (it must divide the size);
    a list of indices cuts before each index. In PyTorch's words, `split(x, size, dim=d)`,
    it is PyTorch's: parts of `size` (the last one smaller if need be), or a list of sizes.

    >>> [p.shape for p in split(Tensor(np.zeros((6, 2))), [1, 4])]
    [(1, 2), (3, 2), (2, 2)]
    >>> [p.shape[0] for p in split(Tensor(np.zeros(5)), 2, dim=0)]
    [2, 2, 1]
    """
    x = _tensor(x)
    if dim is not None:
        if axis is not None:
            raise TypeError("split() got both 'axis' (numpy's split) and 'dim' (PyTorch's "
                            "split, of part sizes): pass one")
        return _split_sizes(x, sections_or_indices, dim)
    axis = _axis(0 if axis is None else axis, x.ndim, "split", x.shape)
    n = x.shape[axis]
    if isinstance(sections_or_indices, (int, np.integer)):
        parts = int(sections_or_indices)
        if parts <= 0 or n % parts:
            raise OpError(f"split: axis {axis} of shape {x.shape} (size {n}) cannot be cut "
                          f"into {sections_or_indices} equal parts")
        size = n // parts
        bounds = [(i * size, (i + 1) * size) for i in range(parts)]
    else:
        cuts = [0, *[int(i) for i in sections_or_indices], n]
        bounds = list(zip(cuts[:-1], cuts[1:]))
    return _slices(x, bounds, axis)


def _split_sizes(x: Tensor, sizes: Any, dim: int) -> list[Tensor]:
    """PyTorch's `split`: parts of one size (the last one what is left), or of the sizes
    listed, which must add up to the axis's length."""
    axis = _axis(dim, x.ndim, "split", x.shape)
    n = x.shape[axis]
    if isinstance(sizes, (int, np.integer)):
        if sizes <= 0:
            raise OpError(f"split: the part size must be positive, got {sizes}")
        starts = range(0, max(n, 1), int(sizes))
        bounds = [(start, min(start + int(sizes), n)) for start in starts]
    else:
        lengths = [int(size) for size in sizes]
        if sum(lengths) != n or min(lengths, default=0) < 0:
            raise OpError(f"split: sizes {list(sizes)} must be >= 0 and add up to the size "
                          f"{n} of axis {axis} (shape {x.shape})")
        ends = np.cumsum([0, *lengths]).tolist()
        bounds = list(zip(ends[:-1], ends[1:]))
    return _slices(x, bounds, axis)


@torch_keywords
def chunk(x: Any, chunks: int, axis: int = 0) -> list[Tensor]:
    """PyTorch's `chunk`: parts of ceil(size / chunks) along `axis`, the last one smaller if
    needed (so there may be fewer than `chunks` parts).

    >>> [p.shape[0] for p in chunk(Tensor(np.zeros(5)), 2)]
    [3, 2]
    """
    x = _tensor(x)
    axis = _axis(axis, x.ndim, "chunk", x.shape)
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise OpError(f"chunk: chunks must be a positive int, got {chunks!r}")
    n = x.shape[axis]
    size = max(math.ceil(n / chunks), 1)
    bounds = [(start, min(start + size, n)) for start in range(0, n, size)] or [(0, 0)]
    return _slices(x, bounds, axis)


@torch_keywords
def squeeze(x: Any, axis: Axis = None) -> Tensor:
    """Remove size-1 axes: all of them, or the ones named (each must have size 1, as in
    numpy).

    >>> squeeze(Tensor(np.zeros((1, 3, 1))), axis=0).shape
    (3, 1)
    """
    x = _tensor(x)
    shape = x.shape
    if axis is None:
        drop = {i for i, n in enumerate(shape) if n == 1}
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        drop = {_axis(a, x.ndim, "squeeze", shape) for a in axes}
        wide = [a for a in sorted(drop) if shape[a] != 1]
        if wide:
            raise OpError(f"squeeze: input of shape {shape}: axis {wide[0]} has size "
                          f"{shape[wide[0]]}, not 1")
    return Reshape.apply(x, shape=tuple([n for i, n in enumerate(shape) if i not in drop]))


@torch_keywords
def unsqueeze(x: Any, axis: int | tuple[int, ...]) -> Tensor:
    """Insert size-1 axes at the given positions of the result (numpy's `expand_dims`).

    >>> unsqueeze(Tensor(np.zeros(3)), -1).shape
    (3, 1)
    """
    x = _tensor(x)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = x.ndim + len(axes)
    positions = {_axis(a, ndim, "unsqueeze", x.shape) for a in axes}
    if len(positions) != len(axes):
        raise OpError(f"unsqueeze: axis {axis!r} repeats an axis")
    rest = iter(x.shape)
    return Reshape.apply(x, shape=tuple([1 if i in positions else next(rest)
                                        for i in range(ndim)]))


def broadcast_to(x: Any, shape: Any) -> Tensor:
    """Stretch to `shape` as numpy broadcasts (a -1 keeps that axis, as PyTorch's
    `expand`); the gradient sums over the stretched axes.

    >>> broadcast_to(Tensor([1.0, 2.0]), (3, 2)).shape
    (3, 2)
    """
    x = _tensor(x)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    offset = len(shape) - x.ndim
    if offset >= 0 and -1 in shape:
        shape = tuple([x.shape[i - offset] if n == -1 and i >= offset else n
                      for i, n in enumerate(shape)])
    return BroadcastTo.apply(x, shape=shape)


def expand(x: Any, *shape: Any) -> Tensor:
    """PyTorch's name for `broadcast_to`: `expand(x, 3, -1)` or `expand(x, (3, -1))`."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return broadcast_to(x, shape)


def flip(x: Any, axis: Axis = None) -> Tensor:
    """Reverse the order along `axis` (every axis when None, as numpy's `flip`)."""
    return Flip.apply(x, axis=axis)


def pad(x: Any, pad_width: Any, value: float = 0.0, mode: str = "constant") -> Tensor:
    """Pad with `value`, `pad_width` as numpy's `pad` takes it; or, with `mode` "reflect",
    "replicate" or "circular", with the input's own elements, as PyTorch's F.pad (numpy's
    names "edge" and "wrap" work too).

    >>> pad(Tensor([[1.0]]), ((0, 1), (2, 0))).tolist()
    [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    >>> pad(Tensor([1.0, 2.0, 3.0]), (2, 1), mode="reflect").tolist()
    [3.0, 2.0, 1.0, 2.0, 3.0, 2.0]
    """
    return Pad.apply(x, pad_width=pad_width, value=value, mode=mode)


# -- layers -----------------------------------------------------------------------------------
def dropout(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: while training, zero each element with probability p and scale the
    others by 1 / (1 - p); otherwise return x. Masks come from the framework generator.

    >>> dropout(Tensor([1.0, 2.0]), p=0.5, training=False).tolist()
    [1.0, 2.0]
    """
    return _dropout("dropout", x, p, training, None)


def dropout1d(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """`dropout` of whole channels of x (N, C, L): each channel is zeroed with probability p
    (all its L elements together), the others scaled by 1 / (1 - p), as PyTorch's.

    >>> dropout1d(Tensor(np.ones((1, 2, 3))), p=0.5, training=False).shape
    (1, 2, 3)
    """
    return _dropout("dropout1d", x, p, training, 3)


def dropout2d(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """`dropout` of whole channels of x (N, C, H, W), as PyTorch's (a feature map is dropped
    all at once: neighbouring pixels are too alike for element-wise dropout to regularise).

    >>> dropout2d(Tensor(np.ones((1, 2, 3, 3))), p=0.5, training=False).shape
    (1, 2, 3, 3)
    """
    return _dropout("dropout2d", x, p, training, 4)


def dropout3d(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """`dropout` of whole channels of x (N, C, D, H, W), as PyTorch's.

    >>> dropout3d(Tensor(np.ones((1, 2, 1, 3, 3))), p=0.5, training=False).shape
    (1, 2, 1, 3, 3)
    """
    return _dropout("dropout3d", x, p, training, 5)


def _dropout(op: str, x: Any, p: Any, training: bool, ndim: int | None) -> Tensor:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise OpError(f"{op}: p must be a probability in [0, 1], got {p!r}")
    x = _tensor(x)
    if ndim is not None and x.ndim != ndim:
        layout = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}[ndim]
        raise OpError(f"{op}: input must be {ndim}-D {layout}, got shape {x.shape}")
    if not training or p == 0:
        return x
    return Dropout.apply(x, p=float(p), channels=ndim is not None)


def _stat(array: Any, what: str) -> Any:
    """A running statistic: updated in place, so it must be a float array (or a Tensor's)."""
    array = _data(array)
    if array is not None and (not hasattr(array, "dtype") or array.dtype.kind != "f"):
        raise OpError(f"batch_norm: {what} must be a float array or Tensor (it is updated in "
                      f"place), got {type(array).__name__}")
    return array


def batch_norm(x: Any, running_mean: Any, running_var: Any, weight: Any = None,
               bias: Any = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Batch normalisation over axis 1 (channels) of (N, C) or (N, C, ...) input, as
    PyTorch's. Training uses the batch's mean and (biased) variance and updates
    `running_mean` and `running_var` in place (the variance unbiased, as PyTorch does):
    r = (1 - momentum) * r + momentum * batch_stat. Otherwise the running statistics are used.

    >>> mean, var = np.zeros(2), np.ones(2)
    >>> out = batch_norm(Tensor([[1.0, 2.0], [3.0, 6.0]]), mean, var, training=True)
    >>> [round(m, 6) for m in mean.tolist()]
    [0.2, 0.4]
    """
    return counted_batch_norm(x, running_mean, running_var, weight, bias, training, momentum,
                              eps, None)


def counted_batch_norm(x: Any, running_mean: Any, running_var: Any, weight: Any, bias: Any,
                       training: bool, momentum: float | None, eps: float,
                       num_batches_tracked: Any) -> Tensor:
    """`batch_norm`, and in training also `num_batches_tracked += 1` (an int64 array, or
    None), all in the op, where a jit replays it; momentum None: the cumulative average
    (batch k weighs 1 / k), as nn.BatchNorm's."""
    affine = [t for t in (weight, bias) if t is not None]
    return BatchNorm.apply(x, *affine, running_mean=_stat(running_mean, "running_mean"),
                           running_var=_stat(running_var, "running_var"),
                           training=bool(training), momentum=momentum, eps=eps,
                           has_weight=weight is not None, has_bias=bias is not None,
                           num_batches_tracked=num_batches_tracked)


def layer_norm(x: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its last axes (`normalized_shape`, an int or a tuple), then
    scale by `weight` and shift by `bias` (both of shape normalized_shape).

    >>> np.round(layer_norm(Tensor([[1.0, 3.0]]), 2).data, 4).tolist()
    [[-1.0, 1.0]]
    """
    shape = ((normalized_shape,) if isinstance(normalized_shape, (int, np.integer))
             else tuple(normalized_shape))
    affine = [t for t in (weight, bias) if t is not None]
    return LayerNorm.apply(x, *affine, normalized_shape=tuple([int(n) for n in shape]), eps=eps,
                           has_weight=weight is not None, has_bias=bias is not None)


def group_norm(x: Any, num_groups: int, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise x (N, C, ...) over each group of C // num_groups channels (and all their
    positions), then scale and shift each channel by `weight` and `bias` (C,), as PyTorch's
    F.group_norm.

    >>> np.round(group_norm(Tensor([[[1.0], [3.0], [5.0], [9.0]]]), 2).data[0, :, 0], 4).tolist()
    [-1.0, 1.0, -1.0, 1.0]
    """
    return tracked_group_norm(x, num_groups, weight, bias, eps, None, None, 0.1)


def tracked_group_norm(x: Any, num_groups: int, weight: Any, bias: Any, eps: float,
                       running_mean: Any, running_var: Any, momentum: float | None) -> Tensor:
    """`group_norm`, also blending each channel's mean and unbiased variance, averaged over
    the batch, into `running_mean` and `running_var` when given (instance norm's running
    statistics: one channel per group), in the op, where a jit replays it."""
    affine = [t for t in (weight, bias) if t is not None]
    return GroupNorm.apply(x, *affine, num_groups=num_groups, eps=eps,
                           has_weight=weight is not None, has_bias=bias is not None,
                           running_mean=running_mean, running_var=running_var,
                           momentum=momentum)


def embedding(indices: Any, weight: Any, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` (num_embeddings, dim) picked by integer `indices` of any shape; the
    result has shape indices.shape + (dim,). Repeated indices add their gradients; the row
    `padding_idx` (if given) gets none.

    >>> embedding([1, 1], Tensor([[0.0, 1.0], [2.0, 3.0]])).tolist()
    [[2.0, 3.0], [2.0, 3.0]]
    """
    indices = _data(indices)
    if isinstance(indices, (list, tuple, int, np.integer)):
        indices = np.asarray(indices)
    return Embedding.apply(weight, indices=indices, padding_idx=padding_idx)
