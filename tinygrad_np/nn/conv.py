"""Convolution and pooling layers, with PyTorch's names, arguments and default initialisation.

>>> import numpy as np
>>> from tinygrad_np import nn
>>> net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2, rng=0), nn.ReLU(), nn.MaxPool2d(2))
>>> net(np.zeros((8, 1, 28, 28), dtype=np.float32)).shape
(8, 6, 14, 14)

Weights are laid out as in PyTorch: (out_channels, in_channels // groups, kh, kw) for
`Conv2d`, (in_channels, out_channels // groups, kh, kw) for `ConvTranspose2d`, so a PyTorch
state dict's arrays load as they are. Weight and bias start uniform in +-1/sqrt(fan_in)
(PyTorch's kaiming_uniform_ with a=sqrt(5), and its bias rule), fan_in being the weight's
size(1) * kh * kw.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..functional import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                          adaptive_max_pool2d, avg_pool1d, avg_pool2d, conv1d, conv2d,
                          conv_transpose1d, conv_transpose2d, fold, interpolate, lp_pool1d,
                          lp_pool2d, max_pool1d, max_pool2d, max_unpool1d, max_unpool2d, unfold)
from ..memory import aligned
from ..ops.conv import same_sides
from ..tensor_ops import pad
from ..tensor import Tensor
from .init import RngLike, as_rng
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AvgPool1d", "AvgPool2d", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d",
           "MaxPool2d", "Upsample"]


# a conv layer's padding_mode: PyTorch's names (pad takes numpy's too)
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value: Any, n: int, what: str, layer: str, one: bool = False) -> tuple[int, ...]:
    """An int (repeated n times) or a sequence of n ints, as a tuple; with `one`, a sequence
    of one int too, repeated (PyTorch's conv layers take `padding=(1,)` for every axis)."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if one and len(values) == 1:
        values = values * n
    if len(values) != n or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                   for v in values):
        raise ValueError(f"{layer}: {what} must be an int or {n} ints, got {value!r}")
    return tuple([int(v) for v in values])


def _positive(value: Any, what: str, layer: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{layer}: {what} must be a positive int, got {value!r}")
    return int(value)


class _ConvNd(Module):
    """What the convolution layers share: checked sizes and geometry, PyTorch's
    initialisation, repr."""

    def __init__(self, layer: str, in_channels: int, out_channels: int, kernel_size: Any,
                 dims: int, stride: Any, padding: Any, dilation: Any, groups: int, bias: bool,
                 transposed: bool, rng: RngLike, dtype: Any,
                 padding_mode: str = "zeros") -> None:
        self.in_channels = _positive(in_channels, "in_channels", layer)
        self.out_channels = _positive(out_channels, "out_channels", layer)
        self.groups = _positive(groups, "groups", layer)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{layer}: groups={groups} must divide in_channels "
                             f"({in_channels}) and out_channels ({out_channels})")
        self.kernel_size = _tuple(kernel_size, dims, "kernel_size", layer)
        if min(self.kernel_size) < 1:
            raise ValueError(f"{layer}: kernel_size must be positive, got {kernel_size!r}")
        self.stride = _tuple(stride, dims, "stride", layer, one=True)
        # "same" / "valid" for a convolution; a transposed one takes numbers only
        self.padding = padding if isinstance(padding, str) and not transposed else _tuple(
            padding, dims, "padding", layer, one=True)
        self.dilation = _tuple(dilation, dims, "dilation", layer, one=True)
        if isinstance(self.padding, str):  # refused here, as PyTorch does, not at the first call
            if self.padding not in ("same", "valid"):
                raise ValueError(f"{layer}: padding must be an int, {dims} ints, 'valid' or "
                                 f"'same', got {padding!r}")
            if self.padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{layer}: padding='same' needs stride 1, got stride "
                                 f"{self.stride}")
        modes = PADDING_MODES[:1] if transposed else PADDING_MODES
        if padding_mode not in modes:
            names = ", ".join(repr(m) for m in modes[:-1])
            raise ValueError(f"{layer}: padding_mode must be "
                             + (f"{names} or " if names else "") + f"{modes[-1]!r}, got "
                             f"{padding_mode!r}")
        self.padding_mode = padding_mode
        if transposed:
            shape = (self.in_channels, self.out_channels // groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // groups, *self.kernel_size)
        fan_in = shape[1] * math.prod(self.kernel_size)
        bound = 1.0 / math.sqrt(fan_in)
        generator = as_rng(rng)
        # sampled in float64, then cast: one seed gives the same weights whatever the dtype
        self.weight = Tensor(aligned(generator.uniform(-bound, bound, size=shape).astype(dtype)),
                             requires_grad=True, name="weight")
        self.bias = (Tensor(aligned(generator.uniform(-bound, bound, size=self.out_channels)
                            .astype(dtype)), requires_grad=True, name="bias") if bias else None)

    def extra_repr(self) -> str:  # PyTorch's, setting for setting
        ones, zeros = (1,) * len(self.kernel_size), (0,) * len(self.kernel_size)
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        text += _nondefault(padding=(self.padding, zeros), dilation=(self.dilation, ones),
                            output_padding=(getattr(self, "output_padding", zeros), zeros))
        if self.groups != 1:
            text += f", groups={self.groups}"
        text += "" if self.bias is not None else ", bias=False"
        return text + _nondefault(padding_mode=(self.padding_mode, "zeros"))

    def _padded(self, x: Any) -> tuple[Any, Any]:
        """The input and the padding the conv itself adds: with a padding_mode other than
        zeros, the input padded that way (by a Pad, differentiable) and none."""
        if self.padding_mode == "zeros":
            return x, self.padding
        sides: list[tuple[int, int]]
        if self.padding == "same":  # PyTorch's split, the extra after
            sides = same_sides(self.kernel_size, self.dilation)
        elif self.padding == "valid":
            sides = [(0, 0)] * len(self.kernel_size)
        else:
            sides = [(int(p), int(p)) for p in self.padding]
        batch = [(0, 0)] * (np.ndim(x.data if isinstance(x, Tensor) else x) - len(sides))
        return pad(x, [*batch, *sides], mode=self.padding_mode), \
            (0,) * len(self.kernel_size)


class Conv2d(_ConvNd):
    """2-D convolution over (N, in_channels, H, W), as `torch.nn.Conv2d`.

    >>> conv = Conv2d(3, 8, 3, stride=2, padding=1, rng=0)
    >>> conv.weight.shape, conv(np.zeros((2, 3, 32, 32), dtype=np.float32)).shape
    ((8, 3, 3, 3), (2, 8, 16, 16))
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, 2, stride, padding,
                         dilation, groups, bias, False, rng, dtype, padding_mode)

    def forward(self, x: Any) -> Tensor:
        x, padding = self._padded(x)
        return conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                      self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over (N, in_channels, L), as `torch.nn.Conv1d`.

    >>> Conv1d(4, 2, 3, padding=1, rng=0)(np.zeros((5, 4, 10), dtype=np.float32)).shape
    (5, 2, 10)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: int = 1,
                 padding: int | str = 0, dilation: int = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        super().__init__("Conv1d", in_channels, out_channels, kernel_size, 1, stride, padding,
                         dilation, groups, bias, False, rng, dtype, padding_mode)

    def forward(self, x: Any) -> Tensor:
        x, padding = self._padded(x)
        padding = padding if isinstance(padding, str) else padding[0]
        return conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0],
                      self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution, as `torch.nn.ConvTranspose2d` (same argument order).

    >>> up = ConvTranspose2d(8, 3, 4, stride=2, padding=1, rng=0)
    >>> up.weight.shape, up(np.zeros((2, 8, 16, 16), dtype=np.float32)).shape
    ((8, 3, 4, 4), (2, 3, 32, 32))
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        super().__init__("ConvTranspose2d", in_channels, out_channels, kernel_size, 2, stride,
                         padding, dilation, groups, bias, True, rng, dtype, padding_mode)
        self.output_padding = _tuple(output_padding, 2, "output_padding", "ConvTranspose2d",
                                     one=True)

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        extra = self._output_padding(x, output_size)
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, extra,
                                self.groups, self.dilation)

    def _output_padding(self, x: Any, output_size: Any) -> tuple[int, ...]:
        """The output_padding that gives `output_size` (PyTorch's: its last axes, each between
        the smallest output and that plus stride - 1), or the layer's own without one."""
        if output_size is None:
            return self.output_padding
        dims = len(self.kernel_size)
        spatial = tuple((x if isinstance(x, Tensor) else Tensor(x)).shape[-dims:])
        sizes = [int(v) for v in tuple(output_size)[-dims:]]
        padding = [int(p) for p in self.padding]  # numbers: a transposed conv's
        smallest = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                    zip(spatial, self.stride, padding, self.dilation, self.kernel_size)]
        largest = [m + s - 1 for m, s in zip(smallest, self.stride)]
        if len(sizes) != dims or not all(lo <= v <= hi for v, lo, hi in
                                         zip(sizes, smallest, largest)):
            raise ValueError(f"{type(self).__name__}: requested an output size of "
                             f"{list(output_size)}, but valid sizes range from {smallest} to "
                             f"{largest} (for an input of {spatial})")
        return tuple(v - m for v, m in zip(sizes, smallest))


class ConvTranspose1d(ConvTranspose2d):
    """Transposed 1-D convolution over (N, in_channels, L), as `torch.nn.ConvTranspose1d`.

    >>> ConvTranspose1d(4, 2, 3, stride=2, rng=0)(np.zeros((1, 4, 5), dtype=np.float32)).shape
    (1, 2, 11)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        _ConvNd.__init__(self, "ConvTranspose1d", in_channels, out_channels, kernel_size, 1,
                         stride, padding, dilation, groups, bias, True, rng, dtype,
                         padding_mode)
        self.output_padding = _tuple(output_padding, 1, "output_padding", "ConvTranspose1d")

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        extra = self._output_padding(x, output_size)
        return conv_transpose1d(x, self.weight, self.bias, self.stride[0], self.padding[0],
                                extra[0], self.groups, self.dilation[0])


def _nondefault(**settings: tuple[Any, Any]) -> str:
    return "".join(f", {name}={value}" for name, (value, default) in settings.items()
                   if value != default)


class MaxPool2d(Module):
    """Largest value of each window, as `torch.nn.MaxPool2d` (same arguments; stride defaults
    to kernel_size). Ties: the gradient goes to the window's first largest element in
    row-major order. With `return_indices=True` it returns (output, indices), as
    `max_pool2d`, for `MaxUnpool2d`.

    >>> MaxPool2d(2)(np.zeros((1, 3, 8, 8), dtype=np.float32)).shape
    (1, 3, 4, 4)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = _flag(return_indices, "return_indices", type(self).__name__)
        self.ceil_mode = ceil_mode

    def forward(self, x: Any) -> Any:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean of each window, as `torch.nn.AvgPool2d` (same arguments: padding counts in the
    mean unless count_include_pad=False).

    >>> AvgPool2d(3, stride=1, padding=1)(np.zeros((1, 3, 8, 8), dtype=np.float32)).shape
    (1, 3, 8, 8)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Any) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:  # PyTorch's: the three main settings only
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size, as `torch.nn.AdaptiveAvgPool2d` (`None` keeps
    an input size; sizes that do not divide the input's take PyTorch's uneven windows).

    >>> AdaptiveAvgPool2d(1)(np.zeros((2, 16, 7, 7), dtype=np.float32)).shape
    (2, 16, 1, 1)
    """

    def __init__(self, output_size: Any) -> None:
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxPool1d(MaxPool2d):
    """`torch.nn.MaxPool1d`: `MaxPool2d` over (N, C, L).

    >>> MaxPool1d(2)(np.zeros((1, 3, 9), dtype=np.float32)).shape
    (1, 3, 4)
    """

    def forward(self, x: Any) -> Any:
        return max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)


class AvgPool1d(AvgPool2d):
    """`torch.nn.AvgPool1d`: `AvgPool2d` over (N, C, L) (settings kept as 1-tuples, as PyTorch
    keeps them; no divisor_override, as in PyTorch).

    >>> AvgPool1d(3, stride=1, padding=1)(np.zeros((1, 3, 9), dtype=np.float32)).shape
    (1, 3, 9)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__(_tuple(kernel_size, 1, "kernel_size", "AvgPool1d"),
                         None if stride is None else _tuple(stride, 1, "stride", "AvgPool1d"),
                         _tuple(padding, 1, "padding", "AvgPool1d"), ceil_mode,
                         count_include_pad)

    def forward(self, x: Any) -> Tensor:
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """`torch.nn.AdaptiveAvgPool1d`: average pooling of (N, C, L) to `output_size` windows.

    >>> AdaptiveAvgPool1d(4)(np.zeros((2, 3, 10), dtype=np.float32)).shape
    (2, 3, 4)
    """

    def forward(self, x: Any) -> Tensor:
        return adaptive_avg_pool1d(x, self.output_size)


class AdaptiveMaxPool2d(AdaptiveAvgPool2d):
    """`torch.nn.AdaptiveMaxPool2d`: the largest value of each of PyTorch's adaptive windows;
    with `return_indices=True`, (output, indices).

    >>> AdaptiveMaxPool2d((2, 3))(np.zeros((1, 4, 5, 7), dtype=np.float32)).shape
    (1, 4, 2, 3)
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = _flag(return_indices, "return_indices", type(self).__name__)

    def forward(self, x: Any) -> Any:
        return adaptive_max_pool2d(x, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """`torch.nn.AdaptiveMaxPool1d`, over (N, C, L).

    >>> AdaptiveMaxPool1d(3)(np.zeros((1, 4, 10), dtype=np.float32)).shape
    (1, 4, 3)
    """

    def forward(self, x: Any) -> Any:
        return adaptive_max_pool1d(x, self.output_size, self.return_indices)


def _flag(value: Any, what: str, layer: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{layer}: {what} must be True or False, got {value!r}")
    return bool(value)


class LPPool2d(Module):
    """`torch.nn.LPPool2d`: `lp_pool2d`, each window's p-norm (p = norm_type).

    >>> LPPool2d(2, 2)(np.ones((1, 3, 4, 4), dtype=np.float32)).shape
    (1, 3, 2, 2)
    """

    dims = 2

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, x: Any) -> Tensor:
        pool = lp_pool2d if self.dims == 2 else lp_pool1d
        return pool(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:  # PyTorch's
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(LPPool2d):
    """`torch.nn.LPPool1d`, over (N, C, L).

    >>> LPPool1d(2, 3, stride=1)(np.ones((1, 2, 5), dtype=np.float32)).shape
    (1, 2, 3)
    """

    dims = 1


class MaxUnpool2d(Module):
    """`torch.nn.MaxUnpool2d`: the inverse of `MaxPool2d(..., return_indices=True)`, zeros with
    each value put back where its maximum was (`max_unpool2d`); called as
    `unpool(x, indices, output_size=None)`.

    >>> pool, unpool = MaxPool2d(2, return_indices=True), MaxUnpool2d(2)
    >>> out, indices = pool(np.arange(16.0).reshape(1, 1, 4, 4))
    >>> unpool(out, indices).shape
    (1, 1, 4, 4)
    """

    dims = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        name = type(self).__name__
        self.kernel_size = _tuple(kernel_size, self.dims, "kernel_size", name)
        self.stride = self.kernel_size if stride is None else _tuple(stride, self.dims,
                                                                     "stride", name)
        self.padding = _tuple(padding, self.dims, "padding", name)

    def forward(self, x: Any, indices: Any, output_size: Any = None) -> Tensor:
        unpool = max_unpool2d if self.dims == 2 else max_unpool1d
        return unpool(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """`torch.nn.MaxUnpool1d`, over (N, C, L).

    >>> MaxUnpool1d(2)
    MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    dims = 1


class Unfold(Module):
    """`torch.nn.Unfold`: `unfold` (im2col) with these settings.

    >>> Unfold(2)(np.zeros((1, 3, 4, 4), dtype=np.float32)).shape
    (1, 12, 9)
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, x: Any) -> Tensor:
        return unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:  # PyTorch's: the settings as given
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Unfold):
    """`torch.nn.Fold`: `fold` (col2im) into images of `output_size`.

    >>> Fold((4, 4), 2)(np.zeros((1, 12, 9), dtype=np.float32)).shape
    (1, 3, 4, 4)
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1,
                 padding: Any = 0, stride: Any = 1) -> None:
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return fold(x, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + super().extra_repr()


class Upsample(Module):
    """`torch.nn.Upsample`: `interpolate` to `size` or by `scale_factor` (kept as a float, as
    PyTorch keeps it).

    >>> Upsample(scale_factor=2)(np.zeros((1, 3, 4, 4), dtype=np.float32)).shape
    (1, 3, 8, 8)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        self.size = size
        self.scale_factor = (tuple(float(f) for f in scale_factor)
                             if isinstance(scale_factor, (tuple, list))
                             else float(scale_factor) if scale_factor else None)
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Any) -> Tensor:
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:  # PyTorch's
        what = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """`torch.nn.UpsamplingNearest2d`: `Upsample(size, scale_factor, mode="nearest")`."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """`torch.nn.UpsamplingBilinear2d`: bilinear with align_corners=True, as PyTorch's."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
