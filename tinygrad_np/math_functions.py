"""PyTorch's other elementwise functions and reductions: the trigonometric and hyperbolic
ones, log2 / log10 / exp2, atan2, hypot, logaddexp, xlogy, the rounding ones, remainder and
fmod (ops in `ops/transcendental.py` and `ops/rounding.py`), and, made of other ops, frac,
rsqrt, reciprocal, logit, lerp, nan_to_num, nansum, nanmean; the tests isnan, isinf,
isfinite, isclose, the logical ones, all, any and count_nonzero give constants (bool or
int64 Tensors without a gradient), as PyTorch's, and allclose and equal a Python bool;
addcmul and addcdiv are x + value * t1 * t2 (or / t2).

>>> from tinygrad_np import Tensor
>>> abs(atan2(Tensor([1.0]), Tensor([-1.0])).item() - 3 * 3.14159265 / 4) < 1e-6
True
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .function import OpError
from .ops.cumulative import Cumprod, LogCumSumExp
from .ops.rounding import Ceil, Floor, Fmod, Remainder, Round, Sign, Trunc
from .ops.transcendental import (Acos, Acosh, Asin, Asinh, Atan, Atan2, Atanh, Cosh, Exp2, Hypot,
                                 Log2, Log10, LogAddExp, Sinh, Tan, XLogY)
from .tensor import Tensor
from .tensor_ops import _tensor, clamp, where
from .torch_keywords import torch_keywords

__all__ = ["acos", "acosh", "addcdiv", "addcmul", "all", "allclose", "any", "asin", "asinh",
           "atan", "atan2", "atanh", "ceil", "cosh", "count_nonzero", "cumprod", "equal", "exp2",
           "floor", "fmod", "frac", "hypot", "isclose", "isfinite", "isinf", "isnan", "lerp",
           "log10", "log2", "logaddexp", "logcumsumexp", "logical_and", "logical_not",
           "logical_or", "logical_xor", "logit", "nan_to_num", "nanmean", "nansum", "reciprocal",
           "remainder", "round", "rsqrt", "sign", "sinh", "tan", "trunc", "xlogy"]

Axis = Any  # None, an int or a tuple of ints, as numpy takes it


def tan(x: Any) -> Tensor:
    return Tan.apply(x)


def asin(x: Any) -> Tensor:
    return Asin.apply(x)


def acos(x: Any) -> Tensor:
    return Acos.apply(x)


def atan(x: Any) -> Tensor:
    return Atan.apply(x)


def sinh(x: Any) -> Tensor:
    return Sinh.apply(x)


def cosh(x: Any) -> Tensor:
    return Cosh.apply(x)


def asinh(x: Any) -> Tensor:
    return Asinh.apply(x)


def acosh(x: Any) -> Tensor:
    return Acosh.apply(x)


def atanh(x: Any) -> Tensor:
    return Atanh.apply(x)


def log2(x: Any) -> Tensor:
    return Log2.apply(x)


def log10(x: Any) -> Tensor:
    return Log10.apply(x)


def exp2(x: Any) -> Tensor:
    return Exp2.apply(x)


def atan2(y: Any, x: Any) -> Tensor:
    """The angle of the point (x, y), in (-pi, pi] (numpy's arctan2, PyTorch's atan2)."""
    return Atan2.apply(y, x)


def hypot(a: Any, b: Any) -> Tensor:
    """sqrt(a ** 2 + b ** 2), without overflow."""
    return Hypot.apply(a, b)


def logaddexp(a: Any, b: Any) -> Tensor:
    """log(exp(a) + exp(b)), without overflow."""
    return LogAddExp.apply(a, b)


def xlogy(x: Any, y: Any) -> Tensor:
    """x * log(y), 0 where x is 0 (PyTorch's xlogy).

    >>> xlogy(Tensor([0.0, 2.0]), Tensor([0.0, 1.0])).tolist()
    [0.0, 0.0]
    """
    return XLogY.apply(x, y)


def floor(x: Any) -> Tensor:
    return Floor.apply(x)


def ceil(x: Any) -> Tensor:
    return Ceil.apply(x)


def trunc(x: Any) -> Tensor:
    return Trunc.apply(x)


def sign(x: Any) -> Tensor:
    """-1, 0 or 1 (NaN stays NaN); its gradient is 0."""
    return Sign.apply(x)


def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """To `decimals` places, halves to even (numpy's and PyTorch's rule); gradient 0.

    >>> round(Tensor([0.5, 1.5, 2.675]), decimals=0).tolist()
    [0.0, 2.0, 3.0]
    """
    return Round.apply(x, decimals=decimals)


def frac(x: Any) -> Tensor:
    """x - trunc(x): the fractional part, with x's sign; gradient 1."""
    x = _tensor(x)
    return x - trunc(x)


def remainder(a: Any, b: Any) -> Tensor:
    """a - floor(a / b) * b: Python's %, the divisor's sign (PyTorch's remainder)."""
    return Remainder.apply(a, b)


def fmod(a: Any, b: Any) -> Tensor:
    """a - trunc(a / b) * b: C's fmod, the dividend's sign."""
    return Fmod.apply(a, b)


def rsqrt(x: Any) -> Tensor:
    """1 / sqrt(x)."""
    return 1.0 / _tensor(x).sqrt()


def reciprocal(x: Any) -> Tensor:
    """1 / x."""
    return 1.0 / _tensor(x)


def logit(x: Any, eps: float | None = None) -> Tensor:
    """log(x / (1 - x)), the inverse of the sigmoid; with `eps`, x is first clamped to
    [eps, 1 - eps] (and the gradient is 0 outside), as PyTorch's."""
    x = _tensor(x)
    if eps is not None:
        if not 0 <= eps < 0.5:
            raise OpError(f"logit: eps must be in [0, 0.5), got {eps!r}")
        x = clamp(x, eps, 1.0 - eps)
    return (x / (1.0 - x)).log()


def lerp(start: Any, end: Any, weight: Any) -> Tensor:
    """start + weight * (end - start), PyTorch's linear interpolation (its formula for
    weight < 0.5: its other one, for weight >= 0.5, rounds differently)."""
    start = _tensor(start)
    return start + weight * (end - start)


def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN replaced by `nan`, inf by `posinf` and -inf by `neginf` (default: the dtype's
    largest and smallest finite numbers); the gradient passes where x was finite."""
    x = _tensor(x)
    info = np.finfo(x.dtype) if x.dtype.kind == "f" else None
    if info is None:
        return x
    data = x.data
    out = where(np.isnan(data), nan, x)
    out = where(np.isposinf(data), info.max if posinf is None else posinf, out)
    return where(np.isneginf(data), info.min if neginf is None else neginf, out)


@torch_keywords
def nansum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The sum with NaNs counted as 0 (they get gradient 0)."""
    x = _tensor(x)
    return where(np.isnan(x.data), 0.0, x).sum(axis=axis, keepdims=keepdims)


@torch_keywords
def nanmean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The mean of the elements that are not NaN (NaN where all are)."""
    x = _tensor(x)
    counted = (~np.isnan(x.data)).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
    return nansum(x, axis, keepdims) / counted


def _running(op: Any, x: Any, axis: int | None) -> Tensor:
    x = _tensor(x)
    if axis is None:  # over the flattened input, as numpy's (and this cumsum's)
        return op.apply(x.reshape(-1), axis=0)
    return op.apply(x, axis=axis)


@torch_keywords
def cumprod(x: Any, axis: int | None = None) -> Tensor:
    """The running product along `axis` (PyTorch's `dim`; None: the flattened input), with
    the right gradient where an element is 0.

    >>> cumprod(Tensor([2.0, 3.0, 0.5])).tolist()
    [2.0, 6.0, 3.0]
    """
    return _running(Cumprod, x, axis)


@torch_keywords
def logcumsumexp(x: Any, axis: int | None = None) -> Tensor:
    """log(cumsum(exp(x))) along `axis`, without overflow.

    >>> [f"{v:.4f}" for v in logcumsumexp(Tensor([0.0, 0.0, 1000.0])).tolist()]
    ['0.0000', '0.6931', '1000.0000']
    """
    return _running(LogCumSumExp, x, axis)


def _constant(value: Any) -> Tensor:
    return Tensor(np.asarray(value))


def isnan(x: Any) -> Tensor:
    return _constant(np.isnan(_tensor(x).data))


def isinf(x: Any) -> Tensor:
    return _constant(np.isinf(_tensor(x).data))


def isfinite(x: Any) -> Tensor:
    return _constant(np.isfinite(_tensor(x).data))


def isclose(x: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|x - other| <= atol + rtol * |other|, elementwise (PyTorch's and numpy's isclose)."""
    return _constant(np.isclose(_tensor(x).data, _values(other), rtol=rtol, atol=atol,
                                equal_nan=equal_nan))


def allclose(x: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element `isclose`: a Python bool."""
    return bool(np.allclose(_tensor(x).data, _values(other), rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def equal(x: Any, other: Any) -> bool:
    """PyTorch's torch.equal: the same shape and the same elements, a Python bool."""
    a, b = _tensor(x).data, _tensor(other).data
    return a.shape == b.shape and bool((a == b).all())


def addcmul(x: Any, tensor1: Any, tensor2: Any, *, value: float = 1.0) -> Tensor:
    """x + value * tensor1 * tensor2, differentiable in all three (PyTorch's addcmul).

    >>> addcmul(Tensor([1.0]), Tensor([2.0]), Tensor([3.0]), value=0.5).tolist()
    [4.0]
    """
    product = _tensor(tensor1) * tensor2
    return _tensor(x) + (product if value == 1 else product * value)


def addcdiv(x: Any, tensor1: Any, tensor2: Any, *, value: float = 1.0) -> Tensor:
    """x + value * tensor1 / tensor2, differentiable in all three (PyTorch's addcdiv)."""
    quotient = _tensor(tensor1) / tensor2
    return _tensor(x) + (quotient if value == 1 else quotient * value)


def _values(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def logical_and(a: Any, b: Any) -> Tensor:
    return _constant(np.logical_and(_values(a), _values(b)))


def logical_or(a: Any, b: Any) -> Tensor:
    return _constant(np.logical_or(_values(a), _values(b)))


def logical_xor(a: Any, b: Any) -> Tensor:
    return _constant(np.logical_xor(_values(a), _values(b)))


def logical_not(x: Any) -> Tensor:
    return _constant(np.logical_not(_values(x)))


@torch_keywords
def all(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether every element is true (non-zero); a bool Tensor."""
    return _constant(np.all(_values(x), axis=axis, keepdims=keepdims))


@torch_keywords
def any(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether some element is true (non-zero); a bool Tensor."""
    return _constant(np.any(_values(x), axis=axis, keepdims=keepdims))


@torch_keywords
def count_nonzero(x: Any, axis: Axis = None) -> Tensor:
    """How many elements are non-zero; an int64 Tensor."""
    return _constant(np.asarray(np.count_nonzero(_values(x), axis=axis), dtype=np.int64))
