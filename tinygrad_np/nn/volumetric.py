"""3-D convolution and pooling layers over (N, C, D, H, W), as PyTorch's: Conv3d,
ConvTranspose3d, MaxPool3d, AvgPool3d, LPPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d, over
`tinygrad_np.volumetric`.

>>> import numpy as np
>>> Conv3d(2, 4, 3, padding=1, rng=0)(np.zeros((1, 2, 4, 4, 4), dtype=np.float32)).shape
(1, 4, 4, 4, 4)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ..volumetric import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                          conv_transpose3d, lp_pool3d, max_pool3d)
from .conv import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, ConvTranspose2d, LPPool2d,
                   MaxPool2d, _ConvNd, _tuple)
from .init import RngLike

__all__ = ["AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "AvgPool3d", "Conv3d", "ConvTranspose3d",
           "LPPool3d", "MaxPool3d"]


class Conv3d(_ConvNd):
    """3-D convolution over (N, in_channels, D, H, W), as `torch.nn.Conv3d` (PyTorch's
    initialisation and padding modes)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        super().__init__("Conv3d", in_channels, out_channels, kernel_size, 3, stride, padding,
                         dilation, groups, bias, False, rng, dtype, padding_mode)

    def forward(self, x: Any) -> Tensor:
        x, padding = self._padded(x)
        return conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                      self.groups)


class ConvTranspose3d(ConvTranspose2d):
    """Transposed 3-D convolution, as `torch.nn.ConvTranspose3d` (same argument order;
    `forward(x, output_size=None)`)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        _ConvNd.__init__(self, "ConvTranspose3d", in_channels, out_channels, kernel_size, 3,
                         stride, padding, dilation, groups, bias, True, rng, dtype,
                         padding_mode)
        self.output_padding = _tuple(output_padding, 3, "output_padding", "ConvTranspose3d",
                                     one=True)

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        extra = self._output_padding(x, output_size)
        return conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding, extra,
                                self.groups, self.dilation)


class MaxPool3d(MaxPool2d):
    """Largest value of each 3-D window, as `torch.nn.MaxPool3d` (ties: the first largest
    in (depth, row, column) order); `return_indices=True` gives (output, indices)."""

    def forward(self, x: Any) -> Any:
        return max_pool3d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)


class AvgPool3d(AvgPool2d):
    """Mean of each 3-D window, as `torch.nn.AvgPool3d`."""

    def forward(self, x: Any) -> Tensor:
        return avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Average pooling to a fixed (D, H, W) size, as `torch.nn.AdaptiveAvgPool3d`."""

    def forward(self, x: Any) -> Tensor:
        return adaptive_avg_pool3d(x, self.output_size)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """The largest value of each of PyTorch's adaptive 3-D windows, as
    `torch.nn.AdaptiveMaxPool3d`; with `return_indices=True`, (output, indices).

    >>> AdaptiveMaxPool3d((1, 2, 2))(np.zeros((1, 3, 4, 4, 4), dtype=np.float32)).shape
    (1, 3, 1, 2, 2)
    """

    def forward(self, x: Any) -> Any:
        return adaptive_max_pool3d(x, self.output_size, self.return_indices)


class LPPool3d(LPPool2d):
    """`torch.nn.LPPool3d`: `lp_pool3d`, each 3-D window's p-norm (p = norm_type).

    >>> LPPool3d(2, 2)(np.ones((1, 3, 4, 4, 4), dtype=np.float32)).shape
    (1, 3, 2, 2, 2)
    """

    dims = 3

    def forward(self, x: Any) -> Tensor:
        return lp_pool3d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
