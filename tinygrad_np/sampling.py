"""Sampling images at given points, as PyTorch's `F.affine_grid` and `F.grid_sample` (what a
spatial transformer network is made of). Both are made of other ops, so the gradients with
respect to the image, the grid and theta come from those ops.

A grid holds, for each output pixel, a point (x, y) of the input in [-1, 1] coordinates:
-1 and 1 are the centres of the corner pixels with `align_corners=True`, their outer edges
otherwise.

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> image = Tensor(np.arange(4.0).reshape(1, 1, 2, 2))
>>> identity = Tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
>>> grid_sample(image, affine_grid(identity, (1, 1, 2, 2))).tolist()
[[[[0.0, 1.0], [2.0, 3.0]]]]
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .function import OpError
from .tensor import Tensor
from .tensor_ops import _tensor

__all__ = ["affine_grid", "grid_sample"]


def _base_coordinates(steps: int, align_corners: bool, dtype: Any) -> Any:
    """PyTorch's linspace_from_neg_one: the pixels' coordinates along one axis."""
    if steps <= 1:
        return np.zeros(1, dtype)
    line = np.linspace(-1.0, 1.0, steps, dtype=dtype)
    return line if align_corners else line * ((steps - 1) / steps)


def affine_grid(theta: Any, size: Any, align_corners: bool = False) -> Tensor:
    """The grid (N, H, W, 2) of `size` (N, C, H, W) that the affine maps theta (N, 2, 3) make
    of the output pixels' coordinates: (x, y) = theta @ (x_out, y_out, 1), as PyTorch's
    F.affine_grid. Differentiable in theta.

    >>> affine_grid(Tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), (1, 1, 1, 2)).tolist()
    [[[[-0.5, 0.0], [0.5, 0.0]]]]
    """
    theta = _tensor(theta)
    size = tuple(size)
    if theta.ndim != 3 or theta.shape[1:] != (2, 3) or len(size) != 4 or \
            theta.shape[0] != size[0]:
        raise OpError(f"affine_grid: theta must be (N, 2, 3) and size (N, C, H, W) with the same "
                      f"N, got theta {theta.shape} and size {size}")
    n, _, h, w = (int(v) for v in size)
    dtype = theta.dtype if theta.dtype.kind == "f" else np.float32
    base = np.ones((h, w, 3), dtype)
    base[..., 0] = _base_coordinates(w, align_corners, dtype)[None, :]
    base[..., 1] = _base_coordinates(h, align_corners, dtype)[:, None]
    points = Tensor(base.reshape(1, h * w, 3)) @ theta.transpose((0, 2, 1))  # (N, H * W, 2)
    return points.reshape(n, h, w, 2)


def _pixels(coordinate: Tensor, size: int, align_corners: bool) -> Tensor:
    """[-1, 1] coordinates as pixel positions along an axis `size` long."""
    if align_corners:
        return (coordinate + 1) * ((size - 1) / 2)
    return ((coordinate + 1) * size - 1) / 2


def _reflected(position: Tensor, twice_low: float, twice_high: float) -> Tensor:
    """PyTorch's reflect_coordinates: `position` mirrored at twice_low / 2 and twice_high / 2
    until it lies between them (the number of flips, read from the values, is a constant of
    the step; the mirrored distance carries the gradient, its sign flipped when odd)."""
    if twice_low == twice_high:
        return position * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    offset = position - low
    distance = offset * Tensor(np.where(offset.data < 0, -1, 1).astype(offset.dtype))
    flips = np.floor(distance.data / span)
    extra = distance - Tensor((flips * span).astype(distance.dtype))
    even = (flips % 2 == 0).astype(distance.dtype)
    # even flips: extra + low; odd: span - extra + low
    return extra * Tensor(2 * even - 1) + Tensor(((1 - even) * span + low).astype(even.dtype))


def _clipped(position: Tensor, size: int) -> Tensor:
    """position clipped to [0, size - 1]; the gradient passes strictly inside only, as
    PyTorch's clip_coordinates_set_grad (at an edge it is 0)."""
    values = position.data
    inside = ((values > 0) & (values < size - 1)).astype(values.dtype)
    return position * Tensor(inside) + Tensor(np.clip(values, 0, size - 1) * (1 - inside))


def _position(coordinate: Tensor, size: int, padding_mode: str,
              align_corners: bool) -> Tensor:
    position = _pixels(coordinate, size, align_corners)
    if padding_mode == "border":
        return _clipped(position, size)
    if padding_mode == "reflection":
        if align_corners:
            position = _reflected(position, 0, 2 * (size - 1))
        else:
            position = _reflected(position, -1, 2 * size - 1)
        return _clipped(position, size)
    return position


def _taken(image: Tensor, rows: Any, cols: Any) -> Tensor:
    """image (N, C, H, W) at integer positions rows, cols (N, Ho, Wo), those outside the image
    as 0: (N, C, Ho, Wo)."""
    n, _, h, w = image.shape
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    batch = np.arange(n).reshape(n, 1, 1)
    picked = image[batch, :, np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]  # (N, Ho, Wo, C)
    return picked.transpose((0, 3, 1, 2)) * Tensor(inside[:, None].astype(image.dtype))


def grid_sample(x: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool = False) -> Tensor:
    """x (N, C, H, W) sampled at the grid's points (N, Ho, Wo, 2), as PyTorch's
    F.grid_sample: "bilinear" weighs the four pixels around each point, "nearest" takes the
    nearest (ties to even); points outside the image read zeros ("zeros"), the nearest edge
    ("border"), or the image mirrored ("reflection"). Differentiable in x and in the grid.

    >>> import numpy as np
    >>> grid_sample(Tensor(np.arange(4.0).reshape(1, 1, 2, 2)), Tensor([[[[0.0, 0.0]]]])).tolist()
    [[[[1.5]]]]
    """
    op = "grid_sample"
    x, grid = _tensor(x), _tensor(grid)
    if mode not in ("bilinear", "nearest"):
        raise OpError(f"{op}: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise OpError(f"{op}: padding_mode must be 'zeros', 'border' or 'reflection', got "
                      f"{padding_mode!r}")
    if x.ndim != 4 or grid.ndim != 4 or grid.shape[3] != 2 or grid.shape[0] != x.shape[0]:
        raise OpError(f"{op}: input must be (N, C, H, W) and grid (N, Ho, Wo, 2) with the same "
                      f"N, got input {x.shape} and grid {grid.shape}")
    h, w = x.shape[2:]
    px = _position(grid[..., 0], w, padding_mode, align_corners)
    py = _position(grid[..., 1], h, padding_mode, align_corners)
    if mode == "nearest":
        return _taken(x, np.rint(py.data).astype(np.intp), np.rint(px.data).astype(np.intp))
    x0, y0 = np.floor(px.data), np.floor(py.data)
    right, down = px - Tensor(x0), py - Tensor(y0)  # the weights of the far pixels
    left, up = 1 - right, 1 - down
    c0, r0 = x0.astype(np.intp), y0.astype(np.intp)
    out = None
    for rows, cols, weight in ((r0, c0, up * left), (r0, c0 + 1, up * right),
                               (r0 + 1, c0, down * left), (r0 + 1, c0 + 1, down * right)):
        term = _taken(x, rows, cols) * weight.reshape((weight.shape[0], 1) + weight.shape[1:])
        out = term if out is None else out + term
    assert out is not None
    return out
