"""Ops as plain functions, so a model reads as the maths: `relu(x @ W1 + b1) @ W2 + b2`.

Each accepts Tensors, arrays or numbers and is the same op as the Tensor method.
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from .function import OpError
from .ops.combine import Pad
from .ops.conv import (Conv1d, Conv2d, ConvTranspose2d, _single, check_transpose, pair,
                       same_sides, transpose_sizes)
from .ops.elementwise import Exp, Log, Relu, Sigmoid, Sqrt, Tanh
from .ops.fold import Fold, Unfold
from .ops.linalg import Einsum, MatMul
from .ops.lp_pool import LpRoot
from .ops.nn import L2, LogSoftmax, Softmax, SoftmaxCrossEntropy
from .ops.pool import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                       AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d)
from .ops.pool import _pool1d_args, _size1d, pool_args
from .ops.resample import Interpolate, resample_sizes
from .ops.unpool import (MaxUnpool2d, adaptive_max_pool_indices, max_pool_indices,
                         unpool_args, unpool_size)
from .tensor import Tensor
from .tensor_ops import _tensor
from .torch_keywords import ABSENT, takes_input, the_input, torch_keywords


def relu(x: Any, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise. `inplace` is PyTorch's flag, accepted here as by every
    activation and dropout: the result is always a new tensor, since autograd keeps x."""
    return Relu.apply(x)


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow."""
    return Sigmoid.apply(x)


def tanh(x: Any) -> Tensor:
    return Tanh.apply(x)


def exp(x: Any) -> Tensor:
    return Exp.apply(x)


def log(x: Any) -> Tensor:
    return Log.apply(x)


def sqrt(x: Any) -> Tensor:
    return Sqrt.apply(x)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b, as numpy's matmul (1-D, 2-D, batched)."""
    return MatMul.apply(a, b)


dot = matmul


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """numpy's and PyTorch's `einsum`: "ij,jk->ik" names each operand's axes, and the
    output's; a subscript in several operands is multiplied along, one left out of the
    output is summed. "..." stands for the leading axes (broadcast); without "->" the
    output is the ellipsis, then the subscripts used once, in alphabetical order. The
    operands may also come as one list, as PyTorch allows.

    >>> einsum("ij,j->i", Tensor([[1.0, 2.0], [3.0, 4.0]]), Tensor([1.0, 1.0])).tolist()
    [3.0, 7.0]
    >>> einsum("ii", Tensor([[1.0, 2.0], [3.0, 4.0]])).item()  # the trace
    5.0
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(subscripts, str) or not operands:
        raise OpError(f"einsum: expected a subscripts string and at least one operand, got "
                      f"{subscripts!r} and {len(operands)} operand(s)")
    return Einsum.apply(*operands, subscripts=subscripts)


@torch_keywords
def softmax(x: Any, axis: int | None = -1, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis` (the last by default; None is the default too),
    stable; PyTorch's `dtype=` casts the input first (differentiably)."""
    return Softmax.apply(_cast(x, dtype), axis=-1 if axis is None else axis)


@torch_keywords
def log_softmax(x: Any, axis: int | None = -1, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """log(softmax(x)) along `axis`, computed stably; `dtype=` as in `softmax`."""
    return LogSoftmax.apply(_cast(x, dtype), axis=-1 if axis is None else axis)


def _cast(x: Any, dtype: Any) -> Any:
    if dtype is None:
        return x
    return _tensor(x).astype(dtype)


def softmax_cross_entropy(logits: Any, labels: Any) -> Tensor:
    """Mean cross-entropy of softmax(logits) against class indices (N,) or target rows (N, C).

    >>> from tinygrad_np import Tensor, softmax_cross_entropy
    >>> round(softmax_cross_entropy(Tensor([[0.0, 0.0]]), [1]).item(), 4)
    0.6931
    """
    return SoftmaxCrossEntropy.apply(logits, labels=labels)


def l2(x: Any) -> Tensor:
    """0.5 * sum(x ** 2)."""
    return L2.apply(x)


# -- convolution and pooling (NCHW, PyTorch's argument names and meanings) ----------------------
F = TypeVar("F", bound=Callable[..., Any])


def _unbatched_too(dims: int, indices: bool = False) -> Callable[[F], F]:
    """Let a conv or pool function also take one unbatched input of dims + 1 axes, (C, H, W)
    or (C, L), as PyTorch's do: it runs on a batch of one, and what it returns (the indices
    with return_indices too) comes back without the batch axis. With `indices`, the second
    argument (max_unpool's indices) is unbatched along with the input. The input may come
    as `input=` too (`takes_input`)."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(x: Any = ABSENT, *args: Any, **kwargs: Any) -> Any:
            if kwargs or x is ABSENT:
                x = the_input(fn.__name__, x, kwargs)
            if np.ndim(x.data if isinstance(x, Tensor) else x) != dims + 1:
                return fn(x, *args, **kwargs)
            x = _tensor(x)
            shapes = {x.shape}  # the user's shapes, seen with a batch axis of one
            x = x.reshape((1, *x.shape))
            if indices and args:
                shapes.add(np.shape(_data(args[0])))
                args = (_tensor(args[0]).reshape((1, *np.shape(_data(args[0])))), *args[1:])
            try:
                out = fn(x, *args, **kwargs)
            except OpError as error:
                others = (*args[1:], *kwargs.values()) if indices else (*args, *kwargs.values())
                raise _unbatched_error(error, shapes, others) from None
            if isinstance(out, tuple):
                return tuple([part.reshape(part.shape[1:]) for part in out])
            return out.reshape(out.shape[1:])
        return cast(F, run)
    return wrap


def _unbatched_error(error: OpError, shapes: set[tuple[int, ...]],
                     others: tuple[Any, ...]) -> OpError:
    """The error of a batch of one made of an unbatched input, with the user's own shapes
    in it: each shape seen as (1, *shape) written as it was given. Where another argument
    (a weight) has such a shape too, which it is cannot be told: a note instead."""
    message = str(error)
    seen = {str((1, *shape)): str(shape) for shape in shapes}
    if any(str(getattr(other, "shape", None)) in seen for other in others):
        shown = " and ".join(sorted(seen.values()))
        return OpError(f"{message} (for the unbatched input {shown}, taken as a batch of one)")
    for batched, own in seen.items():
        message = message.replace(batched, own)
    return OpError(message)


@_unbatched_too(2)
def conv2d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch's) of x (N, C, H, W) with weight
    (out_channels, C // groups, kh, kw), plus bias (out_channels,). stride, padding and
    dilation are an int or a pair; padding may also be "valid" (0) or "same" (stride 1; for
    an even kernel the extra row and column go below and to the right, as in PyTorch).

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, conv2d
    >>> x = Tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
    >>> conv2d(x, Tensor(np.ones((1, 1, 2, 2), dtype=np.float32)), stride=2).data[0, 0]
    array([[10., 18.],
           [42., 50.]], dtype=float32)
    """
    x, padding = _same_padding(x, weight, stride, padding, dilation, 2)
    if bias is None:
        return Conv2d.apply(x, weight, stride=stride, padding=padding, dilation=dilation,
                            groups=groups)
    return Conv2d.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation,
                        groups=groups)


@_unbatched_too(1)
def conv1d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution of x (N, C, L) with weight (out_channels, C // groups, k).

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, conv1d
    >>> conv1d(Tensor([[[1.0, 2.0, 3.0, 4.0]]]), Tensor([[[1.0, -1.0]]])).data
    array([[[-1., -1., -1.]]], dtype=float32)
    """
    x, padding = _same_padding(x, weight, stride, padding, dilation, 1)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Conv1d.apply(*inputs, stride=stride, padding=padding, dilation=dilation,
                        groups=groups)


def _same_padding(x: Any, weight: Any, stride: Any, padding: Any, dilation: Any,
                  dims: int) -> tuple[Any, Any]:
    """padding="same" where a side needs one more than the other (an even kernel with
    dilation 1): the extra row or column goes below or to the right, as PyTorch puts it,
    by a Pad before the conv, which then pads both sides alike. Anything else is left to
    the conv itself (which also gives the errors)."""
    if not (isinstance(padding, str) and padding == "same") or \
            getattr(x, "ndim", None) != dims + 2 or len(getattr(weight, "shape", ())) != dims + 2:
        return x, padding
    steps = tuple(stride) if isinstance(stride, (tuple, list)) else (stride,) * dims
    spread = tuple(dilation) if isinstance(dilation, (tuple, list)) else (dilation,) * dims
    steps, spread = (steps * dims if len(steps) == 1 else steps,  # (1,): every axis
                     spread * dims if len(spread) == 1 else spread)
    if len(steps) != dims or len(spread) != dims or any(s != 1 for s in steps) or \
            not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in spread):
        return x, padding
    sides = same_sides(weight.shape[2:], tuple(spread))
    if all(before == after for before, after in sides):
        return x, padding
    x = Pad.apply(x, pad_width=[(0, 0), (0, 0)] + [(0, after - before) for before, after in sides])
    both = tuple([before for before, _ in sides])
    return x, both if dims > 1 else both[0]


@_unbatched_too(2)
def conv_transpose2d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution (the gradient of conv2d with respect to its input), weight
    (in_channels, out_channels // groups, kh, kw); output size
    (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, conv_transpose2d
    >>> x = Tensor(np.ones((1, 1, 2, 2), dtype=np.float32))
    >>> conv_transpose2d(x, Tensor(np.ones((1, 1, 2, 2), dtype=np.float32)), stride=2).shape
    (1, 1, 4, 4)
    """
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return ConvTranspose2d.apply(*inputs, stride=stride, padding=padding,
                                 output_padding=output_padding, groups=groups,
                                 dilation=dilation)


@_unbatched_too(1)
def conv_transpose1d(x: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """Transposed 1-D convolution of x (N, C, L) with weight (in_channels, out_channels //
    groups, k): `conv_transpose2d` on the input seen as (N, C, 1, L).

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, conv_transpose1d
    >>> conv_transpose1d(Tensor([[[1.0, 2.0]]]), Tensor([[[1.0, 1.0, 1.0]]]), stride=2).tolist()
    [[[1.0, 1.0, 3.0, 2.0, 2.0]]]
    """
    op = "conv_transpose1d"
    x, weight = _tensor(x), _tensor(weight)
    if x.ndim != 3 or weight.ndim != 3:
        raise OpError(f"{op}: input must be 3-D (N, C, L) and weight 3-D (in_channels, "
                      f"out_channels // groups, k), got {x.shape} and {weight.shape}")
    s, p, o, d = (_single(v, name, op, low) for v, name, low in (
        (stride, "stride", 1), (padding, "padding", 0), (output_padding, "output_padding", 0),
        (dilation, "dilation", 1)))
    # checked here, on the user's shapes: conv_transpose2d would speak of (N, C, 1, L)
    check_transpose(op, x, weight, None if bias is None else _tensor(bias), groups, 1)
    transpose_sizes(op, x, weight, (s,), (p,), (d,), (o,))
    out = conv_transpose2d(x[:, :, None], weight[:, :, None], bias, (1, s), (0, p), (0, o),
                           groups, (1, d))
    return out[:, :, 0]


@_unbatched_too(2)
def max_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Largest value of each window of x (N, C, H, W); stride defaults to kernel_size,
    padding counts as -inf; `dilation` spaces a window's elements, `ceil_mode` keeps the
    last windows that run off the bottom or the right (PyTorch's output size). On ties the
    gradient goes to the first largest element of the window in row-major order, as in
    PyTorch. With `return_indices`, (output, indices): where each maximum is in its image,
    row * W + column (int64, not differentiable), as `max_unpool2d` takes them.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, max_pool2d
    >>> max_pool2d(Tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)), 2).data[0, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    >>> max_pool2d(Tensor([[[[1.0, 4.0], [3.0, 2.0]]]]), 2, return_indices=True)[1].tolist()
    [[[[1]]]]
    """
    out = MaxPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding,
                          dilation=dilation, ceil_mode=ceil_mode)
    if not _indices_wanted("max_pool2d", return_indices):
        return out
    return out, Tensor(max_pool_indices(_data(x), kernel_size, stride, padding, dilation,
                                        ceil_mode))


def _indices_wanted(op: str, return_indices: Any) -> bool:
    if not isinstance(return_indices, (bool, np.bool_)):
        raise OpError(f"{op}: return_indices must be True or False, got {return_indices!r}")
    return bool(return_indices)


def _data(x: Any) -> Any:
    return _tensor(x).data


@_unbatched_too(2)
def lp_pool2d(x: Any, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """PyTorch's F.lp_pool2d: each window's (sum of x ** p) ** (1 / p), p = norm_type (p = 1:
    the sum; large p: near the maximum), as area * avg_pool2d(x ** p), then the root;
    p = inf or -inf: the largest or smallest |x| of each window, as PyTorch 2.13's.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, lp_pool2d
    >>> lp_pool2d(Tensor(np.full((1, 1, 2, 2), 3.0)), 2, 2).tolist()
    [[[[6.0]]]]
    """
    op = "lp_pool2d"
    kh, kw = pair(kernel_size, "kernel_size", op, 1)
    x = _tensor(x)
    pool_args(op, x, kernel_size, stride, 0, 1, ceil_mode)  # errors in lp_pool2d's words
    if _infinite(norm_type):
        return _extreme(max_pool2d, x, norm_type, kernel_size, stride, ceil_mode)
    mean = avg_pool2d(x ** norm_type, kernel_size, stride, 0, ceil_mode)
    return LpRoot.apply(mean, area=kh * kw, norm_type=float(norm_type))


def _infinite(norm_type: Any) -> bool:
    return isinstance(norm_type, (int, float, np.integer, np.floating)) and \
        bool(np.isinf(norm_type))


def _extreme(max_pool: Callable[..., Any], x: Tensor, norm_type: float, kernel_size: Any,
             stride: Any, ceil_mode: bool) -> Tensor:
    """lp_pool with p = inf or -inf, as PyTorch 2.13's: the largest or the smallest |x| of
    each window (a max pool, of -|x| for the smallest), not the limit of the power mean."""
    if norm_type > 0:
        return max_pool(x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    return -max_pool(-x.abs(), kernel_size, stride, 0, 1, ceil_mode)


@_unbatched_too(1)
def lp_pool1d(x: Any, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """`lp_pool2d` for x (N, C, L).

    >>> from tinygrad_np import Tensor, lp_pool1d
    >>> lp_pool1d(Tensor([[[3.0, 4.0]]]), 2, 2).tolist()
    [[[5.0]]]
    """
    op = "lp_pool1d"
    k = _single(kernel_size, "kernel_size", op, 1)
    x = _tensor(x)
    _pool1d_args(op, x, k, stride, 0, 1, ceil_mode)  # errors in lp_pool1d's words
    if _infinite(norm_type):
        return _extreme(max_pool1d, x, norm_type, k, stride, ceil_mode)
    mean = avg_pool1d(x ** norm_type, k, stride, 0, ceil_mode)
    return LpRoot.apply(mean, area=k, norm_type=float(norm_type))


@_unbatched_too(2, indices=True)
def max_unpool2d(x: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The inverse of `max_pool2d(..., return_indices=True)`, as PyTorch's: zeros of the
    pooled input's size, (H - 1) * stride - 2 * padding + kernel_size per axis (or
    `output_size`), with each value of x put back where `indices` says; differentiable in x.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, max_pool2d, max_unpool2d
    >>> out, indices = max_pool2d(Tensor([[[[1.0, 4.0], [3.0, 2.0]]]]), 2, return_indices=True)
    >>> max_unpool2d(out, indices, 2).tolist()
    [[[[0.0, 4.0], [0.0, 0.0]]]]
    """
    op = "max_unpool2d"
    kernel, step, pad_ = unpool_args(op, kernel_size, stride, padding)
    data = _data(x)
    if data.ndim != 4:
        raise OpError(f"{op}: input must be 4-D (N, C, H, W), got shape {data.shape}")
    size = unpool_size(op, data.shape, kernel, step, pad_, output_size)
    return MaxUnpool2d.apply(x, _tensor(indices), out_hw=size)


@_unbatched_too(1, indices=True)
def max_unpool1d(x: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """`max_unpool2d` for x (N, C, L), the inverse of `max_pool1d(..., return_indices=True)`.

    >>> from tinygrad_np import Tensor, max_pool1d, max_unpool1d
    >>> out, indices = max_pool1d(Tensor([[[1.0, 5.0, 2.0, 7.0]]]), 2, return_indices=True)
    >>> max_unpool1d(out, indices, 2).tolist()
    [[[0.0, 5.0, 0.0, 7.0]]]
    """
    op = "max_unpool1d"
    kernel, step, pad_ = (_single(kernel_size, "kernel_size", op, 1),
                          None if stride is None else _single(stride, "stride", op, 1),
                          _single(padding, "padding", op, 0))
    data = _data(x)
    if data.ndim != 3:
        raise OpError(f"{op}: input must be 3-D (N, C, L), got shape {data.shape}")
    step = kernel if step is None else step
    size = unpool_size(op, data.shape, (kernel,), (step,), (pad_,), output_size)
    index = _tensor(indices)
    if index.shape != data.shape:  # here: MaxUnpool2d would speak of (N, C, 1, L)
        raise OpError(f"{op}: indices {index.shape} must have the input's shape {data.shape}")
    out = MaxUnpool2d.apply(_tensor(x)[:, :, None], index[:, :, None], out_hw=(1,) + size,
                            op=op)
    return out[:, :, 0]


@_unbatched_too(2)
def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean of each window of x (N, C, H, W), with PyTorch's arguments and meanings: zero
    padding counts in the mean unless count_include_pad=False; `ceil_mode` keeps the last
    windows that run off the bottom or the right; `divisor_override` divides every sum by
    that number.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, avg_pool2d
    >>> avg_pool2d(Tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)), 2).data[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    return AvgPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding,
                           ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                           divisor_override=divisor_override)


@_unbatched_too(2)
def adaptive_avg_pool2d(x: Any, output_size: Any) -> Tensor:
    """Average pooling of x (N, C, H, W) to output_size (an int or a pair; None keeps that
    size). Window i covers rows floor(i * H / oh) to ceil((i + 1) * H / oh), and so for the
    columns, as in PyTorch: side by side where the size divides (H, W), else uneven (and
    overlapping).

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, adaptive_avg_pool2d
    >>> adaptive_avg_pool2d(Tensor(np.ones((2, 3, 4, 4), dtype=np.float32)), 1).shape
    (2, 3, 1, 1)
    """
    return AdaptiveAvgPool2d.apply(x, output_size=output_size)


@_unbatched_too(1)
def max_pool1d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """`max_pool2d` for x (N, C, L), with the same meanings; indices are positions in L.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, max_pool1d
    >>> max_pool1d(Tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2, ceil_mode=True).data
    array([[[3., 5., 4.]]], dtype=float32)
    """
    out = MaxPool1d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding,
                          dilation=dilation, ceil_mode=ceil_mode)
    if not _indices_wanted("max_pool1d", return_indices):
        return out
    data = _data(x)
    k, s, p, d = _pool1d_args("max_pool1d", data, kernel_size, stride, padding, dilation,
                              ceil_mode)
    index = max_pool_indices(data[:, :, None], (1, k), (1, s), (0, p), (1, d), ceil_mode)
    return out, Tensor(index[:, :, 0])


@_unbatched_too(1)
def avg_pool1d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """`avg_pool2d` for x (N, C, L), with the same meanings.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, avg_pool1d
    >>> avg_pool1d(Tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2).data
    array([[[2., 4.]]], dtype=float32)
    """
    return AvgPool1d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding,
                           ceil_mode=ceil_mode, count_include_pad=count_include_pad)


@_unbatched_too(1)
def adaptive_avg_pool1d(x: Any, output_size: Any) -> Tensor:
    """`adaptive_avg_pool2d` for x (N, C, L): PyTorch's windows, of any output size.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, adaptive_avg_pool1d
    >>> adaptive_avg_pool1d(Tensor([[[1.0, 3.0, 2.0, 6.0, 4.0]]]), 2).data
    array([[[2., 4.]]], dtype=float32)
    """
    return AdaptiveAvgPool1d.apply(x, output_size=output_size)


@_unbatched_too(2)
def adaptive_max_pool2d(x: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The largest value of each of PyTorch's adaptive windows of x (N, C, H, W), to
    output_size (an int or a pair; None keeps that size); ties and `return_indices` as
    `max_pool2d`.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, adaptive_max_pool2d
    >>> adaptive_max_pool2d(Tensor(np.arange(9.0).reshape(1, 1, 3, 3)), 2).data[0, 0]
    array([[4., 5.],
           [7., 8.]])
    """
    out = AdaptiveMaxPool2d.apply(x, output_size=output_size)
    if not _indices_wanted("adaptive_max_pool2d", return_indices):
        return out
    return out, Tensor(adaptive_max_pool_indices(_data(x), output_size))


@_unbatched_too(1)
def adaptive_max_pool1d(x: Any, output_size: Any, return_indices: bool = False) -> Any:
    """`adaptive_max_pool2d` for x (N, C, L); indices are positions in L.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, adaptive_max_pool1d
    >>> adaptive_max_pool1d(Tensor([[[1.0, 3.0, 2.0, 6.0, 4.0]]]), 2).data
    array([[[3., 6.]]], dtype=float32)
    """
    out = AdaptiveMaxPool1d.apply(x, output_size=output_size)
    if not _indices_wanted("adaptive_max_pool1d", return_indices):
        return out
    data = _data(x)
    size = _size1d("adaptive_max_pool1d", data, output_size)
    return out, Tensor(adaptive_max_pool_indices(data[:, :, None], (1, size))[:, :, 0])


@takes_input
def unfold(x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """PyTorch's F.unfold (im2col): every kh x kw block of x (N, C, H, W), or (C, H, W), as a
    column, (N, C * kh * kw, L) with rows (channel, kernel row, kernel column) and the L
    blocks row-major. A conv is `weight.reshape(O, -1) @ unfold(x, ...)`.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, unfold
    >>> unfold(Tensor(np.arange(9.0).reshape(1, 1, 3, 3)), 2).tolist()
    [[[0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0], [3.0, 4.0, 6.0, 7.0], [4.0, 5.0, 7.0, 8.0]]]
    """
    t = _tensor(x)
    if t.ndim == 3:
        return Unfold.apply(t[None], kernel_size=kernel_size, dilation=dilation,
                            padding=padding, stride=stride)[0]
    return Unfold.apply(t, kernel_size=kernel_size, dilation=dilation, padding=padding,
                        stride=stride)


@takes_input
def fold(x: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """PyTorch's F.fold (col2im), the adjoint of `unfold`: columns (N, C * kh * kw, L), or
    (C * kh * kw, L), added back into images (N, C, *output_size), overlaps summed.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, fold
    >>> fold(Tensor(np.ones((1, 4, 4))), (3, 3), 2).tolist()   # how many blocks meet a pixel
    [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    t = _tensor(x)
    if t.ndim == 2:
        return Fold.apply(t[None], output_size=output_size, kernel_size=kernel_size,
                          dilation=dilation, padding=padding, stride=stride)[0]
    return Fold.apply(t, output_size=output_size, kernel_size=kernel_size,
                      dilation=dilation, padding=padding, stride=stride)


@takes_input
def interpolate(x: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resample x (N, C, L), (N, C, H, W) or (N, C, D, H, W) to `size`, or by `scale_factor`
    (each output size then floor(size * factor)), as PyTorch's F.interpolate: mode
    "nearest" (PyTorch's, the floor of the scaled index), "nearest-exact", "linear" (3-D
    input), "bilinear" or "bicubic" (4-D), "trilinear" (5-D), with `align_corners` as
    PyTorch's, or "area" (adaptive average pooling to the output size); `antialias=True`
    (bilinear and bicubic) filters as PyTorch's (PIL's) when shrinking. With
    recompute_scale_factor=True the scale comes from the sizes, not the factor.
    Differentiable; the gradient folds each output back onto the inputs it took.

    >>> import numpy as np
    >>> from tinygrad_np import Tensor, interpolate
    >>> interpolate(Tensor([[[1.0, 2.0]]]), scale_factor=2).data
    array([[[1., 1., 2., 2.]]], dtype=float32)
    >>> interpolate(Tensor([[[0.0, 4.0]]]), size=4, mode="linear").data
    array([[[0., 1., 3., 4.]]], dtype=float32)
    """
    if isinstance(mode, str) and mode == "area":
        return _area(_tensor(x), size, scale_factor, align_corners, antialias)
    return Interpolate.apply(x, size=size, scale_factor=scale_factor, mode=mode,
                             align_corners=align_corners,
                             recompute_scale_factor=recompute_scale_factor,
                             antialias=antialias)


def _area(x: Tensor, size: Any, scale_factor: Any, align_corners: Any, antialias: Any) -> Tensor:
    """interpolate's mode "area", as PyTorch's: adaptive average pooling to the output size
    (floor(size * factor) for a scale_factor; recompute_scale_factor changes nothing)."""
    op = "interpolate"
    if align_corners is not None:
        raise OpError(f"{op}: align_corners is only for the linear modes, not 'area'")
    if antialias:
        raise OpError(f"{op}: antialias=True is for the bilinear and bicubic modes on a 4-D "
                      f"(N, C, H, W) input, got mode 'area' and shape {x.shape}")
    if x.ndim not in (3, 4, 5):
        raise OpError(f"{op}: mode 'area' needs a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D "
                      f"(N, C, D, H, W) input, got shape {x.shape}")
    sizes, _ = resample_sizes(op, x.shape, size, scale_factor, x.ndim - 2)
    if x.ndim == 3:
        return adaptive_avg_pool1d(x, sizes[0])
    if x.ndim == 4:
        return adaptive_avg_pool2d(x, sizes)
    from .volumetric import adaptive_avg_pool3d  # (volumetric imports this module)

    return adaptive_avg_pool3d(x, sizes)


def upsample(input: Any, size: Any = None, scale_factor: Any = None,  # noqa: A002
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """PyTorch's deprecated F.upsample: `interpolate`, with PyTorch's warning."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Any, size: Any = None,  # noqa: A002 - PyTorch's names
                     scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated F.upsample_nearest: `interpolate(..., mode="nearest")`."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Any, size: Any = None,  # noqa: A002 - PyTorch's names
                      scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated F.upsample_bilinear: `interpolate(..., mode="bilinear",
    align_corners=True)`, as PyTorch's."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
