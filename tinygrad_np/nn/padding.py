"""Padding layers, as PyTorch's: `ZeroPad1d/2d/3d`, `ConstantPad1d/2d/3d`,
`ReflectionPad1d/2d/3d`, `ReplicationPad1d/2d/3d`, `CircularPad1d/2d/3d`. Each is the
differentiable `pad` of its last one, two or three axes; the padding is PyTorch's (left,
right[, top, bottom[, front, back]]), the last axis first.

>>> import numpy as np
>>> ReflectionPad1d(2)(np.arange(4.0).reshape(1, 1, 4)).tolist()
[[[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..function import OpError
from ..tensor import Tensor
from ..tensor_ops import pad
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d",
           "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d",
           "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d",
           "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]


class _PadNd(Module):
    """Pads the last `dims` axes of inputs of `dims + 1` or `dims + 2` axes."""

    dims = 0
    mode = "constant"

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        name = type(self).__name__
        count = 2 * self.dims
        sides = (padding,) * count if isinstance(padding, (int, np.integer)) else tuple(padding)
        if len(sides) != count or not all(isinstance(p, (int, np.integer))
                                           and not isinstance(p, bool) and p >= 0
                                           for p in sides):
            raise ValueError(f"{name}: padding must be an int or {count} ints >= 0, got "
                             f"{padding!r}")
        self.padding = tuple(int(p) for p in sides)
        self.value = float(value)

    def forward(self, x: Any) -> Tensor:
        data = (x if isinstance(x, Tensor) else Tensor(x)).data
        if data.ndim not in (self.dims + 1, self.dims + 2):
            raise OpError(f"{type(self).__name__}: input of shape {data.shape} must have "
                          f"{self.dims + 1} or {self.dims + 2} axes")
        pairs = [self.padding[i:i + 2] for i in range(0, len(self.padding), 2)][::-1]
        width = [(0, 0)] * (data.ndim - self.dims) + pairs
        return pad(x, width, value=self.value, mode=self.mode)

    def extra_repr(self) -> str:  # PyTorch's
        return str(self.padding)


class _ConstantPadNd(_PadNd):
    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ZeroPad1d(_PadNd):
    """`torch.nn.ZeroPad1d`: zeros on the left and right of the last axis."""

    dims = 1


class ZeroPad2d(_PadNd):
    """`torch.nn.ZeroPad2d`: zeros around the last two axes, padding (left, right, top,
    bottom).

    >>> ZeroPad2d((1, 0, 0, 2))(np.ones((1, 1, 1, 1))).tolist()
    [[[[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]]]]
    """

    dims = 2


class ConstantPad1d(_ConstantPadNd):
    """`torch.nn.ConstantPad1d(padding, value)`."""

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """`torch.nn.ConstantPad2d(padding, value)`."""

    dims = 2


class ReflectionPad1d(_PadNd):
    """`torch.nn.ReflectionPad1d`: the input mirrored about its edge elements."""

    dims, mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """`torch.nn.ReflectionPad2d`."""

    dims, mode = 2, "reflect"


class ReplicationPad1d(_PadNd):
    """`torch.nn.ReplicationPad1d`: the edge elements repeated."""

    dims, mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """`torch.nn.ReplicationPad2d`."""

    dims, mode = 2, "replicate"


class CircularPad1d(_PadNd):
    """`torch.nn.CircularPad1d`: the input wrapped around."""

    dims, mode = 1, "circular"


class CircularPad2d(_PadNd):
    """`torch.nn.CircularPad2d`."""

    dims, mode = 2, "circular"


class ZeroPad3d(_PadNd):
    """`torch.nn.ZeroPad3d`: zeros around the last three axes, padding (left, right, top,
    bottom, front, back).

    >>> ZeroPad3d((0, 0, 0, 0, 1, 0))(np.ones((1, 1, 1, 1))).tolist()
    [[[[0.0]], [[1.0]]]]
    """

    dims = 3


class ConstantPad3d(_ConstantPadNd):
    """`torch.nn.ConstantPad3d(padding, value)`."""

    dims = 3


class ReflectionPad3d(_PadNd):
    """`torch.nn.ReflectionPad3d`."""

    dims, mode = 3, "reflect"


class ReplicationPad3d(_PadNd):
    """`torch.nn.ReplicationPad3d`."""

    dims, mode = 3, "replicate"


class CircularPad3d(_PadNd):
    """`torch.nn.CircularPad3d`."""

    dims, mode = 3, "circular"
