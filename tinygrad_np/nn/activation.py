"""Activation modules: each calls the function of the same name (`tinygrad_np.gelu`, ...) and
has no parameters, so it can sit in a `Sequential`. (`ReLU`, `Sigmoid`, `Tanh` are in
layers.py.) Where PyTorch's module takes `inplace`, ours does too, so that PyTorch model code
runs as written; the result is the same, computed out of place (a new tensor; the input
keeps its values), since the engine has no in-place autograd.

>>> import numpy as np
>>> from tinygrad_np import nn
>>> nn.LeakyReLU(0.1)(np.array([-1.0, 2.0])).data
array([-0.1,  2. ])
>>> nn.Softmax(axis=1)(np.zeros((1, 4))).data
array([[0.25, 0.25, 0.25, 0.25]])
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..activations import (celu, glu, hardshrink, selu, softmin, softshrink, softsign,
                           tanhshrink, threshold)
from ..functional import log_softmax, softmax
from ..noise import rrelu
from ..tensor import Tensor
import numpy as np

from ..memory import aligned
from ..tensor_ops import (elu, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid, mish,
                          prelu, relu6, silu, softplus)
from ..torch_keywords import torch_keywords
from .module import Module

__all__ = ["CELU", "ELU", "GELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh",
           "LeakyReLU", "LogSigmoid", "LogSoftmax", "Mish", "PReLU", "RReLU", "ReLU6", "SELU",
           "SiLU", "Softmax", "Softmin", "Softplus", "Softshrink", "Softsign", "Tanhshrink",
           "Threshold"]


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (`leaky_relu`)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        self.negative_slope = float(negative_slope)
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Tensor:
        return leaky_relu(x, negative_slope=self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + _inplace(self, ", ")


class RReLU(Module):
    """`torch.nn.RReLU(lower=1/8, upper=1/3)`: while training, a random slope in
    [lower, upper] for each element at or below 0; in eval mode their mean (`rrelu`)."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        self.lower, self.upper = float(lower), float(upper)
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Tensor:
        return rrelu(x, self.lower, self.upper, training=self.training)

    def extra_repr(self) -> str:  # PyTorch's
        return f"lower={self.lower}, upper={self.upper}" + _inplace(self, ", ")


class ELU(Module):
    """x for x > 0, alpha * (exp(x) - 1) otherwise (`elu`)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        self.alpha = float(alpha)
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Tensor:
        return elu(x, alpha=self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace(self, ", ")


class GELU(Module):
    """x * Phi(x), exact with erf (`approximate="none"`, PyTorch's default) or the tanh
    formula (`"tanh"`) (`gelu`)."""

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x), also called swish (`silu`)."""

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Tensor:
        return silu(x)

    def extra_repr(self) -> str:
        return _inplace(self)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, and x where beta * x > threshold (`softplus`)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta = float(beta)
        self.threshold = float(threshold)

    def forward(self, x: Any) -> Tensor:
        return softplus(x, beta=self.beta, threshold=self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """softmax over `axis` (PyTorch's `dim`); the last axis by default."""

    @torch_keywords
    def __init__(self, axis: int | None = -1) -> None:
        self.axis = -1 if axis is None else int(axis)  # None: PyTorch's default name

    def forward(self, x: Any) -> Tensor:
        return softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """log_softmax over `axis` (PyTorch's `dim`); the last axis by default. Pairs with
    `nn.NLLLoss`."""

    @torch_keywords
    def __init__(self, axis: int | None = -1) -> None:
        self.axis = -1 if axis is None else int(axis)  # None: PyTorch's default name

    def forward(self, x: Any) -> Tensor:
        return log_softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class _Pointwise(Module):
    """An activation with no settings: the module calls `function` on its input."""

    function: Callable[[Any], Tensor]

    def forward(self, x: Any) -> Tensor:
        return type(self).function(x)


class _PointwiseInPlace(_Pointwise):
    """A `_Pointwise` whose PyTorch module takes `inplace` (see the module's docstring)."""

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return _inplace(self)


def _inplace(module: Any, separator: str = "") -> str:
    """PyTorch's repr of `inplace`: shown only when set."""
    return f"{separator}inplace=True" if module.inplace else ""


class Hardtanh(Module):
    """x clipped to [min_val, max_val] (`hardtanh`)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        self.min_val, self.max_val = float(min_val), float(max_val)
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Tensor:
        return hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace(self, ", ")


class ReLU6(_PointwiseInPlace):
    """min(max(x, 0), 6) (`relu6`)."""

    function = staticmethod(relu6)


class Hardsigmoid(_PointwiseInPlace):
    """relu6(x + 3) / 6 (`hardsigmoid`)."""

    function = staticmethod(hardsigmoid)


class Hardswish(_PointwiseInPlace):
    """x * relu6(x + 3) / 6 (`hardswish`)."""

    function = staticmethod(hardswish)


class Mish(_PointwiseInPlace):
    """x * tanh(softplus(x)) (`mish`)."""

    function = staticmethod(mish)


class LogSigmoid(_Pointwise):
    """log(sigmoid(x)) (`logsigmoid`)."""

    function = staticmethod(logsigmoid)


class PReLU(Module):
    """x for x > 0, weight * x otherwise, with `num_parameters` learned slopes (1, or one per
    channel), each starting at `init`, as `torch.nn.PReLU`.

    >>> PReLU()(np.array([-2.0, 3.0], dtype=np.float32)).tolist()
    [-0.5, 3.0]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25,
                 dtype: Any = np.float32) -> None:
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or \
                num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got "
                             f"{num_parameters!r}")
        self.num_parameters = num_parameters
        self.weight = Tensor(aligned(np.full(num_parameters, init, dtype=dtype)),
                             requires_grad=True, name="weight")

    def forward(self, x: Any) -> Tensor:
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class SELU(_PointwiseInPlace):
    """scale * elu(x, alpha) with SELU's constants (`selu`)."""

    function = staticmethod(selu)


class Softsign(_Pointwise):
    """x / (1 + |x|) (`softsign`)."""

    function = staticmethod(softsign)


class Tanhshrink(_Pointwise):
    """x - tanh(x) (`tanhshrink`)."""

    function = staticmethod(tanhshrink)


class CELU(Module):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (`celu`)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        self.alpha = float(alpha)
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Tensor:
        return celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace(self, ", ")


class Softmin(Module):
    """softmax(-x) over `axis` (PyTorch's `dim`); the last axis by default (`softmin`)."""

    @torch_keywords
    def __init__(self, axis: int | None = -1) -> None:
        self.axis = -1 if axis is None else int(axis)  # None: PyTorch's default name

    def forward(self, x: Any) -> Tensor:
        return softmin(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class GLU(Module):
    """The first half of `axis` times the sigmoid of the second (`glu`); the last axis by
    default, as PyTorch's."""

    @torch_keywords
    def __init__(self, axis: int = -1) -> None:
        self.axis = int(axis)

    def forward(self, x: Any) -> Tensor:
        return glu(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Hardshrink(Module):
    """x where |x| > lambd, else 0 (`hardshrink`)."""

    def __init__(self, lambd: float = 0.5) -> None:
        self.lambd = float(lambd)

    def forward(self, x: Any) -> Tensor:
        return hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x -+ lambd beyond +-lambd, else 0 (`softshrink`)."""

    def __init__(self, lambd: float = 0.5) -> None:
        self.lambd = float(lambd)

    def forward(self, x: Any) -> Tensor:
        return softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Threshold(Module):
    """x where x > threshold, else `value` (`threshold`)."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        self.threshold, self.value = float(threshold), float(value)
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Tensor:
        return threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + _inplace(self, ", ")
