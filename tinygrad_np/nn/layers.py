"""Layers: `Linear`, `Sequential`, `Flatten`, and activation modules for PyTorch-style models.

>>> import numpy as np
>>> from tinygrad_np.nn import Linear, ReLU, Sequential
>>> model = Sequential(Linear(784, 128, init="he", rng=0), ReLU(), Linear(128, 10, rng=1))
>>> model(np.zeros((32, 784), dtype=np.float32)).shape
(32, 10)
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, overload

import numpy as np

from ..composite import bilinear, channel_shuffle, pixel_shuffle, pixel_unshuffle
from ..functional import relu, sigmoid, softmax, tanh
from ..memory import aligned
from ..tensor import Tensor
from ..torch_keywords import torch_keywords
from .init import Initializer, RngLike, as_rng, get_initializer, zeros
from .module import Module, Parameter, _adopt

__all__ = ["Flatten", "Identity", "Linear", "ReLU", "Sequential", "Sigmoid", "Tanh", "Unflatten"]


class Linear(Module):
    """`x @ weight + bias`, with `weight` of shape (in_features, out_features) as in the
    tutorial maths `x @ W1 + b1` (PyTorch stores the transpose).

    `init` is "glorot" (Glorot/Xavier uniform, the default), "he" (He normal, for ReLU),
    another name from `nn.init.INITIALIZERS`, or a callable `(shape, rng, dtype) -> array`.
    The bias starts at zero. `rng` is a `np.random.Generator` or an int seed.

    >>> layer = Linear(3, 2, rng=0)
    >>> layer.weight.shape, layer.bias.shape, layer.weight.dtype
    ((3, 2), (2,), dtype('float32'))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: str | Initializer = "glorot", rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        for what, size in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
                raise ValueError(f"Linear: {what} must be a positive int, got {size!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        shape = (self.in_features, self.out_features)
        weight = np.asarray(get_initializer(init)(shape, as_rng(rng), dtype))
        if weight.shape != shape:
            raise ValueError(f"Linear: init {init!r} returned shape {weight.shape}, "
                             f"expected {shape}")
        self.weight = Parameter(aligned(weight.astype(dtype, copy=False)), name="weight")
        self.bias = (Parameter(zeros((self.out_features,), dtype=dtype), name="bias")
                     if bias else None)

    def forward(self, x: Any) -> Tensor:
        out = x @ self.weight
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Apply modules (or any callables, such as `tinygrad_np.relu`) one after the other.

    They are kept in the list `layers`, so parameters are named "layers.0.weight", ...

    >>> model = Sequential(Linear(2, 4, rng=0), Tanh(), Linear(4, 1, rng=1))
    >>> [name for name, _ in model.named_parameters()][:2]
    ['layers.0.weight', 'layers.0.bias']
    >>> from tinygrad_np import relu
    >>> Sequential(Linear(2, 2, rng=0), relu).append(Linear(2, 1, rng=1))
    Sequential(
      (layers.0): Linear(in_features=2, out_features=2, bias=True)
      (layers.1): relu
      (layers.2): Linear(in_features=2, out_features=1, bias=True)
    )
    """

    def __init__(self, *layers: Callable[[Any], Any]) -> None:
        for index, layer in enumerate(layers):
            _check_layer(layer, index)
        self.layers = list(layers)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def append(self, layer: Callable[[Any], Any]) -> Sequential:
        """Add `layer` at the end; returns self (as PyTorch's)."""
        _check_layer(layer, len(self.layers))
        _adopt(f"layers.{len(self.layers)}", layer)
        self.layers.append(layer)
        return self

    def extend(self, layers: Any) -> Sequential:
        """`append` each of `layers`; returns self."""
        for layer in layers:
            self.append(layer)
        return self

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Any:
        """A layer, or for a slice a new Sequential sharing those layers."""
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def insert(self, index: int, layer: Callable[[Any], Any]) -> Sequential:
        """Insert `layer` before `index` (the later layers' names shift up); returns self,
        as PyTorch's (an index beyond either end is an IndexError)."""
        if not -len(self.layers) <= index <= len(self.layers):
            raise IndexError(f"Sequential.insert: index {index} out of range for "
                             f"{len(self.layers)} layers")
        _check_layer(layer, index)
        self.layers.insert(index, layer)
        return self

    def pop(self, index: int | slice = -1) -> Any:
        """Remove and return the layer at `index` (the last by default; a slice gives a
        Sequential), as PyTorch's."""
        popped = self[index]
        del self[index]
        return popped

    def __setitem__(self, index: int, layer: Callable[[Any], Any]) -> None:
        _check_layer(layer, index)
        _adopt(f"layers.{index % len(self.layers)}", layer)
        self.layers[index] = layer

    def __delitem__(self, index: int | slice) -> None:
        del self.layers[index]  # the later layers' names shift down, as PyTorch's

    def __add__(self, other: Sequential) -> Sequential:
        """A new Sequential of this one's layers then `other`'s (the same layers)."""
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: + takes another Sequential, got "
                             f"{type(other).__name__} (as PyTorch's)")
        return Sequential(*self.layers, *other.layers)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: += takes another Sequential, got "
                             f"{type(other).__name__} (as PyTorch's)")
        return self.extend(other.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.layers)

    def __repr__(self) -> str:
        # Every layer, plain functions included (a module's default repr shows modules only).
        from .module import _layer_repr

        lines = [f"(layers.{index}): {_layer_repr(layer)}"
                 for index, layer in enumerate(self.layers)]
        return "Sequential(" + "".join("\n  " + line for line in lines) + ("\n)" if lines else ")")


def _check_layer(layer: Any, index: int) -> None:
    if not callable(layer):
        raise TypeError(f"Sequential: layer {index} is a {type(layer).__name__}, "
                        f"which cannot be called")


class Flatten(Module):
    """Merge axes `start_axis` .. `end_axis` (inclusive) into one; by default every axis
    after the batch axis: (N, C, H, W) -> (N, C*H*W). PyTorch's `Flatten(start_dim, end_dim)`.

    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    >>> Flatten(0, 1)(np.zeros((2, 3, 4))).shape
    (6, 4)
    """

    @torch_keywords
    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        self.start_axis = int(start_axis)
        self.end_axis = int(end_axis)

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        shape = x.shape
        ndim = len(shape)
        start, end = self.start_axis, self.end_axis
        if not (-ndim <= start < ndim and -ndim <= end < ndim) or start % ndim > end % ndim:
            raise ValueError(f"Flatten: cannot flatten axes {start}..{end} of an input of "
                             f"shape {shape}")
        start, end = start % ndim, end % ndim
        return x.reshape(shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"


class Unflatten(Module):
    """Split axis `axis` into `unflattened_size` (one entry may be -1), as PyTorch's
    `Unflatten(dim, unflattened_size)`: the inverse of `Flatten`.

    >>> Unflatten(1, (3, 4))(np.zeros((2, 12))).shape
    (2, 3, 4)
    """

    @torch_keywords
    def __init__(self, axis: int, unflattened_size: Any) -> None:
        self.axis = int(axis)
        self.unflattened_size = tuple(int(n) for n in unflattened_size)

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        shape = x.shape
        if not -len(shape) <= self.axis < len(shape):
            raise ValueError(f"Unflatten: axis {self.axis} is out of range for an input of "
                             f"shape {shape}")
        axis = self.axis % len(shape)
        sizes = self.unflattened_size
        known = math.prod(n for n in sizes if n != -1)
        if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[axis]) or \
                (-1 in sizes and (known == 0 or shape[axis] % known)):
            raise ValueError(f"Unflatten: axis {self.axis} of an input of shape {shape} "
                             f"(size {shape[axis]}) cannot be split into {sizes}")
        return x.reshape(shape[:axis] + sizes + shape[axis + 1:])

    def extra_repr(self) -> str:  # PyTorch's
        return f"dim={self.axis}, unflattened_size={self.unflattened_size}"


class Identity(Module):
    """Its input, unchanged (as a Tensor): a placeholder, or a residual block's shortcut, as
    PyTorch's `Identity` (which also takes and ignores any arguments).

    >>> Identity(54, unused="x")(np.ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def forward(self, x: Any) -> Tensor:
        return x if isinstance(x, Tensor) else Tensor(x)


class ReLU(Module):
    """max(x, 0) as a module. Has no parameters. `inplace=True` is accepted, for PyTorch
    code, and gives the same result out of place (see nn/activation.py).

    >>> ReLU(inplace=True)
    ReLU(inplace=True)
    """

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Tensor:
        return relu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x)) as a module. Has no parameters."""

    def forward(self, x: Any) -> Tensor:
        return sigmoid(x)


class Tanh(Module):
    """tanh(x) as a module. Has no parameters."""

    def forward(self, x: Any) -> Tensor:
        return tanh(x)


class PixelShuffle(Module):
    """`torch.nn.PixelShuffle`: `pixel_shuffle` (*, C * r * r, H, W) -> (*, C, H * r, W * r).

    >>> PixelShuffle(2)(np.zeros((1, 8, 3, 3), dtype=np.float32)).shape
    (1, 2, 6, 6)
    """

    def __init__(self, upscale_factor: int) -> None:
        self.upscale_factor = upscale_factor

    def forward(self, x: Any) -> Tensor:
        return pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """`torch.nn.PixelUnshuffle`: `pixel_unshuffle`, the inverse of `PixelShuffle`.

    >>> PixelUnshuffle(2)(np.zeros((1, 2, 6, 6), dtype=np.float32)).shape
    (1, 8, 3, 3)
    """

    def __init__(self, downscale_factor: int) -> None:
        self.downscale_factor = downscale_factor

    def forward(self, x: Any) -> Tensor:
        return pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """`channel_shuffle` as a module, `torch.nn.ChannelShuffle(groups)`."""

    def __init__(self, groups: int) -> None:
        self.groups = groups

    def forward(self, x: Any) -> Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class Softmax2d(Module):
    """softmax over the channels of (N, C, H, W) or (C, H, W), `torch.nn.Softmax2d`."""

    def forward(self, x: Any) -> Tensor:
        ndim = x.ndim if isinstance(x, Tensor) else np.ndim(x)
        if ndim not in (3, 4):
            raise ValueError(f"Softmax2d: input must be 3-D or 4-D, got {ndim}-D")
        return softmax(x, axis=-3)


class Bilinear(Module):
    """`torch.nn.Bilinear(in1_features, in2_features, out_features, bias=True)`:
    y = x1 . weight[o] . x2 + bias (`bilinear`), weight (out, in1, in2) and bias starting
    uniform in +-1 / sqrt(in1_features), as PyTorch's."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, rng: RngLike = None, dtype: Any = np.float32) -> None:
        generator = as_rng(rng)
        bound = 1.0 / math.sqrt(in1_features)
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(aligned(generator.uniform(
            -bound, bound, (out_features, in1_features, in2_features)).astype(dtype)))
        self.bias = Parameter(generator.uniform(-bound, bound, out_features).astype(dtype)) \
            if bias else None

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return bilinear(x1, x2, self.weight, self.bias)

    def extra_repr(self) -> str:  # PyTorch's
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
