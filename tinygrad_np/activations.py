"""More of PyTorch's activations, made of other ops (no `Function` of their own): `selu`,
`celu`, `softsign`, `softmin`, `glu`, `hardshrink`, `softshrink`, `tanhshrink`, `threshold`.
Their gradients, double backward and jit come from the ops they are made of; at the
points where the pieces meet, each takes PyTorch's side.

>>> from tinygrad_np import Tensor
>>> softshrink(Tensor([-2.0, 0.2, 1.5]), 0.5).tolist()
[-1.5, 0.0, 1.0]
"""
from __future__ import annotations

from typing import Any

from .function import OpError
from .functional import sigmoid, softmax, tanh
from .tensor import Tensor
from .tensor_ops import _tensor, clamp, elu, where
from .torch_keywords import torch_keywords

__all__ = ["celu", "glu", "hardshrink", "selu", "softmin", "softshrink", "softsign", "tanhshrink",
           "threshold"]

# SELU's constants, PyTorch's (Klambauer et al. 2017)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Any, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with SELU's alpha and scale (the slope at 0 is elu's left one,
    scale * alpha, as PyTorch's).

    >>> round(selu(Tensor([1.0])).item(), 6)
    1.050701
    """
    return elu(x, alpha=SELU_ALPHA) * SELU_SCALE


def celu(x: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)): alpha * elu(x / alpha).

    >>> round(celu(Tensor([-1.0]), 2.0).item(), 6)
    -0.786939
    """
    if alpha == 0:
        raise OpError("celu: alpha must not be 0 (it divides x)")
    x = _tensor(x)
    return where(x.data > 0, x, elu(x * (1.0 / alpha), alpha=1.0) * alpha)  # x itself above 0


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|).

    >>> softsign(Tensor([1.0, -3.0])).tolist()
    [0.5, -0.75]
    """
    x = _tensor(x)
    return x / (abs(x) + 1.0)


@torch_keywords
def softmin(x: Any, axis: int = -1) -> Tensor:
    """softmax(-x) along `axis` (PyTorch's `dim`).

    >>> [round(v, 4) for v in softmin(Tensor([0.0, 1.0])).tolist()]
    [0.7311, 0.2689]
    """
    return softmax(-_tensor(x), axis)


@torch_keywords
def glu(x: Any, axis: int = -1) -> Tensor:
    """a * sigmoid(b), with a and b the two halves of x along `axis` (PyTorch's `dim`),
    which must have an even length.

    >>> glu(Tensor([[2.0, 0.0]])).tolist()
    [[1.0]]
    """
    x = _tensor(x)
    if not x.ndim or x.shape[axis] % 2:
        raise OpError(f"glu: input {x.shape} must have an even length along axis {axis}")
    a, b = x.chunk(2, axis=axis)
    return a * sigmoid(b)


def hardshrink(x: Any, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere (the gradient 1 and 0 likewise).

    >>> hardshrink(Tensor([-1.0, 0.5, 0.7])).tolist()
    [-1.0, 0.0, 0.699999988079071]
    """
    x = _tensor(x)
    return where(~((x.data >= -lambd) & (x.data <= lambd)), x, 0.0)  # NaN passes, as PyTorch


def softshrink(x: Any, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise OpError(f"softshrink: lambd must be at least 0, got {lambd}")
    x = _tensor(x)
    return x - clamp(x, -lambd, lambd)  # (a NaN stays NaN, as in PyTorch)


def tanhshrink(x: Any) -> Tensor:
    """x - tanh(x).

    >>> round(tanhshrink(Tensor([1.0])).item(), 6)
    0.238406
    """
    x = _tensor(x)
    return x - tanh(x)


def threshold(x: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, `value` elsewhere (PyTorch's F.threshold).

    >>> threshold(Tensor([0.5, 2.0]), 1.0, -1.0).tolist()
    [-1.0, 2.0]
    """
    x = _tensor(x)
    return where(~(x.data <= threshold), x, float(value))  # NaN passes, as PyTorch
